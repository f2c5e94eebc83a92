/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The valgrind setup preloads valgrind/hwy-timer.c: check that libhwy's
 * constructor runs the replacement, not its own RDTSCP code, and that the
 * decoder plugin that brings libhwy in (gst-libav) loads.  Runs in both
 * setups with the preload (tests/check/meson.build). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dlfcn.h>
#include <gst/check/gstcheck.h>

#define LIBHWY "libhwy.so.1"

typedef unsigned (*CallsFunc) (void);

static unsigned
replacement_calls (void)
{
  CallsFunc calls = (CallsFunc) dlsym (RTLD_DEFAULT,
      "daedalus_hwy_timer_resolution_calls");

  fail_unless (calls != NULL, "valgrind/hwy-timer is not preloaded");
  return calls ();
}

GST_START_TEST (test_libhwy_constructor_replaced)
{
  void *hwy;
  unsigned before = replacement_calls ();

  hwy = dlopen (LIBHWY, RTLD_NOW | RTLD_NOLOAD);
  fail_unless (hwy == NULL, LIBHWY " is loaded before the test");
  hwy = dlopen (LIBHWY, RTLD_NOW | RTLD_LOCAL);
  fail_unless (hwy != NULL, "%s", dlerror ());
  fail_unless_equals_int (replacement_calls (), before + 1);
  dlclose (hwy);
}

GST_END_TEST;

/* the plugin that loads libhwy: avdec_* of gst-libav */
GST_START_TEST (test_libav_loads)
{
  GstElement *dec = gst_element_factory_make ("avdec_h264", NULL);

  fail_unless (dec != NULL);
  gst_object_unref (dec);
}

GST_END_TEST;

static Suite *
preload_suite (void)
{
  Suite *s = suite_create ("valgrind-preload");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_libhwy_constructor_replaced);
  tcase_add_test (tc, test_libav_loads);
  return s;
}

GST_CHECK_MAIN (preload);
