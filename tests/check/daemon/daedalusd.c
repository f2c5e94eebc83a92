/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's core in-process against the fake kernel: per-stream
 * pipelines, errors that fail one stream only, the configuration. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/videodev2.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "daedalusd-guard.h"
#include "daemontest.h"
#include "gstdaedalusnode.h"
#include "testclip.h"

#define N_FRAMES 12
#define WIDTH 320
#define HEIGHT 240
#define VP9_ENCODER "vp9enc deadline=1 keyframe-max-dist=10"
#define H264_ENCODER "openh264enc ! h264parse ! " \
  "video/x-h264,stream-format=byte-stream,alignment=au"

/* the frames of @id, in order, are the reference pictures */
static void
check_frames (FakeKernel * fk, guint64 id, guint64 first_cookie,
    GPtrArray * ref)
{
  GArray *frames = fake_kernel_get_frames (fk);
  guint i, n = 0;

  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);

    if (f->stream_id != id)
      continue;
    fail_unless (n < ref->len);
    fail_unless_equals_uint64 (f->cookie, first_cookie + n);
    fail_unless_equals_string (f->checksum, g_ptr_array_index (ref, n));
    n++;
  }
  fail_unless_equals_int (n, ref->len);
}

static Daedalusd *
start_daemon (FakeKernel * fk, const gchar * const *cli)
{
  GError *err = NULL;
  DaedalusdConfig *config;

  config = daedalusd_config_load (NULL, FALSE, cli, &err);
  fail_unless (config != NULL, "%s", err ? err->message : "");
  return daemon_test_start (fk, config);
}

static const gchar *
template_of (Daedalusd * daemon, DaedalusdConfig * config, guint32 codec)
{
  const DaedalusdDecoder *dec = daedalusd_config_get_decoder (config, codec);

  fail_unless (dec && dec->usable);
  return dec->template;
}

/* two streams of different codecs at once, each its own pipeline */
GST_START_TEST (test_two_codecs)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 6);
  DaedalusdConfig *config = daedalusd_config_load (NULL, FALSE, NULL, NULL);
  TestClip *vp9, *h264;
  GPtrArray *vp9_ref, *h264_ref;
  Daedalusd *daemon;
  guint64 vp9_first, h264_first;

  vp9 = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  h264 = test_clip_new (H264_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  vp9_ref = test_clip_reference_decode (vp9, template_of (NULL, config,
          V4L2_PIX_FMT_VP9));
  h264_ref = test_clip_reference_decode (h264, template_of (NULL, config,
          V4L2_PIX_FMT_H264));
  fail_unless_equals_int (vp9_ref->len, N_FRAMES);
  fail_unless_equals_int (h264_ref->len, N_FRAMES);
  daedalusd_config_free (config);

  daemon = start_daemon (fk, NULL);
  /* the fake kernel offers VP9, H.264 and MPEG-4 Part 2; all decodable */
  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_VP9));
  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_if (daemon_test_hello_has (fk, V4L2_PIX_FMT_HEVC));

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  fake_kernel_open_stream (fk, 2, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 2);
  fail_unless (daedalusd_get_pipeline (daemon, 1) != NULL);
  fail_unless (daedalusd_get_pipeline (daemon, 2) != NULL);

  vp9_first = test_clip_send (vp9, fk, 1);
  h264_first = test_clip_send (h264, fk, 2);
  fake_kernel_drain (fk, 1);
  fake_kernel_drain (fk, 2);
  daemon_test_wait_frames (fk, daemon, 1, N_FRAMES);
  daemon_test_wait_frames (fk, daemon, 2, N_FRAMES);
  fail_unless (fake_kernel_wait_drain_done (fk, 2, DAEMON_TEST_TIMEOUT_MS));

  /* STREAM_CLOSE tears down that pipeline only */
  fake_kernel_close_stream (fk, 1);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fail_unless (daedalusd_get_pipeline (daemon, 2) != NULL);
  fake_kernel_close_stream (fk, 2);
  daemon_test_wait_pipelines (fk, daemon, 0);

  daedalusd_free (daemon);
  check_frames (fk, 1, vp9_first, vp9_ref);
  check_frames (fk, 2, h264_first, h264_ref);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);

  fake_kernel_free (fk);
  g_ptr_array_unref (vp9_ref);
  g_ptr_array_unref (h264_ref);
  test_clip_free (vp9);
  test_clip_free (h264);
}

