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

#include <gst/app/app.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "fakekernel.h"
#include "testclip.h"

/* Encodes @n_frames of a moving test pattern with @encoder (a bin
 * description); one GstBuffer per access unit. */
TestClip *
test_clip_new (const gchar * encoder, guint n_frames, gint width, gint height)
{
  TestClip *clip = g_new0 (TestClip, 1);
  GstElement *pipeline, *sink;
  GstSample *sample;
  gchar *desc;

  desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! %s ! "
      "appsink name=sink sync=false", n_frames, width, height, encoder);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  clip->aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    if (!clip->caps)
      clip->caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (clip->aus, gst_buffer_ref (gst_sample_get_buffer
            (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  fail_unless (clip->aus->len > 0);
  return clip;
}

void
test_clip_free (TestClip * clip)
{
  g_ptr_array_unref (clip->aus);
  gst_clear_caps (&clip->caps);
  g_free (clip);
}

/* Queues every access unit of @clip on @stream_id of the fake kernel (a
 * keyframe is an AU without DELTA_UNIT); returns the cookie of the first. */
guint64
test_clip_send (TestClip * clip, FakeKernel * fk, guint64 stream_id)
{
  guint64 first_cookie = 0;
  guint i;

  for (i = 0; i < clip->aus->len; i++) {
    GstBuffer *au = g_ptr_array_index (clip->aus, i);
    guint64 cookie = fake_kernel_decode (fk, stream_id, au,
        !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT));

    if (i == 0)
      first_cookie = cookie;
  }
  return first_cookie;
}

/* Decodes the clip directly with @decoder; returns the NV12 checksums of
 * the frames in output order, as the fake kernel computes them. */
GPtrArray *
test_clip_reference_decode (TestClip * clip, const gchar * decoder)
{
  GPtrArray *sums = g_ptr_array_new_with_free_func (g_free);
  GstElement *pipeline, *src, *sink;
  GstSample *sample;
  gchar *desc;
  guint i;

  desc = g_strdup_printf ("appsrc name=src format=time ! %s ! videoconvert ! "
      "video/x-raw,format=NV12 ! appsink name=sink sync=false", decoder);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_app_src_set_caps (GST_APP_SRC (src), clip->caps);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < clip->aus->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_ref (g_ptr_array_index (clip->aus, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstVideoInfo info;
    GstVideoFrame frame;

    fail_unless (gst_video_info_from_caps (&info,
            gst_sample_get_caps (sample)));
    fail_unless (gst_video_frame_map (&frame, &info,
            gst_sample_get_buffer (sample), GST_MAP_READ));
    g_ptr_array_add (sums,
        fake_kernel_checksum_nv12 (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
            GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
            GST_VIDEO_FRAME_PLANE_DATA (&frame, 1),
            GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 1),
            GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame)));
    gst_video_frame_unmap (&frame);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return sums;
}

/* "daedalussrc fd=N ! @fragment ! daedalussink fd=N" */
GstElement *
test_pipeline_new (const gchar * fragment, gint fd)
{
  GError *err = NULL;
  GstElement *pipeline;
  gchar *desc;

  desc = g_strdup_printf ("daedalussrc name=src fd=%d ! %s ! "
      "daedalussink name=sink fd=%d", fd, fragment, fd);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (pipeline != NULL && err == NULL, "%s", err ? err->message : "");
  return pipeline;
}

/* The first error on the bus within @timeout_ms, or NULL. */
GstMessage *
test_pipeline_poll_error (GstElement * pipeline, guint timeout_ms)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  msg = gst_bus_timed_pop_filtered (bus, timeout_ms * GST_MSECOND,
      GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  return msg;
}
