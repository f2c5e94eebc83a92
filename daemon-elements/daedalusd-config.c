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
 * unlinked output; the daemon runs
 * "daedalussrc stream=N ! <template> ! daedalussink stream=N" per stream.
 *
 * Built-in defaults pick what decodebin would: the highest-ranked parser
 * for the codec, then the highest-ranked video decoder (rank >= MARGINAL)
 * whose sink caps accept the parser's output, leaving out any decoder that
 * would decode on a daedalus-v4l2 node (the daemon feeding itself). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <glib/gi18n-lib.h>

#include <misc/daedalus_v4l2.h>

#include "daedalusd-config.h"
#include "gstdaedalusformat.h"

#ifndef V4L2_PIX_FMT_AV1
#define V4L2_PIX_FMT_AV1 v4l2_fourcc ('A', 'V', '0', '1')
#endif

GST_DEBUG_CATEGORY_EXTERN (daedalusd_debug);
#define GST_CAT_DEFAULT daedalusd_debug

static const DaedalusdCodec codecs[] = {
  {"vp9", NULL, V4L2_PIX_FMT_VP9},
  {"vp8", NULL, V4L2_PIX_FMT_VP8},
  {"h264", "avc", V4L2_PIX_FMT_H264},
  {"hevc", "h265", V4L2_PIX_FMT_HEVC},
  {"mpeg2", NULL, V4L2_PIX_FMT_MPEG2},
  {"mpeg4", NULL, V4L2_PIX_FMT_MPEG4},
  {"av1", NULL, V4L2_PIX_FMT_AV1},
};

GQuark
daedalusd_error_quark (void)
{
  return g_quark_from_static_string ("daedalusd-error-quark");
}

const DaedalusdCodec *
daedalusd_codecs (guint * n_codecs)
{
  *n_codecs = G_N_ELEMENTS (codecs);
  return codecs;
}

const DaedalusdCodec *
daedalusd_codec_lookup (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    if (g_ascii_strcasecmp (name, codecs[i].name) == 0 ||
        (codecs[i].alias && g_ascii_strcasecmp (name, codecs[i].alias) == 0))
      return &codecs[i];
  }
  return NULL;
}

const DaedalusdCodec *
daedalusd_codec_from_fourcc (guint32 fourcc)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    if (codecs[i].fourcc == fourcc)
      return &codecs[i];
  }
  return NULL;
}

static gchar *
codec_names (void)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", codecs[i].name);
  return g_string_free (s, FALSE);
}

/* ---- the daedalus-v4l2 node must not decode for the daemon ---------- */

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
 * daedalusd_device_is_daedalus:
 * @sysfs_root: (nullable): where sysfs is mounted, NULL for /sys
 * @device: a device node
 *
 * Whether @device is a daedalus-v4l2 decoder node: its sysfs name (the
 * video device's name, /sys/class/video4linux/videoN/name) is
 * "daedalus-v4l2".  Without sysfs, and only for the real one, the card
 * name from VIDIOC_QUERYCAP decides.
 */
gboolean
daedalusd_device_is_daedalus (const gchar * sysfs_root, const gchar * device)
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

/* The default of the element's string property "device", if it has one
 * that names a device node (v4l2 decoders registered per device). */
static gchar *
factory_default_device (GstElementFactory * factory)
{
  GType type;
  GObjectClass *klass;
  GParamSpec *pspec;
  gchar *device = NULL;
  GstPluginFeature *loaded;

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
      /* v4l2 decoders registered per device set it per instance (the
       * class default is NULL): an element in NULL state opens nothing */
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
 * daedalusd_factory_loops_back:
 * @sysfs_root: (nullable): a gchar *, where sysfs is mounted; NULL: /sys
 *
 * A #DaedalusdFactoryFilter: TRUE for an element whose device is a
 * daedalus-v4l2 node.
 */
gboolean
daedalusd_factory_loops_back (GstElementFactory * factory, gpointer sysfs_root)
{
  gchar *device = factory_default_device (factory);
  gboolean loops = FALSE;

  if (device) {
    loops = daedalusd_device_is_daedalus (sysfs_root, device);
    if (loops)
      GST_INFO ("not using %s: %s is a daedalus-v4l2 node",
          GST_OBJECT_NAME (factory), device);
    g_free (device);
  }
  return loops;
}

/* ---- built-in defaults ---------------------------------------------- */

static gboolean
rank_at_least_marginal (GstElementFactory * f)
{
  return gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (f)) >=
      GST_RANK_MARGINAL;
}

/**
 * daedalusd_select_decoders:
 * @factories: (element-type GstElementFactory): candidates
 * @caps: what the decoder gets
 * @filter: (nullable): excludes factories it returns TRUE for
 *
 * decodebin's choice: video decoders of rank >= MARGINAL that can sink
 * @caps and pass @filter, highest rank first.
 *
 * Returns: (transfer full) (element-type GstElementFactory): the list
 */
GList *
daedalusd_select_decoders (GList * factories, const GstCaps * caps,
    DaedalusdFactoryFilter filter, gpointer user_data)
{
  GList *l, *out = NULL;

  for (l = factories; l; l = l->next) {
    GstElementFactory *f = l->data;

    if (!gst_element_factory_list_is_type (f,
            GST_ELEMENT_FACTORY_TYPE_DECODER |
            GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO))
      continue;
    if (!rank_at_least_marginal (f))
      continue;
    if (!gst_element_factory_can_sink_any_caps (f, caps))
      continue;
    if (filter && filter (f, user_data))
      continue;
    out = g_list_prepend (out, gst_object_ref (f));
  }
  return g_list_sort (out, gst_plugin_feature_rank_compare_func);
}

/* The highest-ranked parser for @caps, or NULL. */
static GstElementFactory *
select_parser (GList * factories, const GstCaps * caps)
{
  GstElementFactory *best = NULL;
  GList *l;

  for (l = factories; l; l = l->next) {
    GstElementFactory *f = l->data;

    if (!gst_element_factory_list_is_type (f,
            GST_ELEMENT_FACTORY_TYPE_PARSER |
            GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO))
      continue;
    if (!rank_at_least_marginal (f) ||
        !gst_element_factory_can_sink_any_caps (f, caps) ||
        !gst_element_factory_can_src_any_caps (f, caps))
      continue;
    if (!best || gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (f)) >
        gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (best)))
      best = f;
  }
  return best;
}

