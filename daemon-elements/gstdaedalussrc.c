/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-daedalussrc
 * @title: daedalussrc
 *
 * Feeds the access units a V4L2 client queued on a daedalus-v4l2 decoder
 * node into a decoder.  Each buffer carries a #GstDaedalusMeta with the
 * cookie of its access unit; daedalussink uses it to name the access unit
 * of each decoded frame.
 *
 * - With #GstDaedalusSrc:stream 0 the element serves the next stream that
 *   opens and no other element of the process serves, one at a time; when
 *   the client closes it, the pipeline is flushed and the element waits for
 *   the next stream.  With a stream id it serves that stream and ends with
 *   EOS when it closes.
 * - DRAIN: EOS goes downstream; daedalussink answers DRAIN_DONE when it
 *   gets there.  Data after the drain flushes the pipeline first, and
 *   feeds the access units since the latest keyframe again, marked as a
 *   replay (daedalussink drops their frames): a drained decoder has lost
 *   its references, and the client goes on in the middle of a GOP.
 * - FLUSH (seek): the pipeline is flushed, access units of older epochs are
 *   dropped.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 daedalussrc ! vp9parse ! avdec_vp9 ! daedalussink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>

#include <glib/gi18n-lib.h>

#include "gstdaedaluselements.h"
#include "gstdaedalussrc.h"
#include "gstdaedalusconnection.h"
#include "gstdaedaluscodec.h"
#include "gstdaedalusmeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_daedalus_src_debug);
#define GST_CAT_DEFAULT gst_daedalus_src_debug

struct _GstDaedalusSrc
{
  GstPushSrc parent;

  GstDaedalusElementProps props;

  /* between start and stop */
  GstDaedalusConnection *conn;
  GCancellable *cancellable;

  /* streaming thread */
  GstDaedalusStream *stream;
  gboolean need_flush;          /* downstream saw EOS: flush before data */
  gboolean have_consumed;       /* a CONSUMED to send when create() returns */
  guint64 consumed_cookie;
  guint32 consumed_epoch;
  GQueue gop;                   /* the access units since the latest
                                 * keyframe, to feed again after a drain */
  gsize gop_bytes;
  gboolean gop_whole;           /* gop starts at a keyframe */
  GQueue out;                   /* to push before waiting for more */
};

static void gop_clear (GstDaedalusSrc * self, gboolean whole);

/* The most kept for a replay: past it, a drain loses the frames up to the
 * next keyframe, as it did before there were replays */
#define GOP_MAX_BYTES (64 * 1024 * 1024)
#define GOP_MAX_AUS 1024

#define gst_daedalus_src_parent_class parent_class
G_DEFINE_TYPE (GstDaedalusSrc, gst_daedalus_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (daedalussrc, "daedalussrc",
    GST_RANK_NONE, GST_TYPE_DAEDALUS_SRC, daedalus_element_init (plugin));

static void
gst_daedalus_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (object);

  gst_daedalus_element_set_property (object, &self->props, prop_id, value,
      pspec);
}

static void
gst_daedalus_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (object);

  gst_daedalus_element_get_property (object, &self->props, prop_id, value,
      pspec);
}

static guint32 *acceptable_codecs (GstDaedalusSrc * self, guint * n_codecs);

/* Serving any stream (gst-launch use), the node should offer only the
 * codecs downstream takes: an H.264 client must not wait for a VP9-only
 * pipeline.  A daemon's own list is left alone by the library. */
static void
restrict_codecs (GstDaedalusSrc * self)
{
  GError *err = NULL;
  guint32 *codecs;
  guint n_codecs;

  codecs = acceptable_codecs (self, &n_codecs);
  if (!gst_daedalus_connection_restrict_codecs (self->conn, codecs, n_codecs,
          &err)) {
    GST_WARNING_OBJECT (self, "the node may offer codecs downstream does not "
        "take: %s", err->message);
    g_error_free (err);
  }
  g_free (codecs);
}

static gboolean
gst_daedalus_src_start (GstBaseSrc * bsrc)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (bsrc);

  self->conn = DAEDALUS_ELEMENT_ACQUIRE (self, &self->props);
  if (!self->conn)
    return FALSE;
  if (gst_daedalus_element_get_stream_id (GST_ELEMENT (self),
          &self->props) == 0)
    restrict_codecs (self);
  self->cancellable = g_cancellable_new ();
  self->need_flush = FALSE;
  self->have_consumed = FALSE;
  self->gop_whole = TRUE;
  return TRUE;
}

