/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-daedalussink
 * @title: daedalussink
 *
 * Writes decoded frames into the CAPTURE buffers of the V4L2 client of a
 * daedalus-v4l2 decoder node.  The stream and the access unit of a frame
 * come from its #GstDaedalusMeta.  The first frame of a stream, and every
 * caps change, sends FORMAT; each frame then waits for a CAPTURE buffer
 * the client queued, is converted or copied into it and is announced with
 * FRAME.  An EOS that daedalussrc sent for a DRAIN is answered with
 * DRAIN_DONE and goes no further; any other EOS ends the pipeline.
 *
 * The sink renders in GstBaseSink::render only, with sync, QoS, async
 * state changes and the last-sample all off: every frame is rendered
 * exactly once, as soon as it arrives.
 *
 * With #GstDaedalusSink:zero-copy, the sink proposes a
 * #GstDaedalusCapturePool over the client's CAPTURE buffers for the stream
 * it knows (its `stream` property, which daedalusd sets, or the one it
 * served last) to a decoder linked to it that renders into downstream
 * buffers (a "direct-rendering" property that is on: avdec_*).  It then
 * writes its frames straight into them, and the sink only names them in a
 * FRAME.  Frames in any other memory are copied as before.
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
#include <linux/videodev2.h>

#include <gst/video/video.h>
#include <glib/gi18n-lib.h>

#include "gstdaedaluselements.h"
#include "gstdaedalussink.h"
#include "gstdaedalusconnection.h"
#include "gstdaedalusformat.h"
#include "gstdaedalusmeta.h"
#include "gstdaedaluspool.h"

GST_DEBUG_CATEGORY_STATIC (gst_daedalus_sink_debug);
#define GST_CAT_DEFAULT gst_daedalus_sink_debug

struct _GstDaedalusSink
{
  GstBaseSink parent;

  GstDaedalusElementProps props;
  gboolean zero_copy;           /* object lock */

  /* between start and stop */
  GstDaedalusConnection *conn;
  GCancellable *cancellable;

  /* streaming thread */
  GstVideoInfo in_info;
  gboolean have_info;
  GstDaedalusStream *stream;    /* the latest announced by daedalussrc's
                                 * event or seen in a frame */
  GstDaedalusStream *format_stream;     /* FORMAT sent for in_info to it */
  guint64 refused_stream;       /* the stream told of a refused FRAME */
  guint64 dropped;              /* frames of no known stream, since start */
  GstVideoConverter *convert;
  GstVideoInfo convert_in;
  GstVideoInfo convert_out;
  GstDaedalusStream *pool_stream;      /* of the pool proposed last */
  GList *pools;                 /* every pool proposed since start: a
                                 * decoder may still use an older one */
};

enum
{
  PROP_ZERO_COPY = 100,         /* after GstDaedalusElementProps' */
};

#define DEFAULT_ZERO_COPY TRUE

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)));

#define gst_daedalus_sink_parent_class parent_class
G_DEFINE_TYPE (GstDaedalusSink, gst_daedalus_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (daedalussink, "daedalussink",
    GST_RANK_NONE, GST_TYPE_DAEDALUS_SINK, daedalus_element_init (plugin));

static void
gst_daedalus_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (object);

  if (prop_id == PROP_ZERO_COPY) {
    GST_OBJECT_LOCK (self);
    self->zero_copy = g_value_get_boolean (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  gst_daedalus_element_set_property (object, &self->props, prop_id, value,
      pspec);
}

static void
gst_daedalus_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (object);

  if (prop_id == PROP_ZERO_COPY) {
    GST_OBJECT_LOCK (self);
    g_value_set_boolean (value, self->zero_copy);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  gst_daedalus_element_get_property (object, &self->props, prop_id, value,
      pspec);
}

static gboolean
gst_daedalus_sink_start (GstBaseSink * bsink)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);

  self->conn = DAEDALUS_ELEMENT_ACQUIRE (self, &self->props);
  if (!self->conn)
    return FALSE;
  self->cancellable = g_cancellable_new ();
  self->have_info = FALSE;
  self->dropped = 0;
  return TRUE;
}

