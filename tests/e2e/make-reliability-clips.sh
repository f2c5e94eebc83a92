#!/usr/bin/env bash
# make-reliability-clips.sh CLIPSDIR [SEED]: the inputs of
# tests/e2e/reliability.sh, made on the host from scripts/test's clips
# (python under emulation takes ~20 s to start):
#   CLIPSDIR/vp9-loop/clip.hdr   vp9-long 10 times over (3000 access
#                                units: a stream that outlasts a scenario)
#   CLIPSDIR/vp9-head12/clip.hdr vp9-long's first 12 access units
#   CLIPSDIR/damaged/CODEC-MODE.hdr for CODEC in vp9 vp8 h264 hevc mpeg2
#                                mpeg4, MODE in flip truncate random mixed
#                                (mutate-hdr.py), with SEED (default: a
#                                random one), written to CLIPSDIR/damaged/seed
set -euo pipefail
clips=${1:?usage: make-reliability-clips.sh CLIPSDIR [SEED]}
seed=${2:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
here=$(cd "$(dirname "$0")" && pwd)
mutate() { python3 "$here/mutate-hdr.py" "$@" > /dev/null; }
mkdir -p "$clips/vp9-loop" "$clips/vp9-head12" "$clips/damaged"
mutate "$clips/vp9-long/clip.hdr" "$clips/vp9-loop/clip.hdr" loop:10 0
mutate "$clips/vp9-long/clip.hdr" "$clips/vp9-head12/clip.hdr" head:12 0
head -n 12 "$clips/vp9-long/ref.md5" > "$clips/vp9-head12/ref.md5"
for c in vp9 vp8 h264 hevc mpeg2 mpeg4; do
	for m in flip truncate random mixed; do
		mutate "$clips/$c/clip.hdr" "$clips/damaged/$c-$m.hdr" "$m" "$seed"
	done
done
echo "$seed" > "$clips/damaged/seed"
echo "make-reliability-clips: damaged bitstreams with seed $seed"
