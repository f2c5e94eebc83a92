/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Decoder templates whose output appears at run time (decodebin,
 * decodebin3, parsebin ! ...) through daedalusd's core and the fake
 * kernel: the same frames as the explicit template, a failure of one
 * such stream fails that stream only, the configuration's checks, and the
 * loop-back guard that keeps auto-plugging off daedalus-v4l2 nodes (with a
 * fake sysfs that names /dev/null one). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/videodev2.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>

#include "daedalusd-guard.h"
#include "daemontest.h"
#include "gstdaedalusnode.h"
#include "testclip.h"

#define N_FRAMES 12
#define WIDTH 320
#define HEIGHT 240
#define VP9_ENCODER "vp9enc deadline=1 keyframe-max-dist=10"
#define VP8_ENCODER "vp8enc deadline=1 keyframe-max-dist=10"
#define H264_ENCODER "openh264enc ! h264parse ! " \
  "video/x-h264,stream-format=byte-stream,alignment=au"

static DaedalusdConfig *
load (const gchar * const *cli, const gchar * sysfs_root)
{
  GError *err = NULL;
  DaedalusdConfig *config;

  config = daedalusd_config_load_full (NULL, FALSE, cli, sysfs_root, &err);
  fail_unless (config != NULL, "%s", err ? err->message : "");
  return config;
}

static const DaedalusdDecoder *
decoder (DaedalusdConfig * config, const gchar * name)
{
  return daedalusd_config_get_decoder (config,
      gst_daedalus_codec_lookup (name)->fourcc);
}

/* ---- elements the pipelines auto-plugged -------------------------------- */

typedef struct
{
  GMutex lock;
  GString *names;               /* " factory factory ... " */
} Plugged;

static void
on_deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * el,
    Plugged * plugged)
{
  GstElementFactory *f = gst_element_get_factory (el);

  g_mutex_lock (&plugged->lock);
  g_string_append_printf (plugged->names, "%s ", f ? GST_OBJECT_NAME (f) : "?");
  g_mutex_unlock (&plugged->lock);
}

static void
plugged_init (Plugged * plugged)
{
  g_mutex_init (&plugged->lock);
  plugged->names = g_string_new (" ");
}

static void
plugged_clear (Plugged * plugged)
{
  g_mutex_clear (&plugged->lock);
  g_string_free (plugged->names, TRUE);
}

/* what @bin holds now, at any depth */
static void
plugged_scan (Plugged * plugged, GstElement * bin)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    on_deep_element_added (GST_BIN (bin), NULL, g_value_get_object (&item),
        plugged);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static gboolean
plugged_has (Plugged * plugged, const gchar * factory)
{
  gchar *word = g_strdup_printf (" %s ", factory);
  gboolean has;

  g_mutex_lock (&plugged->lock);
  has = strstr (plugged->names->str, word) != NULL;
  g_mutex_unlock (&plugged->lock);
  g_free (word);
  return has;
}

/* ---- decoding through the daemon ---------------------------------------- */

/* @clip of @codec through the daemon with @tmpl (and @sysfs_root).
 * Returns the checksum of the frame of each access unit, by decode order;
 * the frames as they come must be the direct decode @ref.  @plugged gets
 * the elements of the stream's pipeline once it decoded. */
