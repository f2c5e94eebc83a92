/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's core.  The connection's reader thread announces opened and
 * closed streams through signals; they are queued in an inbox and handled
 * in the daemon's main context, which owns the pipelines.  A pipeline
 * error tears down that pipeline only; the kernel learns of it through
 * STREAM_ERROR (daedalussrc sends it when it stops while its stream is
 * open, the daemon when the pipeline never got to claim the stream). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "daedalusd-daemon.h"
#include "gstdaedalusconnection.h"

GST_DEBUG_CATEGORY (daedalusd_debug);
#define GST_CAT_DEFAULT daedalusd_debug

typedef enum
{
  INBOX_OPENED,
  INBOX_CLOSED,
  INBOX_LOST,
} InboxEventType;

typedef struct
{
  InboxEventType type;
  GstDaedalusStream *stream;
} InboxEvent;

/* Shared with the signal handlers, which may outlive the daemon by a
 * moment: refcounted, and @daemon is NULL once the daemon closed it. */
typedef struct
{
  gint refcount;
  GMainContext *context;
  GMutex lock;                  /* protects everything below */
  GQueue events;                /* InboxEvent * */
  GSource *source;              /* pending dispatch */
  Daedalusd *daemon;
} Inbox;

typedef struct
{
  Daedalusd *daemon;
  GstDaedalusStream *stream;
  guint64 id;
  const gchar *codec;
  gchar *template;
  guint width, height;          /* as the stream opened */
  GstElement *pipeline;
  gboolean watched;             /* a bus watch is installed */
} DaemonStream;

struct _Daedalusd
{
  DaedalusdConfig *config;
  gboolean verbose;
  gchar *device;
  gint fd;
  GstDaedalusConnection *conn;
  Inbox *inbox;
  gulong signal_ids[3];
  GHashTable *streams;          /* id -> DaemonStream */
  DaedalusdLostFunc lost_func;
  gpointer lost_data;
  gchar *status_path;           /* daedalusctl's status file, or NULL */
  GSource *status_timer;
};

static void write_status (Daedalusd * daemon);

static void handle_events (Daedalusd * daemon, GQueue * events);

/* once, after gst_init() */
void
daedalusd_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (daedalusd_debug, "daedalusd", 0,
        "daedalus-v4l2 daemon");
    gst_daedalus_init ();
    g_once_init_leave (&done, 1);
  }
}

/**
 * daedalusd_log:
 * @error: to stderr, else stdout
 *
 * One line for the log (the journal prefixes it).
 */
void
daedalusd_log (gboolean error, const gchar * format, ...)
{
  va_list args;
  gchar *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  if (error)
    g_printerr ("daedalusd: %s\n", line);
  else
    g_print ("daedalusd: %s\n", line);
  g_free (line);
}

/* ---- inbox ---------------------------------------------------------- */

static void
inbox_event_free (InboxEvent * ev)
{
  gst_clear_object (&ev->stream);
  g_free (ev);
}

static Inbox *
inbox_ref (Inbox * inbox)
{
  g_atomic_int_inc (&inbox->refcount);
  return inbox;
}

static void
inbox_unref (Inbox * inbox)
{
  if (!g_atomic_int_dec_and_test (&inbox->refcount))
    return;
  g_assert (inbox->source == NULL);
  g_queue_clear_full (&inbox->events, (GDestroyNotify) inbox_event_free);
  g_main_context_unref (inbox->context);
  g_mutex_clear (&inbox->lock);
  g_free (inbox);
}

static void
inbox_closure_notify (gpointer data, GClosure * closure)
{
  inbox_unref (data);
}

static gboolean
inbox_dispatch (gpointer data)
{
  Inbox *inbox = data;
  GQueue events = G_QUEUE_INIT;
  Daedalusd *daemon;

  g_mutex_lock (&inbox->lock);
  events = inbox->events;
  g_queue_init (&inbox->events);
  g_clear_pointer (&inbox->source, g_source_unref);
  daemon = inbox->daemon;
  g_mutex_unlock (&inbox->lock);

  if (daemon)
    handle_events (daemon, &events);
  g_queue_clear_full (&events, (GDestroyNotify) inbox_event_free);
  return G_SOURCE_REMOVE;
}

