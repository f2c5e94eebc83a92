/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstdaedaluselements.h"
#include "gstdaedalusconnection.h"
#include "gstdaedalusmeta.h"

/* One-time setup shared by the elements: the library's debug category and
 * text domain, and the meta. */
void
daedalus_element_init (GstPlugin * plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    gst_daedalus_init ();
    gst_daedalus_meta_get_info ();
    g_once_init_leave (&done, 1);
  }
}

/* Posts @error (GST_RESOURCE_ERROR domain, translated message, as the
 * library makes them) as an element error. */
void
daedalus_element_post_error (GstElement * element, GError * error,
    const gchar * file, const gchar * function, gint line)
{
  gst_element_message_full (element, GST_MESSAGE_ERROR, error->domain,
      error->code, g_strdup (error->message), NULL, file, function, line);
}