static GPtrArray *
decode_through_daemon (TestClip * clip, const gchar * codec,
    const gchar * tmpl, const gchar * sysfs_root, GPtrArray * ref,
    Plugged * plugged)
{
  guint32 fourcc = gst_daedalus_codec_lookup (codec)->fourcc;
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 6, &fourcc, 1);
  gchar *arg = g_strdup_printf ("%s=%s", codec, tmpl);
  const gchar *cli[] = { arg, NULL };
  DaedalusdConfig *config = load (cli, sysfs_root);
  const DaedalusdDecoder *dec = decoder (config, codec);
  Daedalusd *daemon;
  GPtrArray *by_cookie;
  guint64 first;

  fail_unless (dec->usable, "%s: %s", tmpl, dec->reason);
  daemon = daemon_test_start (fk, config);
  fail_unless (daemon_test_hello_has (fk, fourcc));
  fake_kernel_open_stream (fk, 1, fourcc, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);

  first = test_clip_send (clip, fk, 1);
  fake_kernel_drain (fk, 1);
  daemon_test_wait_frames (fk, daemon, 1, ref->len);
  plugged_scan (plugged, daedalusd_get_pipeline (daemon, 1));
  fail_unless (fake_kernel_wait_drain_done (fk, 1, DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);

  by_cookie = daemon_test_frames_by_au (fk, 1, first, clip->aus->len, ref);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  g_free (arg);
  return by_cookie;
}

static void
check_same_frames (GPtrArray * a, GPtrArray * b)
{
  guint i;

  fail_unless_equals_int (a->len, b->len);
  for (i = 0; i < a->len; i++)
    fail_unless_equals_string (g_ptr_array_index (a, i),
        g_ptr_array_index (b, i));
}

/* The pipeline daedalusd makes of @fourcc's template, on stream 1 of @fk,
 * playing, with @clip's access units sent and a drain; the caller polls
 * its bus.  @plugged (nullable) learns every element it gets. */
