#!/usr/bin/env bash
# codec-clients.sh CLIPSDIR RESULTDIR EXPECTED
# Runs inside the test VM with daedalus_v4l2.ko loaded and a daemon
# connected.  CLIPSDIR/<codec>/ are make-clip.sh outputs.  EXPECTED lists
# (space-separated) the codecs the node must offer besides VP9, which
# vp9-clients.sh covers; every other codec of the node must not be offered
# (a daemon offers only what it can decode).  Each offered codec's clip is
# decoded through the node by FFmpeg's <codec>_v4l2m2m and by the
# GStreamer v4l2 plugin's decoder element for the node, and every frame's
# MD5 must equal CLIPSDIR/<codec>/ref.md5 (libavcodec's direct decode).
# One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: codec-clients.sh CLIPSDIR RESULTDIR EXPECTED}
res=${2:?usage: codec-clients.sh CLIPSDIR RESULTDIR EXPECTED}
expected=${3?usage: codec-clients.sh CLIPSDIR RESULTDIR EXPECTED}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$res"
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

node=$("$here/find-node.sh") || exit 1
offered=$(offered_fourccs "$node")
echo "codecs: $node offers: $offered"

# codec: GStreamer element suffix, parser after the demuxer (its V4L2
# fourcc: lib.sh's fourcc_of)
gst_of() { case $1 in hevc) echo h265 ;; *) echo "$1" ;; esac; }
parser_of() { case $1 in h264) echo h264parse ;; hevc) echo h265parse ;;
	vp8) echo identity ;; mpeg2) echo mpegvideoparse ;; mpeg4) echo mpeg4videoparse ;; esac; }

for codec in h264 hevc vp8 mpeg2 mpeg4; do
	fourcc=$(fourcc_of "$codec")
	want=no
	[[ " $expected " == *" $codec "* ]] && want=yes
	if [[ " $offered " != *" $fourcc "* ]]; then
		if [ $want = yes ]; then
			fail "$codec: the node does not offer $fourcc"
		else
			pass "$codec: not offered ($fourcc), as the daemon cannot decode it"
		fi
		continue
	fi
	if [ $want = no ]; then
		fail "$codec: the node offers $fourcc, which the daemon does not decode"
		continue
	fi
	clip=$clips/$codec
	file=$clip/$(cat "$clip/clip.name")
	out=$res/$codec
	mkdir -p "$out"

	# FFmpeg
	if timeout -k 10 300 "$here/framemd5.sh" "$out/ffmpeg.md5" -c:v "${codec}_v4l2m2m" \
		-i "$file" > "$out/ffmpeg.log" 2>&1; then
		verdict "ffmpeg-${codec}_v4l2m2m" "$clip/ref.md5" "$out/ffmpeg.md5"
	else
		fail "ffmpeg-${codec}_v4l2m2m: ffmpeg failed:"; tail -10 "$out/ffmpeg.log"
	fi

	# GStreamer
	case $file in *.ivf) demux=ivfparse ;; *) demux=matroskademux ;; esac
	if el=$("$here/gst-element-for-node.sh" "$node" "$(gst_of "$codec")"); then
		if gst_md5 "$out/gst.md5" "$out/gst.log" filesrc location="$file" ! $demux ! \
			"$(parser_of "$codec")" ! "$el" ! videoconvert ! video/x-raw,format=I420; then
			verdict "gst-$el" "$clip/ref.md5" "$out/gst.md5"
		else
			fail "gst-$el: gst-launch failed:"; tail -10 "$out/gst.log"
		fi
	else
		fail "gst: the v4l2 plugin registered no $codec decoder for $node"
	fi
done

echo "codecs: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