/* What @parser makes of @caps: its src template caps of that media type */
static GstCaps *
parsed_caps (GstElementFactory * parser, const GstCaps * caps)
{
  GstCaps *loose = gst_caps_copy (caps), *src = gst_caps_new_empty (), *res;
  const GList *l;
  guint i;

  for (i = 0; i < gst_caps_get_size (loose); i++)
    gst_structure_remove_fields (gst_caps_get_structure (loose, i),
        "stream-format", "alignment", NULL);
  for (l = gst_element_factory_get_static_pad_templates (parser); l;
      l = l->next) {
    GstStaticPadTemplate *t = l->data;

    if (t->direction == GST_PAD_SRC)
      src = gst_caps_merge (src, gst_static_caps_get (&t->static_caps));
  }
  res = gst_caps_intersect (src, loose);
  gst_caps_unref (src);
  gst_caps_unref (loose);
  return res;
}

/**
 * daedalusd_default_template:
 * @factories: (element-type GstElementFactory): the candidates
 * @filter: (nullable): excludes factories (the daedalus node itself)
 *
 * Returns: the built-in template for @codec: "<parser> ! <decoder>" or
 * "<decoder>", or NULL when no candidate decodes it.
 */
gchar *
daedalusd_default_template (const DaedalusdCodec * codec, GList * factories,
    DaedalusdFactoryFilter filter, gpointer user_data)
{
  GstCaps *caps = gst_daedalus_codec_to_caps (codec->fourcc);
  GstElementFactory *parser;
  GList *decoders;
  gchar *tmpl = NULL;

  if (!caps)
    return NULL;
  parser = select_parser (factories, caps);
  if (parser) {
    GstCaps *parsed = parsed_caps (parser, caps);

    if (!gst_caps_is_empty (parsed)) {
      gst_caps_unref (caps);
      caps = parsed;
    } else {
      gst_caps_unref (parsed);
      parser = NULL;
    }
  }

  /* A V4L2 client's VP8/VP9 has no alpha side channel: leave out the
   * vp8/vp9alphadecodebin that accept codec-alpha=true only. */
  caps = gst_caps_make_writable (caps);
  if (codec->fourcc == V4L2_PIX_FMT_VP8 || codec->fourcc == V4L2_PIX_FMT_VP9)
    gst_caps_set_simple (caps, "codec-alpha", G_TYPE_BOOLEAN, FALSE, NULL);

  decoders = daedalusd_select_decoders (factories, caps, filter, user_data);
  if (decoders) {
    const gchar *dec = GST_OBJECT_NAME (decoders->data);

    tmpl = parser ? g_strdup_printf ("%s ! %s", GST_OBJECT_NAME (parser), dec)
        : g_strdup (dec);
  }
  GST_DEBUG ("default for %s (%" GST_PTR_FORMAT "): %s", codec->name, caps,
      GST_STR_NULL (tmpl));
  gst_plugin_feature_list_free (decoders);
  gst_caps_unref (caps);
  return tmpl;
}

