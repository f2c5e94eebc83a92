/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_PROTOCOL_H__
#define __GST_DAEDALUS_PROTOCOL_H__

#include "gstdaedalus-api.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <misc/daedalus_v4l2.h>

G_BEGIN_DECLS

/**
 * GstDaedalusDirection:
 * @GST_DAEDALUS_TO_DAEMON: a message the kernel sends (read by the daemon)
 * @GST_DAEDALUS_TO_KERNEL: a message the daemon sends (checked by the
 *   kernel, and by the fake kernel of the tests)
 */
typedef enum
{
  GST_DAEDALUS_TO_DAEMON,
  GST_DAEDALUS_TO_KERNEL,
} GstDaedalusDirection;

/* Largest DECODE payload we accept when the kernel does not tell. */
#define GST_DAEDALUS_MIN_READ_SIZE 4096

GST_DAEDALUS_API
const gchar *gst_daedalus_msg_type_name (guint16 type);

GST_DAEDALUS_API
gsize gst_daedalus_msg_min_size (guint16 type);

GST_DAEDALUS_API
void gst_daedalus_msg_init (gpointer msg, gsize size, guint16 type,
    guint64 stream_id);

GST_DAEDALUS_API
gboolean gst_daedalus_msg_validate (const guint8 * data, gsize len,
    GstDaedalusDirection dir, GError ** error);

GST_DAEDALUS_API
const guint8 *gst_daedalus_msg_decode_bitstream (const struct
    daedalus_msg_decode *msg);

G_END_DECLS

#endif /* __GST_DAEDALUS_PROTOCOL_H__ */
