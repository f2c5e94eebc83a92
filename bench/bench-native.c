/* daedalus-v4l2
 * Copyright (C) 2026 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* bench-native: one native measurement of bench/run.
 *
 *   bench-native direct CODEC CLIP.hdr WxH TEMPLATE
 *   bench-native bridge CODEC CLIP.hdr WxH TEMPLATE DAEDALUSD
 *
 * CLIP.hdr holds the clip's access units (tests/e2e/make-clip.sh), read
 * into memory before anything is timed; WxH is its size, which the client
 * gives the OUTPUT queue.  Both modes decode them with the
 * same TEMPLATE (the parser and decoder daedalusd runs for CODEC):
 *
 * direct: appsrc (CODEC's caps, from the library's codec table) !
 *   TEMPLATE ! fakesink, in this process;
 * bridge: the daemon side.  DAEDALUSD --fd runs as a child on one end of a
 *   socketpair with -D CODEC=TEMPLATE; this process is the kernel and the
 *   V4L2 client on the other end (tests/check/fakekernel.c: the module's
 *   own layouts and checks, no checksums, the client taking the daemon's
 *   format as a client that takes the first format listed), with the
 *   message and buffer flow of the module: at most 16 access units in
 *   flight, as many CAPTURE buffers as FORMAT asks for plus 4, each queued
 *   again as soon as its frame is in (BENCH_CLIENT_FOURCC=NV12: a client
 *   that sets that CAPTURE format instead).
 *
 * Prints one line of key=value: frames, wall seconds (first access unit
 * queued to last frame out), CPU seconds of the decoding process (this one,
 * or the daemon, from its first access unit on), the latency of each frame
 * (its access unit queued to the frame out; in both modes an access unit
 * is queued once one of the IN_FLIGHT has room), p50 and p99 in ms, and for
 * the bridge the daemon's peak RSS and its stream counters, which
 * daedalusd logs as the library counted them. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

#include "gstdaedaluscodec.h"
#include "gstdaedalusstream.h"
#include "fakekernel.h"

#define IN_FLIGHT 16
#define EXTRA_CAPTURE 16
#define TIMEOUT_MS 120000
/* the module's 'Vhdr' record marker, as v4l2-ctl --stream-to-hdr writes */
#define HDR_ID (('V') | ('h' << 8) | ('d' << 16) | ((guint32) 'r' << 24))

static void
die (const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "bench-native: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (1);
}

static GPtrArray *
read_hdr (const gchar * path)
{
  GPtrArray *aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GError *err = NULL;
  gchar *data;
  gsize len, pos = 0;

  if (!g_file_get_contents (path, &data, &len, &err))
    die ("%s", err->message);
  while (pos + 8 <= len) {
    guint32 id = GST_READ_UINT32_BE (data + pos);
    guint32 size = GST_READ_UINT32_BE (data + pos + 4);

    if (id != HDR_ID || size > len - pos - 8)
      die ("%s: not a clip.hdr record at byte %" G_GSIZE_FORMAT, path, pos);
    g_ptr_array_add (aus, gst_buffer_new_memdup (data + pos + 8, size));
    pos += 8 + size;
  }
  g_free (data);
  if (!aus->len)
    die ("%s: no access units", path);
  return aus;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* the @p-th percentile of @lat (ms), nearest rank */
static gdouble
percentile (GArray * lat, gdouble p)
{
  guint rank;

  if (!lat->len)
    return -1;
  g_array_sort (lat, cmp_double);
  rank = (guint) (p / 100.0 * lat->len + 0.999999);
  return g_array_index (lat, gdouble, CLAMP (rank, 1, lat->len) - 1);
}

static gint64
self_cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * G_GINT64_CONSTANT (1000000) +
      ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * G_GINT64_CONSTANT (1000000) +
      ru.ru_stime.tv_usec;
}

