/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_SRC_H__
#define __GST_DAEDALUS_SRC_H__

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_DAEDALUS_SRC (gst_daedalus_src_get_type ())
G_DECLARE_FINAL_TYPE (GstDaedalusSrc, gst_daedalus_src, GST, DAEDALUS_SRC,
    GstPushSrc);

G_END_DECLS

#endif /* __GST_DAEDALUS_SRC_H__ */
