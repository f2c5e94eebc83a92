/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include "fakekernel.h"
#include "gstdaedalusprotocol.h"
#include "kshim.h"
#include "daedalus-layout.h"

#define MAX_BUFFERS 32

typedef struct
{
  gint fds[DAEDALUS_MAX_PLANES];        /* a memfd per memory plane */
  gboolean owned;               /* by the daemon */
  struct daedalus_msg_capture_buffer info;
} FakeBuf;

typedef struct
{
  guint64 id;
  guint32 epoch;
  guint64 next_cookie;
  guint64 newest_cookie;        /* of the last DECODE sent */
  guint width, height;
  guint32 pixelformat;          /* of the daemon's latest FORMAT */
  guint32 bit_depth;
  guint32 generation;
  guint n_bufs;
  FakeBuf bufs[MAX_BUFFERS];
  GQueue held;                  /* FakeBuf * the client keeps, oldest first */
} FakeStream;

struct _FakeKernel
{
  gint fd;                      /* our end */
  gint daemon_fd;               /* theirs */
  guint n_capture_buffers;
  GThread *thread;

  GMutex write_lock;
  GMutex lock;
  GCond cond;
  GHashTable *streams;
  guint16 minor;                /* our protocol minor */
  gboolean have_hello;
  guint n_hellos;               /* daemon HELLOs accepted */
  struct daedalus_msg_hello hello;
  struct daedalus_msg_hello first_hello;
  GArray *consumed;
  GArray *frames;
  GArray *formats;
  GArray *drain_done;
  GArray *errors;
  guint invalid;
  guint seqnum;
  gboolean new_memory;          /* each buffer queued again with a new memfd */
  gboolean bench;               /* fake_kernel_set_bench() */
  guint32 client_fourcc;        /* fake_kernel_set_client_fourcc() */
  guint client_hold;            /* fake_kernel_set_client_hold() */
  guint32 next_mem_id;
};

static void
send_msg (FakeKernel * fk, gconstpointer msg, gsize size, const gint * fds,
    guint n_fds)
{
  union
  {
    struct cmsghdr align;
    gchar buf[CMSG_SPACE (sizeof (gint) * DAEDALUS_MAX_PLANES)];
  }
  control;
  struct iovec iov = { (gpointer) msg, size };
  struct msghdr mh = { 0, };

  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (n_fds) {
    struct cmsghdr *cmsg;

    memset (&control, 0, sizeof (control));
    mh.msg_control = control.buf;
    mh.msg_controllen = CMSG_SPACE (sizeof (gint) * n_fds);
    cmsg = CMSG_FIRSTHDR (&mh);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN (sizeof (gint) * n_fds);
    memcpy (CMSG_DATA (cmsg), fds, sizeof (gint) * n_fds);
  }
  g_mutex_lock (&fk->write_lock);
  if (sendmsg (fk->fd, &mh, MSG_NOSIGNAL) != (gssize) size)
    GST_WARNING ("fake kernel: sendmsg: %s", g_strerror (errno));
  g_mutex_unlock (&fk->write_lock);
}

gchar *
fake_kernel_checksum_nv12 (const guint8 * y, gint y_stride, const guint8 * uv,
    gint uv_stride, gint width, gint height)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA1);
  gchar *res;
  gint i;

  for (i = 0; i < height; i++)
    g_checksum_update (sum, y + i * y_stride, width);
  for (i = 0; i < (height + 1) / 2; i++)
    g_checksum_update (sum, uv + i * uv_stride, GST_ROUND_UP_2 (width));
  res = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return res;
}

/* The visible samples of every colour plane of a frame laid out as @ci
 * says, in the memory planes @maps: for NV12, what
 * fake_kernel_checksum_nv12() gives. */
static gchar *
checksum_layout (const struct daedalus_msg_capture_buffer *ci,
    guint8 * const *maps)
{
  const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt (ci->pixelformat);
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA1);
  gchar *res;
  guint i, y;

  g_assert (r);
  for (i = 0; i < r->color_planes; i++) {
    const struct daedalus_color_plane *cp = &ci->color_planes[i];
    guint rows = i ? (ci->height + r->vsub - 1) / r->vsub : ci->height;
    guint bytes = (i ? (ci->width + r->hsub - 1) / r->hsub *
        (r->color_planes == 2 ? 2 : 1) : ci->width) * r->bps;

    for (y = 0; y < rows; y++)
      g_checksum_update (sum, maps[cp->mem_plane] + cp->offset +
          (gsize) y * cp->stride, bytes);
  }
  res = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return res;
}

