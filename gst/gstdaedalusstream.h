/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_STREAM_H__
#define __GST_DAEDALUS_STREAM_H__

#include "gstdaedalus-api.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <misc/daedalus_v4l2.h>

G_BEGIN_DECLS

/* CAPTURE buffers a FORMAT asks for: the daemon's own depth, a frame
 * copied into one while the client has the others.  A decoder rendering
 * into the client's buffers (zero-copy) keeps its references in those the
 * client has beyond it, and copies when it has too few (docs/protocol.md,
 * Zero-copy) */
#define GST_DAEDALUS_MIN_CAPTURE_BUFFERS 4

#define GST_TYPE_DAEDALUS_STREAM (gst_daedalus_stream_get_type ())
GST_DAEDALUS_API
G_DECLARE_FINAL_TYPE (GstDaedalusStream, gst_daedalus_stream, GST,
    DAEDALUS_STREAM, GstObject);

typedef struct _GstDaedalusConnection GstDaedalusConnection;

/**
 * GstDaedalusEventType:
 * What the kernel asked of a stream, in the order it asked, for the element
 * feeding the decoder.
 */
typedef enum
{
  GST_DAEDALUS_EVENT_DECODE,
  GST_DAEDALUS_EVENT_DRAIN,
  GST_DAEDALUS_EVENT_FLUSH,
  GST_DAEDALUS_EVENT_CLOSE,
} GstDaedalusEventType;

typedef struct
{
  GstDaedalusEventType type;
  guint32 epoch;                /* DECODE, DRAIN: its epoch; FLUSH: new */
  guint32 flags;                /* DECODE: DAEDALUS_DECODE_FLAG_* */
  guint64 cookie;               /* DECODE */
  guint64 timestamp;            /* DECODE */
  GstBuffer *buffer;            /* DECODE: the bitstream */
} GstDaedalusEvent;

/**
 * GstDaedalusWaitResult:
 * @GST_DAEDALUS_WAIT_OK: got what was waited for
 * @GST_DAEDALUS_WAIT_FLUSHING: the GCancellable was cancelled
 * @GST_DAEDALUS_WAIT_STALE: a FLUSH made the frame's epoch obsolete
 * @GST_DAEDALUS_WAIT_CLOSED: the client closed the stream
 * @GST_DAEDALUS_WAIT_LOST: the connection to the kernel is gone
 * @GST_DAEDALUS_WAIT_NONE: nothing to take now, and no wait was asked for
 */
typedef enum
{
  GST_DAEDALUS_WAIT_OK,
  GST_DAEDALUS_WAIT_FLUSHING,
  GST_DAEDALUS_WAIT_STALE,
  GST_DAEDALUS_WAIT_CLOSED,
  GST_DAEDALUS_WAIT_LOST,
  GST_DAEDALUS_WAIT_NONE,
} GstDaedalusWaitResult;

/**
 * GstDaedalusCaptureBuffer:
 * @info: the kernel's announcement
 *
 * A CAPTURE buffer handed to the daemon; refcounted, the dma-buf fds are
 * cached with it (gst_daedalus_stream_get_plane_fd()) and closed with its
 * last reference.  Only the library allocates one: it is larger than
 * this.
 */
typedef struct
{
  struct daedalus_msg_capture_buffer info;
} GstDaedalusCaptureBuffer;

GST_DAEDALUS_API
guint64 gst_daedalus_stream_get_id (GstDaedalusStream * stream);

GST_DAEDALUS_API
GstDaedalusConnection *gst_daedalus_stream_get_connection (GstDaedalusStream *
    stream);

GST_DAEDALUS_API
const struct daedalus_msg_stream_open *gst_daedalus_stream_get_info
    (GstDaedalusStream * stream);

GST_DAEDALUS_API
guint32 gst_daedalus_stream_get_epoch (GstDaedalusStream * stream);

GST_DAEDALUS_API
gboolean gst_daedalus_stream_is_closed (GstDaedalusStream * stream);

/**
 * GstDaedalusStreamStats:
 * @access_units: DECODEs received
 * @bitstream_copies: access units copied out of their message into a
 *     #GstBuffer of their own
 * @frames: frames written into a CAPTURE buffer
 * @frames_copied: of them, written by a plain copy
 * @frames_converted: of them, written by a format conversion
 * @frames_direct: of them, rendered by the decoder straight into the
 *     CAPTURE buffer (zero-copy, #GstDaedalusCapturePool): no copy
 * @lend_timeouts: times a decoder waited in vain (a second) for the client
 *     to give back a CAPTURE buffer it could render into
 * @capture_maps: CAPTURE buffers mapped for writing: once per buffer and
 *     layout (gst_daedalus_stream_wrap_capture_buffer()), and once per
 *     buffer lent to a decoder, not per frame
 *
 * What a stream's data path did, counted as it happened, not assumed:
 * daedalusd's log and bench/run read it.
 */
