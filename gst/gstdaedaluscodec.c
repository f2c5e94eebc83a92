/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The codecs of the node, and the one rule that picks a decoder for one.
 *
 * Adding a codec is one row of codecs[] (and the kernel's coded format,
 * kmod/daedalus-core.c): daedalussrc's pad template, daedalusd's
 * configuration keys, --list, --help and the default HELLO follow from it
 * (test_codec_table in tests/check/daemon/cli.c and
 * tests/check/elements/daedalussrc.c walks the table through each). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <linux/videodev2.h>

#include "gstdaedaluscodec.h"
#include "gstdaedalusnode.h"
#include "gstdaedalusprivate.h"

#ifndef V4L2_PIX_FMT_AV1
#define V4L2_PIX_FMT_AV1 v4l2_fourcc ('A', 'V', '0', '1')
#endif

#define GST_CAT_DEFAULT gst_daedalus_debug

/* In the order daedalusd lists them and the library says HELLO. */
static const GstDaedalusCodec codecs[] = {
  {"vp9", NULL, V4L2_PIX_FMT_VP9, "video/x-vp9", TRUE},
  {"vp8", NULL, V4L2_PIX_FMT_VP8, "video/x-vp8", TRUE},
  {"h264", "avc", V4L2_PIX_FMT_H264,
      "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au",
      FALSE},
  {"hevc", "h265", V4L2_PIX_FMT_HEVC,
      "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au",
      FALSE},
  {"mpeg2", NULL, V4L2_PIX_FMT_MPEG2,
      "video/mpeg, mpegversion=(int)2, systemstream=(boolean)false", FALSE},
  {"mpeg4", NULL, V4L2_PIX_FMT_MPEG4,
      "video/mpeg, mpegversion=(int)4, systemstream=(boolean)false", FALSE},
  {"av1", NULL, V4L2_PIX_FMT_AV1,
      "video/x-av1, stream-format=(string)obu-stream, alignment=(string)tu",
      FALSE},
};

const GstDaedalusCodec *
gst_daedalus_codecs (guint * n_codecs)
{
  *n_codecs = G_N_ELEMENTS (codecs);
  return codecs;
}

/* The codec whose name or alias is @name (any case), or NULL. */
const GstDaedalusCodec *
gst_daedalus_codec_lookup (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    if (g_ascii_strcasecmp (name, codecs[i].name) == 0 ||
        (codecs[i].alias && g_ascii_strcasecmp (name, codecs[i].alias) == 0))
      return &codecs[i];
  }
  return NULL;
}

const GstDaedalusCodec *
gst_daedalus_codec_from_fourcc (guint32 fourcc)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    if (codecs[i].fourcc == fourcc)
      return &codecs[i];
  }
  return NULL;
}

/* The first codec whose caps intersect @caps, or NULL. */
const GstDaedalusCodec *
gst_daedalus_codec_from_caps (const GstCaps * caps)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    GstCaps *c = gst_caps_from_string (codecs[i].caps);
    gboolean match = gst_caps_can_intersect (c, caps);

    gst_caps_unref (c);
    if (match)
      return &codecs[i];
  }
  return NULL;
}

GstCaps *
gst_daedalus_codec_get_caps (const GstDaedalusCodec * codec)
{
  return gst_caps_from_string (codec->caps);
}

/* Every codec's caps, in table order: daedalussrc's pad template. */
GstCaps *
gst_daedalus_codec_all_caps (void)
{
  GstCaps *caps = gst_caps_new_empty ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    gst_caps_append (caps, gst_caps_from_string (codecs[i].caps));
  return caps;
}

/* "vp9, vp8, ...": the names, for messages and --help. */
gchar *
gst_daedalus_codec_names (void)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", codecs[i].name);
  return g_string_free (s, FALSE);
}

/* ---- which decoder: decodebin's rule -------------------------------- */

/**
 * gst_daedalus_factory_filter_loops_back:
 * @sysfs_root: (nullable): a gchar *, where sysfs is mounted; NULL: /sys
 *
 * A #GstDaedalusFactoryFilter: TRUE for an element whose device is a
 * daedalus-v4l2 node (gst_daedalus_factory_loops_back()).
 */
gboolean
gst_daedalus_factory_filter_loops_back (GstElementFactory * factory,
    gpointer sysfs_root)
{
  return gst_daedalus_factory_loops_back (factory, sysfs_root);
}

static gboolean
rank_at_least_marginal (GstElementFactory * f)
{
  return gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (f)) >=
      GST_RANK_MARGINAL;
}

/**
 * gst_daedalus_select_decoders:
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
gst_daedalus_select_decoders (GList * factories, const GstCaps * caps,
    GstDaedalusFactoryFilter filter, gpointer user_data)
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
 * gst_daedalus_codec_select:
 * @codec: the codec
 * @factories: (element-type GstElementFactory): the candidates (parsers and
 *   decoders; others are ignored)
 * @filter: (nullable): excludes decoders it returns TRUE for
 * @parser: (out) (optional) (transfer none): the parser that goes before
 *   the decoders, or NULL for none; owned by @factories
 *
 * What decodebin would plug for @codec: the highest-ranked parser (rank >=
 * MARGINAL), then the decoders of rank >= MARGINAL that accept its output
 * (the codec's caps when there is no parser) and pass @filter, best
 * first.  The one selection rule: daedalusd's built-in templates and the
 * library's default HELLO both use it.
 *
 * Returns: (transfer full) (element-type GstElementFactory): the decoders
 */
GList *
gst_daedalus_codec_select (const GstDaedalusCodec * codec, GList * factories,
    GstDaedalusFactoryFilter filter, gpointer user_data,
    GstElementFactory ** parser)
{
  GstCaps *caps = gst_daedalus_codec_get_caps (codec);
  GstElementFactory *p = select_parser (factories, caps);
  GList *decoders;

  gst_daedalus_init ();         /* the debug category */
  if (p) {
    GstCaps *parsed = parsed_caps (p, caps);

    if (!gst_caps_is_empty (parsed)) {
      gst_caps_unref (caps);
      caps = parsed;
    } else {
      gst_caps_unref (parsed);
      p = NULL;
    }
  }
  /* leaves out vp8/vp9alphadecodebin, which take codec-alpha=true only */
  if (codec->alpha_side_channel) {
    caps = gst_caps_make_writable (caps);
    gst_caps_set_simple (caps, "codec-alpha", G_TYPE_BOOLEAN, FALSE, NULL);
  }
  decoders = gst_daedalus_select_decoders (factories, caps, filter, user_data);
  GST_DEBUG ("%s: parser %s, %u decoders for %" GST_PTR_FORMAT, codec->name,
      p ? GST_OBJECT_NAME (p) : "none", g_list_length (decoders), caps);
  gst_caps_unref (caps);
  if (parser)
    *parser = p;
  return decoders;
}
