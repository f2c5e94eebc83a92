/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Decoder swap (issue 3): the same clip, encoded at test time, through
 * daedalusd's core and the fake kernel with each decoder of a codec, the
 * decoder chosen by the daemon's configuration file alone.  What the
 * kernel gets (the NV12 checksum of the frame of each cookie) must be the
 * same for every decoder and equal to a direct decode.
 *
 * One codec per run: DAEDALUS_SWAP_CODEC names it (tests/check/meson.build
 * registers one test per codec).  A run whose encoder or decoders are not
 * installed exits 77 (meson: SKIP) and says which package brings them. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "daemontest.h"
#include "testclip.h"

#ifndef V4L2_PIX_FMT_AV1
#define V4L2_PIX_FMT_AV1 v4l2_fourcc ('A', 'V', '0', '1')
#endif

#define N_FRAMES 12
#define WIDTH 320
#define HEIGHT 240
#define STREAM_ID 1

typedef struct
{
  const gchar *codec;           /* daedalusd's name, the config key */
  guint32 fourcc;
  const gchar *encoder;         /* bin description, ends in the caps the
                                 * kernel would pass on */
  const gchar *decoders[3];     /* templates; all must be installed */
  const gchar *optional;        /* a template used when installed */
  const gchar *packages;        /* Debian packages that bring them */
  /* MPEG-2 does not specify the IDCT bit-exactly (IEEE 1180 accuracy
   * only): libmpeg2 and libavcodec differ in the low bits.  Each must
   * still equal its own direct decode. */
  gboolean bit_exact;
} SwapCase;

static const SwapCase cases[] = {
  {"vp9", V4L2_PIX_FMT_VP9, "vp9enc deadline=1 keyframe-max-dist=10",
        {"vp9parse ! avdec_vp9", "vp9parse ! vp9dec"}, NULL,
      "gstreamer1.0-plugins-good gstreamer1.0-libav", TRUE},
  {"vp8", V4L2_PIX_FMT_VP8, "vp8enc deadline=1 keyframe-max-dist=10",
        {"avdec_vp8", "vp8dec"}, NULL,
      "gstreamer1.0-plugins-good gstreamer1.0-libav", TRUE},
  /* Constrained Baseline: what openh264dec decodes */
  {"h264", V4L2_PIX_FMT_H264,
        "x264enc speed-preset=ultrafast key-int-max=10 ! "
        "video/x-h264,profile=constrained-baseline ! h264parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au",
        {"h264parse ! avdec_h264", "h264parse ! openh264dec"}, NULL,
      "gstreamer1.0-plugins-ugly (x264enc) gstreamer1.0-plugins-bad "
        "gstreamer1.0-libav", TRUE},
  /* closed GOPs: libde265 now and then outputs the leading pictures of a
   * mid-stream CRA differently (tests/e2e/make-clip.sh) */
  {"hevc", V4L2_PIX_FMT_HEVC,
        "x265enc speed-preset=ultrafast key-int-max=10 "
        "option-string=open-gop=0 ! h265parse ! "
        "video/x-h265,stream-format=byte-stream,alignment=au",
        {"h265parse ! avdec_h265", "h265parse ! libde265dec"}, NULL,
      "gstreamer1.0-plugins-bad gstreamer1.0-libav", TRUE},
  /* dav1ddec is gst-plugins-rs, which Debian 12 does not package */
  {"av1", V4L2_PIX_FMT_AV1,
        "av1enc cpu-used=8 usage-profile=realtime keyframe-max-dist=10 ! "
        "av1parse ! video/x-av1,stream-format=obu-stream,alignment=tu",
        {"av1parse ! av1dec"}, "av1parse ! dav1ddec",
      "gstreamer1.0-plugins-bad", TRUE},
  /* avenc_mpeg2video of Debian 12 (gst-libav 1.22.0, FFmpeg 5.1) rejects
   * every frame rate ("does not support 1000000000/1 fps"): mpeg2enc */
  {"mpeg2", V4L2_PIX_FMT_MPEG2,
        "mpeg2enc format=3 ! mpegvideoparse ! "
        "video/mpeg,mpegversion=2,systemstream=false",
        {"mpegvideoparse ! avdec_mpeg2video", "mpegvideoparse ! mpeg2dec"},
      NULL, "gstreamer1.0-plugins-bad (mpeg2enc) gstreamer1.0-plugins-ugly "
        "(mpeg2dec) gstreamer1.0-libav", FALSE},
};