static GstElement *
play_stream (DaedalusdConfig * config, guint32 fourcc, FakeKernel * fk,
    TestClip * clip, Plugged * plugged)
{
  GError *err = NULL;
  GstElement *pipeline;

  pipeline = daedalusd_config_make_pipeline (config, fourcc, &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  if (plugged) {
    plugged_scan (plugged, pipeline);
    g_signal_connect (pipeline, "deep-element-added",
        G_CALLBACK (on_deep_element_added), plugged);
  }
  gst_child_proxy_set (GST_CHILD_PROXY (pipeline),
      DAEDALUSD_SRC_NAME "::fd", fake_kernel_get_fd (fk),
      DAEDALUSD_SRC_NAME "::stream", G_GUINT64_CONSTANT (1),
      DAEDALUSD_SINK_NAME "::fd", fake_kernel_get_fd (fk),
      DAEDALUSD_SINK_NAME "::stream", G_GUINT64_CONSTANT (1), NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (fake_kernel_wait_hello (fk, DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_open_stream (fk, 1, fourcc, WIDTH, HEIGHT);
  test_clip_send (clip, fk, 1);
  fake_kernel_drain (fk, 1);
  return pipeline;
}

/* decodebin & co. decode the same frames, each the frame of the same
 * access unit, as the explicit template; templates[i] plugs
 * plugs[i] (when not NULL) */
static void
check_templates (const gchar * codec, const gchar * encoder,
    const gchar * explicit, const gchar * const *templates,
    const gchar * const *plugs)
{
  TestClip *clip = test_clip_new (encoder, N_FRAMES, WIDTH, HEIGHT);
  GPtrArray *ref = test_clip_reference_decode (clip, explicit);
  GPtrArray *want, *got;
  Plugged plugged;
  guint i;

  fail_unless_equals_int (ref->len, N_FRAMES);
  plugged_init (&plugged);
  want = decode_through_daemon (clip, codec, explicit, NULL, ref, &plugged);
  plugged_clear (&plugged);
  for (i = 0; templates[i]; i++) {
    GST_INFO ("%s: %s against %s", codec, templates[i], explicit);
    plugged_init (&plugged);
    got = decode_through_daemon (clip, codec, templates[i], NULL, ref,
        &plugged);
    check_same_frames (want, got);
    /* the auto-plugged decoder decoded them */
    fail_unless (!plugs[i] || plugged_has (&plugged, plugs[i]),
        "%s: plugged%s", templates[i], plugged.names->str);
    plugged_clear (&plugged);
    g_ptr_array_unref (got);
  }
  g_ptr_array_unref (want);
  g_ptr_array_unref (ref);
  test_clip_free (clip);
}

GST_START_TEST (test_vp9_autoplugged)
{
  const gchar *templates[] = { "decodebin", "decodebin3",
    "vp9parse ! decodebin", "parsebin ! vp9dec", NULL
  };
  const gchar *plugs[] = { "vp9dec", "vp9dec", "vp9dec", NULL };

  check_templates ("vp9", VP9_ENCODER, "vp9parse ! vp9dec", templates, plugs);
}

GST_END_TEST;

GST_START_TEST (test_h264_parsebin)
{
  /* parsebin leaves a parsed byte-stream as it is: avdec_h264 alone */
  const gchar *templates[] = { "parsebin ! avdec_h264", "decodebin", NULL };
  const gchar *plugs[] = { NULL, "avdec_h264" };

  check_templates ("h264", H264_ENCODER, "h264parse ! avdec_h264", templates,
      plugs);
}

GST_END_TEST;

/* a decodebin template that finds no decoder, or gives no raw video,
 * fails its stream only */
GST_START_TEST (test_autoplug_failure_fails_one_stream)
{
  const gchar *cli[] = {
    "vp9=decodebin caps=video/x-h265",  /* decodes to nothing it may give */
    "vp8=decodebin caps=video/x-vp8",   /* gives VP8 as it came */
    "h264=decodebin", NULL
  };
  const guint32 codecs[] = {
    V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_VP8, V4L2_PIX_FMT_H264
  };
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 6, codecs,
      G_N_ELEMENTS (codecs));
  TestClip *vp9, *vp8, *h264;
  GPtrArray *h264_ref;
  Daedalusd *daemon;
  guint64 first_cookie;
  GArray *frames;
  guint i, n = 0;

  vp9 = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  vp8 = test_clip_new (VP8_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  h264 = test_clip_new (H264_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  h264_ref = test_clip_reference_decode (h264, "h264parse ! avdec_h264");
  daemon = daemon_test_start (fk, load (cli, NULL));
  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    fail_unless (daemon_test_hello_has (fk, codecs[i]));

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  fake_kernel_open_stream (fk, 2, V4L2_PIX_FMT_VP8, WIDTH, HEIGHT);
  fake_kernel_open_stream (fk, 3, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 3);

  test_clip_send (vp9, fk, 1);
  test_clip_send (vp8, fk, 2);
  daemon_test_wait_errors (fk, daemon, 1, 1);
  daemon_test_wait_errors (fk, daemon, 2, 1);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fail_unless (daedalusd_get_pipeline (daemon, 3) != NULL);

  /* the other stream goes on */
  first_cookie = test_clip_send (h264, fk, 3);
  fake_kernel_drain (fk, 3);
  daemon_test_wait_frames (fk, daemon, 3, N_FRAMES);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  fake_kernel_close_stream (fk, 2);
  fake_kernel_close_stream (fk, 3);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);

  fail_unless_equals_int (fake_kernel_count_errors (fk, 1), 1);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 2), 1);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 3), 0);
  frames = fake_kernel_get_frames (fk);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);

    fail_unless_equals_uint64 (f->stream_id, 3);
    fail_unless_equals_uint64 (f->cookie, first_cookie + n);
    fail_unless_equals_string (f->checksum, g_ptr_array_index (h264_ref, n));
    n++;
  }
  fail_unless_equals_int (n, N_FRAMES);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  g_ptr_array_unref (h264_ref);
  test_clip_free (vp9);
  test_clip_free (vp8);
  test_clip_free (h264);
}

GST_END_TEST;

