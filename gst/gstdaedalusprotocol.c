/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Encoding and validation of the wire protocol of
 * kmod/include/uapi/misc/daedalus_v4l2.h.  Validation follows the header's
 * rules: hdr.size is the size of the whole message and at least the size of
 * the structure we know (messages only grow by appending), hdr.flags is 0,
 * and the counts and indices inside a message stay within their arrays. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstdaedalusprotocol.h"

G_STATIC_ASSERT (sizeof (struct daedalus_msg_hdr) == 16);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_hello) == 112);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_stream_open) == 64);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_stream_close) == 24);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_decode) == 48);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_epoch) == 24);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_capture_buffer) == 144);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_capture_reset) == 24);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_consumed) == 32);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_format) == 88);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_frame) == 72);
G_STATIC_ASSERT (sizeof (struct daedalus_msg_stream_error) == 24);
G_STATIC_ASSERT (sizeof (struct daedalus_expbuf) == 32);

static const struct
{
  guint16 type;
  const gchar *name;
  gsize size;
  GstDaedalusDirection dir;
} msg_types[] = {
  {DAEDALUS_MSG_HELLO, "HELLO", sizeof (struct daedalus_msg_hello),
      GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_STREAM_OPEN, "STREAM_OPEN",
      sizeof (struct daedalus_msg_stream_open), GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_STREAM_CLOSE, "STREAM_CLOSE",
      sizeof (struct daedalus_msg_stream_close), GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_DECODE, "DECODE", sizeof (struct daedalus_msg_decode),
      GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_DRAIN, "DRAIN", sizeof (struct daedalus_msg_epoch),
      GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_FLUSH, "FLUSH", sizeof (struct daedalus_msg_epoch),
      GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_CAPTURE_BUFFER, "CAPTURE_BUFFER",
      sizeof (struct daedalus_msg_capture_buffer), GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_CAPTURE_RESET, "CAPTURE_RESET",
      sizeof (struct daedalus_msg_capture_reset), GST_DAEDALUS_TO_DAEMON},
  {DAEDALUS_MSG_CONSUMED, "CONSUMED", sizeof (struct daedalus_msg_consumed),
      GST_DAEDALUS_TO_KERNEL},
  {DAEDALUS_MSG_FORMAT, "FORMAT", sizeof (struct daedalus_msg_format),
      GST_DAEDALUS_TO_KERNEL},
  {DAEDALUS_MSG_FRAME, "FRAME", sizeof (struct daedalus_msg_frame),
      GST_DAEDALUS_TO_KERNEL},
  {DAEDALUS_MSG_DRAIN_DONE, "DRAIN_DONE", sizeof (struct daedalus_msg_epoch),
      GST_DAEDALUS_TO_KERNEL},
  {DAEDALUS_MSG_STREAM_ERROR, "STREAM_ERROR",
      sizeof (struct daedalus_msg_stream_error), GST_DAEDALUS_TO_KERNEL},
};

static gint
msg_type_index (guint16 type)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (msg_types); i++) {
    if (msg_types[i].type == type)
      return i;
  }
  return -1;
}

const gchar *
gst_daedalus_msg_type_name (guint16 type)
{
  gint i = msg_type_index (type);

  return i < 0 ? "UNKNOWN" : msg_types[i].name;
}

/* Size of the structure of @type this code knows, 0 for unknown types. */
gsize
gst_daedalus_msg_min_size (guint16 type)
{
  gint i = msg_type_index (type);

  return i < 0 ? 0 : msg_types[i].size;
}

/* Zero @msg and fill in its header. */
void
gst_daedalus_msg_init (gpointer msg, gsize size, guint16 type,
    guint64 stream_id)
{
  struct daedalus_msg_hdr *hdr = msg;

  g_return_if_fail (size >= sizeof (*hdr) && size <= G_MAXUINT32);

  memset (msg, 0, size);
  hdr->size = size;
  hdr->type = type;
  hdr->stream_id = stream_id;
}

/* The bitstream follows the structure; counting it from the end keeps it
 * right when a later minor version appends fields to the structure. */
const guint8 *
gst_daedalus_msg_decode_bitstream (const struct daedalus_msg_decode *msg)
{
  return ((const guint8 *) msg) + msg->hdr.size - msg->bytesused;
}

static gboolean
all_zero (gconstpointer data, gsize len)
{
  const guint8 *p = data;
  gsize i;

  for (i = 0; i < len; i++) {
    if (p[i])
      return FALSE;
  }
  return TRUE;
}

#define INVALID(...) G_STMT_START { \
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, __VA_ARGS__); \
  return FALSE; \
} G_STMT_END

static gboolean
validate_capture_buffer (const struct daedalus_msg_capture_buffer *cb,
    GError ** error)
{
  guint i;

  if (cb->num_mem_planes < 1 || cb->num_mem_planes > DAEDALUS_MAX_PLANES)
    INVALID ("CAPTURE_BUFFER with %u memory planes", cb->num_mem_planes);
  if (cb->num_color_planes < 1 || cb->num_color_planes > DAEDALUS_MAX_PLANES)
    INVALID ("CAPTURE_BUFFER with %u colour planes", cb->num_color_planes);
  if (cb->width == 0 || cb->height == 0)
    INVALID ("CAPTURE_BUFFER of size %ux%u", cb->width, cb->height);

  for (i = 0; i < cb->num_color_planes; i++) {
    const struct daedalus_color_plane *cp = &cb->color_planes[i];

    if (cp->mem_plane >= cb->num_mem_planes)
      INVALID ("colour plane %u in memory plane %u of %u", i, cp->mem_plane,
          cb->num_mem_planes);
    if (cp->offset >= cb->mem_plane_length[cp->mem_plane] || cp->stride == 0)
      INVALID ("colour plane %u: offset %u stride %u, plane length %u", i,
          cp->offset, cp->stride, cb->mem_plane_length[cp->mem_plane]);
  }
  return TRUE;
}

