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

#include "gstdaedalusconnection.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL void daedalus_element_init (GstPlugin * plugin);

G_GNUC_INTERNAL void daedalus_element_post_error (GstElement * element,
    GError * error, const gchar * file, const gchar * function, gint line);

#define DAEDALUS_ELEMENT_POST_ERROR(el, err) \
  daedalus_element_post_error (GST_ELEMENT (el), (err), __FILE__, \
      GST_FUNCTION, __LINE__)

/**
 * GstDaedalusElementProps:
 * @device: the control device (property `device`)
 * @stream_id: the stream to serve, 0 for any (property `stream`)
 * @fd: a connection to use instead of @device, -1 for none (property `fd`)
 *
 * The properties daedalussrc and daedalussink share, embedded in both
 * instances; the fields are read and written with the element's object
 * lock.
 */
typedef struct
{
  gchar *device;
  guint64 stream_id;
  gint fd;
} GstDaedalusElementProps;

G_GNUC_INTERNAL void gst_daedalus_element_props_init (GstDaedalusElementProps *
    props);

G_GNUC_INTERNAL void gst_daedalus_element_props_clear (GstDaedalusElementProps
    * props);

G_GNUC_INTERNAL void gst_daedalus_element_install_properties (GObjectClass *
    gobject_class, const gchar * stream_blurb);

G_GNUC_INTERNAL void gst_daedalus_element_set_property (GObject * object,
    GstDaedalusElementProps * props, guint prop_id, const GValue * value,
    GParamSpec * pspec);

G_GNUC_INTERNAL void gst_daedalus_element_get_property (GObject * object,
    GstDaedalusElementProps * props, guint prop_id, GValue * value,
    GParamSpec * pspec);

G_GNUC_INTERNAL guint64 gst_daedalus_element_get_stream_id (GstElement *
    element, GstDaedalusElementProps * props);

G_GNUC_INTERNAL GstDaedalusConnection *daedalus_element_acquire (GstElement *
    element, GstDaedalusElementProps * props, const gchar * file,
    const gchar * function, gint line);

/* the error names the element's start() as where it happened */
/* The error of an element whose connection to the kernel is gone (@code:
 * READ or WRITE, as the element used it) */
#define DAEDALUS_ELEMENT_LOST(el, conn, code) \
  GST_ELEMENT_ERROR (el, RESOURCE, code, \
      (_("The connection to %s was lost."), \
          gst_daedalus_connection_get_name (conn)), (NULL))

#define DAEDALUS_ELEMENT_ACQUIRE(el, props) \
  daedalus_element_acquire (GST_ELEMENT (el), (props), __FILE__, \
      GST_FUNCTION, __LINE__)

G_GNUC_INTERNAL void gst_daedalus_element_release (GstDaedalusConnection **
    conn);

GST_ELEMENT_REGISTER_DECLARE (daedalussrc);
GST_ELEMENT_REGISTER_DECLARE (daedalussink);

G_END_DECLS

#endif /* __GST_DAEDALUS_ELEMENTS_H__ */