static gboolean
gst_daedalus_sink_stop (GstBaseSink * bsink)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);

  g_clear_pointer (&self->convert, gst_video_converter_free);
  GST_OBJECT_LOCK (self);
  g_list_free_full (g_steal_pointer (&self->pools), gst_object_unref);
  GST_OBJECT_UNLOCK (self);
  gst_clear_object (&self->pool_stream);
  gst_clear_object (&self->stream);
  gst_clear_object (&self->format_stream);
  g_clear_object (&self->cancellable);
  gst_daedalus_element_release (&self->conn);
  return TRUE;
}

static void
set_pools_flushing (GstDaedalusSink * self, gboolean flushing)
{
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = self->pools; l; l = l->next)
    if (gst_buffer_pool_is_active (l->data))
      gst_buffer_pool_set_flushing (l->data, flushing);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_daedalus_sink_unlock (GstBaseSink * bsink)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);

  g_cancellable_cancel (self->cancellable);
  /* a decoder waiting in one for a CAPTURE buffer goes on */
  set_pools_flushing (self, TRUE);
  return TRUE;
}

static gboolean
gst_daedalus_sink_unlock_stop (GstBaseSink * bsink)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);

  g_cancellable_reset (self->cancellable);
  set_pools_flushing (self, FALSE);
  return TRUE;
}

static gboolean
gst_daedalus_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);

  if (!gst_video_info_from_caps (&self->in_info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  self->have_info = TRUE;
  /* FORMAT again with the next frame */
  gst_clear_object (&self->format_stream);
  return TRUE;
}

/* The stream an EOS is about: the one daedalussrc announced, else the one
 * of the stream property. */
static GstDaedalusStream *
eos_stream (GstDaedalusSink * self)
{
  guint64 stream_id;

  if (self->stream)
    return gst_object_ref (self->stream);

  stream_id = gst_daedalus_element_get_stream_id (GST_ELEMENT (self),
      &self->props);
  if (stream_id && self->conn)
    return gst_daedalus_connection_lookup_stream (self->conn, stream_id);
  return NULL;
}

static gboolean
gst_daedalus_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);
  GstDaedalusStream *stream;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      stream = gst_daedalus_stream_event_parse (event);
      if (stream) {
        GST_DEBUG_OBJECT (self, "stream %" G_GUINT64_FORMAT " follows",
            gst_daedalus_stream_get_id (stream));
        gst_object_replace ((GstObject **) & self->stream,
            (GstObject *) stream);
        gst_object_unref (stream);
      }
      break;
    case GST_EVENT_EOS:{
      guint32 epoch;

      stream = eos_stream (self);
      if (stream && gst_daedalus_stream_get_connection (stream) == self->conn
          && gst_daedalus_stream_end_drain (stream, &epoch)) {
        /* a DRAIN, not the end: answer it and keep running */
        GST_DEBUG_OBJECT (self, "stream %" G_GUINT64_FORMAT " drained, "
            "epoch %u", gst_daedalus_stream_get_id (stream), epoch);
        gst_daedalus_stream_send_drain_done (stream, epoch);
        gst_object_unref (stream);
        gst_event_unref (event);
        return TRUE;
      }
      gst_clear_object (&stream);
      break;
    }
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static gint
send_format (GstDaedalusSink * self, GstDaedalusStream * stream)
{
  struct daedalus_msg_format fmt;
  GstVideoInfo *info = &self->in_info;
  GstVideoFormat vformat = GST_VIDEO_INFO_FORMAT (info);
  gint ret;

  if (!gst_daedalus_stream_fill_format (stream, &fmt, info, vformat)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        (_("The decoder gives %s video, which no V4L2 pixel format can "
                "describe."), gst_video_format_to_string (vformat)),
        ("stream %" G_GUINT64_FORMAT ": no raw format of the node has this "
            "chroma", gst_daedalus_stream_get_id (stream)));
    return -EINVAL;
  }

  GST_INFO_OBJECT (self, "stream %" G_GUINT64_FORMAT ": FORMAT %"
      GST_FOURCC_FORMAT " %ux%u, %u bits (decoded as %s)",
      gst_daedalus_stream_get_id (stream), GST_FOURCC_ARGS (fmt.pixelformat),
      fmt.width, fmt.height, fmt.bit_depth, gst_video_format_to_string (vformat));
  ret = gst_daedalus_stream_send_format (stream, &fmt);
  if (ret == -EINVAL) {
    /* the node cannot take this format (a size beyond its limits, say):
     * nothing of the stream can be shown */
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        (_("The decoder node refused the format of the decoded video.")),
        ("stream %" G_GUINT64_FORMAT ": FORMAT %" GST_FOURCC_FORMAT
            " %ux%u, %u bits rejected", gst_daedalus_stream_get_id (stream),
            GST_FOURCC_ARGS (fmt.pixelformat), fmt.width, fmt.height,
            fmt.bit_depth));
  }
  return ret;
}

