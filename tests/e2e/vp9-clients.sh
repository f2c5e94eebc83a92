#!/usr/bin/env bash
# vp9-clients.sh CLIPDIR RESULTDIR
# Runs inside the test VM with daedalus_v4l2.ko loaded and the daemon
# connected.  Decodes CLIPDIR/clip.ivf through the kernel node with
#   (a) GStreamer's auto-registered v4l2 VP9 decoder element,
#   (b) FFmpeg's vp9_v4l2m2m,
# and checks every frame's MD5 against CLIPDIR/ref.md5 (direct software
# decode) (v4l2-compliance is compliance-codecs.sh's); and, under
# daedalusd, decodes with three FFmpeg clients at once.  Prints one PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clip=${1:?usage: vp9-clients.sh CLIPDIR RESULTDIR}
res=${2:?usage: vp9-clients.sh CLIPDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
size=$(cat "$clip/clip.size")
nref=$(wc -l < "$clip/ref.md5")
fails=0

node=$("$here/find-node.sh") || exit 1
echo "e2e: decoder node $node, clip $size, $nref frames"

verdict() { # name md5file
	local name=$1 got=$2 n
	n=$(wc -l < "$got")
	if cmp -s "$clip/ref.md5" "$got"; then
		echo "PASS $name: $n/$nref frames bit-exact"
	else
		echo "FAIL $name: $n frames, expected $nref; first differences:"
		diff "$clip/ref.md5" "$got" | head -5
		fails=$((fails + 1))
	fi
}

# (a) GStreamer v4l2 plugin
if el=$("$here/gst-element-for-node.sh" "$node" vp9); then
	echo "e2e: GStreamer element $el"
	if gst_md5 "$res/gst.md5" "$res/gst.log" filesrc location="$clip/clip.ivf" ! \
		ivfparse ! vp9parse ! "$el" ! videoconvert ! video/x-raw,format=I420; then
		verdict "gst-$el" "$res/gst.md5"
	else
		echo "FAIL gst-$el: gst-launch failed (exit $?):"
		tail -20 "$res/gst.log"
		fails=$((fails + 1))
	fi
else
	echo "FAIL gst: the v4l2 plugin registered no VP9 decoder for $node"
	fails=$((fails + 1))
fi

# (b) FFmpeg
if timeout -k 10 300 "$here/framemd5.sh" "$res/ffmpeg.md5" -c:v vp9_v4l2m2m \
	-i "$clip/clip.ivf" > "$res/ffmpeg.log" 2>&1; then
	verdict ffmpeg-vp9_v4l2m2m "$res/ffmpeg.md5"
else
	echo "FAIL ffmpeg-vp9_v4l2m2m: ffmpeg failed:"
	tail -20 "$res/ffmpeg.log"
	fails=$((fails + 1))
fi

# (c), (d) v4l2-compliance: compliance-codecs.sh, codec by codec (it
# streams the codec a new context starts with, the first of the daemon's:
# here H.264, not VP9; and 1.22 takes a node that offers AV01 for no
# codec device at all)

checks=2
# (e) three FFmpeg clients at once, each its own stream (daedalusd runs a
# pipeline per stream; the bare gst-launch daemon serves one at a time)
if [ "${DAEDALUS_DAEMON:-daedalusd}" = daedalusd ]; then
	checks=3
	for i in 1 2 3; do
		timeout -k 10 300 "$here/framemd5.sh" "$res/concurrent$i.md5" -c:v vp9_v4l2m2m \
			-i "$clip/clip.ivf" > "$res/concurrent$i.log" 2>&1 &
	done
	wait
	ok=0
	for i in 1 2 3; do
		cmp -s "$clip/ref.md5" "$res/concurrent$i.md5" && ok=$((ok + 1))
	done
	if [ "$ok" -eq 3 ]; then
		echo "PASS 3 concurrent ffmpeg-vp9_v4l2m2m clients: each $nref/$nref frames bit-exact"
	else
		echo "FAIL 3 concurrent ffmpeg-vp9_v4l2m2m clients: $ok of 3 bit-exact"
		tail -n 3 "$res"/concurrent*.log
		fails=$((fails + 1))
	fi
else
	echo "SKIP concurrent clients: the bare gst-launch daemon serves one stream at a time"
fi

echo "e2e: $((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