static void
announce (FakeKernel * fk, FakeStream * s, FakeBuf * b)
{
  b->owned = TRUE;
  send_msg (fk, &b->info, sizeof (b->info), b->fds, b->info.num_mem_planes);
}

static void
free_buffers (FakeStream * s)
{
  guint i, p;

  for (i = 0; i < s->n_bufs; i++)
    for (p = 0; p < s->bufs[i].info.num_mem_planes; p++)
      close (s->bufs[i].fds[p]);
  s->n_bufs = 0;
  g_queue_clear (&s->held);
}

/* like a client that got SOURCE_CHANGE: reallocate and queue everything */
/* A client that takes NV12 (what the checksums read) at the size of the
 * stream: laid out by the module's own code (kmod/daedalus-layout.c), so
 * the daemon gets the strides and offsets the module would give. */
static void
allocate_capture (FakeKernel * fk, FakeStream * s)
{
  struct v4l2_pix_format_mplane pix = { 0, };
  struct daedalus_cap_layout layout;
  guint32 fourcc = V4L2_PIX_FMT_NV12;
  guint i;

  /* a benchmark's client takes the daemon's own format where the module
   * offers it as a CAPTURE format (the first it lists then) */
  if (fk->client_fourcc)
    fourcc = fk->client_fourcc;
  else if (fk->bench && s->pixelformat &&
      daedalus_find_raw_fmt (s->pixelformat))
    fourcc = s->pixelformat;
  else if (fk->bench && s->bit_depth > 8)
    fourcc = V4L2_PIX_FMT_P010;
  daedalus_cap_fmt_fill (&pix, fourcc, s->width, s->height);
  daedalus_cap_layout_fill (&layout, &pix);

  if (s->n_bufs) {
    struct daedalus_msg_capture_reset r;

    free_buffers (s);
    s->generation++;
    gst_daedalus_msg_init (&r, sizeof (r), DAEDALUS_MSG_CAPTURE_RESET, s->id);
    r.generation = s->generation;
    send_msg (fk, &r, sizeof (r), NULL, 0);
  }

  for (i = 0; i < fk->n_capture_buffers && i < MAX_BUFFERS; i++) {
    FakeBuf *b = &s->bufs[i];
    struct daedalus_msg_capture_buffer *ci = &b->info;
    guint p;

    gst_daedalus_msg_init (ci, sizeof (*ci), DAEDALUS_MSG_CAPTURE_BUFFER,
        s->id);
    /* the module's MMAP buffers: as long as it allocates them */
    for (p = 0; p < layout.num_mem_planes; p++) {
      b->fds[p] = memfd_create ("fakecapture", MFD_CLOEXEC);
      g_assert (b->fds[p] >= 0);
      ci->mem_plane_length[p] = daedalus_cap_plane_room (&pix, p);
      g_assert (ftruncate (b->fds[p], ci->mem_plane_length[p]) == 0);
    }
    if (!fk->new_memory)
      ci->flags = DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY;
    ci->index = i;
    ci->generation = s->generation;
    ci->mem_id = ++fk->next_mem_id;
    ci->pixelformat = layout.pixelformat;
    ci->width = layout.width;
    ci->height = layout.height;
    ci->num_mem_planes = layout.num_mem_planes;
    ci->num_color_planes = layout.num_color_planes;
    memcpy (ci->color_planes, layout.color, sizeof (ci->color_planes));
    s->n_bufs++;
    announce (fk, s, b);
  }
}

