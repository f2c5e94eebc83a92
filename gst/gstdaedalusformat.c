/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* V4L2 raw fourccs <-> GStreamer video formats; what the stream's
 * headers say its format is.  (The coded ones: gstdaedaluscodec.c.) */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <linux/videodev2.h>

#include "gstdaedalusformat.h"

/* The raw formats of the node's CAPTURE queue, as kmod/daedalus-layout.c
 * has them (docs/protocol.md lists them). */
static const struct
{
  guint32 fourcc;
  GstVideoFormat format;
  guint n_mem_planes;
} raws[] = {
  {V4L2_PIX_FMT_YUV420, GST_VIDEO_FORMAT_I420, 1},
  {V4L2_PIX_FMT_NV12, GST_VIDEO_FORMAT_NV12, 1},
  {V4L2_PIX_FMT_NV12M, GST_VIDEO_FORMAT_NV12, 2},
  {V4L2_PIX_FMT_YUV420M, GST_VIDEO_FORMAT_I420, 3},
  {V4L2_PIX_FMT_P010, GST_VIDEO_FORMAT_P010_10LE, 1},
  {V4L2_PIX_FMT_NV16, GST_VIDEO_FORMAT_NV16, 1},
  {V4L2_PIX_FMT_YUV422P, GST_VIDEO_FORMAT_Y42B, 1},
  {V4L2_PIX_FMT_YUV422M, GST_VIDEO_FORMAT_Y42B, 3},
  {V4L2_PIX_FMT_YUV444M, GST_VIDEO_FORMAT_Y444, 3},
  {V4L2_PIX_FMT_NV24, GST_VIDEO_FORMAT_NV24, 1},
};

GstVideoFormat
gst_daedalus_raw_to_video_format (guint32 fourcc, guint * n_mem_planes)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (raws); i++) {
    if (raws[i].fourcc == fourcc) {
      if (n_mem_planes)
        *n_mem_planes = raws[i].n_mem_planes;
      return raws[i].format;
    }
  }
  return GST_VIDEO_FORMAT_UNKNOWN;
}

guint32
gst_daedalus_video_format_to_raw (GstVideoFormat format, guint n_mem_planes)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (raws); i++) {
    if (raws[i].format == format && raws[i].n_mem_planes == n_mem_planes)
      return raws[i].fourcc;
  }
  return 0;
}

guint
gst_daedalus_video_format_bit_depth (GstVideoFormat format)
{
  const GstVideoFormatInfo *finfo = gst_video_format_get_info (format);

  if (!finfo || format == GST_VIDEO_FORMAT_UNKNOWN)
    return 8;
  return GST_VIDEO_FORMAT_INFO_DEPTH (finfo, 0);
}

/* The chroma subsampling of @finfo (log2, as GStreamer has it); a grey
 * picture fits any, and is given as 4:2:0. */
static gboolean
chroma_sub (const GstVideoFormatInfo * finfo, guint * w_sub, guint * h_sub)
{
  if (GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo)) {
    *w_sub = *h_sub = 1;
    return TRUE;
  }
  if (!GST_VIDEO_FORMAT_INFO_IS_YUV (finfo) ||
      GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo) < 3)
    return FALSE;
  *w_sub = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, 1);
  *h_sub = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1);
  return TRUE;
}

/**
 * gst_daedalus_video_format_to_stream_raw:
 * @format: what the decoder gives
 *
 * The raw fourcc that FORMAT names as the stream's own, which the node
 * offers first: @format itself where V4L2 has it (in one memory plane if
 * it can);
 * else the first raw format of its chroma subsampling and depth; else,
 * when V4L2 has none that deep, the deepest of its subsampling (a
 * conversion, which FORMAT's bit depth tells).
 *
 * Returns: the fourcc, or 0 when V4L2 can describe no format of this
 * chroma (RGB, 4:1:1, ...): the stream cannot be served.
 */
guint32
gst_daedalus_video_format_to_stream_raw (GstVideoFormat format)
{
  const GstVideoFormatInfo *finfo = gst_video_format_get_info (format);
  guint w_sub, h_sub, depth, best_depth = 0, i;
  guint32 best = 0;

  if (!finfo || !chroma_sub (finfo, &w_sub, &h_sub))
    return 0;
  depth = GST_VIDEO_FORMAT_INFO_DEPTH (finfo, 0);

  /* the decoder's own layout, in one memory plane if V4L2 has that */
  for (i = 0; i < G_N_ELEMENTS (raws); i++) {
    if (raws[i].format == format && (raws[i].n_mem_planes == 1 ||
            gst_daedalus_video_format_to_raw (format, 1) == 0))
      return raws[i].fourcc;
  }
  for (i = 0; i < G_N_ELEMENTS (raws); i++) {
    const GstVideoFormatInfo *r = gst_video_format_get_info (raws[i].format);
    guint rw, rh, rdepth = GST_VIDEO_FORMAT_INFO_DEPTH (r, 0);

    if (!chroma_sub (r, &rw, &rh) || rw != w_sub || rh != h_sub || rdepth > depth || rdepth <= best_depth)
      continue;
    best = raws[i].fourcc;
    best_depth = rdepth;
  }
  return best;
}

