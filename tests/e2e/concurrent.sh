#!/usr/bin/env bash
# concurrent.sh CLIPSDIR RESULTDIR: eight clients of the node at once, with
# mixed codecs, inside the test VM under daedalusd (a pipeline per stream;
# the bare gst-launch daemon serves one stream at a time, so it is
# skipped there): FFmpeg's vp9, vp8, h264, hevc, mpeg2 and mpeg4
# *_v4l2m2m, GStreamer's v4l2h264dec, and our own client on AV1 (10-bit
# HEVC where the node has no AV1).  Every one of them must give every
# frame bit-exact.  One PASS/FAIL line per client; exits non-zero on any
# FAIL.
set -uo pipefail
clips=${1:?usage: concurrent.sh CLIPSDIR RESULTDIR}
res=${2:?usage: concurrent.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
if [ "${DAEDALUS_DAEMON:-daedalusd}" != daedalusd ]; then
	echo "SKIP concurrent: the bare gst-launch daemon serves one stream at a time"
	exit 0
fi
node=$("$here/find-node.sh") || exit 1
offered=$(offered_fourccs "$node")
client=${DAEDALUS_BUILD_DIR:?}/tests/e2e/dec-client
names=()

for codec in vp9 vp8 h264 hevc mpeg2 mpeg4; do
	clip=$clips/$codec
	timeout -k 10 300 "$here/framemd5.sh" "$res/ffmpeg-$codec.md5" -c:v "${codec}_v4l2m2m" \
		-i "$clip/$(cat "$clip/clip.name")" > "$res/ffmpeg-$codec.log" 2>&1 &
	names+=("ffmpeg-${codec}_v4l2m2m:$clip/ref.md5:$res/ffmpeg-$codec.md5")
done
if el=$("$here/gst-element-for-node.sh" "$node" h264); then
	timeout -k 10 300 gst-launch-1.0 -q filesrc location="$clips/h264/clip.mkv" ! matroskademux ! \
		h264parse ! "$el" ! videoconvert ! video/x-raw,format=I420 ! \
		checksumsink hash=md5 > "$res/gst-h264.out" 2> "$res/gst-h264.log" &
	names+=("gst-$el:$clips/h264/ref.md5:$res/gst-h264.md5")
else
	fail "concurrent: the v4l2 plugin registered no h264 decoder for $node"
fi
if [[ " $offered " == *" AV01 "* ]]; then
	own=av1 fcc=AV01
else
	own=hevc-10 fcc=HEVC
fi
timeout -k 10 300 "$client" -d "$node" -c "$fcc" -i "$clips/$own/clip.hdr" \
	-o "$res/dec-client-$own.md5" -T 120000 > "$res/dec-client-$own.log" 2>&1 &
names+=("dec-client-$own:$clips/$own/ref.md5:$res/dec-client-$own.md5")
wait
[ -f "$res/gst-h264.out" ] && awk '{ print $2 }' "$res/gst-h264.out" > "$res/gst-h264.md5"

for n in "${names[@]}"; do
	IFS=: read -r name ref got <<< "$n"
	verdict "${#names[@]} concurrent clients: $name" "$ref" "$got"
done
echo "concurrent: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