static void
handle_frame (FakeKernel * fk, FakeStream * s,
    const struct daedalus_msg_frame *f)
{
  FakeFrame rec = { 0, };
  FakeBuf *b;
  guint8 *maps[DAEDALUS_MAX_PLANES];
  const struct daedalus_msg_capture_buffer *ci;
  guint p;

  if (f->generation != s->generation || f->index >= s->n_bufs ||
      !s->bufs[f->index].owned) {
    GST_WARNING ("fake kernel: FRAME for buffer %u gen %u not owned",
        f->index, f->generation);
    fk->invalid++;
    return;
  }
  /* the module's checks: the message itself, then against the buffer */
  if (!daedalus_frame_msg_valid (f) ||
      !daedalus_frame_fits (f, s->bufs[f->index].info.num_mem_planes,
          s->bufs[f->index].info.mem_plane_length)) {
    GST_WARNING ("fake kernel: FRAME refused (EINVAL)");
    fk->invalid++;
    return;
  }
  if (f->cookie + DAEDALUS_COOKIE_WINDOW <= s->newest_cookie) {
    /* the kernel has forgotten that access unit: ENOENT */
    GST_WARNING ("fake kernel: FRAME of cookie %" G_GUINT64_FORMAT
        ", outside the window of the last %u (newest %" G_GUINT64_FORMAT ")",
        (guint64) f->cookie, DAEDALUS_COOKIE_WINDOW, s->newest_cookie);
    fk->invalid++;
    return;
  }
  b = &s->bufs[f->index];
  ci = &b->info;
  b->owned = FALSE;

  rec.stream_id = s->id;
  rec.cookie = f->cookie;
  rec.epoch = f->epoch;
  rec.index = f->index;
  rec.flags = f->flags;
  rec.seqnum = fk->seqnum;
  rec.generation = f->generation;
  rec.width = ci->width;
  rec.height = ci->height;
  rec.n_formats = fk->formats->len;
  rec.time = g_get_monotonic_time ();
  if (!fk->bench) {
    for (p = 0; p < ci->num_mem_planes; p++) {
      maps[p] = mmap (NULL, ci->mem_plane_length[p], PROT_READ, MAP_SHARED,
          b->fds[p], 0);
      g_assert (maps[p] != MAP_FAILED);
    }
    rec.checksum = checksum_layout (ci, maps);
    for (p = 0; p < ci->num_mem_planes; p++)
      munmap (maps[p], ci->mem_plane_length[p]);
  }
  g_array_append_val (fk->frames, rec);

  /* the client queues it again; as a DMABUF client may, with other
   * memory: what the daemon writes into the old one is lost */
  if (fk->new_memory) {
    for (p = 0; p < b->info.num_mem_planes; p++) {
      gint fd = memfd_create ("fakecapture", MFD_CLOEXEC);

      g_assert (fd >= 0);
      g_assert (ftruncate (fd, b->info.mem_plane_length[p]) == 0);
      close (b->fds[p]);
      b->fds[p] = fd;
    }
    b->info.mem_id = ++fk->next_mem_id;
  }
  /* a client that keeps its last frames (on screen, in its pipeline) */
  g_queue_push_tail (&s->held, b);
  while (g_queue_get_length (&s->held) > fk->client_hold)
    announce (fk, s, g_queue_pop_head (&s->held));
}

/* For bench/run: no checksum of the frames (nor their mapping), and the
 * client takes the daemon's format instead of NV12, as a client that takes
 * the first format the module lists.  Set before the first stream. */
void
fake_kernel_set_bench (FakeKernel * fk, gboolean bench)
{
  g_mutex_lock (&fk->lock);
  fk->bench = bench;
  g_mutex_unlock (&fk->lock);
}

/* The CAPTURE format the client sets (0: as above), for any stream */
void
fake_kernel_set_client_fourcc (FakeKernel * fk, guint32 fourcc)
{
  g_mutex_lock (&fk->lock);
  fk->client_fourcc = fourcc;
  g_mutex_unlock (&fk->lock);
}

/* The client keeps the last @n frames it got before it queues their
 * buffers again (0: it queues each at once) */
void
fake_kernel_set_client_hold (FakeKernel * fk, guint n)
{
  g_mutex_lock (&fk->lock);
  fk->client_hold = n;
  g_mutex_unlock (&fk->lock);
}

/* Every buffer the daemon gives back is queued again with new memory (a
 * new memfd, a new mem_id), as a DMABUF client that rotates dma-bufs. */
void
fake_kernel_set_new_memory (FakeKernel * fk, gboolean new_memory)
{
  g_mutex_lock (&fk->lock);
  fk->new_memory = new_memory;
  g_mutex_unlock (&fk->lock);
}

