/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalussrc ! parser ! decoder ! daedalussink against the fake kernel:
 * what the kernel sees must be what a direct decode gives. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <linux/videodev2.h>
#include <gst/check/gstcheck.h>

#include "fakekernel.h"
#include "gstdaedalusconnection.h"
#include "gstdaedalusstream.h"
#include "testclip.h"

#define TIMEOUT_MS 20000
#define N_FRAMES 20
#define WIDTH 320
#define HEIGHT 240
#define VP9_ENCODER "vp9enc deadline=1 auto-alt-ref=true lag-in-frames=8 " \
  "keyframe-max-dist=10"
#define VP9_FRAGMENT "vp9parse ! avdec_vp9"

static TestClip *vp9_clip;
static GPtrArray *vp9_ref;

static void
setup_vp9 (void)
{
  vp9_clip = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH, HEIGHT);
  vp9_ref = test_clip_reference_decode (vp9_clip, "vp9parse ! avdec_vp9");
  fail_unless_equals_int (vp9_ref->len, N_FRAMES);
}

static void
teardown_vp9 (void)
{
  test_clip_free (vp9_clip);
  g_ptr_array_unref (vp9_ref);
}

/* sends the clip and drains the stream; returns the first cookie once the
 * kernel has @n_drained DRAIN_DONEs in all */
static guint64
send_and_drain (FakeKernel * fk, guint64 stream_id, TestClip * clip,
    guint n_drained)
{
  guint64 first_cookie = test_clip_send (clip, fk, stream_id);

  fake_kernel_drain (fk, stream_id);
  fail_unless (fake_kernel_wait_drain_done (fk, n_drained, TIMEOUT_MS));
  return first_cookie;
}

static GstElement *
start_pipeline (FakeKernel * fk, const gchar * fragment)
{
  GstElement *pipeline = test_pipeline_new (fragment, fake_kernel_get_fd (fk));

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  return pipeline;
}

static void
stop_pipeline (GstElement * pipeline)
{
  GstMessage *msg = test_pipeline_poll_error (pipeline, 0);

  if (msg) {
    GError *err;
    gchar *dbg;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("pipeline error: %s (%s)", err->message, dbg);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

/* every cookie in [first_cookie, first_cookie + n) answered exactly once */
static void
check_consumed (FakeKernel * fk, guint64 stream_id, guint64 first_cookie,
    guint n)
{
  GArray *consumed = fake_kernel_get_consumed (fk);
  guint *seen = g_new0 (guint, n);
  guint i;

  for (i = 0; i < consumed->len; i++) {
    struct daedalus_msg_consumed *c =
        &g_array_index (consumed, struct daedalus_msg_consumed, i);

    if (c->hdr.stream_id != stream_id || c->cookie < first_cookie ||
        c->cookie >= first_cookie + n)
      continue;
    fail_unless_equals_int (c->status, 0);
    seen[c->cookie - first_cookie]++;
  }
  for (i = 0; i < n; i++)
    fail_unless_equals_int (seen[i], 1);
  g_free (seen);
}

/* @n frames of @stream_id from index @start of the frame list carry the
 * cookies first_cookie.. in order and the reference pictures */
static void
check_frames (FakeKernel * fk, guint start, guint64 stream_id,
    guint64 first_cookie, GPtrArray * ref)
{
  GArray *frames = fake_kernel_get_frames (fk);
  guint i;

  fail_unless (frames->len >= start + ref->len);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);

    GST_INFO ("frame %u: stream %" G_GUINT64_FORMAT " AU %" G_GUINT64_FORMAT
        " epoch %u buffer %u %s", i, f->stream_id, f->cookie, f->epoch,
        f->index, f->checksum);
  }
  for (i = 0; i < ref->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, start + i);

    fail_unless_equals_uint64 (f->stream_id, stream_id);
    fail_unless_equals_uint64 (f->cookie, first_cookie + i);
    fail_unless_equals_string (f->checksum, g_ptr_array_index (ref, i));
  }
}

