/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <linux/videodev2.h>
#include <gst/check/gstcheck.h>

#include "gstdaedaluscodec.h"
#include "gstdaedalusformat.h"
#include "gstdaedalusprotocol.h"

static gboolean
valid (gconstpointer msg, gsize len, GstDaedalusDirection dir)
{
  GError *err = NULL;
  gboolean ok = gst_daedalus_msg_validate (msg, len, dir, &err);

  if (!ok) {
    GST_INFO ("%s", err->message);
    g_error_free (err);
  }
  return ok;
}

GST_START_TEST (test_header)
{
  struct daedalus_msg_epoch e;
  guint8 big[64];

  gst_daedalus_msg_init (&e, sizeof (e), DAEDALUS_MSG_DRAIN, 3);
  fail_unless (valid (&e, sizeof (e), GST_DAEDALUS_TO_DAEMON));
  /* size must be the read size */
  fail_if (valid (&e, sizeof (e) - 1, GST_DAEDALUS_TO_DAEMON));
  fail_if (valid (&e, 8, GST_DAEDALUS_TO_DAEMON));
  /* flags must be 0 */
  e.hdr.flags = 1;
  fail_if (valid (&e, sizeof (e), GST_DAEDALUS_TO_DAEMON));
  e.hdr.flags = 0;
  /* a stream message needs a stream */
  e.hdr.stream_id = 0;
  fail_if (valid (&e, sizeof (e), GST_DAEDALUS_TO_DAEMON));
  e.hdr.stream_id = 3;
  /* kernel messages are not for the kernel */
  fail_if (valid (&e, sizeof (e), GST_DAEDALUS_TO_KERNEL));

  /* a longer message of a newer minor is fine towards the daemon */
  memset (big, 0, sizeof (big));
  memcpy (big, &e, sizeof (e));
  ((struct daedalus_msg_hdr *) big)->size = sizeof (big);
  fail_unless (valid (big, sizeof (big), GST_DAEDALUS_TO_DAEMON));

  /* unknown types are ignored towards the daemon, refused by the kernel */
  ((struct daedalus_msg_hdr *) big)->type = 0x0077;
  fail_unless (valid (big, sizeof (big), GST_DAEDALUS_TO_DAEMON));
  fail_if (valid (big, sizeof (big), GST_DAEDALUS_TO_KERNEL));
}

GST_END_TEST;

GST_START_TEST (test_decode)
{
  guint8 buf[sizeof (struct daedalus_msg_decode) + 10];
  struct daedalus_msg_decode *d = (gpointer) buf;

  gst_daedalus_msg_init (d, sizeof (buf), DAEDALUS_MSG_DECODE, 1);
  d->bytesused = 10;
  memset (buf + sizeof (*d), 0xab, 10);
  fail_unless (valid (d, sizeof (buf), GST_DAEDALUS_TO_DAEMON));
  fail_unless (gst_daedalus_msg_decode_bitstream (d) == buf + sizeof (*d));
  d->bytesused = 11;
  fail_if (valid (d, sizeof (buf), GST_DAEDALUS_TO_DAEMON));
}

GST_END_TEST;

GST_START_TEST (test_capture_buffer)
{
  struct daedalus_msg_capture_buffer cb;

  gst_daedalus_msg_init (&cb, sizeof (cb), DAEDALUS_MSG_CAPTURE_BUFFER, 1);
  cb.width = 64;
  cb.height = 64;
  cb.pixelformat = V4L2_PIX_FMT_NV12;
  cb.num_mem_planes = 1;
  cb.mem_plane_length[0] = 64 * 96;
  cb.num_color_planes = 2;
  cb.color_planes[0].stride = 64;
  cb.color_planes[1].offset = 64 * 64;
  cb.color_planes[1].stride = 64;
  fail_unless (valid (&cb, sizeof (cb), GST_DAEDALUS_TO_DAEMON));

  cb.color_planes[1].mem_plane = 1;
  fail_if (valid (&cb, sizeof (cb), GST_DAEDALUS_TO_DAEMON));
  cb.color_planes[1].mem_plane = 0;
  cb.color_planes[1].offset = 64 * 96;
  fail_if (valid (&cb, sizeof (cb), GST_DAEDALUS_TO_DAEMON));
  cb.color_planes[1].offset = 64 * 64;
  cb.num_mem_planes = 5;
  fail_if (valid (&cb, sizeof (cb), GST_DAEDALUS_TO_DAEMON));
}