/* Fills @out_info with the layout the kernel announced for @cbuf, checked
 * against its planes, and returns the library's GstBuffer over its
 * dma-bufs for it (transfer none: mapped once per buffer and layout). */
static GstBuffer *
wrap_capture_buffer (GstDaedalusSink * self, GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * cbuf, GstVideoInfo * out_info)
{
  GError *err = NULL;
  GstBuffer *buf = NULL;

  if (gst_daedalus_capture_layout_info (&cbuf->info, &self->in_info,
          out_info, &err))
    buf = gst_daedalus_stream_wrap_capture_buffer (stream, cbuf, out_info,
        &err);
  if (!buf) {
    GST_WARNING_OBJECT (self, "%s", err->message);
    g_error_free (err);
  }
  return buf;
}

/* Copies @in into @out, converted only if the client chose another format
 * than the decoder's. */
static gboolean
copy_frame (GstDaedalusSink * self, GstVideoFrame * in, GstVideoFrame * out)
{
  if (GST_VIDEO_FRAME_FORMAT (in) == GST_VIDEO_FRAME_FORMAT (out))
    return gst_video_frame_copy (out, in);

  if (self->convert && (!gst_video_info_is_equal (&self->convert_in,
              &in->info) || !gst_video_info_is_equal (&self->convert_out,
              &out->info)))
    g_clear_pointer (&self->convert, gst_video_converter_free);
  if (!self->convert) {
    GstStructure *config = NULL;

    self->convert_in = in->info;
    self->convert_out = out->info;

    /* a repacking (I420_10LE to P010) keeps every bit: a dither would
     * change the samples; only a cut in depth (10 bits to NV12) is
     * dithered */
    if (GST_VIDEO_INFO_COMP_DEPTH (&out->info, 0) >=
        GST_VIDEO_INFO_COMP_DEPTH (&in->info, 0))
      config = gst_structure_new ("GstVideoConverter",
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
          GST_VIDEO_DITHER_NONE, NULL);
    self->convert = gst_video_converter_new (&in->info, &out->info, config);
    if (!self->convert) {
      GST_WARNING_OBJECT (self, "no conversion from %s to %s",
          GST_VIDEO_INFO_NAME (&in->info), GST_VIDEO_INFO_NAME (&out->info));
      return FALSE;
    }
  }
  gst_video_converter_frame (self->convert, in, out);
  return TRUE;
}

/* FORMAT for the current caps to @stream, once.  Returns GST_FLOW_OK when
 * it was taken, GST_FLOW_CUSTOM_SUCCESS when the stream failed or closed
 * meanwhile (its frames are dropped), GST_FLOW_ERROR when refused (said
 * why). */
