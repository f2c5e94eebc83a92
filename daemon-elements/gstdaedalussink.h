/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_SINK_H__
#define __GST_DAEDALUS_SINK_H__

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_DAEDALUS_SINK (gst_daedalus_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstDaedalusSink, gst_daedalus_sink, GST, DAEDALUS_SINK,
    GstBaseSink);

G_END_DECLS

#endif /* __GST_DAEDALUS_SINK_H__ */