GST_END_TEST;

GST_START_TEST (test_daemon_messages)
{
  struct daedalus_msg_frame f;
  struct daedalus_msg_format fmt;
  struct daedalus_msg_hello h;
  struct daedalus_msg_stream_error se;

  gst_daedalus_msg_init (&f, sizeof (f), DAEDALUS_MSG_FRAME, 1);
  f.num_planes = 1;
  fail_unless (valid (&f, sizeof (f), GST_DAEDALUS_TO_KERNEL));
  f.reserved[2] = 1;
  fail_if (valid (&f, sizeof (f), GST_DAEDALUS_TO_KERNEL));
  f.reserved[2] = 0;
  f.flags = 1 << 7;
  fail_if (valid (&f, sizeof (f), GST_DAEDALUS_TO_KERNEL));

  gst_daedalus_msg_init (&fmt, sizeof (fmt), DAEDALUS_MSG_FORMAT, 1);
  fmt.width = 320;
  fmt.height = 240;
  fmt.visible_width = 320;
  fmt.visible_height = 240;
  fmt.min_buffers = 4;
  fail_unless (valid (&fmt, sizeof (fmt), GST_DAEDALUS_TO_KERNEL));
  fmt.visible_left = 1;
  fail_if (valid (&fmt, sizeof (fmt), GST_DAEDALUS_TO_KERNEL));

  gst_daedalus_msg_init (&h, sizeof (h), DAEDALUS_MSG_HELLO, 0);
  fail_unless (valid (&h, sizeof (h), GST_DAEDALUS_TO_KERNEL));
  h.max_msg_size = 1;
  fail_if (valid (&h, sizeof (h), GST_DAEDALUS_TO_KERNEL));

  gst_daedalus_msg_init (&se, sizeof (se), DAEDALUS_MSG_STREAM_ERROR, 1);
  se.error = -5;
  fail_unless (valid (&se, sizeof (se), GST_DAEDALUS_TO_KERNEL));
  se.error = 0;
  fail_if (valid (&se, sizeof (se), GST_DAEDALUS_TO_KERNEL));
}

GST_END_TEST;

GST_START_TEST (test_caps_mapping)
{
  static const guint32 codecs[] = { V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264,
    V4L2_PIX_FMT_HEVC, V4L2_PIX_FMT_VP8, V4L2_PIX_FMT_MPEG2,
    V4L2_PIX_FMT_MPEG4, v4l2_fourcc ('A', 'V', '0', '1')
  };
  guint i, n;
  guint n_mem;

  gst_daedalus_codecs (&n);
  fail_unless_equals_int (n, G_N_ELEMENTS (codecs));
  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    const GstDaedalusCodec *codec = gst_daedalus_codec_from_fourcc (codecs[i]);
    GstCaps *caps;

    fail_unless (codec != NULL);
    caps = gst_daedalus_codec_get_caps (codec);
    fail_unless (gst_daedalus_codec_from_caps (caps) == codec);
    fail_unless (gst_daedalus_codec_lookup (codec->name) == codec);
    gst_caps_unref (caps);
  }
  fail_unless (gst_daedalus_codec_from_fourcc (V4L2_PIX_FMT_NV12) == NULL);
  fail_unless (gst_daedalus_codec_lookup ("avc")->fourcc == V4L2_PIX_FMT_H264);
  fail_unless (gst_daedalus_codec_lookup ("H265")->fourcc == V4L2_PIX_FMT_HEVC);
  fail_unless (gst_daedalus_codec_lookup ("theora") == NULL);

  fail_unless_equals_int (gst_daedalus_raw_to_video_format (V4L2_PIX_FMT_NV12,
          &n_mem), GST_VIDEO_FORMAT_NV12);
  fail_unless_equals_int (n_mem, 1);
  fail_unless_equals_int (gst_daedalus_raw_to_video_format
      (V4L2_PIX_FMT_NV12M, &n_mem), GST_VIDEO_FORMAT_NV12);
  fail_unless_equals_int (n_mem, 2);
  fail_unless_equals_int (gst_daedalus_raw_to_video_format
      (V4L2_PIX_FMT_YUV420, NULL), GST_VIDEO_FORMAT_I420);
  fail_unless_equals_int (gst_daedalus_video_format_to_raw
      (GST_VIDEO_FORMAT_P010_10LE, 1), V4L2_PIX_FMT_P010);
  fail_unless_equals_int (gst_daedalus_video_format_bit_depth
      (GST_VIDEO_FORMAT_P010_10LE), 10);
}

