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
"$here/vp9-clients.sh" "$clips/vp9" "$res" || rc=1
"$here/codec-clients.sh" "$clips" "$res/codecs" "$expected" || rc=1
"$here/drc-clients.sh" "$clips" "$res/drc" || rc=1
"$here/seek-clients.sh" "$clips" "$res/seek" || rc=1
"$here/mpv.sh" "$clips" "$res/mpv" || rc=1
"$here/concurrent.sh" "$clips" "$res/concurrent" || rc=1
"$here/client-flows.sh" "$clips" "$res/flows" || rc=1
"$here/formats.sh" "$clips" "$res/formats" || rc=1
exit $rc
