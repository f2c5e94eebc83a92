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

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <gst/check/gstcheck.h>

#include "daemontest.h"

/* runs the daemon's main context until @cond holds */
gboolean
daemon_test_iterate_until (DaemonTestCond cond, gpointer data)
{
  gint64 end = g_get_monotonic_time () +
      DAEMON_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (!cond (data)) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  }
  return TRUE;
}

/* A daemon with @config (transfer full) connected to @fk, HELLO done. */
Daedalusd *
daemon_test_start (FakeKernel * fk, DaedalusdConfig * config)
{
  GError *err = NULL;
  Daedalusd *daemon;

  daemon = daedalusd_new (config, TRUE);
  fail_unless (daedalusd_connect (daemon, NULL, fake_kernel_get_fd (fk),
          &err), "%s", err ? err->message : "");
  fail_unless (fake_kernel_wait_hello (fk, DAEMON_TEST_TIMEOUT_MS));
  return daemon;
}

/* whether the daemon's HELLO names @codec */
gboolean
daemon_test_hello_has (FakeKernel * fk, guint32 codec)
{
  const struct daedalus_msg_hello *hello = fake_kernel_get_hello (fk);
  guint i;

  for (i = 0; i < hello->num_codecs; i++) {
    if (hello->codecs[i] == codec)
      return TRUE;
  }
  return FALSE;
}

typedef struct
{
  FakeKernel *fk;
  Daedalusd *daemon;
  guint64 stream_id;
  guint n;
} Wait;

static gboolean
have_pipelines (gpointer data)
{
  Wait *w = data;

  return daedalusd_get_n_pipelines (w->daemon) == w->n;
}

static gboolean
have_frames (gpointer data)
{
  Wait *w = data;

  return fake_kernel_count_frames (w->fk, w->stream_id) >= w->n;
}

static gboolean
have_formats (gpointer data)
{
  Wait *w = data;

  return fake_kernel_wait_formats (w->fk, w->n, 0);
}

static gboolean
have_errors (gpointer data)
{
  Wait *w = data;

  return fake_kernel_count_errors (w->fk, w->stream_id) >= w->n;
}

void
daemon_test_wait_pipelines (FakeKernel * fk, Daedalusd * daemon, guint n)
{
  Wait w = { fk, daemon, 0, n };

  fail_unless (daemon_test_iterate_until (have_pipelines, &w),
      "%u pipelines, not %u", daedalusd_get_n_pipelines (daemon), n);
}

void
daemon_test_wait_frames (FakeKernel * fk, Daedalusd * daemon, guint64 id,
    guint n)
{
  Wait w = { fk, daemon, id, n };

  fail_unless (daemon_test_iterate_until (have_frames, &w), "stream %"
      G_GUINT64_FORMAT ": %u frames, not %u", id,
      fake_kernel_count_frames (fk, id), n);
}

/* waits for @n FORMATs, of any stream */
void
daemon_test_wait_formats (FakeKernel * fk, Daedalusd * daemon, guint n)
{
  Wait w = { fk, daemon, 0, n };

  fail_unless (daemon_test_iterate_until (have_formats, &w), "%u FORMATs, "
      "not %u", fake_kernel_get_formats (fk)->len, n);
}

void
daemon_test_wait_errors (FakeKernel * fk, Daedalusd * daemon, guint64 id,
    guint n)
{
  Wait w = { fk, daemon, id, n };

  fail_unless (daemon_test_iterate_until (have_errors, &w));
}

/* The frames the fake kernel got for @stream_id, checked: as many as @ref
 * has, equal to it in display order, none with ERROR, at most one per
 * access unit and each of one of the @n_aus sent from cookie @first.
 * Returns their checksums by access unit (cookie - @first), NULL where an
 * AU gave no frame. */
