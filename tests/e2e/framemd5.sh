#!/usr/bin/env bash
# framemd5.sh OUT.md5 FFMPEG-INPUT-ARGS...
# Decodes with ffmpeg and writes one MD5 per frame (I420, or $PIX_FMT),
# one per line: only the hashes, so that timestamps do not enter the
# comparison.
set -euo pipefail
dst=${1:?usage: framemd5.sh OUT.md5 ffmpeg-input-args...}
shift
ffmpeg -nostdin -hide_banner -loglevel error -y "$@" \
	-pix_fmt "${PIX_FMT:-yuv420p}" -f framemd5 - | awk -F', *' '!/^#/ { print $NF }' > "$dst"
