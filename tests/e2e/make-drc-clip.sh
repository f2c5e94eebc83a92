#!/usr/bin/env bash
# make-drc-clip.sh OUTDIR CODEC: a clip whose resolution changes twice,
# shrinking then growing (320x180, 10 frames -> 192x108, 24 frames ->
# 352x288, 24 frames), for the resolution-change flows.  Each change comes
# more access units before the end than FFmpeg keeps queued (16 OUTPUT
# buffers, and the daemon's few in its pipeline): FFmpeg 5.1 then handles
# it mid-stream, as it must be tested.  At its end of input it cannot:
# its reinit for a change clears its draining state, and its end of
# input sets it again before it sets CAPTURE up anew (v4l2_m2m_dec.c:
# v4l2_try_start only runs when not draining), so it ends without the
# frames after the change, whatever the V4L2 decoder (seen with 10
# frames a part: in 4 of 8 runs on the 6.1 debug kernel, "reinit context"
# without "buffers initialized" after it, 30 packets read, 20 frames out).
# Each part is a make-clip.sh clip that
# starts with a keyframe (VP9) or an IDR with its parameter sets (H.264),
# so the access units one after the other are one valid stream, and its
# direct decode is the parts' decodes one after the other:
#   OUTDIR/clip.hdr  OUTDIR/ref.md5  (as make-clip.sh writes them)
# and OUTDIR/clip.mkv, the parts in one Matroska file (for FFmpeg and
# GStreamer), whose direct decode must give ref.md5.
set -euo pipefail
out=${1:?usage: make-drc-clip.sh OUTDIR CODEC}
codec=${2:?usage: make-drc-clip.sh OUTDIR CODEC}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
: > "$out/clip.hdr"
: > "$out/ref.md5"
for part in 320x180:10 192x108:24 352x288:24; do
	size=${part%:*}
	"$here/make-clip.sh" "$out/part-$size" "${part#*:}" "$size" "$codec"
	cat "$out/part-$size/clip.hdr" >> "$out/clip.hdr"
	cat "$out/part-$size/ref.md5" >> "$out/ref.md5"
	echo "file '$out/part-$size/$(cat "$out/part-$size/clip.name")'"
done > "$out/parts.txt"
ffmpeg -nostdin -hide_banner -loglevel error -y -f concat -safe 0 \
	-i "$out/parts.txt" -c copy "$out/clip.mkv"
echo clip.mkv > "$out/clip.name"
"$here/framemd5.sh" "$out/direct.md5" -i "$out/clip.mkv"
cmp -s "$out/direct.md5" "$out/ref.md5" ||
	{ echo "make-drc-clip.sh: $codec: the Matroska file does not decode as its parts" >&2; exit 1; }
