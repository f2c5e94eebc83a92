/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The connection to /dev/daedalus-v4l2.  The kernel allows one open of the
 * chardev, so there is one connection per device per process, shared by
 * every element (gst_daedalus_connection_acquire/release count the users).
 * A reader thread reads the kernel's messages and hands them to the
 * GstDaedalusStream they are about; it never blocks on a stream.
 *
 * The connection can also be built on an already open fd: the chardev, or
 * a Unix socket to any peer that speaks the protocol (docs/protocol.md,
 * "Over a Unix socket": the unit tests' kernel emulator, development
 * without the module).  Such a peer passes the dma-buf fds of a CAPTURE
 * buffer along with its announcement (SCM_RIGHTS), because
 * DAEDALUS_IOC_EXPBUF cannot go through a socket. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gstdaedalusnode.h"
#include "gstdaedalusprivate.h"
#include "gstdaedalusprotocol.h"

GST_DEBUG_CATEGORY (gst_daedalus_debug);
#define GST_CAT_DEFAULT gst_daedalus_debug

G_DEFINE_TYPE (GstDaedalusConnection, gst_daedalus_connection, GST_TYPE_OBJECT);

enum
{
  SIGNAL_STREAM_OPENED,
  SIGNAL_STREAM_CLOSED,
  SIGNAL_LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* the connections of this process, by device or fd */
static GMutex registry_lock;
static GHashTable *registry;

void
gst_daedalus_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_daedalus_debug, "daedalus", 0,
        "daedalus-v4l2 library");
#ifdef ENABLE_NLS
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
    g_once_init_leave (&done, 1);
  }
}

static void
gst_daedalus_connection_init (GstDaedalusConnection * conn)
{
  conn->fd = -1;
  g_mutex_init (&conn->write_lock);
  g_mutex_init (&conn->lock);
  g_cond_init (&conn->cond);
  g_queue_init (&conn->pending);
  conn->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      gst_object_unref);
  gst_poll_fd_init (&conn->pollfd);
}

static void
gst_daedalus_connection_finalize (GObject * object)
{
  GstDaedalusConnection *conn = GST_DAEDALUS_CONNECTION (object);

  g_assert (conn->reader == NULL);
  if (conn->fd >= 0)
    close (conn->fd);
  if (conn->poll)
    gst_poll_free (conn->poll);
  g_queue_clear_full (&conn->pending, gst_object_unref);
  g_hash_table_unref (conn->streams);
  g_free (conn->read_buf);
  g_free (conn->key);
  g_mutex_clear (&conn->write_lock);
  g_mutex_clear (&conn->lock);
  g_cond_clear (&conn->cond);

  G_OBJECT_CLASS (gst_daedalus_connection_parent_class)->finalize (object);
}