GST_START_TEST (test_vp9_roundtrip)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  const struct daedalus_msg_hello *hello;
  struct daedalus_msg_format *fmt;
  FakeDrainDone *dd;
  GArray *frames;
  guint64 first_cookie;
  guint i;
  gboolean has_vp9 = FALSE;

  hello = fake_kernel_get_hello (fk);
  fail_unless_equals_int (hello->major, DAEDALUS_PROTO_MAJOR);
  for (i = 0; i < hello->num_codecs; i++)
    has_vp9 |= hello->codecs[i] == V4L2_PIX_FMT_VP9;
  fail_unless (has_vp9);

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, vp9_clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie, vp9_clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_consumed (fk)->len,
      vp9_clip->aus->len);
  frames = fake_kernel_get_frames (fk);
  fail_unless_equals_int (frames->len, N_FRAMES);
  check_frames (fk, 0, 1, first_cookie, vp9_ref);

  /* DRAIN_DONE comes after the last frame */
  dd = &g_array_index (fake_kernel_get_drain_done (fk), FakeDrainDone, 0);
  fail_unless_equals_int (fake_kernel_get_drain_done (fk)->len, 1);
  fail_unless_equals_int (dd->msg.epoch, 0);
  fail_unless (dd->seqnum > g_array_index (frames, FakeFrame,
          frames->len - 1).seqnum);
  fail_unless_equals_int (fake_kernel_get_formats (fk)->len, 1);
  /* avdec_vp9 gives I420: the stream's own format is YUV420, 8 bits */
  fmt = &g_array_index (fake_kernel_get_formats (fk),
      struct daedalus_msg_format, 0);
  fail_unless_equals_int (fmt->pixelformat, V4L2_PIX_FMT_YUV420);
  fail_unless_equals_int (fmt->bit_depth, 8);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* a kernel of protocol 1.2 takes NV12 only: FORMAT says NV12, 8 bits,
 * whatever the decoder gives, and the frames are still right */
GST_START_TEST (test_vp9_format_before_1_3)
{
  static const guint32 codecs[] = { V4L2_PIX_FMT_VP9 };
  FakeKernel *fk = fake_kernel_new_version (DAEDALUS_PROTO_MAJOR, 2, 4,
      codecs, G_N_ELEMENTS (codecs));
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  struct daedalus_msg_format *fmt;
  guint64 first_cookie;

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, vp9_clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_frames (fk, 0, 1, first_cookie, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_formats (fk)->len, 1);
  fmt = &g_array_index (fake_kernel_get_formats (fk),
      struct daedalus_msg_format, 0);
  fail_unless_equals_int (fmt->pixelformat, V4L2_PIX_FMT_NV12);
  fail_unless_equals_int (fmt->bit_depth, 8);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* a drain in the middle of a GOP, then DEC_CMD_START and the rest of the
 * GOP (dev-decoder.rst: decoding goes on after a drain): every frame,
 * although the decoder was drained and flushed in between (issue 8: the
 * frames up to the next keyframe were lost) */
GST_START_TEST (test_vp9_drain_mid_gop)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  guint n = vp9_clip->aus->len, half = n * 3 / 4;
  guint64 first_cookie;

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie = test_clip_send_range (vp9_clip, fk, 1, 0, half);
  fake_kernel_drain (fk, 1);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, TIMEOUT_MS));
  test_clip_send_range (vp9_clip, fk, 1, half, n);
  fake_kernel_drain (fk, 1);
  fail_unless (fake_kernel_wait_drain_done (fk, 2, TIMEOUT_MS));
  fail_unless (fake_kernel_wait_consumed (fk, n, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie, n);
  fail_unless_equals_int (fake_kernel_get_consumed (fk)->len, n);
  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, N_FRAMES);
  check_frames (fk, 0, 1, first_cookie, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* a client that queues each CAPTURE buffer again with other memory (a
 * new dma-buf at the same index, a new mem_id) gets every frame in the new
 * memory (issue 8, defect 6: the daemon wrote into the first dma-buf of
 * the index for ever) */
GST_START_TEST (test_vp9_new_memory)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  guint64 first_cookie;

  fake_kernel_set_new_memory (fk, TRUE);
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, vp9_clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, N_FRAMES);
  check_frames (fk, 0, 1, first_cookie, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* after DRAIN the stream goes on */
GST_START_TEST (test_vp9_drain_and_continue)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  guint64 first_cookie1, first_cookie2;

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie1 = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, N_FRAMES);

  first_cookie2 = send_and_drain (fk, 1, vp9_clip, 2);
  fail_unless (fake_kernel_wait_consumed (fk, 2 * vp9_clip->aus->len,
          TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie1, 2 * vp9_clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, 2 * N_FRAMES);
  check_frames (fk, 0, 1, first_cookie1, vp9_ref);
  check_frames (fk, N_FRAMES, 1, first_cookie2, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* stream=0 serves one stream after the other */
GST_START_TEST (test_vp9_two_streams)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  guint64 first_cookie1, first_cookie2;

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie1 = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, vp9_clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);

  fake_kernel_open_stream (fk, 2, V4L2_PIX_FMT_VP9, 0, 0);
  first_cookie2 = send_and_drain (fk, 2, vp9_clip, 2);
  fail_unless (fake_kernel_wait_consumed (fk, 2 * vp9_clip->aus->len,
          TIMEOUT_MS));
  fake_kernel_close_stream (fk, 2);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie1, vp9_clip->aus->len);
  check_consumed (fk, 2, first_cookie2, vp9_clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_frames (fk)->len, 2 * N_FRAMES);
  check_frames (fk, 0, 1, first_cookie1, vp9_ref);
  check_frames (fk, N_FRAMES, 2, first_cookie2, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_formats (fk)->len, 2);
  fail_unless_equals_uint64 (g_array_index (fake_kernel_get_drain_done (fk),
          FakeDrainDone, 1).msg.hdr.stream_id, 2);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* FLUSH (a seek): old access units are answered, the new epoch decodes */
