#!/usr/bin/env bash
# client-flows.sh CLIPSDIR RESULTDIR: our own client (dec-client, built in
# $DAEDALUS_BUILD_DIR/tests/e2e) through the node, inside the test VM with
# a daemon connected.  CLIPSDIR/<codec>/ are make-clip.sh outputs.
#   - every codec the node offers: the spec's sequence (Initialization,
#     Capture setup, decoding, drain with LAST, EPIPE and EOS), bit-exact;
#   - VP9 and H.264 with a second thread asleep in a blocking DQEVENT
#     while the main thread streams (issue 8, defect 3: DQEVENT slept
#     holding the context's ioctl lock, so S_FMT never returned);
#   - VP9 and H.264 whose resolution shrinks then grows (CLIPSDIR/
#     <codec>-drc, make-drc-clip.sh), with a new Capture setup at each
#     change, and keeping the buffers with DEC_CMD_START where they still
#     hold the frames (defect 5: START after a resolution change announced
#     no buffer, and the stream stalled); and the way GStreamer 1.22 and
#     FFmpeg 5.1 take it, CAPTURE stopped as soon as SOURCE_CHANGE comes
#     (the CI run of 1bf5531: gst-v4l2vp9dec lost the frames done before
#     the event but not dequeued yet, "5 frames 7-19 left undrained");
#   - VP9: a seek after the end (defect 4: the stop survived STREAMOFF/
#     STREAMON(OUTPUT), so nothing more was decoded);
#   - VP9 and H.264 with an empty OUTPUT buffer after every access unit
#     (defect 7: bytesused 0 decoded the whole stale buffer);
#   - VP9 and H.264 drained in the middle of a GOP, then DEC_CMD_START and
#     the rest of the stream (the drained decoder lost its references, and
#     the frames up to the next keyframe with them);
#   - VP9: DEC_CMD_STOP before Capture setup (defect 10: it started a
#     drain, whose LAST then ended the real stream at once);
#   - VP9 then H.264 on the same file (defect 2: S_FMT(OUTPUT) kept the
#     daemon's VP9 pipeline, and no frame of the H.264 stream came);
#   - VP9: a Reset (CAPTURE restarted) right after the final DEC_CMD_STOP,
#     then DEC_CMD_STOP again, which must succeed and end with LAST after
#     the last frame (the frames the reset took are lost).  Defect 9 (an
#     abandoned drain's DRAIN_DONE ending the next drain) needs access
#     units queued between the two STOPs to show; the old kernel passes
#     this flow too.  reset-in-drain-held shows it: the daemon frozen
#     (SIGSTOP) from before the first STOP until after the second, three
#     access units queued during the first drain (dec-client -H), then
#     the Reset and the second STOP: the held units must wait for the
#     first drain's DRAIN_DONE, and the second drain's LAST must come
#     after their frames;
#   - VP9, and H.264 in NV12M, with DMABUF CAPTURE buffers that get other
#     dma-bufs at every QBUF (defect 6), exported by vicodec or vivid.
# One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: client-flows.sh CLIPSDIR RESULTDIR}
res=${2:?usage: client-flows.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
client=${DAEDALUS_BUILD_DIR:?}/tests/e2e/dec-client
node=$("$here/find-node.sh") || exit 1
[ -x "$client" ] || { fail "dec-client: $client not built"; exit 1; }
offered=$(offered_fourccs "$node")

# flow CODEC NAME ARGS...: dec-client on CODEC's clip, bit-exact against
# $ref (default: the clip's own reference); $clip picks another clip dir;
# $check another verdict (verdict_unordered)
flow() {
	local codec=$1 name=$2 rc dir=$clips/${clip:-$1}
	shift 2
	"$client" -d "$node" -c "$(fourcc_of "$codec")" -i "$dir/clip.hdr" \
		-o "$res/$codec-$name.md5" -T 60000 "$@" > "$res/$codec-$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "dec-client $codec $name: exit $rc: $(grep -m1 FAIL "$res/$codec-$name.log")"
		return
	fi
	"${check:-verdict}" "dec-client $codec $name" "${ref:-$dir/ref.md5}" "$res/$codec-$name.md5"
}

# in_order NAME REF OUT: OUT's frames are REF's, in order, ending with REF's
# last (frames may be missing, none may differ or come twice)
in_order() {
	if awk 'BEGIN { i = 0 } NR == FNR { ref[n++] = $0; next }
		{ while (i < n && ref[i] != $0) i++; if (i == n) bad = 1; i++; last = $0 }
		END { r = (bad || last != ref[n - 1]); exit r }' "$2" "$3"; then
		pass "$1: $(wc -l < "$3")/$(wc -l < "$2") frames, each bit-exact, in order, up to the last"
	else
		fail "$1: $(wc -l < "$3") frames, not the reference's in order up to its last"
	fi
}

for codec in vp9 vp8 h264 hevc mpeg2 mpeg4 av1; do
	[ -f "$clips/$codec/clip.hdr" ] || continue
	if [[ " $offered " != *" $(fourcc_of "$codec") "* ]]; then
		echo "client-flows: $codec not offered by this daemon"
		continue
	fi
	flow "$codec" decode
	case $codec in
	vp9 | h264)
		flow "$codec" dqevent-thread -t
		flow "$codec" empty-output -z
		check=verdict_unordered flow "$codec" drain-start-middle-of-gop -S 15
		if [ -f "$clips/$codec-drc/clip.hdr" ]; then
			clip=$codec-drc flow "$codec" resolution-change
			clip=$codec-drc flow "$codec" resolution-change-start -R
			clip=$codec-drc flow "$codec" resolution-change-stop-at-event -G 150
		fi
		;;
	esac
	case $codec in
	vp9)
		cat "$clips/vp9/ref.md5" "$clips/vp9/ref.md5" > "$res/vp9-twice.md5"
		ref=$res/vp9-twice.md5 flow vp9 seek-after-end -E 0
		flow vp9 stop-before-capture -P
		if "$client" -d "$node" -c VP90 -i "$clips/vp9/clip.hdr" -o "$res/vp9-reset-in-drain.md5" \
			-T 60000 -A > "$res/vp9-reset-in-drain.log" 2>&1; then
			in_order "dec-client vp9 reset-in-drain" "$clips/vp9/ref.md5" "$res/vp9-reset-in-drain.md5"
		else
			fail "dec-client vp9 reset-in-drain: $(grep -m1 FAIL "$res/vp9-reset-in-drain.log")"
		fi
		pid=${DAEDALUS_VM_DAEMON_PID:-}
		if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
			check=in_order flow vp9 reset-in-drain-held -A \
				-H $(($(wc -l < "$clips/vp9/ref.md5") - 4)) \
				-X "kill -STOP $pid" -x "kill -CONT $pid"
			kill -CONT "$pid" 2> /dev/null
		else
			fail "dec-client vp9 reset-in-drain-held: no daemon pid (DAEDALUS_VM_DAEMON_PID) to freeze"
		fi
		;;
	esac
