/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_FORMAT_H__
#define __GST_DAEDALUS_FORMAT_H__

#include "gstdaedalus-api.h"

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

GST_DAEDALUS_API
GstVideoFormat gst_daedalus_raw_to_video_format (guint32 fourcc,
    guint * n_mem_planes);

GST_DAEDALUS_API
guint32 gst_daedalus_video_format_to_raw (GstVideoFormat format,
    guint n_mem_planes);

GST_DAEDALUS_API
guint gst_daedalus_video_format_bit_depth (GstVideoFormat format);

GST_DAEDALUS_API
guint32 gst_daedalus_video_format_to_stream_raw (GstVideoFormat format);

GST_DAEDALUS_API
GstVideoFormat gst_daedalus_parsed_video_format (const GstCaps * caps,
    const GstCaps * output);

GST_DAEDALUS_API
void gst_daedalus_colorimetry_to_v4l2 (const GstVideoColorimetry * cinfo,
    guint32 * colorspace, guint32 * xfer_func, guint32 * ycbcr_enc,
    guint32 * quantization);

G_END_DECLS

#endif /* __GST_DAEDALUS_FORMAT_H__ */