static void
gst_daedalus_connection_class_init (GstDaedalusConnectionClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_daedalus_connection_finalize;

  /**
   * GstDaedalusConnection::stream-opened:
   * @conn: the connection
   * @stream: the stream the kernel opened (STREAM_OPEN)
   *
   * Emitted from the reader thread, without any lock held, after the
   * stream was added (it can be claimed already).  Handlers must not
   * block: marshal to a main loop.
   */
  signals[SIGNAL_STREAM_OPENED] = g_signal_new ("stream-opened",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_DAEDALUS_STREAM);
  /**
   * GstDaedalusConnection::stream-closed:
   * @conn: the connection
   * @stream: the stream the client closed (STREAM_CLOSE), or that a new
   *   STREAM_OPEN of the same id (a restart after a failure) replaced
   *
   * Emitted from the reader thread, like ::stream-opened, and always after
   * it for the same stream.
   */
  signals[SIGNAL_STREAM_CLOSED] = g_signal_new ("stream-closed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_DAEDALUS_STREAM);
  /**
   * GstDaedalusConnection::lost:
   * @conn: the connection
   *
   * The kernel side went away or the connection broke; emitted once from
   * the reader thread.  Not emitted when the last user releases it.
   */
  signals[SIGNAL_LOST] = g_signal_new ("lost", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

const gchar *
gst_daedalus_connection_get_name (GstDaedalusConnection * conn)
{
  return GST_OBJECT_NAME (conn);
}

/* The protocol minor of the kernel's HELLO (0 before it came). */
guint
gst_daedalus_connection_get_kernel_minor (GstDaedalusConnection * conn)
{
  return conn->kernel_minor;
}

gboolean
_gst_daedalus_connection_passes_fds (GstDaedalusConnection * conn)
{
  return conn->passes_fds;
}

gint
_gst_daedalus_connection_expbuf (GstDaedalusConnection * conn,
    struct daedalus_expbuf *expbuf)
{
  if (ioctl (conn->fd, DAEDALUS_IOC_EXPBUF, expbuf) < 0)
    return -errno;
  return 0;
}

gboolean
gst_daedalus_connection_is_lost (GstDaedalusConnection * conn)
{
  gboolean lost;

  g_mutex_lock (&conn->lock);
  lost = conn->lost;
  g_mutex_unlock (&conn->lock);
  return lost;
}

/* Reads one message; returns its size, 0 when the peer is gone, or -errno.
 * Fds passed along are stored in @fds, the others set to -1. */
gssize
_gst_daedalus_connection_read_msg (GstDaedalusConnection * conn, guint8 * buf, gsize size, gint * fds,
    guint * n_fds)
{
  gssize n;

  *n_fds = 0;
  if (!conn->passes_fds) {
    n = read (conn->fd, buf, size);
  } else {
    union
    {
      struct cmsghdr align;
      gchar buf[CMSG_SPACE (sizeof (gint) * DAEDALUS_MAX_PLANES)];
    }
    control;
    struct iovec iov = { buf, size };
    struct msghdr msg = { 0, };
    struct cmsghdr *cmsg;

    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof (control.buf);
    n = recvmsg (conn->fd, &msg, MSG_CMSG_CLOEXEC);
    for (cmsg = n < 0 ? NULL : CMSG_FIRSTHDR (&msg); cmsg;
        cmsg = CMSG_NXTHDR (&msg, cmsg)) {
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        guint i, count = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (gint);

        for (i = 0; i < count; i++) {
          gint fd;

          memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (gint), sizeof (gint));
          if (*n_fds < DAEDALUS_MAX_PLANES)
            fds[(*n_fds)++] = fd;
          else
            close (fd);
        }
      }
    }
    if (n >= 0 && (msg.msg_flags & MSG_TRUNC)) {
      while (*n_fds > 0)
        close (fds[--(*n_fds)]);
      return -EMSGSIZE;
    }
  }
  return n < 0 ? -errno : n;
}

/* with the write lock */
gint
_gst_daedalus_connection_write_msg_locked (GstDaedalusConnection * conn, gconstpointer msg, gsize size)
{
  gssize n;

  do {
    if (conn->passes_fds)
      n = send (conn->fd, msg, size, MSG_NOSIGNAL);
    else
      n = write (conn->fd, msg, size);
  } while (n < 0 && errno == EINTR);

  if (n < 0)
    return -errno;
  if ((gsize) n != size)
    return -EIO;
  return 0;
}

static gint
write_msg (GstDaedalusConnection * conn, gconstpointer msg, gsize size)
{
  gint ret;

  g_mutex_lock (&conn->write_lock);
  ret = _gst_daedalus_connection_write_msg_locked (conn, msg, size);
  g_mutex_unlock (&conn->write_lock);
  return ret;
}

/**
 * gst_daedalus_connection_send:
 * @msg: a complete message, hdr.size set
 *
 * Returns: 0, or the negative errno with which the kernel rejected the
 * message.  A rejected message changed nothing in the kernel; it is logged
 * and is not fatal.
 */
gint
gst_daedalus_connection_send (GstDaedalusConnection * conn, gconstpointer msg)
{
  const struct daedalus_msg_hdr *hdr = msg;
  gint ret;

  GST_LOG_OBJECT (conn, "stream %" G_GUINT64_FORMAT ": %s",
      (guint64) hdr->stream_id, gst_daedalus_msg_type_name (hdr->type));
  ret = write_msg (conn, msg, hdr->size);
  if (ret < 0)
    GST_WARNING_OBJECT (conn, "stream %" G_GUINT64_FORMAT ": %s rejected: %s",
        (guint64) hdr->stream_id, gst_daedalus_msg_type_name (hdr->type),
        g_strerror (-ret));
  return ret;
}

static void
mark_lost (GstDaedalusConnection * conn)
{
  GHashTableIter iter;
  gpointer stream;

  g_mutex_lock (&conn->lock);
  conn->lost = TRUE;
  g_hash_table_iter_init (&iter, conn->streams);
  while (g_hash_table_iter_next (&iter, NULL, &stream))
    _gst_daedalus_stream_lost (stream);
  g_cond_broadcast (&conn->cond);
  g_mutex_unlock (&conn->lock);

  g_signal_emit (conn, signals[SIGNAL_LOST], 0);
}

static gint
compare_stream_ids (GstDaedalusStream * a, GstDaedalusStream * b)
{
  guint64 ia = gst_daedalus_stream_get_id (a), ib =
      gst_daedalus_stream_get_id (b);

  return ia < ib ? -1 : ia > ib;
}

static GstDaedalusStream *
lookup_stream (GstDaedalusConnection * conn, guint64 id)
{
  GstDaedalusStream *stream;

  g_mutex_lock (&conn->lock);
  stream = g_hash_table_lookup (conn->streams, &id);
  if (stream)
    gst_object_ref (stream);
  g_mutex_unlock (&conn->lock);
  return stream;
}

/* Takes @stream out of the table and the pending queue and tells its
 * feeding side; returns whether it was still there. */
static gboolean
remove_stream (GstDaedalusConnection * conn, GstDaedalusStream * stream)
{
  GstDaedalusEvent ev = { GST_DAEDALUS_EVENT_CLOSE, };
  guint64 id = gst_daedalus_stream_get_id (stream);
  gboolean removed = FALSE;

  _gst_daedalus_stream_push_event (stream, &ev);

  g_mutex_lock (&conn->lock);
  if (g_queue_remove (&conn->pending, stream))
    gst_object_unref (stream);
  if (g_hash_table_lookup (conn->streams, &id) == stream)
    removed = g_hash_table_remove (conn->streams, &id);
  g_mutex_unlock (&conn->lock);
  return removed;
}

static void
stream_close (GstDaedalusConnection * conn, GstDaedalusStream * stream)
{
  GST_INFO_OBJECT (conn, "stream %" G_GUINT64_FORMAT " closed",
      gst_daedalus_stream_get_id (stream));
  if (remove_stream (conn, stream))
    g_signal_emit (conn, signals[SIGNAL_STREAM_CLOSED], 0, stream);
}

static void
stream_open (GstDaedalusConnection * conn,
    const struct daedalus_msg_stream_open *msg)
{
  GstDaedalusStream *stream, *old;
  guint64 id = msg->hdr.stream_id;

  /* The kernel opens a stream again when the client restarts it after it
   * failed: the old one is over. */
  old = lookup_stream (conn, id);
  if (old) {
    GST_INFO_OBJECT (conn, "stream %" G_GUINT64_FORMAT " opened again", id);
    stream_close (conn, old);
    gst_object_unref (old);
  }

  stream = _gst_daedalus_stream_new (conn, msg);
  g_mutex_lock (&conn->lock);
  g_hash_table_insert (conn->streams, g_memdup2 (&id, sizeof (id)),
      gst_object_ref (stream));
  g_queue_push_tail (&conn->pending, gst_object_ref (stream));
  g_cond_broadcast (&conn->cond);
  g_mutex_unlock (&conn->lock);

  GST_INFO_OBJECT (conn, "stream %" G_GUINT64_FORMAT " opened: %"
      GST_FOURCC_FORMAT " %ux%u, capture %" GST_FOURCC_FORMAT, id,
      GST_FOURCC_ARGS (msg->codec), msg->width, msg->height,
      GST_FOURCC_ARGS (msg->capture_fourcc));
  g_signal_emit (conn, signals[SIGNAL_STREAM_OPENED], 0, stream);
  gst_object_unref (stream);
}

static void
dispatch (GstDaedalusConnection * conn, const guint8 * data, gsize len,
    gint * fds, guint n_fds)
{
  const struct daedalus_msg_hdr *hdr = (gconstpointer) data;
  GstDaedalusStream *stream;
  GstDaedalusEvent ev = { 0, };

  GST_LOG_OBJECT (conn, "stream %" G_GUINT64_FORMAT ": %s",
      (guint64) hdr->stream_id, gst_daedalus_msg_type_name (hdr->type));

  if (hdr->type == DAEDALUS_MSG_HELLO)
    goto ignore;
  if (hdr->type == DAEDALUS_MSG_STREAM_OPEN) {
    stream_open (conn, (gconstpointer) data);
    goto ignore;
  }

  stream = lookup_stream (conn, hdr->stream_id);
  if (!stream) {
    GST_DEBUG_OBJECT (conn, "%s for unknown stream %" G_GUINT64_FORMAT,
        gst_daedalus_msg_type_name (hdr->type), (guint64) hdr->stream_id);
    goto ignore;
  }

  switch (hdr->type) {
    case DAEDALUS_MSG_STREAM_CLOSE:
      stream_close (conn, stream);
      break;
    case DAEDALUS_MSG_DECODE:{
      const struct daedalus_msg_decode *d = (gconstpointer) data;

      ev.type = GST_DAEDALUS_EVENT_DECODE;
      ev.epoch = d->epoch;
      ev.flags = d->flags;
      ev.cookie = d->cookie;
      ev.timestamp = d->timestamp;
      if (d->bytesused == 0) {
        /* the module sends none; daedalussrc answers it with CONSUMED
         * (gst_buffer_new_memdup() has no empty buffer to give) */
        ev.buffer = gst_buffer_new ();
      } else {
        ev.buffer = gst_buffer_new_memdup (gst_daedalus_msg_decode_bitstream
            (d), d->bytesused);
        _gst_daedalus_stream_count_bitstream_copy (stream);
      }
      _gst_daedalus_stream_push_event (stream, &ev);
      break;
    }
    case DAEDALUS_MSG_DRAIN:
    case DAEDALUS_MSG_FLUSH:{
      const struct daedalus_msg_epoch *e = (gconstpointer) data;

      ev.type = hdr->type == DAEDALUS_MSG_DRAIN ?
          GST_DAEDALUS_EVENT_DRAIN : GST_DAEDALUS_EVENT_FLUSH;
      ev.epoch = e->epoch;
      _gst_daedalus_stream_push_event (stream, &ev);
      break;
    }
    case DAEDALUS_MSG_CAPTURE_BUFFER:
      _gst_daedalus_stream_capture_buffer (stream, (gconstpointer) data, fds,
          n_fds);
      n_fds = 0;
      break;
    case DAEDALUS_MSG_CAPTURE_RESET:{
      const struct daedalus_msg_capture_reset *r = (gconstpointer) data;

      _gst_daedalus_stream_capture_reset (stream, r->generation);
      break;
    }
    default:
      GST_DEBUG_OBJECT (conn, "ignoring message type 0x%04x", hdr->type);
      break;
  }
  gst_object_unref (stream);

ignore:
  while (n_fds > 0)
    close (fds[--n_fds]);
}

static gpointer
reader_thread (GstDaedalusConnection * conn)
{
  GError *err = NULL;
  gint fds[DAEDALUS_MAX_PLANES];
  guint n_fds;

  while (TRUE) {
    gssize n;

    if (gst_poll_wait (conn->poll, GST_CLOCK_TIME_NONE) < 0) {
      if (errno == EBUSY)
        break;                  /* shutdown */
      if (errno == EINTR || errno == EAGAIN)
        continue;
      GST_ERROR_OBJECT (conn, "poll: %s", g_strerror (errno));
      goto lost;
    }

    n = _gst_daedalus_connection_read_msg (conn, conn->read_buf, conn->read_size, fds, &n_fds);
    if (n == -EAGAIN || n == -EINTR)
      continue;
    if (n == 0) {
      GST_ERROR_OBJECT (conn, "the kernel side closed the connection");
      goto lost;
    }
    if (n < 0) {
      GST_ERROR_OBJECT (conn, "read: %s", g_strerror (-n));
      goto lost;
    }
    if (!gst_daedalus_msg_validate (conn->read_buf, n, GST_DAEDALUS_TO_DAEMON,
            &err)) {
      GST_WARNING_OBJECT (conn, "dropping malformed message: %s", err->message);
      g_clear_error (&err);
      while (n_fds > 0)
        close (fds[--n_fds]);
      continue;
    }
    dispatch (conn, conn->read_buf, n, fds, n_fds);
  }
  return NULL;

lost:
  mark_lost (conn);
  return NULL;
}

static GstDaedalusConnection *
connection_new (const gchar * key, const gchar * device, gint fd,
    const guint32 * codecs, guint n_codecs, GError ** error)
{
  GstDaedalusConnection *conn;
  struct stat st;
  gchar *name;

  name = fd >= 0 ? g_strdup_printf ("fd %d", fd) : g_strdup (device);
  conn = g_object_new (GST_TYPE_DAEDALUS_CONNECTION, "name", name, NULL);
  gst_object_ref_sink (conn);
  conn->key = g_strdup (key);

  if (fd >= 0) {
    conn->fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
    if (conn->fd < 0) {
      g_set_error (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ_WRITE,
          _("Could not open %s for reading and writing."), name);
      g_prefix_error (error, "dup: %s: ", g_strerror (errno));
      goto fail;
    }
  } else {
    conn->fd = open (device, O_RDWR | O_CLOEXEC);
    if (conn->fd < 0) {
      gint err = errno;

      if (err == ENOENT)
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
            _("Device %s does not exist: is the daedalus_v4l2 module "
                "loaded?"), device);
      else if (err == EBUSY)
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
            _("Another daemon is already connected to %s."), device);
      else if (err == EACCES || err == EPERM)
        g_set_error (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_NOT_AUTHORIZED,
            _("Permission denied to open %s: the daemon must run as a "
                "member of the device's group (the udev rule of "
                "daedalus-v4l2 gives it to the group daedalus)."), device);
      else
        g_set_error (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_OPEN_READ_WRITE,
            _("Could not open %s for reading and writing."), device);
      GST_WARNING ("open %s: %s", device, g_strerror (err));
      goto fail;
    }
  }
  conn->passes_fds = fstat (conn->fd, &st) == 0 && S_ISSOCK (st.st_mode);

  if (!_gst_daedalus_connection_handshake (conn, codecs, n_codecs, error))
    goto fail;

  conn->poll = gst_poll_new (TRUE);
  conn->pollfd.fd = conn->fd;
  gst_poll_add_fd (conn->poll, &conn->pollfd);
  gst_poll_fd_ctl_read (conn->poll, &conn->pollfd, TRUE);
  conn->reader = g_thread_new ("daedalus-reader",
      (GThreadFunc) reader_thread, conn);
  g_free (name);
  return conn;

