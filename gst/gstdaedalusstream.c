/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* One V4L2 stream as the daemon sees it.  The connection's reader thread
 * fills it (events for the feeding element, CAPTURE buffers for the sink)
 * and never blocks on it; the elements wait on it, interruptibly through a
 * GCancellable. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <gst/allocators/allocators.h>

#include "gstdaedalusformat.h"
#include "gstdaedalusprivate.h"
#include "gstdaedalusprotocol.h"

#define GST_CAT_DEFAULT gst_daedalus_debug

struct _GstDaedalusStream
{
  GstObject parent;

  /* set at construction, read-only afterwards */
  GstDaedalusConnection *conn;
  struct daedalus_msg_stream_open info;
  guint64 id;

  /* Orders the FORMATs of the stream: held over the decision to send one
   * and its write (a write to the kernel never blocks), so that the
   * headers' FORMAT never overtakes the decoder's.  Taken before lock. */
  GMutex format_lock;

  /* Protects everything below.  Taken by the reader thread and by the
   * elements' streaming threads, never held while calling out. */
  GMutex lock;
  GCond cond;
  GQueue events;                /* GstDaedalusEvent *, for the feeding side */
  guint32 epoch;                /* newest epoch announced by FLUSH */
  gboolean closed;
  gboolean lost;
  gboolean failed;              /* we sent STREAM_ERROR */
  gboolean draining;
  guint32 drain_epoch;
  guint32 generation;           /* capture generation */
  GHashTable *capture;          /* index -> GstDaedalusCaptureBuffer */
  GQueue free_capture;          /* announced, not yet used, oldest first */
  GHashTable *homes;            /* zero-copy: guint64 key -> LendHome */
  gboolean have_format;
  struct daedalus_msg_format format;    /* the last FORMAT sent */
  gboolean awaiting_reset;      /* a resolution change: the kernel takes the
                                 * buffers back, none of this generation is
                                 * to be used */
  GstDaedalusStreamStats stats;
};

G_DEFINE_TYPE (GstDaedalusStream, gst_daedalus_stream, GST_TYPE_OBJECT);

/* zero-copy (below) */
typedef struct _LendHome LendHome;
static void lend_home_retire (LendHome * home);
static gboolean capture_busy_locked (GstDaedalusStream * stream,
    const GstDaedalusCaptureBuffer * buf);
static void prune_homes_locked (GstDaedalusStream * stream);

/* same memory, same layout: the cached dma-bufs stay valid (the client
 * may queue an index with other dma-bufs: a new mem_id) */
static gboolean
capture_buffer_same_layout (const struct daedalus_msg_capture_buffer *a,
    const struct daedalus_msg_capture_buffer *b)
{
  return a->mem_id == b->mem_id && a->num_mem_planes == b->num_mem_planes &&
      memcmp (a->mem_plane_length, b->mem_plane_length,
      sizeof (a->mem_plane_length)) == 0;
}

void
gst_daedalus_event_clear (GstDaedalusEvent * event)
{
  gst_clear_buffer (&event->buffer);
}

static void
event_free (GstDaedalusEvent * event)
{
  gst_daedalus_event_clear (event);
  g_free (event);
}

static void
gst_daedalus_stream_init (GstDaedalusStream * stream)
{
  g_mutex_init (&stream->format_lock);
  g_mutex_init (&stream->lock);
  g_cond_init (&stream->cond);
  g_queue_init (&stream->events);
  g_queue_init (&stream->free_capture);
  stream->capture = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_daedalus_capture_buffer_unref);
  stream->homes = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) lend_home_retire);
}

static void
gst_daedalus_stream_finalize (GObject * object)
{
  GstDaedalusStream *stream = GST_DAEDALUS_STREAM (object);

  g_queue_clear_full (&stream->events, (GDestroyNotify) event_free);
  g_queue_clear_full (&stream->free_capture,
      (GDestroyNotify) gst_daedalus_capture_buffer_unref);
  g_hash_table_unref (stream->capture);
  g_hash_table_unref (stream->homes);
  gst_object_unref (stream->conn);
  g_mutex_clear (&stream->format_lock);
  g_mutex_clear (&stream->lock);
  g_cond_clear (&stream->cond);

  G_OBJECT_CLASS (gst_daedalus_stream_parent_class)->finalize (object);
}

static void
gst_daedalus_stream_class_init (GstDaedalusStreamClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_daedalus_stream_finalize;
}

GstDaedalusStream *
_gst_daedalus_stream_new (GstDaedalusConnection * conn,
    const struct daedalus_msg_stream_open *open)
{
  GstDaedalusStream *stream;
  gchar *name;

  name = g_strdup_printf ("daedalusstream%" G_GUINT64_FORMAT,
      (guint64) open->hdr.stream_id);
  stream = g_object_new (GST_TYPE_DAEDALUS_STREAM, "name", name, NULL);
  gst_object_ref_sink (stream);
  g_free (name);

  stream->conn = gst_object_ref (conn);
  stream->info = *open;
  stream->id = open->hdr.stream_id;
  /* since 1.2: a stream opened again goes on at its newer epoch */
  stream->epoch = open->epoch;
  return stream;
}

guint64
gst_daedalus_stream_get_id (GstDaedalusStream * stream)
{
  return stream->id;
}

GstDaedalusConnection *
gst_daedalus_stream_get_connection (GstDaedalusStream * stream)
{
  return stream->conn;
}

const struct daedalus_msg_stream_open *
gst_daedalus_stream_get_info (GstDaedalusStream * stream)
{
  return &stream->info;
}

guint32
gst_daedalus_stream_get_epoch (GstDaedalusStream * stream)
{
  guint32 epoch;

  g_mutex_lock (&stream->lock);
  epoch = stream->epoch;
  g_mutex_unlock (&stream->lock);
  return epoch;
}

void
gst_daedalus_stream_get_stats (GstDaedalusStream * stream,
    GstDaedalusStreamStats * stats)
{
  g_mutex_lock (&stream->lock);
  *stats = stream->stats;
  g_mutex_unlock (&stream->lock);
}

void
gst_daedalus_stream_count_frame (GstDaedalusStream * stream,
    GstDaedalusFrameWrite how)
{
  g_mutex_lock (&stream->lock);
  stream->stats.frames++;
  switch (how) {
    case GST_DAEDALUS_FRAME_CONVERTED:
      stream->stats.frames_converted++;
      break;
    case GST_DAEDALUS_FRAME_COPIED:
      stream->stats.frames_copied++;
      break;
    case GST_DAEDALUS_FRAME_DIRECT:
      stream->stats.frames_direct++;
      break;
  }
  g_mutex_unlock (&stream->lock);
}

