#!/usr/bin/env bash
# mpv.sh CLIPSDIR RESULTDIR: Debian's mpv plays every codec that FFmpeg
# wraps (*_v4l2m2m) through the node, with --hwdec=v4l2m2m-copy, inside the
# test VM with a daemon connected.  Each clip plays with a seek back (an
# A-B loop, once) and must end by itself, without a crash, having used the
# node (issue 8: mpv 0.35 segfaulted inside libavcodec at the start of
# every HEVC, VP8, VP9 and MPEG-2 clip).  A codec the node does not offer
# is skipped.  One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: mpv.sh CLIPSDIR RESULTDIR}
res=${2:?usage: mpv.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
command -v mpv > /dev/null || { fail "mpv: not installed (scripts/install-deps)"; exit 1; }
node=$("$here/find-node.sh") || exit 1
offered=$(offered_fourccs "$node")

for codec in vp9 vp8 h264 hevc mpeg2 mpeg4; do
	clip=$clips/$codec
	[ -f "$clip/clip.name" ] || continue
	[[ " $offered " == *" $(fourcc_of "$codec") "* ]] || continue
	log=$res/$codec.log
	timeout -k 10 120 mpv --no-config --vo=null --ao=null --untimed \
		--hwdec=v4l2m2m-copy --hwdec-codecs=all --msg-level=all=v \
		--ab-loop-a=0.2 --ab-loop-b=0.6 --ab-loop-count=1 \
		"$clip/$(cat "$clip/clip.name")" > "$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "mpv $codec: exit $rc$([ $rc -gt 128 ] && echo " (signal $((rc - 128)))"): $(grep -m1 -iE 'error|fault' "$log")"
	elif ! grep -q 'Using hardware decoding (v4l2m2m-copy)' "$log"; then
		fail "mpv $codec: played, but not through the node: $(grep -m1 -i 'hardware decoding' "$log")"
	elif ! grep -qiE 'seek|ab-loop' "$log"; then
		fail "mpv $codec: played through the node, but did not seek"
	else
		pass "mpv $codec: played through the node (v4l2m2m-copy) with a seek, ended by itself"
	fi
done
echo "mpv: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