/* the error of such a stream says what went wrong */
GST_START_TEST (test_not_raw_video_message)
{
  const gchar *cli[] = { "vp9=decodebin caps=video/x-vp9", NULL };
  DaedalusdConfig *config = load (cli, NULL);
  TestClip *clip = test_clip_new (VP9_ENCODER, 2, WIDTH, HEIGHT);
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  pipeline = play_stream (config, V4L2_PIX_FMT_VP9, fk, clip, NULL);
  msg = test_pipeline_poll_error (pipeline, DAEMON_TEST_TIMEOUT_MS);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("%s (%s)", err->message, debug);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_CODEC_NOT_FOUND), "%s", err->message);
  fail_unless (strstr (err->message, "video/x-vp9") &&
      strstr (err->message, "not raw video"), "%s", err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  fake_kernel_free (fk);
  test_clip_free (clip);
  daedalusd_config_free (config);
}

GST_END_TEST;

/* ---- the configuration's checks ------------------------------------------ */

/* the factory of the element linked to the pad @pad_name of @pipeline's
 * element @name, or NULL when it is not linked */
static gchar *
peer_factory (GstElement * pipeline, const gchar * name,
    const gchar * pad_name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (el, pad_name);
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *parent = peer ? gst_pad_get_parent_element (peer) : NULL;
  gchar *factory = parent ?
      g_strdup (GST_OBJECT_NAME (gst_element_get_factory (parent))) : NULL;

  gst_clear_object (&parent);
  gst_clear_object (&peer);
  gst_object_unref (pad);
  gst_object_unref (el);
  return factory;
}

GST_START_TEST (test_check_runtime_output)
{
  const gchar *cli[] = {
    "vp9=decodebin", "vp8=decodebin3", "h264=parsebin ! avdec_h264",
    "hevc=h265parse ! decodebin", NULL
  };
  DaedalusdConfig *config = load (cli, NULL);
  const DaedalusdDecoder *d;
  GstElement *pipeline;
  gchar *f;

  /* the decoder is chosen at run time: usable, and --list says so */
  d = decoder (config, "vp9");
  fail_unless (d->usable, "%s", d->reason);
  fail_unless (d->note != NULL);
  d = decoder (config, "vp8");
  fail_unless (d->usable, "%s", d->reason);
  fail_unless (d->note != NULL);
  d = decoder (config, "hevc");
  fail_unless (d->usable, "%s", d->reason);
  fail_unless (d->note != NULL);
  /* parsebin parses, the decoder is avdec_h264 */
  d = decoder (config, "h264");
  fail_unless (d->usable, "%s", d->reason);
  fail_unless (d->note == NULL);
  fail_unless (decoder (config, "av1")->note == NULL);

  /* the stream goes into parsebin (which links to avdec_h264 when its
   * pad appears), not straight into avdec_h264 */
  pipeline = daedalusd_config_make_pipeline (config, V4L2_PIX_FMT_H264, NULL);
  f = peer_factory (pipeline, DAEDALUSD_SRC_NAME, "src");
  fail_unless_equals_string (f, "parsebin");
  g_free (f);
  f = peer_factory (pipeline, DAEDALUSD_SINK_NAME, "sink");
  fail_unless_equals_string (f, "avdec_h264");
  g_free (f);
  gst_object_unref (pipeline);

  /* into decodebin; daedalussink is linked when decodebin's pad appears,
   * not to decodebin's insides */
  pipeline = daedalusd_config_make_pipeline (config, V4L2_PIX_FMT_VP9, NULL);
  f = peer_factory (pipeline, DAEDALUSD_SRC_NAME, "src");
  fail_unless_equals_string (f, "decodebin");
  g_free (f);
  f = peer_factory (pipeline, DAEDALUSD_SINK_NAME, "sink");
  fail_unless (f == NULL, "%s", f);
  gst_object_unref (pipeline);
  pipeline = daedalusd_config_make_pipeline (config, V4L2_PIX_FMT_HEVC, NULL);
  f = peer_factory (pipeline, DAEDALUSD_SRC_NAME, "src");
  fail_unless_equals_string (f, "h265parse");
  g_free (f);
  gst_object_unref (pipeline);

  daedalusd_config_free (config);
}

GST_END_TEST;

