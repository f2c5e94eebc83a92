/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_CONNECTION_H__
#define __GST_DAEDALUS_CONNECTION_H__

#include "gstdaedalus-api.h"

#include <gio/gio.h>
#include <gst/gst.h>

#include "gstdaedalusstream.h"

G_BEGIN_DECLS

#define GST_DAEDALUS_DEFAULT_DEVICE "/dev/" DAEDALUS_DEVICE_NAME

#define GST_TYPE_DAEDALUS_CONNECTION (gst_daedalus_connection_get_type ())
GST_DAEDALUS_API
G_DECLARE_FINAL_TYPE (GstDaedalusConnection, gst_daedalus_connection, GST,
    DAEDALUS_CONNECTION, GstObject);

GST_DAEDALUS_API
void gst_daedalus_init (void);

GST_DAEDALUS_API
GstDaedalusConnection *gst_daedalus_connection_acquire (const gchar * device,
    gint fd, GError ** error);

GST_DAEDALUS_API
GstDaedalusConnection *gst_daedalus_connection_acquire_full (const gchar *
    device, gint fd, const guint32 * codecs, guint n_codecs, GError ** error);

GST_DAEDALUS_API
void gst_daedalus_connection_release (GstDaedalusConnection * conn);

GST_DAEDALUS_API
const gchar *gst_daedalus_connection_get_name (GstDaedalusConnection * conn);

GST_DAEDALUS_API
guint gst_daedalus_connection_get_kernel_minor (GstDaedalusConnection * conn);

GST_DAEDALUS_API
gboolean gst_daedalus_connection_is_lost (GstDaedalusConnection * conn);

GST_DAEDALUS_API
GstDaedalusStream *gst_daedalus_connection_claim_stream (GstDaedalusConnection
    * conn, guint64 stream_id, const guint32 * codecs, guint n_codecs,
    GCancellable * cancellable, GError ** error);

GST_DAEDALUS_API
GstDaedalusStream *gst_daedalus_connection_lookup_stream
    (GstDaedalusConnection * conn, guint64 stream_id);

GST_DAEDALUS_API
GList *gst_daedalus_connection_list_streams (GstDaedalusConnection * conn);

GST_DAEDALUS_API
guint gst_daedalus_connection_get_codecs (GstDaedalusConnection * conn,
    guint32 codecs[DAEDALUS_MAX_CODECS]);

GST_DAEDALUS_API
gboolean gst_daedalus_connection_set_codecs (GstDaedalusConnection * conn,
    const guint32 * codecs, guint n_codecs, GError ** error);

GST_DAEDALUS_API
gboolean gst_daedalus_connection_restrict_codecs (GstDaedalusConnection *
    conn, const guint32 * codecs, guint n_codecs, GError ** error);

GST_DAEDALUS_API
gint gst_daedalus_connection_send (GstDaedalusConnection * conn,
    gconstpointer msg);

G_END_DECLS

#endif /* __GST_DAEDALUS_CONNECTION_H__ */