/* any thread */
static void
inbox_push (Inbox * inbox, InboxEventType type, GstDaedalusStream * stream)
{
  InboxEvent *ev;

  g_mutex_lock (&inbox->lock);
  if (inbox->daemon) {
    ev = g_new0 (InboxEvent, 1);
    ev->type = type;
    ev->stream = stream ? gst_object_ref (stream) : NULL;
    g_queue_push_tail (&inbox->events, ev);
    if (!inbox->source) {
      inbox->source = g_idle_source_new ();
      g_source_set_priority (inbox->source, G_PRIORITY_DEFAULT);
      g_source_set_callback (inbox->source, inbox_dispatch, inbox_ref (inbox),
          (GDestroyNotify) inbox_unref);
      g_source_attach (inbox->source, inbox->context);
    }
  }
  g_mutex_unlock (&inbox->lock);
}

/* the daemon's context only */
static void
inbox_close (Inbox * inbox)
{
  g_mutex_lock (&inbox->lock);
  inbox->daemon = NULL;
  if (inbox->source) {
    g_source_destroy (inbox->source);
    g_clear_pointer (&inbox->source, g_source_unref);
  }
  g_queue_clear_full (&inbox->events, (GDestroyNotify) inbox_event_free);
  g_mutex_unlock (&inbox->lock);
}

static void
on_stream_opened (GstDaedalusConnection * conn, GstDaedalusStream * stream,
    Inbox * inbox)
{
  inbox_push (inbox, INBOX_OPENED, stream);
}

static void
on_stream_closed (GstDaedalusConnection * conn, GstDaedalusStream * stream,
    Inbox * inbox)
{
  inbox_push (inbox, INBOX_CLOSED, stream);
}

static void
on_lost (GstDaedalusConnection * conn, Inbox * inbox)
{
  inbox_push (inbox, INBOX_LOST, NULL);
}

/* ---- pipelines ------------------------------------------------------ */

static void
daemon_stream_free (DaemonStream * ds)
{
  gst_object_unref (ds->stream);
  g_free (ds->template);
  g_free (ds);
}

static void
stop_stream (DaemonStream * ds, gboolean failed)
{
  Daedalusd *daemon = ds->daemon;

  g_hash_table_steal (daemon->streams, &ds->id);
  if (ds->pipeline) {
    GstBus *bus = gst_element_get_bus (ds->pipeline);

    if (ds->watched)
      gst_bus_remove_watch (bus);
    gst_object_unref (bus);
    gst_element_set_state (ds->pipeline, GST_STATE_NULL);
    gst_object_unref (ds->pipeline);
  }
  /* daedalussrc fails a stream it served when it stops; this covers a
   * pipeline that failed before it claimed it (sent once either way) */
  if (failed && !gst_daedalus_stream_is_closed (ds->stream))
    gst_daedalus_stream_send_error (ds->stream, -EIO);
  if (daemon->verbose) {
    GstDaedalusStreamStats st;

    gst_daedalus_stream_get_stats (ds->stream, &st);
    daedalusd_log (FALSE, _("Stream %llu (%s) ended."),
        (unsigned long long) ds->id, ds->codec);
    /* counted by the library as it happened (bench/run reads this line) */
    daedalusd_log (FALSE, "Stream %llu stats: access-units=%" G_GUINT64_FORMAT
        " bitstream-copies=%" G_GUINT64_FORMAT " frames=%" G_GUINT64_FORMAT
        " frames-copied=%" G_GUINT64_FORMAT " frames-converted=%"
        G_GUINT64_FORMAT " frames-direct=%" G_GUINT64_FORMAT
        " lend-timeouts=%" G_GUINT64_FORMAT " capture-maps=%" G_GUINT64_FORMAT,
        (unsigned long long) ds->id, st.access_units, st.bitstream_copies,
        st.frames, st.frames_copied, st.frames_converted, st.frames_direct,
        st.lend_timeouts, st.capture_maps);
  }
  daemon_stream_free (ds);
  write_status (daemon);
}

static void
stream_failed (DaemonStream * ds, const gchar * message, const gchar * debug)
{
  daedalusd_log (TRUE, _("Stream %llu (%s) failed: %s"),
      (unsigned long long) ds->id, ds->codec, message);
  if (debug && ds->daemon->verbose)
    daedalusd_log (TRUE, "  %s", debug);
  stop_stream (ds, TRUE);
}

