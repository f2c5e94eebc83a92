/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_API_H__
#define __GST_DAEDALUS_API_H__

/* What libgstdaedalus-1.0 exports, for the plugin and daedalusd only: it is
 * a private library (installed beside them in a directory of its own, no
 * headers, no pkg-config; README "The library").  Everything else in it is
 * hidden, like the rest of the project (-fvisibility=hidden). */
#define GST_DAEDALUS_API extern __attribute__ ((visibility ("default")))

#endif /* __GST_DAEDALUS_API_H__ */