/* CPU time of process @pid, all its threads (/proc/PID/stat, clock ticks) */
static gint64
proc_cpu_us (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/stat", pid), *data, *p;
  guint64 utime, stime;
  gint64 us = -1;

  if (g_file_get_contents (path, &data, NULL, NULL)) {
    /* fields 14 and 15, counted after the ")" that ends the name */
    p = strrchr (data, ')');
    if (p && sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
            "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &utime, &stime) == 2)
      us = (utime + stime) * G_GINT64_CONSTANT (1000000) /
          sysconf (_SC_CLK_TCK);
    g_free (data);
  }
  g_free (path);
  return us;
}

/* VmHWM of process @pid, in KiB */
static gint64
proc_hwm_kib (GPid pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/status", pid), *data, *p;
  gint64 kib = -1;

  if (g_file_get_contents (path, &data, NULL, NULL)) {
    p = strstr (data, "VmHWM:");
    if (p)
      kib = g_ascii_strtoll (p + 6, NULL, 10);
    g_free (data);
  }
  g_free (path);
  return kib;
}

/* ---- direct decode ---------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond left;                   /* an access unit left appsrc's queue */
  GHashTable *in;               /* PTS -> queued (monotonic us) */
  GArray *lat;                  /* ms */
  guint frames;
  gint64 last_out;
} Direct;

static GstPadProbeReturn
direct_left (GstPad * pad, GstPadProbeInfo * info, Direct * d)
{
  g_mutex_lock (&d->lock);
  g_cond_broadcast (&d->left);
  g_mutex_unlock (&d->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
direct_out (GstPad * pad, GstPadProbeInfo * info, Direct * d)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 now = g_get_monotonic_time ();
  gint64 *t;

  g_mutex_lock (&d->lock);
  d->frames++;
  d->last_out = now;
  /* the frame carries the timestamp of the access unit that coded it */
  t = g_hash_table_lookup (d->in, GUINT_TO_POINTER (GST_BUFFER_PTS (buf)));
  if (t) {
    gdouble ms = (now - *t) / 1000.0;

    g_array_append_val (d->lat, ms);
  }
  g_mutex_unlock (&d->lock);
  return GST_PAD_PROBE_OK;
}

static void
direct_once (const GstDaedalusCodec * codec, GPtrArray * aus,
    const gchar * template, gboolean report)
{
  Direct d = { 0, };
  GError *err = NULL;
  GstElement *pipeline, *src, *sink;
  GstPad *pad;
  GstCaps *caps;
  GstBus *bus;
  GstMessage *msg;
  gint64 t0, cpu0, now;
  gchar *desc;
  guint i;

  desc = g_strdup_printf ("appsrc name=src format=time block=true "
      "max-buffers=%u ! %s ! fakesink name=sink sync=false", IN_FLIGHT,
      template);
  pipeline = gst_parse_launch (desc, &err);
  if (!pipeline || err)
    die ("%s: %s", desc, err ? err->message : "no pipeline");
  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  caps = gst_daedalus_codec_get_caps (codec);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);

  g_mutex_init (&d.lock);
  d.in = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  d.lat = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_cond_init (&d.left);
  pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) direct_left, &d, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) direct_out, &d, NULL);
  gst_object_unref (pad);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    die ("the direct pipeline does not start");
  t0 = g_get_monotonic_time ();
  cpu0 = self_cpu_us ();
  for (i = 0; i < aus->len; i++) {
    GstBuffer *au = gst_buffer_copy (g_ptr_array_index (aus, i));

    /* a timestamp per access unit, in decode order: each frame out names
     * the access unit it came from */
    GST_BUFFER_PTS (au) = GST_BUFFER_DTS (au) = (i + 1) * GST_MSECOND;
    /* queued as the bridge's client queues it: once one of IN_FLIGHT has
     * room, timed from then (a push into a full appsrc would wait); the
     * wait costs no CPU of its own (the CPU is this process's) */
    g_mutex_lock (&d.lock);
    while (gst_app_src_get_current_level_buffers (GST_APP_SRC (src)) >=
        IN_FLIGHT)
      g_cond_wait_until (&d.left, &d.lock, g_get_monotonic_time () +
          10 * G_TIME_SPAN_MILLISECOND);
    now = g_get_monotonic_time ();
    g_hash_table_insert (d.in, GUINT_TO_POINTER (GST_BUFFER_PTS (au)),
        g_memdup2 (&now, sizeof (now)));
    g_mutex_unlock (&d.lock);
    if (gst_app_src_push_buffer (GST_APP_SRC (src), au) != GST_FLOW_OK)
      break;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, TIMEOUT_MS * GST_MSECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    die ("the direct pipeline did not end with EOS");
  gst_message_unref (msg);
  gst_object_unref (bus);

  if (report)
    printf ("mode=direct frames=%u wall_s=%.4f cpu_s=%.4f lat_p50_ms=%.3f "
        "lat_p99_ms=%.3f rss_kib=%" G_GINT64_FORMAT "\n", d.frames,
        (d.last_out - t0) / 1e6, (self_cpu_us () - cpu0) / 1e6,
        percentile (d.lat, 50), percentile (d.lat, 99),
        proc_hwm_kib (getpid ()));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_hash_table_unref (d.in);
  g_array_unref (d.lat);
  g_cond_clear (&d.left);
  g_mutex_clear (&d.lock);
}

