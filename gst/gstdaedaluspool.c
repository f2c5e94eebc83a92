/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstdaedaluspool
 * @title: GstDaedalusCapturePool
 *
 * A buffer pool over the CAPTURE buffers of a stream's client, for a
 * decoder that renders into downstream buffers (avdec's direct rendering):
 * its frames are written straight into the buffers the client dequeues,
 * with no copy (zero-copy).  daedalussink proposes it.
 *
 * A CAPTURE buffer is lent when it is of the node's own memory
 * (%DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY), in the decoder's format, with
 * the strides the decoder's alignment gives, and room in every plane for
 * the padding rows the decoder asks for (VIDEO_ALIGNMENT), planes not
 * overlapping.  It goes back to the decoder only once the client queued it
 * again *and* the decoder let go of it (a reference frame stays readable
 * after the client got it).  One buffer is never lent, so that frames
 * the decoder gives in its own memory still find one to be copied into.
 *
 * A decoder waits for a buffer only while the client has one to give back
 * that it can render into, as the copies wait for theirs, and for a second
 * at most: never for one the decoder holds itself.  When no CAPTURE buffer
 * can be lent (the client's format or layout does not fit, its memory is
 * its own, the decoder holds all it may), the pool gives a buffer of its
 * own memory with the same layout: that frame is copied, once, by
 * daedalussink.  The pool never fails an allocation (a decoder may take
 * that as fatal).
 *
 * GstVideoDecoder copies every frame it pushes while the decoder still
 * holds it (to set its timestamps); avdec maps its frames for writing for
 * as long as they are references, so that copy would be a full one.  The
 * lent memories are copied as a read-only view of the same dma-buf
 * instead, which daedalussink recognises
 * (gst_daedalus_stream_claim_lent_buffer()).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/allocators/allocators.h>

#include "gstdaedaluspool.h"
#include "gstdaedalusformat.h"

GST_DEBUG_CATEGORY_STATIC (gst_daedalus_pool_debug);
#define GST_CAT_DEFAULT gst_daedalus_pool_debug

/* The longest a decoder waits for the client to give back a CAPTURE
 * buffer before it renders into the pool's own memory (a copy): a client
 * that holds its buffers (paused) never holds the decoder */
#define LEND_TIMEOUT_MS 1000

struct _GstDaedalusCapturePool
{
  GstBufferPool parent;

  GstDaedalusStream *stream;
  GCancellable *cancellable;    /* object lock; cancelled at a flush and
                                 * replaced at its end, so that an acquire
                                 * the flush found waiting ends even when
                                 * the flush is already over */
  GstAtomicQueue *empty;        /* lendings' GstBuffers, without memory */
  GstAtomicQueue *own;          /* buffers of the pool's own memory */

  /* set_config() and acquire_buffer(), which GstBufferPool never runs at
   * the same time */
  GstVideoInfo info;            /* the decoder's frames */
  GstVideoInfo aligned;         /* with its alignment: strides, own layout */
  GstVideoInfo padded;          /* the frame with its padding: plane rows */
  gboolean can_lend;            /* padding at the bottom and right only */
  GstAllocationParams params;
  gboolean probed;              /* since start: the decoder's first ask */

};

#define gst_daedalus_capture_pool_parent_class parent_class
G_DEFINE_FINAL_TYPE_WITH_CODE (GstDaedalusCapturePool,
    gst_daedalus_capture_pool, GST_TYPE_BUFFER_POOL,
    GST_DEBUG_CATEGORY_INIT (gst_daedalus_pool_debug, "daedaluspool", 0,
        "daedalus-v4l2 CAPTURE buffer pool"));

/**
 * gst_daedalus_capture_layout_info:
 * @layout: a CAPTURE buffer's announcement
 * @frame: the frames to write: size and colorimetry
 * @out: (out): @frame in @layout's format, each plane's offset (from the
 *   start of the first memory plane, memory planes one after the other) and
 *   stride as the buffer has them
 *
 * Returns: FALSE (with @error) when @layout's format is not one the library
 * writes, or a plane of a @frame-sized picture would not fit its memory
 */
gboolean
gst_daedalus_capture_layout_info (const struct daedalus_msg_capture_buffer
    *layout, const GstVideoInfo * frame, GstVideoInfo * out, GError ** error)
{
  gsize base[DAEDALUS_MAX_PLANES], total = 0;
  GstVideoFormat format;
  guint i, n_planes, n_mem;

  format = gst_daedalus_raw_to_video_format (layout->pixelformat, &n_mem);
  if (format == GST_VIDEO_FORMAT_UNKNOWN || n_mem != layout->num_mem_planes
      || n_mem > DAEDALUS_MAX_PLANES) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "cannot write %" GST_FOURCC_FORMAT " in %u planes",
        GST_FOURCC_ARGS (layout->pixelformat), layout->num_mem_planes);
    return FALSE;
  }

  gst_video_info_set_format (out, format, GST_VIDEO_INFO_WIDTH (frame),
      GST_VIDEO_INFO_HEIGHT (frame));
  /* only the memory layout differs from the decoded frame */
  out->colorimetry = frame->colorimetry;
  out->chroma_site = frame->chroma_site;
  out->interlace_mode = frame->interlace_mode;
  out->par_n = frame->par_n;
  out->par_d = frame->par_d;
  out->fps_n = frame->fps_n;
  out->fps_d = frame->fps_d;
  n_planes = GST_VIDEO_INFO_N_PLANES (out);
  if (layout->num_color_planes < n_planes) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "%u colour planes, need %u", layout->num_color_planes, n_planes);
    return FALSE;
  }

  for (i = 0; i < n_mem; i++) {
    base[i] = total;
    total += layout->mem_plane_length[i];
  }
  for (i = 0; i < n_planes; i++) {
    const struct daedalus_color_plane *cp = &layout->color_planes[i];
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint64 end;

    gst_video_format_info_component (out->finfo, i, comp);
    end = cp->offset + (guint64) cp->stride *
        GST_VIDEO_INFO_COMP_HEIGHT (out, comp[0]);
    /* never write past the plane, whatever the frame size says */
    if (cp->mem_plane >= n_mem || end > layout->mem_plane_length[cp->mem_plane]
        || cp->stride < (guint) GST_VIDEO_INFO_COMP_WIDTH (out, comp[0]) *
        GST_VIDEO_INFO_COMP_PSTRIDE (out, comp[0])) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
          "plane %u (offset %u stride %u) does not fit a %dx%d frame", i,
          cp->offset, cp->stride, GST_VIDEO_INFO_WIDTH (out),
          GST_VIDEO_INFO_HEIGHT (out));
      return FALSE;
    }
    out->offset[i] = base[cp->mem_plane] + cp->offset;
    out->stride[i] = cp->stride;
  }
  out->size = total;
  return TRUE;
}

