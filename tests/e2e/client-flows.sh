#!/usr/bin/env bash
# client-flows.sh CLIPSDIR RESULTDIR: our own client (dec-client, built in
# $DAEDALUS_BUILD_DIR/tests/e2e) through the node, inside the test VM with
# a daemon connected.  CLIPSDIR/<codec>/ are make-clip.sh outputs.
#   - every codec the node offers: the spec's sequence (Initialization,
#     Capture setup, decoding, drain with LAST, EPIPE and EOS), bit-exact;
#   - VP9 and H.264 with a second thread asleep in a blocking DQEVENT
#     while the main thread streams (issue 8, defect 3: DQEVENT slept
#     holding the context's ioctl lock, so S_FMT never returned).
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
offered=$(v4l2-ctl -d "$node" --list-formats-out | sed -n "s/.*\[[0-9]*\]: '\(....\)'.*/\1/p" | tr '\n' ' ')
fourcc_of() { case $1 in vp9) echo VP90 ;; vp8) echo VP80 ;; h264) echo H264 ;;
	hevc) echo HEVC ;; mpeg2) echo MPG2 ;; mpeg4) echo MPG4 ;; av1) echo AV01 ;; esac; }

# flow CODEC NAME ARGS...: dec-client on CODEC's clip, bit-exact
flow() {
	local codec=$1 name=$2 rc
	shift 2
	"$client" -d "$node" -c "$(fourcc_of "$codec")" -i "$clips/$codec/clip.hdr" \
		-o "$res/$codec-$name.md5" -T 60000 "$@" > "$res/$codec-$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "dec-client $codec $name: exit $rc: $(grep -m1 FAIL "$res/$codec-$name.log")"
		return
	fi
	verdict "dec-client $codec $name" "$clips/$codec/ref.md5" "$res/$codec-$name.md5"
}

for codec in vp9 vp8 h264 hevc mpeg2 mpeg4; do
	[ -f "$clips/$codec/clip.hdr" ] || continue
	if [[ " $offered " != *" $(fourcc_of "$codec") "* ]]; then
		echo "client-flows: $codec not offered by this daemon"
		continue
	fi
	flow "$codec" decode
	case $codec in
	vp9 | h264) flow "$codec" dqevent-thread -t ;;
	esac
done
echo "client-flows: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