GST_START_TEST (test_vp9_flush)
{
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline = start_pipeline (fk, VP9_FRAGMENT);
  GArray *frames;
  guint64 first_cookie1, first_cookie2;
  guint32 epoch;
  guint i, start;

  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie1 = test_clip_send (vp9_clip, fk, 1);
  epoch = fake_kernel_flush (fk, 1);
  first_cookie2 = send_and_drain (fk, 1, vp9_clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, 2 * vp9_clip->aus->len,
          TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie1, 2 * vp9_clip->aus->len);
  fail_unless_equals_int (g_array_index (fake_kernel_get_drain_done (fk),
          FakeDrainDone, 0).msg.epoch, epoch);

  /* frames of the old epoch may or may not have made it; the new epoch's
   * are all there, in order */
  frames = fake_kernel_get_frames (fk);
  for (start = 0; start < frames->len; start++) {
    if (g_array_index (frames, FakeFrame, start).epoch == epoch)
      break;
  }
  fail_unless_equals_int (frames->len - start, N_FRAMES);
  for (i = 0; i < start; i++)
    fail_unless (g_array_index (frames, FakeFrame, i).epoch < epoch);
  check_frames (fk, start, 1, first_cookie2, vp9_ref);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* The coded size changes mid-stream (two clips of different sizes, the
 * second starting with a keyframe): a new FORMAT comes before the first
 * frame of the new size, and the frames after it go into the buffers the
 * peer announced for that size (after CAPTURE_RESET, like a client after
 * SOURCE_CHANGE). */
#define WIDTH2 176
#define HEIGHT2 144
GST_START_TEST (test_vp9_format_change)
{
  TestClip *clip2 = test_clip_new (VP9_ENCODER, N_FRAMES, WIDTH2, HEIGHT2);
  TestClip *both = g_new0 (TestClip, 1);
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;
  GPtrArray *ref;
  GArray *frames, *formats;
  struct daedalus_msg_format *fmt;
  guint64 first_cookie;
  guint i;

  both->aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  both->caps = gst_caps_copy (vp9_clip->caps);
  for (i = 0; i < vp9_clip->aus->len; i++)
    g_ptr_array_add (both->aus,
        gst_buffer_ref (g_ptr_array_index (vp9_clip->aus, i)));
  for (i = 0; i < clip2->aus->len; i++)
    g_ptr_array_add (both->aus,
        gst_buffer_ref (g_ptr_array_index (clip2->aus, i)));
  fail_if (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (clip2->aus, 0),
          GST_BUFFER_FLAG_DELTA_UNIT));
  ref = test_clip_reference_decode (both, VP9_FRAGMENT);
  fail_unless_equals_int (ref->len, 2 * N_FRAMES);
  /* the two halves differ, or the test tests nothing */
  fail_if (g_str_equal (g_ptr_array_index (ref, N_FRAMES - 1),
          g_ptr_array_index (ref, N_FRAMES)));

  pipeline = start_pipeline (fk, VP9_FRAGMENT);
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, WIDTH, HEIGHT);
  first_cookie = send_and_drain (fk, 1, both, 1);
  fail_unless (fake_kernel_wait_consumed (fk, both->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 1);
  stop_pipeline (pipeline);

  check_consumed (fk, 1, first_cookie, both->aus->len);
  frames = fake_kernel_get_frames (fk);
  fail_unless_equals_int (frames->len, 2 * N_FRAMES);
  check_frames (fk, 0, 1, first_cookie, ref);

  formats = fake_kernel_get_formats (fk);
  fail_unless_equals_int (formats->len, 2);
  fmt = &g_array_index (formats, struct daedalus_msg_format, 0);
  fail_unless (fmt->width >= WIDTH && fmt->height >= HEIGHT);
  fail_unless_equals_int (fmt->visible_width, WIDTH);
  fail_unless_equals_int (fmt->visible_height, HEIGHT);
  fmt = &g_array_index (formats, struct daedalus_msg_format, 1);
  fail_unless (fmt->width >= WIDTH2 && fmt->height >= HEIGHT2);
  fail_unless_equals_int (fmt->visible_width, WIDTH2);
  fail_unless_equals_int (fmt->visible_height, HEIGHT2);

  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    gboolean in_second = f->cookie - first_cookie >= vp9_clip->aus->len;

    /* each frame after the FORMAT of its size, in a buffer of that size
     * and of the generation announced for it */
    fail_unless_equals_int (f->n_formats, in_second ? 2 : 1);
    fail_unless_equals_int (f->generation, in_second ? 1 : 0);
    fmt = &g_array_index (formats, struct daedalus_msg_format,
        f->n_formats - 1);
    fail_unless_equals_int (f->width, fmt->width);
    fail_unless_equals_int (f->height, fmt->height);
  }
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);

  g_ptr_array_unref (ref);
  test_clip_free (both);
  test_clip_free (clip2);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* 0 = I, 1 = P, 2 = B, 3 = S; -1 without a VOP */
