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

#include <stdlib.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include <gst/check/gstcheck.h>

#include "fakekernel.h"
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

  /* the stream was still open: the kernel is told it failed */
  errors = fake_kernel_get_errors (fk);
  fail_unless_equals_int (errors->len, 1);
  fail_unless (g_array_index (errors, struct daedalus_msg_stream_error,
          0).error < 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  test_clip_free (clip);
  fake_kernel_free (fk);
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

static Suite *
daedalussrc_suite (void)
{
  Suite *s = suite_create ("daedalussrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_teardown_waiting_for_stream);
  tcase_add_test (tc, test_teardown_waiting_for_capture);
  tcase_add_test (tc, test_connection_lost);
  tcase_add_test (tc, test_wrong_major);
  tcase_add_test (tc, test_no_device);
  tcase_add_test (tc, test_shared_connection);
  return s;
}

GST_CHECK_MAIN (daedalussrc);