/* GstDaedalusCaptureFit: the decoder renders with its strides, and writes
 * (or reads) the padding rows below each plane */
static gboolean
capture_fits (const struct daedalus_msg_capture_buffer *ci, gpointer data)
{
  GstDaedalusCapturePool *self = data;
  GstVideoInfo l;
  guint i, j;

  if (!gst_daedalus_capture_layout_info (ci, &self->info, &l, NULL) ||
      GST_VIDEO_INFO_FORMAT (&l) != GST_VIDEO_INFO_FORMAT (&self->info))
    return FALSE;
  for (i = 0; i < GST_VIDEO_INFO_N_PLANES (&l); i++) {
    const struct daedalus_color_plane *cp = &ci->color_planes[i];
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint64 end;

    if (l.stride[i] != self->aligned.stride[i])
      return FALSE;
    gst_video_format_info_component (l.finfo, i, comp);
    end = cp->offset + (guint64) cp->stride *
        GST_VIDEO_INFO_COMP_HEIGHT (&self->padded, comp[0]);
    if (end > ci->mem_plane_length[cp->mem_plane])
      return FALSE;
    for (j = 0; j < GST_VIDEO_INFO_N_PLANES (&l); j++) {
      const struct daedalus_color_plane *o = &ci->color_planes[j];

      if (j != i && o->mem_plane == cp->mem_plane && o->offset >= cp->offset
          && o->offset < end)
        return FALSE;
    }
  }
  return TRUE;
}

