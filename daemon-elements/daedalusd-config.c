/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's configuration.
 *
 * Configuration file (GKeyFile):
 *
 *   [daedalusd]
 *   device=/dev/daedalus-v4l2
 *
 *   [decoders]
 *   vp9=vp9parse ! vp9dec
 *   av1=            # empty: do not decode AV1
 *
 * A template is a gst-launch fragment with one unlinked input and one
 * output of raw video, which may appear at run time (decodebin); the
 * daemon runs "daedalussrc ! <template> ! daedalussink" per stream (one
 * gst-launch description, daedalusd-template.c), the two told its
 * stream.
 *
 * Built-in defaults pick what decodebin would: the highest-ranked parser
 * for the codec, then the highest-ranked video decoder (rank >= MARGINAL)
 * whose sink caps accept the parser's output, leaving out any decoder that
 * would decode on a daedalus-v4l2 node (the daemon feeding itself). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <glib/gi18n-lib.h>

#include "daedalusd-config.h"
#include "daedalusd-guard.h"
#include "daedalusd-template.h"
#include "gstdaedaluscodec.h"
#include "gstdaedalusnode.h"

GST_DEBUG_CATEGORY_EXTERN (daedalusd_debug);
#define GST_CAT_DEFAULT daedalusd_debug

GQuark
daedalusd_error_quark (void)
{
  return g_quark_from_static_string ("daedalusd-error-quark");
}

/* ---- built-in defaults ---------------------------------------------- */

/**
 * daedalusd_default_template:
 * @factories: (element-type GstElementFactory): the candidates
 * @filter: (nullable): excludes factories (the daedalus node itself)
 *
 * Returns: the built-in template for @codec: "<parser> ! <decoder>" or
 * "<decoder>", or NULL when no candidate decodes it.
 */
gchar *
daedalusd_default_template (const GstDaedalusCodec * codec, GList * factories,
    GstDaedalusFactoryFilter filter, gpointer user_data)
{
  GstElementFactory *parser;
  GList *decoders;
  gchar *tmpl = NULL;

  decoders = gst_daedalus_codec_select (codec, factories, filter, user_data,
      &parser);
  if (decoders) {
    const gchar *dec = GST_OBJECT_NAME (decoders->data);

    tmpl = parser ? g_strdup_printf ("%s ! %s", GST_OBJECT_NAME (parser), dec)
        : g_strdup (dec);
  }
  GST_DEBUG ("default for %s: %s", codec->name, GST_STR_NULL (tmpl));
  gst_plugin_feature_list_free (decoders);
  return tmpl;
}

/* ---- loading -------------------------------------------------------- */

static void
set_template (DaedalusdDecoder * dec, const gchar * tmpl,
    DaedalusdSource source)
{
  gchar *t = g_strstrip (g_strdup (tmpl));

  g_free (dec->template);
  dec->template = *t ? t : NULL;
  if (!*t)
    g_free (t);
  dec->source = source;
}

static DaedalusdDecoder *
decoder_for (DaedalusdConfig * config, const GstDaedalusCodec * codec)
{
  guint n;

  return &config->decoders[codec - gst_daedalus_codecs (&n)];
}

static gboolean
load_file (DaedalusdConfig * config, const gchar * path, gboolean path_given,
    GError ** error)
{
  GKeyFile *kf = g_key_file_new ();
  GError *err = NULL;
  gchar **keys = NULL;
  gboolean ok = FALSE;
  guint i;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &err)) {
    if (!path_given && g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      GST_INFO ("no configuration file %s", path);
      g_clear_error (&err);
      g_key_file_unref (kf);
      return TRUE;
    }
    goto failed;
  }
  config->path = g_strdup (path);

  if (g_key_file_has_key (kf, DAEDALUSD_CONFIG_GROUP, "device", NULL)) {
    config->device = g_key_file_get_string (kf, DAEDALUSD_CONFIG_GROUP,
        "device", &err);
    if (!config->device)
      goto failed;
    g_strstrip (config->device);
  }

  if (g_key_file_has_group (kf, DAEDALUSD_DECODERS_GROUP)) {
    keys = g_key_file_get_keys (kf, DAEDALUSD_DECODERS_GROUP, NULL, &err);
    if (!keys)
      goto failed;
  }
  for (i = 0; keys && keys[i]; i++) {
    const GstDaedalusCodec *codec = gst_daedalus_codec_lookup (keys[i]);
    gchar *value, *names;

    if (!codec) {
      names = gst_daedalus_codec_names ();
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
          _("Unknown codec \"%s\" in %s (known: %s)."), keys[i], path, names);
      g_free (names);
      goto out;
    }
    value = g_key_file_get_string (kf, DAEDALUSD_DECODERS_GROUP, keys[i], &err);
    if (!value)
      goto failed;
    set_template (decoder_for (config, codec), value, DAEDALUSD_SOURCE_FILE);
    g_free (value);
  }
  ok = TRUE;
  goto out;