/* a first run loads the decoder's plugin and warms up as the daemon's
 * first stream does; the second is measured */
static void
run_direct (const GstDaedalusCodec * codec, GPtrArray * aus,
    const gchar * template)
{
  direct_once (codec, aus, template, FALSE);
  direct_once (codec, aus, template, TRUE);
}

/* ---- the daemon side -------------------------------------------------- */

/* Streams @aus as stream @id (the @nth stream of @fk): at most IN_FLIGHT
 * access units in flight, then a drain.  Fills @sent with the time each
 * access unit was queued. */
static void
bridge_stream (FakeKernel * fk, guint64 id, guint nth,
    const GstDaedalusCodec * codec, GPtrArray * aus, guint width,
    guint height, GArray * sent)
{
  guint base = (nth - 1) * aus->len, i;

  fake_kernel_open_stream (fk, id, codec->fourcc, width, height);
  for (i = 0; i < aus->len; i++) {
    guint64 cookie;
    gint64 now;

    if (i >= IN_FLIGHT && !fake_kernel_wait_consumed (fk,
            base + i + 1 - IN_FLIGHT, TIMEOUT_MS))
      die ("access unit %u was not consumed", i + 1 - IN_FLIGHT);
    now = g_get_monotonic_time ();
    cookie = fake_kernel_decode (fk, id, g_ptr_array_index (aus, i), FALSE);
    if (cookie != i + 1)
      die ("cookie %" G_GUINT64_FORMAT " for access unit %u", cookie, i);
    if (sent)
      g_array_append_val (sent, now);
  }
  fake_kernel_drain (fk, id);
  if (!fake_kernel_wait_drain_done (fk, nth, TIMEOUT_MS))
    die ("the drain of stream %u did not end", nth);
  if (!fake_kernel_wait_consumed (fk, base + aus->len, TIMEOUT_MS))
    die ("not every access unit of stream %u was consumed", nth);
}

