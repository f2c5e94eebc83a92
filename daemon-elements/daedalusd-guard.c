/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's loop-back guard: a decoder template must never decode on a
 * daedalus-v4l2 node, which would feed the daemon its own stream.  Which
 * auto-pluggers it can steer, and the guard a stream's pipeline gets. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gi18n-lib.h>

#include "daedalusd-config.h"
#include "daedalusd-guard.h"
#include "gstdaedalusnode.h"

GST_DEBUG_CATEGORY_EXTERN (daedalusd_debug);
#define GST_CAT_DEFAULT daedalusd_debug

/* ---- the daedalus-v4l2 node must not decode for the daemon ---------- */

/* @el's "device" when it is a daedalus-v4l2 node (the element would decode
 * on it), else NULL. */
gchar *
daedalusd_element_loops_back (GstElement * el, const gchar * sysfs_root)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (el),
      "device");
  GstElementFactory *f = gst_element_get_factory (el);
  gchar *device = NULL;

  /* ours: their device is the daemon's chardev, which is not to be
   * opened to ask */
  if (f && g_str_has_prefix (GST_OBJECT_NAME (f), "daedalus"))
    return NULL;
  if (!pspec || pspec->value_type != G_TYPE_STRING ||
      !(pspec->flags & G_PARAM_READABLE))
    return NULL;
  g_object_get (el, "device", &device, NULL);
  if (gst_daedalus_device_is_daedalus (sysfs_root, device))
    return device;
  g_free (device);
  return NULL;
}

/* ---- auto-plugging -------------------------------------------------- */

/* decodebin, decodebin3, uridecodebin...: a bin that picks decoders */
static gboolean
is_autoplugger (GstElement * el)
{
  GstElementFactory *f = gst_element_get_factory (el);
  const gchar *klass;

  if (!GST_IS_BIN (el) || !f)
    return FALSE;
  klass = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_KLASS);
  return klass && strstr (klass, "Bin") && strstr (klass, "Decoder");
}

/* Whether @el has decodebin's "autoplug-select": the guard can steer it */
static gboolean
has_autoplug_select (GstElement * el)
{
  guint id = g_signal_lookup ("autoplug-select", G_OBJECT_TYPE (el));
  GSignalQuery q;

  if (!id)
    return FALSE;
  g_signal_query (id, &q);
  return q.n_params == 3 && G_TYPE_IS_ENUM (q.return_type) &&
      (q.param_types[2] & ~G_SIGNAL_TYPE_STATIC_SCOPE) ==
      GST_TYPE_ELEMENT_FACTORY;
}

/* The first auto-plugging element of @bin (recursively), with a
 * reference, and whether all of them have "autoplug-select". */
GstElement *
daedalusd_find_autoplugger (GstElement * bin, gboolean * steerable)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  *steerable = TRUE;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&item);

    if (is_autoplugger (el)) {
      if (!found || (*steerable && !has_autoplug_select (el)))
        gst_object_replace ((GstObject **) & found, GST_OBJECT (el));
      *steerable &= has_autoplug_select (el);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* ---- the loop-back guard -------------------------------------------- */

typedef struct
{
  gchar *sysfs_root;
} LoopGuard;

static void
loop_guard_clear (LoopGuard * guard)
{
  g_free (guard->sysfs_root);
}

static void
loop_guard_unref (gpointer data, GClosure * closure)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) loop_guard_clear);
}

/* decodebin's "autoplug-select": GstAutoplugSelectResult TRY (0) or SKIP
 * (2), a decoder on a daedalus node is never made. */
static gint
on_autoplug_select (GstElement * autoplugger, GstPad * pad, GstCaps * caps,
    GstElementFactory * factory, LoopGuard * guard)
{
  if (gst_daedalus_factory_loops_back (factory, guard->sysfs_root)) {
    GST_INFO_OBJECT (autoplugger, "skipping %s: it decodes on a "
        "daedalus-v4l2 node", GST_OBJECT_NAME (factory));
    return 2;
  }
  return 0;
}

/* Nothing to decode, no caps (that would set a format on the node) and no
 * EOS (a drain) reach an element on a daedalus node; what the pad must
 * see before data passes. */
static GstPadProbeReturn
drop_data (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    switch (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))) {
      case GST_EVENT_STREAM_START:
      case GST_EVENT_SEGMENT:
      case GST_EVENT_FLUSH_START:
      case GST_EVENT_FLUSH_STOP:
        return GST_PAD_PROBE_OK;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_DROP;
}

/* any thread; @bin is the guarded pipeline */
static void
guard_element (GstElement * bin, GstElement * el, LoopGuard * guard)
{
  gchar *device;

  if (has_autoplug_select (el))
    g_signal_connect_data (el, "autoplug-select",
        G_CALLBACK (on_autoplug_select), g_atomic_rc_box_acquire (guard),
        loop_guard_unref, 0);

  device = daedalusd_element_loops_back (el, guard->sysfs_root);
  if (device) {
    GstElementFactory *f = gst_element_get_factory (el);
    GstIterator *it;
    GValue item = G_VALUE_INIT;

    GST_ELEMENT_ERROR (bin, RESOURCE, BUSY,
        (_("%s would decode on %s, a daedalus-v4l2 node: the daemon "
                "would decode on itself."),
            f ? GST_OBJECT_NAME (f) : GST_ELEMENT_NAME (el), device),
        ("%s added to %s", GST_ELEMENT_NAME (el),
            GST_ELEMENT_NAME (GST_ELEMENT_PARENT (el))));
    /* nothing reaches that node until the pipeline is torn down */
    it = gst_element_iterate_sink_pads (el);
    while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
      gst_pad_add_probe (g_value_get_object (&item),
          GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM |
          GST_PAD_PROBE_TYPE_EVENT_FLUSH, drop_data, NULL, NULL);
      g_value_reset (&item);
    }
    g_value_unset (&item);
    gst_iterator_free (it);
    g_free (device);
  }
}

static void
on_deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * el,
    LoopGuard * guard)
{
  guard_element (GST_ELEMENT_CAST (bin), el, guard);
}

/**
 * daedalusd_guard_loopback:
 * @bin: a stream's pipeline (daedalusd_config_make_pipeline())
 * @sysfs_root: (nullable): where sysfs is mounted, NULL for /sys
 *
 * Keeps what @bin auto-plugs from decoding on a daedalus-v4l2 node (the
 * daemon feeding itself): decodebin's "autoplug-select" skips such
 * decoders; any other element added to @bin, at any depth, whose "device"
 * is a daedalus node fails the stream with an error from @bin (decodebin3
 * has no hook to skip it), and gets no data.
 */
void
daedalusd_guard_loopback (GstElement * bin, const gchar * sysfs_root)
{
  LoopGuard *guard = g_atomic_rc_box_new0 (LoopGuard);
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  guard->sysfs_root = g_strdup (sysfs_root);
  g_signal_connect_data (bin, "deep-element-added",
      G_CALLBACK (on_deep_element_added), guard, loop_guard_unref, 0);
  it = gst_bin_iterate_recurse (GST_BIN (bin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    guard_element (bin, g_value_get_object (&item), guard);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}