gboolean
gst_daedalus_stream_is_closed (GstDaedalusStream * stream)
{
  gboolean closed;

  g_mutex_lock (&stream->lock);
  closed = stream->closed || stream->lost;
  g_mutex_unlock (&stream->lock);
  return closed;
}

/* reader thread: never blocks */
void
_gst_daedalus_stream_push_event (GstDaedalusStream * stream,
    const GstDaedalusEvent * event)
{
  GstDaedalusEvent *copy = g_memdup2 (event, sizeof (*event));

  g_mutex_lock (&stream->lock);
  switch (event->type) {
    case GST_DAEDALUS_EVENT_FLUSH:
      /* takes effect at once: a sink waiting for a buffer for an older
       * epoch gives up now, not when the feeding side gets here */
      if (event->epoch > stream->epoch)
        stream->epoch = event->epoch;
      break;
    case GST_DAEDALUS_EVENT_CLOSE:
      stream->closed = TRUE;
      break;
    case GST_DAEDALUS_EVENT_DECODE:
      stream->stats.access_units++;
      break;
    default:
      break;
  }
  g_queue_push_tail (&stream->events, copy);
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->lock);
}

void
_gst_daedalus_stream_count_bitstream_copy (GstDaedalusStream * stream)
{
  g_mutex_lock (&stream->lock);
  stream->stats.bitstream_copies++;
  g_mutex_unlock (&stream->lock);
}

void
_gst_daedalus_stream_lost (GstDaedalusStream * stream)
{
  g_mutex_lock (&stream->lock);
  stream->lost = TRUE;
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->lock);
}

/* with the lock */
static void
capture_reset_locked (GstDaedalusStream * stream, guint32 generation)
{
  GST_DEBUG_OBJECT (stream, "capture generation %u -> %u",
      stream->generation, generation);
  stream->generation = generation;
  stream->awaiting_reset = FALSE;
  g_queue_clear_full (&stream->free_capture,
      (GDestroyNotify) gst_daedalus_capture_buffer_unref);
  g_hash_table_remove_all (stream->capture);
  prune_homes_locked (stream);
  g_cond_broadcast (&stream->cond);
}

void
_gst_daedalus_stream_capture_reset (GstDaedalusStream * stream,
    guint32 generation)
{
  g_mutex_lock (&stream->lock);
  capture_reset_locked (stream, generation);
  g_mutex_unlock (&stream->lock);
}

/* Takes ownership of @fds (the dma-bufs a socket peer passed along). */
void
_gst_daedalus_stream_capture_buffer (GstDaedalusStream * stream,
    const struct daedalus_msg_capture_buffer *msg, gint * fds, guint n_fds)
{
  GstDaedalusCaptureBuffer *buf;
  guint i;

  g_mutex_lock (&stream->lock);
  if (msg->generation < stream->generation ||
      (stream->awaiting_reset && msg->generation == stream->generation)) {
    GST_DEBUG_OBJECT (stream, "buffer %u of old generation %u", msg->index,
        msg->generation);
    goto done;
  }
  if (msg->generation > stream->generation)
    capture_reset_locked (stream, msg->generation);

  buf = g_hash_table_lookup (stream->capture, GUINT_TO_POINTER (msg->index));
  if (buf && !capture_buffer_same_layout (&buf->info, msg)) {
    if (PRIV (buf)->available && g_queue_remove (&stream->free_capture, buf))
      gst_daedalus_capture_buffer_unref (buf);
    g_hash_table_remove (stream->capture, GUINT_TO_POINTER (msg->index));
    buf = NULL;
  }
  if (!buf) {
    buf = _gst_daedalus_capture_buffer_new (msg);
    g_hash_table_insert (stream->capture, GUINT_TO_POINTER (msg->index), buf);
  }
  buf->info = *msg;

  for (i = 0; i < n_fds && i < DAEDALUS_MAX_PLANES; i++) {
    if (PRIV (buf)->peer_fds[i] >= 0)
      close (PRIV (buf)->peer_fds[i]);
    PRIV (buf)->peer_fds[i] = fds[i];
    fds[i] = -1;
  }

  GST_LOG_OBJECT (stream, "buffer %u gen %u %ux%u announced", msg->index,
      msg->generation, msg->width, msg->height);
  /* another memory at this index: the old one's home goes once back */
  prune_homes_locked (stream);
  PRIV (buf)->with_client = FALSE;
  if (!PRIV (buf)->available) {
    PRIV (buf)->available = TRUE;
    g_queue_push_tail (&stream->free_capture,
        gst_daedalus_capture_buffer_ref (buf));
    g_cond_broadcast (&stream->cond);
  }

done:
  g_mutex_unlock (&stream->lock);
  for (i = 0; i < n_fds; i++) {
    if (fds[i] >= 0)
      close (fds[i]);
  }
}

static void
wake_up (GCancellable * cancellable, GstDaedalusStream * stream)
{
  g_mutex_lock (&stream->lock);
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->lock);
}

/* One look, with the lock, at what a wait on @stream is for: TRUE with
 * @res set when the wait is over, FALSE to wait on. */
typedef gboolean (*StreamWaitCheck) (GstDaedalusStream * stream,
    gpointer data, GstDaedalusWaitResult * res);

/* Waits on @stream's condition until @check says it is over or
 * @cancellable is cancelled (%GST_DAEDALUS_WAIT_FLUSHING, checked first). */
/* ... and, with @end_time (monotonic), looks again then at the latest */
static GstDaedalusWaitResult
stream_wait_until (GstDaedalusStream * stream, GCancellable * cancellable,
    StreamWaitCheck check, gpointer data, gint64 end_time)
{
  GstDaedalusWaitResult res;
  gulong id = 0;

  g_mutex_lock (&stream->lock);
  while (TRUE) {
    if (g_cancellable_is_cancelled (cancellable)) {
      res = GST_DAEDALUS_WAIT_FLUSHING;
      break;
    }
    if (check (stream, data, &res))
      break;
    /* the cancellable's handler (an allocation) only for a wait that is
     * not over at the first look: most are (an access unit or a CAPTURE
     * buffer is there); then look again, a wake-up may have come first */
    if (!id) {
      g_mutex_unlock (&stream->lock);
      id = g_cancellable_connect (cancellable, G_CALLBACK (wake_up), stream,
          NULL);
      g_mutex_lock (&stream->lock);
      continue;
    }
    if (end_time)
      g_cond_wait_until (&stream->cond, &stream->lock, end_time);
    else
      g_cond_wait (&stream->cond, &stream->lock);
  }
  g_mutex_unlock (&stream->lock);
  if (id)
    g_cancellable_disconnect (cancellable, id);
  return res;
}