static void
send_pending_consumed (GstDaedalusSrc * self)
{
  if (self->have_consumed && self->stream) {
    gst_daedalus_stream_send_consumed (self->stream, self->consumed_cookie,
        self->consumed_epoch, 0);
  }
  self->have_consumed = FALSE;
}

static gboolean
gst_daedalus_src_stop (GstBaseSrc * bsrc)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (bsrc);

  send_pending_consumed (self);
  if (self->stream && !gst_daedalus_stream_is_closed (self->stream)) {
    /* nobody serves the stream any more: fail it so that the client does
     * not wait for us */
    GST_INFO_OBJECT (self, "failing stream %" G_GUINT64_FORMAT,
        gst_daedalus_stream_get_id (self->stream));
    gst_daedalus_stream_send_error (self->stream, -EPIPE);
  }
  gop_clear (self, TRUE);
  g_queue_clear_full (&self->out, (GDestroyNotify) gst_buffer_unref);
  gst_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  gst_daedalus_element_release (&self->conn);
  return TRUE;
}

static gboolean
gst_daedalus_src_unlock (GstBaseSrc * bsrc)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock");
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

static gboolean
gst_daedalus_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock stop");
  g_cancellable_reset (self->cancellable);
  return TRUE;
}

/* Caps are set per stream in create(); nothing to negotiate before. */
static gboolean
gst_daedalus_src_negotiate (GstBaseSrc * bsrc)
{
  return TRUE;
}

/* The codecs downstream accepts: the streams we may claim. */
static guint32 *
acceptable_codecs (GstDaedalusSrc * self, guint * n_codecs)
{
  GstPad *pad = GST_BASE_SRC_PAD (self);
  GstCaps *peer = gst_pad_peer_query_caps (pad, NULL);
  const GstDaedalusCodec *known;
  guint32 *codecs;
  guint i, n_known;

  known = gst_daedalus_codecs (&n_known);
  codecs = g_new0 (guint32, n_known);
  *n_codecs = 0;
  for (i = 0; i < n_known; i++) {
    GstCaps *caps = gst_daedalus_codec_get_caps (&known[i]);

    if (!peer || gst_caps_can_intersect (peer, caps))
      codecs[(*n_codecs)++] = known[i].fourcc;
    gst_caps_unref (caps);
  }
  gst_clear_caps (&peer);
  return codecs;
}

static void
push_flush (GstDaedalusSrc * self)
{
  GstPad *pad = GST_BASE_SRC_PAD (self);

  GST_DEBUG_OBJECT (self, "flushing downstream");
  gst_pad_push_event (pad, gst_event_new_flush_start ());
  gst_pad_push_event (pad, gst_event_new_flush_stop (FALSE));
  self->need_flush = FALSE;
}

/* A segment, then the event that tells daedalussink which stream follows.
 * The event goes again after every flush: elements that hold serialized
 * events back until their next output (GstBaseParse) drop them when
 * flushed. */
static void
push_segment (GstDaedalusSrc * self)
{
  GstPad *pad = GST_BASE_SRC_PAD (self);
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (pad, gst_event_new_segment (&segment));
  gst_pad_push_event (pad, gst_daedalus_stream_event_new (self->stream));
}