static const SwapCase *swap;

/* Adds the elements of @desc (a gst-launch description whose properties
 * hold no '!') that are not installed to @missing, once each. */
static void
add_missing_elements (GString * missing, const gchar * desc)
{
  gchar **parts = g_strsplit (desc, "!", -1);
  guint i;

  for (i = 0; parts[i]; i++) {
    gchar **words = g_strsplit (g_strstrip (parts[i]), " ", 2);
    GstElementFactory *f;
    gchar *listed;

    /* caps filters are no element */
    if (words[0] && *words[0] && !strchr (words[0], '/')) {
      f = gst_element_factory_find (words[0]);
      listed = g_strdup_printf (" %s ", words[0]);
      if (f)
        gst_object_unref (f);
      else if (!strstr (missing->str, listed))
        g_string_append_printf (missing, "%s ", words[0]);
      g_free (listed);
    }
    g_strfreev (words);
  }
  g_strfreev (parts);
}

/* the factory name of the last element of @tmpl: the decoder */
static gchar *
decoder_name (const gchar * tmpl)
{
  const gchar *last = strrchr (tmpl, '!');
  gchar *name = g_strdup (last ? last + 1 : tmpl);
  gchar *space;

  g_strstrip (name);
  space = strchr (name, ' ');
  if (space)
    *space = '\0';
  return name;
}

static gboolean
bin_has_factory (GstElement * bin, const gchar * name)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (g_value_get_object (&item));

    found = f && g_strcmp0 (GST_OBJECT_NAME (f), name) == 0;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* daedalusd's configuration from a key file that sets @tmpl for the
 * codec, and nothing else */
static DaedalusdConfig *
config_with (const gchar * tmpl)
{
  GError *err = NULL;
  DaedalusdConfig *config;
  const DaedalusdDecoder *dec;
  gchar *path, *contents;
  gint fd;

  fd = g_file_open_tmp ("daedalusd-swap-XXXXXX.conf", &path, &err);
  fail_unless (fd >= 0, "%s", err ? err->message : "");
  close (fd);
  contents = g_strdup_printf ("[decoders]\n%s=%s\n", swap->codec, tmpl);
  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  g_free (contents);

  config = daedalusd_config_load (path, TRUE, NULL, &err);
  fail_unless (config != NULL, "%s", err ? err->message : "");
  dec = daedalusd_config_get_decoder (config, swap->fourcc);
  fail_unless (dec != NULL && dec->usable, "%s: %s", tmpl,
      dec && dec->reason ? dec->reason : "not usable");
  fail_unless_equals_string (dec->template, tmpl);
  fail_unless_equals_int (dec->source, DAEDALUSD_SOURCE_FILE);
  g_unlink (path);
  g_free (path);
  return config;
}

/* Every FORMAT of the stream says the same: the one of the parser's
 * headers, sent before the decoder's first picture, told the truth (else
 * the client would go through a resolution change at the start). */
static void
check_formats_agree (FakeKernel * fk, const gchar * tmpl)
{
  GArray *formats = fake_kernel_get_formats (fk);
  const struct daedalus_msg_format *first, *f;
  guint i;

  fail_unless (formats->len >= 1);
  first = &g_array_index (formats, struct daedalus_msg_format, 0);
  for (i = 1; i < formats->len; i++) {
    f = &g_array_index (formats, struct daedalus_msg_format, i);
    fail_unless (f->pixelformat == first->pixelformat &&
        f->width == first->width && f->height == first->height &&
        f->visible_width == first->visible_width &&
        f->visible_height == first->visible_height &&
        f->min_buffers == first->min_buffers &&
        f->bit_depth == first->bit_depth,
        "%s: FORMAT %u (%" GST_FOURCC_FORMAT " %ux%u, %u bits) is not the "
        "first (%" GST_FOURCC_FORMAT " %ux%u, %u bits)", tmpl, i,
        GST_FOURCC_ARGS (f->pixelformat), f->width, f->height, f->bit_depth,
        GST_FOURCC_ARGS (first->pixelformat), first->width, first->height,
        first->bit_depth);
  }
}