GST_END_TEST;

/* the raw format FORMAT names for what a decoder gives: its own layout,
 * else its chroma at its depth, else its chroma at 8 bits, else none */
GST_START_TEST (test_stream_raw)
{
  static const struct
  {
    GstVideoFormat decoded;
    guint32 fourcc;
  } cases[] = {
    {GST_VIDEO_FORMAT_I420, V4L2_PIX_FMT_YUV420},
    {GST_VIDEO_FORMAT_NV12, V4L2_PIX_FMT_NV12},
    {GST_VIDEO_FORMAT_YV12, V4L2_PIX_FMT_YUV420},
    {GST_VIDEO_FORMAT_GRAY8, V4L2_PIX_FMT_YUV420},
    {GST_VIDEO_FORMAT_I420_10LE, V4L2_PIX_FMT_P010},
    {GST_VIDEO_FORMAT_P010_10LE, V4L2_PIX_FMT_P010},
    {GST_VIDEO_FORMAT_I420_12LE, V4L2_PIX_FMT_P010},
    {GST_VIDEO_FORMAT_Y42B, V4L2_PIX_FMT_YUV422P},
    {GST_VIDEO_FORMAT_NV16, V4L2_PIX_FMT_NV16},
    {GST_VIDEO_FORMAT_I422_10LE, V4L2_PIX_FMT_NV16},
    {GST_VIDEO_FORMAT_Y444, V4L2_PIX_FMT_YUV444M},
    {GST_VIDEO_FORMAT_Y444_10LE, V4L2_PIX_FMT_YUV444M},
    {GST_VIDEO_FORMAT_NV24, V4L2_PIX_FMT_NV24},
    {GST_VIDEO_FORMAT_GBR, 0},
    {GST_VIDEO_FORMAT_RGBA, 0},
    {GST_VIDEO_FORMAT_Y41B, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint32 got = gst_daedalus_video_format_to_stream_raw (cases[i].decoded);

    fail_unless (got == cases[i].fourcc, "%s: got %" GST_FOURCC_FORMAT
        ", want %" GST_FOURCC_FORMAT,
        gst_video_format_to_string (cases[i].decoded), GST_FOURCC_ARGS (got),
        GST_FOURCC_ARGS (cases[i].fourcc));
  }
}

GST_END_TEST;

/* The headers' FORMAT: what a decoder gives for a parser's caps, read
 * from the template's output caps in their order (avdec's template lists
 * packed YUY2 before planar Y42B; a hardware decoder gives NV12), as the
 * raw format FORMAT then names. */
GST_START_TEST (test_parsed_video_format)
{
  /* avdec_h264's source template (gst-libav 1.22), its order kept */
  static const gchar *avdec = "video/x-raw, format=(string){ I420, YUY2, "
      "RGB, BGR, Y42B, Y444, YUV9, Y41B, GRAY8, RGB8P, UYVY, NV12, NV21, "
      "GRAY16_LE, A420, I420_10BE, I420_10LE, I422_10BE, I422_10LE, "
      "Y444_10BE, Y444_10LE, GBR, GBR_10LE }";
  static const struct
  {
    const gchar *parsed;
    const gchar *output;
    guint32 fourcc;             /* 0: the caps do not tell */
    guint depth;
  } cases[] = {
    {"video/x-h264, width=320, height=240, chroma-format=4:2:0, "
          "bit-depth-luma=(uint)8", NULL, V4L2_PIX_FMT_YUV420, 8},
    {"video/x-h264, width=320, height=240, chroma-format=4:2:0, "
          "bit-depth-luma=(uint)8", "video/x-raw, format=NV12",
        V4L2_PIX_FMT_NV12, 8},
    {"video/x-h264, width=320, height=240, chroma-format=4:2:2, "
          "bit-depth-luma=(uint)8", "avdec", V4L2_PIX_FMT_YUV422P, 8},
    {"video/x-h264, width=320, height=240, chroma-format=4:4:4, "
          "bit-depth-luma=(uint)8", "avdec", V4L2_PIX_FMT_YUV444M, 8},
    {"video/x-h265, width=320, height=240, chroma-format=4:2:0, "
          "bit-depth-luma=(uint)10", "avdec", V4L2_PIX_FMT_P010, 10},
    {"video/x-vp9, width=320, height=240, chroma-format=4:2:0, "
          "bit-depth-luma=(uint)10", "video/x-raw, format=P010_10LE",
        V4L2_PIX_FMT_P010, 10},
    {"video/mpeg, mpegversion=2, width=320, height=240, profile=main",
        "avdec", V4L2_PIX_FMT_YUV420, 8},
    {"video/mpeg, mpegversion=2, width=320, height=240, profile=4:2:2",
        "avdec", 0, 0},
    {"video/x-h265, width=320, height=240, chroma-format=4:4:4, "
          "bit-depth-luma=(uint)8, colorimetry=1:1:0:0", "avdec", 0, 0},
    {"video/x-h264, chroma-format=4:2:0, bit-depth-luma=(uint)8", "avdec",
        0, 0},
    {"video/x-h264, width=320, height=240", "avdec", 0, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstCaps *parsed = gst_caps_from_string (cases[i].parsed);
    GstCaps *output = cases[i].output ? gst_caps_from_string
        (g_str_equal (cases[i].output, "avdec") ? avdec : cases[i].output) :
        NULL;
    GstVideoFormat f = gst_daedalus_parsed_video_format (parsed, output);
    guint32 got = f == GST_VIDEO_FORMAT_UNKNOWN ? 0 :
        gst_daedalus_video_format_to_stream_raw (f);

    fail_unless (parsed != NULL);
    fail_unless (got == cases[i].fourcc, "%s (output %s): %s, "
        "%" GST_FOURCC_FORMAT ", want %" GST_FOURCC_FORMAT, cases[i].parsed,
        cases[i].output, gst_video_format_to_string (f),
        GST_FOURCC_ARGS (got), GST_FOURCC_ARGS (cases[i].fourcc));
    if (got)
      fail_unless_equals_int (gst_daedalus_video_format_bit_depth (f),
          cases[i].depth);
    gst_caps_unref (parsed);
    if (output)
      gst_caps_unref (output);
  }
}

GST_END_TEST;

static Suite *
protocol_suite (void)
{
  Suite *s = suite_create ("protocol");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_header);
  tcase_add_test (tc, test_decode);
  tcase_add_test (tc, test_capture_buffer);
  tcase_add_test (tc, test_daemon_messages);
  tcase_add_test (tc, test_caps_mapping);
  tcase_add_test (tc, test_stream_raw);
  tcase_add_test (tc, test_parsed_video_format);
  return s;
}

GST_CHECK_MAIN (protocol);