done

# a second stream of another codec on the same file
if [[ " $offered " == *" VP90 "* && " $offered " == *" H264 "* ]]; then
	flow vp9 then-h264 -2 "H264:$clips/h264/clip.hdr:$res/h264-after-vp9.md5"
	verdict "dec-client h264 after vp9 on the same file" "$clips/h264/ref.md5" \
		"$res/h264-after-vp9.md5"
fi
# DMABUF CAPTURE with other dma-bufs at every QBUF (defect 6: the daemon
# kept writing into the first dma-buf of an index), exported by vicodec's
# encoder where the kernel has it (our debug kernels), else by a vivid
# video output node (Debian's kernel: no vicodec, udmabuf or dma-heaps);
# dec-client takes them from the exporter's OUTPUT queue
exporter_node() { # NAME: the first video node called NAME
	local d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name")" = "$1" ] && { echo "/dev/$(basename "$d")"; return 0; }
	done
	return 1
}
exporter='' unload=''
if modprobe_ vicodec multiplanar=1; then
	unload=vicodec
	exporter=$(exporter_node stateful-encoder) ||
		fail "dec-client dmabuf: vicodec registered no stateful-encoder"
elif modprobe_ vivid n_devs=1 node_types=0x100 multiplanar=2; then
	unload=vivid
	exporter=$(exporter_node vivid-000-vid-out) ||
		fail "dec-client dmabuf: vivid registered no video output node"
fi
if [ -n "$unload" ]; then
	if [ -n "$exporter" ]; then
		echo "client-flows: dma-bufs from $exporter ($unload)"
		[[ " $offered " == *" VP90 "* ]] && flow vp9 dmabuf -D "$exporter"
		[[ " $offered " == *" H264 "* ]] && flow h264 dmabuf-NM12 -D "$exporter" -f NM12
	fi
	modprobe_ -r "$unload"
else
	echo "NOTE client-flows: no dma-buf exporter (vicodec, vivid) on $(uname -r): DMABUF not tested here"
fi

echo "client-flows: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
