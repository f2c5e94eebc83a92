/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's core in-process against the fake kernel: what the daemon
 * tests share.  The daemon runs in the default main context, which the
 * waits iterate. */

#ifndef __DAEMON_TEST_H__
#define __DAEMON_TEST_H__

#include <gst/gst.h>

#include "daedalusd-config.h"
#include "daedalusd-daemon.h"
#include "fakekernel.h"

G_BEGIN_DECLS

#define DAEMON_TEST_TIMEOUT_MS 30000

typedef gboolean (*DaemonTestCond) (gpointer data);

gboolean daemon_test_iterate_until (DaemonTestCond cond, gpointer data);

Daedalusd *daemon_test_start (FakeKernel * fk, DaedalusdConfig * config);

gboolean daemon_test_hello_has (FakeKernel * fk, guint32 codec);

void daemon_test_wait_pipelines (FakeKernel * fk, Daedalusd * daemon,
    guint n);

void daemon_test_wait_frames (FakeKernel * fk, Daedalusd * daemon,
    guint64 id, guint n);

void daemon_test_wait_formats (FakeKernel * fk, Daedalusd * daemon,
    guint n);

void daemon_test_wait_errors (FakeKernel * fk, Daedalusd * daemon,
    guint64 id, guint n);

GPtrArray *daemon_test_frames_by_au (FakeKernel * fk, guint64 stream_id,
    guint64 first, guint n_aus, GPtrArray * ref);

/* A stand-in for a v4l2 stateful decoder registered for one device node:
 * video/x-vp9 in, raw video out, "device" /dev/null; the first access unit
 * fails it.  Register it under the name the test needs. */
GType fake_v4l2_dec_get_type (void);

/* A sysfs root where /dev/null is a video device called @name; remove it
 * with daemon_test_remove_fake_sysfs(). */
gchar *daemon_test_fake_sysfs (const gchar * name);
void daemon_test_remove_fake_sysfs (gchar * root);

G_END_DECLS

#endif /* __DAEMON_TEST_H__ */
