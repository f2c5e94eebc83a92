/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Between GstDaedalusConnection and GstDaedalusStream only. */

#ifndef __GST_DAEDALUS_PRIVATE_H__
#define __GST_DAEDALUS_PRIVATE_H__

#include "gstdaedalusconnection.h"
#include "gstdaedalusstream.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_daedalus_debug);

GstDaedalusStream *_gst_daedalus_stream_new (GstDaedalusConnection * conn,
    const struct daedalus_msg_stream_open *open);

void _gst_daedalus_stream_push_event (GstDaedalusStream * stream,
    const GstDaedalusEvent * event);

void _gst_daedalus_stream_lost (GstDaedalusStream * stream);

void _gst_daedalus_stream_capture_buffer (GstDaedalusStream * stream,
    const struct daedalus_msg_capture_buffer *msg, gint * fds, guint n_fds);

void _gst_daedalus_stream_capture_reset (GstDaedalusStream * stream,
    guint32 generation);

gint _gst_daedalus_connection_expbuf (GstDaedalusConnection * conn,
    struct daedalus_expbuf *expbuf);

gboolean _gst_daedalus_connection_passes_fds (GstDaedalusConnection * conn);

G_END_DECLS

#endif /* __GST_DAEDALUS_PRIVATE_H__ */
