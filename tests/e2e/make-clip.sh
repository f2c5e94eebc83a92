#!/usr/bin/env bash
# make-clip.sh OUTDIR [FRAMES] [WIDTHxHEIGHT]
# Encodes a small VP9 clip (IVF) with Debian's ffmpeg/libvpx and writes the
# per-frame MD5 sums of a direct software decode (libavcodec's vp9, I420):
#   OUTDIR/clip.ivf  OUTDIR/ref.md5  OUTDIR/clip.size
# and the clip as v4l2-compliance --stream-from-hdr reads it, OUTDIR/clip.hdr
set -euo pipefail
out=${1:?usage: make-clip.sh OUTDIR [FRAMES] [WxH]}
frames=${2:-30}
size=${3:-320x180}
mkdir -p "$out"
# testsrc2 moves every frame; -g 10 gives keyframes, altref frames give
# hidden VP9 frames (superframes), which must not produce output of their own
ffmpeg -nostdin -hide_banner -loglevel error -y \
	-f lavfi -i "testsrc2=size=${size}:rate=30" -frames:v "$frames" \
	-c:v libvpx-vp9 -b:v 300k -g 10 -auto-alt-ref 1 -lag-in-frames 8 \
	-deadline realtime -cpu-used 8 -pix_fmt yuv420p "$out/clip.ivf"
"$(dirname "$0")/framemd5.sh" "$out/ref.md5" -c:v vp9 -i "$out/clip.ivf"
"$(dirname "$0")/ivf2hdr.py" "$out/clip.ivf" "$out/clip.hdr" > /dev/null
echo "$size" > "$out/clip.size"
