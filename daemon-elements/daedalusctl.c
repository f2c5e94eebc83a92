/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusctl status: the kernel side (sysfs; debugfs's per-stream view
 * when run as root) and the daemon's streams (its status file, daedalusd
 * --status-file) together, one block per stream; and what is wrong, with
 * what to do about it (the README's troubleshooting says the same). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n-lib.h>

#define MODULE_DIR "/sys/module/daedalus_v4l2"
#define MISC_DIR "/sys/class/misc/daedalus-v4l2"
#define DEBUGFS_STREAMS "/sys/kernel/debug/daedalus-v4l2/streams"
#define DEFAULT_STATUS_FILE "/run/daedalus-v4l2/status"
#define CHROMIUM_NODE "/dev/video-dec0"

enum
{
  STATUS_OK = 0,
  STATUS_USAGE = 1,
  STATUS_NO_MODULE = 2,
  STATUS_NO_DAEMON = 3,
};

static gchar *
read_line (const gchar * path)
{
  gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_strstrip (text);
  return text;
}

/* the decoder node: the video4linux device named daedalus-v4l2 */
static gchar *
find_node (void)
{
  GDir *dir = g_dir_open ("/sys/class/video4linux", 0, NULL);
  const gchar *entry;
  gchar *node = NULL;

  while (dir && !node && (entry = g_dir_read_name (dir))) {
    gchar *path = g_build_filename ("/sys/class/video4linux", entry, "name",
        NULL);
    gchar *name = read_line (path);

    if (g_strcmp0 (name, "daedalus-v4l2") == 0)
      node = g_strdup_printf ("/dev/%s", entry);
    g_free (name);
    g_free (path);
  }
  if (dir)
    g_dir_close (dir);
  return node;
}

/* debugfs's line for @id ("stream=ID key=value ..."), as a table */
static GHashTable *
kernel_stream (gchar ** lines, const gchar * id)
{
  gchar *prefix = g_strdup_printf ("stream=%s ", id);
  GHashTable *kv = NULL;
  guint i, j;

  for (i = 0; lines && lines[i] && !kv; i++) {
    gchar **pairs;

    if (!g_str_has_prefix (lines[i], prefix))
      continue;
    kv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    pairs = g_strsplit (lines[i], " ", -1);
    for (j = 0; pairs[j]; j++) {
      gchar *eq = strchr (pairs[j], '=');

      if (eq)
        g_hash_table_insert (kv, g_strndup (pairs[j], eq - pairs[j]),
            g_strdup (eq + 1));
    }
    g_strfreev (pairs);
  }
  g_free (prefix);
  return kv;
}

static const gchar *
kv_get (GHashTable * kv, const gchar * key)
{
  const gchar *v = kv ? g_hash_table_lookup (kv, key) : NULL;

  return v ? v : "?";
}

static void
print_latency (GHashTable * kv)
{
  guint64 p50 = g_ascii_strtoull (kv_get (kv, "latency_p50_us"), NULL, 10);
  guint64 p99 = g_ascii_strtoull (kv_get (kv, "latency_p99_us"), NULL, 10);

  if (p50)
    g_print (_(", latency from QBUF to frame p50 ≤ %.1f ms, p99 ≤ %.1f ms"),
        p50 / 1000.0, p99 / 1000.0);
}

static gint
status (const gchar * status_path)
{
  gchar *node, *connected, *watchdog, *debugfs = NULL, **klines = NULL;
  GKeyFile *kf = g_key_file_new ();
  gboolean have_status;
  gchar **groups;
  guint i, n_kernel = 0;
  gint code = STATUS_OK;

  if (!g_file_test (MODULE_DIR, G_FILE_TEST_IS_DIR)) {
    g_print (_("Kernel module: not loaded.\n"));
    g_printerr (_("daedalusctl: the daedalus_v4l2 module is not loaded: "
            "load it with “modprobe daedalus_v4l2” (installed by DKMS or "
            "“make -C kmod install”; see the README, “Install”).\n"));
    g_key_file_free (kf);
    return STATUS_NO_MODULE;
  }
  node = find_node ();
  watchdog = read_line (MODULE_DIR "/parameters/watchdog_ms");
  connected = read_line (MISC_DIR "/connected");
  g_file_get_contents (DEBUGFS_STREAMS, &debugfs, NULL, NULL);
  if (debugfs)
    klines = g_strsplit (debugfs, "\n", -1);

  g_print (_("Kernel module: loaded, decoder node %s"), node ? node : "?");
  if (node && g_file_test (CHROMIUM_NODE, G_FILE_TEST_EXISTS))
    g_print (_(" (also %s)"), CHROMIUM_NODE);
  g_print (_(", watchdog %s ms"), watchdog ? watchdog : "?");
  if (klines && g_str_has_prefix (klines[0], "daemon "))
    g_print (", %s", klines[0] + strlen ("daemon "));
  g_print ("\n");
  if (node && !g_file_test (CHROMIUM_NODE, G_FILE_TEST_EXISTS))
    g_printerr (_("daedalusctl: there is no %s, the name Chromium opens: "
            "the udev rule (60-daedalus-v4l2.rules) is not installed, or "
            "udev did not run it (“udevadm trigger”).\n"), CHROMIUM_NODE);

  have_status = g_key_file_load_from_file (kf, status_path, 0, NULL);
  if (g_strcmp0 (connected, "1") != 0) {
    g_print (_("Daemon: not connected.\n"));
    g_printerr (_("daedalusctl: no daemon is connected, so the node decodes "
            "nothing: start it with “systemctl start daedalusd” "
            "(“journalctl -u daedalusd” says why it stopped; "
            "“daedalusd --check” checks its configuration).\n"));
    code = STATUS_NO_DAEMON;
  } else if (!have_status) {
    g_print (_("Daemon: connected (no status file %s: started without "
            "--status-file?).\n"), status_path);
  } else {
    gchar *version = g_key_file_get_string (kf, "daemon", "version", NULL);
    gchar *decoding = g_key_file_get_string (kf, "daemon", "decoding", NULL);

    g_print (_("Daemon: connected, daedalusd %s (pid %lld), decoding %s\n"),
        version ? version : "?",
        (long long) g_key_file_get_int64 (kf, "daemon", "pid", NULL),
        decoding ? decoding : "?");
    g_free (version);
    g_free (decoding);
  }

  /* the streams: the daemon's, each with the kernel's view of it */
  groups = have_status ? g_key_file_get_groups (kf, NULL) : NULL;
  for (i = 0; groups && groups[i]; i++) {
    const gchar *id;
    GHashTable *kv;
    gchar *codec, *size, *template, *decoders;

    if (!g_str_has_prefix (groups[i], "stream "))
      continue;
    id = groups[i] + strlen ("stream ");
    codec = g_key_file_get_string (kf, groups[i], "codec", NULL);
    size = g_key_file_get_string (kf, groups[i], "size", NULL);
    template = g_key_file_get_string (kf, groups[i], "template", NULL);
    decoders = g_key_file_get_string (kf, groups[i], "decoders", NULL);
    g_print (_("Stream %s: %s %s, pipeline “%s” (decoder %s)\n"), id,
        codec ? codec : "?", size ? size : "?", template ? template : "?",
        decoders && *decoders ? decoders : "?");
    g_print (_("  daemon: %llu access units, %llu frames (%llu copied, "
            "%llu converted, %llu decoded in place)\n"),
        (unsigned long long) g_key_file_get_uint64 (kf, groups[i],
            "access-units", NULL),
        (unsigned long long) g_key_file_get_uint64 (kf, groups[i], "frames",
            NULL),
        (unsigned long long) g_key_file_get_uint64 (kf, groups[i],
            "frames-copied", NULL),
        (unsigned long long) g_key_file_get_uint64 (kf, groups[i],
            "frames-converted", NULL),
        (unsigned long long) g_key_file_get_uint64 (kf, groups[i],
            "frames-direct", NULL));
    kv = kernel_stream (klines, id);
    if (kv) {
      n_kernel++;
      g_print (_("  kernel: %s, %s %s to %s %s, %s access units, %s frames, "
              "%s errors, %s watchdog fires"), kv_get (kv, "state"),
          kv_get (kv, "codec"), kv_get (kv, "coded"), kv_get (kv, "capture"),
          kv_get (kv, "size"), kv_get (kv, "access_units"),
          kv_get (kv, "frames"), kv_get (kv, "errors"),
          kv_get (kv, "watchdog_fires"));
      print_latency (kv);
      g_print ("\n");
      g_hash_table_unref (kv);
    } else if (!debugfs) {
      g_print (_("  kernel: (its view of the stream needs root: %s)\n"),
          DEBUGFS_STREAMS);
    }
    g_free (codec);
    g_free (size);
    g_free (template);
    g_free (decoders);
  }
  if (have_status && g_key_file_get_uint64 (kf, "daemon", "streams",
          NULL) == 0)
    g_print (_("Streams: none.\n"));

  g_strfreev (groups);
  g_strfreev (klines);
  g_free (debugfs);
  g_free (connected);
  g_free (watchdog);
  g_free (node);
  g_key_file_free (kf);
  return code;
}

int
main (int argc, char **argv)
{
  gchar *status_path = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    {"status-file", 's', 0, G_OPTION_ARG_FILENAME, &status_path,
          N_("The daemon's status file (daedalusd --status-file; default "
              "/run/daedalus-v4l2/status)"), N_("FILE")},
    {"version", 0, 0, G_OPTION_ARG_NONE, &version,
        N_("Print the version and exit"), NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  gint code;

  setlocale (LC_ALL, "");
#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
  ctx = g_option_context_new ("status");
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx,
      _("Shows what the daedalus-v4l2 decoder is doing: the kernel module, "
          "the daemon and each stream (its pipeline and decoder, its "
          "counters on both sides), and what is wrong with what to do "
          "about it.  The kernel's view of each stream needs root "
          "(debugfs)."));
  g_option_context_set_description (ctx,
      _("Exit status:\n"
          "  0  the module is loaded and a daemon connected\n"
          "  1  bad usage\n"
          "  2  the daedalus_v4l2 module is not loaded\n"
          "  3  no daemon is connected\n"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("daedalusctl: %s\n", err->message);
    g_error_free (err);
    g_option_context_free (ctx);
    return STATUS_USAGE;
  }
  g_option_context_free (ctx);
  if (version) {
    g_print ("daedalusctl %s\n", VERSION);
    g_free (status_path);
    return STATUS_OK;
  }
  if (argc != 2 || strcmp (argv[1], "status") != 0) {
    g_printerr (_("usage: daedalusctl [--status-file FILE] status\n"));
    g_free (status_path);
    return STATUS_USAGE;
  }
  code = status (status_path ? status_path : DEFAULT_STATUS_FILE);
  g_free (status_path);
  return code;
}