static GstDaedalusWaitResult
stream_wait (GstDaedalusStream * stream, GCancellable * cancellable,
    StreamWaitCheck check, gpointer data)
{
  return stream_wait_until (stream, cancellable, check, data, 0);
}

/* with the lock: whether the stream is gone (lost, else closed) */
static gboolean
stream_ended_locked (GstDaedalusStream * stream, GstDaedalusWaitResult * res)
{
  if (stream->lost) {
    *res = GST_DAEDALUS_WAIT_LOST;
    return TRUE;
  }
  if (stream->closed) {
    *res = GST_DAEDALUS_WAIT_CLOSED;
    return TRUE;
  }
  return FALSE;
}

/* what was queued before the end still comes out */
static gboolean
pop_event_check (GstDaedalusStream * stream, gpointer data,
    GstDaedalusWaitResult * res)
{
  GstDaedalusEvent **ev = data;

  *ev = g_queue_pop_head (&stream->events);
  if (*ev) {
    *res = GST_DAEDALUS_WAIT_OK;
    return TRUE;
  }
  return stream_ended_locked (stream, res);
}

/**
 * gst_daedalus_stream_pop_event:
 *
 * Waits for the next thing the kernel asked of @stream.  After CLOSE nothing
 * more comes: further calls return %GST_DAEDALUS_WAIT_CLOSED.
 */
GstDaedalusWaitResult
gst_daedalus_stream_pop_event (GstDaedalusStream * stream,
    GCancellable * cancellable, GstDaedalusEvent * event)
{
  GstDaedalusWaitResult res;
  GstDaedalusEvent *ev = NULL;

  res = stream_wait (stream, cancellable, pop_event_check, &ev);
  if (ev) {
    *event = *ev;
    g_free (ev);
  }
  return res;
}

/* The feeding side is about to push EOS for a DRAIN of @epoch. */
void
gst_daedalus_stream_begin_drain (GstDaedalusStream * stream, guint32 epoch)
{
  g_mutex_lock (&stream->lock);
  stream->draining = TRUE;
  stream->drain_epoch = epoch;
  g_mutex_unlock (&stream->lock);
}

/* The EOS reached the end: returns whether it was a DRAIN, and its epoch. */
gboolean
gst_daedalus_stream_end_drain (GstDaedalusStream * stream, guint32 * epoch)
{
  gboolean draining;

  g_mutex_lock (&stream->lock);
  draining = stream->draining && !stream->closed && !stream->lost;
  *epoch = stream->drain_epoch;
  stream->draining = FALSE;
  g_mutex_unlock (&stream->lock);
  return draining;
}

/* with the lock */
static GstDaedalusCaptureBuffer *
find_capture_buffer_locked (GstDaedalusStream * stream, guint width,
    guint height)
{
  GList *l;

  for (l = stream->free_capture.head; l; l = l->next) {
    GstDaedalusCaptureBuffer *buf = l->data;

    /* a buffer of another size waits for the client to reallocate; one
     * the decoder still reads (a reference) waits for it */
    if (buf->info.width >= width && buf->info.height >= height &&
        !capture_busy_locked (stream, buf)) {
      g_queue_delete_link (&stream->free_capture, l);
      PRIV (buf)->available = FALSE;
      return buf;
    }
  }
  return NULL;
}

typedef struct
{
  guint width, height;
  guint32 epoch;
  GstDaedalusCaptureBuffer *buffer;
} AcquireCapture;

static gboolean
acquire_capture_check (GstDaedalusStream * stream, gpointer data,
    GstDaedalusWaitResult * res)
{
  AcquireCapture *acq = data;

  if (stream_ended_locked (stream, res))
    return TRUE;
  if (acq->epoch < stream->epoch) {
    *res = GST_DAEDALUS_WAIT_STALE;
    return TRUE;
  }
  acq->buffer = find_capture_buffer_locked (stream, acq->width, acq->height);
  if (acq->buffer) {
    *res = GST_DAEDALUS_WAIT_OK;
    return TRUE;
  }
  GST_LOG_OBJECT (stream, "waiting for a %ux%u CAPTURE buffer", acq->width,
      acq->height);
  return FALSE;
}

/**
 * gst_daedalus_stream_acquire_capture_buffer:
 * @epoch: epoch of the frame to write; a FLUSH past it ends the wait
 *
 * Waits for an announced CAPTURE buffer of at least @width x @height.  The
 * buffer is the caller's (@buffer, transfer full) until it names it in a
 * FRAME.
 */
GstDaedalusWaitResult
gst_daedalus_stream_acquire_capture_buffer (GstDaedalusStream * stream,
    guint width, guint height, guint32 epoch, GCancellable * cancellable,
    GstDaedalusCaptureBuffer ** buffer)
{
  AcquireCapture acq = { width, height, epoch, NULL };
  GstDaedalusWaitResult res;

  res = stream_wait (stream, cancellable, acquire_capture_check, &acq);
  *buffer = acq.buffer;
  return res;
}

/**
 * gst_daedalus_stream_get_plane_fd:
 *
 * Returns the dma-buf fd of memory plane @plane of @buf, exported once and
 * cached; it belongs to @buf (do not close it).  -1 with @error set on
 * failure.
 */
gint
gst_daedalus_stream_get_plane_fd (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buf, guint plane, GError ** error)
{
  struct daedalus_expbuf exp = { 0, };
  gint fd;

  g_return_val_if_fail (plane < buf->info.num_mem_planes, -1);

  if (PRIV (buf)->fds[plane] >= 0)
    return PRIV (buf)->fds[plane];

  if (_gst_daedalus_connection_passes_fds (stream->conn)) {
    /* test peer: the fd came along with the announcement */
    g_mutex_lock (&stream->lock);
    fd = PRIV (buf)->peer_fds[plane] < 0 ? -1 :
        fcntl (PRIV (buf)->peer_fds[plane], F_DUPFD_CLOEXEC, 3);
    g_mutex_unlock (&stream->lock);
    if (fd < 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
          "no fd for plane %u of CAPTURE buffer %u", plane, buf->info.index);
      return -1;
    }
  } else {
    gint ret;

    exp.stream_id = stream->id;
    exp.index = buf->info.index;
    exp.generation = buf->info.generation;
    exp.plane = plane;
    exp.flags = O_CLOEXEC | O_RDWR;
    ret = _gst_daedalus_connection_expbuf (stream->conn, &exp);
    if (ret < 0) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-ret),
          "DAEDALUS_IOC_EXPBUF of buffer %u plane %u: %s", buf->info.index,
          plane, g_strerror (-ret));
      return -1;
    }
    fd = exp.fd;
  }

  PRIV (buf)->fds[plane] = fd;
  return fd;
}