/* The planar formats software decoders (avdec, libvpx, dav1d) give, by
 * chroma subsampling and luma depth: what a decoder is taken to give when
 * it does not say. */
static const struct
{
  const gchar *chroma;
  guint depth;
  GstVideoFormat format;
} planar[] = {
  {"4:2:0", 8, GST_VIDEO_FORMAT_I420},
  {"4:2:0", 10, GST_VIDEO_FORMAT_I420_10LE},
  {"4:2:0", 12, GST_VIDEO_FORMAT_I420_12LE},
  {"4:2:2", 8, GST_VIDEO_FORMAT_Y42B},
  {"4:2:2", 10, GST_VIDEO_FORMAT_I422_10LE},
  {"4:2:2", 12, GST_VIDEO_FORMAT_I422_12LE},
  {"4:4:4", 8, GST_VIDEO_FORMAT_Y444},
  {"4:4:4", 10, GST_VIDEO_FORMAT_Y444_10LE},
  {"4:4:4", 12, GST_VIDEO_FORMAT_Y444_12LE},
  {"4:0:0", 8, GST_VIDEO_FORMAT_GRAY8},
};

/* whether @format has the chroma subsampling and luma depth of the
 * planar table's @like */
static gboolean
same_sampling (GstVideoFormat format, GstVideoFormat like)
{
  const GstVideoFormatInfo *f = gst_video_format_get_info (format);
  const GstVideoFormatInfo *l = gst_video_format_get_info (like);

  if (!f || !l || format == GST_VIDEO_FORMAT_UNKNOWN ||
      GST_VIDEO_FORMAT_INFO_DEPTH (f, 0) != GST_VIDEO_FORMAT_INFO_DEPTH (l, 0))
    return FALSE;
  if (GST_VIDEO_FORMAT_INFO_IS_GRAY (l))
    return GST_VIDEO_FORMAT_INFO_IS_GRAY (f);
  /* planar or semi-planar: decoders give packed YUV (avdec lists YUY2
   * before Y42B) only when asked to */
  return GST_VIDEO_FORMAT_INFO_IS_YUV (f) &&
      !GST_VIDEO_FORMAT_INFO_HAS_ALPHA (f) &&
      GST_VIDEO_FORMAT_INFO_N_COMPONENTS (f) == 3 &&
      GST_VIDEO_FORMAT_INFO_N_PLANES (f) >= 2 &&
      GST_VIDEO_FORMAT_INFO_W_SUB (f, 1) == GST_VIDEO_FORMAT_INFO_W_SUB (l, 1)
      && GST_VIDEO_FORMAT_INFO_H_SUB (f, 1) == GST_VIDEO_FORMAT_INFO_H_SUB (l,
      1);
}

/* The first format of @output (raw caps, in the order of preference of
 * whatever gives them) with the sampling of @like; @like if none. */
static GstVideoFormat
preferred_like (const GstCaps * output, GstVideoFormat like)
{
  guint i, j;

  for (i = 0; output && i < gst_caps_get_size (output); i++) {
    const GValue *v = gst_structure_get_value (gst_caps_get_structure (output,
            i), "format");
    guint n = v && GST_VALUE_HOLDS_LIST (v) ? gst_value_list_get_size (v) : 1;

    for (j = 0; v && j < n; j++) {
      const GValue *f = GST_VALUE_HOLDS_LIST (v) ?
          gst_value_list_get_value (v, j) : v;
      GstVideoFormat format;

      if (!G_VALUE_HOLDS_STRING (f))
        continue;
      format = gst_video_format_from_string (g_value_get_string (f));
      if (same_sampling (format, like))
        return format;
    }
  }
  return like;
}

/**
 * gst_daedalus_parsed_video_format:
 * @caps: a parser's output (h264parse, vp9parse, mpegvideoparse, ...)
 * @output: (nullable): what the decoder after the parser may give, in its
 *   order of preference (a caps query on the template's output)
 *
 * The frames the decoder gives for the stream of @caps, known from its
 * headers before anything is decoded: the first format of @output with
 * the stream's "chroma-format" and "bit-depth-luma" (a hardware decoder's
 * NV12, avdec's I420), else the planar format of that sampling.  Caps
 * without them (mpegvideoparse, mpeg4videoparse, VP8) are 8-bit 4:2:0,
 * what MPEG-2, MPEG-4 Part 2 and VP8 are but in MPEG-2's 4:2:2 and High
 * and MPEG-4's studio profiles.  RGB-coded streams (matrix RGB) are not
 * told: a decoder gives them as RGB, which the node cannot serve.
 *
 * Returns: the format, or %GST_VIDEO_FORMAT_UNKNOWN when @caps do not
 * tell (no size yet, another sampling, another profile)
 */
