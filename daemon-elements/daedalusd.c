/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd: the userspace half of the daedalus-v4l2 decoder.  Opens
 * /dev/daedalus-v4l2, says HELLO with the codecs its configuration can
 * decode, and runs "daedalussrc stream=N ! <template> ! daedalussink
 * stream=N" for every stream a V4L2 client opens.  SIGHUP reloads the
 * configuration for new streams; SIGINT and SIGTERM stop it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <locale.h>
#include <signal.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <gst/gst.h>

#include "daedalusd-config.h"
#include "daedalusd-daemon.h"
#include "gstdaedalusconnection.h"

#ifndef DAEDALUSD_CONFIG_FILE
#define DAEDALUSD_CONFIG_FILE "/etc/daedalus/daedalusd.conf"
#endif

enum
{
  EXIT_OK = 0,
  EXIT_CONFIG = 1,
  EXIT_NO_DEVICE = 2,
  EXIT_BUSY = 3,
  EXIT_VERSION = 4,
  EXIT_CONNECTION = 5,
  EXIT_PERMISSION = 6,
};

typedef struct
{
  /* options */
  gchar *config_path;
  gchar *device;
  gchar **decoders;
  gboolean list;
  gboolean check;
  gchar *status_file;
  gboolean verbose;
  gboolean version;
  gint fd;

  GMainLoop *loop;
  Daedalusd *daemon;
  gint exit_code;

  /* the registry update and configuration load off the main loop (they
   * may take seconds; streams start on the main loop meanwhile) */
  GThread *reloader;            /* running, or NULL */
  gboolean reload_again;        /* SIGHUP while it ran */
  gboolean reload_by_signal;    /* SIGHUP asked for the running one */
  DaedalusdConfig *reloaded;    /* its result, or NULL with reload_error */
  GError *reload_error;
  gchar *desc;                  /* the usable codecs, as last logged */
} App;

static gint
exit_code_for (const GError * error)
{
  if (error->domain == GST_RESOURCE_ERROR) {
    switch (error->code) {
      case GST_RESOURCE_ERROR_NOT_FOUND:
        return EXIT_NO_DEVICE;
      case GST_RESOURCE_ERROR_BUSY:
        return EXIT_BUSY;
      case GST_RESOURCE_ERROR_SETTINGS:
        return EXIT_VERSION;
      case GST_RESOURCE_ERROR_NOT_AUTHORIZED:
        return EXIT_PERMISSION;
      default:
        return EXIT_CONNECTION;
    }
  }
  return EXIT_CONFIG;
}

static DaedalusdConfig *
load_config (App * app, GError ** error)
{
  return daedalusd_config_load (app->config_path ? app->config_path :
      DAEDALUSD_CONFIG_FILE, app->config_path != NULL,
      (const gchar * const *) app->decoders, error);
}

static const gchar *
source_name (DaedalusdSource source)
{
  switch (source) {
    case DAEDALUSD_SOURCE_CLI:
      return _("command line");
    case DAEDALUSD_SOURCE_FILE:
      return _("configuration file");
    case DAEDALUSD_SOURCE_DEFAULT:
    default:
      return _("built-in default");
  }
}

static void
print_list (DaedalusdConfig * config)
{
  guint i;

  if (config->path)
    g_print (_("Configuration file: %s"), config->path);
  else
    g_print (_("Configuration file: none"));
  g_print ("\n");
  for (i = 0; i < config->n_decoders; i++) {
    const DaedalusdDecoder *dec = &config->decoders[i];

    g_print ("%-6s %s\n", dec->codec->name,
        dec->template ? dec->template : "-");
    if (dec->usable && dec->note)
      g_print ("       %s (%s): %s\n", _("usable"), source_name (dec->source),
          dec->note);
    else if (dec->usable)
      g_print ("       %s (%s)\n", _("usable"), source_name (dec->source));
    else
      g_print ("       %s: %s (%s)\n", _("not usable"), dec->reason,
          source_name (dec->source));
  }
}