/* Decodes @clip through the daemon configured with @tmpl.  Returns the
 * checksum of the frame of each access unit, by decode order (cookie -
 * first cookie); the frames as they came, in output order, are the
 * direct decode @ref. */
static GPtrArray *
decode_through_daemon (TestClip * clip, const gchar * tmpl, GPtrArray * ref)
{
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 6,
      &swap->fourcc, 1);
  Daedalusd *daemon = daemon_test_start (fk, config_with (tmpl));
  GPtrArray *by_cookie;
  gchar *decoder = decoder_name (tmpl);
  guint64 first;

  GST_INFO ("%s through the daemon with %s", swap->codec, tmpl);
  fail_unless (daemon_test_hello_has (fk, swap->fourcc));
  fake_kernel_open_stream (fk, STREAM_ID, swap->fourcc, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);
  /* the configuration chose the decoder */
  fail_unless (bin_has_factory (daedalusd_get_pipeline (daemon, STREAM_ID),
          decoder), "no %s in the pipeline", decoder);

  first = test_clip_send (clip, fk, STREAM_ID);
  fake_kernel_drain (fk, STREAM_ID);
  daemon_test_wait_frames (fk, daemon, STREAM_ID, ref->len);
  check_formats_agree (fk, tmpl);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, DAEMON_TEST_TIMEOUT_MS));
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len,
          DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_close_stream (fk, STREAM_ID);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);

  by_cookie = daemon_test_frames_by_au (fk, STREAM_ID, first,
      clip->aus->len, ref);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  g_free (decoder);
  return by_cookie;
}

GST_START_TEST (test_decoder_swap)
{
  TestClip *clip = test_clip_new (swap->encoder, N_FRAMES, WIDTH, HEIGHT);
  GPtrArray *first_ref = NULL, *first_frames = NULL;
  const gchar *decoders[G_N_ELEMENTS (swap->decoders) + 1];
  guint i, j, n = 0;

  for (i = 0; i < G_N_ELEMENTS (swap->decoders) && swap->decoders[i]; i++)
    decoders[n++] = swap->decoders[i];
  if (swap->optional) {
    GString *missing = g_string_new (" ");

    add_missing_elements (missing, swap->optional);
    if (missing->len > 1)
      g_printerr ("decoders: %s: optional%snot installed, not compared\n",
          swap->codec, missing->str);
    else
      decoders[n++] = swap->optional;
    g_string_free (missing, TRUE);
  }

  for (i = 0; i < n; i++) {
    GPtrArray *ref = test_clip_reference_decode (clip, decoders[i]);
    GPtrArray *frames;

    fail_unless_equals_int (ref->len, N_FRAMES);
    frames = decode_through_daemon (clip, decoders[i], ref);
    if (!first_ref) {
      first_ref = ref;
      first_frames = frames;
      continue;
    }
    if (swap->bit_exact) {
      /* the same pictures, and each the picture of the same AU */
      for (j = 0; j < ref->len; j++)
        fail_unless_equals_string (g_ptr_array_index (ref, j),
            g_ptr_array_index (first_ref, j));
      for (j = 0; j < frames->len; j++)
        fail_unless_equals_string (g_ptr_array_index (frames, j),
            g_ptr_array_index (first_frames, j));
    } else {
      /* the same AUs made frames */
      for (j = 0; j < frames->len; j++)
        fail_unless_equals_int (g_ptr_array_index (frames, j) == NULL,
            g_ptr_array_index (first_frames, j) == NULL);
    }
    g_printerr ("decoders: %s: %s and %s: %s\n", swap->codec, decoders[0],
        decoders[i], swap->bit_exact ? "the same frames" :
        "each its own direct decode (not bit-exact by specification)");
    g_ptr_array_unref (ref);
    g_ptr_array_unref (frames);
  }
  if (n == 1)
    g_printerr ("decoders: %s: %s alone, equal to its direct decode\n",
        swap->codec, decoders[0]);

  g_ptr_array_unref (first_ref);
  g_ptr_array_unref (first_frames);
  test_clip_free (clip);
}

GST_END_TEST;

