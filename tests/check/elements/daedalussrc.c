/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalussrc and daedalussink: connecting, errors, teardown while
 * blocked.  Runs against the fake kernel; the test that wants the real
 * device skips (77) without it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include <gst/check/gstcheck.h>

#include "fakekernel.h"
#include "gstdaedaluscodec.h"
#include "testclip.h"

#define TIMEOUT_MS 10000

static gint64
set_null_time (GstElement * pipeline)
{
  gint64 start = g_get_monotonic_time ();

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  return g_get_monotonic_time () - start;
}

/* create() blocked waiting for a stream */
GST_START_TEST (test_teardown_waiting_for_stream)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;

  pipeline = gst_parse_launch ("daedalussrc name=src ! fakesink", NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (pipeline), "src::fd",
      fake_kernel_get_fd (fk), NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  g_usleep (100 * 1000);
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);

  gst_object_unref (pipeline);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* the sink blocked waiting for CAPTURE buffers that never come */
GST_START_TEST (test_teardown_waiting_for_capture)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 0);
  TestClip *clip = test_clip_new ("vp9enc deadline=1", 5, 64, 48);
  GstElement *pipeline = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (fk));
  GArray *errors;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, 64, 48);
  for (i = 0; i < clip->aus->len; i++)
    fake_kernel_decode (fk, 1, g_ptr_array_index (clip->aus, i), i == 0);
  fail_unless (fake_kernel_wait_formats (fk, 1, TIMEOUT_MS));
  g_usleep (100 * 1000);
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);

  /* the stream was still open: the kernel is told it failed (the fake
   * kernel's reader may still be on its way to the message) */
  fail_unless (fake_kernel_wait_errors (fk, 1, TIMEOUT_MS));
  errors = fake_kernel_get_errors (fk);
  fail_unless_equals_int (errors->len, 1);
  fail_unless (g_array_index (errors, struct daedalus_msg_stream_error,
          0).error < 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  test_clip_free (clip);
  fake_kernel_free (fk);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GPtrArray *aus;               /* the access units daedalussrc pushed */
} Pushed;

static GstPadProbeReturn
keep_pushed (GstPad * pad, GstPadProbeInfo * info, Pushed * pushed)
{
  g_mutex_lock (&pushed->lock);
  g_ptr_array_add (pushed->aus, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER
          (info)));
  g_mutex_unlock (&pushed->lock);
  return GST_PAD_PROBE_OK;
}

/* An empty DECODE (the module sends none; the daemon crashed on one: issue
 * 11) is answered with CONSUMED and not pushed, and the stream goes on:
 * every other access unit is pushed as it came. */
GST_START_TEST (test_empty_access_unit)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 0);
  TestClip *clip = test_clip_new ("vp9enc deadline=1", 5, 64, 48);
  GstBuffer *empty = gst_buffer_new ();
  GstElement *pipeline, *src;
  Pushed pushed;
  GstPad *pad;
  guint i;

  pipeline = gst_parse_launch_full ("daedalussrc name=src ! fakesink",
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, NULL);
  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "fd", fake_kernel_get_fd (fk), NULL);
  g_mutex_init (&pushed.lock);
  pushed.aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) keep_pushed, &pushed, NULL);
  gst_object_unref (pad);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, 64, 48);
  for (i = 0; i < clip->aus->len; i++) {
    fake_kernel_decode (fk, 1, g_ptr_array_index (clip->aus, i), i == 0);
    if (i == 1)
      fake_kernel_decode (fk, 1, empty, FALSE);
  }
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len + 1,
          TIMEOUT_MS));
  fail_unless (test_pipeline_poll_error (pipeline, 0) == NULL);

  g_mutex_lock (&pushed.lock);
  fail_unless_equals_int (pushed.aus->len, clip->aus->len);
  for (i = 0; i < pushed.aus->len; i++) {
    GstBuffer *got = g_ptr_array_index (pushed.aus, i);
    GstBuffer *want = g_ptr_array_index (clip->aus, i);
    GstMapInfo a, b;

    fail_unless (gst_buffer_map (got, &a, GST_MAP_READ));
    fail_unless (gst_buffer_map (want, &b, GST_MAP_READ));
    fail_unless_equals_uint64 (a.size, b.size);
    fail_unless (memcmp (a.data, b.data, a.size) == 0);
    gst_buffer_unmap (got, &a);
    gst_buffer_unmap (want, &b);
  }
  g_mutex_unlock (&pushed.lock);

  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  g_ptr_array_unref (pushed.aus);
  g_mutex_clear (&pushed.lock);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  gst_buffer_unref (empty);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  test_clip_free (clip);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* Not a live source: a live upstream makes avdec_* decode with slice
 * threads only (frame threads add latency), which kept 1080p H.264 through
 * the daemon at 0.46 of a direct decode (issue 10) */
