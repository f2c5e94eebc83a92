/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* A peer that speaks the kernel's side of the daedalus protocol over a
 * SOCK_SEQPACKET socketpair, and plays a V4L2 client on the CAPTURE side:
 * on FORMAT it allocates memfd-backed buffers and announces them (passing
 * the fds with SCM_RIGHTS), on FRAME it records the frame and queues the
 * buffer again. */

#ifndef __FAKE_KERNEL_H__
#define __FAKE_KERNEL_H__

#include <gst/gst.h>
#include <misc/daedalus_v4l2.h>

G_BEGIN_DECLS

typedef struct _FakeKernel FakeKernel;

typedef struct
{
  guint64 stream_id;
  guint64 cookie;
  guint32 epoch;
  guint32 index;
  guint32 flags;
  guint seqnum;                 /* order of all messages received */
  gchar *checksum;              /* of the visible NV12 picture */
  guint32 generation;           /* of the buffer's announcement */
  guint width, height;          /* of the buffer, as announced */
  guint n_formats;              /* FORMATs received before the FRAME */
  gint64 time;                  /* g_get_monotonic_time() at its receipt */
} FakeFrame;

FakeKernel *fake_kernel_new (guint16 major, guint n_capture_buffers);

FakeKernel *fake_kernel_new_full (guint16 major, guint n_capture_buffers,
    const guint32 * codecs, guint n_codecs);

FakeKernel *fake_kernel_new_version (guint16 major, guint16 minor,
    guint n_capture_buffers, const guint32 * codecs, guint n_codecs);

void fake_kernel_free (FakeKernel * fk);

gint fake_kernel_get_fd (FakeKernel * fk);

void fake_kernel_hang_up (FakeKernel * fk);

void fake_kernel_set_new_memory (FakeKernel * fk, gboolean new_memory);

void fake_kernel_set_bench (FakeKernel * fk, gboolean bench);

void fake_kernel_set_client_fourcc (FakeKernel * fk, guint32 fourcc);

void fake_kernel_open_stream (FakeKernel * fk, guint64 stream_id,
    guint32 codec, guint width, guint height);
void fake_kernel_open_stream_at (FakeKernel * fk, guint64 stream_id,
    guint32 codec, guint width, guint height, guint32 epoch);

guint64 fake_kernel_decode (FakeKernel * fk, guint64 stream_id,
    GstBuffer * au, gboolean keyframe);

void fake_kernel_drain (FakeKernel * fk, guint64 stream_id);

guint32 fake_kernel_flush (FakeKernel * fk, guint64 stream_id);

void fake_kernel_restart_capture (FakeKernel * fk, guint64 stream_id);

void fake_kernel_set_client_hold (FakeKernel * fk, guint n);

void fake_kernel_close_stream (FakeKernel * fk, guint64 stream_id);

void fake_kernel_send_raw (FakeKernel * fk, gconstpointer msg, gsize size,
    const gint * fds, guint n_fds);

gboolean fake_kernel_wait_hello (FakeKernel * fk, guint timeout_ms);

gboolean fake_kernel_wait_hellos (FakeKernel * fk, guint n, guint timeout_ms);

guint fake_kernel_get_n_hellos (FakeKernel * fk);

gboolean fake_kernel_wait_consumed (FakeKernel * fk, guint n,
    guint timeout_ms);

gboolean fake_kernel_wait_frames (FakeKernel * fk, guint n, guint timeout_ms);

gboolean fake_kernel_wait_drain_done (FakeKernel * fk, guint n,
    guint timeout_ms);

gboolean fake_kernel_wait_formats (FakeKernel * fk, guint n,
    guint timeout_ms);

/* Results, valid until fake_kernel_free(); read them once the pipeline is
 * stopped.  Arrays of struct daedalus_msg_consumed, FakeFrame,
 * struct daedalus_msg_format, FakeDrainDone and
 * struct daedalus_msg_stream_error. */
const struct daedalus_msg_hello *fake_kernel_get_hello (FakeKernel * fk);
GArray *fake_kernel_get_consumed (FakeKernel * fk);
GArray *fake_kernel_get_frames (FakeKernel * fk);
GArray *fake_kernel_get_formats (FakeKernel * fk);
GArray *fake_kernel_get_drain_done (FakeKernel * fk);
/* whether the daemon's latest HELLO lists @codec */
gboolean fake_kernel_hello_has (FakeKernel * fk, guint32 codec);
/* whether the daemon's first HELLO lists @codec */
gboolean fake_kernel_first_hello_has (FakeKernel * fk, guint32 codec);

/* STREAM_ERRORs received, of any stream */
gboolean fake_kernel_wait_errors (FakeKernel * fk, guint n, guint timeout_ms);

GArray *fake_kernel_get_errors (FakeKernel * fk);
guint fake_kernel_get_invalid (FakeKernel * fk);

guint fake_kernel_count_frames (FakeKernel * fk, guint64 stream_id);
guint fake_kernel_count_errors (FakeKernel * fk, guint64 stream_id);

typedef struct
{
  struct daedalus_msg_epoch msg;
  guint seqnum;
} FakeDrainDone;

gchar *fake_kernel_checksum_nv12 (const guint8 * y, gint y_stride,
    const guint8 * uv, gint uv_stride, gint width, gint height);

G_END_DECLS

#endif /* __FAKE_KERNEL_H__ */
