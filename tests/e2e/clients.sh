#!/usr/bin/env bash
# clients.sh CLIPSDIR RESULTDIR EXPECTED: one VM boot for every client
# check: vp9-clients.sh on CLIPSDIR/vp9 (GStreamer, FFmpeg, v4l2-compliance,
# concurrent clients); codec-clients.sh for the other codecs, of which the
# node must offer exactly EXPECTED (see codec-clients.sh); drc-clients.sh
# (resolution changes through FFmpeg and GStreamer); seek-clients.sh (a
# GStreamer application's seeks); mpv.sh (Debian's mpv,
# --hwdec=v4l2m2m-copy); concurrent.sh (eight clients at once);
# client-flows.sh (our own client, every codec offered); formats.sh (the
# CAPTURE formats, through our own client).
set -uo pipefail
clips=${1:?usage: clients.sh CLIPSDIR RESULTDIR EXPECTED}
res=${2:?usage: clients.sh CLIPSDIR RESULTDIR EXPECTED}
expected=${3?usage: clients.sh CLIPSDIR RESULTDIR EXPECTED}
here=$(cd "$(dirname "$0")" && pwd)
rc=0
# run SCRIPT ARGS...: one part, and how long it took (the budget, issue 7)
run() {
	local t=$SECONDS
	"$here/$1" "${@:2}" || rc=1
	echo "clients: $1 took $((SECONDS - t)) s"
}
run vp9-clients.sh "$clips/vp9" "$res"
run codec-clients.sh "$clips" "$res/codecs" "$expected"
run drc-clients.sh "$clips" "$res/drc"
run seek-clients.sh "$clips" "$res/seek"
run mpv.sh "$clips" "$res/mpv"
run concurrent.sh "$clips" "$res/concurrent"
run client-flows.sh "$clips" "$res/flows"
run formats.sh "$clips" "$res/formats"
exit $rc