GST_START_TEST (test_not_live)
{
  GstElement *src = gst_element_factory_make ("daedalussrc", NULL);
  GstPad *pad = gst_element_get_static_pad (src, "src");
  GstQuery *query = gst_query_new_latency ();
  gboolean live = TRUE;

  fail_unless (gst_pad_query (pad, query));
  gst_query_parse_latency (query, &live, NULL, NULL);
  fail_if (live, "daedalussrc says it is live");
  gst_query_unref (query);
  gst_object_unref (pad);
  gst_object_unref (src);
}

GST_END_TEST;

/* Every row of the codec table (gstdaedaluscodec.c) is in the pad
 * template, and in the library's default HELLO exactly when the selection
 * rule daedalusd's defaults use finds a decoder for it. */
GST_START_TEST (test_codec_table)
{
  GstElementFactory *factory = gst_element_factory_find ("daedalussrc");
  const GstDaedalusCodec *codecs;
  guint32 offered[DAEDALUS_MAX_CODECS];
  FakeKernel *fk;
  GstElement *pipeline;
  GstCaps *tmpl = NULL;
  GList *factories;
  const GList *l;
  guint i, n, n_decodable = 0;

  /* a kernel that offers every codec of the table */
  codecs = gst_daedalus_codecs (&n);
  fail_unless (n <= DAEDALUS_MAX_CODECS);
  for (i = 0; i < n; i++)
    offered[i] = codecs[i].fourcc;
  fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 4, offered, n);

  fail_unless (factory != NULL);
  for (l = gst_element_factory_get_static_pad_templates (factory); l;
      l = l->next) {
    GstStaticPadTemplate *t = l->data;

    if (t->direction == GST_PAD_SRC)
      tmpl = gst_static_pad_template_get_caps (t);
  }
  fail_unless (tmpl != NULL);

  /* a daedalussrc of one stream says the default HELLO and no other */
  pipeline = gst_parse_launch ("daedalussrc name=src stream=3 ! fakesink",
      NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (pipeline), "src::fd",
      fake_kernel_get_fd (fk), NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));

  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_PARSER |
      GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO, GST_RANK_MARGINAL);
  for (i = 0; i < n; i++) {
    GstCaps *caps = gst_daedalus_codec_get_caps (&codecs[i]);
    GList *decoders = gst_daedalus_codec_select (&codecs[i], factories, NULL,
        NULL, NULL);

    fail_unless (gst_caps_is_subset (caps, tmpl),
        "%s is not in daedalussrc's pad template", codecs[i].name);
    fail_unless (!fake_kernel_first_hello_has (fk, codecs[i].fourcc) ==
        !decoders, "%s: in the default HELLO: %d, decoders: %u",
        codecs[i].name, fake_kernel_first_hello_has (fk, codecs[i].fourcc),
        g_list_length (decoders));
    n_decodable += decoders != NULL;
    gst_plugin_feature_list_free (decoders);
    gst_caps_unref (caps);
  }
  /* the decoders the unit tests need are installed (scripts/install-deps) */
  fail_unless (n_decodable >= 2);
  fail_unless_equals_int (fake_kernel_get_hello (fk)->num_codecs,
      n_decodable);

  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 1);
  gst_plugin_feature_list_free (factories);
  gst_caps_unref (tmpl);
  gst_object_unref (factory);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* gst-launch use: a daedalussrc serving any stream narrows the library's
 * default codec list to what downstream takes (HELLO again) */
