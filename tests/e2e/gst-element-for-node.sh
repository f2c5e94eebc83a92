#!/usr/bin/env bash
# gst-element-for-node.sh NODE CODEC: the GStreamer v4l2 decoder element
# that the v4l2 plugin registered for NODE.  The plugin names the first
# device of a codec v4l2<codec>dec and any later one v4l2<basename><codec>dec
# (v4l2video1h264dec), so one listing of the plugin answers when NODE has
# the long name or is the only video device; otherwise each candidate's
# default "device" decides.  (A gst-inspect-1.0 takes 10-20 s on the debug
# kernels under TCG, and the e2e scripts ask about a dozen times a boot.)
set -euo pipefail
node=${1:?node} codec=${2:?codec}
els=$(gst-inspect-1.0 video4linux2 2>/dev/null |
	awk -v c="${codec}dec" '$1 ~ ("^v4l2.*" c ":$") { sub(":", "", $1); print $1 }')
long=v4l2$(basename "$node")${codec}dec
if grep -qx "$long" <<<"$els"; then
	echo "$long"
	exit 0
fi
devices=$(ls -d /sys/class/video4linux/video* 2>/dev/null | wc -l)
if [ "$devices" = 1 ] && grep -qx "v4l2${codec}dec" <<<"$els"; then
	echo "v4l2${codec}dec"
	exit 0
fi
for el in $els; do
	if gst-inspect-1.0 "$el" | grep -A3 '^  device ' | grep -q "Default: \"$node\""; then
		echo "$el"
		exit 0
	fi
done
echo "gst-element-for-node: no ${codec} decoder element for $node" >&2
exit 1
