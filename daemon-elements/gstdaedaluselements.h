/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_ELEMENTS_H__
#define __GST_DAEDALUS_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL void daedalus_element_init (GstPlugin * plugin);

G_GNUC_INTERNAL void daedalus_element_post_error (GstElement * element,
    GError * error, const gchar * file, const gchar * function, gint line);

#define DAEDALUS_ELEMENT_POST_ERROR(el, err) \
  daedalus_element_post_error (GST_ELEMENT (el), (err), __FILE__, \
      GST_FUNCTION, __LINE__)

GST_ELEMENT_REGISTER_DECLARE (daedalussrc);
GST_ELEMENT_REGISTER_DECLARE (daedalussink);

G_END_DECLS

#endif /* __GST_DAEDALUS_ELEMENTS_H__ */