static const gchar **
gst_daedalus_capture_pool_get_options (GstBufferPool * pool)
{
  static const gchar *options[] = { GST_BUFFER_POOL_OPTION_VIDEO_META,
    GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT, NULL
  };

  return options;
}

static void
clear_own (GstDaedalusCapturePool * self)
{
  GstBuffer *buf;

  while ((buf = gst_atomic_queue_pop (self->own)))
    gst_buffer_unref (buf);
}

static gboolean
gst_daedalus_capture_pool_set_config (GstBufferPool * pool,
    GstStructure * config)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (pool);
  GstVideoAlignment align;
  GstCaps *caps;
  guint size, min, max, i;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max) ||
      !caps || !gst_video_info_from_caps (&self->info, caps)) {
    GST_WARNING_OBJECT (self, "no video caps in the configuration");
    return FALSE;
  }

  gst_video_alignment_reset (&align);
  if (gst_buffer_pool_config_has_option (config,
          GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT))
    gst_buffer_pool_config_get_video_alignment (config, &align);
  self->aligned = self->info;
  if (!gst_video_info_align (&self->aligned, &align))
    return FALSE;
  gst_video_info_set_format (&self->padded, GST_VIDEO_INFO_FORMAT (&self->info),
      GST_VIDEO_INFO_WIDTH (&self->info) + align.padding_left +
      align.padding_right, GST_VIDEO_INFO_HEIGHT (&self->info) +
      align.padding_top + align.padding_bottom);
  self->can_lend = align.padding_top == 0 && align.padding_left == 0;

  if (!gst_buffer_pool_config_get_allocator (config, NULL, &self->params))
    gst_allocation_params_init (&self->params);
  for (i = 0; i < GST_VIDEO_MAX_PLANES; i++)
    self->params.align |= align.stride_align[i];

  GST_DEBUG_OBJECT (self, "%s %dx%d, padding bottom %u right %u, strides "
      "%d %d %d", GST_VIDEO_INFO_NAME (&self->info),
      GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info),
      align.padding_bottom, align.padding_right, self->aligned.stride[0],
      self->aligned.stride[1], self->aligned.stride[2]);
  clear_own (self);
  gst_buffer_pool_config_set_params (config, caps,
      MAX (size, self->aligned.size), min, max);
  return GST_BUFFER_POOL_CLASS (parent_class)->set_config (pool, config);
}

static gboolean
gst_daedalus_capture_pool_start (GstBufferPool * pool)
{
  GST_DAEDALUS_CAPTURE_POOL (pool)->probed = FALSE;
  return TRUE;
}

static gboolean
gst_daedalus_capture_pool_stop (GstBufferPool * pool)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (pool);
  GstBuffer *buf;

  clear_own (self);
  while ((buf = gst_atomic_queue_pop (self->empty)))
    gst_buffer_unref (buf);
  return TRUE;
}

static void
gst_daedalus_capture_pool_flush_start (GstBufferPool * pool)
{
  GCancellable *cancellable;

  GST_OBJECT_LOCK (pool);
  cancellable = g_object_ref (GST_DAEDALUS_CAPTURE_POOL (pool)->cancellable);
  GST_OBJECT_UNLOCK (pool);
  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);
}

static void
gst_daedalus_capture_pool_flush_stop (GstBufferPool * pool)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (pool);
  GCancellable *old;

  GST_OBJECT_LOCK (self);
  old = self->cancellable;
  self->cancellable = g_cancellable_new ();
  GST_OBJECT_UNLOCK (self);
  g_object_unref (old);
}