GST_END_TEST;

/* A stream the kernel opens again (after a failure, or a new stream on the
 * same file) starts at a newer epoch (protocol 1.2): its FORMAT and FRAMEs
 * must carry it, or the kernel ignores the FORMAT as stale and the stream
 * never leaves Initialization (issue 8). */
GST_START_TEST (test_open_at_epoch)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 6);
  DaedalusdConfig *config = daedalusd_config_load (NULL, FALSE, NULL, NULL);
  GArray *formats, *frames;
  TestClip *vp9;
  GPtrArray *ref;
  Daedalusd *daemon;
  guint64 first;
  guint i;

  vp9 = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  ref = test_clip_reference_decode (vp9, template_of (NULL, config,
          V4L2_PIX_FMT_VP9));
  daedalusd_config_free (config);

  daemon = start_daemon (fk, NULL);
  fake_kernel_open_stream_at (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT, 7);
  daemon_test_wait_pipelines (fk, daemon, 1);
  first = test_clip_send (vp9, fk, 1);
  fake_kernel_drain (fk, 1);
  daemon_test_wait_frames (fk, daemon, 1, N_FRAMES);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, DAEMON_TEST_TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);

  formats = fake_kernel_get_formats (fk);
  fail_unless (formats->len >= 1);
  for (i = 0; i < formats->len; i++)
    fail_unless_equals_int (g_array_index (formats, struct daedalus_msg_format,
            i).epoch, 7);
  frames = fake_kernel_get_frames (fk);
  for (i = 0; i < frames->len; i++)
    fail_unless_equals_int (g_array_index (frames, FakeFrame, i).epoch, 7);
  fail_unless_equals_int (g_array_index (fake_kernel_get_drain_done (fk),
          struct daedalus_msg_epoch, 0).epoch, 7);
  check_frames (fk, 1, first, ref);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);

  fake_kernel_free (fk);
  g_ptr_array_unref (ref);
  test_clip_free (vp9);
}

GST_END_TEST;

/* a pipeline error fails its stream (STREAM_ERROR, once) and nothing else;
 * the client's restart opens the stream again */
GST_START_TEST (test_error_fails_one_stream)
{
  const gchar *cli[] = {
    "h264=h264parse ! avdec_h264 ! identity error-after=3", NULL
  };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 6);
  TestClip *vp9, *h264;
  Daedalusd *daemon;

  vp9 = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  h264 = test_clip_new (H264_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  daemon = start_daemon (fk, cli);

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  fake_kernel_open_stream (fk, 2, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 2);

  test_clip_send (h264, fk, 2);
  daemon_test_wait_errors (fk, daemon, 2, 1);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fail_unless (daedalusd_get_pipeline (daemon, 1) != NULL);
  fail_unless (daedalusd_get_pipeline (daemon, 2) == NULL);

  /* the other stream goes on */
  test_clip_send (vp9, fk, 1);
  fake_kernel_drain (fk, 1);
  daemon_test_wait_frames (fk, daemon, 1, N_FRAMES);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 1), 0);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 2), 1);

  /* restart: the kernel opens stream 2 again */
  fake_kernel_open_stream (fk, 2, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 2);
  fake_kernel_close_stream (fk, 2);
  fake_kernel_close_stream (fk, 1);
  daemon_test_wait_pipelines (fk, daemon, 0);

  daedalusd_free (daemon);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 1), 0);
  fail_unless_equals_int (fake_kernel_count_errors (fk, 2), 1);
  fail_unless (g_array_index (fake_kernel_get_errors (fk),
          struct daedalus_msg_stream_error, 0).error < 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  test_clip_free (vp9);
  test_clip_free (h264);
}

GST_END_TEST;