/* The kernel learns the format from the stream's headers, before the
 * decoder gives anything (dev-decoder.rst: SOURCE_CHANGE once the headers
 * are parsed; v4l2-compliance waits one second for it after queuing two
 * access units; avdec_h264 gives its first picture frames later).  Here
 * the decoder gets nothing at all: whatever FORMAT comes, came from the
 * parser's caps. */
/* The first FORMAT of a stream of @tmpl, whose decoder never gets
 * anything; the client's OUTPUT size is a placeholder (dec-client's
 * 64x64): the headers tell the size, not the hint (h264parse lets
 * upstream caps override its SPS). */
static struct daedalus_msg_format
header_format (TestClip * clip, const gchar * tmpl)
{
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 6,
      &swap->fourcc, 1);
  Daedalusd *daemon = daemon_test_start (fk, config_with (tmpl));
  struct daedalus_msg_format f;

  fake_kernel_open_stream (fk, STREAM_ID, swap->fourcc, 64, 64);
  daemon_test_wait_pipelines (fk, daemon, 1);
  test_clip_send_range (clip, fk, STREAM_ID, 0, 2);
  daemon_test_wait_formats (fk, daemon, 1);
  f = g_array_index (fake_kernel_get_formats (fk),
      struct daedalus_msg_format, 0);
  fail_unless_equals_int (fake_kernel_count_frames (fk, STREAM_ID), 0);

  fake_kernel_close_stream (fk, STREAM_ID);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);
  fail_unless_equals_int (fake_kernel_get_formats (fk)->len, 1);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  return f;
}

/* The kernel learns the format from the stream's headers, before the
 * decoder gives anything (dev-decoder.rst: SOURCE_CHANGE once the headers
 * are parsed; v4l2-compliance waits one second for it after queuing two
 * access units; avdec_h264 gives its first picture frames later).  Here
 * the decoder gets nothing at all: whatever FORMAT comes, came from the
 * parser's caps.  The format is the one the template gives first for the
 * stream's sampling: avdec's I420 (YU12), or NV12 where the template ends
 * in it (as a hardware decoder's would). */
GST_START_TEST (test_header_format)
{
  const gchar *tmpl = swap->decoders[0];
  const gchar *last = strrchr (tmpl, '!');
  struct daedalus_msg_format f;
  TestClip *clip;
  gchar *starved, *nv12;

  if (!last) {
    g_printerr ("decoders: %s: %s has no parser: FORMAT comes with the "
        "first picture\n", swap->codec, tmpl);
    return;
  }
  clip = test_clip_new (swap->encoder, N_FRAMES, WIDTH, HEIGHT);
  starved = g_strdup_printf ("%.*s! identity drop-probability=1.0 %s",
      (gint) (last - tmpl), tmpl, last);
  f = header_format (clip, starved);
  fail_unless_equals_int (f.hdr.stream_id, STREAM_ID);
  fail_unless_equals_int (f.pixelformat, V4L2_PIX_FMT_YUV420);
  fail_unless_equals_int (f.width, WIDTH);
  fail_unless_equals_int (f.height, HEIGHT);
  fail_unless_equals_int (f.visible_width, WIDTH);
  fail_unless_equals_int (f.visible_height, HEIGHT);
  fail_unless_equals_int (f.bit_depth, 8);
  fail_unless (f.min_buffers >= 1);

  nv12 = g_strdup_printf ("%s ! videoconvert ! capsfilter "
      "caps=video/x-raw,format=NV12",
      starved);
  f = header_format (clip, nv12);
  fail_unless_equals_int (f.pixelformat, V4L2_PIX_FMT_NV12);
  fail_unless_equals_int (f.width, WIDTH);
  fail_unless_equals_int (f.bit_depth, 8);
  g_printerr ("decoders: %s: FORMAT from the headers, nothing decoded "
      "(YU12, and NV12 from a template that gives NV12)\n", swap->codec);

  g_free (nv12);
  g_free (starved);
  test_clip_free (clip);
}

GST_END_TEST;

/* A client with @n_output OUTPUT buffers: an access unit goes out once
 * the one @n_output before it came back (CONSUMED). */