fail:
  g_free (name);
  gst_object_unref (conn);
  return NULL;
}

/**
 * gst_daedalus_connection_acquire:
 * @device: path of the chardev, used when @fd is -1
 * @fd: an already open connection (not taken over: it is duplicated), or -1
 *
 * Returns the process' connection to @device (or @fd), opening it and
 * saying HELLO if needed.  Release it with
 * gst_daedalus_connection_release().  On failure @error is in the
 * GST_RESOURCE_ERROR domain with a translated message.
 */
GstDaedalusConnection *
gst_daedalus_connection_acquire (const gchar * device, gint fd, GError ** error)
{
  return gst_daedalus_connection_acquire_full (device, fd, NULL, 0, error);
}

/**
 * gst_daedalus_connection_acquire_full:
 * @device: path of the chardev, used when @fd is -1
 * @fd: an already open connection (duplicated), or -1
 * @codecs: (nullable): the V4L2 fourccs to say in HELLO that we decode, or
 *   NULL for every codec some installed decoder accepts
 * @n_codecs: entries in @codecs
 *
 * Like gst_daedalus_connection_acquire(), for the daemon, which decides
 * what it decodes.  Codecs the kernel does not offer are left out.  When
 * the connection is open already, @codecs are ignored: HELLO was said.
 */