static void
check_bad (const gchar * tmpl, const gchar * words)
{
  const gchar *cli[] = { tmpl, NULL };
  GError *err = NULL;
  DaedalusdConfig *config;

  config = daedalusd_config_load (NULL, FALSE, cli, &err);
  fail_unless (config == NULL, "%s accepted", tmpl);
  fail_unless (g_error_matches (err, DAEDALUSD_ERROR,
          DAEDALUSD_ERROR_TEMPLATE), "%s", err->message);
  GST_INFO ("%s", err->message);
  fail_unless (strstr (err->message, words) != NULL, "'%s' not in '%s'",
      words, err->message);
  g_clear_error (&err);
}

/* gst-launch caps at the end of a template: a capsfilter between the
 * decoder and daedalussink in the stream's pipeline */
GST_START_TEST (test_check_caps_at_end)
{
  const gchar *cli[] = { "vp9=vp9parse ! vp9dec ! video/x-raw,format=I420",
    NULL
  };
  DaedalusdConfig *config = load (cli, NULL);
  const DaedalusdDecoder *d = decoder (config, "vp9");
  GstElement *pipeline;
  gchar *f;

  fail_unless (d->usable, "%s", d->reason);
  pipeline = daedalusd_config_make_pipeline (config, V4L2_PIX_FMT_VP9, NULL);
  fail_unless (pipeline != NULL);
  f = peer_factory (pipeline, DAEDALUSD_SINK_NAME, "sink");
  fail_unless_equals_string (f, "capsfilter");
  g_free (f);
  gst_object_unref (pipeline);
  daedalusd_config_free (config);
}

GST_END_TEST;

GST_START_TEST (test_check_rejects)
{
  check_bad ("vp8=fakesink", "it has no unlinked output");
  /* caps at an end are a capsfilter: the words say which end is wrong */
  check_bad ("h264=video/x-h264,stream-format=avc ! avdec_h264",
      "its input does not accept video/x-h264");
  check_bad ("vp8=video/x-vp8 ! vp8dec ! fakesink",
      "it has no unlinked output");
  check_bad ("vp8=videotestsrc ! video/x-raw", "it has no unlinked input");
  check_bad ("vp8=identity ! fakesink", "it has no unlinked output");
  check_bad ("vp8=vp8dec ! fakesink", "it has no unlinked output");
  /* its pads appear at run time, and are RTP */
  check_bad ("vp8=rtpptdemux", "its output is not raw video");
  /* a source: no input */
  check_bad ("vp8=uridecodebin", "it has no unlinked input");
  check_bad ("vp8=videotestsrc ! decodebin", "it has no unlinked input");
}

GST_END_TEST;

/* ---- loop-back -------------------------------------------------------- */



/* the fake decoder outranks every VP9 decoder while a test runs */
static void
fake_v4l2_dec_set_rank (guint rank)
{
  GstElementFactory *f = gst_element_factory_find ("fakev4l2vp9dec");

  fail_unless (f != NULL);
  gst_plugin_feature_set_rank (GST_PLUGIN_FEATURE (f), rank);
  gst_object_unref (f);
}

/* decodebin skips a decoder on a daedalus node ("autoplug-select") and
 * decodes with the next one; elsewhere it takes it */