static guint64
send_as_client (TestClip * clip, FakeKernel * fk, guint n_output)
{
  guint64 first = 0, cookie;
  guint i;

  for (i = 0; i < clip->aus->len; i++) {
    if (i >= n_output)
      fail_unless (fake_kernel_wait_consumed (fk, i - n_output + 1,
              DAEMON_TEST_TIMEOUT_MS), "access unit %u not consumed",
          i - n_output);
    cookie = test_clip_send_range (clip, fk, STREAM_ID, i, i + 1);
    if (i == 0)
      first = cookie;
  }
  return first;
}

/* Issue 8, defect 11c: daedalussrc answers CONSUMED once an access unit
 * has left it, so a queue in the template (decodebin3's multiqueue has no
 * buffer limit) took the whole stream while the decoder lagged behind,
 * the client's OUTPUT buffers came back at once, and the kernel sent
 * access units beyond its window of DAEDALUS_COOKIE_WINDOW: it refuses
 * the frames of those it forgot (the fake kernel counts them invalid).
 * A queue without limits and a slow decoder, 200 access units. */
GST_START_TEST (test_queue_within_window)
{
  const guint n_aus = 200;
  const gchar *tmpl = swap->decoders[0];
  const gchar *last = strrchr (tmpl, '!');
  TestClip *clip;
  GPtrArray *ref, *frames;
  FakeKernel *fk;
  Daedalusd *daemon;
  gchar *queued;
  guint64 first;

  clip = test_clip_new (swap->encoder, n_aus, 64, 64);
  ref = test_clip_reference_decode (clip, tmpl);
  /* VP9's hidden frames give none of their own */
  fail_unless (ref->len > n_aus / 2);
  queued = g_strdup_printf ("%.*s! queue max-size-buffers=0 "
      "max-size-bytes=0 max-size-time=0 ! identity sleep-time=2000 %s",
      (gint) (last - tmpl), tmpl, last);
  fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 6, &swap->fourcc, 1);
  daemon = daemon_test_start (fk, config_with (queued));
  fake_kernel_open_stream (fk, STREAM_ID, swap->fourcc, 64, 64);
  daemon_test_wait_pipelines (fk, daemon, 1);

  first = send_as_client (clip, fk, 16);
  fake_kernel_drain (fk, STREAM_ID);
  daemon_test_wait_frames (fk, daemon, STREAM_ID, ref->len);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_close_stream (fk, STREAM_ID);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);

  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  frames = daemon_test_frames_by_au (fk, STREAM_ID, first, n_aus, ref);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  g_printerr ("decoders: %s: %u access units through an unbounded queue, "
      "within the kernel's window\n", swap->codec, n_aus);
  g_ptr_array_unref (frames);
  g_ptr_array_unref (ref);
  fake_kernel_free (fk);
  g_free (queued);
  test_clip_free (clip);
}

GST_END_TEST;

static Suite *
decoders_suite (void)
{
  Suite *s = suite_create ("decoders");
  TCase *tc = tcase_create (swap->codec);

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_decoder_swap);
  tcase_add_test (tc, test_header_format);
  /* one codec with B-frames, one without: the rest adds nothing */
  if (g_str_equal (swap->codec, "vp9") || g_str_equal (swap->codec, "h264"))
    tcase_add_test (tc, test_queue_within_window);
  return s;
}

int
main (int argc, char **argv)
{
  const gchar *codec = g_getenv ("DAEDALUS_SWAP_CODEC");
  GString *missing = g_string_new (" ");
  guint i;

  gst_check_init (&argc, &argv);
  daedalusd_init ();

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    if (g_strcmp0 (codec, cases[i].codec) == 0)
      swap = &cases[i];
  }
  if (!swap) {
    g_printerr ("decoders: set DAEDALUS_SWAP_CODEC to one of vp9 vp8 h264 "
        "hevc av1 mpeg2\n");
    return 1;
  }

  for (i = 0; i < G_N_ELEMENTS (swap->decoders) + 1; i++) {
    const gchar *desc = i == 0 ? swap->encoder : swap->decoders[i - 1];

    if (desc)
      add_missing_elements (missing, desc);
  }
  if (missing->len > 1) {
    g_printerr ("SKIP decoders: %s: not installed:%s(Debian: %s; "
        "scripts/install-deps installs them)\n", swap->codec, missing->str,
        swap->packages);
    g_string_free (missing, TRUE);
    return 77;
  }
  g_string_free (missing, TRUE);

  return gst_check_run_suite (decoders_suite (), "decoders", __FILE__);
}