static GstFlowReturn
ensure_format (GstDaedalusSink * self, GstDaedalusStream * stream)
{
  gint ret;

  if (self->format_stream == stream)
    return GST_FLOW_OK;
  ret = send_format (self, stream);
  if (ret == -EINVAL)
    return GST_FLOW_ERROR;
  if (ret < 0) {
    GST_DEBUG_OBJECT (self, "FORMAT not taken (%s)", g_strerror (-ret));
    return GST_FLOW_CUSTOM_SUCCESS;
  }
  gst_object_replace ((GstObject **) & self->format_stream,
      (GstObject *) stream);
  return GST_FLOW_OK;
}

/* Whether the element before the sink decodes straight into the buffers
 * it is given, as it says with a "direct-rendering" property that is on
 * (avdec_*).  Others (vp8dec, vp9dec, a converter) copy into them: they
 * gain nothing from the client's buffers and keep the copy path. */
static gboolean
peer_renders_direct (GstDaedalusSink * self)
{
  GstPad *peer = gst_pad_get_peer (GST_BASE_SINK_PAD (self));
  GstObject *parent = peer ? gst_pad_get_parent (peer) : NULL;
  gboolean direct = FALSE;

  if (parent && G_IS_OBJECT (parent) &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (parent),
          "direct-rendering"))
    g_object_get (parent, "direct-rendering", &direct, NULL);
  gst_clear_object (&parent);
  gst_clear_object (&peer);
  return direct;
}

/* The decoder asks where to render: with zero-copy, into the client's
 * CAPTURE buffers of the stream known now. */
static gboolean
gst_daedalus_sink_propose_allocation (GstBaseSink * bsink, GstQuery * query)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);
  GstDaedalusStream *stream = NULL;
  GstBufferPool *pool;
  GstStructure *config;
  gboolean zero_copy;
  GstVideoInfo info;
  GList *l, *next;
  GstCaps *caps;

  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);

  GST_OBJECT_LOCK (self);
  zero_copy = self->zero_copy;
  GST_OBJECT_UNLOCK (self);
  gst_query_parse_allocation (query, &caps, NULL);
  if (!zero_copy || !caps || !gst_video_info_from_caps (&info, caps) ||
      !self->have_info || !gst_video_info_is_equal (&info, &self->in_info) ||
      !peer_renders_direct (self))
    return TRUE;
  /* FORMAT still comes with the first frame of these caps (the decoder
   * may negotiate before it has given every frame of the old ones): the
   * client has buffers of the headers' FORMAT already, which the pool
   * lends at once, or the decoder renders into the pool's own memory
   * until it has */
  stream = eos_stream (self);
  if (!stream || gst_daedalus_stream_get_connection (stream) != self->conn) {
    gst_clear_object (&stream);
    return TRUE;
  }

  /* a new pool for each query: the decoder configures it for its caps (a
   * pool it already uses is active, and keeps its configuration) */
  gst_object_replace ((GstObject **) & self->pool_stream,
      (GstObject *) stream);
  pool = gst_daedalus_capture_pool_new (stream);
  gst_object_unref (stream);
  GST_OBJECT_LOCK (self);
  /* those no decoder uses any more go */
  for (l = self->pools; l; l = next) {
    next = l->next;
    if (!gst_buffer_pool_is_active (l->data)) {
      gst_object_unref (l->data);
      self->pools = g_list_delete_link (self->pools, l);
    }
  }
  self->pools = g_list_prepend (self->pools, pool);
  GST_OBJECT_UNLOCK (self);
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, info.size, 0, 0);
  gst_buffer_pool_config_add_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config))
    return TRUE;
  GST_DEBUG_OBJECT (self, "proposing the CAPTURE buffers of stream %"
      G_GUINT64_FORMAT, gst_daedalus_stream_get_id (self->pool_stream));
  gst_query_add_allocation_pool (query, pool, info.size, 0, 0);
  return TRUE;
}

