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

#include <gst/check/gstcheck.h>

#include "daemontest.h"

/* runs the daemon's main context until @cond holds */
gboolean
daemon_test_iterate_until (DaemonTestCond cond, gpointer data)
{
  gint64 end = g_get_monotonic_time () +
      DAEMON_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (!cond (data)) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  }
  return TRUE;
}

/* A daemon with @config (transfer full) connected to @fk, HELLO done. */
Daedalusd *
daemon_test_start (FakeKernel * fk, DaedalusdConfig * config)
{
  GError *err = NULL;
  Daedalusd *daemon;

  daemon = daedalusd_new (config, TRUE);
  fail_unless (daedalusd_connect (daemon, NULL, fake_kernel_get_fd (fk),
          &err), "%s", err ? err->message : "");
  fail_unless (fake_kernel_wait_hello (fk, DAEMON_TEST_TIMEOUT_MS));
  return daemon;
}

/* whether the daemon's HELLO names @codec */
gboolean
daemon_test_hello_has (FakeKernel * fk, guint32 codec)
{
  const struct daedalus_msg_hello *hello = fake_kernel_get_hello (fk);
  guint i;

  for (i = 0; i < hello->num_codecs; i++) {
    if (hello->codecs[i] == codec)
      return TRUE;
  }
  return FALSE;
}

typedef struct
{
  FakeKernel *fk;
  Daedalusd *daemon;
  guint64 stream_id;
  guint n;
} Wait;

static gboolean
have_pipelines (gpointer data)
{
  Wait *w = data;

  return daedalusd_get_n_pipelines (w->daemon) == w->n;
}

static gboolean
have_frames (gpointer data)
{
  Wait *w = data;

  return fake_kernel_count_frames (w->fk, w->stream_id) >= w->n;
}

static gboolean
have_errors (gpointer data)
{
  Wait *w = data;

  return fake_kernel_count_errors (w->fk, w->stream_id) >= w->n;
}

void
daemon_test_wait_pipelines (FakeKernel * fk, Daedalusd * daemon, guint n)
{
  Wait w = { fk, daemon, 0, n };

  fail_unless (daemon_test_iterate_until (have_pipelines, &w),
      "%u pipelines, not %u", daedalusd_get_n_pipelines (daemon), n);
}

void
daemon_test_wait_frames (FakeKernel * fk, Daedalusd * daemon, guint64 id,
    guint n)
{
  Wait w = { fk, daemon, id, n };

  fail_unless (daemon_test_iterate_until (have_frames, &w), "stream %"
      G_GUINT64_FORMAT ": %u frames, not %u", id,
      fake_kernel_count_frames (fk, id), n);
}

void
daemon_test_wait_errors (FakeKernel * fk, Daedalusd * daemon, guint64 id,
    guint n)
{
  Wait w = { fk, daemon, id, n };

  fail_unless (daemon_test_iterate_until (have_errors, &w));
}