GST_START_TEST (test_decodebin_skips_loopback)
{
  gchar *ours = daemon_test_fake_sysfs ("daedalus-v4l2\n");
  gchar *other = daemon_test_fake_sysfs ("some-hardware\n");
  TestClip *clip = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  GPtrArray *ref = test_clip_reference_decode (clip, "vp9parse ! vp9dec");
  const gchar *cli[] = { "vp9=decodebin", NULL };
  GPtrArray *frames, *want;
  DaedalusdConfig *config;
  GstElement *pipeline;
  GstMessage *msg;
  FakeKernel *fk;
  Plugged plugged;
  gboolean from_src;

  fake_v4l2_dec_set_rank (GST_RANK_PRIMARY + 100);

  plugged_init (&plugged);
  want = decode_through_daemon (clip, "vp9", "vp9parse ! vp9dec", ours, ref,
      &plugged);
  plugged_clear (&plugged);
  plugged_init (&plugged);
  frames = decode_through_daemon (clip, "vp9", "decodebin", ours, ref,
      &plugged);
  fail_if (plugged_has (&plugged, "fakev4l2vp9dec"), "%s", plugged.names->str);
  fail_unless (plugged_has (&plugged, "vp9dec"), "%s", plugged.names->str);
  check_same_frames (want, frames);
  plugged_clear (&plugged);
  g_ptr_array_unref (frames);
  g_ptr_array_unref (want);

  /* on other hardware the same template plugs it (and, being a fake,
   * fails): the guard made the difference */
  config = load (cli, other);
  fail_unless (decoder (config, "vp9")->usable);
  fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  plugged_init (&plugged);
  pipeline = play_stream (config, V4L2_PIX_FMT_VP9, fk, clip, &plugged);
  /* the fake fails the stream; daedalussrc's error comes when its
   * streaming thread has stopped: tearing decodebin down while that thread
   * still unwinds now and then leaves decodebin's typefind in PAUSED
   * (GStreamer 1.22) */
  do {
    msg = test_pipeline_poll_error (pipeline, DAEMON_TEST_TIMEOUT_MS);
    fail_unless (msg != NULL);
    from_src = g_strcmp0 (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        DAEDALUSD_SRC_NAME) == 0;
    gst_message_unref (msg);
  } while (!from_src);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (plugged_has (&plugged, "fakev4l2vp9dec"), "%s",
      plugged.names->str);
  plugged_clear (&plugged);
  gst_object_unref (pipeline);
  fake_kernel_free (fk);
  daedalusd_config_free (config);

  fake_v4l2_dec_set_rank (GST_RANK_NONE);
  g_ptr_array_unref (ref);
  test_clip_free (clip);
  daemon_test_remove_fake_sysfs (ours);
  daemon_test_remove_fake_sysfs (other);
}

GST_END_TEST;

/* decodebin3 has no hook to skip a decoder: the configuration says it
 * would decode on a daedalus node, and at run time the guard fails the
 * stream when the element is added, before it is set to READY */
