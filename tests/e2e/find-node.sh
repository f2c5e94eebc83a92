#!/usr/bin/env bash
# Prints the /dev/videoN node of the daedalus-v4l2 decoder, fails if none.
set -euo pipefail
for d in /sys/class/video4linux/video*; do
	[ -e "$d/name" ] || continue
	if [ "$(cat "$d/name")" = daedalus-v4l2 ]; then
		echo "/dev/$(basename "$d")"
		exit 0
	fi
done
echo "find-node: no daedalus-v4l2 video node (is daedalus_v4l2.ko loaded?)" >&2
exit 1