GST_START_TEST (test_restrict_codecs)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (fk));

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hellos (fk, 2, TIMEOUT_MS));
  fail_unless_equals_int (fake_kernel_get_hello (fk)->num_codecs, 1);
  fail_unless (fake_kernel_hello_has (fk, V4L2_PIX_FMT_VP9));
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 2);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* a daedalussrc for one stream (a daemon's pipeline) leaves the list
 * alone; a 1.0 kernel is not sent a HELLO it would refuse */
GST_START_TEST (test_restrict_codecs_not)
{
  static const guint32 offered[] = { V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264 };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  FakeKernel *old = fake_kernel_new_version (DAEDALUS_PROTO_MAJOR, 0, 4,
      offered, G_N_ELEMENTS (offered));
  GstElement *pipeline = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (fk));
  GstElement *pipeline_old = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (old));

  gst_child_proxy_set (GST_CHILD_PROXY (pipeline), "src::stream",
      G_GUINT64_CONSTANT (3), NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_set_state (pipeline_old, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fail_unless (fake_kernel_wait_hello (old, TIMEOUT_MS));
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  fail_unless (set_null_time (pipeline_old) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);
  gst_object_unref (pipeline_old);
  /* every message written has been read once the elements are gone */
  fail_unless_equals_int (fake_kernel_get_n_hellos (fk), 1);
  fail_unless (fake_kernel_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless_equals_int (fake_kernel_get_n_hellos (old), 1);
  fail_unless (fake_kernel_hello_has (old, V4L2_PIX_FMT_H264));
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fail_unless_equals_int (fake_kernel_get_invalid (old), 0);
  fake_kernel_free (fk);
  fake_kernel_free (old);
}

GST_END_TEST;

/* the kernel side goes away: an error, not a hang or a crash */
GST_START_TEST (test_connection_lost)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (fk));
  GstMessage *msg;
  GError *err = NULL;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_hang_up (fk);

  msg = test_pipeline_poll_error (pipeline, TIMEOUT_MS);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_READ), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);
  fake_kernel_free (fk);
}

GST_END_TEST;

static GError *
start_error (GstElement * pipeline)
{
  GstMessage *msg;
  GError *err = NULL;

  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  msg = test_pipeline_poll_error (pipeline, TIMEOUT_MS);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return err;
}

GST_START_TEST (test_wrong_major)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR + 1, 4);
  GstElement *pipeline;
  GError *err;
  gchar *theirs, *ours;

  pipeline = gst_parse_launch ("daedalussrc name=src ! fakesink", NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (pipeline), "src::fd",
      fake_kernel_get_fd (fk), NULL);
  err = start_error (pipeline);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  theirs = g_strdup_printf ("%u.%u", DAEDALUS_PROTO_MAJOR + 1,
      DAEDALUS_PROTO_MINOR);
  ours = g_strdup_printf ("%u.%u", DAEDALUS_PROTO_MAJOR, DAEDALUS_PROTO_MINOR);
  fail_unless (strstr (err->message, theirs) && strstr (err->message, ours),
      "%s", err->message);
  g_free (theirs);
  g_free (ours);
  g_error_free (err);
  gst_object_unref (pipeline);
  fake_kernel_free (fk);
}

GST_END_TEST;

GST_START_TEST (test_no_device)
{
  GstElement *pipeline;
  GError *err;

  pipeline = gst_parse_launch ("daedalussrc device=/nonexistent/daedalus ! "
      "fakesink", NULL);
  err = start_error (pipeline);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_FOUND));
  fail_unless (strstr (err->message, "/nonexistent/daedalus") != NULL);
  g_error_free (err);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* src and sink of one pipeline share the connection: the kernel allows one
 * open only.  A chardev-like peer that accepts one open is emulated by
 * counting HELLOs. */
GST_START_TEST (test_shared_connection)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;
  gchar *desc;

  desc = g_strdup_printf ("daedalussrc fd=%d ! fakesink  "
      "videotestsrc num-buffers=1 ! daedalussink fd=%d",
      fake_kernel_get_fd (fk), fake_kernel_get_fd (fk));
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  g_usleep (100 * 1000);
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  /* a second HELLO would count as invalid */
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  gst_object_unref (pipeline);
  fake_kernel_free (fk);
}