static GstAllocator *
capture_allocator (void)
{
  static GstAllocator *allocator;

  if (g_once_init_enter (&allocator))
    g_once_init_leave (&allocator, gst_dmabuf_allocator_new ());
  return allocator;
}

/**
 * gst_daedalus_stream_wrap_capture_buffer:
 * @stream: the stream @buf belongs to
 * @buf: a CAPTURE buffer the caller holds
 * @info: the layout to write: format, size, and each plane's offset (from
 *   the start of the first memory plane, memory planes one after the other)
 *   and stride
 * @error: where a failure is told
 *
 * @buf's dma-bufs as a GstBuffer with a #GstVideoMeta for @info.  Made
 * once per buffer and layout: its memories stay mapped (KEEP_MAPPED) until
 * @buf goes or another layout is asked for, so a frame written into it
 * costs no mmap, no page faults and no allocation.  Each map of it still
 * begins and ends the CPU access (DMA_BUF_IOCTL_SYNC).
 *
 * Returns: (transfer none) (nullable): the buffer, valid while the caller
 * holds @buf and until it asks for another layout; writable, as only the
 * library holds it: do not keep a reference.
 */
GstBuffer *
gst_daedalus_stream_wrap_capture_buffer (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buf, const GstVideoInfo * info,
    GError ** error)
{
  const struct daedalus_msg_capture_buffer *ci = &buf->info;
  CaptureBuffer *priv = PRIV (buf);
  GstBuffer *wrapped;
  guint i;

  if (priv->wrapped && gst_video_info_is_equal (&priv->wrapped_info, info))
    return priv->wrapped;

  wrapped = gst_buffer_new ();
  for (i = 0; i < ci->num_mem_planes; i++) {
    gint fd = gst_daedalus_stream_get_plane_fd (stream, buf, i, error);

    if (fd < 0) {
      gst_buffer_unref (wrapped);
      return NULL;
    }
    gst_buffer_append_memory (wrapped,
        gst_dmabuf_allocator_alloc_with_flags (capture_allocator (), fd,
            ci->mem_plane_length[i], GST_FD_MEMORY_FLAG_DONT_CLOSE |
            GST_FD_MEMORY_FLAG_KEEP_MAPPED));
  }
  gst_buffer_add_video_meta_full (wrapped, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_N_PLANES (info),
      (gsize *) info->offset, (gint *) info->stride);

  GST_DEBUG_OBJECT (stream, "CAPTURE buffer %u wrapped as %s %dx%d",
      ci->index, GST_VIDEO_INFO_NAME (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info));
  gst_clear_buffer (&priv->wrapped);
  priv->wrapped = wrapped;
  priv->wrapped_info = *info;
  g_mutex_lock (&stream->lock);
  stream->stats.capture_maps++;
  g_mutex_unlock (&stream->lock);
  return wrapped;
}

/* ---- zero-copy: CAPTURE buffers lent to a decoder ------------------- */

/* The memories of a CAPTURE buffer's dma-bufs as a decoder renders into
 * them: one per buffer index and memory (mem_id), in stream->homes, under
 * the stream's lock.  It outlives a CAPTURE_RESET while memories are out:
 * the same pages come back at the same index after a STREAMOFF/STREAMON of
 * CAPTURE or a format change the buffers survive, and the decoder may
 * still read them (its references).  Kept (mapped) for the next lending
 * while its buffer is the stream's; freed once back and no buffer of this
 * generation has it. */
struct _LendHome
{
  guint64 key;                  /* home_key() */
  GWeakRef stream;              /* weak: the stream holds its homes, whose
                                 * memories hold them */
  gconstpointer stream_ptr;     /* compared only */
  guint32 index;
  guint32 mem_id;
  gint retired;                 /* atomic: its memories are not kept */
  guint n_mem;
  GstMemory *mem[DAEDALUS_MAX_PLANES];  /* back home */
  guint out;                    /* memories lent: the buffer is busy */
};

static guint64
home_key (guint32 index, guint32 mem_id)
{
  return ((guint64) mem_id << 32) | index;
}

static G_DEFINE_QUARK (GstDaedalusLendHome, lend_home);

static G_DEFINE_QUARK (GstDaedalusLendPlane, lend_plane);

static G_DEFINE_QUARK (GstDaedalusLendRoot, lend_root);

static void
lend_home_clear (LendHome * home)
{
  g_weak_ref_clear (&home->stream);
}

static void
lend_home_unref (LendHome * home)
{
  g_atomic_rc_box_release_full (home, (GDestroyNotify) lend_home_clear);
}

/* stream->homes' value destructor: the memories at home go (their dispose
 * sees the home retired and frees them, without the stream's lock, which
 * may be held here) */
static void
lend_home_retire (LendHome * home)
{
  guint i;

  g_atomic_int_set (&home->retired, 1);
  for (i = 0; i < DAEDALUS_MAX_PLANES; i++)
    if (home->mem[i])
      gst_memory_unref (g_steal_pointer (&home->mem[i]));
  lend_home_unref (home);
}

static LendHome *
home_of_locked (GstDaedalusStream * stream, const GstDaedalusCaptureBuffer * buf)
{
  guint64 key = home_key (buf->info.index, buf->info.mem_id);

  return g_hash_table_lookup (stream->homes, &key);
}

/* With the lock: the decoder (or a frame in flight) still holds memories
 * of @buf's pages: nobody writes into it */
static gboolean
capture_busy_locked (GstDaedalusStream * stream,
    const GstDaedalusCaptureBuffer * buf)
{
  LendHome *home = home_of_locked (stream, buf);

  return home && home->out > 0;
}

/* With the lock: the homes whose memories are all back and that no buffer
 * of this generation has go (a CAPTURE_RESET, an index with new memory) */
static void
prune_homes_locked (GstDaedalusStream * stream)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, stream->homes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    LendHome *home = value;
    GstDaedalusCaptureBuffer *buf = g_hash_table_lookup (stream->capture,
        GUINT_TO_POINTER (home->index));

    if (!home->out && (!buf || buf->info.mem_id != home->mem_id))
      g_hash_table_iter_remove (&iter);
  }
}

/* With the lock: @buf's memories are all back: the decoder and every frame
 * in flight let go of it.  Never named in a FRAME since it was lent (a
 * frame the decoder dropped, a seek): it is ours to use again. */
