#!/usr/bin/env bash
# demo-guest.sh CLIPDIR RESULTDIR: the main job, inside the test VM.
# Decodes CLIPDIR/clip.ivf with FFmpeg's vp9_v4l2m2m through the
# daedalus-v4l2 node (the daemon does the decoding), shows progress, and
# prints a verdict: frames, frames per second (and their ratio to a direct
# libavcodec decode of the same clip in the same guest), checksums against
# a direct software decode.
set -euo pipefail
clip=${1:?usage: demo-guest.sh CLIPDIR RESULTDIR}
res=${2:?usage: demo-guest.sh CLIPDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$res"
node=$("$here/find-node.sh")
nref=$(wc -l < "$clip/ref.md5")
echo "demo: kernel ${DAEDALUS_VM_KERNEL:-?} ($(uname -r)); decoding $(cat "$clip/clip.size") VP9, $nref frames, through $node"

start=$(date +%s.%N)
ffmpeg -nostdin -hide_banner -loglevel warning -stats -y -c:v vp9_v4l2m2m \
	-i "$clip/clip.ivf" -pix_fmt yuv420p -f framemd5 "$res/demo.framemd5"
end=$(date +%s.%N)
awk -F', *' '!/^#/ { print $NF }' "$res/demo.framemd5" > "$res/demo.md5"

# baseline in the same guest: the same clip decoded directly by libavcodec
bstart=$(date +%s.%N)
ffmpeg -nostdin -hide_banner -loglevel error -y -c:v vp9 -i "$clip/clip.ivf" \
	-pix_fmt yuv420p -f framemd5 /dev/null
bend=$(date +%s.%N)

n=$(wc -l < "$res/demo.md5")
same=$(paste -d' ' "$clip/ref.md5" "$res/demo.md5" | awk '$1 == $2' | wc -l)
fps=$(awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", n / (e - s) }')
ratio=$(awk -v s="$start" -v e="$end" -v bs="$bstart" -v be="$bend" \
	'BEGIN { printf "%.2f", (be - bs) / (e - s) }')
if [ "$n" -eq "$nref" ] && [ "$same" -eq "$nref" ]; then
	secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
	echo "demo: verdict PASS: $n frames in $secs s of wall clock, start-up included ($fps fps under TCG emulation; ${ratio}x the speed of a direct libavcodec decode in the same guest); checksums match ($same/$nref)"
else
	echo "demo: verdict FAIL: $n of $nref frames at $fps fps, $same checksums match"
	exit 1
fi