typedef struct
{
  guint64 access_units;
  guint64 bitstream_copies;
  guint64 frames;
  guint64 frames_copied;
  guint64 frames_converted;
  guint64 frames_direct;
  guint64 lend_timeouts;
  guint64 capture_maps;
} GstDaedalusStreamStats;

/**
 * GstDaedalusFrameWrite:
 * How a frame got into its CAPTURE buffer, for the stream's statistics.
 */
typedef enum
{
  GST_DAEDALUS_FRAME_COPIED,
  GST_DAEDALUS_FRAME_CONVERTED,
  GST_DAEDALUS_FRAME_DIRECT,
} GstDaedalusFrameWrite;

GST_DAEDALUS_API
void gst_daedalus_stream_get_stats (GstDaedalusStream * stream,
    GstDaedalusStreamStats * stats);

/* daedalussink, for each frame it sent */
GST_DAEDALUS_API
void gst_daedalus_stream_count_frame (GstDaedalusStream * stream,
    GstDaedalusFrameWrite how);

/* feeding side (daedalussrc) */
GST_DAEDALUS_API
GstDaedalusWaitResult gst_daedalus_stream_pop_event (GstDaedalusStream *
    stream, GCancellable * cancellable, GstDaedalusEvent * event);

GST_DAEDALUS_API
void gst_daedalus_event_clear (GstDaedalusEvent * event);

GST_DAEDALUS_API
void gst_daedalus_stream_begin_drain (GstDaedalusStream * stream,
    guint32 epoch);

GST_DAEDALUS_API
gboolean gst_daedalus_stream_end_drain (GstDaedalusStream * stream,
    guint32 * epoch);

/* messages to the kernel; 0 or a negative errno */
GST_DAEDALUS_API
gint gst_daedalus_stream_send_consumed (GstDaedalusStream * stream,
    guint64 cookie, guint32 epoch, gint status);

GST_DAEDALUS_API
gboolean gst_daedalus_stream_fill_format (GstDaedalusStream * stream,
    struct daedalus_msg_format *format, const GstVideoInfo * info,
    GstVideoFormat vformat);

GST_DAEDALUS_API
gint gst_daedalus_stream_send_format (GstDaedalusStream * stream,
    struct daedalus_msg_format *format);

GST_DAEDALUS_API
gint gst_daedalus_stream_send_header_format (GstDaedalusStream * stream,
    const GstCaps * caps, const GstCaps * output);

GST_DAEDALUS_API
gint gst_daedalus_stream_send_frame (GstDaedalusStream * stream,
    struct daedalus_msg_frame *frame, GstDaedalusCaptureBuffer * buffer);

GST_DAEDALUS_API
gint gst_daedalus_stream_send_drain_done (GstDaedalusStream * stream,
    guint32 epoch);

GST_DAEDALUS_API
gint gst_daedalus_stream_send_error (GstDaedalusStream * stream, gint error);

/* receiving side (daedalussink) */
GST_DAEDALUS_API
GstDaedalusWaitResult gst_daedalus_stream_acquire_capture_buffer
    (GstDaedalusStream * stream, guint width, guint height, guint32 epoch,
    GCancellable * cancellable, GstDaedalusCaptureBuffer ** buffer);

GST_DAEDALUS_API
gint gst_daedalus_stream_get_plane_fd (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buffer, guint plane, GError ** error);

GST_DAEDALUS_API
GstBuffer *gst_daedalus_stream_wrap_capture_buffer (GstDaedalusStream *
    stream, GstDaedalusCaptureBuffer * buffer, const GstVideoInfo * info,
    GError ** error);

/**
 * GstDaedalusCaptureFit:
 * Whether a decoder can render into a CAPTURE buffer laid out as @info.
 */
typedef gboolean (*GstDaedalusCaptureFit) (const struct
    daedalus_msg_capture_buffer * info, gpointer user_data);

GST_DAEDALUS_API
GstDaedalusWaitResult gst_daedalus_stream_lend_capture_buffer
    (GstDaedalusStream * stream, GstDaedalusCaptureFit fit, gpointer fit_data,
    gboolean probe, guint timeout_ms, GCancellable * cancellable,
    GstDaedalusCaptureBuffer ** buffer, GstMemory ** mems, GError ** error);

GST_DAEDALUS_API
gboolean gst_daedalus_stream_claim_lent_buffer (GstDaedalusStream * stream,
    GstBuffer * frame, GstDaedalusCaptureBuffer ** buffer);

GST_DAEDALUS_API
void gst_daedalus_stream_unclaim_lent_buffer (GstDaedalusStream * stream,
    GstDaedalusCaptureBuffer * buffer);

GST_DAEDALUS_API
GstDaedalusCaptureBuffer *gst_daedalus_capture_buffer_ref
    (GstDaedalusCaptureBuffer * buffer);

GST_DAEDALUS_API
void gst_daedalus_capture_buffer_unref (GstDaedalusCaptureBuffer * buffer);

G_END_DECLS

#endif /* __GST_DAEDALUS_STREAM_H__ */