GST_START_TEST (test_decodebin3_loopback)
{
  gchar *ours = daemon_test_fake_sysfs ("daedalus-v4l2\n");
  gchar *other = daemon_test_fake_sysfs ("some-hardware\n");
  const gchar *cli[] = { "vp9=decodebin3", "vp8=decodebin3", NULL };
  DaedalusdConfig *config;
  const DaedalusdDecoder *d;
  TestClip *clip;
  GstElement *pipeline, *src, *bin, *sink;
  GstMessage *msg;
  GError *err = NULL;
  guint i;

  fake_v4l2_dec_set_rank (GST_RANK_PRIMARY + 100);

  config = load (cli, ours);
  d = decoder (config, "vp9");
  fail_if (d->usable);
  fail_unless (strstr (d->reason, "decodebin3") &&
      strstr (d->reason, "fakev4l2vp9dec") &&
      strstr (d->reason, "/dev/null"), "%s", d->reason);
  /* it decodes VP9 only */
  fail_unless (decoder (config, "vp8")->usable);
  daedalusd_config_free (config);
  config = load (cli, other);
  fail_unless (decoder (config, "vp9")->usable);
  daedalusd_config_free (config);

  /* a decodebin3 in a guarded bin */
  clip = test_clip_new (VP9_ENCODER, 2, WIDTH, HEIGHT);
  pipeline = gst_parse_launch ("appsrc name=src format=time ! "
      "decodebin3 name=dec ! fakesink", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "caps", clip->caps, NULL);
  daedalusd_guard_loopback (pipeline, ours);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < clip->aus->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_ref (g_ptr_array_index (clip->aus, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = test_pipeline_poll_error (pipeline, DAEMON_TEST_TIMEOUT_MS);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  GST_INFO ("%s", err->message);
  fail_unless (strstr (err->message, "fakev4l2vp9dec") &&
      strstr (err->message, "/dev/null") &&
      strstr (err->message, "daedalus-v4l2"), "%s", err->message);
  g_clear_error (&err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  test_clip_free (clip);

  /* any element with such a device, at any depth, at once (NULL state) */
  pipeline = gst_pipeline_new (NULL);
  bin = gst_bin_new (NULL);
  gst_bin_add (GST_BIN (pipeline), bin);
  daedalusd_guard_loopback (pipeline, other);
  sink = gst_element_factory_make ("fakev4l2vp9dec", NULL);
  gst_bin_add (GST_BIN (bin), sink);
  msg = test_pipeline_poll_error (pipeline, 0);
  fail_unless (msg == NULL);
  gst_object_unref (pipeline);

  pipeline = gst_pipeline_new (NULL);
  bin = gst_bin_new (NULL);
  gst_bin_add (GST_BIN (pipeline), bin);
  daedalusd_guard_loopback (pipeline, ours);
  sink = gst_element_factory_make ("fakev4l2vp9dec", NULL);
  gst_bin_add (GST_BIN (bin), sink);
  msg = test_pipeline_poll_error (pipeline, 0);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (pipeline));
  fail_unless_equals_int (GST_STATE (sink), GST_STATE_NULL);
  gst_message_unref (msg);
  gst_object_unref (pipeline);

  fake_v4l2_dec_set_rank (GST_RANK_NONE);
  daemon_test_remove_fake_sysfs (ours);
  daemon_test_remove_fake_sysfs (other);
}

GST_END_TEST;

/* the library's test of a node (what the elements' HELLO leaves out) */
GST_START_TEST (test_factory_loops_back)
{
  gchar *ours = daemon_test_fake_sysfs ("daedalus-v4l2\n");
  gchar *other = daemon_test_fake_sysfs ("some-hardware\n");
  GstElementFactory *f = gst_element_factory_find ("fakev4l2vp9dec");
  GstElementFactory *vp9dec = gst_element_factory_find ("vp9dec");
  gchar *device;

  device = gst_daedalus_factory_get_device (f);
  fail_unless_equals_string (device, "/dev/null");
  g_free (device);
  fail_unless (gst_daedalus_factory_get_device (vp9dec) == NULL);
  fail_unless (gst_daedalus_factory_loops_back (f, ours));
  fail_if (gst_daedalus_factory_loops_back (f, other));
  fail_if (gst_daedalus_factory_loops_back (vp9dec, ours));
  gst_object_unref (f);
  gst_object_unref (vp9dec);
  daemon_test_remove_fake_sysfs (ours);
  daemon_test_remove_fake_sysfs (other);
}

GST_END_TEST;

static Suite *
autoplug_suite (void)
{
  Suite *s = suite_create ("autoplug");
  TCase *tc = tcase_create ("general");

  daedalusd_init ();
  if (!gst_element_register (NULL, "fakev4l2vp9dec", GST_RANK_NONE,
          fake_v4l2_dec_get_type ()))
    g_error ("could not register fakev4l2vp9dec");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_check_runtime_output);
  tcase_add_test (tc, test_check_caps_at_end);
  tcase_add_test (tc, test_check_rejects);
  tcase_add_test (tc, test_factory_loops_back);
  tcase_add_test (tc, test_not_raw_video_message);
  tcase_add_test (tc, test_vp9_autoplugged);
  tcase_add_test (tc, test_h264_parsebin);
  tcase_add_test (tc, test_autoplug_failure_fails_one_stream);
  tcase_add_test (tc, test_decodebin_skips_loopback);
  tcase_add_test (tc, test_decodebin3_loopback);
  return s;
}

GST_CHECK_MAIN (autoplug);