GstVideoFormat
gst_daedalus_parsed_video_format (const GstCaps * caps, const GstCaps * output)
{
  const GstStructure *s;
  const gchar *chroma, *profile, *colorimetry;
  GstVideoColorimetry cinfo;
  gint width = 0, height = 0;
  guint depth = 8, i;

  if (!caps || gst_caps_get_size (caps) != 1)
    return GST_VIDEO_FORMAT_UNKNOWN;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get_int (s, "width", &width) ||
      !gst_structure_get_int (s, "height", &height) || width <= 0 ||
      height <= 0)
    return GST_VIDEO_FORMAT_UNKNOWN;
  colorimetry = gst_structure_get_string (s, "colorimetry");
  if (colorimetry && gst_video_colorimetry_from_string (&cinfo, colorimetry)
      && cinfo.matrix == GST_VIDEO_COLOR_MATRIX_RGB)
    return GST_VIDEO_FORMAT_UNKNOWN;

  chroma = gst_structure_get_string (s, "chroma-format");
  if (chroma) {
    if (gst_structure_has_field (s, "bit-depth-luma") &&
        !gst_structure_get_uint (s, "bit-depth-luma", &depth))
      return GST_VIDEO_FORMAT_UNKNOWN;
  } else if (gst_structure_has_name (s, "video/mpeg") ||
      gst_structure_has_name (s, "video/x-vp8")) {
    profile = gst_structure_get_string (s, "profile");
    if (profile && (g_str_equal (profile, "4:2:2") ||
            g_str_equal (profile, "high") || g_str_has_suffix (profile,
                "-studio")))
      return GST_VIDEO_FORMAT_UNKNOWN;
    chroma = "4:2:0";
  } else {
    return GST_VIDEO_FORMAT_UNKNOWN;
  }
  for (i = 0; i < G_N_ELEMENTS (planar); i++) {
    if (planar[i].depth == depth && g_str_equal (planar[i].chroma, chroma))
      return preferred_like (output, planar[i].format);
  }
  return GST_VIDEO_FORMAT_UNKNOWN;
}

/* Maps @cinfo to V4L2 enums; 0 (V4L2_*_DEFAULT) where GStreamer does not
 * know the value, which the kernel reads as "keep". */
void
gst_daedalus_colorimetry_to_v4l2 (const GstVideoColorimetry * cinfo,
    guint32 * colorspace, guint32 * xfer_func, guint32 * ycbcr_enc,
    guint32 * quantization)
{
  switch (cinfo->primaries) {
    case GST_VIDEO_COLOR_PRIMARIES_BT709:
      *colorspace = V4L2_COLORSPACE_REC709;
      break;
    case GST_VIDEO_COLOR_PRIMARIES_BT470BG:
      *colorspace = V4L2_COLORSPACE_470_SYSTEM_BG;
      break;
    case GST_VIDEO_COLOR_PRIMARIES_SMPTE170M:
      *colorspace = V4L2_COLORSPACE_SMPTE170M;
      break;
    case GST_VIDEO_COLOR_PRIMARIES_SMPTE240M:
      *colorspace = V4L2_COLORSPACE_SMPTE240M;
      break;
    case GST_VIDEO_COLOR_PRIMARIES_BT2020:
      *colorspace = V4L2_COLORSPACE_BT2020;
      break;
    case GST_VIDEO_COLOR_PRIMARIES_BT470M:
      *colorspace = V4L2_COLORSPACE_470_SYSTEM_M;
      break;
    default:
      *colorspace = 0;
      break;
  }

  switch (cinfo->transfer) {
    case GST_VIDEO_TRANSFER_BT709:
    case GST_VIDEO_TRANSFER_BT601:
    case GST_VIDEO_TRANSFER_BT2020_10:
    case GST_VIDEO_TRANSFER_BT2020_12:
      *xfer_func = V4L2_XFER_FUNC_709;
      break;
    case GST_VIDEO_TRANSFER_SRGB:
      *xfer_func = V4L2_XFER_FUNC_SRGB;
      break;
    case GST_VIDEO_TRANSFER_SMPTE240M:
      *xfer_func = V4L2_XFER_FUNC_SMPTE240M;
      break;
    case GST_VIDEO_TRANSFER_GAMMA10:
      *xfer_func = V4L2_XFER_FUNC_NONE;
      break;
    case GST_VIDEO_TRANSFER_SMPTE2084:
      *xfer_func = V4L2_XFER_FUNC_SMPTE2084;
      break;
    default:
      *xfer_func = 0;
      break;
  }

  switch (cinfo->matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT601:
      *ycbcr_enc = V4L2_YCBCR_ENC_601;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT709:
      *ycbcr_enc = V4L2_YCBCR_ENC_709;
      break;
    case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
      *ycbcr_enc = V4L2_YCBCR_ENC_SMPTE240M;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      *ycbcr_enc = V4L2_YCBCR_ENC_BT2020;
      break;
    default:
      *ycbcr_enc = 0;
      break;
  }

  switch (cinfo->range) {
    case GST_VIDEO_COLOR_RANGE_0_255:
      *quantization = V4L2_QUANTIZATION_FULL_RANGE;
      break;
    case GST_VIDEO_COLOR_RANGE_16_235:
      *quantization = V4L2_QUANTIZATION_LIM_RANGE;
      break;
    default:
      *quantization = 0;
      break;
  }
}
