/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* A daedalus-v4l2 node is a V4L2 decoder like any other: GStreamer's v4l2
 * plugin registers a decoder element for it (v4l2vp9dec, ...), at a rank
 * above the software decoders.  The daemon, and the elements used without
 * a codec list, must never pick such a decoder: they would decode on the
 * node they serve, i.e. feed themselves. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <misc/daedalus_v4l2.h>

#include "gstdaedalusnode.h"
#include "gstdaedalusprivate.h"

#define GST_CAT_DEFAULT gst_daedalus_debug

static gboolean
read_sysfs_name (const gchar * sysfs_root, dev_t rdev, gchar ** name)
{
  gchar *path;
  gboolean ok;

  path = g_strdup_printf ("%s/dev/char/%u:%u/name", sysfs_root,
      major (rdev), minor (rdev));
  ok = g_file_get_contents (path, name, NULL, NULL);
  g_free (path);
  if (ok)
    g_strstrip (*name);
  return ok;
}

/**
 * gst_daedalus_device_is_daedalus:
 * @sysfs_root: (nullable): where sysfs is mounted, NULL for /sys
 * @device: (nullable): a device node
 *
 * Whether @device is a daedalus-v4l2 decoder node: its sysfs name (the
 * video device's name, /sys/class/video4linux/videoN/name) is
 * "daedalus-v4l2".  Without sysfs, and only for the real one, the card
 * name from VIDIOC_QUERYCAP decides.
 */
gboolean
gst_daedalus_device_is_daedalus (const gchar * sysfs_root, const gchar * device)
{
  struct v4l2_capability cap;
  struct stat st;
  gchar *name = NULL;
  gboolean is = FALSE;
  gint fd;

  if (!device || stat (device, &st) < 0 || !S_ISCHR (st.st_mode))
    return FALSE;

  if (read_sysfs_name (sysfs_root ? sysfs_root : "/sys", st.st_rdev, &name)) {
    is = g_strcmp0 (name, DAEDALUS_DEVICE_NAME) == 0;
    g_free (name);
    return is;
  }
  if (sysfs_root)
    return FALSE;

  fd = open (device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  memset (&cap, 0, sizeof (cap));
  if (ioctl (fd, VIDIOC_QUERYCAP, &cap) == 0)
    is = strncmp ((const gchar *) cap.card, DAEDALUS_DEVICE_NAME,
        sizeof (cap.card)) == 0;
  close (fd);
  return is;
}

/* The plugin whose decoders drive stateful V4L2 decoder nodes: GStreamer's
 * v4l2 plugin registers one decoder element per such node (v4l2vp9dec,
 * v4l2video12vp9dec, ...).  v4l2codecs drives stateless nodes only, which
 * a daedalus node is not. */
#define V4L2_PLUGIN_NAME "video4linux2"

/* Whether looking at the class of @factory's elements is free, or needed:
 * elements registered by the application itself or by a plugin that is
 * loaded already cost nothing; of the others only the v4l2 plugin's may
 * decode on a V4L2 node.  The registry says which plugin a factory comes
 * from without loading it: a decoder of another plugin is never loaded
 * (and its libraries never run) just to be told apart. */
static gboolean
may_look_at (GstElementFactory * factory)
{
  GstPlugin *plugin = gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE
      (factory));
  gboolean look;

  if (!plugin)
    return TRUE;
  look = gst_plugin_is_loaded (plugin) ||
      g_strcmp0 (gst_plugin_get_name (plugin), V4L2_PLUGIN_NAME) == 0;
  gst_object_unref (plugin);
  return look;
}

/**
 * gst_daedalus_factory_get_device:
 * @factory: an element factory
 *
 * The device node the elements of @factory use: the default of their
 * string property "device", if it names one.  v4l2 decoders registered
 * per device set it per instance (the class default is NULL): then an
 * element is made to ask, which in NULL state opens nothing.  Only
 * factories that may decode on a V4L2 node are asked (see may_look_at()):
 * for the others, whose plugin is not loaded, this is NULL.
 *
 * Returns: (transfer full) (nullable): the device, or NULL
 */
gchar *
gst_daedalus_factory_get_device (GstElementFactory * factory)
{
  GType type;
  GObjectClass *klass;
  GParamSpec *pspec;
  gchar *device = NULL;
  GstPluginFeature *loaded;

  if (!may_look_at (factory))
    return NULL;
  /* only elements with a device property may load back into us: look at
   * the class, do not open anything */
  loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
  if (!loaded)
    return NULL;
  type = gst_element_factory_get_element_type (GST_ELEMENT_FACTORY (loaded));
  gst_object_unref (loaded);
  if (!type)
    return NULL;
  klass = g_type_class_ref (type);
  pspec = g_object_class_find_property (klass, "device");
  if (pspec && pspec->value_type == G_TYPE_STRING) {
    const GValue *def = g_param_spec_get_default_value (pspec);
    const gchar *s = g_value_get_string (def);

    if (s && g_str_has_prefix (s, "/dev/")) {
      device = g_strdup (s);
    } else if (pspec->flags & G_PARAM_READABLE) {
      GstElement *el = gst_element_factory_create (factory, NULL);

      if (el) {
        g_object_get (el, "device", &device, NULL);
        gst_object_unref (gst_object_ref_sink (el));
        if (device && !g_str_has_prefix (device, "/dev/"))
          g_clear_pointer (&device, g_free);
      }
    }
  }
  g_type_class_unref (klass);
  return device;
}

/**
 * gst_daedalus_factory_loops_back:
 * @factory: an element factory
 * @sysfs_root: (nullable): where sysfs is mounted, NULL for /sys
 *
 * Returns: TRUE for a factory whose elements decode on a daedalus-v4l2
 * node.
 */
gboolean
gst_daedalus_factory_loops_back (GstElementFactory * factory,
    const gchar * sysfs_root)
{
  gchar *device;
  gboolean loops = FALSE;

  gst_daedalus_init ();
  device = gst_daedalus_factory_get_device (factory);
  if (device) {
    loops = gst_daedalus_device_is_daedalus (sysfs_root, device);
    if (loops)
      GST_INFO ("not using %s: %s is a daedalus-v4l2 node",
          GST_OBJECT_NAME (factory), device);
    g_free (device);
  }
  return loops;
}
