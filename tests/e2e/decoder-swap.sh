#!/usr/bin/env bash
# decoder-swap.sh CLIPSDIR RESULTDIR
# Runs inside the test VM started with --no-daemon.  The decoder behind the
# node is configuration only: daedalusd runs twice, each time with another
# configuration file naming another decoder per codec, and FFmpeg decodes
# every codec's clip (CLIPSDIR/<codec>/, make-clip.sh outputs) through the
# node.  Every frame must equal the reference of the decoder in force,
# and the daemon's log must show that decoder serving the stream:
#   codec  libav set                         alternative set
#   vp9    vp9parse ! avdec_vp9              vp9parse ! vp9dec (libvpx)
#   vp8    avdec_vp8                         vp8dec (libvpx)
#   h264   h264parse ! avdec_h264            h264parse ! openh264dec
#          (main profile, B-frames)          (the constrained-baseline clip)
#   hevc   h265parse ! avdec_h265            h265parse ! libde265dec
#   mpeg2  mpegvideoparse ! avdec_mpeg2video mpegvideoparse ! mpeg2dec
#                                            (libmpeg2: its own reference)
#   mpeg4  mpeg4videoparse ! avdec_mpeg4     decodebin (which must skip the
#                                            v4l2 decoder on our own node)
# VP8, VP9, H.264 and HEVC decoding is bit-exact by specification, so
# libavcodec's decode is the reference for both sets; libmpeg2's IDCT
# differs from libavcodec's, hence ref-libmpeg2.md5.  Then, with no
# daedalusd at all, the bare elements in gst-launch-1.0 serve VP9.
set -uo pipefail
clips=${1:?usage: decoder-swap.sh CLIPSDIR RESULTDIR}
res=${2:?usage: decoder-swap.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$res"
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

declare -A libav=(
	[vp9]='vp9parse ! avdec_vp9' [vp8]='avdec_vp8'
	[h264]='h264parse ! avdec_h264' [hevc]='h265parse ! avdec_h265'
	[mpeg2]='mpegvideoparse ! avdec_mpeg2video'
	[mpeg4]='mpeg4videoparse ! avdec_mpeg4')
declare -A alternative=(
	[vp9]='vp9parse ! vp9dec' [vp8]='vp8dec'
	[h264]='h264parse ! openh264dec' [hevc]='h265parse ! libde265dec'
	[mpeg2]='mpegvideoparse ! mpeg2dec' [mpeg4]='decodebin')
codecs="vp9 vp8 h264 hevc mpeg2 mpeg4"

for set in libav alternative; do
	declare -n tmpl=$set
	conf=$res/$set.conf
	{
		echo "[decoders]"
		for c in $codecs; do echo "$c=${tmpl[$c]}"; done
	} > "$conf"
	wait_connected 0 10 || fail "$set: a daemon is still connected"
	log=$res/daemon-$set.log
	# daedalusd:4 logs what decodebin was kept from
	GST_DEBUG=daedalusd:4 GST_DEBUG_NO_COLOR=1 \
		"$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd" --verbose --config "$conf" \
		> "$log" 2>&1 &
	daemon=$!
	if ! wait_connected 1 60; then
		fail "$set: daedalusd did not connect"; tail -5 "$log"
		kill "$daemon" 2> /dev/null; wait "$daemon" 2> /dev/null
		continue
	fi
	for c in $codecs; do
		clip=$clips/$c
		ref=$clip/ref.md5
		case $set/$c in
		alternative/h264) clip=$clips/h264-baseline ref=$clip/ref.md5 ;;
		alternative/mpeg2) ref=$clip/ref-libmpeg2.md5 ;;
		esac
		# "CLIENT FLOW: ...", as the client checks say it (support-matrix.sh)
		name="ffmpeg-${c}_v4l2m2m daedalusd ${tmpl[$c]}"
		out=$res/$set-$c.md5
		streams=$(grep -c '^daedalusd: Stream .*: ' "$log")
		if ! timeout -k 10 300 "$here/framemd5.sh" "$out" -c:v "${c}_v4l2m2m" \
			-i "$clip/$(cat "$clip/clip.name")" > "$out.log" 2>&1; then
			fail "$name: ffmpeg failed"; tail -5 "$out.log" "$log"
			continue
		fi
		# the stream's line: "daedalusd: Stream N (codec, WxH): template"
		served=$(grep '^daedalusd: Stream .*: ' "$log" | sed -n "$((streams + 1))p")
		if ! cmp -s "$ref" "$out"; then
			fail "$name: $(wc -l < "$out") frames, not those of $(basename "$ref")"
			diff "$ref" "$out" | head -3
		elif [[ $served != *"($c, "*"): ${tmpl[$c]}" ]]; then
			fail "$name: the daemon did not say it served the stream with ${tmpl[$c]}: $served"
		else
			pass "$name: $(wc -l < "$out") frames bit-exact with $(basename "$(dirname "$ref")")/$(basename "$ref")"
		fi
	done
	kill -INT "$daemon" 2> /dev/null; wait "$daemon" 2> /dev/null
	unset -n tmpl
done
# decodebin had the node's own v4l2 MPEG-4 decoder to choose (the v4l2
# plugin registers one per node, above avdec_mpeg4's rank): the guard must
# have skipped it
if el=$("$here/gst-element-for-node.sh" "$("$here/find-node.sh")" mpeg4); then
	if grep -q "skipping $el: it decodes on a" "$res/daemon-alternative.log"; then
		pass "loop-back guard: decodebin skipped $el, which decodes on our node"
	else
		fail "loop-back guard: no sign that decodebin skipped $el"
	fi
else
	fail "loop-back guard: the v4l2 plugin registered no MPEG-4 decoder for the node"
fi

# No daedalusd at all: the bare elements in gst-launch-1.0 (tests/vm/
# start-daemon's DAEDALUS_DAEMON=gst-launch: daedalussrc ! vp9parse !
# vp9dec ! daedalussink), which serve one VP9 stream at a time.  The node
# must offer VP9 only (daedalussrc narrows the offer to what its pipeline
# takes), and FFmpeg decodes the VP9 clip through it bit-exactly.
bare="gst-launch-1.0 daedalussrc ! vp9parse ! vp9dec ! daedalussink"
wait_connected 0 10 || fail "$bare: a daemon is still connected"
DAEDALUS_DAEMON=gst-launch "$DAEDALUS_REPO/tests/vm/start-daemon" > "$res/daemon-gst-launch.log" 2>&1 &
daemon=$!
if ! wait_connected 1 60; then
	fail "$bare: did not connect"; tail -5 "$res/daemon-gst-launch.log"
else
	node=$("$here/find-node.sh")
	offered=$(offered_fourccs "$node")
	if [ "$offered" = "VP90 " ]; then
		pass "$bare: the node offers VP9 only"
	else
		fail "$bare: the node offers $offered, not VP90 alone"
	fi
	clip=$clips/vp9
	out=$res/gst-launch-vp9.md5
	if timeout -k 10 300 "$here/framemd5.sh" "$out" -c:v vp9_v4l2m2m \
		-i "$clip/$(cat "$clip/clip.name")" > "$out.log" 2>&1; then
		verdict "ffmpeg-vp9_v4l2m2m $bare" "$clip/ref.md5" "$out"
	else
		fail "ffmpeg-vp9_v4l2m2m $bare: ffmpeg failed"; tail -5 "$out.log"
	fi
fi
kill -INT "$daemon" 2> /dev/null; wait "$daemon" 2> /dev/null

echo "swap: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