failed:
  g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
      _("Could not read the configuration file %s: %s"), path, err->message);
  g_clear_error (&err);
out:
  g_strfreev (keys);
  g_key_file_unref (kf);
  return ok;
}

static gboolean
apply_cli (DaedalusdConfig * config, const gchar * const *cli_decoders,
    GError ** error)
{
  guint i;

  for (i = 0; cli_decoders && cli_decoders[i]; i++) {
    const gchar *arg = cli_decoders[i];
    const gchar *eq = strchr (arg, '=');
    const GstDaedalusCodec *codec;
    gchar *name;

    if (!eq || eq == arg) {
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
          _("--decoder wants CODEC=TEMPLATE, not \"%s\"."), arg);
      return FALSE;
    }
    name = g_strstrip (g_strndup (arg, eq - arg));
    codec = gst_daedalus_codec_lookup (name);
    if (!codec) {
      gchar *names = gst_daedalus_codec_names ();

      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
          _("Unknown codec \"%s\" on the command line (known: %s)."), name,
          names);
      g_free (names);
      g_free (name);
      return FALSE;
    }
    g_free (name);
    set_template (decoder_for (config, codec), eq + 1, DAEDALUSD_SOURCE_CLI);
  }
  return TRUE;
}

/**
 * daedalusd_config_load:
 * @path: the configuration file
 * @path_given: whether the user named it: then it must exist
 * @cli_decoders: (nullable): "codec=template" overrides
 *
 * Defaults, then @path, then @cli_decoders.  Every template the file or
 * the command line gives is checked by building it, which loads its
 * plugins; the built-in defaults come from the registry and load none.
 * Returns NULL with @error in DAEDALUSD_ERROR on a configuration error or a
 * bad template (the message names the codec and where it came from).
 */
DaedalusdConfig *
daedalusd_config_load (const gchar * path, gboolean path_given,
    const gchar * const *cli_decoders, GError ** error)
{
  return daedalusd_config_load_full (path, path_given, cli_decoders, NULL,
      error);
}

static gboolean
plugin_installed (void)
{
  static const gchar *names[] = { "daedalussrc", "daedalussink" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstPluginFeature *f = gst_registry_lookup_feature (gst_registry_get (),
        names[i]);

    if (!f)
      return FALSE;
    gst_object_unref (f);
  }
  return TRUE;
}

/**
 * daedalusd_config_load_full:
 * @sysfs_root: (nullable): where sysfs is mounted, NULL for /sys: what
 *   tells daedalus-v4l2 nodes (tests fake it)
 *
 * daedalusd_config_load() for the sysfs at @sysfs_root, which the
 * configuration's pipelines use too.
 */
DaedalusdConfig *
daedalusd_config_load_full (const gchar * path, gboolean path_given,
    const gchar * const *cli_decoders, const gchar * sysfs_root,
    GError ** error)
{
  DaedalusdConfig *config;
  const GstDaedalusCodec *codecs;
  GList *factories;
  guint i;

  /* every stream's pipeline has them at its ends */
  if (!plugin_installed ()) {
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
        _("The daedalus GStreamer plugin (daedalussrc, daedalussink) is not "
            "installed."));
    return NULL;
  }
  config = g_new0 (DaedalusdConfig, 1);
  codecs = gst_daedalus_codecs (&config->n_decoders);
  config->decoders = g_new0 (DaedalusdDecoder, config->n_decoders);
  config->sysfs_root = g_strdup (sysfs_root);

  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_ANY, GST_RANK_MARGINAL);
  for (i = 0; i < config->n_decoders; i++) {
    DaedalusdDecoder *dec = &config->decoders[i];

    dec->codec = &codecs[i];
    dec->source = DAEDALUSD_SOURCE_DEFAULT;
    dec->template = daedalusd_default_template (dec->codec, factories,
        gst_daedalus_factory_filter_loops_back, config->sysfs_root);
  }

  if (path && !load_file (config, path, path_given, error))
    goto failed;
  if (!apply_cli (config, cli_decoders, error))
    goto failed;

  for (i = 0; i < config->n_decoders; i++) {
    if (!daedalusd_template_check (&config->decoders[i], config->path, factories,
            config->sysfs_root, error))
      goto failed;
  }
  gst_plugin_feature_list_free (factories);
  return config;

