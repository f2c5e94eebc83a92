/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's decoder templates: a gst-launch fragment with one unlinked
 * input and one output of raw video, which may appear at run time
 * (decodebin).  A stream's pipeline made of one (gst_parse_launch_full()
 * of "daedalussrc ! TEMPLATE ! daedalussink"), and the checks at load: its
 * words, its links, its caps, and that it does not decode on a
 * daedalus-v4l2 node. */

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

/* gst_parse of @desc: with @pipeline, gst_parse_launch_full()'s pipeline,
 * else a bin without ghost pads; NULL with @error otherwise.  A
 * description naming elements that are not installed fails with
 * GST_PARSE_ERROR_NO_SUCH_ELEMENT and @missing (nullable) set. */
static GstElement *
parse (const gchar * desc, gboolean pipeline, gchar *** missing,
    GError ** error)
{
  GstParseContext *ctx = gst_parse_context_new ();
  GstElement *el = pipeline ?
      gst_parse_launch_full (desc, ctx, GST_PARSE_FLAG_FATAL_ERRORS, error) :
      gst_parse_bin_from_description_full (desc, FALSE, ctx,
      GST_PARSE_FLAG_FATAL_ERRORS, error);

  if (missing)
    *missing = gst_parse_context_get_missing_elements (ctx);
  gst_parse_context_free (ctx);
  if (el)
    gst_object_ref_sink (el);
  return el;
}

/* @format (translated, one %s) with @codec's caps */
static gchar *
not_accepted (const GstDaedalusCodec * codec, const gchar * format)
{
  GstCaps *caps = gst_daedalus_codec_get_caps (codec);
  gchar *s = gst_caps_to_string (caps);
  gchar *what = g_strdup_printf (format, s);

  g_free (s);
  gst_caps_unref (caps);
  return what;
}

/* ---- the template's input and output -------------------------------- */

/* A stream's pipeline is gst_parse_launch_full() of "daedalussrc ! TEMPLATE
 * ! daedalussink": gst_parse knows which pad of the template is its input
 * and which its output, and links an output that appears at run time
 * ("sometimes" pads of decodebin, parsebin ...) when it appears (a delayed
 * link).  What the daemon adds: a clear word when the template cannot be
 * linked, and an error, not a stall, when a run-time output is not raw
 * video. */
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

/* streaming thread: what daedalussink gets from a run-time output must be
 * raw video */
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

/* The message of the link error of "@tmpl" between an identity named
 * DAEDALUSD_SRC_NAME and one named DAEDALUSD_SINK_NAME, or NULL when it
 * links: it names the element that could not be linked. */
static gchar *
link_error (const gchar * tmpl)
{
  gchar *desc = g_strdup_printf ("identity name=" DAEDALUSD_SRC_NAME
      " ! %s ! identity name=" DAEDALUSD_SINK_NAME, tmpl);
  GError *err = NULL;
  GstElement *pipeline = parse (desc, TRUE, NULL, &err);
  gchar *msg = err ? g_strdup (err->message) : NULL;

  g_free (desc);
  g_clear_error (&err);
  gst_clear_object (&pipeline);
  return msg;
}

/* Whether what @pipeline's daedalussink gets may be raw video: linked (its
 * caps are raw video), or linked at run time to a pad that may be.  With
 * @watch, a run-time output that is not raw video, or none, is an error of
 * the pipeline when it comes. */
static gboolean
output_may_be_raw (GstElement * pipeline, gboolean watch)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline),
      DAEDALUSD_SINK_NAME);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GList *sources, *l;
  gboolean raw = TRUE;

  if (!gst_pad_is_linked (pad)) {
    sources = delayed_sources (pipeline);
    raw = sources == NULL;
    for (l = sources; l; l = l->next) {
      raw |= may_add_raw_video (l->data);
      if (watch)
        g_signal_connect_data (l->data, "no-more-pads",
            G_CALLBACK (on_no_more_pads), gst_object_ref (sink),
            unref_closure_data, 0);
    }
    g_list_free_full (sources, gst_object_unref);
    if (watch)
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
          check_output_caps, NULL, NULL);
  }
  gst_object_unref (pad);
  gst_object_unref (sink);
  return raw;
}