GPtrArray *
daemon_test_frames_by_au (FakeKernel * fk, guint64 stream_id, guint64 first,
    guint n_aus, GPtrArray * ref)
{
  GArray *frames = fake_kernel_get_frames (fk);
  GPtrArray *by_au = g_ptr_array_new_with_free_func (g_free);
  guint i;

  fail_unless_equals_int (frames->len, ref->len);
  g_ptr_array_set_size (by_au, n_aus);
  for (i = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    guint au = f->cookie - first;

    fail_unless_equals_uint64 (f->stream_id, stream_id);
    fail_unless (f->cookie >= first && au < n_aus,
        "cookie %" G_GUINT64_FORMAT " of no AU", f->cookie);
    fail_unless (g_ptr_array_index (by_au, au) == NULL,
        "two frames for AU %u", au);
    fail_if (f->flags & DAEDALUS_FRAME_FLAG_ERROR);
    fail_unless_equals_string (f->checksum, g_ptr_array_index (ref, i));
    g_ptr_array_index (by_au, au) = g_strdup (f->checksum);
  }
  return by_au;
}

/* ---- a v4l2 decoder and a sysfs for the loop-back tests -------------- */

/* a stand-in for a v4l2 stateful decoder registered for one device node */
typedef struct
{
  GstElement parent;
  gchar *device;
} FakeV4l2Dec;
typedef GstElementClass FakeV4l2DecClass;

G_DEFINE_TYPE (FakeV4l2Dec, fake_v4l2_dec, GST_TYPE_ELEMENT);

static void
fake_v4l2_dec_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  g_value_set_string (value, ((FakeV4l2Dec *) object)->device);
}

static void
fake_v4l2_dec_finalize (GObject * object)
{
  g_free (((FakeV4l2Dec *) object)->device);
  G_OBJECT_CLASS (fake_v4l2_dec_parent_class)->finalize (object);
}

/* it decodes nothing: the first access unit fails it */
static GstFlowReturn
fake_v4l2_dec_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  gst_buffer_unref (buf);
  GST_ELEMENT_ERROR (parent, STREAM, DECODE, ("fake decoder"), (NULL));
  return GST_FLOW_ERROR;
}

/* it takes any caps and gives none */
static gboolean
fake_v4l2_dec_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return gst_pad_event_default (pad, parent, event);
  gst_event_unref (event);
  return TRUE;
}

static void
fake_v4l2_dec_init (FakeV4l2Dec * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstPad *sink = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "sink"), "sink");

  self->device = g_strdup ("/dev/null");
  gst_pad_set_chain_function (sink, fake_v4l2_dec_chain);
  gst_pad_set_event_function (sink, fake_v4l2_dec_event);
  gst_element_add_pad (GST_ELEMENT (self), sink);
  gst_element_add_pad (GST_ELEMENT (self),
      gst_pad_new_from_template (gst_element_class_get_pad_template (klass,
              "src"), "src"));
}

static void
fake_v4l2_dec_class_init (FakeV4l2DecClass * klass)
{
  static GstStaticPadTemplate sink = GST_STATIC_PAD_TEMPLATE ("sink",
      GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-vp9"));
  static GstStaticPadTemplate src = GST_STATIC_PAD_TEMPLATE ("src",
      GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
  GObjectClass *oclass = G_OBJECT_CLASS (klass);

  oclass->get_property = fake_v4l2_dec_get_property;
  oclass->finalize = fake_v4l2_dec_finalize;
  g_object_class_install_property (oclass, 1,
      g_param_spec_string ("device", "Device", "Device", "/dev/null",
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (klass, &sink);
  gst_element_class_add_static_pad_template (klass, &src);
  gst_element_class_set_static_metadata (klass, "Fake V4L2 VP9 decoder",
      "Codec/Decoder/Video/Hardware", "test", "test");
}

/* a sysfs where /dev/null is a video device called @name */
gchar *
daemon_test_fake_sysfs (const gchar * name)
{
  gchar *root = g_dir_make_tmp ("daedalusd-sysfs-XXXXXX", NULL);
  gchar *dir, *file;
  struct stat st;

  fail_unless (root != NULL);
  fail_unless (stat ("/dev/null", &st) == 0);
  dir = g_strdup_printf ("%s/dev/char/%u:%u", root, major (st.st_rdev),
      minor (st.st_rdev));
  fail_unless (g_mkdir_with_parents (dir, 0700) == 0);
  file = g_build_filename (dir, "name", NULL);
  fail_unless (g_file_set_contents (file, name, -1, NULL));
  g_free (file);
  g_free (dir);
  return root;
}

void
daemon_test_remove_fake_sysfs (gchar * root)
{
  gchar *cmd = g_strdup_printf ("rm -rf '%s'", root);

  fail_unless (system (cmd) == 0);
  g_free (cmd);
  g_free (root);
}