static gboolean
bus_cb (GstBus * bus, GstMessage * msg, gpointer data)
{
  DaemonStream *ds = data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      GST_WARNING ("stream %" G_GUINT64_FORMAT ": error from %s: %s (%s)",
          ds->id, GST_MESSAGE_SRC_NAME (msg), err->message,
          GST_STR_NULL (debug));
      /* frees ds and removes this watch */
      stream_failed (ds, err->message, debug);
      g_error_free (err);
      g_free (debug);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      if (ds->daemon->verbose)
        daedalusd_log (TRUE, _("Stream %llu (%s): warning: %s"),
            (unsigned long long) ds->id, ds->codec, err->message);
      g_error_free (err);
      g_free (debug);
      break;
    default:
      /* EOS is a drain (or the stream closed: ::stream-closed follows) */
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* daedalussrc or daedalussink of a stream's pipeline: its stream, and the
 * daemon's connection */
static void
configure_daedalus_element (Daedalusd * daemon, GstElement * pipeline,
    const gchar * name, guint64 id)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_object_set (el, "stream", id, NULL);
  if (daemon->fd >= 0)
    g_object_set (el, "fd", daemon->fd, NULL);
  else
    g_object_set (el, "device", daemon->device, NULL);
  gst_object_unref (el);
}

/* ---- the headers' FORMAT ------------------------------------------- */

/* What a probe on a parser of a stream's template needs. */
typedef struct
{
  GstDaedalusStream *stream;
  GstPad *output;               /* daedalussink's: its peer, what the
                                 * template gives (when linked) */
} HeaderWatch;

static HeaderWatch *
header_watch_new (GstDaedalusStream * stream, GstPad * output)
{
  HeaderWatch *w = g_new0 (HeaderWatch, 1);

  w->stream = gst_object_ref (stream);
  w->output = output ? gst_object_ref (output) : NULL;
  return w;
}

static HeaderWatch *
header_watch_copy (const HeaderWatch * w)
{
  return header_watch_new (w->stream, w->output);
}

static void
header_watch_free (HeaderWatch * w)
{
  gst_object_unref (w->stream);
  gst_clear_object (&w->output);
  g_free (w);
}

/* A parser's caps are the stream's headers: the kernel learns the format
 * from them (and raises SOURCE_CHANGE) before the decoder has given a
 * picture, which may take many access units (frame threads, reordering).
 * The template's output caps say which of the formats of the stream's
 * sampling its decoder prefers (a hardware decoder's NV12).  Only the
 * first FORMAT of a stream comes from here
 * (gst_daedalus_stream_send_header_format()). */
static GstPadProbeReturn
on_parsed_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  HeaderWatch *w = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps, *output;
  gint ret;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  output = gst_pad_is_linked (w->output) ?
      gst_pad_peer_query_caps (w->output, NULL) : NULL;
  ret = gst_daedalus_stream_send_header_format (w->stream, caps, output);
  GST_DEBUG_OBJECT (pad, "stream %" G_GUINT64_FORMAT ": FORMAT from %"
      GST_PTR_FORMAT " (output %" GST_PTR_FORMAT "): %s",
      gst_daedalus_stream_get_id (w->stream), caps, output,
      ret == 0 ? "sent" : ret == 1 ? "not told" : ret == 2 ? "known already"
      : g_strerror (-ret));
  gst_clear_caps (&output);
  /* the caps may tell more later (no size yet); else the decoder's
   * FORMATs follow */
  return ret == 1 ? GST_PAD_PROBE_OK : GST_PAD_PROBE_REMOVE;
}

static void
watch_parser (GstElement * el, const HeaderWatch * w)
{
  GstElementFactory *factory = gst_element_get_factory (el);
  const gchar *klass;
  GstPad *pad;

  if (!factory)
    return;
  klass = gst_element_factory_get_metadata (factory,
      GST_ELEMENT_METADATA_KLASS);
  if (!klass || !strstr (klass, "Parser") || !strstr (klass, "Video"))
    return;
  pad = gst_element_get_static_pad (el, "src");
  if (!pad)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_parsed_caps, header_watch_copy (w),
      (GDestroyNotify) header_watch_free);
  gst_object_unref (pad);
}

