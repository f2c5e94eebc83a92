#!/usr/bin/env bash
# bench/smoke.sh BENCH-NATIVE DAEDALUSD: the tests' short run of bench/run's
# native part (meson test --suite bench).  Checks that both modes work and
# that the daemon's counters are right, not the speed: on a 30-frame clip,
# 30 frames each way, every access unit counted and copied once, every
# frame copied once when the client takes the daemon's format, converted
# once when it sets NV12, rendered in place by the decoder when it sets
# YM12 (zero-copy), and each CAPTURE buffer mapped once, not each frame
# (capture-maps at most capture-buffers).
set -uo pipefail
bin=${1:?usage: smoke.sh BENCH-NATIVE DAEDALUSD}
daedalusd=${2:?usage: smoke.sh BENCH-NATIVE DAEDALUSD}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
# LINE: 0 < capture-maps <= capture-buffers (the client's CAPTURE buffers)
maps_once() {
	local maps bufs
	maps=$(sed -n 's/.* capture-maps=\([0-9]*\).*/\1/p' <<< "$1")
	bufs=$(sed -n 's/.* capture-buffers=\([0-9]*\).*/\1/p' <<< "$1")
	if [ -z "$maps" ] || [ -z "$bufs" ] || [ "$maps" -eq 0 ] || [ "$maps" -gt "$bufs" ]; then
		echo "FAIL: wanted 0 < capture-maps <= capture-buffers in: $1"
		fails=$((fails + 1))
	fi
}
expect() { # LINE KEY=VALUE...: every KEY has VALUE in LINE
	local line=$1 kv
	shift
	for kv in "$@"; do
		if [[ " $line " != *" $kv "* ]]; then
			echo "FAIL: wanted $kv in: $line"
			fails=$((fails + 1))
		fi
	done
}
for codec in h264 vp9; do
	tmpl=$("$daedalusd" --list 2> /dev/null | awk -v c="$codec" '$1 == c { sub(/^[a-z0-9]+ +/, ""); print; exit }')
	[ -n "$tmpl" ] || { echo "FAIL: daedalusd --list has no $codec template"; exit 1; }
	"$here/../tests/e2e/make-clip.sh" "$work/$codec" 30 320x180 "$codec" > /dev/null ||
		{ echo "FAIL: make-clip.sh $codec"; exit 1; }
	hdr=$work/$codec/clip.hdr
	line=$("$bin" direct "$codec" "$hdr" 320x180 "$tmpl") || { echo "FAIL: direct $codec"; exit 1; }
	echo "$codec ($tmpl): $line"
	expect "$line" mode=direct frames=30
	line=$("$bin" bridge "$codec" "$hdr" 320x180 "$tmpl" "$daedalusd") || { echo "FAIL: bridge $codec"; exit 1; }
	echo "$codec ($tmpl): $line"
	expect "$line" mode=bridge frames=30 access-units=30 bitstream-copies=30 \
		frames-copied=30 frames-converted=0
	maps_once "$line"
	line=$(BENCH_CLIENT_FOURCC=NV12 "$bin" bridge "$codec" "$hdr" 320x180 "$tmpl" "$daedalusd") ||
		{ echo "FAIL: bridge $codec to NV12"; exit 1; }
	echo "$codec ($tmpl), client NV12: $line"
	expect "$line" mode=bridge frames=30 frames-copied=0 frames-converted=30
	maps_once "$line"
done
# zero-copy: a client of YM12 in the node's memory, avdec rendering into
# its buffers (640x360: at 320 lines avdec_h264 pads its lines beyond the
# node's); every frame rendered in place (avdec copies the pictures it
# decoded before it negotiated into them itself), none copied by the daemon
tmpl=$("$daedalusd" --list 2> /dev/null | awk '$1 == "h264" { sub(/^[a-z0-9]+ +/, ""); print; exit }')
"$here/../tests/e2e/make-clip.sh" "$work/h264-360" 30 640x360 h264 > /dev/null ||
	{ echo "FAIL: make-clip.sh h264 640x360"; exit 1; }
line=$(BENCH_CLIENT_FOURCC=YM12 "$bin" bridge h264 "$work/h264-360/clip.hdr" 640x360 "$tmpl" "$daedalusd") ||
	{ echo "FAIL: bridge h264 to YM12"; exit 1; }
echo "h264 ($tmpl), client YM12: $line"
expect "$line" mode=bridge frames=30 frames-copied=0 frames-converted=0 frames-direct=30
maps_once "$line"
echo "smoke: $fails failed"
[ "$fails" -eq 0 ]