static gboolean
on_quit (gpointer data)
{
  App *app = data;

  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

/* A kernel of protocol 1.0 hears our codecs once, in the first HELLO */
static void
warn_new_codecs (App * app, DaedalusdConfig * config)
{
  guint32 told_codecs[DAEDALUS_MAX_CODECS];
  guint i, j, n_told;

  n_told = daedalusd_get_codecs (app->daemon, told_codecs);
  for (i = 0; i < config->n_decoders; i++) {
    const DaedalusdDecoder *dec = &config->decoders[i];
    gboolean told = FALSE;

    for (j = 0; j < n_told; j++)
      told |= told_codecs[j] == dec->codec->fourcc;
    if (dec->usable && !told)
      daedalusd_log (TRUE, _("%s is usable now, but the kernel learns the "
              "codecs only when the daemon connects: restart daedalusd to "
              "offer it."), dec->codec->name);
  }
}

/* the kernel offers only the codecs it knows: say so when that leaves the
 * node without any */
static void
warn_no_codecs (App * app)
{
  guint32 told_codecs[DAEDALUS_MAX_CODECS];

  if (daedalusd_get_codecs (app->daemon, told_codecs) == 0)
    daedalusd_log (TRUE, _("The kernel module offers none of the codecs "
            "this configuration decodes: the decoder node offers no format."));
}

static void start_reload (App * app, gboolean by_signal);

/* The configuration in force from now on: the kernel hears of a changed
 * codec list at once (protocol 1.1). */
static void
apply_config (App * app, DaedalusdConfig * config, gboolean by_signal)
{
  guint32 codecs[DAEDALUS_MAX_CODECS];
  GError *err = NULL;
  gchar *desc;

  if (daedalusd_config_usable_codecs (config, codecs, G_N_ELEMENTS (codecs))
      == 0)
    daedalusd_log (TRUE, _("No decoder template is usable on this machine "
            "(see daedalusd --list)."));
  desc = daedalusd_config_describe (config);
  /* the daemon owns the configuration from here on */
  if (!daedalusd_set_config (app->daemon, config, &err)) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
      warn_new_codecs (app, config);
    else
      daedalusd_log (TRUE, "%s", err->message);
    g_error_free (err);
  }
  if (by_signal) {
    daedalusd_log (FALSE, _("Reloaded the configuration, decoding %s."),
        desc);
    warn_no_codecs (app);
  } else if (g_strcmp0 (desc, app->desc) != 0) {
    daedalusd_log (FALSE, _("The plugin registry changed, decoding %s."),
        desc);
    warn_no_codecs (app);
  }
  g_free (app->desc);
  app->desc = desc;
}

/* main loop: the reloader is done */
static gboolean
reload_done (gpointer data)
{
  App *app = data;

  g_thread_join (app->reloader);
  app->reloader = NULL;
  if (app->reloaded) {
    apply_config (app, app->reloaded, app->reload_by_signal);
    app->reloaded = NULL;
  } else {
    daedalusd_log (TRUE, _("Could not reload the configuration, keeping the "
            "old one: %s"), app->reload_error->message);
    g_clear_error (&app->reload_error);
  }
  if (app->reload_again) {
    app->reload_again = FALSE;
    start_reload (app, TRUE);
  }
  return G_SOURCE_REMOVE;
}

/* The slow part: GStreamer rescans what changed (plugins installed or
 * removed, devices of the v4l2 plugin), then the configuration is loaded
 * against that.  Under emulation a rescan takes tens of seconds: the main
 * loop keeps starting streams meanwhile. */
static gpointer
reload_thread (gpointer data)
{
  App *app = data;

  /* no stream's pipeline is made from a registry half updated */
  daedalusd_registry_lock ();
  gst_update_registry ();
  app->reloaded = load_config (app, &app->reload_error);
  daedalusd_registry_unlock ();
  g_idle_add (reload_done, app);
  return NULL;
}

static void
start_reload (App * app, gboolean by_signal)
{
  if (app->reloader) {
    app->reload_again |= by_signal;
    return;
  }
  app->reload_by_signal = by_signal;
  app->reloader = g_thread_new ("daedalusd-reload", reload_thread, app);
}

static gboolean
on_reload (gpointer data)
{
  start_reload (data, TRUE);
  return G_SOURCE_CONTINUE;
}

static void
on_lost (Daedalusd * daemon, const gchar * message, gpointer data)
{
  App *app = data;

  daedalusd_log (TRUE, "%s", message);
  app->exit_code = EXIT_CONNECTION;
  g_main_loop_quit (app->loop);
}

/* --check: what a start does up to the handshake with the kernel module
 * (a connection made and closed at once), and its exit status */
