#!/usr/bin/env bash
# make-drc-clip.sh OUTDIR CODEC: a clip whose resolution changes twice,
# shrinking then growing (320x180 -> 192x108 -> 352x288, 10 frames each),
# for the resolution-change flows.  Each part is a make-clip.sh clip that
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
for size in 320x180 192x108 352x288; do
	"$here/make-clip.sh" "$out/part-$size" 10 "$size" "$codec"
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