/* Why @tmpl, whose elements exist, does not link between daedalussrc and
 * daedalussink: translated, for "Bad decoder template ...: %s".  gst_parse
 * names the elements it could not link; identities take anything, so a
 * link that fails with them says the template has no such pad. */
static gchar *
why_not_linked (const gchar * tmpl, const GstDaedalusCodec * codec)
{
  gchar *msg = link_error (tmpl), *desc;
  gboolean no_input, no_output, raw;
  GstElement *pipeline;

  no_input = msg && strstr (msg, DAEDALUSD_SRC_NAME);
  no_output = msg && strstr (msg, DAEDALUSD_SINK_NAME);
  g_free (msg);
  if (no_input)
    return g_strdup (_("it has no unlinked input"));
  if (no_output)
    return g_strdup (_("it has no unlinked output"));
  /* the output first, with an input that takes anything */
  desc = g_strdup_printf ("identity ! %s ! daedalussink name="
      DAEDALUSD_SINK_NAME, tmpl);
  pipeline = parse (desc, TRUE, NULL, NULL);
  g_free (desc);
  raw = pipeline && output_may_be_raw (pipeline, FALSE);
  gst_clear_object (&pipeline);
  if (raw)
    return not_accepted (codec, _("its input does not accept %s"));
  return g_strdup (_("its output is not raw video"));
}

/**
 * daedalusd_template_make_pipeline:
 * @tmpl: the template
 * @codec: the codec it is for (for the words of an error)
 * @why: (out): what is wrong with the template, translated, or NULL when
 *   @error says what went wrong (it does not parse at all)
 *
 * Returns: (transfer full): the pipeline "daedalussrc ! @tmpl !
 * daedalussink", whose two elements are named DAEDALUSD_SRC_NAME and
 * DAEDALUSD_SINK_NAME; NULL with @why or @error.  When the template's
 * output appears at run time, a caps event that is not raw video on
 * daedalussink's pad, or an element that added no pad that could be
 * linked, is an error of the pipeline.
 */
GstElement *
daedalusd_template_make_pipeline (const gchar * tmpl,
    const GstDaedalusCodec * codec, gchar ** why, GError ** error)
{
  gchar *desc = g_strdup_printf ("daedalussrc name=" DAEDALUSD_SRC_NAME
      " ! %s ! daedalussink name=" DAEDALUSD_SINK_NAME, tmpl);
  GstElement *pipeline;
  gchar **missing = NULL;
  GError *err = NULL;

  *why = NULL;
  pipeline = parse (desc, TRUE, &missing, &err);
  g_free (desc);
  if (!pipeline) {
    if (g_error_matches (err, GST_PARSE_ERROR,
            GST_PARSE_ERROR_NO_SUCH_ELEMENT)) {
      /* checked at load: a plugin went since */
      gchar *what = missing ? g_strjoinv (", ", missing) : g_strdup ("?");

      *why = g_strdup_printf (_("elements not installed: %s"), what);
      g_free (what);
    } else if (g_error_matches (err, GST_PARSE_ERROR,
            GST_PARSE_ERROR_LINK)) {
      *why = why_not_linked (tmpl, codec);
    } else {
      g_propagate_error (error, err);
      err = NULL;
    }
    g_strfreev (missing);
    g_clear_error (&err);
    return NULL;
  }
  g_strfreev (missing);

  if (output_may_be_raw (pipeline, TRUE))
    return pipeline;
  *why = g_strdup (_("its output is not raw video"));
  gst_object_unref (pipeline);
  return NULL;
}

/* ---- checking templates --------------------------------------------- */

/* A template's pipeline is checked by making it: the parse, its links, the
 * codec its input takes, what it auto-plugs. */