/* New stream: new stream-start, its caps, a segment and the stream. */
static gboolean
start_stream (GstDaedalusSrc * self)
{
  const struct daedalus_msg_stream_open *info;
  const GstDaedalusCodec *codec;
  GstPad *pad = GST_BASE_SRC_PAD (self);
  GstEvent *event;
  GstCaps *caps;
  gchar *sid;

  if (self->need_flush)
    push_flush (self);

  info = gst_daedalus_stream_get_info (self->stream);
  sid = gst_pad_create_stream_id_printf (pad, GST_ELEMENT (self),
      "%" G_GUINT64_FORMAT, gst_daedalus_stream_get_id (self->stream));
  event = gst_event_new_stream_start (sid);
  gst_event_set_group_id (event, gst_util_group_id_next ());
  gst_pad_push_event (pad, event);
  g_free (sid);

  codec = gst_daedalus_codec_from_fourcc (info->codec);
  if (!codec) {
    GST_WARNING_OBJECT (self, "unknown codec %" GST_FOURCC_FORMAT,
        GST_FOURCC_ARGS (info->codec));
    return FALSE;
  }
  caps = gst_daedalus_codec_get_caps (codec);
  /* No size: the client's OUTPUT size is a hint, often a placeholder
   * (dev-decoder.rst: the stream's headers decide), and parsers let
   * upstream caps override the headers' size (h264parse, h265parse,
   * vp9parse), which would then reach the kernel in the headers' FORMAT. */
  GST_INFO_OBJECT (self, "stream %" G_GUINT64_FORMAT ": %" GST_PTR_FORMAT,
      gst_daedalus_stream_get_id (self->stream), caps);
  if (!gst_base_src_set_caps (GST_BASE_SRC (self), caps)) {
    gst_caps_unref (caps);
    return FALSE;
  }
  gst_caps_unref (caps);

  push_segment (self);
  return TRUE;
}

static void
gop_clear (GstDaedalusSrc * self, gboolean whole)
{
  g_queue_clear_full (&self->gop, (GDestroyNotify) gst_buffer_unref);
  self->gop_bytes = 0;
  self->gop_whole = whole;
}

/* Keeps @buf for a replay, and nothing older than the latest keyframe.
 * Only the client's KEYFRAME flag says which access unit is one (no
 * parsing here: the template's parser knows, but it is the template's):
 * without it the GOP runs from the start of the stream or from the last
 * seek, which lands on a keyframe, up to the bounds. */
static void
gop_add (GstDaedalusSrc * self, GstBuffer * buf)
{
  if (gst_buffer_get_daedalus_meta (buf)->keyframe)
    gop_clear (self, TRUE);
  /* past the bounds, nothing until the next keyframe */
  if (!self->gop_whole)
    return;
  if (self->gop_bytes + gst_buffer_get_size (buf) > GOP_MAX_BYTES ||
      self->gop.length >= GOP_MAX_AUS) {
    GST_DEBUG_OBJECT (self, "GOP of more than %u access units or %u bytes: "
        "not kept", self->gop.length, (guint) self->gop_bytes);
    gop_clear (self, FALSE);
  }
  self->gop_bytes += gst_buffer_get_size (buf);
  g_queue_push_tail (&self->gop, gst_buffer_ref (buf));
}

/* After a drain: the GOP so far again, its frames marked to be dropped,
 * before the access units that follow. */
static void
gop_replay (GstDaedalusSrc * self, GstBuffer * next)
{
  GList *l;

  /* the decoder needs nothing before a keyframe */
  if (gst_buffer_get_daedalus_meta (next)->keyframe)
    return;
  if (!self->gop_whole) {
    GST_WARNING_OBJECT (self, "stream %" G_GUINT64_FORMAT ": no whole GOP "
        "kept to go on after the drain; frames up to the next keyframe "
        "may be lost", gst_daedalus_stream_get_id (self->stream));
    return;
  }
  GST_DEBUG_OBJECT (self, "feeding %u access units again after the drain",
      self->gop.length);
  for (l = self->gop.head; l; l = l->next) {
    GstBuffer *copy = gst_buffer_copy (l->data);

    gst_buffer_get_daedalus_meta (copy)->replay = TRUE;
    g_queue_push_tail (&self->out, copy);
  }
}

/* create()'s buffer: a replay, or an access unit whose CONSUMED goes once
 * it is pushed */
static GstBuffer *
next_out (GstDaedalusSrc * self)
{
  GstBuffer *buf;
  GstDaedalusMeta *meta;

  while ((buf = g_queue_pop_head (&self->out))) {
    meta = gst_buffer_get_daedalus_meta (buf);
    /* a seek or the close while a replay goes on: the rest of it is for
     * nothing (the access unit after it still goes, for its CONSUMED) */
    if (meta->replay && (gst_daedalus_stream_is_closed (self->stream) ||
            meta->epoch < gst_daedalus_stream_get_epoch (self->stream))) {
      gst_buffer_unref (buf);
      continue;
    }
    break;
  }
  if (!buf)
    return NULL;
  if (!meta->replay) {
    self->have_consumed = TRUE;
    self->consumed_cookie = meta->cookie;
    self->consumed_epoch = meta->epoch;
  }
  return buf;
}