static void
run_bridge (const GstDaedalusCodec * codec, GPtrArray * aus, guint width,
    guint height, const gchar * template, const gchar * daedalusd)
{
  GSubprocessLauncher *launcher;
  GSubprocess *daemon;
  FakeKernel *fk;
  GError *err = NULL;
  GArray *sent, *lat, *frames;
  gchar *decoder, *out = NULL;
  const gchar *stats;
  const gint n_capture = GST_DAEDALUS_MIN_CAPTURE_BUFFERS + EXTRA_CAPTURE;
  gint64 cpu0, cpu1, t0, last = 0, hwm;
  guint i, n;
  GPid pid;

  /* FORMAT asks for GST_DAEDALUS_MIN_CAPTURE_BUFFERS; the client has
   * EXTRA_CAPTURE more, as FFmpeg has (20 in all): room for a decoder
   * that keeps its references in them (zero-copy) */
  fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, n_capture);
  fake_kernel_set_bench (fk, TRUE);
  /* BENCH_CLIENT_FOURCC: a client that sets that CAPTURE format instead
   * (the smoke test's conversions) */
  if (g_getenv ("BENCH_CLIENT_FOURCC") && *g_getenv ("BENCH_CLIENT_FOURCC")) {
    const gchar *f = g_getenv ("BENCH_CLIENT_FOURCC");

    if (strlen (f) != 4)
      die ("BENCH_CLIENT_FOURCC=%s is not a fourcc", f);
    fake_kernel_set_client_fourcc (fk, GST_MAKE_FOURCC (f[0], f[1], f[2],
            f[3]));
  }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_take_fd (launcher, dup (fake_kernel_get_fd (fk)), 3);
  decoder = g_strdup_printf ("%s=%s", codec->name, template);
  daemon = g_subprocess_launcher_spawn (launcher, &err, daedalusd, "--fd=3",
      "--verbose", "-D", decoder, NULL);
  g_free (decoder);
  g_object_unref (launcher);
  if (!daemon)
    die ("%s: %s", daedalusd, err->message);
  pid = atoi (g_subprocess_get_identifier (daemon));
  if (!fake_kernel_wait_hello (fk, TIMEOUT_MS))
    die ("the daemon sent no HELLO");

  /* a first stream loads the decoder's plugin into the daemon, as the
   * direct run has it loaded before it starts; the second is measured */
  bridge_stream (fk, 1, 1, codec, aus, width, height, NULL);
  sent = g_array_sized_new (FALSE, TRUE, sizeof (gint64), aus->len);
  cpu0 = proc_cpu_us (pid);
  t0 = g_get_monotonic_time ();
  bridge_stream (fk, 2, 2, codec, aus, width, height, sent);
  cpu1 = proc_cpu_us (pid);
  hwm = proc_hwm_kib (pid);

  lat = g_array_new (FALSE, FALSE, sizeof (gdouble));
  frames = fake_kernel_get_frames (fk);
  for (i = n = 0; i < frames->len; i++) {
    FakeFrame *f = &g_array_index (frames, FakeFrame, i);
    gdouble ms;

    if (f->stream_id != 2 || (f->flags & DAEDALUS_FRAME_FLAG_ERROR))
      continue;
    n++;
    last = MAX (last, f->time);
    if (f->cookie >= 1 && f->cookie <= sent->len) {
      ms = (f->time - g_array_index (sent, gint64, f->cookie - 1)) / 1000.0;
      g_array_append_val (lat, ms);
    }
  }
  if (fake_kernel_get_invalid (fk))
    die ("the fake kernel refused %u messages", fake_kernel_get_invalid (fk));
  fake_kernel_close_stream (fk, 1);
  fake_kernel_close_stream (fk, 2);

  /* the daemon logs a stream's counters when the stream ends, and stops
   * on SIGINT after its streams */
  g_usleep (G_USEC_PER_SEC / 2);
  kill (pid, SIGINT);
  if (!g_subprocess_communicate_utf8 (daemon, NULL, NULL, &out, NULL, &err))
    die ("%s", err->message);
  if (!g_subprocess_get_if_exited (daemon)
      || g_subprocess_get_exit_status (daemon) != 0)
    die ("the daemon did not stop cleanly:\n%s", out);
  stats = strstr (out, "Stream 2 stats: ");
  if (!stats)
    die ("no counters of stream 2 in the daemon's log:\n%s", out);
  stats += strlen ("Stream 2 stats: ");

  printf ("mode=bridge frames=%u wall_s=%.4f cpu_s=%.4f lat_p50_ms=%.3f "
      "lat_p99_ms=%.3f rss_kib=%" G_GINT64_FORMAT " capture-buffers=%d %.*s\n",
      n, (last - t0) / 1e6, (cpu1 - cpu0) / 1e6, percentile (lat, 50),
      percentile (lat, 99), hwm, n_capture, (gint) strcspn (stats, "\n"),
      stats);

  g_free (out);
  g_object_unref (daemon);
  g_array_unref (lat);
  g_array_unref (sent);
  fake_kernel_free (fk);
}

int
main (int argc, char **argv)
{
  const GstDaedalusCodec *codec;
  GPtrArray *aus;
  guint width, height;

  gst_init (&argc, &argv);
  if (argc < 6 || (strcmp (argv[1], "direct") && strcmp (argv[1], "bridge"))
      || (!strcmp (argv[1], "bridge") && argc < 7))
    die ("usage: bench-native direct CODEC CLIP.hdr WxH TEMPLATE\n"
        "       bench-native bridge CODEC CLIP.hdr WxH TEMPLATE DAEDALUSD");
  codec = gst_daedalus_codec_lookup (argv[2]);
  if (!codec)
    die ("unknown codec %s", argv[2]);
  if (sscanf (argv[4], "%ux%u", &width, &height) != 2)
    die ("%s: not WxH", argv[4]);
  aus = read_hdr (argv[3]);
  if (!strcmp (argv[1], "direct"))
    run_direct (codec, aus, argv[5]);
  else
    run_bridge (codec, aus, width, height, argv[5], argv[6]);
  g_ptr_array_unref (aus);
  return 0;
}
