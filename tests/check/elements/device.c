/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Against the real /dev/daedalus-v4l2: the handshake works and src and
 * sink share the one open the kernel allows.  Skipped (77) when the module
 * is not loaded or another daemon holds the device. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <gst/check/gstcheck.h>
#include <misc/daedalus_v4l2.h>

#define DEVICE "/dev/" DAEDALUS_DEVICE_NAME
#define EXIT_SKIP 77

GST_START_TEST (test_connect)
{
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_parse_launch ("daedalussrc ! fakesink  "
      "videotestsrc num-buffers=1 ! daedalussink", NULL);
  fail_unless (pipeline != NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "error connecting to " DEVICE);
  gst_object_unref (bus);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
device_suite (void)
{
  Suite *s = suite_create ("device");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_connect);
  return s;
}

int
main (int argc, char **argv)
{
  gint fd = open (DEVICE, O_RDWR | O_CLOEXEC);

  if (fd < 0) {
    g_print ("skipped: %s: %s\n", DEVICE, g_strerror (errno));
    return EXIT_SKIP;
  }
  close (fd);

  gst_check_init (&argc, &argv);
  return gst_check_run_suite (device_suite (), "device", __FILE__);
}
