#!/usr/bin/env bash
# make-drc-clip.sh OUTDIR CODEC: a clip whose resolution changes twice,
# shrinking then growing (320x180 -> 192x108 -> 352x288, 10 frames each),
# for the resolution-change flows.  Each part is a make-clip.sh clip that
# starts with a keyframe (VP9) or an IDR with its parameter sets (H.264),
# so the access units one after the other are one valid stream, and its
# direct decode is the parts' decodes one after the other:
#   OUTDIR/clip.hdr  OUTDIR/ref.md5  (as make-clip.sh writes them)
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
done