/* ---- queues in a template ------------------------------------------- */

/* daedalussrc answers CONSUMED once an access unit has left it: a queue
 * in the template (decodebin3's multiqueue, which it leaves unbounded in
 * buffers) would take the whole stream at once, and the kernel, whose
 * client's OUTPUT buffers came back, would send access units beyond its
 * window (DAEDALUS_COOKIE_WINDOW): their frames would be refused.  In
 * flight are at most the client's OUTPUT buffers (vb2: 32), the queues'
 * buffers, and what the parser and decoder hold (a DPB of 16, frame
 * threads). */
#define MAX_QUEUED_AUS 24

/* two queues (say, one of the template's and decodebin3's) */
G_STATIC_ASSERT (32 + 2 * MAX_QUEUED_AUS + 16 + 16 < DAEDALUS_COOKIE_WINDOW);

static void
bound_queue (GstElement * el)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (el),
      "max-size-buffers");
  guint max = 0;

  if (!pspec || pspec->value_type != G_TYPE_UINT ||
      (pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE)
    return;
  g_object_get (el, "max-size-buffers", &max, NULL);
  if (max != 0 && max <= MAX_QUEUED_AUS)
    return;
  GST_INFO_OBJECT (el, "max-size-buffers %u -> %u (the kernel's cookie "
      "window)", max, MAX_QUEUED_AUS);
  g_object_set (el, "max-size-buffers", MAX_QUEUED_AUS, NULL);
}

static void
watch_element (GstElement * el, const HeaderWatch * w)
{
  watch_parser (el, w);
  bound_queue (el);
}

static void
on_deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * el,
    HeaderWatch * w)
{
  watch_element (el, w);
}

/* What @pipeline has and adds later (parsebin, decodebin): every video parser
 * tells the kernel the format of @stream from its headers; no queue holds
 * more access units than the kernel's window allows. */
static void
watch_template (GstElement * pipeline, GstDaedalusStream * stream)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline),
      DAEDALUSD_SINK_NAME);
  GstPad *output = gst_element_get_static_pad (sink, "sink");
  HeaderWatch *w = header_watch_new (stream, output);
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  gst_object_unref (output);
  gst_object_unref (sink);
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    watch_element (g_value_get_object (&item), w);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  g_signal_connect_data (pipeline, "deep-element-added",
      G_CALLBACK (on_deep_element_added), w,
      (GClosureNotify) header_watch_free, 0);
}