/* @bytesused per memory plane of @ci for a frame of @out_info */
static void
fill_bytesused (const struct daedalus_msg_capture_buffer *ci,
    const GstVideoInfo * out_info, guint32 * bytesused)
{
  guint i;

  for (i = 0; i < DAEDALUS_MAX_PLANES; i++)
    bytesused[i] = 0;
  for (i = 0; i < GST_VIDEO_INFO_N_PLANES (out_info); i++) {
    const struct daedalus_color_plane *cp = &ci->color_planes[i];
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint32 end;

    gst_video_format_info_component (out_info->finfo, i, comp);
    end = cp->offset + cp->stride *
        GST_VIDEO_INFO_COMP_HEIGHT (out_info, comp[0]);
    bytesused[cp->mem_plane] = MAX (bytesused[cp->mem_plane], end);
  }
}

/* Writes @inbuf into @cbuf; fills @bytesused per memory plane. */
static gboolean
write_frame (GstDaedalusSink * self, GstDaedalusStream * stream,
    GstBuffer * inbuf, GstDaedalusCaptureBuffer * cbuf, guint32 * bytesused)
{
  const struct daedalus_msg_capture_buffer *ci = &cbuf->info;
  GstVideoFrame in, out;
  GstVideoInfo out_info;
  GstBuffer *outbuf;
  gboolean ok;

  /* the library's: no reference taken, it stays mapped */
  outbuf = wrap_capture_buffer (self, stream, cbuf, &out_info);
  if (!outbuf)
    return FALSE;

  if (!gst_video_frame_map (&in, &self->in_info, inbuf, GST_MAP_READ))
    return FALSE;
  if (!gst_video_frame_map (&out, &out_info, outbuf, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in);
    return FALSE;
  }
  ok = copy_frame (self, &in, &out);
  /* unmapping ends the dma-buf CPU access (DMA_BUF_IOCTL_SYNC) */
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  if (!ok)
    return FALSE;
  gst_daedalus_stream_count_frame (stream,
      GST_VIDEO_INFO_FORMAT (&self->in_info) !=
      GST_VIDEO_INFO_FORMAT (&out_info) ? GST_DAEDALUS_FRAME_CONVERTED :
      GST_DAEDALUS_FRAME_COPIED);
  fill_bytesused (ci, &out_info, bytesused);
  return TRUE;
}

/* Names @cbuf in a FRAME for the frame @buffer of @meta: written into it
 * by the decoder (@direct), else copied now.  Takes @cbuf. */