/* The device of an element of @bin that decodes on a daedalus node. */
static gchar *
find_loopback (GstElement * bin, const gchar * sysfs_root)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  gchar *found = NULL;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&item);
    gchar *device = daedalusd_element_loops_back (el, sysfs_root);

    if (device)
      found = g_strdup_printf ("%s (%s)", GST_OBJECT_NAME (el), device);
    g_free (device);
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
check_autoplugging (const GstDaedalusCodec * codec, GstElement * autoplugger,
    gboolean steerable, GList * factories, const gchar * sysfs_root)
{
  GList *decoders = gst_daedalus_codec_select (codec, factories,
      steerable ? gst_daedalus_factory_filter_loops_back : NULL,
      (gpointer) sysfs_root, NULL);
  gchar *reason = NULL;

  if (!decoders) {
    reason = not_accepted (codec, _("no installed decoder accepts %s"));
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
gboolean
daedalusd_template_check (DaedalusdDecoder * dec, const gchar * path, GList * factories,
    const gchar * sysfs_root, GError ** error)
{
  GError *err = NULL;
  gchar **missing = NULL;
  GstElement *bin, *src, *autoplugger;
  GstPad *pad;
  GstCaps *caps, *accepted;
  gchar *loop, *what, *why;
  gboolean steerable, ok;

  dec->usable = FALSE;
  g_clear_pointer (&dec->reason, g_free);
  g_clear_pointer (&dec->note, g_free);
  if (!dec->template) {
    if (dec->source == DAEDALUSD_SOURCE_DEFAULT) {
      dec->reason = not_accepted (dec->codec,
          _("no installed decoder accepts %s"));
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

  /* its elements; caps at an end ("... ! vp9dec ! video/x-raw,format=NV12")
   * are caps between two elements in the stream's pipeline: a template
   * that does not parse alone may between two identities */
  bin = parse (dec->template, FALSE, &missing, &err);
  if (!bin && g_error_matches (err, GST_PARSE_ERROR,
          GST_PARSE_ERROR_NO_SUCH_ELEMENT)) {
    gchar *desc = g_strdup_printf ("identity ! %s ! identity",
        dec->template);
    gchar **wrapped_missing = NULL;
    GError *wrapped_err = NULL;

    bin = parse (desc, FALSE, &wrapped_missing, &wrapped_err);
    g_free (desc);
    if (bin || !g_error_matches (wrapped_err, GST_PARSE_ERROR,
            GST_PARSE_ERROR_NO_SUCH_ELEMENT)) {
      /* every element is there: how it links is checked next */
      g_clear_error (&err);
      gst_clear_object (&bin);
      bin = gst_bin_new (NULL);
      gst_object_ref_sink (bin);
    }
    g_strfreev (wrapped_missing);
    g_clear_error (&wrapped_err);
  }
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

  bin = daedalusd_template_make_pipeline (dec->template, dec->codec, &why,
      &err);
  if (!bin) {
    set_bad (dec, path, error, why ? why : err->message);
    g_free (why);
    g_clear_error (&err);
    return FALSE;
  }

  /* daedalussrc linked to the template: it takes one of the node's
   * codecs; this one? */
  src = gst_bin_get_by_name (GST_BIN (bin), DAEDALUSD_SRC_NAME);
  pad = gst_element_get_static_pad (src, "src");
  caps = gst_daedalus_codec_get_caps (dec->codec);
  accepted = gst_pad_peer_query_caps (pad, NULL);
  ok = gst_caps_can_intersect (caps, accepted);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_caps_unref (accepted);
  if (!ok) {
    what = not_accepted (dec->codec, _("its input does not accept %s"));
    set_bad (dec, path, error, what);
    g_free (what);
    gst_caps_unref (caps);
    gst_object_unref (bin);
    return FALSE;
  }
  gst_caps_unref (caps);
  /* its output links to daedalussink, or is checked when it appears */

  loop = find_loopback (bin, sysfs_root);
  autoplugger = daedalusd_find_autoplugger (bin, &steerable);
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