GST_END_TEST;

static void
send_capture_buffer (FakeKernel * fk, guint64 stream_id, guint mem_planes,
    guint color_mem_plane)
{
  struct daedalus_msg_capture_buffer cb;
  gint fd = memfd_create ("junk", MFD_CLOEXEC);

  fail_unless (fd >= 0);
  fail_unless (ftruncate (fd, 64 * 48 * 2) == 0);
  memset (&cb, 0, sizeof (cb));
  cb.hdr.size = sizeof (cb);
  cb.hdr.type = DAEDALUS_MSG_CAPTURE_BUFFER;
  cb.hdr.stream_id = stream_id;
  cb.pixelformat = V4L2_PIX_FMT_NV12;
  cb.width = 64;
  cb.height = 48;
  cb.num_mem_planes = mem_planes;
  cb.mem_plane_length[0] = 64 * 48 * 2;
  cb.num_color_planes = 2;
  cb.color_planes[0].stride = 64;
  cb.color_planes[1].mem_plane = color_mem_plane;
  cb.color_planes[1].offset = 64 * 48;
  cb.color_planes[1].stride = 64;
  fake_kernel_send_raw (fk, &cb, sizeof (cb), &fd, 1);
  close (fd);
}

static void
send_decode (FakeKernel * fk, guint64 stream_id, guint64 cookie,
    guint32 size, guint32 bytesused, gsize len)
{
  guint8 buf[256] = { 0, };
  struct daedalus_msg_decode *d = (gpointer) buf;

  g_assert (len <= sizeof (buf));
  d->hdr.size = size;
  d->hdr.type = DAEDALUS_MSG_DECODE;
  d->hdr.stream_id = stream_id;
  d->cookie = cookie;
  d->flags = DAEDALUS_DECODE_FLAG_KEYFRAME;
  d->bytesused = bytesused;
  memset (d + 1, 0x55, sizeof (buf) - sizeof (*d));
  fake_kernel_send_raw (fk, buf, len, NULL, 0);
}

/* The kernel side sends garbage: every malformed message is dropped (the
 * library logs it), nothing crashes or hangs, nothing is answered, and the
 * stream then decodes as if nothing had happened. */
