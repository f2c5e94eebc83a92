# tests/e2e/lib.sh: sourced by the guest-side checks.  One PASS/FAIL line
# per check, counted in $passed and $fails.  Every client runs under
# "timeout -k 10 S": ffmpeg ends only at the fourth SIGTERM, a KILL ends it.
passed=0 fails=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

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