GstDaedalusConnection *
gst_daedalus_connection_acquire_full (const gchar * device, gint fd,
    const guint32 * codecs, guint n_codecs, GError ** error)
{
  GstDaedalusConnection *conn;
  gchar *key;

  gst_daedalus_init ();
  if (fd < 0 && !device)
    device = GST_DAEDALUS_DEFAULT_DEVICE;
  key = fd >= 0 ? g_strdup_printf ("fd:%d", fd) : g_strdup (device);

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  conn = g_hash_table_lookup (registry, key);
  if (conn && !gst_daedalus_connection_is_lost (conn)) {
    conn->users++;
    gst_object_ref (conn);
  } else {
    /* a lost connection stays with its users until they release it */
    g_hash_table_remove (registry, key);
    conn = connection_new (key, device, fd, codecs, n_codecs, error);
    if (conn) {
      /* the registry holds no reference: release() removes the entry */
      conn->users = 1;
      g_hash_table_insert (registry, g_strdup (key), conn);
    }
  }
  g_mutex_unlock (&registry_lock);
  g_free (key);
  return conn;
}

static void
connection_shutdown (GstDaedalusConnection * conn)
{
  GHashTableIter iter;
  gpointer stream;

  gst_poll_set_flushing (conn->poll, TRUE);
  g_thread_join (conn->reader);
  conn->reader = NULL;

  g_mutex_lock (&conn->lock);
  conn->lost = TRUE;
  g_hash_table_iter_init (&iter, conn->streams);
  while (g_hash_table_iter_next (&iter, NULL, &stream))
    _gst_daedalus_stream_lost (stream);
  /* the streams reference the connection: break the cycle */
  g_hash_table_remove_all (conn->streams);
  g_queue_clear_full (&conn->pending, gst_object_unref);
  g_cond_broadcast (&conn->cond);
  g_mutex_unlock (&conn->lock);

  g_mutex_lock (&conn->write_lock);
  close (conn->fd);
  conn->fd = -1;
  g_mutex_unlock (&conn->write_lock);
  GST_DEBUG_OBJECT (conn, "closed");
}

