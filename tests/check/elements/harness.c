/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalussrc and daedalussink each on its own in a GstHarness, against
 * the fake kernel: what the source gives downstream (events, caps,
 * buffers and their metas, flushes, drains) and what the sink makes of
 * what it gets (FORMAT and FRAME, conversion, wrong metas, EOS).  No
 * encoder, no decoder: the access units and frames are made here. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <linux/videodev2.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/base/gstbasesink.h>
#include <gst/video/video.h>

#include "fakekernel.h"
#include "gstdaedalusconnection.h"
#include "gstdaedalusmeta.h"
#include "gstdaedalusstream.h"

#define TIMEOUT_MS 10000
#define STREAM_ID 7
#define WIDTH 64
#define HEIGHT 48

/* @factory's element on @fk's stream STREAM_ID in a harness.  A sink
 * starts at once (GstHarness plays what has a sink pad), so it is
 * configured before it goes in; a source waits for gst_harness_play(). */
static GstHarness *
harness_new (const gchar * factory, FakeKernel * fk)
{
  GstElement *el = gst_element_factory_make (factory, NULL);
  GstHarness *h;

  fail_unless (el != NULL);
  g_object_set (el, "fd", fake_kernel_get_fd (fk), "stream",
      (guint64) STREAM_ID, NULL);
  h = GST_IS_BASE_SINK (el) ? gst_harness_new_with_element (el, "sink",
      NULL) : gst_harness_new_with_element (el, NULL, "src");
  gst_object_unref (el);
  return h;
}

static GstBuffer *
access_unit (guint8 fill, gsize size)
{
  GstBuffer *au = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (au, 0, fill, size);
  return au;
}

/* @fk sends an access unit of @size bytes @fill; returns its cookie */
static guint64
decode (FakeKernel * fk, guint8 fill, gsize size, gboolean keyframe)
{
  GstBuffer *au = access_unit (fill, size);
  guint64 cookie = fake_kernel_decode (fk, STREAM_ID, au, keyframe);

  gst_buffer_unref (au);
  return cookie;
}

/* the next event of @type, or NULL */
static GstEvent *
pull_event_type (GstHarness * h, GstEventType type)
{
  GstEvent *event;

  while ((event = gst_harness_pull_event (h))) {
    if (GST_EVENT_TYPE (event) == type)
      return event;
    gst_event_unref (event);
  }
  return NULL;
}

static void
check_au (GstBuffer * buf, guint8 fill, gsize size, guint64 cookie,
    guint32 epoch)
{
  GstDaedalusMeta *meta = gst_buffer_get_daedalus_meta (buf);
  GstMapInfo map;
  gsize i;

  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->cookie, cookie);
  fail_unless_equals_int (meta->epoch, epoch);
  fail_unless_equals_uint64 (gst_daedalus_stream_get_id (meta->stream),
      STREAM_ID);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, size);
  for (i = 0; i < size; i++)
    fail_unless_equals_int (map.data[i], fill);
  gst_buffer_unmap (buf, &map);
}

/* daedalussrc: the events before the first access unit, in their order,
 * caps of the codec without the client's size hint, then the access units
 * with their cookies, CONSUMED once they left */
GST_START_TEST (test_src_events_and_buffers)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstHarness *h = harness_new ("daedalussrc", fk);
  GstEventType want[] = { GST_EVENT_CAPS, GST_EVENT_SEGMENT,
    GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
  };
  GstEventType last = GST_EVENT_UNKNOWN;
  const GstStructure *s;
  GstDaedalusStream *stream;
  guint64 cookie[3];
  GstEvent *event;
  GstCaps *caps;
  GstBuffer *buf;
  guint i;

  gst_harness_play (h);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_open_stream (fk, STREAM_ID, V4L2_PIX_FMT_VP9, 320, 240);
  for (i = 0; i < 3; i++)
    cookie[i] = decode (fk, 0x10 + i, 100 + i, i == 0);

  /* the stream's own stream-start (GstBaseSrc's came first) */
  while ((event = gst_harness_pull_event (h)) &&
      GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    last = GST_EVENT_TYPE (event);
    gst_event_unref (event);
  }
  fail_unless_equals_int (last, GST_EVENT_STREAM_START);
  for (i = 0; i < G_N_ELEMENTS (want); i++) {
    if (i > 0)
      event = gst_harness_pull_event (h);
    fail_unless (event != NULL);
    fail_unless_equals_string (GST_EVENT_TYPE_NAME (event),
        gst_event_type_get_name (want[i]));
    if (want[i] == GST_EVENT_CAPS) {
      gst_event_parse_caps (event, &caps);
      s = gst_caps_get_structure (caps, 0);
      fail_unless (gst_structure_has_name (s, "video/x-vp9"));
      /* the client's OUTPUT size is a hint, not the stream's size */
      fail_if (gst_structure_has_field (s, "width"));
    } else if (want[i] == GST_EVENT_CUSTOM_DOWNSTREAM_STICKY) {
      stream = gst_daedalus_stream_event_parse (event);
      fail_unless (stream != NULL);
      fail_unless_equals_uint64 (gst_daedalus_stream_get_id (stream),
          STREAM_ID);
      gst_object_unref (stream);
    }
    gst_event_unref (event);
  }
  for (i = 0; i < 3; i++) {
    buf = gst_harness_pull (h);
    check_au (buf, 0x10 + i, 100 + i, cookie[i], 0);
    fail_unless_equals_int (gst_buffer_get_daedalus_meta (buf)->keyframe,
        i == 0);
    gst_buffer_unref (buf);
  }
  fail_unless (fake_kernel_wait_consumed (fk, 3, TIMEOUT_MS));

  gst_harness_teardown (h);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* daedalussrc: a FLUSH (a seek) flushes downstream and tells the stream
 * again; what follows carries the new epoch.  A DRAIN is an EOS after the
 * last access unit. */