static void
lend_returned_locked (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buf)
{
  PRIV (buf)->claimed = FALSE;
  if (!PRIV (buf)->available && !PRIV (buf)->with_client &&
      !stream->awaiting_reset && buf->info.generation == stream->generation) {
    GST_LOG_OBJECT (stream, "buffer %u came back unused", buf->info.index);
    PRIV (buf)->available = TRUE;
    g_queue_push_tail (&stream->free_capture,
        gst_daedalus_capture_buffer_ref (buf));
  }
  g_cond_broadcast (&stream->cond);
}

/* GstMiniObject::dispose of a lent memory: the last reference went.  Back
 * home, unless the home was retired. */
static gboolean
lent_memory_dispose (GstMiniObject * obj)
{
  GstMemory *mem = (GstMemory *) obj;
  LendHome *home = gst_mini_object_get_qdata (obj, lend_home_quark ());
  guint plane = GPOINTER_TO_UINT (gst_mini_object_get_qdata (obj,
          lend_plane_quark ())) - 1;
  GstDaedalusStream *stream;
  GstDaedalusCaptureBuffer *buf;
  gboolean keep = FALSE;

  /* retired with the stream's lock held: no lock here */
  if (!home || g_atomic_int_get (&home->retired))
    return TRUE;
  stream = g_weak_ref_get (&home->stream);
  if (!stream)
    return TRUE;
  g_mutex_lock (&stream->lock);
  if (!g_atomic_int_get (&home->retired) && plane < home->n_mem &&
      !home->mem[plane] && home->out) {
    /* as it was made: whatever the last holder resized */
    gst_memory_resize (mem, -(gssize) mem->offset, mem->maxsize);
    home->mem[plane] = (GstMemory *) gst_mini_object_ref (obj);
    keep = TRUE;
    if (--home->out == 0) {
      buf = g_hash_table_lookup (stream->capture,
          GUINT_TO_POINTER (home->index));
      if (buf && buf->info.mem_id == home->mem_id)
        lend_returned_locked (stream, buf);
      else
        /* its buffer is gone: so are its memories, this one too (its
         * dispose runs again, sees the home retired) */
        prune_homes_locked (stream);
      g_cond_broadcast (&stream->cond);
    }
  }
  g_mutex_unlock (&stream->lock);
  gst_object_unref (stream);
  return !keep;
}

/* GstAllocator::mem_copy of lent memories.  GstVideoDecoder copies each
 * frame it pushes (gst_buffer_make_writable(), for its timestamps and
 * flags) while the decoder still holds it, mapped for writing (avdec maps
 * its frames for as long as they are references): a share of a memory
 * mapped for writing is refused, so the copy would be a full one, into
 * system memory.  A lent memory is copied as a read-only view of the same
 * dma-buf instead, which only daedalussink reads
 * (gst_daedalus_stream_claim_lent_buffer() finds the lent memory through
 * it).  The lent memory stays out while its view lives. */
static GstAllocator *lend_allocator (void);

static GstMemory *
lent_root (GstMemory * mem)
{
  GstMemory *root;

  while (mem->parent)
    mem = mem->parent;
  root = gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (mem),
      lend_root_quark ());
  return root ? root : mem;
}

static GstMemory *
lent_memory_copy (GstMemory * mem, gssize offset, gssize size)
{
  GstMemory *root = lent_root (mem);
  GstMemory *copy;
  gint fd;

  fd = fcntl (gst_fd_memory_get_fd (mem), F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return NULL;
  if (size == -1)
    size = mem->size > (gsize) offset ? mem->size - offset : 0;
  copy = gst_dmabuf_allocator_alloc_with_flags (lend_allocator (), fd,
      mem->maxsize, GST_FD_MEMORY_FLAG_KEEP_MAPPED);
  gst_memory_resize (copy, mem->offset + offset, size);
  GST_MINI_OBJECT_FLAG_SET (copy, GST_MEMORY_FLAG_READONLY);
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (copy), lend_root_quark (),
      gst_memory_ref (root), (GDestroyNotify) gst_memory_unref);
  return copy;
}

static GstAllocator *
lend_allocator (void)
{
  static GstAllocator *allocator;

  if (g_once_init_enter (&allocator)) {
    GstAllocator *a = gst_dmabuf_allocator_new ();

    a->mem_copy = lent_memory_copy;
    g_once_init_leave (&allocator, a);
  }
  return allocator;
}

/* The memories of @buf's planes for @home, made at its first lending: its
 * dma-buf fds duplicated, each mapped at its first use and kept mapped. */
static gboolean
make_lent_memories (GstDaedalusStream * stream, GstDaedalusCaptureBuffer * buf,
    LendHome * home, GstMemory ** mems, GError ** error)
{
  guint i, j;

  for (i = 0; i < buf->info.num_mem_planes; i++) {
    gint fd = gst_daedalus_stream_get_plane_fd (stream, buf, i, error);
    GstMiniObject *obj;

    if (fd >= 0)
      fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
            "dup: %s", g_strerror (errno));
      /* not lent after all: freed, not sent home */
      for (j = 0; j < i; j++) {
        GST_MINI_OBJECT_CAST (mems[j])->dispose = NULL;
        gst_clear_mini_object ((GstMiniObject **) & mems[j]);
      }
      return FALSE;
    }
    mems[i] = gst_dmabuf_allocator_alloc_with_flags (lend_allocator (), fd,
        buf->info.mem_plane_length[i], GST_FD_MEMORY_FLAG_KEEP_MAPPED);
    obj = GST_MINI_OBJECT_CAST (mems[i]);
    gst_mini_object_set_qdata (obj, lend_home_quark (),
        g_atomic_rc_box_acquire (home), (GDestroyNotify) lend_home_unref);
    gst_mini_object_set_qdata (obj, lend_plane_quark (),
        GUINT_TO_POINTER (i + 1), NULL);
    obj->dispose = lent_memory_dispose;
  }
  return TRUE;
}

typedef struct
{
  GstDaedalusCaptureFit fit;
  gpointer fit_data;
  gboolean probe;
  guint32 epoch;
  gint64 end_time;
  GstDaedalusCaptureBuffer *buffer;
  LendHome *home;
} LendCapture;

/* With the lock: a free buffer the decoder can render into and does not
 * hold, taken (its home's memories out) in the same critical section.
 * Unless probing, one buffer the decoder does not hold is always left:
 * frames the decoder gives in its own memory are copied into it (the
 * client cannot give back what the decoder holds). */