static gint
vop_coding_type (GstBuffer * au)
{
  GstMapInfo map;
  gint type = -1;
  gsize i;

  gst_buffer_map (au, &map, GST_MAP_READ);
  for (i = 0; i + 4 < map.size; i++) {
    if (map.data[i] == 0 && map.data[i + 1] == 0 && map.data[i + 2] == 1 &&
        map.data[i + 3] == 0xb6) {
      type = map.data[i + 4] >> 6;
      break;
    }
  }
  gst_buffer_unmap (au, &map);
  return type;
}

/* Display order of the AUs from their decode order: a B-VOP shows at once,
 * an I/P-VOP when the next I/P-VOP comes (the encoder's timestamps are of
 * no use here: GstVideoDecoder would not keep them either). */
static GArray *
display_order (TestClip * clip)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));
  gint pending = -1;
  guint i;

  for (i = 0; i < clip->aus->len; i++) {
    gint type = vop_coding_type (g_ptr_array_index (clip->aus, i));

    fail_unless (type >= 0);
    if (type == 2) {
      g_array_append_val (order, i);
    } else {
      if (pending >= 0)
        g_array_append_val (order, pending);
      pending = i;
    }
  }
  if (pending >= 0)
    g_array_append_val (order, pending);
  return order;
}

/* B-frames: each frame carries the cookie of the AU that coded it */
GST_START_TEST (test_mpeg4_bframes)
{
  TestClip *clip = test_clip_new ("avenc_mpeg4 max-bframes=2", 40, WIDTH,
      HEIGHT);
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;
  GArray *display, *frames;
  guint64 first_cookie;
  guint i, reordered = 0;

  pipeline = start_pipeline (fk, "mpeg4videoparse ! avdec_mpeg4");
  fake_kernel_open_stream (fk, 7, V4L2_PIX_FMT_MPEG4, WIDTH, HEIGHT);
  first_cookie = send_and_drain (fk, 7, clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 7);
  stop_pipeline (pipeline);
  check_consumed (fk, 7, first_cookie, clip->aus->len);

  display = display_order (clip);

  frames = fake_kernel_get_frames (fk);
  fail_unless_equals_int (frames->len, clip->aus->len);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    guint au_index = f->cookie - first_cookie;

    fail_unless (au_index < clip->aus->len);
    fail_unless_equals_int (au_index, g_array_index (display, guint, i));
    reordered += au_index != i;
  }
  /* or the test tests nothing */
  fail_unless (reordered > 0);

  g_array_unref (display);
  fake_kernel_free (fk);
  test_clip_free (clip);
}