static void
handle (FakeKernel * fk, const guint8 * data, gsize len)
{
  const struct daedalus_msg_hdr *hdr = (gconstpointer) data;
  GError *err = NULL;
  FakeStream *s;

  g_mutex_lock (&fk->lock);
  fk->seqnum++;
  if (!gst_daedalus_msg_validate (data, len, GST_DAEDALUS_TO_KERNEL, &err)) {
    GST_WARNING ("fake kernel: invalid message: %s", err->message);
    g_clear_error (&err);
    fk->invalid++;
    goto done;
  }
  if (hdr->type == DAEDALUS_MSG_HELLO) {
    /* like the kernel: from 1.1 on a HELLO again replaces the codec list,
     * 1.0 answers EALREADY */
    if (fk->have_hello && fk->minor < 1) {
      fk->invalid++;
      goto done;
    }
    memcpy (&fk->hello, data, sizeof (fk->hello));
    if (!fk->have_hello)
      memcpy (&fk->first_hello, data, sizeof (fk->first_hello));
    fk->have_hello = TRUE;
    fk->n_hellos++;
    goto done;
  }
  if (!fk->have_hello) {
    fk->invalid++;
    goto done;
  }

  s = g_hash_table_lookup (fk->streams, &hdr->stream_id);
  if (!s) {
    GST_INFO ("fake kernel: %s for unknown stream",
        gst_daedalus_msg_type_name (hdr->type));
    goto done;
  }

  switch (hdr->type) {
    case DAEDALUS_MSG_CONSUMED:
      g_array_append_vals (fk->consumed, data, 1);
      break;
    case DAEDALUS_MSG_FORMAT:{
      const struct daedalus_msg_format *f = (gconstpointer) data;

      /* the module's check of sizes, format, depth, enums */
      if (!daedalus_format_msg_valid (f)) {
        GST_WARNING ("fake kernel: FORMAT refused (EINVAL)");
        fk->invalid++;
        break;
      }
      g_array_append_vals (fk->formats, data, 1);
      if (f->width != s->width || f->height != s->height || !s->n_bufs) {
        s->width = f->width;
        s->height = f->height;
        s->pixelformat = f->pixelformat;
        s->bit_depth = f->bit_depth;
        allocate_capture (fk, s);
      }
      break;
    }
    case DAEDALUS_MSG_FRAME:
      handle_frame (fk, s, (gconstpointer) data);
      break;
    case DAEDALUS_MSG_DRAIN_DONE:{
      FakeDrainDone d;

      memcpy (&d.msg, data, sizeof (d.msg));
      d.seqnum = fk->seqnum;
      g_array_append_val (fk->drain_done, d);
      break;
    }
    case DAEDALUS_MSG_STREAM_ERROR:
      g_array_append_vals (fk->errors, data, 1);
      break;
    default:
      fk->invalid++;
      break;
  }

done:
  g_cond_broadcast (&fk->cond);
  g_mutex_unlock (&fk->lock);
}