static GstDaedalusCaptureBuffer *
find_lendable_locked (GstDaedalusStream * stream, LendCapture * lc,
    gboolean * may_wait)
{
  GHashTableIter iter;
  gpointer value;
  guint held = 0, coming = 0;
  LendHome *home;
  GList *l;

  g_hash_table_iter_init (&iter, stream->capture);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstDaedalusCaptureBuffer *buf = value;

    if (capture_busy_locked (stream, buf))
      held++;
    else if (PRIV (buf)->with_client &&
        (buf->info.flags & DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY) &&
        lc->fit (&buf->info, lc->fit_data))
      coming++;
  }
  /* the client gives back what it has (one the decoder can render into);
   * the decoder, maybe never */
  *may_wait = coming > 0;
  if (!lc->probe && held + 2 > g_hash_table_size (stream->capture)) {
    GST_LOG_OBJECT (stream, "the decoder holds %u of the %u buffers", held,
        g_hash_table_size (stream->capture));
    *may_wait = FALSE;
    return NULL;
  }
  for (l = stream->free_capture.head; l; l = l->next) {
    GstDaedalusCaptureBuffer *buf = l->data;

    if (capture_busy_locked (stream, buf) ||
        !(buf->info.flags & DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY) ||
        !lc->fit (&buf->info, lc->fit_data))
      continue;
    g_queue_delete_link (&stream->free_capture, l);
    PRIV (buf)->available = FALSE;
    PRIV (buf)->claimed = FALSE;
    PRIV (buf)->with_client = FALSE;
    home = home_of_locked (stream, buf);
    if (!home) {
      home = g_atomic_rc_box_new0 (LendHome);
      home->key = home_key (buf->info.index, buf->info.mem_id);
      g_weak_ref_init (&home->stream, stream);
      home->stream_ptr = stream;
      home->index = buf->info.index;
      home->mem_id = buf->info.mem_id;
      home->n_mem = buf->info.num_mem_planes;
      g_hash_table_insert (stream->homes, &home->key, home);
    }
    home->out = home->n_mem;
    lc->home = g_atomic_rc_box_acquire (home);
    return buf;
  }
  return NULL;
}

/* Waits while the client has buffers it will give back (as the copies
 * wait for theirs), never for one the decoder holds, and at most until
 * lc->end_time; a seek ends the wait. */
static gboolean
lend_check (GstDaedalusStream * stream, gpointer data,
    GstDaedalusWaitResult * res)
{
  LendCapture *lc = data;
  gboolean may_wait;

  if (stream_ended_locked (stream, res))
    return TRUE;
  if (stream->epoch != lc->epoch || stream->awaiting_reset) {
    *res = GST_DAEDALUS_WAIT_NONE;
    return TRUE;
  }
  if (!g_queue_is_empty (&stream->free_capture)) {
    lc->buffer = find_lendable_locked (stream, lc, &may_wait);
    if (lc->buffer) {
      *res = GST_DAEDALUS_WAIT_OK;
      return TRUE;
    }
  } else {
    /* the client has queued none yet (the decoder's first ask), or has
     * them all */
    may_wait = lc->probe;
    if (!may_wait)
      find_lendable_locked (stream, lc, &may_wait);
  }
  if (!lc->end_time || !may_wait) {
    *res = GST_DAEDALUS_WAIT_NONE;
    return TRUE;
  }
  if (g_get_monotonic_time () >= lc->end_time) {
    GST_DEBUG_OBJECT (stream, "no CAPTURE buffer given back in time");
    /* the first ask waits for a client still setting up: not counted */
    if (!lc->probe)
      stream->stats.lend_timeouts++;
    *res = GST_DAEDALUS_WAIT_NONE;
    return TRUE;
  }
  return FALSE;
}

/**
 * gst_daedalus_stream_lend_capture_buffer:
 * @fit: whether the decoder can render into a buffer laid out as given
 * @probe: the decoder's first ask: wait for the client's first buffers
 *   (the decoder decides with it whether it renders into them at all)
 * @timeout_ms: the longest wait, 0 for none
 * @buffer: (out) (transfer full): the buffer lent
 * @mems: (out): its memory planes, for a #GstBuffer the decoder renders
 *   into; mapped once, they come back to the buffer's home when every
 *   #GstBuffer holding them is gone
 *
 * Lends a free CAPTURE buffer of the node's own memory to a decoder.  It
 * goes back to the free ones when its memories come back without a FRAME
 * having named it; once named, when the client queues it again and the
 * memories are back (the decoder no longer reads it as a reference).
 *
 * Returns: %GST_DAEDALUS_WAIT_NONE when no buffer fits, none can be lent
 * without leaving the copies without one, or the client gave none back in
 * time
 */
GstDaedalusWaitResult
gst_daedalus_stream_lend_capture_buffer (GstDaedalusStream * stream,
    GstDaedalusCaptureFit fit, gpointer fit_data, gboolean probe,
    guint timeout_ms, GCancellable * cancellable,
    GstDaedalusCaptureBuffer ** buffer, GstMemory ** mems, GError ** error)
{
  LendCapture lc = { fit, fit_data, probe, 0, 0, NULL, NULL };
  GstDaedalusCaptureBuffer *buf;
  GstDaedalusWaitResult res;
  LendHome *home;
  gboolean have_mems;
  guint i;

  *buffer = NULL;
  lc.epoch = gst_daedalus_stream_get_epoch (stream);
  if (timeout_ms)
    lc.end_time = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  res = stream_wait_until (stream, cancellable, lend_check, &lc, lc.end_time);
  if (res != GST_DAEDALUS_WAIT_OK)
    return res;
  buf = lc.buffer;
  home = lc.home;

  g_mutex_lock (&stream->lock);
  have_mems = home->mem[0] != NULL;
  for (i = 0; i < home->n_mem; i++)
    mems[i] = g_steal_pointer (&home->mem[i]);
  g_mutex_unlock (&stream->lock);

  if (!have_mems && !make_lent_memories (stream, buf, home, mems, error)) {
    /* not lendable after all: back with the free ones, if still ours */
    g_mutex_lock (&stream->lock);
    home->out = 0;
    if (g_hash_table_lookup (stream->capture,
            GUINT_TO_POINTER (buf->info.index)) == buf)
      lend_returned_locked (stream, buf);
    else
      prune_homes_locked (stream);
    g_mutex_unlock (&stream->lock);
    lend_home_unref (home);
    gst_daedalus_capture_buffer_unref (buf);
    return GST_DAEDALUS_WAIT_NONE;
  }
  if (!have_mems) {
    g_mutex_lock (&stream->lock);
    stream->stats.capture_maps++;
    g_mutex_unlock (&stream->lock);
  }
  lend_home_unref (home);
  *buffer = buf;
  return GST_DAEDALUS_WAIT_OK;
}

