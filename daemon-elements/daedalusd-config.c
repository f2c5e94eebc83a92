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
 * daemon runs "daedalussrc stream=N ! <template> ! daedalussink stream=N"
 * per stream.
 *
 * Built-in defaults pick what decodebin would: the highest-ranked parser
 * for the codec, then the highest-ranked video decoder (rank >= MARGINAL)
 * whose sink caps accept the parser's output, leaving out any decoder that
 * would decode on a daedalus-v4l2 node (the daemon feeding itself). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <linux/videodev2.h>

#include <glib/gi18n-lib.h>

#include "daedalusd-config.h"
#include "gstdaedalusformat.h"
#include "gstdaedalusnode.h"

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

/**
 * daedalusd_factory_loops_back:
 * @sysfs_root: (nullable): a gchar *, where sysfs is mounted; NULL: /sys
 *
 * A #DaedalusdFactoryFilter: TRUE for an element whose device is a
 * daedalus-v4l2 node (gst_daedalus_factory_loops_back()).
 */
gboolean
daedalusd_factory_loops_back (GstElementFactory * factory, gpointer sysfs_root)
{
  return gst_daedalus_factory_loops_back (factory, sysfs_root);
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

/* What the decoder of @codec gets when decodebin plugs it: the output of
 * the highest-ranked parser (@parser), or the codec's caps. */
static GstCaps *
decoder_input_caps (const DaedalusdCodec * codec, GList * factories,
    GstElementFactory ** parser)
{
  GstCaps *caps = gst_daedalus_codec_to_caps (codec->fourcc);

  *parser = NULL;
  if (!caps)
    return NULL;
  *parser = select_parser (factories, caps);
  if (*parser) {
    GstCaps *parsed = parsed_caps (*parser, caps);

    if (!gst_caps_is_empty (parsed)) {
      gst_caps_unref (caps);
      caps = parsed;
    } else {
      gst_caps_unref (parsed);
      *parser = NULL;
    }
  }

  /* A V4L2 client's VP8/VP9 has no alpha side channel: leave out the
   * vp8/vp9alphadecodebin that accept codec-alpha=true only. */
  caps = gst_caps_make_writable (caps);
  if (codec->fourcc == V4L2_PIX_FMT_VP8 || codec->fourcc == V4L2_PIX_FMT_VP9)
    gst_caps_set_simple (caps, "codec-alpha", G_TYPE_BOOLEAN, FALSE, NULL);
  return caps;
}

/* The decoders decodebin would try for @codec, best first. */
static GList *
codec_decoders (const DaedalusdCodec * codec, GList * factories,
    DaedalusdFactoryFilter filter, gpointer user_data)
{
  GstElementFactory *parser;
  GstCaps *caps = decoder_input_caps (codec, factories, &parser);
  GList *decoders;

  if (!caps)
    return NULL;
  decoders = daedalusd_select_decoders (factories, caps, filter, user_data);
  gst_caps_unref (caps);
  return decoders;
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
  GstElementFactory *parser;
  GstCaps *caps = decoder_input_caps (codec, factories, &parser);
  GList *decoders;
  gchar *tmpl = NULL;

  if (!caps)
    return NULL;
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

/* gst_parse's bin of @desc, without ghost pads.  A description naming
 * elements that are not installed fails with
 * GST_PARSE_ERROR_NO_SUCH_ELEMENT and @missing set. */
static GstElement *
parse_description (const gchar * desc, gchar *** missing, GError ** error)
{
  GstParseContext *ctx = gst_parse_context_new ();
  GstElement *bin;

  bin = gst_parse_bin_from_description_full (desc, FALSE, ctx,
      GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (missing)
    *missing = gst_parse_context_get_missing_elements (ctx);
  gst_parse_context_free (ctx);
  if (bin)
    gst_object_ref_sink (bin);
  return bin;
}

/* ---- the template's input and output -------------------------------- */

/* gst_parse knows which pad is the input of a template and which the
 * output, including an output that appears at run time ("sometimes" pads
 * of decodebin, parsebin ...; the element asks for a delayed link): it is
 * asked to link the template between two identities.  The input identity
 * goes again, the bin's "sink" ghosts the pad it was linked to; so does
 * the output identity when the output exists already.  Otherwise it stays,
 * the delayed link links the first pad the last element adds to it, and
 * "src" ghosts its src pad. */
#define INPUT_NAME "daedalusd-input"
#define OUTPUT_NAME "daedalusd-output"

static GstStaticCaps raw_video_caps = GST_STATIC_CAPS ("video/x-raw(ANY)");

static gboolean
may_be_raw_video (GstCaps * caps)
{
  GstCaps *raw = gst_static_caps_get (&raw_video_caps);
  gboolean may = caps && gst_caps_can_intersect (caps, raw);

  gst_caps_unref (raw);
  return may;
}

/* Whether gst_parse links a src pad of @el when it appears: a delayed link
 * waits on "pad-added". */
static gboolean
has_delayed_link (GstElement * el)
{
  return g_signal_has_handler_pending (el,
      g_signal_lookup ("pad-added", GST_TYPE_ELEMENT), 0, FALSE);
}

/* Whether a src pad of @el is linked; if not, the caps of one that is
 * not (its link failed), if any. */
static gboolean
has_linked_src_pad (GstElement * el, GstCaps ** unlinked_caps)
{
  GstIterator *it = gst_element_iterate_src_pads (el);
  GValue item = G_VALUE_INIT;
  gboolean linked = FALSE;

  *unlinked_caps = NULL;
  while (!linked && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstPad *pad = g_value_get_object (&item);

    linked = gst_pad_is_linked (pad);
    if (!linked && !*unlinked_caps)
      *unlinked_caps = gst_pad_get_current_caps (pad);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  if (linked)
    gst_clear_caps (unlinked_caps);
  return linked;
}

/* Whether @el may add a src pad of raw video (or of any caps, like
 * decodebin's) */
static gboolean
may_add_raw_video (GstElement * el)
{
  GList *l = gst_element_class_get_pad_template_list
      (GST_ELEMENT_GET_CLASS (el));
  gboolean raw = FALSE;

  for (; l && !raw; l = l->next) {
    GstPadTemplate *t = l->data;
    GstCaps *caps;

    if (GST_PAD_TEMPLATE_DIRECTION (t) != GST_PAD_SRC ||
        GST_PAD_TEMPLATE_PRESENCE (t) != GST_PAD_SOMETIMES)
      continue;
    caps = gst_pad_template_get_caps (t);
    raw = may_be_raw_video (caps);
    gst_caps_unref (caps);
  }
  return raw;
}

/* The elements of @bin that link a src pad when it appears, with a
 * reference each. */
static GList *
delayed_sources (GstElement * bin)
{
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  GList *found = NULL;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&item);

    if (has_delayed_link (el))
      found = g_list_prepend (found, gst_object_ref (el));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* streaming thread: what the output identity gets must be raw video */
static GstPadProbeReturn
check_output_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  gchar *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (may_be_raw_video (caps))
    return GST_PAD_PROBE_OK;

  s = gst_caps_to_string (caps);
  GST_ELEMENT_ERROR (GST_PAD_PARENT (pad), STREAM, CODEC_NOT_FOUND,
      (_("The decoder template gave %s, not raw video."), s), (NULL));
  g_free (s);
  return GST_PAD_PROBE_DROP;
}

/* streaming thread: @el added all its pads; none could be linked (what
 * is not raw video cannot link to daedalussink), or there were none */
static void
on_no_more_pads (GstElement * el, GstElement * output)
{
  GstCaps *caps;
  gchar *s;

  if (has_linked_src_pad (el, &caps))
    return;
  if (caps) {
    s = gst_caps_to_string (caps);
    GST_ELEMENT_ERROR (output, STREAM, CODEC_NOT_FOUND,
        (_("The decoder template gave %s, not raw video."), s),
        ("%s added no pad that could be linked", GST_ELEMENT_NAME (el)));
    g_free (s);
    gst_caps_unref (caps);
  } else {
    GST_ELEMENT_ERROR (output, STREAM, CODEC_NOT_FOUND,
        (_("The decoder template gave no raw video output.")),
        ("%s added no src pad", GST_ELEMENT_NAME (el)));
  }
}

static void
unref_closure_data (gpointer data, GClosure * closure)
{
  gst_object_unref (data);
}

/* Replaces the identity @name by a ghost pad @ghost_name for the pad it is
 * linked to.  FALSE when it is not linked. */
static gboolean
replace_identity (GstElement * bin, const gchar * name,
    const gchar * pad_name, const gchar * ghost_name)
{
  GstElement *identity = gst_bin_get_by_name (GST_BIN (bin), name);
  GstPad *pad = gst_element_get_static_pad (identity, pad_name);
  GstPad *peer = gst_pad_get_peer (pad);

  if (peer) {
    if (GST_PAD_IS_SRC (pad))
      gst_pad_unlink (pad, peer);
    else
      gst_pad_unlink (peer, pad);
    gst_bin_remove (GST_BIN (bin), identity);
    gst_element_add_pad (bin, gst_ghost_pad_new (ghost_name, peer));
    gst_object_unref (peer);
  }
  gst_object_unref (pad);
  gst_object_unref (identity);
  return peer != NULL;
}

/* The bin of @tmpl with a "sink" and a "src" ghost pad, or NULL with
 * @why, what is wrong with the template, or @error when it does not parse
 * at all.  @dynamic: its output appears at run time; then the bin checks
 * it is raw video. */
static GstElement *
make_template_bin (const gchar * tmpl, gboolean * dynamic,
    const gchar ** why, GError ** error)
{
  gchar *desc = g_strdup_printf ("identity name=" INPUT_NAME " ! %s ! "
      "identity name=" OUTPUT_NAME, tmpl);
  GstElement *bin, *output;
  GstPad *pad;
  GList *sources, *l;
  gboolean raw;

  *why = NULL;
  bin = parse_description (desc, NULL, NULL);
  g_free (desc);
  if (!bin) {
    output = parse_description (tmpl, NULL, error);
    if (!output)
      return NULL;
    gst_object_unref (output);
    /* the template on its own parses: its input or output cannot link */
    desc = g_strdup_printf ("identity name=" INPUT_NAME " ! %s", tmpl);
    output = parse_description (desc, NULL, NULL);
    *why = output ? _("it has no unlinked output") :
        _("it has no unlinked input");
    gst_clear_object (&output);
    g_free (desc);
    return NULL;
  }

  if (!replace_identity (bin, INPUT_NAME, "src", "sink")) {
    /* the first element adds its input at run time */
    *why = _("it has no unlinked input");
    goto bad;
  }
  *dynamic = !replace_identity (bin, OUTPUT_NAME, "sink", "src");
  if (!*dynamic)
    return bin;

  output = gst_bin_get_by_name (GST_BIN (bin), OUTPUT_NAME);
  sources = delayed_sources (bin);
  raw = sources == NULL;
  for (l = sources; l; l = l->next) {
    raw |= may_add_raw_video (l->data);
    g_signal_connect_data (l->data, "no-more-pads",
        G_CALLBACK (on_no_more_pads), gst_object_ref (output),
        unref_closure_data, 0);
  }
  g_list_free_full (sources, gst_object_unref);

  pad = gst_element_get_static_pad (output, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      check_output_caps, NULL, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (output, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  gst_object_unref (output);
  if (raw)
    return bin;
  *why = _("its output is not raw video");

bad:
  gst_object_unref (bin);
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
static GstElement *
find_autoplugger (GstElement * bin, gboolean * steerable)
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

/* any thread; @bin is the guarded bin */
static void
guard_element (GstElement * bin, GstElement * el, LoopGuard * guard)
{
  GParamSpec *pspec;

  if (has_autoplug_select (el))
    g_signal_connect_data (el, "autoplug-select",
        G_CALLBACK (on_autoplug_select), g_atomic_rc_box_acquire (guard),
        loop_guard_unref, 0);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (el), "device");
  if (pspec && pspec->value_type == G_TYPE_STRING &&
      (pspec->flags & G_PARAM_READABLE)) {
    gchar *device = NULL;

    g_object_get (el, "device", &device, NULL);
    if (gst_daedalus_device_is_daedalus (guard->sysfs_root, device)) {
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
    }
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
 * @bin: a decoder template's bin
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

/* ---- checking templates --------------------------------------------- */

/* The device of an element of @bin that decodes on a daedalus node. */
static gchar *
find_loopback (GstElement * bin, const gchar * sysfs_root)
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
      if (gst_daedalus_device_is_daedalus (sysfs_root, device))
        found = g_strdup_printf ("%s (%s)", GST_OBJECT_NAME (el), device);
      g_free (device);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* For a template that picks its decoder at run time: why it cannot decode
 * @codec here, or NULL.  decodebin (with the guard) takes the best decoder
 * that does not loop back; decodebin3 takes the best one, whatever it
 * is. */
static gchar *
check_autoplugging (const DaedalusdCodec * codec, GstElement * autoplugger,
    gboolean steerable, GList * factories, const gchar * sysfs_root)
{
  GList *decoders = codec_decoders (codec, factories,
      steerable ? daedalusd_factory_loops_back : NULL, (gpointer) sysfs_root);
  gchar *reason = NULL;

  if (!decoders) {
    GstCaps *caps = gst_daedalus_codec_to_caps (codec->fourcc);
    gchar *s = gst_caps_to_string (caps);

    reason = g_strdup_printf (_("no installed decoder accepts %s"), s);
    g_free (s);
    gst_caps_unref (caps);
  } else if (!steerable &&
      gst_daedalus_factory_loops_back (decoders->data, sysfs_root)) {
    gchar *device = gst_daedalus_factory_get_device (decoders->data);

    reason = g_strdup_printf (_("%s would choose %s, which decodes on a "
            "daedalus-v4l2 node (%s): the daemon would decode on itself"),
        GST_ELEMENT_NAME (autoplugger), GST_OBJECT_NAME (decoders->data),
        device);
    g_free (device);
  }
  gst_plugin_feature_list_free (decoders);
  return reason;
}

/* Sets usable/reason/note; FALSE with @error for a template that is
 * wrong. */
static gboolean
check_decoder (DaedalusdDecoder * dec, const gchar * path, GList * factories,
    const gchar * sysfs_root, GError ** error)
{
  GError *err = NULL;
  gchar **missing = NULL;
  GstElement *bin, *autoplugger;
  GstPad *sink, *src;
  GstCaps *caps, *accepted;
  gchar *loop, *what;
  const gchar *why;
  gboolean dynamic, steerable;

  dec->usable = FALSE;
  g_clear_pointer (&dec->reason, g_free);
  g_clear_pointer (&dec->note, g_free);
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
  /* A built-in default is made of registry facts (daedalusd_default_
   * template()): its elements are installed, their caps chain, and none
   * decodes on a daedalus node.  Nothing to instantiate: the daemon loads
   * a decoder's plugin only when a stream needs it. */
  if (dec->source == DAEDALUSD_SOURCE_DEFAULT) {
    dec->usable = TRUE;
    return TRUE;
  }

  bin = parse_description (dec->template, &missing, &err);
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
  gst_object_unref (bin);

  bin = make_template_bin (dec->template, &dynamic, &why, &err);
  if (!bin) {
    set_bad (dec, path, error, why ? why : err->message);
    g_clear_error (&err);
    return FALSE;
  }
  sink = gst_element_get_static_pad (bin, "sink");
  src = gst_element_get_static_pad (bin, "src");

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

  /* an output that appears at run time was checked by its pad templates */
  accepted = dynamic ? NULL : gst_pad_query_caps (src, NULL);
  gst_object_unref (src);
  if (!dynamic && !may_be_raw_video (accepted)) {
    set_bad (dec, path, error, _("its output is not raw video"));
    gst_caps_unref (accepted);
    gst_object_unref (bin);
    return FALSE;
  }
  gst_clear_caps (&accepted);

  loop = find_loopback (bin, sysfs_root);
  autoplugger = find_autoplugger (bin, &steerable);
  if (loop) {
    dec->reason = g_strdup_printf (_("%s is a daedalus-v4l2 node: the "
            "daemon would decode on itself"), loop);
    g_free (loop);
  } else if (autoplugger) {
    dec->reason = check_autoplugging (dec->codec, autoplugger, steerable,
        factories, sysfs_root);
    if (!dec->reason) {
      dec->note = g_strdup (_("the decoder is chosen at run time"));
      dec->usable = TRUE;
    }
  } else {
    dec->usable = TRUE;
  }
  gst_clear_object (&autoplugger);
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
  DaedalusdConfig *config = g_new0 (DaedalusdConfig, 1);
  GList *factories;
  guint i;

  config->n_decoders = G_N_ELEMENTS (codecs);
  config->decoders = g_new0 (DaedalusdDecoder, config->n_decoders);
  config->sysfs_root = g_strdup (sysfs_root);

  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_ANY, GST_RANK_MARGINAL);
  for (i = 0; i < config->n_decoders; i++) {
    DaedalusdDecoder *dec = &config->decoders[i];

    dec->codec = &codecs[i];
    dec->source = DAEDALUSD_SOURCE_DEFAULT;
    dec->template = daedalusd_default_template (dec->codec, factories,
        daedalusd_factory_loops_back, config->sysfs_root);
  }

  if (path && !load_file (config, path, path_given, error))
    goto failed;
  if (!apply_cli (config, cli_decoders, error))
    goto failed;

  for (i = 0; i < config->n_decoders; i++) {
    if (!check_decoder (&config->decoders[i], config->path, factories,
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

/* Held while GStreamer's registry is updated (the daemon does that in a
 * thread of its own) and while a stream's bin is made from it: an update
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
 * daedalusd_config_make_bin:
 *
 * Returns: (transfer full): a new bin of @fourcc's template with a "sink"
 * and a "src" ghost pad, or NULL with @error.  When the output of the
 * template appears at run time (decodebin), "src" gets its target then;
 * what the bin auto-plugs is kept off daedalus-v4l2 nodes
 * (daedalusd_guard_loopback()).
 */
GstElement *
daedalusd_config_make_bin (DaedalusdConfig * config, guint32 fourcc,
    GError ** error)
{
  const DaedalusdDecoder *dec = daedalusd_config_get_decoder (config, fourcc);
  GstElement *bin;
  GError *err = NULL;
  const gchar *why;
  gboolean dynamic;

  if (!dec || !dec->usable) {
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_NO_DECODER,
        _("No usable decoder template for %s."), dec ? dec->codec->name : "?");
    return NULL;
  }
  daedalusd_registry_lock ();
  bin = make_template_bin (dec->template, &dynamic, &why, &err);
  daedalusd_registry_unlock ();
  if (bin) {
    daedalusd_guard_loopback (bin, config->sysfs_root);
  } else {
    /* checked at load; a plugin may have gone since */
    g_set_error (error, DAEDALUSD_ERROR, DAEDALUSD_ERROR_TEMPLATE,
        _("Bad decoder template for %s: %s"), dec->codec->name,
        why ? why : err->message);
    g_clear_error (&err);
  }
  return bin;
}