static gint
check (App * app, DaedalusdConfig * config)
{
  Daedalusd *daemon;
  GError *err = NULL;
  gchar *desc;
  gint code = EXIT_OK;

  desc = daedalusd_config_describe (config);
  daemon = daedalusd_new (config, FALSE);
  if (!daedalusd_connect (daemon, app->device, app->fd, &err)) {
    daedalusd_log (TRUE, "%s", err->message);
    code = exit_code_for (err);
    g_error_free (err);
  } else {
    daedalusd_log (FALSE, _("Check passed: %s answers, decoding %s."),
        app->fd >= 0 ? "fd" : app->device ? app->device :
        GST_DAEDALUS_DEFAULT_DEVICE, desc);
  }
  daedalusd_free (daemon);
  g_free (desc);
  return code;
}

static gboolean
parse_options (App * app, gint * argc, gchar *** argv, GError ** error)
{
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &app->config_path,
        N_("Configuration file"), N_("FILE")},
    {"device", 'd', 0, G_OPTION_ARG_FILENAME, &app->device,
        N_("Control device"), N_("DEVICE")},
    {"decoder", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &app->decoders,
          N_("Decoder template for a codec, overriding the configuration "
              "file, e.g. vp9='vp9parse ! vp9dec' (repeatable)"),
        N_("CODEC=TEMPLATE")},
    {"list", 'l', 0, G_OPTION_ARG_NONE, &app->list,
        N_("List the template in force per codec and whether it is usable, "
              "then exit"), NULL},
    {"check", 0, 0, G_OPTION_ARG_NONE, &app->check,
          N_("Check the configuration and the environment (a usable "
              "decoder, the control device, its permissions, the kernel "
              "module's protocol version: a connection made and closed), "
              "say what is wrong, then exit; for ExecStartPre"), NULL},
    {"status-file", 0, 0, G_OPTION_ARG_FILENAME, &app->status_file,
          N_("Keep the daemon's state and its streams' in FILE (a key file "
              "that daedalusctl status reads; removed at exit)"),
        N_("FILE")},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &app->verbose,
        N_("Log every stream that starts and ends"), NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &app->version,
        N_("Print the version and exit"), NULL},
    {"fd", 0, 0, G_OPTION_ARG_INT, &app->fd,
          N_("An open connection to use instead of the control device: the "
              "chardev, or a Unix socket to a peer that speaks the daedalus "
              "protocol, e.g. a kernel emulator"), N_("FD")},
    {NULL}
  };
  GOptionContext *ctx;
  gchar *description, *body, *names;
  gboolean ok;

  ctx = g_option_context_new (NULL);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx,
      _("Decodes for the daedalus-v4l2 V4L2 decoder: runs one GStreamer "
          "pipeline per stream a V4L2 client opens.  SIGHUP reloads the "
          "configuration for new streams."));
  /* the codecs: the table's (gstdaedaluscodec.c) */
  names = gst_daedalus_codec_names ();
  body = g_strdup_printf (_("Configuration file: a key file with the groups "
          "[daedalusd] (device=PATH) and [decoders] (one CODEC=TEMPLATE per "
          "codec; an empty template disables the codec).  Codecs: %s.  "
          "A template is a gst-launch-1.0 "
          "fragment with one input and one output; the command line "
          "overrides the file, the file overrides the built-in defaults "
          "(the highest-ranked installed parser and decoder).\n" "\n"
          "Exit status:\n"
          "  0  stopped by SIGINT or SIGTERM, --list printed, or --check "
          "found nothing wrong\n"
          "  1  bad usage or configuration: unknown option or codec, "
          "unreadable configuration file, bad template, no usable " "decoder\n"
          "  2  the control device does not exist: the daedalus_v4l2 "
          "module is not loaded\n" "  3  another daemon is already connected\n"
          "  4  the kernel module speaks another protocol version\n"
          "  5  the connection failed or was lost\n"
          "  6  no permission to open the control device\n"), names);
  description = g_strdup_printf (_("Default configuration file: %s\n"
          "Default control device: %s\n\n%s"), DAEDALUSD_CONFIG_FILE,
      GST_DAEDALUS_DEFAULT_DEVICE, body);
  g_free (body);
  g_free (names);
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  g_free (description);
  return ok;
}

/* what main() returns: @code, the options freed */
static gint
app_exit (App * app, gint code)
{
  g_free (app->config_path);
  g_free (app->device);
  g_free (app->status_file);
  g_strfreev (app->decoders);
  return code;
}