static gpointer
reader (FakeKernel * fk)
{
  guint8 *buf = g_malloc (65536);

  while (TRUE) {
    gssize n = recv (fk->fd, buf, 65536, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    handle (fk, buf, n);
  }
  g_free (buf);
  return NULL;
}

static void
frame_clear (FakeFrame * f)
{
  g_free (f->checksum);
}

static void
stream_free (FakeStream * s)
{
  free_buffers (s);
  g_free (s);
}

/* A kernel that offers VP9, H.264 and MPEG-4 Part 2. */
FakeKernel *
fake_kernel_new (guint16 major, guint n_capture_buffers)
{
  static const guint32 codecs[] = {
    V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264, V4L2_PIX_FMT_MPEG4
  };

  return fake_kernel_new_full (major, n_capture_buffers, codecs,
      G_N_ELEMENTS (codecs));
}

/* A kernel whose HELLO offers @codecs (V4L2 fourccs). */
FakeKernel *
fake_kernel_new_full (guint16 major, guint n_capture_buffers,
    const guint32 * codecs, guint n_codecs)
{
  return fake_kernel_new_version (major, DAEDALUS_PROTO_MINOR,
      n_capture_buffers, codecs, n_codecs);
}

/* A kernel of protocol @major.@minor whose HELLO offers @codecs. */
FakeKernel *
fake_kernel_new_version (guint16 major, guint16 minor,
    guint n_capture_buffers, const guint32 * codecs, guint n_codecs)
{
  FakeKernel *fk = g_new0 (FakeKernel, 1);
  struct daedalus_msg_hello hello;
  gint sv[2];
  guint i;

  g_assert (n_codecs <= DAEDALUS_MAX_CODECS);

  g_assert (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  fk->fd = sv[0];
  fk->daemon_fd = sv[1];
  fk->n_capture_buffers = n_capture_buffers;
  fk->minor = minor;
  g_mutex_init (&fk->write_lock);
  g_mutex_init (&fk->lock);
  g_cond_init (&fk->cond);
  fk->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) stream_free);
  fk->consumed = g_array_new (FALSE, TRUE,
      sizeof (struct daedalus_msg_consumed));
  fk->frames = g_array_new (FALSE, TRUE, sizeof (FakeFrame));
  g_array_set_clear_func (fk->frames, (GDestroyNotify) frame_clear);
  fk->formats = g_array_new (FALSE, TRUE, sizeof (struct daedalus_msg_format));
  fk->drain_done = g_array_new (FALSE, TRUE, sizeof (FakeDrainDone));
  fk->errors = g_array_new (FALSE, TRUE,
      sizeof (struct daedalus_msg_stream_error));

  /* the kernel queues its HELLO at open */
  gst_daedalus_msg_init (&hello, sizeof (hello), DAEDALUS_MSG_HELLO, 0);
  hello.major = major;
  hello.minor = minor;
  hello.max_msg_size = 65536;
  hello.num_codecs = n_codecs;
  for (i = 0; i < n_codecs; i++)
    hello.codecs[i] = codecs[i];
  send_msg (fk, &hello, sizeof (hello), NULL, 0);

  fk->thread = g_thread_new ("fakekernel", (GThreadFunc) reader, fk);
  return fk;
}

gint
fake_kernel_get_fd (FakeKernel * fk)
{
  return fk->daemon_fd;
}

/* the module goes away: the daemon reads EOF */
void
fake_kernel_hang_up (FakeKernel * fk)
{
  shutdown (fk->fd, SHUT_RDWR);
}

void
fake_kernel_free (FakeKernel * fk)
{
  shutdown (fk->fd, SHUT_RDWR);
  g_thread_join (fk->thread);
  close (fk->fd);
  close (fk->daemon_fd);
  g_hash_table_unref (fk->streams);
  g_array_unref (fk->consumed);
  g_array_unref (fk->frames);
  g_array_unref (fk->formats);
  g_array_unref (fk->drain_done);
  g_array_unref (fk->errors);
  g_mutex_clear (&fk->write_lock);
  g_mutex_clear (&fk->lock);
  g_cond_clear (&fk->cond);
  g_free (fk);
}

static FakeStream *
get_stream (FakeKernel * fk, guint64 id)
{
  FakeStream *s = g_hash_table_lookup (fk->streams, &id);

  g_assert (s != NULL);
  return s;
}

void
fake_kernel_open_stream (FakeKernel * fk, guint64 stream_id, guint32 codec,
    guint width, guint height)
{
  fake_kernel_open_stream_at (fk, stream_id, codec, width, height, 0);
}

/* STREAM_OPEN at @epoch (protocol 1.2): a stream the kernel opens again */
void
fake_kernel_open_stream_at (FakeKernel * fk, guint64 stream_id,
    guint32 codec, guint width, guint height, guint32 epoch)
{
  struct daedalus_msg_stream_open msg;
  FakeStream *s = g_new0 (FakeStream, 1);

  s->id = stream_id;
  s->next_cookie = 1;
  s->epoch = epoch;
  g_mutex_lock (&fk->lock);
  /* a restart opens the same id again: replace key and value */
  g_hash_table_replace (fk->streams, &s->id, s);
  g_mutex_unlock (&fk->lock);

  gst_daedalus_msg_init (&msg, sizeof (msg), DAEDALUS_MSG_STREAM_OPEN,
      stream_id);
  msg.codec = codec;
  msg.width = width;
  msg.height = height;
  msg.capture_fourcc = V4L2_PIX_FMT_NV12;
  msg.epoch = epoch;
  send_msg (fk, &msg, sizeof (msg), NULL, 0);
}