static GstFlowReturn
send_frame (GstDaedalusSink * self, GstDaedalusStream * stream,
    GstDaedalusMeta * meta, GstBuffer * buffer,
    GstDaedalusCaptureBuffer * cbuf, gboolean direct)
{
  struct daedalus_msg_frame frame = { {0,}, };
  GstVideoInfo out_info;
  gint ret;

  frame.cookie = meta->cookie;
  frame.epoch = meta->epoch;
  frame.index = cbuf->info.index;
  frame.generation = cbuf->info.generation;
  frame.num_planes = cbuf->info.num_mem_planes;
  /* decoders leave DELTA_UNIT off their frames (GstVideoDecoder does not
   * set it): only the client's flag on the access unit says */
  if (meta->keyframe)
    frame.flags |= DAEDALUS_FRAME_FLAG_KEYFRAME;
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_CORRUPTED))
    frame.flags |= DAEDALUS_FRAME_FLAG_ERROR;
  if (direct && gst_daedalus_capture_layout_info (&cbuf->info,
          &self->in_info, &out_info, NULL)) {
    fill_bytesused (&cbuf->info, &out_info, frame.bytesused);
    gst_daedalus_stream_count_frame (stream, GST_DAEDALUS_FRAME_DIRECT);
  } else if (direct || !write_frame (self, stream, buffer, cbuf,
          frame.bytesused)) {
    /* give the buffer back, marked as failed */
    GST_WARNING_OBJECT (self, "could not write the frame of AU %"
        G_GUINT64_FORMAT " into buffer %u", meta->cookie, cbuf->info.index);
    frame.flags = DAEDALUS_FRAME_FLAG_ERROR;
    memset (frame.bytesused, 0, sizeof (frame.bytesused));
  }
  GST_LOG_OBJECT (self, "FRAME AU %" G_GUINT64_FORMAT " -> buffer %u",
      (guint64) frame.cookie, frame.index);
  ret = gst_daedalus_stream_send_frame (stream, &frame, cbuf);
  /* EINVAL: a layout the buffer cannot hold, no frame of this stream
   * could go; ENOENT: the buffer is ours again
   * (gst_daedalus_stream_send_frame()), the frame is lost, said once per
   * stream */
  if (ret == -EINVAL || (ret == -ENOENT &&
          self->refused_stream != gst_daedalus_stream_get_id (stream))) {
    gchar *why = g_strdup_printf ("stream %" G_GUINT64_FORMAT ": FRAME of "
        "AU %" G_GUINT64_FORMAT " into buffer %u: %s",
        gst_daedalus_stream_get_id (stream), meta->cookie, frame.index,
        g_strerror (-ret));

    if (ret == -EINVAL) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          (_("The decoder node refused a decoded frame.")), ("%s", why));
      g_free (why);
      gst_daedalus_capture_buffer_unref (cbuf);
      return GST_FLOW_ERROR;
    }
    self->refused_stream = gst_daedalus_stream_get_id (stream);
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        (_("The decoder node refused a decoded frame.")), ("%s", why));
    g_free (why);
  }
  gst_daedalus_capture_buffer_unref (cbuf);
  return GST_FLOW_OK;
}


static GstFlowReturn
gst_daedalus_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (bsink);
  GstDaedalusCaptureBuffer *cbuf;
  GstDaedalusWaitResult res;
  GstDaedalusStream *stream;
  GstDaedalusMeta *meta;
  guint64 stream_id;

  stream_id = gst_daedalus_element_get_stream_id (GST_ELEMENT (self),
      &self->props);
  meta = gst_buffer_get_daedalus_meta (buffer);
  if (!meta || gst_daedalus_stream_get_connection (meta->stream) != self->conn
      || (stream_id
          && gst_daedalus_stream_get_id (meta->stream) != stream_id)) {
    /* said once: a template that loses the meta would say it per frame */
    if (self->dropped++ == 0)
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          (_("Dropped a decoded frame that belongs to no known stream.")),
          ("buffer %" GST_PTR_FORMAT " without a GstDaedalusMeta of this "
              "connection; further ones are dropped without a warning",
              buffer));
    else
      GST_DEBUG_OBJECT (self, "dropped frame %" G_GUINT64_FORMAT " of no "
          "known stream", self->dropped);
    return GST_FLOW_OK;
  }
  if (meta->replay) {
    /* fed again after a drain for its references: written already */
    GST_LOG_OBJECT (self, "dropping the replayed frame of AU %"
        G_GUINT64_FORMAT, meta->cookie);
    return GST_FLOW_OK;
  }
  stream = meta->stream;
  if (self->stream != stream)
    gst_object_replace ((GstObject **) & self->stream, (GstObject *) stream);
  if (!self->have_info) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("no caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  if (self->pool_stream && self->pool_stream != stream) {
    /* the pool lends another stream's buffers: ask for a new one */
    gst_clear_object (&self->pool_stream);
    gst_pad_push_event (GST_BASE_SINK_PAD (self), gst_event_new_reconfigure ());
  }

  switch (ensure_format (self, stream)) {
    case GST_FLOW_OK:
      break;
    case GST_FLOW_ERROR:
      return GST_FLOW_ERROR;    /* said why */
    default:
      /* the stream failed or was closed meanwhile */
      GST_DEBUG_OBJECT (self, "dropping the frame of AU %" G_GUINT64_FORMAT,
          meta->cookie);
      return GST_FLOW_OK;
  }

  if (gst_daedalus_stream_claim_lent_buffer (stream, buffer, &cbuf)) {
    /* rendered into the client's buffer by the decoder */
    if (meta->epoch < gst_daedalus_stream_get_epoch (stream)) {
      GST_DEBUG_OBJECT (self, "dropping frame of AU %" G_GUINT64_FORMAT
          ": flushed", meta->cookie);
      gst_daedalus_stream_unclaim_lent_buffer (stream, cbuf);
      return GST_FLOW_OK;
    }
    return send_frame (self, stream, meta, buffer, cbuf, TRUE);
  }

  res = gst_daedalus_stream_acquire_capture_buffer (stream,
      GST_VIDEO_INFO_WIDTH (&self->in_info),
      GST_VIDEO_INFO_HEIGHT (&self->in_info), meta->epoch, self->cancellable,
      &cbuf);
  switch (res) {
    case GST_DAEDALUS_WAIT_OK:
      break;
    case GST_DAEDALUS_WAIT_FLUSHING:
      return GST_FLOW_FLUSHING;
    case GST_DAEDALUS_WAIT_LOST:
      DAEDALUS_ELEMENT_LOST (self, self->conn, WRITE);
      return GST_FLOW_ERROR;
    default:
      GST_DEBUG_OBJECT (self, "dropping frame of AU %" G_GUINT64_FORMAT
          ": stream closed or flushed", meta->cookie);
      return GST_FLOW_OK;
  }

  return send_frame (self, stream, meta, buffer, cbuf, FALSE);
}

