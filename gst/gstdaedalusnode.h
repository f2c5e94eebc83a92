/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Telling daedalus-v4l2 decoder nodes apart: whatever decodes for the
 * daemon must not decode on one of them (the daemon would feed itself). */

#ifndef __GST_DAEDALUS_NODE_H__
#define __GST_DAEDALUS_NODE_H__

#include "gstdaedalus-api.h"

#include <gst/gst.h>

G_BEGIN_DECLS

GST_DAEDALUS_API
gboolean gst_daedalus_device_is_daedalus (const gchar * sysfs_root,
    const gchar * device);

GST_DAEDALUS_API
gchar *gst_daedalus_factory_get_device (GstElementFactory * factory);

GST_DAEDALUS_API
gboolean gst_daedalus_factory_loops_back (GstElementFactory * factory,
    const gchar * sysfs_root);

G_END_DECLS

#endif /* __GST_DAEDALUS_NODE_H__ */