/* ---- templates ------------------------------------------------------ */

static void
set_bad (const DaedalusdDecoder * dec, const gchar * path, GError ** error,
    const gchar * what)
{
  switch (dec->source) {
    case DAEDALUSD_SOURCE_CLI:
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
          _("Bad decoder template for %s on the command line: %s"),
          dec->codec->name, what);
      break;
    case DAEDALUSD_SOURCE_FILE:
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
          _("Bad decoder template for %s in %s: %s"), dec->codec->name,
          path, what);
      break;
    case DAEDALUSD_SOURCE_DEFAULT:
    default:
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
          _("Bad built-in decoder template for %s: %s"), dec->codec->name,
          what);
      break;
  }
}

/* The template as a bin with a ghost "sink" and "src" pad.  A template
 * naming elements that are not installed fails with
 * GST_PARSE_ERROR_NO_SUCH_ELEMENT and @missing set. */
static GstElement *
parse_template (const gchar * tmpl, gchar *** missing, GError ** error)
{
  GstParseContext *ctx = gst_parse_context_new ();
  GstElement *bin;

  bin = gst_parse_bin_from_description_full (tmpl, TRUE, ctx,
      GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (missing)
    *missing = gst_parse_context_get_missing_elements (ctx);
  gst_parse_context_free (ctx);
  if (bin)
    gst_object_ref_sink (bin);
  return bin;
}

/* The device of an element of @bin that decodes on a daedalus node. */
static gchar *
find_loopback (GstElement * bin)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  gchar *found = NULL;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&item);
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (el),
        "device");

    if (pspec && pspec->value_type == G_TYPE_STRING &&
        (pspec->flags & G_PARAM_READABLE)) {
      gchar *device = NULL;

      g_object_get (el, "device", &device, NULL);
      if (daedalusd_device_is_daedalus (NULL, device))
        found = g_strdup_printf ("%s (%s)", GST_OBJECT_NAME (el), device);
      g_free (device);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* Sets usable/reason; FALSE with @error for a template that is wrong. */
static gboolean
check_decoder (DaedalusdDecoder * dec, const gchar * path, GError ** error)
{
  GError *err = NULL;
  gchar **missing = NULL;
  GstElement *bin;
  GstPad *sink, *src;
  GstCaps *caps, *accepted;
  gchar *loop, *what;

  dec->usable = FALSE;
  g_clear_pointer (&dec->reason, g_free);
  if (!dec->template) {
    if (dec->source == DAEDALUSD_SOURCE_DEFAULT) {
      caps = gst_daedalus_codec_to_caps (dec->codec->fourcc);
      what = gst_caps_to_string (caps);
      dec->reason = g_strdup_printf (_("no installed decoder accepts %s"),
          what);
      g_free (what);
      gst_caps_unref (caps);
    } else {
      dec->reason = g_strdup (_("disabled in the configuration"));
    }
    return TRUE;
  }

  bin = parse_template (dec->template, &missing, &err);
  if (!bin) {
    gboolean not_installed = g_error_matches (err, GST_PARSE_ERROR,
        GST_PARSE_ERROR_NO_SUCH_ELEMENT);

    if (not_installed) {
      what = missing ? g_strjoinv (", ", missing) : g_strdup ("?");
      dec->reason = g_strdup_printf (_("elements not installed: %s"), what);
      g_free (what);
    } else {
      set_bad (dec, path, error, err->message);
    }
    g_strfreev (missing);
    g_clear_error (&err);
    return not_installed;
  }
  g_strfreev (missing);

  sink = gst_element_get_static_pad (bin, "sink");
  src = gst_element_get_static_pad (bin, "src");
  if (!sink || !src) {
    set_bad (dec, path, error, !sink ? _("it has no unlinked input") :
        _("it has no unlinked output"));
    gst_clear_object (&sink);
    gst_clear_object (&src);
    gst_object_unref (bin);
    return FALSE;
  }

  caps = gst_daedalus_codec_to_caps (dec->codec->fourcc);
  accepted = gst_pad_query_caps (sink, NULL);
  if (!gst_caps_can_intersect (caps, accepted)) {
    gchar *s = gst_caps_to_string (caps);

    what = g_strdup_printf (_("its input does not accept %s"), s);
    set_bad (dec, path, error, what);
    g_free (what);
    g_free (s);
    gst_caps_unref (accepted);
    gst_caps_unref (caps);
    gst_object_unref (sink);
    gst_object_unref (src);
    gst_object_unref (bin);
    return FALSE;
  }
  gst_caps_unref (accepted);
  gst_caps_unref (caps);
  gst_object_unref (sink);

  caps = gst_caps_from_string ("video/x-raw(ANY)");
  accepted = gst_pad_query_caps (src, NULL);
  gst_object_unref (src);
  if (!gst_caps_can_intersect (caps, accepted)) {
    set_bad (dec, path, error, _("its output is not raw video"));
    gst_caps_unref (accepted);
    gst_caps_unref (caps);
    gst_object_unref (bin);
    return FALSE;
  }
  gst_caps_unref (accepted);
  gst_caps_unref (caps);

  loop = find_loopback (bin);
  if (loop) {
    dec->reason = g_strdup_printf (_("%s is a daedalus-v4l2 node: the "
            "daemon would decode on itself"), loop);
    g_free (loop);
  } else {
    dec->usable = TRUE;
  }
  gst_object_unref (bin);
  return TRUE;
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
decoder_for (DaedalusdConfig * config, const DaedalusdCodec * codec)
{
  return &config->decoders[codec - codecs];
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
    const DaedalusdCodec *codec = daedalusd_codec_lookup (keys[i]);
    gchar *value, *names;

    if (!codec) {
      names = codec_names ();
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
    const DaedalusdCodec *codec;
    gchar *name;

    if (!eq || eq == arg) {
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_CONFIG,
          _("--decoder wants CODEC=TEMPLATE, not \"%s\"."), arg);
      return FALSE;
    }
    name = g_strstrip (g_strndup (arg, eq - arg));
    codec = daedalusd_codec_lookup (name);
    if (!codec) {
      gchar *names = codec_names ();

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
 * Defaults, then @path, then @cli_decoders; every template is checked.
 * Returns NULL with @error in DAEDALUSD_ERROR on a configuration error or a
 * bad template (the message names the codec and where it came from).
 */
DaedalusdConfig *
daedalusd_config_load (const gchar * path, gboolean path_given,
    const gchar * const *cli_decoders, GError ** error)
{
  DaedalusdConfig *config = g_new0 (DaedalusdConfig, 1);
  GList *factories;
  guint i;

  config->n_decoders = G_N_ELEMENTS (codecs);
  config->decoders = g_new0 (DaedalusdDecoder, config->n_decoders);

  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_ANY, GST_RANK_MARGINAL);
  for (i = 0; i < config->n_decoders; i++) {
    DaedalusdDecoder *dec = &config->decoders[i];

    dec->codec = &codecs[i];
    dec->source = DAEDALUSD_SOURCE_DEFAULT;
    dec->template = daedalusd_default_template (dec->codec, factories,
        daedalusd_factory_loops_back, NULL);
  }
  gst_plugin_feature_list_free (factories);

  if (path && !load_file (config, path, path_given, error))
    goto failed;
  if (!apply_cli (config, cli_decoders, error))
    goto failed;

  for (i = 0; i < config->n_decoders; i++) {
    if (!check_decoder (&config->decoders[i], config->path, error))
      goto failed;
  }
  return config;

failed:
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
  }
  g_free (config->decoders);
  g_free (config->device);
  g_free (config->path);
  g_free (config);
}

const DaedalusdDecoder *
daedalusd_config_get_decoder (DaedalusdConfig * config, guint32 fourcc)
{
  const DaedalusdCodec *codec = daedalusd_codec_from_fourcc (fourcc);

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

/**
 * daedalusd_config_make_bin:
 *
 * Returns: (transfer full): a new bin of @fourcc's template with a "sink"
 * and a "src" ghost pad, or NULL with @error.
 */
GstElement *
daedalusd_config_make_bin (DaedalusdConfig * config, guint32 fourcc,
    GError ** error)
{
  const DaedalusdDecoder *dec = daedalusd_config_get_decoder (config, fourcc);
  GstElement *bin;

  if (!dec || !dec->usable) {
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_NO_DECODER,
        _("No usable decoder template for %s."), dec ? dec->codec->name : "?");
    return NULL;
  }
  bin = parse_template (dec->template, NULL, error);
  if (bin) {
    GstPad *sink = gst_element_get_static_pad (bin, "sink");
    GstPad *src = gst_element_get_static_pad (bin, "src");

    if (!sink || !src) {
      /* checked at load; elements with odd pads may still surprise */
      g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
          _("Bad decoder template for %s: %s"), dec->codec->name,
          !sink ? _("it has no unlinked input") :
          _("it has no unlinked output"));
      gst_clear_object (&bin);
    }
    gst_clear_object (&sink);
    gst_clear_object (&src);
  }
  return bin;
}