/* A buffer of the pool's own memory, laid out as the decoder asked */
static GstBuffer *
own_buffer (GstDaedalusCapturePool * self)
{
  GstBuffer *buf = gst_atomic_queue_pop (self->own);
  GstVideoMeta *meta;

  if (buf)
    return buf;
  buf = gst_buffer_new_allocate (NULL, self->aligned.size, &self->params);
  if (!buf)
    return NULL;
  meta = gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (&self->aligned),
      GST_VIDEO_INFO_WIDTH (&self->aligned),
      GST_VIDEO_INFO_HEIGHT (&self->aligned),
      GST_VIDEO_INFO_N_PLANES (&self->aligned), self->aligned.offset,
      self->aligned.stride);
  GST_META_FLAG_SET (meta, GST_META_FLAG_POOLED);
  return buf;
}

/* The client's buffer as a GstBuffer the decoder renders into */
static GstBuffer *
lent_buffer (GstDaedalusCapturePool * self,
    const struct daedalus_msg_capture_buffer *ci, GstMemory ** mems)
{
  GstBuffer *buf = gst_atomic_queue_pop (self->empty);
  GstVideoMeta *meta;
  GstVideoInfo l;
  guint i;

  /* checked by capture_fits() already */
  if (!gst_daedalus_capture_layout_info (ci, &self->info, &l, NULL))
    g_assert_not_reached ();
  if (!buf) {
    buf = gst_buffer_new ();
    meta = gst_buffer_add_video_meta (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_INFO_FORMAT (&l), GST_VIDEO_INFO_WIDTH (&l),
        GST_VIDEO_INFO_HEIGHT (&l));
    GST_META_FLAG_SET (meta, GST_META_FLAG_POOLED);
  }
  for (i = 0; i < ci->num_mem_planes; i++)
    gst_buffer_append_memory (buf, mems[i]);
  meta = gst_buffer_get_video_meta (buf);
  meta->format = GST_VIDEO_INFO_FORMAT (&l);
  meta->width = GST_VIDEO_INFO_WIDTH (&l);
  meta->height = GST_VIDEO_INFO_HEIGHT (&l);
  meta->n_planes = GST_VIDEO_INFO_N_PLANES (&l);
  for (i = 0; i < GST_VIDEO_MAX_PLANES; i++) {
    meta->offset[i] = l.offset[i];
    meta->stride[i] = l.stride[i];
  }
  return buf;
}

static GstFlowReturn
gst_daedalus_capture_pool_acquire_buffer (GstBufferPool * pool,
    GstBuffer ** buffer, GstBufferPoolAcquireParams * params)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (pool);
  GstMemory *mems[DAEDALUS_MAX_PLANES] = { NULL, };
  GstDaedalusCaptureBuffer *cbuf = NULL;
  GCancellable *cancellable;
  GstDaedalusWaitResult res = GST_DAEDALUS_WAIT_NONE;
  gboolean probe = !self->probed;
  guint timeout_ms = LEND_TIMEOUT_MS;
  GError *err = NULL;

  self->probed = TRUE;
  if (params && (params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT))
    timeout_ms = 0;
  GST_OBJECT_LOCK (self);
  cancellable = g_object_ref (self->cancellable);
  GST_OBJECT_UNLOCK (self);
  if (self->can_lend)
    res = gst_daedalus_stream_lend_capture_buffer (self->stream, capture_fits,
        self, probe, timeout_ms, cancellable, &cbuf, mems, &err);
  g_object_unref (cancellable);
  if (err) {
    GST_WARNING_OBJECT (self, "%s", err->message);
    g_clear_error (&err);
  }
  switch (res) {
    case GST_DAEDALUS_WAIT_OK:
      *buffer = lent_buffer (self, &cbuf->info, mems);
      GST_LOG_OBJECT (self, "lent CAPTURE buffer %u", cbuf->info.index);
      gst_daedalus_capture_buffer_unref (cbuf);
      return GST_FLOW_OK;
    default:
      /* flushing too: a decoder may take a failure as fatal (avdec), the
       * frame is dropped downstream */
      break;
  }
  /* never a failure: a decoder may take it as fatal (vp8dec) */
  if (probe)
    GST_INFO_OBJECT (self, "the client's CAPTURE buffers cannot be lent "
        "(%d): the frames will be copied", res);
  *buffer = own_buffer (self);
  if (!*buffer)
    return GST_FLOW_ERROR;
  GST_LOG_OBJECT (self, "no CAPTURE buffer to lend (%d): one of our own", res);
  return GST_FLOW_OK;
}

