#!/usr/bin/env bash
# bench/vm-guest.sh DIR ROUNDS CODEC...: bench/run's end-to-end part, in the
# test VM with daedalus_v4l2.ko loaded and daedalusd connected.  For each
# CODEC, DIR/CODEC/ is a make-clip.sh clip.  FFmpeg decodes it to a null
# output directly (its own decoder) and through the node (CODEC_v4l2m2m),
# with the same -threads, alternating, ROUNDS times after one untimed run
# of each (the daemon loads its decoder's plugin at its first stream).
# The time is FFmpeg's -benchmark rtime: the decode, without the process's
# start-up, which under TCG costs seconds.  Prints per codec
#   vm-bench: CODEC ratio R direct-fps D bridge-fps B frames N
# R = B / D, medians of the rounds.
set -uo pipefail
dir=${1:?usage: vm-guest.sh DIR ROUNDS CODEC...}
rounds=${2:?usage: vm-guest.sh DIR ROUNDS CODEC...}
shift 2
threads=$(nproc)

# rtime DECODER FILE: the seconds FFmpeg took to decode FILE
rtime() {
	local out
	out=$(ffmpeg -nostdin -hide_banner -benchmark -threads "$threads" -c:v "$1" \
		-i "$2" -f null - 2>&1) || { echo "vm-bench: ffmpeg -c:v $1 failed:" >&2; echo "$out" | tail -5 >&2; return 1; }
	sed -n 's/.*bench: .*rtime=\([0-9.]*\)s.*/\1/p' <<< "$out" | tail -n 1
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

rc=0
for codec in "$@"; do
	clip=$dir/$codec
	file=$clip/$(cat "$clip/clip.name")
	frames=$(wc -l < "$clip/ref.md5")
	case $codec in hevc) direct=hevc ;; *) direct=$codec ;; esac
	if ! rtime "$direct" "$file" > /dev/null || ! rtime "${codec}_v4l2m2m" "$file" > /dev/null; then
		rc=1
		continue
	fi
	d=() b=()
	for ((r = 1; r <= rounds; r++)); do
		d+=("$(rtime "$direct" "$file")") || rc=1
		b+=("$(rtime "${codec}_v4l2m2m" "$file")") || rc=1
	done
	dm=$(printf '%s\n' "${d[@]}" | median)
	bm=$(printf '%s\n' "${b[@]}" | median)
	awk -v c="$codec" -v n="$frames" -v d="$dm" -v b="$bm" 'BEGIN {
		printf "vm-bench: %s ratio %.3f direct-fps %.1f bridge-fps %.1f frames %d\n", c, d / b, n / d, n / b, n }'
done
exit $rc