void
gst_daedalus_connection_release (GstDaedalusConnection * conn)
{
  gboolean last;

  g_mutex_lock (&registry_lock);
  last = --conn->users == 0;
  if (last && g_hash_table_lookup (registry, conn->key) == conn)
    g_hash_table_remove (registry, conn->key);
  g_mutex_unlock (&registry_lock);

  if (last)
    connection_shutdown (conn);
  gst_object_unref (conn);
}

GstDaedalusStream *
gst_daedalus_connection_lookup_stream (GstDaedalusConnection * conn,
    guint64 stream_id)
{
  return lookup_stream (conn, stream_id);
}

/**
 * gst_daedalus_connection_list_streams:
 *
 * Returns: (transfer full) (element-type GstDaedalusStream): the open
 * streams, oldest first.  For a daemon that connects to ::stream-opened
 * after the connection was acquired: streams may have opened in between.
 */
GList *
gst_daedalus_connection_list_streams (GstDaedalusConnection * conn)
{
  GList *list, *l;

  g_mutex_lock (&conn->lock);
  list = g_hash_table_get_values (conn->streams);
  for (l = list; l; l = l->next)
    gst_object_ref (l->data);
  g_mutex_unlock (&conn->lock);
  return g_list_sort (list, (GCompareFunc) compare_stream_ids);
}

