/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The loop-back guard (daedalusd-guard.c). */

#ifndef __DAEDALUSD_GUARD_H__
#define __DAEDALUSD_GUARD_H__

#include <gst/gst.h>

G_BEGIN_DECLS

gchar *daedalusd_element_loops_back (GstElement * el,
    const gchar * sysfs_root);

GstElement *daedalusd_find_autoplugger (GstElement * bin,
    gboolean * steerable);

void daedalusd_guard_loopback (GstElement * bin, const gchar * sysfs_root);

G_END_DECLS

#endif /* __DAEDALUSD_GUARD_H__ */