GST_END_TEST;

static gint
compare_pts (gconstpointer a, gconstpointer b, gpointer clip)
{
  GstBuffer *au_a = g_ptr_array_index (((TestClip *) clip)->aus,
      *(const guint *) a);
  GstBuffer *au_b = g_ptr_array_index (((TestClip *) clip)->aus,
      *(const guint *) b);

  return GST_BUFFER_PTS (au_a) < GST_BUFFER_PTS (au_b) ? -1 :
      GST_BUFFER_PTS (au_a) > GST_BUFFER_PTS (au_b);
}

/* B-frames in H.264: each frame carries the cookie of the AU that coded it.
 * x264enc stamps every AU with its presentation time, so sorting the AUs
 * (decode order) by it gives the display order the frames must come in. */
/* H.264 with B-frames: every frame, in display order, bit-exact; with
 * @drain_at, a drain after that many access units, in the middle of a GOP
 * with B-frames, and then the rest */
static void
h264_bframes (guint drain_at)
{
  TestClip *clip = test_clip_new ("x264enc bframes=2 b-adapt=false "
      "key-int-max=20 ! video/x-h264,stream-format=byte-stream,alignment=au",
      40, WIDTH, HEIGHT);
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GstElement *pipeline;
  GArray *display, *frames;
  GPtrArray *ref;
  guint64 first_cookie;
  guint i, reordered = 0;

  display = g_array_new (FALSE, FALSE, sizeof (guint));
  for (i = 0; i < clip->aus->len; i++) {
    fail_unless (GST_BUFFER_PTS_IS_VALID (g_ptr_array_index (clip->aus, i)));
    g_array_append_val (display, i);
  }
  g_array_sort_with_data (display, compare_pts, clip);
  ref = test_clip_reference_decode (clip, "h264parse ! avdec_h264");
  fail_unless_equals_int (ref->len, clip->aus->len);

  pipeline = start_pipeline (fk, "h264parse ! avdec_h264");
  fake_kernel_open_stream (fk, 5, V4L2_PIX_FMT_H264, WIDTH, HEIGHT);
  if (drain_at) {
    first_cookie = test_clip_send_range (clip, fk, 5, 0, drain_at);
    fake_kernel_drain (fk, 5);
    fail_unless (fake_kernel_wait_drain_done (fk, 1, TIMEOUT_MS));
    test_clip_send_range (clip, fk, 5, drain_at, clip->aus->len);
    fake_kernel_drain (fk, 5);
    fail_unless (fake_kernel_wait_drain_done (fk, 2, TIMEOUT_MS));
  } else {
    first_cookie = send_and_drain (fk, 5, clip, 1);
  }
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, 5);
  stop_pipeline (pipeline);
  check_consumed (fk, 5, first_cookie, clip->aus->len);

  frames = fake_kernel_get_frames (fk);
  fail_unless_equals_int (frames->len, clip->aus->len);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    guint au_index = f->cookie - first_cookie;

    fail_unless (au_index < clip->aus->len);
    /* a drain outputs what it has at once: the order is display order
     * before it and after it */
    if (!drain_at)
      fail_unless_equals_int (au_index, g_array_index (display, guint, i));
    fail_unless_equals_string (f->checksum, g_ptr_array_index (ref, i));
    reordered += au_index != i;
  }
  /* or the test tests nothing */
  fail_unless (reordered > 0);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);

  g_ptr_array_unref (ref);
  g_array_unref (display);
  fake_kernel_free (fk);
  test_clip_free (clip);
}

GST_START_TEST (test_h264_bframes)
{
  h264_bframes (0);
}