guint64
fake_kernel_decode (FakeKernel * fk, guint64 stream_id, GstBuffer * au,
    gboolean keyframe)
{
  struct daedalus_msg_decode *msg;
  gsize size = gst_buffer_get_size (au);
  guint64 cookie;
  FakeStream *s;

  msg = g_malloc (sizeof (*msg) + size);
  gst_daedalus_msg_init (msg, sizeof (*msg) + size, DAEDALUS_MSG_DECODE,
      stream_id);
  g_mutex_lock (&fk->lock);
  s = get_stream (fk, stream_id);
  cookie = s->next_cookie++;
  s->newest_cookie = cookie;
  msg->epoch = s->epoch;
  g_mutex_unlock (&fk->lock);
  msg->cookie = cookie;
  msg->timestamp = GST_BUFFER_PTS_IS_VALID (au) ? GST_BUFFER_PTS (au) : 0;
  msg->flags = keyframe ? DAEDALUS_DECODE_FLAG_KEYFRAME : 0;
  msg->bytesused = size;
  gst_buffer_extract (au, 0, msg + 1, size);
  send_msg (fk, msg, sizeof (*msg) + size, NULL, 0);
  g_free (msg);
  return cookie;
}

static void
send_epoch (FakeKernel * fk, guint64 stream_id, guint16 type, guint32 epoch)
{
  struct daedalus_msg_epoch msg;

  gst_daedalus_msg_init (&msg, sizeof (msg), type, stream_id);
  msg.epoch = epoch;
  send_msg (fk, &msg, sizeof (msg), NULL, 0);
}

void
fake_kernel_drain (FakeKernel * fk, guint64 stream_id)
{
  guint32 epoch;

  g_mutex_lock (&fk->lock);
  epoch = get_stream (fk, stream_id)->epoch;
  g_mutex_unlock (&fk->lock);
  send_epoch (fk, stream_id, DAEDALUS_MSG_DRAIN, epoch);
}

guint32
fake_kernel_flush (FakeKernel * fk, guint64 stream_id)
{
  guint32 epoch;

  g_mutex_lock (&fk->lock);
  epoch = ++get_stream (fk, stream_id)->epoch;
  g_mutex_unlock (&fk->lock);
  send_epoch (fk, stream_id, DAEDALUS_MSG_FLUSH, epoch);
  return epoch;
}

/* A client's STREAMOFF and STREAMON of CAPTURE alone, with the same MMAP
 * buffers: they all come back to it (a new generation, CAPTURE_RESET) and
 * are queued again, the same memory at the same index (the same mem_id);
 * the decoder is not flushed. */
void
fake_kernel_restart_capture (FakeKernel * fk, guint64 stream_id)
{
  struct daedalus_msg_capture_reset r;
  FakeStream *s;
  guint i;

  g_mutex_lock (&fk->lock);
  s = get_stream (fk, stream_id);
  s->generation++;
  gst_daedalus_msg_init (&r, sizeof (r), DAEDALUS_MSG_CAPTURE_RESET, s->id);
  r.generation = s->generation;
  send_msg (fk, &r, sizeof (r), NULL, 0);
  g_queue_clear (&s->held);
  for (i = 0; i < s->n_bufs; i++) {
    s->bufs[i].info.generation = s->generation;
    announce (fk, s, &s->bufs[i]);
  }
  g_mutex_unlock (&fk->lock);
}

void
fake_kernel_close_stream (FakeKernel * fk, guint64 stream_id)
{
  struct daedalus_msg_stream_close msg;

  gst_daedalus_msg_init (&msg, sizeof (msg), DAEDALUS_MSG_STREAM_CLOSE,
      stream_id);
  send_msg (fk, &msg, sizeof (msg), NULL, 0);
  g_mutex_lock (&fk->lock);
  g_hash_table_remove (fk->streams, &stream_id);
  g_mutex_unlock (&fk->lock);
}

/* anything, as it is: for malformed messages */
void
fake_kernel_send_raw (FakeKernel * fk, gconstpointer msg, gsize size,
    const gint * fds, guint n_fds)
{
  send_msg (fk, msg, size, fds, n_fds);
}

/* waits until *@array has @n elements, *@count is @n or more, or *@flag
 * is set (whichever is not NULL, in that order) */
