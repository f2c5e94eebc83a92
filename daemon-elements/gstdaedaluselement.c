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

#define DEFAULT_DEVICE GST_DAEDALUS_DEFAULT_DEVICE
#define DEFAULT_STREAM 0
#define DEFAULT_FD -1

enum
{
  PROP_0,
  PROP_DEVICE,
  PROP_STREAM,
  PROP_FD,
};

void
gst_daedalus_element_props_init (GstDaedalusElementProps * props)
{
  props->device = g_strdup (DEFAULT_DEVICE);
  props->stream_id = DEFAULT_STREAM;
  props->fd = DEFAULT_FD;
}

void
gst_daedalus_element_props_clear (GstDaedalusElementProps * props)
{
  g_clear_pointer (&props->device, g_free);
}

/* Installs `device`, `stream` (described by @stream_blurb, which says what
 * the element does with it) and `fd`. */
void
gst_daedalus_element_install_properties (GObjectClass * gobject_class,
    const gchar * stream_blurb)
{
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device",
          "The daedalus-v4l2 control device (the connection is shared with "
          "the other daedalus elements of the process)", DEFAULT_DEVICE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STREAM,
      g_param_spec_uint64 ("stream", "Stream", stream_blurb, 0, G_MAXUINT64,
          DEFAULT_STREAM,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FD,
      g_param_spec_int ("fd", "File descriptor",
          "An open connection to use instead of the device: the chardev, or "
          "a Unix socket to any peer that speaks the daedalus protocol "
          "(docs/protocol.md, \"Over a Unix socket\"); duplicated, not taken "
          "over.  -1 opens the device", -1,
          G_MAXINT, DEFAULT_FD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

void
gst_daedalus_element_set_property (GObject * object,
    GstDaedalusElementProps * props, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_DEVICE:
      g_free (props->device);
      props->device = g_value_dup_string (value);
      break;
    case PROP_STREAM:
      props->stream_id = g_value_get_uint64 (value);
      break;
    case PROP_FD:
      props->fd = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

void
gst_daedalus_element_get_property (GObject * object,
    GstDaedalusElementProps * props, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_DEVICE:
      g_value_set_string (value, props->device);
      break;
    case PROP_STREAM:
      g_value_set_uint64 (value, props->stream_id);
      break;
    case PROP_FD:
      g_value_set_int (value, props->fd);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

guint64
gst_daedalus_element_get_stream_id (GstElement * element,
    GstDaedalusElementProps * props)
{
  guint64 stream_id;

  GST_OBJECT_LOCK (element);
  stream_id = props->stream_id;
  GST_OBJECT_UNLOCK (element);
  return stream_id;
}

/* For start(), through DAEDALUS_ELEMENT_ACQUIRE(): the connection the
 * properties name (shared with the other elements of the process), or NULL
 * after posting an element error from @file, @function, @line. */
GstDaedalusConnection *
daedalus_element_acquire (GstElement * element,
    GstDaedalusElementProps * props, const gchar * file,
    const gchar * function, gint line)
{
  GstDaedalusConnection *conn;
  GError *err = NULL;
  gchar *device;
  gint fd;

  GST_OBJECT_LOCK (element);
  device = g_strdup (props->device);
  fd = props->fd;
  GST_OBJECT_UNLOCK (element);

  conn = gst_daedalus_connection_acquire (device, fd, &err);
  g_free (device);
  if (!conn) {
    daedalus_element_post_error (element, err, file, function, line);
    g_error_free (err);
  }
  return conn;
}

/* For stop(): gives back what DAEDALUS_ELEMENT_ACQUIRE() returned, if
 * anything, and clears @conn. */
void
gst_daedalus_element_release (GstDaedalusConnection ** conn)
{
  if (*conn) {
    gst_daedalus_connection_release (*conn);
    *conn = NULL;
  }
}