static void
gst_daedalus_sink_finalize (GObject * object)
{
  GstDaedalusSink *self = GST_DAEDALUS_SINK (object);

  gst_daedalus_element_props_clear (&self->props);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_daedalus_sink_init (GstDaedalusSink * self)
{
  GstBaseSink *bsink = GST_BASE_SINK (self);

  gst_daedalus_element_props_init (&self->props);
  self->zero_copy = DEFAULT_ZERO_COPY;

  /* every frame once, at once, and no buffer kept */
  gst_base_sink_set_sync (bsink, FALSE);
  gst_base_sink_set_qos_enabled (bsink, FALSE);
  gst_base_sink_set_async_enabled (bsink, FALSE);
  gst_base_sink_set_last_sample_enabled (bsink, FALSE);
}

static void
gst_daedalus_sink_class_init (GstDaedalusSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_daedalus_sink_debug, "daedalussink", 0,
      "daedalus-v4l2 frame sink");

  gobject_class->set_property = gst_daedalus_sink_set_property;
  gobject_class->get_property = gst_daedalus_sink_get_property;
  gobject_class->finalize = gst_daedalus_sink_finalize;

  gst_daedalus_element_install_properties (gobject_class,
      "Only render frames of this stream id; 0 renders the frames of "
      "whatever stream daedalussrc serves");
  g_object_class_install_property (gobject_class, PROP_ZERO_COPY,
      g_param_spec_boolean ("zero-copy", "Zero-copy",
          "Propose the client's CAPTURE buffers to the decoder, so that a "
          "decoder that renders into downstream buffers (avdec) writes its "
          "frames straight into them; frames in other memory are copied",
          DEFAULT_ZERO_COPY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "daedalus-v4l2 sink", "Sink/Video",
      "Writes decoded frames into the CAPTURE buffers of a V4L2 client of "
      "the daedalus-v4l2 decoder", "daedalus-v4l2 authors");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_daedalus_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_daedalus_sink_stop);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_daedalus_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_daedalus_sink_unlock_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_daedalus_sink_set_caps);
  basesink_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_daedalus_sink_propose_allocation);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_daedalus_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_daedalus_sink_render);
}