/**
 * gst_daedalus_stream_claim_lent_buffer:
 * @frame: a decoded frame
 * @buffer: (out) (transfer full): the CAPTURE buffer it was rendered in
 *
 * Whether the decoder rendered @frame straight into a CAPTURE buffer of
 * @stream lent to it, not yet named in a FRAME: then it goes to the client
 * as it is (gst_daedalus_stream_send_frame()).
 */
gboolean
gst_daedalus_stream_claim_lent_buffer (GstDaedalusStream * stream,
    GstBuffer * frame, GstDaedalusCaptureBuffer ** buffer)
{
  GstMemory *mem;
  LendHome *home;
  GstDaedalusCaptureBuffer *buf;

  *buffer = NULL;
  if (gst_buffer_n_memory (frame) == 0)
    return FALSE;
  /* GstVideoDecoder's copy of the decoder's buffer holds views of its
   * memories (lent_memory_copy()), or shares of them */
  mem = lent_root (gst_buffer_peek_memory (frame, 0));
  home = gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (mem),
      lend_home_quark ());
  if (!home || home->stream_ptr != stream)
    return FALSE;
  g_mutex_lock (&stream->lock);
  buf = g_hash_table_lookup (stream->capture, GUINT_TO_POINTER (home->index));
  if (buf && buf->info.mem_id == home->mem_id && home_of_locked (stream,
          buf) == home && home->out && !g_atomic_int_get (&home->retired) &&
      !PRIV (buf)->available && !PRIV (buf)->with_client &&
      !PRIV (buf)->claimed && buf->info.generation == stream->generation &&
      !stream->awaiting_reset &&
      gst_buffer_n_memory (frame) == buf->info.num_mem_planes) {
    PRIV (buf)->claimed = TRUE;
    *buffer = gst_daedalus_capture_buffer_ref (buf);
  } else if (buf) {
    GST_DEBUG_OBJECT (stream, "buffer %u not claimable: out %u available %d "
        "with client %d claimed %d", home->index, home->out,
        PRIV (buf)->available, PRIV (buf)->with_client, PRIV (buf)->claimed);
  }
  g_mutex_unlock (&stream->lock);
  return *buffer != NULL;
}

/* A claimed buffer whose frame does not go after all (flushed): it comes
 * back to the free ones with its memories.  Takes @buffer. */
void
gst_daedalus_stream_unclaim_lent_buffer (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buffer)
{
  g_mutex_lock (&stream->lock);
  PRIV (buffer)->claimed = FALSE;
  g_mutex_unlock (&stream->lock);
  gst_daedalus_capture_buffer_unref (buffer);
}

static gint
send_msg (GstDaedalusStream * stream, gpointer msg, gsize size, guint16 type)
{
  struct daedalus_msg_hdr *hdr = msg;

  hdr->size = size;
  hdr->type = type;
  hdr->flags = 0;
  hdr->stream_id = stream->id;
  return gst_daedalus_connection_send (stream->conn, msg);
}

gint
gst_daedalus_stream_send_consumed (GstDaedalusStream * stream, guint64 cookie,
    guint32 epoch, gint status)
{
  struct daedalus_msg_consumed msg = { {0,}, };

  msg.cookie = cookie;
  msg.epoch = epoch;
  msg.status = status;
  return send_msg (stream, &msg, sizeof (msg), DAEDALUS_MSG_CONSUMED);
}

/**
 * gst_daedalus_stream_fill_format:
 * @format: (out): the FORMAT
 * @info: the size and colorimetry of the frames
 * @vformat: their format, as the decoder gives them
 *
 * Fills @format for frames of @info in @vformat: the stream's own raw
 * format, which the node offers first, and its real depth (a kernel older
 * than protocol 1.3 takes 8-bit NV12 only), the coded size as the visible
 * rectangle, the CAPTURE buffer minimum, the colorimetry.
 *
 * Returns: FALSE when no raw format of the node describes @vformat
 */
gboolean
gst_daedalus_stream_fill_format (GstDaedalusStream * stream,
    struct daedalus_msg_format *format, const GstVideoInfo * info,
    GstVideoFormat vformat)
{
  memset (format, 0, sizeof (*format));
  format->epoch = gst_daedalus_stream_get_epoch (stream);
  if (gst_daedalus_connection_get_kernel_minor (stream->conn) < 3) {
    format->pixelformat = V4L2_PIX_FMT_NV12;
    format->bit_depth = 8;
  } else {
    format->pixelformat = gst_daedalus_video_format_to_stream_raw (vformat);
    format->bit_depth = gst_daedalus_video_format_bit_depth (vformat);
  }
  format->width = GST_VIDEO_INFO_WIDTH (info);
  format->height = GST_VIDEO_INFO_HEIGHT (info);
  format->visible_width = format->width;
  format->visible_height = format->height;
  /* the daemon's own depth: a decoder rendering into the client's buffers
   * (zero-copy) keeps its references in those the client has beyond it */
  format->min_buffers = GST_DAEDALUS_MIN_CAPTURE_BUFFERS;
  gst_daedalus_colorimetry_to_v4l2 (&info->colorimetry, &format->colorspace,
      &format->xfer_func, &format->ycbcr_enc, &format->quantization);
  return format->pixelformat != 0;
}

/* with format_lock */
static gint
send_format_locked (GstDaedalusStream * stream,
    struct daedalus_msg_format *format)
{
  const struct daedalus_msg_format *old = &stream->format;
  gint ret;

  /* the same again (the headers told the truth): nothing to tell */
  g_mutex_lock (&stream->lock);
  if (stream->have_format && !stream->awaiting_reset &&
      memcmp ((const guint8 *) old + sizeof (old->hdr),
          (const guint8 *) format + sizeof (format->hdr),
          sizeof (*format) - sizeof (format->hdr)) == 0) {
    g_mutex_unlock (&stream->lock);
    return 0;
  }
  g_mutex_unlock (&stream->lock);