GST_START_TEST (test_src_flush_and_drain)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstHarness *h = harness_new ("daedalussrc", fk);
  GstDaedalusStream *stream;
  GstEvent *event;
  GstBuffer *buf;
  guint64 cookie;
  guint32 epoch;

  gst_harness_play (h);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_open_stream (fk, STREAM_ID, V4L2_PIX_FMT_H264, 320, 240);
  cookie = decode (fk, 0x21, 64, TRUE);
  buf = gst_harness_pull (h);
  check_au (buf, 0x21, 64, cookie, 0);
  gst_buffer_unref (buf);

  epoch = fake_kernel_flush (fk, STREAM_ID);
  fail_unless (epoch != 0);
  cookie = decode (fk, 0x22, 80, TRUE);
  event = pull_event_type (h, GST_EVENT_FLUSH_START);
  fail_unless (event != NULL);
  gst_event_unref (event);
  event = gst_harness_pull_event (h);
  fail_unless_equals_int (GST_EVENT_TYPE (event), GST_EVENT_FLUSH_STOP);
  gst_event_unref (event);
  /* a parser drops held serialized events when flushed: they come again */
  event = pull_event_type (h, GST_EVENT_CUSTOM_DOWNSTREAM_STICKY);
  fail_unless (event != NULL);
  stream = gst_daedalus_stream_event_parse (event);
  fail_unless (stream != NULL);
  gst_object_unref (stream);
  gst_event_unref (event);
  buf = gst_harness_pull (h);
  check_au (buf, 0x22, 80, cookie, epoch);
  gst_buffer_unref (buf);

  fake_kernel_drain (fk, STREAM_ID);
  event = pull_event_type (h, GST_EVENT_EOS);
  fail_unless (event != NULL);
  gst_event_unref (event);
  fail_unless (gst_harness_try_pull (h) == NULL);

  gst_harness_teardown (h);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* ---- daedalussink ---------------------------------------------------- */

/* The library's stream @id of the connection on @fk's fd (the one the
 * elements share), once the open reached it. */
static GstDaedalusStream *
wait_stream (GstDaedalusConnection * conn, guint64 id)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_MS * 1000;
  GstDaedalusStream *stream;

  while (!(stream = gst_daedalus_connection_lookup_stream (conn, id)) &&
      g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  return stream;
}

/* an I420 frame, flat Y, U and V */
static GstBuffer *
i420_frame (guint8 y, guint8 u, guint8 v)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint p, row;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (p = 0; p < 3; p++) {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);

    for (row = 0; row < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p); row++)
      memset (data + row * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p),
          p == 0 ? y : p == 1 ? u : v, GST_VIDEO_FRAME_COMP_WIDTH (&frame,
              p));
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

/* what the fake kernel's checksum of that frame in NV12 is */
static gchar *
nv12_checksum (guint8 y, guint8 u, guint8 v)
{
  guint8 *luma = g_malloc (WIDTH * HEIGHT);
  guint8 *chroma = g_malloc (WIDTH * HEIGHT / 2);
  gchar *sum;
  guint i;

  memset (luma, y, WIDTH * HEIGHT);
  for (i = 0; i < WIDTH * HEIGHT / 2; i += 2) {
    chroma[i] = u;
    chroma[i + 1] = v;
  }
  sum = fake_kernel_checksum_nv12 (luma, WIDTH, chroma, WIDTH, WIDTH, HEIGHT);
  g_free (luma);
  g_free (chroma);
  return sum;
}

