/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_POOL_H__
#define __GST_DAEDALUS_POOL_H__

#include "gstdaedalus-api.h"
#include "gstdaedalusstream.h"

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_DAEDALUS_CAPTURE_POOL (gst_daedalus_capture_pool_get_type ())
GST_DAEDALUS_API
G_DECLARE_FINAL_TYPE (GstDaedalusCapturePool, gst_daedalus_capture_pool, GST,
    DAEDALUS_CAPTURE_POOL, GstBufferPool);

GST_DAEDALUS_API
GstBufferPool *gst_daedalus_capture_pool_new (GstDaedalusStream * stream);

GST_DAEDALUS_API
gboolean gst_daedalus_capture_layout_info (const struct
    daedalus_msg_capture_buffer *layout, const GstVideoInfo * frame,
    GstVideoInfo * out, GError ** error);

G_END_DECLS

#endif /* __GST_DAEDALUS_POOL_H__ */
