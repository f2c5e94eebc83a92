#!/usr/bin/env bash
# vp9-clients.sh CLIPDIR RESULTDIR
# Runs inside the test VM with daedalus_v4l2.ko loaded and the daemon
# connected.  Decodes CLIPDIR/clip.ivf through the kernel node with
#   (a) GStreamer's auto-registered v4l2 VP9 decoder element,
#   (b) FFmpeg's vp9_v4l2m2m,
# and checks every frame's MD5 against CLIPDIR/ref.md5 (direct software
# decode); then runs v4l2-compliance on the node, without and with
# streaming (CLIPDIR/clip.hdr; DMABUF too where vicodec can export), which
# must report 0 failures; and, under
# daedalusd, decodes with three FFmpeg clients at once.  Prints one PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clip=${1:?usage: vp9-clients.sh CLIPDIR RESULTDIR}
res=${2:?usage: vp9-clients.sh CLIPDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
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
	if timeout -k 10 300 gst-launch-1.0 -q filesrc location="$clip/clip.ivf" ! \
		ivfparse ! vp9parse ! "$el" ! videoconvert ! \
		video/x-raw,format=I420 ! filesink location="$res/gst.yuv" \
		> "$res/gst.log" 2>&1; then
		"$here/framemd5.sh" "$res/gst.md5" -f rawvideo -pix_fmt yuv420p \
			-s "$size" -i "$res/gst.yuv"
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

# (c) v4l2-compliance
"$here/compliance.sh" "$node" "$res" || fails=$((fails + 1))

# (d) v4l2-compliance streaming: one AU per OUTPUT buffer, decode, drain;
# MMAP, USERPTR and, where the kernel has vicodec to export dma-bufs from
# (our debug kernels; Debian's has no v4l2-mem2mem), DMABUF on both queues:
# the daemon then writes into client-imported CAPTURE dma-bufs.
expbuf=()
modprobe_() {
	if [ -n "${DAEDALUS_VM_MODDIR:-}" ]; then modprobe -d "$DAEDALUS_VM_MODDIR" "$@"; else modprobe "$@"; fi
} 2> /dev/null
if modprobe_ vicodec multiplanar=1; then
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name")" = stateful-decoder ] && expbuf=(-e "/dev/$(basename "$d")")
	done
fi
if "$here/compliance.sh" "$node" "$res/streaming" -s10 \
	--stream-from-hdr "$clip/clip.hdr" "${expbuf[@]}"; then
	if [ ${#expbuf[@]} -eq 0 ]; then
		echo "NOTE streaming: no dma-buf exporter (vicodec) on $(uname -r): DMABUF not tested here"
	elif grep -q 'test DMABUF (select): OK' "$res/streaming/compliance.log"; then
		echo "PASS streaming DMABUF: buffers imported from vicodec (${expbuf[1]})"
	else
		echo "FAIL streaming DMABUF: v4l2-compliance did not run the DMABUF test"
		grep -i dmabuf "$res/streaming/compliance.log" | head -5
		fails=$((fails + 1))
	fi
else
	fails=$((fails + 1))
fi
modprobe_ -r vicodec

checks=4
# (e) three FFmpeg clients at once, each its own stream (daedalusd runs a
# pipeline per stream; the bare gst-launch daemon serves one at a time)
if [ "${DAEDALUS_DAEMON:-daedalusd}" = daedalusd ]; then
	checks=5
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