typedef struct
{
  FakeKernel *fk;
  GstHarness *h;
  GstDaedalusConnection *conn;
  GstDaedalusStream *stream;
  GstBus *bus;
} SinkTest;

static void
sink_test_init (SinkTest * t)
{
  GError *err = NULL;

  t->fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  t->h = harness_new ("daedalussink", t->fk);
  t->bus = gst_bus_new ();
  gst_element_set_bus (t->h->element, t->bus);
  gst_harness_set_src_caps_str (t->h, "video/x-raw, format=I420, "
      "width=(int)64, height=(int)48, framerate=(fraction)25/1");
  /* the connection the sink opened: the same for the same fd */
  t->conn = gst_daedalus_connection_acquire (NULL,
      fake_kernel_get_fd (t->fk), &err);
  fail_unless (t->conn != NULL, "%s", err ? err->message : "");
  fail_unless (fake_kernel_wait_hello (t->fk, TIMEOUT_MS));
  fake_kernel_open_stream (t->fk, STREAM_ID, V4L2_PIX_FMT_VP9, WIDTH,
      HEIGHT);
  t->stream = wait_stream (t->conn, STREAM_ID);
  fail_unless (t->stream != NULL);
  fail_unless (gst_harness_push_event (t->h,
          gst_daedalus_stream_event_new (t->stream)));
}

static void
sink_test_clear (SinkTest * t)
{
  gst_element_set_bus (t->h->element, NULL);
  gst_harness_teardown (t->h);
  gst_object_unref (t->bus);
  gst_object_unref (t->stream);
  gst_daedalus_connection_release (t->conn);
}

/* a frame of the access unit the fake kernel sent as @cookie */
static GstFlowReturn
push_frame (SinkTest * t, guint64 cookie, guint32 epoch, guint8 y,
    GstDaedalusStream * stream)
{
  GstBuffer *buf = i420_frame (y, 0x80, 0xc0);

  if (stream)
    gst_buffer_add_daedalus_meta (buf, stream, cookie, epoch, 0);
  return gst_harness_push (t->h, buf);
}

/* daedalussink: a FORMAT of the caps' size in the stream's own format
 * (I420: YU12), then each frame converted into the client's NV12 buffer
 * and sent as the FRAME of its access unit */
GST_START_TEST (test_sink_format_and_frames)
{
  SinkTest t;
  const struct daedalus_msg_format *f;
  const FakeFrame *fr;
  guint64 cookie[2];
  gchar *want;
  guint i;

  sink_test_init (&t);
  for (i = 0; i < 2; i++) {
    cookie[i] = decode (t.fk, 1, 8, i == 0);
    fail_unless_equals_int (push_frame (&t, cookie[i], 0, 0x40 + i,
            t.stream), GST_FLOW_OK);
  }
  fail_unless (fake_kernel_wait_frames (t.fk, 2, TIMEOUT_MS));

  fail_unless (fake_kernel_wait_formats (t.fk, 1, TIMEOUT_MS));
  f = &g_array_index (fake_kernel_get_formats (t.fk),
      struct daedalus_msg_format, 0);
  fail_unless_equals_int (f->pixelformat, V4L2_PIX_FMT_YUV420);
  fail_unless_equals_int (f->width, WIDTH);
  fail_unless_equals_int (f->height, HEIGHT);
  fail_unless_equals_int (f->bit_depth, 8);
  for (i = 0; i < 2; i++) {
    fr = &g_array_index (fake_kernel_get_frames (t.fk), FakeFrame, i);
    fail_unless_equals_uint64 (fr->cookie, cookie[i]);
    want = nv12_checksum (0x40 + i, 0x80, 0xc0);
    fail_unless_equals_string (fr->checksum, want);
    g_free (want);
  }
  fail_unless_equals_int (fake_kernel_get_formats (t.fk)->len, 1);

  sink_test_clear (&t);
  fail_unless_equals_int (fake_kernel_get_invalid (t.fk), 0);
  fake_kernel_free (t.fk);
}

GST_END_TEST;

/* daedalussink: a frame without the meta, or with the meta of a stream of
 * another connection, is dropped, with a warning for the first only, and
 * nothing reaches the kernel; the stream goes on */