  /* a change the kernel answers with CAPTURE_RESET while CAPTURE streams
   * (docs/protocol.md): the buffers announced so far are not for the
   * frames of the new format */
  g_mutex_lock (&stream->lock);
  if (stream->have_format && g_hash_table_size (stream->capture) > 0 &&
      (old->pixelformat != format->pixelformat ||
          old->width != format->width || old->height != format->height ||
          old->visible_left != format->visible_left ||
          old->visible_top != format->visible_top ||
          old->visible_width != format->visible_width ||
          old->visible_height != format->visible_height ||
          old->min_buffers != format->min_buffers ||
          old->bit_depth != format->bit_depth)) {
    GST_DEBUG_OBJECT (stream, "resolution change: dropping the buffers of "
        "generation %u", stream->generation);
    stream->awaiting_reset = TRUE;
    g_queue_clear_full (&stream->free_capture,
        (GDestroyNotify) gst_daedalus_capture_buffer_unref);
    g_hash_table_remove_all (stream->capture);
    prune_homes_locked (stream);
  }
  g_mutex_unlock (&stream->lock);
  ret = send_msg (stream, format, sizeof (*format), DAEDALUS_MSG_FORMAT);
  /* what the kernel has (a failed one is sent again, not skipped as the
   * same) */
  g_mutex_lock (&stream->lock);
  if (ret == 0) {
    stream->format = *format;
    stream->have_format = TRUE;
  }
  g_mutex_unlock (&stream->lock);
  return ret;
}

/* The decoder's output (daedalussink, at its first frame of the stream
 * and whenever its caps change). */
gint
gst_daedalus_stream_send_format (GstDaedalusStream * stream,
    struct daedalus_msg_format *format)
{
  gint ret;

  g_mutex_lock (&stream->format_lock);
  ret = send_format_locked (stream, format);
  g_mutex_unlock (&stream->format_lock);
  return ret;
}

/**
 * gst_daedalus_stream_send_header_format:
 * @caps: a parser's output caps
 *
 * The stream's format as its headers tell it, before the decoder has
 * given anything (dev-decoder.rst: the decoder raises SOURCE_CHANGE once
 * it has parsed the headers; a decoder may need many access units before
 * its first picture).  Sent only while no FORMAT was: a later change of
 * the headers (a resolution change) waits for the decoder's frames of the
 * old one, which daedalussink's FORMAT follows.  The decoder's own FORMAT
 * comes anyway; the kernel sees no change when the headers told the
 * truth (see gst_daedalus_parsed_video_format()).
 *
 * @output: (nullable): what the decoder may give, in its order of
 *   preference (gst_daedalus_parsed_video_format())
 *
 * Returns: 0 when sent, 1 when @caps do not tell, 2 when a FORMAT was
 * sent already, or the negative errno of the kernel's refusal
 */
gint
gst_daedalus_stream_send_header_format (GstDaedalusStream * stream,
    const GstCaps * caps, const GstCaps * output)
{
  struct daedalus_msg_format format;
  GstVideoFormat vformat;
  GstVideoInfo info;
  gboolean known;
  gint ret = 2;

  g_mutex_lock (&stream->lock);
  known = stream->have_format;
  g_mutex_unlock (&stream->lock);
  if (known)
    return 2;
  vformat = gst_daedalus_parsed_video_format (caps, output);
  if (vformat == GST_VIDEO_FORMAT_UNKNOWN ||
      !gst_video_info_from_caps (&info, caps) ||
      !gst_daedalus_stream_fill_format (stream, &format, &info, vformat))
    return 1;
  g_mutex_lock (&stream->format_lock);
  g_mutex_lock (&stream->lock);
  known = stream->have_format;
  g_mutex_unlock (&stream->lock);
  if (!known) {
    GST_INFO_OBJECT (stream, "FORMAT %" GST_FOURCC_FORMAT " %ux%u, %u bits "
        "from the headers", GST_FOURCC_ARGS (format.pixelformat),
        format.width, format.height, format.bit_depth);
    ret = send_format_locked (stream, &format);
  }
  g_mutex_unlock (&stream->format_lock);
  return ret;
}

/**
 * gst_daedalus_stream_send_frame:
 * @frame: the FRAME, naming @buffer
 * @buffer: (transfer none): the CAPTURE buffer acquired for it
 *
 * A FRAME the kernel refuses because it no longer knows the access unit
 * (ENOENT) left the buffer with the daemon: it goes back to the announced
 * ones, for the next frame, unless the buffers were taken back meanwhile
 * (a new generation).  Not after EINVAL (sizes that do not fit the
 * buffer): the same buffer would be refused again.
 */
gint
gst_daedalus_stream_send_frame (GstDaedalusStream * stream,
    struct daedalus_msg_frame *frame, GstDaedalusCaptureBuffer * buffer)
{
  gint ret;

  /* the client's once sent: the kernel may announce it again before
   * send_msg() returns */
  g_mutex_lock (&stream->lock);
  PRIV (buffer)->with_client = TRUE;
  g_mutex_unlock (&stream->lock);
  ret = send_msg (stream, frame, sizeof (*frame), DAEDALUS_MSG_FRAME);

  g_mutex_lock (&stream->lock);
  PRIV (buffer)->claimed = FALSE;
  if (ret < 0)
    PRIV (buffer)->with_client = FALSE;
  if (ret != -ENOENT) {
    g_mutex_unlock (&stream->lock);
    return ret;
  }
  if (!PRIV (buffer)->available && !stream->awaiting_reset &&
      buffer->info.generation == stream->generation &&
      g_hash_table_lookup (stream->capture,
          GUINT_TO_POINTER (buffer->info.index)) == buffer) {
    GST_DEBUG_OBJECT (stream, "buffer %u is still ours: announced again",
        buffer->info.index);
    PRIV (buffer)->available = TRUE;
    g_queue_push_head (&stream->free_capture,
        gst_daedalus_capture_buffer_ref (buffer));
    g_cond_broadcast (&stream->cond);
  }
  g_mutex_unlock (&stream->lock);
  return ret;
}

gint
gst_daedalus_stream_send_drain_done (GstDaedalusStream * stream, guint32 epoch)
{
  struct daedalus_msg_epoch msg = { {0,}, };

  msg.epoch = epoch;
  return send_msg (stream, &msg, sizeof (msg), DAEDALUS_MSG_DRAIN_DONE);
}

/* Only the first error of a stream is sent: the kernel failed the stream
 * then, and a restart opens a new one. */
gint
gst_daedalus_stream_send_error (GstDaedalusStream * stream, gint error)
{
  struct daedalus_msg_stream_error msg = { {0,}, };
  gboolean failed;

  g_mutex_lock (&stream->lock);
  failed = stream->failed;
  stream->failed = TRUE;
  g_mutex_unlock (&stream->lock);
  if (failed) {
    GST_DEBUG_OBJECT (stream, "failed already, not sending error %d", error);
    return 0;
  }

  msg.error = error;
  return send_msg (stream, &msg, sizeof (msg), DAEDALUS_MSG_STREAM_ERROR);
}