GST_END_TEST;

/* the GOP is fed again after the drain, for the references of the rest */
GST_START_TEST (test_h264_bframes_drain_mid_gop)
{
  h264_bframes (27);
}

GST_END_TEST;

/* Zero-copy: a client of YM12 in MMAP buffers (the node's own memory, with
 * room below each plane), a decoder that renders into downstream buffers
 * (avdec): the frames are written straight into the client's buffers.
 * They must be the frames a copy gives (zero-copy=false), bit for bit, in
 * the same order with the same cookies; and they must really not have been
 * copied: the stream's counters say how each frame got there. */
#define ZC_WIDTH 640
#define ZC_HEIGHT 480
#define ZC_STREAM 9

/* @fragment between daedalussrc and daedalussink (zero-copy as asked,
 * its stream ZC_STREAM: daedalusd sets it, the sink proposes the buffers
 * of the stream it knows), playing, and ZC_STREAM opened */
static GstElement *
zero_copy_start (FakeKernel * fk, const gchar * fragment, guint32 fourcc,
    gboolean zero_copy)
{
  GstElement *pipeline = test_pipeline_new (fragment,
      fake_kernel_get_fd (fk));
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  g_object_set (sink, "stream", (guint64) ZC_STREAM, "zero-copy", zero_copy,
      NULL);
  gst_object_unref (sink);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_open_stream (fk, ZC_STREAM, fourcc, ZC_WIDTH, ZC_HEIGHT);
  return pipeline;
}

/* the counters of ZC_STREAM, as the daemon side counted them */
static void
zero_copy_stats (FakeKernel * fk, GstDaedalusStreamStats * stats)
{
  GError *err = NULL;
  GstDaedalusConnection *conn =
      gst_daedalus_connection_acquire (NULL, fake_kernel_get_fd (fk), &err);
  GstDaedalusStream *stream;

  fail_unless (conn != NULL, "%s", err ? err->message : "");
  stream = gst_daedalus_connection_lookup_stream (conn, ZC_STREAM);
  fail_unless (stream != NULL);
  gst_daedalus_stream_get_stats (stream, stats);
  gst_object_unref (stream);
  gst_daedalus_connection_release (conn);
}

static GArray *
zero_copy_run (TestClip * clip, const gchar * fragment, guint32 fourcc,
    gboolean zero_copy, GstDaedalusStreamStats * stats)
{
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 16, &fourcc,
      1);
  GstElement *pipeline;
  GArray *frames;
  guint64 first_cookie;
  guint i;

  fake_kernel_set_client_fourcc (fk, V4L2_PIX_FMT_YUV420M);
  pipeline = zero_copy_start (fk, fragment, fourcc, zero_copy);
  first_cookie = send_and_drain (fk, ZC_STREAM, clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  zero_copy_stats (fk, stats);
  fake_kernel_close_stream (fk, ZC_STREAM);
  stop_pipeline (pipeline);
  check_consumed (fk, ZC_STREAM, first_cookie, clip->aus->len);
  fail_unless_equals_int (fake_kernel_get_errors (fk)->len, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);

  frames = g_array_new (FALSE, TRUE, sizeof (FakeFrame));
  for (i = 0; i < fake_kernel_get_frames (fk)->len; i++) {
    FakeFrame f = g_array_index (fake_kernel_get_frames (fk), FakeFrame, i);

    f.cookie -= first_cookie;
    f.checksum = g_strdup (f.checksum);
    g_array_append_val (frames, f);
  }
  fake_kernel_free (fk);
  return frames;
}