static GstFlowReturn
claim_stream (GstDaedalusSrc * self)
{
  GError *err = NULL;
  guint32 *codecs;
  guint n_codecs;
  guint64 stream_id;

  stream_id = gst_daedalus_element_get_stream_id (GST_ELEMENT (self),
      &self->props);
  codecs = acceptable_codecs (self, &n_codecs);
  GST_DEBUG_OBJECT (self, "waiting for stream %" G_GUINT64_FORMAT
      " (%u codecs)", stream_id, n_codecs);
  self->stream = gst_daedalus_connection_claim_stream (self->conn, stream_id,
      codecs, n_codecs, self->cancellable, &err);
  g_free (codecs);

  if (!self->stream) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free (err);
      return GST_FLOW_FLUSHING;
    }
    DAEDALUS_ELEMENT_POST_ERROR (self, err);
    g_error_free (err);
    return GST_FLOW_ERROR;
  }

  if (!start_stream (self)) {
    gst_daedalus_stream_send_error (self->stream, -EINVAL);
    gst_clear_object (&self->stream);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("could not set the caps of the stream"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return GST_FLOW_OK;
}

static GstBuffer *
make_buffer (GstDaedalusSrc * self, GstDaedalusEvent * ev)
{
  GstBuffer *buf = ev->buffer;
  GstDaedalusMeta *meta;

  ev->buffer = NULL;
  /* the timestamp is information only: the identity of the access unit
   * travels in the meta */
  GST_BUFFER_PTS (buf) = ev->timestamp;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  /* Most clients never set V4L2_BUF_FLAG_KEYFRAME on OUTPUT buffers, so a
   * missing KEYFRAME flag says nothing: leave DELTA_UNIT to the parser. */
  meta = gst_buffer_add_daedalus_meta (buf, self->stream, ev->cookie,
      ev->epoch, ev->timestamp);
  meta->keyframe = ! !(ev->flags & DAEDALUS_DECODE_FLAG_KEYFRAME);
  return buf;
}

/* The stream is closed: returns whether to wait for the next one. */
static gboolean
stream_closed (GstDaedalusSrc * self)
{
  guint64 stream_id;

  stream_id = gst_daedalus_element_get_stream_id (GST_ELEMENT (self),
      &self->props);
  GST_INFO_OBJECT (self, "stream %" G_GUINT64_FORMAT " closed",
      gst_daedalus_stream_get_id (self->stream));
  gop_clear (self, TRUE);
  gst_clear_object (&self->stream);
  if (stream_id != 0)
    return FALSE;

  /* drop whatever the decoder still holds: nobody wants it now */
  push_flush (self);
  return TRUE;
}

static GstFlowReturn
gst_daedalus_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (psrc);
  GstFlowReturn ret;
  GstBuffer *buf;

  /* create() runs again only once the previous buffer was pushed: its
   * access unit is in the decoder now, the kernel may recycle it */
  send_pending_consumed (self);

  /* the rest of a replay, and the access unit after it */
  *outbuf = next_out (self);
  if (*outbuf)
    return GST_FLOW_OK;

  while (TRUE) {
    GstDaedalusEvent ev = { 0, };
    GstDaedalusWaitResult res;

    if (!self->stream) {
      ret = claim_stream (self);
      if (ret != GST_FLOW_OK)
        return ret;
    }

    res = gst_daedalus_stream_pop_event (self->stream, self->cancellable, &ev);
    switch (res) {
      case GST_DAEDALUS_WAIT_OK:
        break;
      case GST_DAEDALUS_WAIT_FLUSHING:
        return GST_FLOW_FLUSHING;
      case GST_DAEDALUS_WAIT_LOST:
        DAEDALUS_ELEMENT_LOST (self, self->conn, READ);
        return GST_FLOW_ERROR;
      case GST_DAEDALUS_WAIT_CLOSED:
      case GST_DAEDALUS_WAIT_STALE:
      default:
        ev.type = GST_DAEDALUS_EVENT_CLOSE;
        break;
    }

    switch (ev.type) {
      case GST_DAEDALUS_EVENT_DECODE:
        if (ev.epoch < gst_daedalus_stream_get_epoch (self->stream)) {
          GST_DEBUG_OBJECT (self, "dropping AU %" G_GUINT64_FORMAT
              " of old epoch %u", ev.cookie, ev.epoch);
          gst_daedalus_stream_send_consumed (self->stream, ev.cookie,
              ev.epoch, 0);
          gst_daedalus_event_clear (&ev);
          continue;
        }
        if (gst_buffer_get_size (ev.buffer) == 0) {
          /* nothing to decode (the module sends none: a peer that did is
           * answered all the same) */
          GST_DEBUG_OBJECT (self, "empty AU %" G_GUINT64_FORMAT, ev.cookie);
          gst_daedalus_stream_send_consumed (self->stream, ev.cookie,
              ev.epoch, 0);
          gst_daedalus_event_clear (&ev);
          continue;
        }
        GST_LOG_OBJECT (self, "AU %" G_GUINT64_FORMAT " epoch %u, %"
            G_GSIZE_FORMAT " bytes", ev.cookie, ev.epoch,
            gst_buffer_get_size (ev.buffer));
        buf = make_buffer (self, &ev);
        if (self->need_flush) {
          push_flush (self);
          push_segment (self);
          gop_replay (self, buf);
        }
        gop_add (self, buf);
        g_queue_push_tail (&self->out, buf);
        *outbuf = next_out (self);
        return GST_FLOW_OK;

      case GST_DAEDALUS_EVENT_DRAIN:
        GST_DEBUG_OBJECT (self, "drain epoch %u", ev.epoch);
        gst_daedalus_stream_begin_drain (self->stream, ev.epoch);
        gst_pad_push_event (GST_BASE_SRC_PAD (self), gst_event_new_eos ());
        self->need_flush = TRUE;
        break;

      case GST_DAEDALUS_EVENT_FLUSH:
        GST_DEBUG_OBJECT (self, "flush, new epoch %u", ev.epoch);
        push_flush (self);
        push_segment (self);
        /* a seek goes on from a keyframe (dev-decoder.rst) */
        gop_clear (self, TRUE);
        break;

      case GST_DAEDALUS_EVENT_CLOSE:
        if (!stream_closed (self))
          return GST_FLOW_EOS;
        break;
    }
    gst_daedalus_event_clear (&ev);
  }
}

