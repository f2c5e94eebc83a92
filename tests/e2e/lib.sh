# tests/e2e/lib.sh: sourced by the guest-side checks.  One PASS/FAIL line
# per check, counted in $passed and $fails.  Every client runs under
# "timeout -k 10 S": ffmpeg ends only at the fourth SIGTERM, a KILL ends it.
passed=0 fails=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# wait_connected 1|0 SECONDS: until a daemon is connected (1) or none is
# (0), at most SECONDS; status 1 if it did not come to that
wait_connected() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(cat /sys/class/misc/daedalus-v4l2/connected)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# offered_fourccs NODE: the coded fourccs NODE offers, space-separated
offered_fourccs() {
	v4l2-ctl -d "$1" --list-formats-out | sed -n "s/.*\[[0-9]*\]: '\(....\)'.*/\1/p" | tr '\n' ' '
}

# modprobe_ MODULE [ARGS]: modprobe from the debug kernels' module tree
# when the VM has one (tests/vm/README.md), quietly
modprobe_() {
	if [ -n "${DAEDALUS_VM_MODDIR:-}" ]; then modprobe -d "$DAEDALUS_VM_MODDIR" "$@"; else modprobe "$@"; fi
} 2> /dev/null

# fourcc_of CODEC[-VARIANT]: the V4L2 fourcc of a make-clip.sh codec
fourcc_of() {
	case ${1%%-*} in
	vp9) echo VP90 ;; vp8) echo VP80 ;; h264) echo H264 ;; hevc) echo HEVC ;;
	mpeg2) echo MPG2 ;; mpeg4) echo MPG4 ;; av1) echo AV01 ;;
	esac
}

# verdict NAME REF.md5 OUT.md5: every frame as in the reference
verdict() {
	local n nref
	n=$(wc -l < "$3" 2> /dev/null || echo 0)
	nref=$(wc -l < "$2")
	if cmp -s "$2" "$3"; then
		pass "$1: $n/$nref frames bit-exact"
	else
		fail "$1: $n frames, expected $nref; first differences:"
		diff "$2" "$3" 2> /dev/null | head -5
	fi
}

# verdict_unordered NAME REF.md5 OUT.md5: the reference's frames, each
# bit-exact and once, in any order (a drain in the middle of a GOP with
# B-frames outputs the frames it has before the B-frames sent after it,
# which display earlier)
verdict_unordered() {
	local n nref
	n=$(wc -l < "$3" 2> /dev/null || echo 0)
	nref=$(wc -l < "$2")
	if cmp -s <(sort "$2") <(sort "$3"); then
		pass "$1: $n/$nref frames bit-exact$(cmp -s "$2" "$3" || echo ", in another order")"
	else
		fail "$1: $n frames, expected $nref; frames not in the reference:"
		comm -13 <(sort "$2") <(sort "$3") | head -5
	fi
}

# gst_md5 OUT.md5 LOG PIPELINE...: runs gst-launch-1.0 -q PIPELINE !
# checksumsink hash=md5 (within 300 s) and writes one MD5 per frame, the
# hashes only, as framemd5.sh does: the frames must be as ffmpeg packs them
# (I420 with lines of 4n bytes, as here).  No file of raw frames and no
# ffmpeg run after it (~10 s on a debug kernel).  gst-launch's messages go to LOG.
gst_md5() {
	local out=$1 log=$2 rc h
	shift 2
	timeout -k 10 300 gst-launch-1.0 -q "$@" ! checksumsink hash=md5 > "$out.sums" 2> "$log"
	rc=$?
	while read -r _ h; do
		if [[ $h =~ ^[0-9a-f]{32}$ ]]; then echo "$h"; fi
	done < "$out.sums" > "$out"
	rm -f "$out.sums"
	return $rc
}

# ---- rows of docs/reliability.md (tests/e2e/reliability-table.sh)
# row_begin: a row counts from here: the kernel log's length, kmemleak's
# suspects (with tests/vm/run --kmemleak), the FAILs so far
row_begin() {
	row_klines=$(dmesg | wc -l)
	row_kleaks=$(row_leak_count)
	row_fails=$fails
}
row_leak_count() {
	local k=/sys/kernel/debug/kmemleak
	if [ -w "$k" ] && echo scan > "$k" 2> /dev/null; then
		grep -c '^unreferenced object' "$k"
	else
		echo -
	fi
}
# row_leaks: kmemleak's new suspects since row_begin ("-" without it); it
# ignores objects younger than 5 s, and an object's first scan only
# records its checksum: 6 s, and two scans
row_leaks() {
	[ "$row_kleaks" = - ] && { echo -; return; }
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo $(($(row_leak_count) - row_kleaks))
}
# row TSV SCENARIO RUNS CLIENTS HUNG LEAKED: appends the row with the
# kernel log's lines of tests/vm/kernel-problems.ere since row_begin and
# the result: pass when no FAIL came since row_begin and the kernel
# reported nothing
row() {
	local problems reports result=pass
	problems=$(cat "$DAEDALUS_REPO/tests/vm/kernel-problems.ere")
	reports=$(dmesg | tail -n +$((row_klines + 1)) | grep -cE "$problems")
	[ "$fails" -eq "$row_fails" ] && [ "$reports" -eq 0 ] || result=FAIL
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${@:2:5}" "$reports" "$result" >> "$1"
	echo "row: $2: $result"
}
