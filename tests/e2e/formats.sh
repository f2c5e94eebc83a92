#!/usr/bin/env bash
# formats.sh CLIPSDIR RESULTDIR: the CAPTURE formats tell the truth (issue
# 8), through our own client (dec-client), inside the test VM with a daemon
# connected.  CLIPSDIR/<codec>[-10|-422|-444|-rgb]/ are make-clip.sh
# outputs; a codec the node does not offer is skipped.
#   - ENUM_FMT(CAPTURE) lists every raw format before the stream is
#     known, and narrows at Capture setup to the stream's chroma, the
#     decoder's own format first (8-bit H.264 through avdec: YU12);
#   - 8-bit 4:2:0 in each format offered (NV12, YU12, NM12, YM12), and
#     with lines longer than the node's (S_FMT bytesperline), bit-exact;
#   - 10-bit HEVC Main10, VP9 profile 2 and AV1: P010 first, bit-exact
#     at 10 bits; NV12 after it, converted (PSNR against FFmpeg's own
#     conversion to 8 bits, as dithers differ);
#   - H.264 4:2:2 and 4:4:4 offered as themselves (422P, NV16, YM16;
#     YM24, NV24), never as 4:2:0, bit-exact;
#   - RGB-coded HEVC, which V4L2 cannot describe: the stream fails with an
#     error, and the daemon's log says why;
#   - zero-copy: YM12 in MMAP buffers at 640x360, bit-exact, every frame
#     rendered by avdec straight into the client's buffers (where the
#     stream's template is avdec's), none copied.
# One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: formats.sh CLIPSDIR RESULTDIR}
res=${2:?usage: formats.sh CLIPSDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
client=${DAEDALUS_BUILD_DIR:?}/tests/e2e/dec-client
node=$("$here/find-node.sh") || exit 1
[ -x "$client" ] || { fail "dec-client: $client not built"; exit 1; }
offered=$(offered_fourccs "$node")
have() { [ -f "$clips/$1/clip.hdr" ] && [[ " $offered " == *" $(fourcc_of "$1") "* ]]; }
all_formats="YU12 NV12 NM12 YM12 P010 NV16 422P YM16 YM24 NV24"

# run CLIP NAME ARGS...: dec-client on CLIP, its ENUM_FMT lists in
# NAME.formats; returns its status
run() {
	local clip=$1 name=$2
	shift 2
	"$client" -d "$node" -c "$(fourcc_of "$clip")" -i "$clips/$clip/clip.hdr" \
		-o "$res/$clip-$name.md5" -L "$res/$clip-$name.formats" -T 60000 "$@" \
		> "$res/$clip-$name.log" 2>&1
}

# decode CLIP NAME ARGS...: bit-exact against the clip's reference
decode() {
	local clip=$1 name=$2
	if run "$@"; then
		verdict "formats $clip $name" "$clips/$clip/ref.md5" "$res/$clip-$name.md5"
	else
		fail "formats $clip $name: $(grep -m1 FAIL "$res/$clip-$name.log")"
	fi
}

# lists CLIP NAME SETUP: the lists dec-client saw: every format at init,
# exactly SETUP at Capture setup
lists() {
	local f=$res/$1-$2.formats init setup
	init=$(sed -n 's/^init: //p' "$f" | head -1)
	setup=$(sed -n 's/^setup: //p' "$f" | head -1)
	if [ "$init" = "$all_formats" ] && [ "$setup" = "$3" ]; then
		pass "formats $1: ENUM_FMT(CAPTURE) lists all $(wc -w <<< "$init") formats, then $setup"
	else
		fail "formats $1: ENUM_FMT(CAPTURE) lists '$init', then '$setup'; expected '$all_formats', then '$3'"
	fi
}

# 8-bit 4:2:0: avdec_h264 gives I420, so YU12 comes first
if have h264; then
	decode h264 own
	lists h264 own "YU12 NV12 NM12 YM12"
	for f in NV12 NM12 YM12; do
		decode h264 "$f" -f "$f"
	done
	decode h264 NV12-long-lines -f NV12 -b 64
	decode h264 YM12-long-lines -f YM12 -b 64
fi

# 10 bits: P010 first, then the 8-bit formats (converted)
for clip in hevc-10 vp9-10 av1-10; do
	have "$clip" || continue
	decode "$clip" own
	lists "$clip" own "P010 YU12 NV12 NM12 YM12"
done
if have hevc-10; then
	# NV12 from 10 bits: dithered, so near FFmpeg's conversion, not equal
	if run hevc-10 NV12 -f NV12 -w "$res/hevc-10-NV12.yuv"; then
		size=$(cat "$clips/hevc-10/clip.size")
		# both raw, so that the PSNR pairs frame n with frame n
		ffmpeg -nostdin -loglevel error -y -i "$clips/hevc-10/$(cat "$clips/hevc-10/clip.name")" \
			-pix_fmt yuv420p -f rawvideo "$res/hevc-10-ffmpeg8.yuv"
		psnr=$(ffmpeg -nostdin -hide_banner -f rawvideo -pix_fmt yuv420p -s "$size" \
			-i "$res/hevc-10-NV12.yuv" -f rawvideo -pix_fmt yuv420p -s "$size" \
			-i "$res/hevc-10-ffmpeg8.yuv" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 |
			sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p')
		rm -f "$res/hevc-10-NV12.yuv" "$res/hevc-10-ffmpeg8.yuv"
		n=$(wc -l < "$res/hevc-10-NV12.md5")
		if [ "$n" -eq "$(wc -l < "$clips/hevc-10/ref.md5")" ] &&
			awk -v p="$psnr" 'BEGIN { exit !(p == "inf" || p + 0 >= 40) }'; then
			pass "formats hevc-10 NV12: $n frames, converted to 8 bits, PSNR $psnr dB against FFmpeg's conversion"
		else
			fail "formats hevc-10 NV12: $n frames, PSNR '${psnr}' dB against FFmpeg's conversion (need >= 40)"
		fi
	else
		fail "formats hevc-10 NV12: $(grep -m1 FAIL "$res/hevc-10-NV12.log")"
	fi
fi

# 4:2:2 and 4:4:4 as themselves
if have h264-422; then
	decode h264-422 own
	lists h264-422 own "422P NV16 YM16"
	decode h264-422 NV16 -f NV16
	decode h264-422 YM16 -f YM16
fi
if have h264-444; then
	decode h264-444 own
	lists h264-444 own "YM24 NV24"
	decode h264-444 NV24 -f NV24
fi

# what V4L2 cannot describe fails, and says so
if have hevc-rgb; then
	if run hevc-rgb fails -F; then
		log=${DAEDALUS_VM_SHARE:?}/daemon.log
		if grep -q 'GBR video, which no V4L2 pixel format can describe' "$log"; then
			pass "formats hevc-rgb: the stream failed with an error, and the daemon's log says the decoder gives GBR video"
		else
			fail "formats hevc-rgb: the stream failed, but the daemon's log does not say why"
		fi
	else
		fail "formats hevc-rgb: $(grep -m1 FAIL "$res/hevc-rgb-fails.log")"
	fi
fi
# zero-copy (issue 10): YM12 in the node's own memory (MMAP, with room
# below each plane), 640x360 (at 320 avdec_h264 pads its lines beyond the
# node's): a decoder that renders into downstream buffers (avdec) writes
# the frames straight into the client's buffers.  Bit-exact, and the
# daemon's statistics for the stream say how each frame got there.
zero_copy() { # CLIP
	local clip=$1 log n0 i stats id tmpl frames direct copied
	log=${DAEDALUS_VM_SHARE:?}/daemon.log
	n0=$(grep -c ' stats: ' "$log")
	# as many CAPTURE buffers as FFmpeg has (20): the decoder keeps its
	# references in them
	decode "$clip" YM12-zero-copy -f YM12 -C 16
	# the daemon tells a stream's statistics once the client closed it
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c ' stats: ' "$log")" -gt "$n0" ] && break
		sleep 0.1
	done
	stats=$(grep ' stats: ' "$log" | tail -n +$((n0 + 1)) | head -n 1)
	id=$(sed -n 's/^daedalusd: Stream \([0-9]*\) stats: .*/\1/p' <<< "$stats")
	tmpl=$(sed -n "s/^daedalusd: Stream $id ([a-z0-9]*, [0-9x]*): //p" "$log" | tail -n 1)
	frames=$(sed -n 's/.* frames=\([0-9]*\).*/\1/p' <<< "$stats")
	direct=$(sed -n 's/.* frames-direct=\([0-9]*\).*/\1/p' <<< "$stats")
	copied=$(sed -n 's/.* frames-copied=\([0-9]*\).*/\1/p' <<< "$stats")
	if [ -z "$id" ] || [ -z "$frames" ] || [ -z "$direct" ]; then
		fail "formats $clip zero-copy: no statistics of the stream in the daemon's log"
	elif [[ $tmpl != *avdec_* ]]; then
		pass "formats $clip zero-copy: $tmpl does not render into downstream buffers: $copied of $frames frames copied"
	elif [ "$frames" -ge 30 ] && [ "$direct" -eq "$frames" ] && [ "$copied" -eq 0 ]; then
		pass "formats $clip zero-copy: $direct of $frames frames rendered by $tmpl straight into the client's buffers, none copied"
	else
		fail "formats $clip zero-copy: $direct of $frames frames rendered in place, $copied copied, by $tmpl"
	fi
}
for clip in h264-640 vp9-640; do
	if have "$clip"; then
		zero_copy "$clip"
	fi
done
echo "formats: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
