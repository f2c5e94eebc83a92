#!/usr/bin/env bash
# gst-element-for-node.sh NODE CODEC: the GStreamer v4l2 decoder element
# that the v4l2 plugin registered for NODE.  The plugin names the first
# device of a codec v4l2<codec>dec and any later one v4l2<basename><codec>dec
# (v4l2video1h264dec), so one listing of the plugin answers when NODE has
# the long name or is the only video device; otherwise each candidate's
# default "device" decides.  (A gst-inspect-1.0 takes 10-20 s on the debug
# kernels under TCG, and the e2e scripts ask about a dozen times a boot.)
# The listing is kept in TMPDIR per set of video device nodes: GStreamer's
# registry rescans the plugin only when they change, so until then the
# plugin's features stay the same.  Bash builtins where they do: an exec
# costs ~0.5 s on a debug kernel.
set -euo pipefail
node=${1:?node} codec=${2:?codec}
key=$(stat -c '%i-%Z' /dev/video* 2>/dev/null || true)
key=${key//$'\n'/_}
listing=${TMPDIR:-/tmp}/daedalus-gst-v4l2-features-${key:-none}
if [ ! -s "$listing" ]; then
	gst-inspect-1.0 video4linux2 2>/dev/null > "$listing.$$" || true
	mv -f "$listing.$$" "$listing"
fi
# the decoder features, as "  v4l2vp9dec: V4L2 VP9 Decoder"
els=()
while read -r feature _; do
	if [[ $feature =~ ^v4l2.*${codec}dec:$ ]]; then els+=("${feature%:}"); fi
done < "$listing"
long=v4l2${node##*/}${codec}dec
for el in "${els[@]}"; do
	if [ "$el" = "$long" ]; then echo "$el"; exit 0; fi
done
devices=(/sys/class/video4linux/video*)
if [ "${#devices[@]}" = 1 ] && [ -e "${devices[0]}" ]; then
	for el in "${els[@]}"; do
		if [ "$el" = "v4l2${codec}dec" ]; then echo "$el"; exit 0; fi
	done
fi
for el in "${els[@]}"; do
	if gst-inspect-1.0 "$el" | grep -A3 '^  device ' | grep -q "Default: \"$node\""; then
		echo "$el"
		exit 0
	fi
done
echo "gst-element-for-node: no ${codec} decoder element for $node" >&2
exit 1