int
main (int argc, char **argv)
{
  /* static: a reloader still running at exit may write to it */
  static App app;
  DaedalusdConfig *config;
  guint32 codecs[DAEDALUS_MAX_CODECS];
  GError *err = NULL;
  gboolean defer_registry, ok;

  /* Only what a daemon uses: the messages' language and their character
   * set.  LC_ALL would load every category of the locale (twelve files
   * for C.UTF-8), a sixth of the start-up under a debug kernel in the
   * test VM, for numbers, dates and collation that nothing here formats
   * for a person (and LC_NUMERIC must stay "C" for GStreamer's caps). */
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif

  app.fd = -1;
  /* GStreamer's registry update at init can take tens of seconds (under
   * emulation; a plugin whose dependencies changed is loaded again in a
   * scanner): the daemon starts with the registry cache as it is, and
   * updates it in the background once connected.  Not when the user
   * chose otherwise. */
  defer_registry = !g_getenv ("GST_REGISTRY_UPDATE");
  if (defer_registry)
    g_setenv ("GST_REGISTRY_UPDATE", "no", TRUE);
  ok = parse_options (&app, &argc, &argv, &err);
  if (defer_registry)
    g_unsetenv ("GST_REGISTRY_UPDATE");
  if (!ok) {
    g_printerr ("daedalusd: %s\n", err->message);
    g_printerr (_("Run “%s --help” to see the options."), "daedalusd");
    g_printerr ("\n");
    g_error_free (err);
    return app_exit (&app, EXIT_CONFIG);
  }
  if (app.version) {
    g_print ("daedalusd %s (%s)\n", VERSION, GST_PACKAGE_NAME);
    return app_exit (&app, EXIT_OK);
  }
  daedalusd_init ();
  /* --list and --check tell what is installed now */
  if (defer_registry && (app.list || app.check))
    gst_update_registry ();

  config = load_config (&app, &err);
  if (!config) {
    daedalusd_log (TRUE, "%s", err->message);
    g_error_free (err);
    return app_exit (&app, EXIT_CONFIG);
  }
  if (app.list) {
    print_list (config);
    daedalusd_config_free (config);
    return app_exit (&app, EXIT_OK);
  }
  if (!app.device && config->device)
    app.device = g_strdup (config->device);

  if (daedalusd_config_usable_codecs (config, codecs,
          G_N_ELEMENTS (codecs)) == 0) {
    daedalusd_log (TRUE, _("No decoder template is usable on this machine "
            "(see daedalusd --list)."));
    daedalusd_config_free (config);
    return app_exit (&app, EXIT_CONFIG);
  }

  if (app.check)
    return app_exit (&app, check (&app, config));

  app.loop = g_main_loop_new (NULL, FALSE);
  app.desc = daedalusd_config_describe (config);
  app.daemon = daedalusd_new (config, app.verbose);
  daedalusd_set_lost_func (app.daemon, on_lost, &app);
  /* before connecting: the kernel (and whoever waits for the daemon to
   * connect) may signal at once, and SIGHUP's default action kills */
  g_unix_signal_add (SIGINT, on_quit, &app);
  g_unix_signal_add (SIGTERM, on_quit, &app);
  g_unix_signal_add (SIGHUP, on_reload, &app);
  if (!daedalusd_connect (app.daemon, app.device, app.fd, &err)) {
    daedalusd_log (TRUE, "%s", err->message);
    app.exit_code = exit_code_for (err);
    g_error_free (err);
    goto done;
  }
  daedalusd_log (FALSE, _("Connected to %s, decoding %s."),
      app.fd >= 0 ? "fd" : app.device ? app.device :
      GST_DAEDALUS_DEFAULT_DEVICE, app.desc);
  warn_no_codecs (&app);
  if (app.status_file)
    daedalusd_set_status_file (app.daemon, app.status_file);
  if (defer_registry)
    start_reload (&app, FALSE);

  g_main_loop_run (app.loop);

done:
  daedalusd_free (app.daemon);
  g_main_loop_unref (app.loop);
  g_free (app.desc);
  /* a reloader still running is left to the exit, with what it reads
   * (the options): stopping must not wait for a registry scan */
  if (app.reloader)
    return app.exit_code;
  return app_exit (&app, app.exit_code);
}