static void
gst_daedalus_capture_pool_reset_buffer (GstBufferPool * pool,
    GstBuffer * buffer)
{
  GstMemory *mem = gst_buffer_n_memory (buffer) ?
      gst_buffer_peek_memory (buffer, 0) : NULL;

  /* a lending: its memories go back to their CAPTURE buffer once nothing
   * else holds them (gst_daedalus_stream_lend_capture_buffer()) */
  if (mem && !gst_is_dmabuf_memory (mem))
    mem = NULL;
  if (mem)
    gst_buffer_remove_all_memory (buffer);
  GST_BUFFER_POOL_CLASS (parent_class)->reset_buffer (pool, buffer);
}

static void
gst_daedalus_capture_pool_release_buffer (GstBufferPool * pool,
    GstBuffer * buffer)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (pool);

  if (gst_buffer_n_memory (buffer) == 0)
    gst_atomic_queue_push (self->empty, buffer);
  else if (gst_buffer_get_size (buffer) >= self->aligned.size)
    gst_atomic_queue_push (self->own, buffer);
  else
    gst_buffer_unref (buffer);  /* of an older configuration */
}

static void
gst_daedalus_capture_pool_finalize (GObject * object)
{
  GstDaedalusCapturePool *self = GST_DAEDALUS_CAPTURE_POOL (object);

  gst_daedalus_capture_pool_stop (GST_BUFFER_POOL (self));
  gst_atomic_queue_unref (self->empty);
  gst_atomic_queue_unref (self->own);
  g_object_unref (self->cancellable);
  gst_object_unref (self->stream);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_daedalus_capture_pool_init (GstDaedalusCapturePool * self)
{
  self->cancellable = g_cancellable_new ();
  self->empty = gst_atomic_queue_new (8);
  self->own = gst_atomic_queue_new (4);
}

static void
gst_daedalus_capture_pool_class_init (GstDaedalusCapturePoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_daedalus_capture_pool_finalize;
  pool_class->get_options = gst_daedalus_capture_pool_get_options;
  pool_class->set_config = gst_daedalus_capture_pool_set_config;
  pool_class->start = gst_daedalus_capture_pool_start;
  pool_class->stop = gst_daedalus_capture_pool_stop;
  pool_class->flush_start = gst_daedalus_capture_pool_flush_start;
  pool_class->flush_stop = gst_daedalus_capture_pool_flush_stop;
  pool_class->acquire_buffer = gst_daedalus_capture_pool_acquire_buffer;
  pool_class->reset_buffer = gst_daedalus_capture_pool_reset_buffer;
  pool_class->release_buffer = gst_daedalus_capture_pool_release_buffer;
}

/**
 * gst_daedalus_capture_pool_new:
 * @stream: the stream whose client's CAPTURE buffers are lent
 *
 * Returns: (transfer full): a pool to configure with the decoder's caps
 */
GstBufferPool *
gst_daedalus_capture_pool_new (GstDaedalusStream * stream)
{
  GstDaedalusCapturePool *self =
      g_object_new (GST_TYPE_DAEDALUS_CAPTURE_POOL, NULL);

  gst_object_ref_sink (self);
  self->stream = gst_object_ref (stream);
  return GST_BUFFER_POOL (self);
}
