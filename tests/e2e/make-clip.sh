#!/usr/bin/env bash
# make-clip.sh OUTDIR [FRAMES] [WIDTHxHEIGHT] [CODEC]
# Encodes a small clip with Debian's ffmpeg and writes the per-frame MD5
# sums of a direct software decode (libavcodec, I420):
#   OUTDIR/clip.EXT  OUTDIR/clip.name (= clip.EXT)  OUTDIR/ref.md5
#   OUTDIR/clip.size
# and OUTDIR/clip.hdr, one access unit per record (what v4l2-compliance
# --stream-from-hdr and dec-client read).
# CODEC: vp9 (default; IVF), vp8 (IVF), av1 (IVF), h264 (main profile, B-frames),
# h264-baseline (constrained baseline: what openh264 decodes), hevc
# (B-frames), mpeg2 (B-frames), mpeg4 (Part 2, B-frames).  The coded
# formats other than VP8/VP9 go into Matroska: its timestamps survive the
# decoder (FFmpeg's V4L2 clients take a raw stream's missing timestamps as
# 0 and drop the frames), and V4L2 has no codec_data, so parameter sets
# are in-band: FFmpeg turns avcC/hvcC into Annex B for its V4L2 decoders,
# the MPEG-4 VOL is repeated before every keyframe (dump_extra).
# mpeg2 also gets OUTDIR/ref-libmpeg2.md5: libmpeg2 (mpeg2dec) is not
# bit-identical to libavcodec (the IDCT is not normative).
# A suffix picks another sampling than 8-bit 4:2:0: -10 (10-bit 4:2:0:
# HEVC Main10, VP9 profile 2, AV1 10-bit), -422 and -444 (H.264 High
# 4:2:2 / 4:4:4, HEVC RExt), -rgb (RGB-coded, which V4L2 cannot
# describe); ref.md5 is then at that sampling (framemd5.sh's PIX_FMT), and
# OUTDIR/clip.pixfmt names it.
set -euo pipefail
out=${1:?usage: make-clip.sh OUTDIR [FRAMES] [WxH] [CODEC]}
frames=${2:-30}
size=${3:-320x180}
codec=${4:-vp9}
here=$(cd "$(dirname "$0")" && pwd)
ext=mkv
pixfmt=yuv420p
case $codec in
*-10) pixfmt=yuv420p10le; codec=${codec%-10} ;;
*-422) pixfmt=yuv422p; codec=${codec%-422} ;;
*-444) pixfmt=yuv444p; codec=${codec%-444} ;;
*-rgb) pixfmt=gbrp; codec=${codec%-rgb} ;;
esac
case $codec in
vp9) # -g 10 gives keyframes, altref frames give hidden VP9 frames
	# (superframes), which must not produce output of their own
	ext=ivf
	enc=(-c:v libvpx-vp9 -b:v 300k -g 10 -auto-alt-ref 1 -lag-in-frames 8
		-deadline realtime -cpu-used 8) ;;
av1) # libaom, its fastest preset; IVF: one temporal unit per frame
	ext=ivf
	enc=(-c:v libaom-av1 -b:v 300k -g 10 -cpu-used 8 -usage realtime
		-row-mt 1) ;;
vp8) ext=ivf
	enc=(-c:v libvpx -b:v 300k -g 10 -auto-alt-ref 1 -lag-in-frames 8
		-deadline realtime -cpu-used 8) ;;
h264) # Main unless another sampling asks for a High profile
	enc=(-c:v libx264 -bf 2 -g 10)
	[ "$pixfmt" = yuv420p ] && enc+=(-profile:v main) ;;
h264-baseline) enc=(-c:v libx264 -profile:v baseline -g 10) ;;
hevc) # closed GOPs: with x265's default open GOPs, libde265 now and then
	# outputs the leading (RASL) pictures of a mid-stream CRA differently
	# (seen in a direct gst-launch decode too), which no reference can pin
	enc=(-c:v libx265 -x265-params bframes=2:keyint=10:open-gop=0:log-level=error) ;;
mpeg2) enc=(-c:v mpeg2video -bf 2 -g 10 -b:v 500k) ;;
mpeg4) enc=(-c:v mpeg4 -bf 2 -g 10 -b:v 500k -bsf:v dump_extra=freq=keyframe) ;;
*) echo "make-clip.sh: unknown codec $codec" >&2; exit 2 ;;
esac
# CLIP_X26X_PRESET: x264's and x265's preset (bench/run's large clips)
case $codec in h264* | hevc) [ -n "${CLIP_X26X_PRESET:-}" ] && enc+=(-preset "$CLIP_X26X_PRESET") ;; esac
mkdir -p "$out"
# testsrc2 moves every frame
ffmpeg -nostdin -hide_banner -loglevel error -y \
	-f lavfi -i "testsrc2=size=${size}:rate=30" -frames:v "$frames" \
	"${enc[@]}" -pix_fmt "$pixfmt" "$out/clip.$ext"
echo "clip.$ext" > "$out/clip.name"
echo "$pixfmt" > "$out/clip.pixfmt"
PIX_FMT=$pixfmt "$here/framemd5.sh" "$out/ref.md5" -i "$out/clip.$ext"
# OUTDIR/clip.hdr: one access unit per record (v4l2-compliance
# --stream-from-hdr, dec-client)
case $ext in
ivf) "$here/ivf2hdr.py" "$out/clip.ivf" "$out/clip.hdr" > /dev/null ;;
*) "$here/mkv2hdr.py" "$out/clip.$ext" "$out/clip.hdr" > /dev/null ;;
esac
case $codec in
mpeg2)
	gst-launch-1.0 -q filesrc location="$out/clip.mkv" ! matroskademux ! \
		mpegvideoparse ! mpeg2dec ! videoconvert ! video/x-raw,format=I420 ! \
		filesink location="$out/libmpeg2.yuv"
	"$here/framemd5.sh" "$out/ref-libmpeg2.md5" -f rawvideo -pix_fmt yuv420p \
		-s "$size" -i "$out/libmpeg2.yuv"
	rm -f "$out/libmpeg2.yuv" ;;
esac
[ "$(wc -l < "$out/ref.md5")" -eq "$frames" ] ||
	{ echo "make-clip.sh: $codec: $(wc -l < "$out/ref.md5") frames decoded, expected $frames" >&2; exit 1; }
echo "$size" > "$out/clip.size"
