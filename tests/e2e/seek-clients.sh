#!/usr/bin/env bash
# seek-clients.sh CLIPSDIR RESULTDIR: a GStreamer application seeking
# through the node's v4l2 decoders (gst-seek.py, python3-gi), inside the
# test VM with a daemon connected: VP9 and H.264 with B-frames, a flushing
# seek while frames are in flight, then a seek after the end, and (the
# harness's daemon, $DAEDALUS_VM_DAEMON_PID, stopped meanwhile) a seek
# during the drain at the end, every frame bit-exact.  A codec the node
# does not offer is skipped.
# One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: seek-clients.sh CLIPSDIR RESULTDIR}
res=${2:?usage: seek-clients.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
node=$("$here/find-node.sh") || exit 1
offered=$(offered_fourccs "$node")

for codec in vp9 h264; do
	clip=$clips/$codec
	[ -f "$clip/clip.name" ] || continue
	case $codec in vp9) fourcc=VP90 parse=vp9parse ;; h264) fourcc=H264 parse=h264parse ;; esac
	[[ " $offered " == *" $fourcc "* ]] || continue
	if ! el=$("$here/gst-element-for-node.sh" "$node" "$codec"); then
		fail "gst: the v4l2 plugin registered no $codec decoder for $node"
		continue
	fi
	# Matroska: ivfparse cannot seek
	file=$clip/$(cat "$clip/clip.name")
	if [ "${file%.ivf}" != "$file" ]; then
		ffmpeg -nostdin -loglevel error -y -i "$file" -c copy "$res/$codec.mkv"
		file=$res/$codec.mkv
	fi
	if timeout -k 10 180 "$here/gst-seek.py" "$el" "$parse" "$file" "$clip/ref.md5" \
		"$res/$codec.md5" ${DAEDALUS_VM_DAEMON_PID:+"$DAEDALUS_VM_DAEMON_PID"} \
		> "$res/$codec.log" 2>&1; then
		pass "gst-$el seeks: $(tail -1 "$res/$codec.log" | sed 's/^gst-seek: //')"
	else
		fail "gst-$el seeks: $(tail -1 "$res/$codec.log")"
	fi
done
echo "seek-clients: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
