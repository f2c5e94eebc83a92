#!/usr/bin/env bash
# framemd5.sh OUT.md5 FFMPEG-INPUT-ARGS...
# Decodes with ffmpeg and writes one MD5 per frame (I420, or $PIX_FMT),
# one per line: only the hashes, so that timestamps do not enter the
# comparison.  Each frame at its own size (-autoscale 0: a resolution
# change is not scaled back to the first size).
set -euo pipefail
dst=${1:?usage: framemd5.sh OUT.md5 ffmpeg-input-args...}
shift
ffmpeg -nostdin -hide_banner -loglevel error -y "$@" \
	-autoscale 0 -pix_fmt "${PIX_FMT:-yuv420p}" -f framemd5 - | awk -F', *' '!/^#/ { print $NF }' > "$dst"