GST_START_TEST (test_malformed_messages)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  TestClip *clip = test_clip_new ("vp9enc deadline=1", 5, 64, 48);
  GstElement *pipeline = test_pipeline_new ("vp9parse ! avdec_vp9",
      fake_kernel_get_fd (fk));
  GRand *rand = g_rand_new_with_seed (3);
  struct daedalus_msg_hdr hdr;
  guint8 junk[sizeof (struct daedalus_msg_format)];
  GArray *consumed;
  GstMessage *msg;
  guint i, n = 0;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, 64, 48);

  /* truncated header */
  memset (&hdr, 0, sizeof (hdr));
  hdr.size = 8;
  hdr.type = DAEDALUS_MSG_DRAIN;
  hdr.stream_id = 1;
  fake_kernel_send_raw (fk, &hdr, 8, NULL, 0);
  /* a header alone, of a DECODE */
  hdr.size = sizeof (hdr);
  hdr.type = DAEDALUS_MSG_DECODE;
  fake_kernel_send_raw (fk, &hdr, sizeof (hdr), NULL, 0);
  /* flags set */
  hdr.type = DAEDALUS_MSG_DRAIN;
  hdr.flags = 1;
  fake_kernel_send_raw (fk, &hdr, sizeof (hdr), NULL, 0);
  hdr.flags = 0;
  /* unknown type (ignored) */
  hdr.type = 0x7777;
  fake_kernel_send_raw (fk, &hdr, sizeof (hdr), NULL, 0);
  /* size larger than the datagram */
  send_decode (fk, 1, 1000, 4096, 16, sizeof (struct daedalus_msg_decode) +
      16);
  /* bytesused beyond the message */
  send_decode (fk, 1, 1001, sizeof (struct daedalus_msg_decode) + 16, 100000,
      sizeof (struct daedalus_msg_decode) + 16);
  /* CAPTURE_BUFFERs: 0 and 5 memory planes, a colour plane outside */
  send_capture_buffer (fk, 1, 0, 0);
  send_capture_buffer (fk, 1, DAEDALUS_MAX_PLANES + 1, 0);
  send_capture_buffer (fk, 1, 1, 1);
  /* FORMAT-sized junk: the wrong direction, then random bytes */
  memset (junk, 0, sizeof (junk));
  hdr.size = sizeof (junk);
  hdr.type = DAEDALUS_MSG_FORMAT;
  memcpy (junk, &hdr, sizeof (hdr));
  fake_kernel_send_raw (fk, junk, sizeof (junk), NULL, 0);
  for (i = 0; i < 200; i++) {
    guint j;

    for (j = 0; j < sizeof (junk); j++)
      junk[j] = g_rand_int (rand);
    /* mostly with a right size and a known type, to get past the header */
    hdr.size = i % 4 ? sizeof (junk) : g_rand_int (rand);
    hdr.type = i % 2 ? g_rand_int_range (rand, 1, 9) : g_rand_int (rand);
    hdr.flags = 0;
    hdr.stream_id = i % 3 ? 1 : g_rand_int (rand);
    if (i % 5)
      memcpy (junk, &hdr, sizeof (hdr));
    /* never a well-formed FLUSH, DRAIN or CLOSE of stream 1 by chance */
    if (hdr.stream_id == 1 && hdr.type != DAEDALUS_MSG_DECODE &&
        hdr.type != DAEDALUS_MSG_CAPTURE_BUFFER)
      hdr.type = 0x7000 + i;
    memcpy (junk, &hdr, sizeof (hdr));
    fake_kernel_send_raw (fk, junk, sizeof (junk), NULL, 0);
  }
  /* well-formed, for a stream nobody opened */
  send_decode (fk, 99, 2000, sizeof (struct daedalus_msg_decode) + 16, 16,
      sizeof (struct daedalus_msg_decode) + 16);
  send_capture_buffer (fk, 99, 1, 0);
  {
    struct daedalus_msg_epoch e = { {sizeof (e), DAEDALUS_MSG_DRAIN, 0, 99}, };

    fake_kernel_send_raw (fk, &e, sizeof (e), NULL, 0);
  }

  /* the real stream goes on */
  for (i = 0; i < clip->aus->len; i++)
    fake_kernel_decode (fk, 1, g_ptr_array_index (clip->aus, i), i == 0);
  fake_kernel_drain (fk, 1);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, TIMEOUT_MS));
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);

  msg = test_pipeline_poll_error (pipeline, 0);
  fail_if (msg != NULL);
  fail_unless (set_null_time (pipeline) < 2 * G_USEC_PER_SEC);
  gst_object_unref (pipeline);

  consumed = fake_kernel_get_consumed (fk);
  for (i = 0; i < consumed->len; i++) {
    struct daedalus_msg_consumed *c =
        &g_array_index (consumed, struct daedalus_msg_consumed, i);

    fail_unless_equals_uint64 (c->hdr.stream_id, 1);
    fail_unless (c->cookie <= clip->aus->len, "CONSUMED for junk %"
        G_GUINT64_FORMAT, (guint64) c->cookie);
    fail_unless_equals_int (c->status, 0);
    n++;
  }
  fail_unless_equals_int (n, clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_drain_done (fk)->len, 1);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  g_rand_free (rand);
  test_clip_free (clip);
  fake_kernel_free (fk);
}

GST_END_TEST;

static Suite *
daedalussrc_suite (void)
{
  Suite *s = suite_create ("daedalussrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_teardown_waiting_for_stream);
  tcase_add_test (tc, test_teardown_waiting_for_capture);
  tcase_add_test (tc, test_connection_lost);
  tcase_add_test (tc, test_not_live);
  tcase_add_test (tc, test_empty_access_unit);
  tcase_add_test (tc, test_codec_table);
  tcase_add_test (tc, test_restrict_codecs);
  tcase_add_test (tc, test_restrict_codecs_not);
  tcase_add_test (tc, test_wrong_major);
  tcase_add_test (tc, test_no_device);
  tcase_add_test (tc, test_shared_connection);
  tcase_add_test (tc, test_malformed_messages);
  return s;
}

GST_CHECK_MAIN (daedalussrc);