GST_START_TEST (test_sink_wrong_meta)
{
  SinkTest t;
  FakeKernel *other = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstDaedalusConnection *other_conn;
  GstDaedalusStream *other_stream;
  GstMessage *msg;
  guint64 cookie;

  sink_test_init (&t);
  other_conn = gst_daedalus_connection_acquire (NULL,
      fake_kernel_get_fd (other), NULL);
  fail_unless (other_conn != NULL);
  fake_kernel_open_stream (other, STREAM_ID, V4L2_PIX_FMT_VP9, WIDTH,
      HEIGHT);
  other_stream = wait_stream (other_conn, STREAM_ID);
  fail_unless (other_stream != NULL);

  fail_unless_equals_int (push_frame (&t, 1, 0, 0x50, NULL), GST_FLOW_OK);
  msg = gst_bus_timed_pop_filtered (t.bus, GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  fail_unless_equals_int (push_frame (&t, 1, 0, 0x50, other_stream),
      GST_FLOW_OK);
  /* said once, not per frame (issue 11) */
  fail_unless_equals_int (push_frame (&t, 1, 0, 0x50, NULL), GST_FLOW_OK);
  fail_unless (gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING) == NULL);

  /* a right one still goes through, and only it */
  cookie = decode (t.fk, 1, 8, TRUE);
  fail_unless_equals_int (push_frame (&t, cookie, 0, 0x60, t.stream),
      GST_FLOW_OK);
  fail_unless (fake_kernel_wait_frames (t.fk, 1, TIMEOUT_MS));
  g_usleep (100 * 1000);
  fail_unless_equals_int (fake_kernel_get_frames (t.fk)->len, 1);
  fail_unless_equals_uint64 (g_array_index (fake_kernel_get_frames (t.fk),
          FakeFrame, 0).cookie, cookie);
  fail_unless_equals_int (fake_kernel_get_frames (other)->len, 0);

  gst_object_unref (other_stream);
  gst_daedalus_connection_release (other_conn);
  sink_test_clear (&t);
  fail_unless_equals_int (fake_kernel_get_invalid (t.fk), 0);
  fail_unless_equals_int (fake_kernel_get_invalid (other), 0);
  fake_kernel_free (t.fk);
  fake_kernel_free (other);
}

GST_END_TEST;

/* daedalussink: caps that are not raw video are refused */
GST_START_TEST (test_sink_refuses_coded_caps)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstHarness *h = harness_new ("daedalussink", fk);

  gst_harness_set_src_caps_str (h, "video/x-vp9");
  fail_unless_equals_int (gst_harness_push (h, access_unit (1, 8)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* daedalussink: the EOS of a drain is answered with DRAIN_DONE of its
 * epoch, after the frames before it, and goes no further */
GST_START_TEST (test_sink_drain_eos)
{
  SinkTest t;
  const FakeDrainDone *d;
  const FakeFrame *fr;
  guint64 cookie;

  sink_test_init (&t);
  cookie = decode (t.fk, 1, 8, TRUE);
  fail_unless_equals_int (push_frame (&t, cookie, 0, 0x70, t.stream),
      GST_FLOW_OK);
  /* what daedalussrc does when the kernel says DRAIN */
  gst_daedalus_stream_begin_drain (t.stream, 0);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  fail_unless (fake_kernel_wait_drain_done (t.fk, 1, TIMEOUT_MS));
  d = &g_array_index (fake_kernel_get_drain_done (t.fk), FakeDrainDone, 0);
  fail_unless_equals_int (d->msg.epoch, 0);
  fail_unless_equals_int (fake_kernel_get_frames (t.fk)->len, 1);
  fr = &g_array_index (fake_kernel_get_frames (t.fk), FakeFrame, 0);
  fail_unless (fr->seqnum < d->seqnum);
  /* answered, not passed on: the sink is not at EOS */
  fail_if (GST_BASE_SINK (t.h->element)->eos);

  sink_test_clear (&t);
  fail_unless_equals_int (fake_kernel_get_invalid (t.fk), 0);
  fake_kernel_free (t.fk);
}

GST_END_TEST;

static Suite *
harness_suite (void)
{
  Suite *s = suite_create ("harness");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_src_events_and_buffers);
  tcase_add_test (tc, test_src_flush_and_drain);
  tcase_add_test (tc, test_sink_format_and_frames);
  tcase_add_test (tc, test_sink_wrong_meta);
  tcase_add_test (tc, test_sink_refuses_coded_caps);
  tcase_add_test (tc, test_sink_drain_eos);
  return s;
}

GST_CHECK_MAIN (harness);