static void
wake_up (GCancellable * cancellable, GstDaedalusConnection * conn)
{
  g_mutex_lock (&conn->lock);
  g_cond_broadcast (&conn->cond);
  g_mutex_unlock (&conn->lock);
}

/* with the lock */
static GstDaedalusStream *
take_pending_locked (GstDaedalusConnection * conn, guint64 stream_id,
    const guint32 * codecs, guint n_codecs)
{
  GList *l;

  for (l = conn->pending.head; l; l = l->next) {
    GstDaedalusStream *stream = l->data;
    guint32 codec = gst_daedalus_stream_get_info (stream)->codec;
    gboolean ok = n_codecs == 0;
    guint i;

    if (stream_id != 0 && gst_daedalus_stream_get_id (stream) != stream_id)
      continue;
    for (i = 0; i < n_codecs; i++)
      ok |= codecs[i] == codec;
    if (ok) {
      g_queue_delete_link (&conn->pending, l);
      return stream;
    }
  }
  return NULL;
}

/**
 * gst_daedalus_connection_claim_stream:
 * @stream_id: the stream to serve, or 0 for the oldest open stream nobody in
 *   this process serves yet
 * @codecs: (nullable): with @stream_id 0, only claim streams of these codecs
 *
 * Waits until the stream is open and makes the caller the one that serves
 * it.  Returns (transfer full) the stream, or NULL with @error set:
 * G_IO_ERROR_CANCELLED when @cancellable was cancelled, or
 * GST_RESOURCE_ERROR_READ when the connection was lost.
 */
GstDaedalusStream *
gst_daedalus_connection_claim_stream (GstDaedalusConnection * conn,
    guint64 stream_id, const guint32 * codecs, guint n_codecs,
    GCancellable * cancellable, GError ** error)
{
  GstDaedalusStream *stream = NULL;
  gulong id;

  id = g_cancellable_connect (cancellable, G_CALLBACK (wake_up), conn, NULL);
  g_mutex_lock (&conn->lock);
  while (TRUE) {
    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      break;
    if (conn->lost) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          _("The connection to %s was lost."), GST_OBJECT_NAME (conn));
      break;
    }
    stream = take_pending_locked (conn, stream_id, codecs,
        stream_id ? 0 : n_codecs);
    if (stream)
      break;
    g_cond_wait (&conn->cond, &conn->lock);
  }
  g_mutex_unlock (&conn->lock);
  g_cancellable_disconnect (cancellable, id);

  if (stream)
    GST_INFO_OBJECT (conn, "stream %" G_GUINT64_FORMAT " claimed",
        gst_daedalus_stream_get_id (stream));
  return stream;
}