static gboolean
wait_for (FakeKernel * fk, GArray ** array, guint * count, gboolean * flag,
    guint n, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok;

  g_mutex_lock (&fk->lock);
  while (!(ok = array ? (*array)->len >= n : count ? *count >= n : *flag)) {
    if (!g_cond_wait_until (&fk->cond, &fk->lock, end))
      break;
  }
  g_mutex_unlock (&fk->lock);
  return ok;
}

gboolean
fake_kernel_wait_hello (FakeKernel * fk, guint timeout_ms)
{
  return wait_for (fk, NULL, NULL, &fk->have_hello, 0, timeout_ms);
}

/* waits for the @n-th accepted daemon HELLO */
gboolean
fake_kernel_wait_hellos (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, NULL, &fk->n_hellos, NULL, n, timeout_ms);
}

guint
fake_kernel_get_n_hellos (FakeKernel * fk)
{
  guint n;

  g_mutex_lock (&fk->lock);
  n = fk->n_hellos;
  g_mutex_unlock (&fk->lock);
  return n;
}

gboolean
fake_kernel_wait_consumed (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, &fk->consumed, NULL, NULL, n, timeout_ms);
}

gboolean
fake_kernel_wait_frames (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, &fk->frames, NULL, NULL, n, timeout_ms);
}

gboolean
fake_kernel_wait_drain_done (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, &fk->drain_done, NULL, NULL, n, timeout_ms);
}

gboolean
fake_kernel_wait_formats (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, &fk->formats, NULL, NULL, n, timeout_ms);
}

gboolean
fake_kernel_wait_errors (FakeKernel * fk, guint n, guint timeout_ms)
{
  return wait_for (fk, &fk->errors, NULL, NULL, n, timeout_ms);
}

/* whether @hello lists @codec; fk->lock held */
static gboolean
hello_lists (const struct daedalus_msg_hello *hello, guint32 codec)
{
  guint i;

  for (i = 0; i < hello->num_codecs; i++)
    if (hello->codecs[i] == codec)
      return TRUE;
  return FALSE;
}

gboolean
fake_kernel_hello_has (FakeKernel * fk, guint32 codec)
{
  gboolean has;

  g_mutex_lock (&fk->lock);
  has = hello_lists (&fk->hello, codec);
  g_mutex_unlock (&fk->lock);
  return has;
}

/* whether the daemon's first HELLO listed @codec (a later one may have
 * replaced it already) */
gboolean
fake_kernel_first_hello_has (FakeKernel * fk, guint32 codec)
{
  gboolean has;

  g_mutex_lock (&fk->lock);
  has = fk->have_hello && hello_lists (&fk->first_hello, codec);
  g_mutex_unlock (&fk->lock);
  return has;
}

const struct daedalus_msg_hello *
fake_kernel_get_hello (FakeKernel * fk)
{
  return &fk->hello;
}

GArray *
fake_kernel_get_consumed (FakeKernel * fk)
{
  return fk->consumed;
}

GArray *
fake_kernel_get_frames (FakeKernel * fk)
{
  return fk->frames;
}

GArray *
fake_kernel_get_formats (FakeKernel * fk)
{
  return fk->formats;
}

GArray *
fake_kernel_get_drain_done (FakeKernel * fk)
{
  return fk->drain_done;
}

GArray *
fake_kernel_get_errors (FakeKernel * fk)
{
  return fk->errors;
}

guint
fake_kernel_get_invalid (FakeKernel * fk)
{
  return fk->invalid;
}

/* counts while the daemon runs: FRAMEs and STREAM_ERRORs of one stream */
guint
fake_kernel_count_frames (FakeKernel * fk, guint64 stream_id)
{
  guint i, n = 0;

  g_mutex_lock (&fk->lock);
  for (i = 0; i < fk->frames->len; i++)
    n += g_array_index (fk->frames, FakeFrame, i).stream_id == stream_id;
  g_mutex_unlock (&fk->lock);
  return n;
}

guint
fake_kernel_count_errors (FakeKernel * fk, guint64 stream_id)
{
  guint i, n = 0;

  g_mutex_lock (&fk->lock);
  for (i = 0; i < fk->errors->len; i++)
    n += g_array_index (fk->errors, struct daedalus_msg_stream_error,
        i).hdr.stream_id == stream_id;
  g_mutex_unlock (&fk->lock);
  return n;
}