failed:
  gst_plugin_feature_list_free (factories);
  daedalusd_config_free (config);
  return NULL;
}

void
daedalusd_config_free (DaedalusdConfig * config)
{
  guint i;

  if (!config)
    return;
  for (i = 0; i < config->n_decoders; i++) {
    g_free (config->decoders[i].template);
    g_free (config->decoders[i].reason);
    g_free (config->decoders[i].note);
  }
  g_free (config->decoders);
  g_free (config->sysfs_root);
  g_free (config->device);
  g_free (config->path);
  g_free (config);
}

const DaedalusdDecoder *
daedalusd_config_get_decoder (DaedalusdConfig * config, guint32 fourcc)
{
  const GstDaedalusCodec *codec = gst_daedalus_codec_from_fourcc (fourcc);

  return codec ? decoder_for (config, codec) : NULL;
}

/* The fourccs of the codecs with a usable template. */
guint
daedalusd_config_usable_codecs (DaedalusdConfig * config, guint32 * out,
    guint max_codecs)
{
  guint i, n = 0;

  for (i = 0; i < config->n_decoders && n < max_codecs; i++) {
    if (config->decoders[i].usable)
      out[n++] = config->decoders[i].codec->fourcc;
  }
  return n;
}

/* "vp9 (vp9parse ! vp9dec), h264 (...)": the usable ones */
gchar *
daedalusd_config_describe (DaedalusdConfig * config)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < config->n_decoders; i++) {
    const DaedalusdDecoder *dec = &config->decoders[i];

    if (dec->usable)
      g_string_append_printf (s, "%s%s (%s)", s->len ? ", " : "",
          dec->codec->name, dec->template);
  }
  return g_string_free (s, FALSE);
}

/* Held while GStreamer's registry is updated (the daemon does that in a
 * thread of its own) and while a stream's pipeline is made from it: an update
 * replaces the features of the plugins it scans again (the v4l2 plugin's,
 * whenever the video devices changed), and a bin made meanwhile met
 * factories that were going away ("link has no sink", seen on the 6.12
 * debug kernel).  Recursive: making a bin may make bins. */
static GRecMutex registry_lock;

void
daedalusd_registry_lock (void)
{
  g_rec_mutex_lock (&registry_lock);
}

void
daedalusd_registry_unlock (void)
{
  g_rec_mutex_unlock (&registry_lock);
}

/**
 * daedalusd_config_make_pipeline:
 *
 * Returns: (transfer full): a new pipeline "daedalussrc ! <the template of
 * @fourcc> ! daedalussink" (daedalusd_template_make_pipeline(): the two
 * named DAEDALUSD_SRC_NAME and DAEDALUSD_SINK_NAME, to be told their
 * stream), or NULL with @error.  What it auto-plugs is kept off
 * daedalus-v4l2 nodes (daedalusd_guard_loopback()).
 */
GstElement *
daedalusd_config_make_pipeline (DaedalusdConfig * config, guint32 fourcc,
    GError ** error)
{
  const DaedalusdDecoder *dec = daedalusd_config_get_decoder (config, fourcc);
  GstElement *pipeline;
  GError *err = NULL;
  gchar *why;

  if (!dec || !dec->usable) {
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_NO_DECODER,
        _("No usable decoder template for %s."), dec ? dec->codec->name : "?");
    return NULL;
  }
  daedalusd_registry_lock ();
  pipeline = daedalusd_template_make_pipeline (dec->template, dec->codec,
      &why, &err);
  daedalusd_registry_unlock ();
  if (pipeline) {
    daedalusd_guard_loopback (pipeline, config->sysfs_root);
  } else {
    /* checked at load; a plugin may have gone since */
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
        _("Bad decoder template for %s: %s"), dec->codec->name,
        why ? why : err->message);
    g_free (why);
    g_clear_error (&err);
  }
  return pipeline;
}