static void
zero_copy (const gchar * encoder, const gchar * fragment, guint32 fourcc)
{
  TestClip *clip = test_clip_new (encoder, 60, ZC_WIDTH, ZC_HEIGHT);
  GstDaedalusStreamStats copied, direct;
  GArray *ref, *frames;
  guint i;

  ref = zero_copy_run (clip, fragment, fourcc, FALSE, &copied);
  frames = zero_copy_run (clip, fragment, fourcc, TRUE, &direct);
  fail_unless_equals_int (ref->len, clip->aus->len);
  fail_unless_equals_int (frames->len, ref->len);
  for (i = 0; i < ref->len; i++) {
    FakeFrame *a = &g_array_index (ref, FakeFrame, i);
    FakeFrame *b = &g_array_index (frames, FakeFrame, i);

    fail_unless_equals_uint64 (b->cookie, a->cookie);
    fail_unless_equals_string (b->checksum, a->checksum);
    g_free (a->checksum);
    g_free (b->checksum);
  }
  /* copied: every frame; zero-copy: only those the decoder made before it
   * negotiated its output: avdec decodes its first pictures into its own
   * memory, as many as its frame threads and its reordering delay hold
   * before the first comes out (5 to 9 here, with all the clip queued at
   * once, as the threads run); none of the others */
  fail_unless_equals_int (copied.frames_copied, ref->len);
  fail_unless_equals_int (copied.frames_direct, 0);
  fail_unless_equals_int (direct.frames, ref->len);
  fail_unless_equals_int (direct.lend_timeouts, 0);
  fail_unless (direct.frames_direct + 12 >= ref->len,
      "%" G_GUINT64_FORMAT " of %u frames rendered in place",
      direct.frames_direct, ref->len);
  fail_unless_equals_int (direct.frames_converted, 0);
  g_printerr ("roundtrip: %s: %" G_GUINT64_FORMAT " of %u frames rendered "
      "into the client's buffers, the same as copied\n", fragment,
      direct.frames_direct, ref->len);
  g_array_unref (ref);
  g_array_unref (frames);
  test_clip_free (clip);
}

GST_START_TEST (test_zero_copy_h264)
{
  zero_copy ("x264enc bframes=2 b-adapt=false key-int-max=10 ! "
      "video/x-h264,stream-format=byte-stream,alignment=au",
      "h264parse ! avdec_h264", V4L2_PIX_FMT_H264);
}

GST_END_TEST;

GST_START_TEST (test_zero_copy_vp9)
{
  zero_copy (VP9_ENCODER, "vp9parse ! avdec_vp9", V4L2_PIX_FMT_VP9);
}

GST_END_TEST;

/* The client stops CAPTURE and starts it again with the same buffers
 * mid-stream (STREAMOFF/STREAMON of CAPTURE alone: the decoder is not
 * flushed, its references are pictures in the client's buffers).  The
 * same memory comes back at the same index in a new generation: nothing
 * may be written into a buffer whose pages the decoder still reads.
 * Frames in flight at the restart may be lost; every frame that comes is
 * the reference's, bit for bit. */
GST_START_TEST (test_zero_copy_capture_restart)
{
  guint32 fourcc = V4L2_PIX_FMT_H264;
  TestClip *clip = test_clip_new ("x264enc bframes=2 b-adapt=false "
      "key-int-max=60 ref=4 ! video/x-h264,stream-format=byte-stream,"
      "alignment=au", 60, ZC_WIDTH, ZC_HEIGHT);
  const gchar *fragment = "h264parse ! avdec_h264";
  GstDaedalusStreamStats copied;
  GArray *ref = zero_copy_run (clip, fragment, fourcc, FALSE, &copied);
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 24, &fourcc,
      1);
  GstElement *pipeline;
  const gchar **by_au;
  GArray *frames;
  guint64 first_cookie;
  guint i, after = 0;

  fail_unless_equals_int (ref->len, clip->aus->len);
  fake_kernel_set_client_fourcc (fk, V4L2_PIX_FMT_YUV420M);
  pipeline = zero_copy_start (fk, fragment, fourcc, TRUE);
  first_cookie = test_clip_send_range (clip, fk, ZC_STREAM, 0, 30);
  fail_unless (fake_kernel_wait_frames (fk, 15, TIMEOUT_MS));
  fake_kernel_restart_capture (fk, ZC_STREAM);
  test_clip_send_range (clip, fk, ZC_STREAM, 30, clip->aus->len);
  fake_kernel_drain (fk, ZC_STREAM);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, TIMEOUT_MS));
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  fake_kernel_close_stream (fk, ZC_STREAM);
  stop_pipeline (pipeline);

  /* the reference's frames by access unit (they come in display order) */
  by_au = g_new0 (const gchar *, ref->len);
  for (i = 0; i < ref->len; i++) {
    FakeFrame *r = &g_array_index (ref, FakeFrame, i);

    fail_unless (r->cookie < ref->len);
    by_au[r->cookie] = r->checksum;
  }
  frames = fake_kernel_get_frames (fk);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    guint au = f->cookie - first_cookie;

    fail_unless (au < ref->len);
    fail_unless (g_strcmp0 (f->checksum, by_au[au]) == 0,
        "frame %u (AU %u) in buffer %u of generation %u: %s, not %s", i, au,
        f->index, f->generation, f->checksum, by_au[au]);
    after += f->generation == 1;
  }
  g_free (by_au);
  /* the stream went on after the restart */
  fail_unless (after >= 25, "%u frames after the restart", after);
  g_printerr ("roundtrip: zero-copy, CAPTURE restarted mid-stream: %u "
      "frames, %u after, every one the reference's\n", frames->len, after);
  fake_kernel_free (fk);
  for (i = 0; i < ref->len; i++)
    g_free (g_array_index (ref, FakeFrame, i).checksum);
  g_array_unref (ref);
  test_clip_free (clip);
}

