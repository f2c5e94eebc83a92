/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's core: one connection, one pipeline per open stream
 * ("daedalussrc stream=N ! <template> ! daedalussink stream=N"), driven
 * from the thread-default GMainContext of the thread that created it. */

#ifndef __DAEDALUSD_DAEMON_H__
#define __DAEDALUSD_DAEMON_H__

#include <gst/gst.h>

#include "daedalusd-config.h"
#include <misc/daedalus_v4l2.h>

G_BEGIN_DECLS

typedef struct _Daedalusd Daedalusd;

/* the connection to the kernel is gone; @message is translated */
typedef void (*DaedalusdLostFunc) (Daedalusd * daemon, const gchar * message,
    gpointer user_data);

void daedalusd_init (void);

Daedalusd *daedalusd_new (DaedalusdConfig * config, gboolean verbose);

gboolean daedalusd_connect (Daedalusd * daemon, const gchar * device,
    gint fd, GError ** error);

void daedalusd_set_lost_func (Daedalusd * daemon, DaedalusdLostFunc func,
    gpointer user_data);

gboolean daedalusd_set_config (Daedalusd * daemon, DaedalusdConfig * config,
    GError ** error);

guint daedalusd_get_codecs (Daedalusd * daemon,
    guint32 codecs[DAEDALUS_MAX_CODECS]);

guint daedalusd_get_n_pipelines (Daedalusd * daemon);

GstElement *daedalusd_get_pipeline (Daedalusd * daemon, guint64 stream_id);

void daedalusd_set_status_file (Daedalusd * daemon, const gchar * path);

void daedalusd_free (Daedalusd * daemon);

void daedalusd_log (gboolean error, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);

G_END_DECLS

#endif /* __DAEDALUSD_DAEMON_H__ */
