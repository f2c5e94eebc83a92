/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Inside the library only: the connection's fields (gstdaedalusconnection.c,
 * gstdaedalushello.c) and what connections and streams call of each other. */

#ifndef __GST_DAEDALUS_PRIVATE_H__
#define __GST_DAEDALUS_PRIVATE_H__

#include "gstdaedalusconnection.h"
#include "gstdaedalusstream.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_daedalus_debug);

struct _GstDaedalusConnection
{
  GstObject parent;

  /* set before the reader thread starts, read-only afterwards */
  gchar *key;
  gint fd;
  gboolean passes_fds;
  guint16 kernel_major;
  guint16 kernel_minor;
  gsize read_size;
  guint8 *read_buf;             /* reader thread only */
  guint32 kernel_codecs[DAEDALUS_MAX_CODECS];   /* what the kernel offers */
  guint n_kernel_codecs;
  guint32 hello_codecs[DAEDALUS_MAX_CODECS];    /* what our last HELLO said, */
  guint n_hello_codecs;                 /* protected by the write lock, */
  gboolean default_codecs;      /* as is: the library chose the list */
  GstPoll *poll;
  GstPollFD pollfd;
  GThread *reader;

  /* one message per write(2); serialises writers */
  GMutex write_lock;

  /* Protects the stream table, the pending queue and @lost.  Taken after
   * the registry lock and before a stream's lock, never the other way. */
  GMutex lock;
  GCond cond;
  GHashTable *streams;          /* id -> GstDaedalusStream, open streams */
  GQueue pending;               /* open streams nobody claimed yet */
  gboolean lost;

  /* protected by the registry lock */
  gint users;
};

gssize _gst_daedalus_connection_read_msg (GstDaedalusConnection * conn,
    guint8 * buf, gsize size, gint * fds, guint * n_fds);

gint _gst_daedalus_connection_write_msg_locked (GstDaedalusConnection * conn,
    gconstpointer msg, gsize size);

gboolean _gst_daedalus_connection_handshake (GstDaedalusConnection * conn,
    const guint32 * codecs, guint n_codecs, GError ** error);

GstDaedalusStream *_gst_daedalus_stream_new (GstDaedalusConnection * conn,
    const struct daedalus_msg_stream_open *open);

void _gst_daedalus_stream_count_bitstream_copy (GstDaedalusStream * stream);

void _gst_daedalus_stream_push_event (GstDaedalusStream * stream,
    const GstDaedalusEvent * event);

void _gst_daedalus_stream_lost (GstDaedalusStream * stream);

void _gst_daedalus_stream_capture_buffer (GstDaedalusStream * stream,
    const struct daedalus_msg_capture_buffer *msg, gint * fds, guint n_fds);

void _gst_daedalus_stream_capture_reset (GstDaedalusStream * stream,
    guint32 generation);

gint _gst_daedalus_connection_expbuf (GstDaedalusConnection * conn,
    struct daedalus_expbuf *expbuf);

gboolean _gst_daedalus_connection_passes_fds (GstDaedalusConnection * conn);

/* A GstDaedalusCaptureBuffer and what only the library knows of it
 * (gstdaedaluscapture.c, gstdaedalusstream.c) */
typedef struct
{
  GstDaedalusCaptureBuffer pub;
  gint fds[DAEDALUS_MAX_PLANES];        /* dma-bufs from EXPBUF, cached */
  gint peer_fds[DAEDALUS_MAX_PLANES];   /* a socket peer's (SCM_RIGHTS) */
  gboolean available;           /* in free_capture */
  /* gst_daedalus_stream_wrap_capture_buffer()'s buffer, its dma-bufs mapped
   * once (KEEP_MAPPED), for the layout it was made for; only the user of
   * the buffer (daedalussink's streaming thread) touches these */
  GstBuffer *wrapped;
  GstVideoInfo wrapped_info;
  /* zero-copy (gstdaedaluspool.c), under the stream's lock; whether a
   * decoder holds its memory is its LendHome's (gstdaedalusstream.c) */
  gboolean claimed;             /* its frame is being sent */
  gboolean with_client;         /* named in a FRAME, not announced since */
} CaptureBuffer;

#define PRIV(buf) ((CaptureBuffer *) (buf))

GstDaedalusCaptureBuffer *_gst_daedalus_capture_buffer_new (const struct
    daedalus_msg_capture_buffer *msg);

G_END_DECLS

#endif /* __GST_DAEDALUS_PRIVATE_H__ */