static void
start_stream (Daedalusd * daemon, GstDaedalusStream * stream)
{
  const struct daedalus_msg_stream_open *info;
  const DaedalusdDecoder *dec;
  DaemonStream *ds;
  GError *err = NULL;
  gchar *name;
  guint64 id = gst_daedalus_stream_get_id (stream);

  ds = g_hash_table_lookup (daemon->streams, &id);
  if (ds) {
    if (ds->stream == stream)
      return;                   /* seen in the list at connect already */
    stop_stream (ds, FALSE);
  }
  if (gst_daedalus_stream_is_closed (stream))
    return;

  info = gst_daedalus_stream_get_info (stream);
  dec = daedalusd_config_get_decoder (daemon->config, info->codec);

  ds = g_new0 (DaemonStream, 1);
  ds->daemon = daemon;
  ds->stream = gst_object_ref (stream);
  ds->id = id;
  ds->codec = dec ? dec->codec->name : "?";
  ds->template = g_strdup (dec && dec->template ? dec->template : "");
  ds->width = info->width;
  ds->height = info->height;
  g_hash_table_insert (daemon->streams, &ds->id, ds);

  ds->pipeline = daedalusd_config_make_pipeline (daemon->config, info->codec,
      &err);
  if (!ds->pipeline) {
    stream_failed (ds, err->message, NULL);
    g_error_free (err);
    return;
  }
  name = g_strdup_printf ("stream%" G_GUINT64_FORMAT, id);
  gst_object_set_name (GST_OBJECT (ds->pipeline), name);
  g_free (name);
  configure_daedalus_element (daemon, ds->pipeline, DAEDALUSD_SRC_NAME, id);
  configure_daedalus_element (daemon, ds->pipeline, DAEDALUSD_SINK_NAME, id);
  watch_template (ds->pipeline, stream);
  {
    GstBus *bus = gst_element_get_bus (ds->pipeline);

    gst_bus_add_watch (bus, bus_cb, ds);
    ds->watched = TRUE;
    gst_object_unref (bus);
  }

  if (daemon->verbose)
    daedalusd_log (FALSE, _("Stream %llu (%s, %ux%u): %s"),
        (unsigned long long) id, ds->codec, info->width, info->height,
        dec->template);
  if (gst_element_set_state (ds->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error is on the bus, unless the pipeline did not say */
    GstBus *bus = gst_element_get_bus (ds->pipeline);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    gst_object_unref (bus);
    if (msg) {
      gst_message_parse_error (msg, &err, NULL);
      gst_message_unref (msg);
    }
    stream_failed (ds, err ? err->message :
        _("The decoder pipeline could not be started."), NULL);
    g_clear_error (&err);
    return;
  }
  write_status (daemon);
}

static void
stream_closed (Daedalusd * daemon, GstDaedalusStream * stream)
{
  guint64 id = gst_daedalus_stream_get_id (stream);
  DaemonStream *ds = g_hash_table_lookup (daemon->streams, &id);

  if (ds && ds->stream == stream)
    stop_stream (ds, FALSE);
}

static void
stop_all (Daedalusd * daemon)
{
  GList *list = g_hash_table_get_values (daemon->streams), *l;

  for (l = list; l; l = l->next)
    stop_stream (l->data, FALSE);
  g_list_free (list);
}

static void
handle_events (Daedalusd * daemon, GQueue * events)
{
  GList *l;

  for (l = events->head; l; l = l->next) {
    InboxEvent *ev = l->data;

    switch (ev->type) {
      case INBOX_OPENED:
        start_stream (daemon, ev->stream);
        break;
      case INBOX_CLOSED:
        stream_closed (daemon, ev->stream);
        break;
      case INBOX_LOST:{
        gchar *msg;

        stop_all (daemon);
        msg = g_strdup_printf (_("The connection to %s was lost."),
            gst_daedalus_connection_get_name (daemon->conn));
        if (daemon->lost_func)
          daemon->lost_func (daemon, msg, daemon->lost_data);
        else
          daedalusd_log (TRUE, "%s", msg);
        g_free (msg);
        return;
      }
    }
  }
}

/* ---- status file ---------------------------------------------------- */

/* the decoders of @pipeline: its elements whose class says Decoder */
static gchar *
pipeline_decoders (GstElement * pipeline)
{
  GString *names = g_string_new (NULL);
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  if (!pipeline)
    return g_string_free (names, FALSE);
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    const gchar *klass = f ? gst_element_factory_get_metadata (f,
        GST_ELEMENT_METADATA_KLASS) : NULL;

    if (klass && strstr (klass, "Decoder"))
      g_string_append_printf (names, "%s%s", names->len ? " " : "",
          GST_OBJECT_NAME (f));
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return g_string_free (names, FALSE);
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  const DaemonStream *x = a, *y = b;

  return x->id < y->id ? -1 : x->id > y->id;
}

/* The daemon and its streams, for daedalusctl status (a key file,
 * replaced whole: a reader never sees half of it), at every stream's
 * start and end and once a second. */
static void
write_status (Daedalusd * daemon)
{
  GKeyFile *kf;
  GList *list, *l;
  gchar *s, *data;
  gsize len;
  GError *err = NULL;

  if (!daemon->status_path)
    return;
  kf = g_key_file_new ();
  g_key_file_set_int64 (kf, "daemon", "pid", getpid ());
  g_key_file_set_string (kf, "daemon", "version", VERSION);
  g_key_file_set_string (kf, "daemon", "device",
      daemon->fd >= 0 ? "fd" : daemon->device ? daemon->device : "");
  s = daedalusd_config_describe (daemon->config);
  g_key_file_set_string (kf, "daemon", "decoding", s);
  g_free (s);
  g_key_file_set_uint64 (kf, "daemon", "streams",
      g_hash_table_size (daemon->streams));

  list = g_list_sort (g_hash_table_get_values (daemon->streams), compare_ids);
  for (l = list; l; l = l->next) {
    DaemonStream *ds = l->data;
    GstDaedalusStreamStats st;
    gchar *group = g_strdup_printf ("stream %" G_GUINT64_FORMAT, ds->id);

    gst_daedalus_stream_get_stats (ds->stream, &st);
    g_key_file_set_string (kf, group, "codec", ds->codec);
    s = g_strdup_printf ("%ux%u", ds->width, ds->height);
    g_key_file_set_string (kf, group, "size", s);
    g_free (s);
    g_key_file_set_string (kf, group, "template", ds->template);
    s = pipeline_decoders (ds->pipeline);
    g_key_file_set_string (kf, group, "decoders", s);
    g_free (s);
    g_key_file_set_uint64 (kf, group, "access-units", st.access_units);
    g_key_file_set_uint64 (kf, group, "frames", st.frames);
    g_key_file_set_uint64 (kf, group, "frames-copied", st.frames_copied);
    g_key_file_set_uint64 (kf, group, "frames-converted",
        st.frames_converted);
    g_key_file_set_uint64 (kf, group, "frames-direct", st.frames_direct);
    g_free (group);
  }
  g_list_free (list);

  data = g_key_file_to_data (kf, &len, NULL);
  /* readable by all: daedalusctl runs as anyone (the unit's UMask=0077) */
  if (!g_file_set_contents_full (daemon->status_path, data, len,
          G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err)) {
    GST_WARNING ("status file: %s", err->message);
    g_error_free (err);
  }
  g_free (data);
  g_key_file_free (kf);
}

static gboolean
status_tick (gpointer data)
{
  write_status (data);
  return G_SOURCE_CONTINUE;
}

/**
 * daedalusd_set_status_file:
 * @path: where daedalusctl reads the daemon's state (the unit's
 *   /run/daedalus-v4l2/status), or NULL for none
 *
 * Written now, at every stream's start and end and once a second;
 * removed by daedalusd_free().
 */
void
daedalusd_set_status_file (Daedalusd * daemon, const gchar * path)
{
  g_free (daemon->status_path);
  daemon->status_path = g_strdup (path);
  if (path && !daemon->status_timer) {
    daemon->status_timer = g_timeout_source_new_seconds (1);
    g_source_set_callback (daemon->status_timer, status_tick, daemon, NULL);
    g_source_attach (daemon->status_timer, daemon->inbox->context);
  }
  write_status (daemon);
}

/* ---- API ------------------------------------------------------------ */

/**
 * daedalusd_new:
 * @config: (transfer full): the configuration
 *
 * The daemon lives in the thread-default main context of the caller.
 */
Daedalusd *
daedalusd_new (DaedalusdConfig * config, gboolean verbose)
{
  Daedalusd *daemon = g_new0 (Daedalusd, 1);
  Inbox *inbox = g_new0 (Inbox, 1);

  daemon->config = config;
  daemon->verbose = verbose;
  daemon->fd = -1;
  daemon->streams = g_hash_table_new (g_int64_hash, g_int64_equal);

  inbox->refcount = 1;
  inbox->context = g_main_context_ref_thread_default ();
  g_mutex_init (&inbox->lock);
  g_queue_init (&inbox->events);
  inbox->daemon = daemon;
  daemon->inbox = inbox;
  return daemon;
}

void
daedalusd_set_lost_func (Daedalusd * daemon, DaedalusdLostFunc func,
    gpointer user_data)
{
  daemon->lost_func = func;
  daemon->lost_data = user_data;
}

/**
 * daedalusd_connect:
 * @device: the chardev, when @fd is -1
 * @fd: an open connection (tests), or -1
 *
 * Opens the connection, says HELLO with the codecs that have a usable
 * template and starts serving streams.  @error is in GST_RESOURCE_ERROR
 * (see gst_daedalus_connection_acquire()).
 */
gboolean
daedalusd_connect (Daedalusd * daemon, const gchar * device, gint fd,
    GError ** error)
{
  guint32 codecs[DAEDALUS_MAX_CODECS];
  guint n_codecs;
  GList *streams, *l;

  g_return_val_if_fail (daemon->conn == NULL, FALSE);

  daemon->device = g_strdup (device ? device : GST_DAEDALUS_DEFAULT_DEVICE);
  daemon->fd = fd;
  n_codecs = daedalusd_config_usable_codecs (daemon->config, codecs,
      G_N_ELEMENTS (codecs));
  daemon->conn = gst_daedalus_connection_acquire_full (daemon->device, fd,
      codecs, n_codecs, error);
  if (!daemon->conn)
    return FALSE;

  daemon->signal_ids[0] = g_signal_connect_data (daemon->conn,
      "stream-opened", G_CALLBACK (on_stream_opened),
      inbox_ref (daemon->inbox), inbox_closure_notify, 0);
  daemon->signal_ids[1] = g_signal_connect_data (daemon->conn,
      "stream-closed", G_CALLBACK (on_stream_closed),
      inbox_ref (daemon->inbox), inbox_closure_notify, 0);
  daemon->signal_ids[2] = g_signal_connect_data (daemon->conn, "lost",
      G_CALLBACK (on_lost), inbox_ref (daemon->inbox), inbox_closure_notify, 0);

  /* streams that opened before we listened; the inbox may bring them again */
  streams = gst_daedalus_connection_list_streams (daemon->conn);
  for (l = streams; l; l = l->next)
    inbox_push (daemon->inbox, INBOX_OPENED, l->data);
  g_list_free_full (streams, gst_object_unref);
  if (gst_daedalus_connection_is_lost (daemon->conn))
    inbox_push (daemon->inbox, INBOX_LOST, NULL);
  return TRUE;
}

/**
 * daedalusd_set_config:
 * @config: (transfer full): the new configuration, for streams that open
 *   from now on
 *
 * Once connected, also tells the kernel the codecs @config makes usable
 * (HELLO again) when they changed, so that the node offers them.
 *
 * Returns: FALSE with @error when the kernel could not take the new codec
 * list (a 1.0 kernel: G_IO_ERROR_NOT_SUPPORTED); @config is in force
 * anyway.
 */
gboolean
daedalusd_set_config (Daedalusd * daemon, DaedalusdConfig * config,
    GError ** error)
{
  guint32 codecs[DAEDALUS_MAX_CODECS];
  guint n_codecs;

  daedalusd_config_free (daemon->config);
  daemon->config = config;
  if (!daemon->conn)
    return TRUE;
  n_codecs = daedalusd_config_usable_codecs (config, codecs,
      G_N_ELEMENTS (codecs));
  return gst_daedalus_connection_set_codecs (daemon->conn, codecs, n_codecs,
      error);
}

/**
 * daedalusd_get_codecs:
 * @codecs: (out caller-allocates): the codecs the kernel knows we decode
 *
 * Returns: the number of entries of @codecs, 0 before daedalusd_connect().
 */
guint
daedalusd_get_codecs (Daedalusd * daemon, guint32 codecs[DAEDALUS_MAX_CODECS])
{
  if (!daemon->conn)
    return 0;
  return gst_daedalus_connection_get_codecs (daemon->conn, codecs);
}

guint
daedalusd_get_n_pipelines (Daedalusd * daemon)
{
  return g_hash_table_size (daemon->streams);
}

/* Returns: (transfer none) (nullable): the pipeline of @stream_id */
GstElement *
daedalusd_get_pipeline (Daedalusd * daemon, guint64 stream_id)
{
  DaemonStream *ds = g_hash_table_lookup (daemon->streams, &stream_id);

  return ds ? ds->pipeline : NULL;
}

void
daedalusd_free (Daedalusd * daemon)
{
  guint i;

  if (daemon->status_timer) {
    g_source_destroy (daemon->status_timer);
    g_source_unref (daemon->status_timer);
  }
  if (daemon->status_path)
    g_unlink (daemon->status_path);
  g_free (daemon->status_path);
  daemon->status_path = NULL;
  inbox_close (daemon->inbox);
  stop_all (daemon);
  if (daemon->conn) {
    for (i = 0; i < G_N_ELEMENTS (daemon->signal_ids); i++)
      g_signal_handler_disconnect (daemon->conn, daemon->signal_ids[i]);
    gst_daedalus_connection_release (daemon->conn);
  }
  inbox_unref (daemon->inbox);
  g_hash_table_unref (daemon->streams);
  daedalusd_config_free (daemon->config);
  g_free (daemon->device);
  g_free (daemon);
}