static void
gst_daedalus_src_finalize (GObject * object)
{
  GstDaedalusSrc *self = GST_DAEDALUS_SRC (object);

  gst_daedalus_element_props_clear (&self->props);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_daedalus_src_init (GstDaedalusSrc * self)
{
  gst_daedalus_element_props_init (&self->props);

  /* Not live: the client feeds access units when it likes, and nothing is
   * late.  A live upstream would tell decoders to trade throughput for
   * latency: avdec_* then decodes with slice threads only, on one core for
   * most streams (issue 10: 0.46 of direct decode for 1080p H.264) */
  gst_base_src_set_live (GST_BASE_SRC (self), FALSE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

static void
gst_daedalus_src_class_init (GstDaedalusSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_daedalus_src_debug, "daedalussrc", 0,
      "daedalus-v4l2 access unit source");

  gobject_class->set_property = gst_daedalus_src_set_property;
  gobject_class->get_property = gst_daedalus_src_get_property;
  gobject_class->finalize = gst_daedalus_src_finalize;

  gst_daedalus_element_install_properties (gobject_class,
      "Id of the stream to decode; 0 serves the next stream that opens "
      "and nobody else serves, one after another");

  /* every codec of the table (gstdaedaluscodec.c) */
  caps = gst_daedalus_codec_all_caps ();
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_element_class_set_static_metadata (element_class,
      "daedalus-v4l2 source", "Source/Video",
      "Access units of a V4L2 client of the daedalus-v4l2 decoder",
      "daedalus-v4l2 authors");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_daedalus_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_daedalus_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_daedalus_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_daedalus_src_unlock_stop);
  basesrc_class->negotiate = GST_DEBUG_FUNCPTR (gst_daedalus_src_negotiate);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_daedalus_src_create);
}