/* a stream of a codec the configuration no longer decodes (reloaded
 * after HELLO) is failed by the daemon itself */
GST_START_TEST (test_codec_gone_after_reload)
{
  const gchar *cli[] = { "h264=", NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  Daedalusd *daemon = start_daemon (fk, NULL);
  DaedalusdConfig *config;

  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  config = daedalusd_config_load (NULL, FALSE, cli, NULL);
  fail_unless (config != NULL);
  fail_unless (daedalusd_set_config (daemon, config, NULL));
  /* the kernel hears of it ... */
  fail_unless (fake_kernel_wait_hellos (fk, 2, 5000));
  fail_if (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_VP9));

  /* ... but a client may have opened its stream just before */
  fake_kernel_open_stream (fk, 7, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_errors (fk, daemon, 7, 1);
  daemon_test_wait_pipelines (fk, daemon, 0);
  /* the next one still works */
  fake_kernel_open_stream (fk, 8, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fake_kernel_close_stream (fk, 7);
  fake_kernel_close_stream (fk, 8);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 1);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* SIGHUP's path: a codec a reload makes usable is offered to the kernel
 * at once (HELLO again, protocol 1.1), and only when the list changed */
GST_START_TEST (test_reload_offers_codec)
{
  const gchar *cli[] = { "h264=", NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  Daedalusd *daemon = start_daemon (fk, cli);
  DaedalusdConfig *config;
  guint32 codecs[DAEDALUS_MAX_CODECS];
  guint i, n;
  gboolean has_h264 = FALSE;

  fail_if (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 1);

  config = daedalusd_config_load (NULL, FALSE, NULL, NULL);
  fail_unless (config != NULL);
  fail_unless (daedalusd_set_config (daemon, config, NULL));
  fail_unless (fake_kernel_wait_hellos (fk, 2, 5000));
  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless (daemon_test_hello_has (fk, V4L2_PIX_FMT_VP9));
  /* what the daemon believes the kernel has */
  n = daedalusd_get_codecs (daemon, codecs);
  fail_unless_equals_int (n, fake_kernel_get_hello (fk)->num_codecs);
  for (i = 0; i < n; i++)
    has_h264 |= codecs[i] == V4L2_PIX_FMT_H264;
  fail_unless (has_h264);

  /* the same codecs again: nothing to say */
  config = daedalusd_config_load (NULL, FALSE, NULL, NULL);
  fail_unless (daedalusd_set_config (daemon, config, NULL));

  fake_kernel_open_stream (fk, 5, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fake_kernel_close_stream (fk, 5);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);
  /* every message the daemon wrote has been read by now */
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 2);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* a 1.0 kernel learns the codecs once: the reload says so and sends
 * nothing the kernel would refuse */
GST_START_TEST (test_reload_old_kernel)
{
  static const guint32 offered[] = { V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264 };
  const gchar *cli[] = { "h264=", NULL };
  FakeKernel *fk = fake_kernel_new_version (DAEDALUS_PROTO_MAJOR, 0, 4,
      offered, G_N_ELEMENTS (offered));
  Daedalusd *daemon = start_daemon (fk, cli);
  DaedalusdConfig *config;
  GError *err = NULL;

  config = daedalusd_config_load (NULL, FALSE, NULL, NULL);
  fail_unless (config != NULL);
  fail_if (daedalusd_set_config (daemon, config, &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED),
      "%s", err ? err->message : "no error");
  fail_unless (strstr (err->message, "1.0") != NULL, "%s", err->message);
  g_error_free (err);
  /* the new configuration is in force for new streams anyway */
  fake_kernel_open_stream (fk, 5, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fake_kernel_close_stream (fk, 5);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 1);
  fail_if (daemon_test_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* streams that opened before the daemon listened are served too */
GST_START_TEST (test_stream_before_connect)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  Daedalusd *daemon;

  fake_kernel_open_stream (fk, 3, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  daemon = start_daemon (fk, NULL);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fail_unless (daedalusd_get_pipeline (daemon, 3) != NULL);
  fake_kernel_close_stream (fk, 3);
  daemon_test_wait_pipelines (fk, daemon, 0);
  daedalusd_free (daemon);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

static gboolean lost_called;

static void
on_lost (Daedalusd * daemon, const gchar * message, gpointer data)
{
  lost_called = TRUE;
  fail_unless (strstr (message, "lost") != NULL);
}

static gboolean
is_lost (gpointer data)
{
  return lost_called;
}

/* the kernel goes away: every pipeline stops, the daemon is told */
GST_START_TEST (test_lost)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  Daedalusd *daemon = start_daemon (fk, NULL);

  daedalusd_set_lost_func (daemon, on_lost, NULL);
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  daemon_test_wait_pipelines (fk, daemon, 1);
  fake_kernel_hang_up (fk);
  fail_unless (daemon_test_iterate_until (is_lost, NULL));
  fail_unless_equals_int (daedalusd_get_n_pipelines (daemon), 0);
  daedalusd_free (daemon);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* ---- configuration ---------------------------------------------------- */

static gchar *
write_config (const gchar * contents)
{
  GError *err = NULL;
  gchar *path;
  gint fd = g_file_open_tmp ("daedalusd-XXXXXX.conf", &path, &err);

  fail_unless (fd >= 0, "%s", err ? err->message : "");
  close (fd);
  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static const DaedalusdDecoder *
decoder (DaedalusdConfig * config, const gchar * name)
{
  return daedalusd_config_get_decoder (config,
      gst_daedalus_codec_lookup (name)->fourcc);
}

/* command line over file over built-in defaults */
GST_START_TEST (test_precedence)
{
  const gchar *cli[] = { "h264=h264parse ! openh264dec", "vp8=", NULL };
  gchar *path = write_config ("[daedalusd]\n"
      "device=/dev/elsewhere\n"
      "[decoders]\n"
      "vp9=vp9parse ! avdec_vp9\n"
      "h264=h264parse ! avdec_h264\n"
      "h265=h265parse ! libde265dec\n" "av1=\n");
  GError *err = NULL;
  DaedalusdConfig *config, *defaults;
  const DaedalusdDecoder *d;

  defaults = daedalusd_config_load (NULL, FALSE, NULL, &err);
  fail_unless (defaults != NULL);
  fail_unless (defaults->path == NULL && defaults->device == NULL);
  fail_unless_equals_string (decoder (defaults, "vp9")->template,
      "vp9parse ! vp9dec");
  fail_unless_equals_string (decoder (defaults, "h264")->template,
      "h264parse ! avdec_h264");
  fail_unless_equals_string (decoder (defaults, "vp8")->template, "vp8dec");
  fail_unless (decoder (defaults, "vp8")->usable);

  config = daedalusd_config_load (path, TRUE, cli, &err);
  fail_unless (config != NULL, "%s", err ? err->message : "");
  fail_unless_equals_string (config->device, "/dev/elsewhere");
  fail_unless_equals_string (config->path, path);

  d = decoder (config, "vp9");
  fail_unless_equals_string (d->template, "vp9parse ! avdec_vp9");
  fail_unless_equals_int (d->source, DAEDALUSD_SOURCE_FILE);
  fail_unless (d->usable);
  d = decoder (config, "h264");
  fail_unless_equals_string (d->template, "h264parse ! openh264dec");
  fail_unless_equals_int (d->source, DAEDALUSD_SOURCE_CLI);
  d = decoder (config, "hevc");
  fail_unless_equals_string (d->template, "h265parse ! libde265dec");
  fail_unless_equals_int (d->source, DAEDALUSD_SOURCE_FILE);
  /* empty disables, from either place */
  d = decoder (config, "av1");
  fail_unless (d->template == NULL && !d->usable && d->reason);
  d = decoder (config, "vp8");
  fail_unless (d->template == NULL && !d->usable);
  fail_unless_equals_int (d->source, DAEDALUSD_SOURCE_CLI);
  /* untouched: the default */
  d = decoder (config, "mpeg2");
  fail_unless_equals_int (d->source, DAEDALUSD_SOURCE_DEFAULT);
  fail_unless_equals_string (d->template, decoder (defaults,
          "mpeg2")->template);

  daedalusd_config_free (config);
  daedalusd_config_free (defaults);

  /* the default file may be missing, a named one may not */
  config = daedalusd_config_load ("/nonexistent/daedalusd.conf", FALSE, NULL,
      &err);
  fail_unless (config != NULL);
  daedalusd_config_free (config);
  config = daedalusd_config_load ("/nonexistent/daedalusd.conf", TRUE, NULL,
      &err);
  fail_unless (config == NULL);
  fail_unless (g_error_matches (err, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG));
  g_clear_error (&err);

  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

static void
check_bad (const gchar * file_contents, const gchar * const *cli, gint code,
    const gchar * const *words)
{
  gchar *path = file_contents ? write_config (file_contents) : NULL;
  GError *err = NULL;
  DaedalusdConfig *config;
  guint i;

  config = daedalusd_config_load (path, path != NULL, cli, &err);
  fail_unless (config == NULL);
  fail_unless (g_error_matches (err, DAEDALUSD_ERROR, code), "%s",
      err ? err->message : "no error");
  GST_INFO ("%s", err->message);
  for (i = 0; words[i]; i++)
    fail_unless (strstr (err->message, words[i]) != NULL, "'%s' not in '%s'",
        words[i], err->message);
  g_clear_error (&err);
  if (path) {
    g_unlink (path);
    g_free (path);
  }
}

/* a bad template names the codec, where it came from, and why */
GST_START_TEST (test_bad_template)
{
  const gchar *cli_syntax[] = { "vp9=vp9parse ! ! avdec_vp9", NULL };
  const gchar *cli_property[] = { "h264=h264parse no-such-prop=1", NULL };
  const gchar *cli_caps[] = { "hevc=vp9parse ! vp9dec", NULL };
  const gchar *cli_no_output[] = { "vp8=vp8dec ! fakesink", NULL };
  const gchar *cli_not_video[] = {
    "vp8=vp8dec ! identity ! capsfilter caps=audio/x-raw", NULL
  };
  const gchar *cli_malformed[] = { "vp9", NULL };
  const gchar *cli_unknown[] = { "theora=theoradec", NULL };
  const gchar *w_vp9_cli[] = { "vp9", "command line", NULL };
  const gchar *w_h264[] = { "h264", "no-such-prop", NULL };
  const gchar *w_hevc[] = { "hevc", "video/x-h265", NULL };
  const gchar *w_vp8[] = { "vp8", NULL };
  const gchar *w_vp9[] = { "vp9", NULL };
  const gchar *w_theora[] = { "theora", NULL };
  const gchar *w_file[] = { "av1", "daedalusd-", NULL };
  const gchar *w_mpeg2[] = { "mpeg2", NULL };

  check_bad (NULL, cli_syntax, DAEDALUSD_ERROR_TEMPLATE, w_vp9_cli);
  check_bad (NULL, cli_property, DAEDALUSD_ERROR_TEMPLATE, w_h264);
  check_bad (NULL, cli_caps, DAEDALUSD_ERROR_TEMPLATE, w_hevc);
  check_bad (NULL, cli_no_output, DAEDALUSD_ERROR_TEMPLATE, w_vp8);
  check_bad (NULL, cli_not_video, DAEDALUSD_ERROR_TEMPLATE, w_vp8);
  check_bad (NULL, cli_malformed, DAEDALUSD_ERROR_CONFIG, w_vp9);
  check_bad (NULL, cli_unknown, DAEDALUSD_ERROR_CONFIG, w_theora);
  check_bad ("[decoders]\nav1=av1parse !\n", NULL, DAEDALUSD_ERROR_TEMPLATE,
      w_file);
  check_bad ("[decoders]\nmpeg2=\"mpegvideoparse ! (\n", NULL,
      DAEDALUSD_ERROR_TEMPLATE, w_mpeg2);
  check_bad ("[decoders]\ntheora=theoradec\n", NULL, DAEDALUSD_ERROR_CONFIG,
      w_theora);
  check_bad ("this is not a key file\n", NULL, DAEDALUSD_ERROR_CONFIG,
      w_file + 1);
}

GST_END_TEST;

/* elements that are not installed make a codec unusable, not an error */
GST_START_TEST (test_missing_element)
{
  const gchar *cli[] = { "av1=av1parse ! no-such-decoder", NULL };
  GError *err = NULL;
  DaedalusdConfig *config = daedalusd_config_load (NULL, FALSE, cli, &err);
  const DaedalusdDecoder *d;
  guint32 codecs[16];
  guint i, n;

  fail_unless (config != NULL, "%s", err ? err->message : "");
  d = decoder (config, "av1");
  fail_if (d->usable);
  fail_unless (strstr (d->reason, "no-such-decoder") != NULL);
  n = daedalusd_config_usable_codecs (config, codecs, G_N_ELEMENTS (codecs));
  fail_unless (n > 0);
  for (i = 0; i < n; i++)
    fail_if (codecs[i] == d->codec->fourcc);
  daedalusd_config_free (config);
}

GST_END_TEST;

/* ---- built-in defaults and the loop-back guard ------------------------- */



GST_START_TEST (test_device_is_daedalus)
{
  gchar *ours = daemon_test_fake_sysfs ("daedalus-v4l2\n");
  gchar *other = daemon_test_fake_sysfs ("rkvdec\n");

  fail_unless (gst_daedalus_device_is_daedalus (ours, "/dev/null"));
  fail_if (gst_daedalus_device_is_daedalus (other, "/dev/null"));
  /* no sysfs entry, not a device, no device */
  fail_if (gst_daedalus_device_is_daedalus (ours, "/dev/zero"));
  fail_if (gst_daedalus_device_is_daedalus (ours, "/etc/passwd"));
  fail_if (gst_daedalus_device_is_daedalus (ours, "/nonexistent"));
  fail_if (gst_daedalus_device_is_daedalus (ours, NULL));
  daemon_test_remove_fake_sysfs (ours);
  daemon_test_remove_fake_sysfs (other);
}

GST_END_TEST;

/* the names of the plugins not loaded yet */
static GList *
unloaded_plugins (void)
{
  GList *plugins = gst_registry_get_plugin_list (gst_registry_get ());
  GList *l, *names = NULL;

  for (l = plugins; l; l = l->next) {
    if (!gst_plugin_is_loaded (l->data))
      names = g_list_prepend (names, g_strdup (gst_plugin_get_name (l->data)));
  }
  gst_plugin_list_free (plugins);
  return names;
}

/* Start-up loads no decoder: the defaults come from the registry, and the
 * loop-back check looks only at the v4l2 plugin's decoders (issue 7: a
 * plugin's libraries ran at start, libhwy's RDTSCP killed valgrind).  The
 * first test of the suite, so that under CK_FORK=no nothing is loaded
 * yet. */
GST_START_TEST (test_start_loads_no_decoder)
{
  GList *before = unloaded_plugins (), *l, *factories, *f;
  DaedalusdConfig *config;
  GError *err = NULL;
  guint n_candidates = 0;

  fail_unless (g_list_find_custom (before, "libav",
          (GCompareFunc) g_strcmp0) != NULL, "libav loaded before the test");

  config = daedalusd_config_load (NULL, FALSE, NULL, &err);
  fail_unless (config != NULL, "%s", err ? err->message : "");
  fail_unless (daedalusd_config_get_decoder (config, V4L2_PIX_FMT_H264)->usable);
  daedalusd_config_free (config);

  /* every decoder there is, through the library's own check */
  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_DECODER, GST_RANK_NONE);
  for (f = factories; f; f = f->next, n_candidates++)
    fail_if (gst_daedalus_factory_loops_back (f->data, NULL));
  gst_plugin_feature_list_free (factories);
  fail_unless (n_candidates > 10);

  for (l = before; l; l = l->next) {
    GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (),
        l->data);

    if (plugin && g_strcmp0 (l->data, "video4linux2") != 0)
      fail_if (gst_plugin_is_loaded (plugin), "%s was loaded",
          (gchar *) l->data);
    gst_clear_object (&plugin);
  }
  g_list_free_full (before, g_free);
}

GST_END_TEST;

static gint
compare_name (GstPluginFeature * f, const gchar * name)
{
  return g_strcmp0 (GST_OBJECT_NAME (f), name);
}

/* the highest rank wins, unless it decodes on a daedalus node */
GST_START_TEST (test_default_never_loops_back)
{
  const GstDaedalusCodec *vp9 = gst_daedalus_codec_lookup ("vp9");
  gchar *ours = daemon_test_fake_sysfs ("daedalus-v4l2");
  gchar *other = daemon_test_fake_sysfs ("some-hardware");
  GstElementFactory *factory;
  GList *factories;
  GstCaps *caps;
  GList *list;
  gchar *tmpl;

  fail_unless (gst_element_register (NULL, "fakev4l2vp9dec",
          GST_RANK_PRIMARY + 100, fake_v4l2_dec_get_type ()));
  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_ANY, GST_RANK_MARGINAL);

  tmpl = daedalusd_default_template (vp9, factories,
      gst_daedalus_factory_filter_loops_back, other);
  fail_unless_equals_string (tmpl, "vp9parse ! fakev4l2vp9dec");
  g_free (tmpl);
  tmpl = daedalusd_default_template (vp9, factories,
      gst_daedalus_factory_filter_loops_back, ours);
  fail_unless_equals_string (tmpl, "vp9parse ! vp9dec");
  g_free (tmpl);

  /* the list itself: sorted by rank, marginal included, filtered */
  caps = gst_caps_from_string ("video/x-vp9");
  list = gst_daedalus_select_decoders (factories, caps,
      gst_daedalus_factory_filter_loops_back, other);
  fail_unless (list != NULL);
  fail_unless_equals_string (GST_OBJECT_NAME (list->data), "fakev4l2vp9dec");
  fail_unless (g_list_find_custom (list, "avdec_vp9",
          (GCompareFunc) compare_name) != NULL ||
      !gst_element_factory_find ("avdec_vp9"));
  gst_plugin_feature_list_free (list);
  list = gst_daedalus_select_decoders (factories, caps,
      gst_daedalus_factory_filter_loops_back, ours);
  fail_unless (g_list_find_custom (list, "fakev4l2vp9dec",
          (GCompareFunc) compare_name) == NULL);
  gst_plugin_feature_list_free (list);
  gst_caps_unref (caps);

  gst_plugin_feature_list_free (factories);
  /* without CK_FORK the other tests see it: out of the way */
  factory = gst_element_factory_find ("fakev4l2vp9dec");
  gst_plugin_feature_set_rank (GST_PLUGIN_FEATURE (factory), GST_RANK_NONE);
  gst_object_unref (factory);
  daemon_test_remove_fake_sysfs (ours);
  daemon_test_remove_fake_sysfs (other);
}

GST_END_TEST;

static Suite *
daedalusd_suite (void)
{
  Suite *s = suite_create ("daedalusd");
  TCase *tc = tcase_create ("general");

  daedalusd_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_start_loads_no_decoder);
  tcase_add_test (tc, test_precedence);
  tcase_add_test (tc, test_bad_template);
  tcase_add_test (tc, test_missing_element);
  tcase_add_test (tc, test_device_is_daedalus);
  tcase_add_test (tc, test_default_never_loops_back);
  tcase_add_test (tc, test_stream_before_connect);
  tcase_add_test (tc, test_codec_gone_after_reload);
  tcase_add_test (tc, test_reload_offers_codec);
  tcase_add_test (tc, test_reload_old_kernel);
  tcase_add_test (tc, test_lost);
  tcase_add_test (tc, test_two_codecs);
  tcase_add_test (tc, test_open_at_epoch);
  tcase_add_test (tc, test_error_fails_one_stream);
  return s;
}

GST_CHECK_MAIN (daedalusd);
