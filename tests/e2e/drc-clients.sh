#!/usr/bin/env bash
# drc-clients.sh CLIPSDIR RESULTDIR: resolution changes mid-stream through
# the players' own V4L2 decoders, inside the test VM with a daemon
# connected.  CLIPSDIR/<codec>-drc/ are make-drc-clip.sh outputs (320x180
# -> 192x108 -> 352x288, shrinking then growing, each change far enough
# from the end for FFmpeg 5.1: make-drc-clip.sh says why); a codec the node does not
# offer is skipped.  FFmpeg's *_v4l2m2m and GStreamer's v4l2*dec must give
# every frame, bit-exact, at its own size (issue 8: GStreamer's v4l2vp9dec
# gave 33 of 45 frames and said "frames left undrained after CMD_STOP,
# eos sent too early: bug in decoder").
# One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: drc-clients.sh CLIPSDIR RESULTDIR}
res=${2:?usage: drc-clients.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
node=$("$here/find-node.sh") || exit 1
offered=$(offered_fourccs "$node")

for codec in vp9 h264; do
	clip=$clips/$codec-drc
	[ -f "$clip/clip.mkv" ] || continue
	case $codec in vp9) fourcc=VP90 parse=vp9parse ;; h264) fourcc=H264 parse=h264parse ;; esac
	if [[ " $offered " != *" $fourcc "* ]]; then
		echo "drc-clients: $codec not offered by this daemon"
		continue
	fi

	# -vf copy: at a resolution change FFmpeg 5.1's V4L2 wrapper waits for
	# its frames to be released (sem_wait in ff_v4l2_m2m_codec_reinit), on
	# the thread that would release them; the ffmpeg program holds the
	# last one in its filter graph unless it is copied out (so it would
	# with any V4L2 decoder)
	if timeout -k 10 300 "$here/framemd5.sh" "$res/$codec-ffmpeg.md5" -c:v "${codec}_v4l2m2m" \
		-i "$clip/clip.mkv" -vf copy > "$res/$codec-ffmpeg.log" 2>&1; then
		verdict "ffmpeg-${codec}_v4l2m2m resolution change" "$clip/ref.md5" "$res/$codec-ffmpeg.md5"
	else
		fail "ffmpeg-${codec}_v4l2m2m resolution change: ffmpeg failed: $(tail -1 "$res/$codec-ffmpeg.log")"
	fi

	# gst_md5: one MD5 per frame of tightly packed I420, which is what
	# framemd5.sh hashes (every size here has lines of 4n bytes)
	if ! el=$("$here/gst-element-for-node.sh" "$node" "$codec"); then
		fail "gst: the v4l2 plugin registered no $codec decoder for $node"
		continue
	fi
	if gst_md5 "$res/$codec-gst.md5" "$res/$codec-gst.log" filesrc location="$clip/clip.mkv" ! \
		matroskademux ! "$parse" ! "$el" ! videoconvert ! video/x-raw,format=I420; then
		verdict "gst-$el resolution change" "$clip/ref.md5" "$res/$codec-gst.md5"
		if grep -q 'undrained' "$res/$codec-gst.log"; then
			fail "gst-$el resolution change: $(grep -m1 undrained "$res/$codec-gst.log")"
		fi
	else
		fail "gst-$el resolution change: gst-launch failed: $(tail -1 "$res/$codec-gst.log")"
	fi
done
echo "drc-clients: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