GST_END_TEST;

/* A client whose buffers the decoder cannot render into (YU12: one
 * memory plane, no room below the luma for avdec's rows): every frame is
 * copied, and the decoder never waits for a buffer it could not use
 * anyway (it waited a second per frame for one). */
GST_START_TEST (test_zero_copy_unfit_client)
{
  guint32 fourcc = V4L2_PIX_FMT_H264;
  TestClip *clip = test_clip_new ("x264enc bframes=2 b-adapt=false "
      "key-int-max=10 ! video/x-h264,stream-format=byte-stream,alignment=au",
      30, ZC_WIDTH, ZC_HEIGHT);
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 24, &fourcc,
      1);
  GstDaedalusStreamStats st;
  GstElement *pipeline;

  fake_kernel_set_client_fourcc (fk, V4L2_PIX_FMT_YUV420);
  /* as FFmpeg's *_v4l2m2m do, it keeps some frames */
  fake_kernel_set_client_hold (fk, 6);
  pipeline = zero_copy_start (fk, "h264parse ! avdec_h264", fourcc, TRUE);
  send_and_drain (fk, ZC_STREAM, clip, 1);
  fail_unless (fake_kernel_wait_consumed (fk, clip->aus->len, TIMEOUT_MS));
  zero_copy_stats (fk, &st);
  fake_kernel_close_stream (fk, ZC_STREAM);
  stop_pipeline (pipeline);
  fail_unless_equals_int (st.frames, clip->aus->len);
  fail_unless_equals_int (st.frames_copied, clip->aus->len);
  fail_unless_equals_int (st.frames_direct, 0);
  fail_unless_equals_int (st.lend_timeouts, 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  fake_kernel_free (fk);
  test_clip_free (clip);
}

GST_END_TEST;

static Suite *
roundtrip_suite (void)
{
  Suite *s = suite_create ("roundtrip");
  TCase *tc = tcase_create ("vp9");
  TCase *tc_b = tcase_create ("bframes");
  TCase *tc_zc = tcase_create ("zerocopy");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup_vp9, teardown_vp9);
  tcase_add_test (tc, test_vp9_roundtrip);
  tcase_add_test (tc, test_vp9_format_before_1_3);
  tcase_add_test (tc, test_vp9_new_memory);
  tcase_add_test (tc, test_vp9_drain_mid_gop);
  tcase_add_test (tc, test_vp9_drain_and_continue);
  tcase_add_test (tc, test_vp9_two_streams);
  tcase_add_test (tc, test_vp9_flush);
  tcase_add_test (tc, test_vp9_format_change);

  suite_add_tcase (s, tc_b);
  tcase_add_test (tc_b, test_mpeg4_bframes);
  tcase_add_test (tc_b, test_h264_bframes);
  tcase_add_test (tc_b, test_h264_bframes_drain_mid_gop);

  suite_add_tcase (s, tc_zc);
  tcase_add_test (tc_zc, test_zero_copy_h264);
  tcase_add_test (tc_zc, test_zero_copy_vp9);
  tcase_add_test (tc_zc, test_zero_copy_capture_restart);
  tcase_add_test (tc_zc, test_zero_copy_unfit_client);
  return s;
}

GST_CHECK_MAIN (roundtrip);