/* Checks one message of @len bytes.  Messages of a type this code does not
 * know are valid (a newer peer may send them) and are to be ignored.  In the
 * direction towards the kernel the check is as strict as the kernel's:
 * exact sizes and zero reserved fields. */
gboolean
gst_daedalus_msg_validate (const guint8 * data, gsize len,
    GstDaedalusDirection dir, GError ** error)
{
  const struct daedalus_msg_hdr *hdr = (const struct daedalus_msg_hdr *) data;
  gint i;
  gsize size;

  if (len < sizeof (*hdr))
    INVALID ("message of %" G_GSIZE_FORMAT " bytes is too short", len);
  if (hdr->size != len)
    INVALID ("message of %" G_GSIZE_FORMAT " bytes says it has %u", len,
        hdr->size);
  if (hdr->flags != 0)
    INVALID ("%s with flags 0x%x", gst_daedalus_msg_type_name (hdr->type),
        hdr->flags);

  i = msg_type_index (hdr->type);
  if (i < 0) {
    if (dir == GST_DAEDALUS_TO_KERNEL)
      INVALID ("unknown message type 0x%04x", hdr->type);
    return TRUE;
  }

  size = msg_types[i].size;
  if (len < size)
    INVALID ("%s of %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
        msg_types[i].name, len, size);
  if (hdr->type != DAEDALUS_MSG_HELLO && msg_types[i].dir != dir)
    INVALID ("%s in the wrong direction", msg_types[i].name);
  if ((hdr->type == DAEDALUS_MSG_HELLO) != (hdr->stream_id == 0))
    INVALID ("%s for stream %" G_GUINT64_FORMAT, msg_types[i].name,
        (guint64) hdr->stream_id);

  if (dir == GST_DAEDALUS_TO_KERNEL && len != size)
    INVALID ("%s of %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
        msg_types[i].name, len, size);

  switch (hdr->type) {
    case DAEDALUS_MSG_HELLO:{
      const struct daedalus_msg_hello *h = (gconstpointer) data;

      if (h->num_codecs > DAEDALUS_MAX_CODECS)
        INVALID ("HELLO with %u codecs", h->num_codecs);
      if (dir == GST_DAEDALUS_TO_KERNEL && (h->max_msg_size != 0
              || !all_zero (h->reserved, sizeof (h->reserved))))
        INVALID ("HELLO with non-zero reserved fields");
      break;
    }
    case DAEDALUS_MSG_DECODE:{
      const struct daedalus_msg_decode *d = (gconstpointer) data;

      if (d->bytesused > len - size)
        INVALID ("DECODE of %u bytes in a message of %" G_GSIZE_FORMAT,
            d->bytesused, len);
      break;
    }
    case DAEDALUS_MSG_CAPTURE_BUFFER:
      if (!validate_capture_buffer ((gconstpointer) data, error))
        return FALSE;
      break;
    case DAEDALUS_MSG_CONSUMED:{
      const struct daedalus_msg_consumed *c = (gconstpointer) data;

      if (c->status > 0)
        INVALID ("CONSUMED with positive status %d", c->status);
      break;
    }
    case DAEDALUS_MSG_FORMAT:{
      const struct daedalus_msg_format *f = (gconstpointer) data;

      if (!all_zero (f->reserved, sizeof (f->reserved)))
        INVALID ("FORMAT with non-zero reserved fields");
      if (f->width == 0 || f->height == 0 || f->min_buffers == 0)
        INVALID ("FORMAT %ux%u with %u buffers", f->width, f->height,
            f->min_buffers);
      if ((guint64) f->visible_left + f->visible_width > f->width
          || (guint64) f->visible_top + f->visible_height > f->height)
        INVALID ("FORMAT visible rectangle outside %ux%u", f->width, f->height);
      break;
    }
    case DAEDALUS_MSG_FRAME:{
      const struct daedalus_msg_frame *f = (gconstpointer) data;

      if (!all_zero (f->reserved, sizeof (f->reserved)))
        INVALID ("FRAME with non-zero reserved fields");
      if (f->num_planes < 1 || f->num_planes > DAEDALUS_MAX_PLANES)
        INVALID ("FRAME with %u planes", f->num_planes);
      if (f->flags & ~(DAEDALUS_FRAME_FLAG_ERROR |
              DAEDALUS_FRAME_FLAG_KEYFRAME))
        INVALID ("FRAME with unknown flags 0x%x", f->flags);
      break;
    }
    case DAEDALUS_MSG_DRAIN_DONE:{
      const struct daedalus_msg_epoch *e = (gconstpointer) data;

      if (e->reserved)
        INVALID ("DRAIN_DONE with non-zero reserved field");
      break;
    }
    case DAEDALUS_MSG_STREAM_ERROR:{
      const struct daedalus_msg_stream_error *e = (gconstpointer) data;

      if (e->reserved || e->error >= 0)
        INVALID ("STREAM_ERROR with error %d", e->error);
      break;
    }
    default:
      break;
  }

  return TRUE;
}
