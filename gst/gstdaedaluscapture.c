/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* A CAPTURE buffer handed to the daemon: refcounted, with the dma-buf fds
 * cached for it (gst_daedalus_stream_get_plane_fd()), and the GstBuffer
 * over them (gst_daedalus_stream_wrap_capture_buffer()), unmapped and
 * closed with its last reference. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <unistd.h>

#include "gstdaedalusprivate.h"

static void
capture_buffer_clear (GstDaedalusCaptureBuffer * buf)
{
  guint i;

  /* its memories use the fds below (unmapped here, never closed) */
  gst_clear_buffer (&PRIV (buf)->wrapped);
  for (i = 0; i < DAEDALUS_MAX_PLANES; i++) {
    if (PRIV (buf)->fds[i] >= 0)
      close (PRIV (buf)->fds[i]);
    if (PRIV (buf)->peer_fds[i] >= 0)
      close (PRIV (buf)->peer_fds[i]);
  }
}

GstDaedalusCaptureBuffer *
gst_daedalus_capture_buffer_ref (GstDaedalusCaptureBuffer * buf)
{
  return g_atomic_rc_box_acquire (buf);
}

void
gst_daedalus_capture_buffer_unref (GstDaedalusCaptureBuffer * buf)
{
  g_atomic_rc_box_release_full (buf, (GDestroyNotify) capture_buffer_clear);
}

GstDaedalusCaptureBuffer *
_gst_daedalus_capture_buffer_new (const struct daedalus_msg_capture_buffer *msg)
{
  GstDaedalusCaptureBuffer *buf = (GstDaedalusCaptureBuffer *)
      g_atomic_rc_box_new0 (CaptureBuffer);
  guint i;

  buf->info = *msg;
  for (i = 0; i < DAEDALUS_MAX_PLANES; i++)
    PRIV (buf)->fds[i] = PRIV (buf)->peer_fds[i] = -1;
  return buf;
}
