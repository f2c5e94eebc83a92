#!/usr/bin/env bash
# gst-element-for-node.sh NODE CODEC: the GStreamer v4l2 decoder element
# (v4l2<codec>dec or v4l2video<N><codec>dec) that the v4l2 plugin registered
# for NODE, found by the element's default "device".
set -euo pipefail
node=${1:?node} codec=${2:?codec}
for el in $(gst-inspect-1.0 video4linux2 2>/dev/null |
	    awk -v c="${codec}dec" '$1 ~ ("^v4l2.*" c ":$") { sub(":", "", $1); print $1 }'); do
	if gst-inspect-1.0 "$el" | grep -A3 '^  device ' | grep -q "Default: \"$node\""; then
		echo "$el"
		exit 0
	fi
done
echo "gst-element-for-node: no ${codec} decoder element for $node" >&2
exit 1
