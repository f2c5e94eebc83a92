/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The HELLO exchange of a connection: the handshake when it opens, and the
 * codec list we tell the kernel we decode, which a daemon may replace
 * (gst_daedalus_connection_set_codecs) and a daedalussrc that serves any
 * stream narrows (gst_daedalus_connection_restrict_codecs). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gstdaedaluscodec.h"
#include "gstdaedalusnode.h"
#include "gstdaedalusprivate.h"
#include "gstdaedalusprotocol.h"

#define GST_CAT_DEFAULT gst_daedalus_debug

#define HELLO_TIMEOUT_MS 5000

/* The codecs of @wanted (a daemon's configuration) that the kernel offers
 * (all of them when it names none). */
static guint
offered_codecs (const struct daedalus_msg_hello *khello,
    const guint32 * wanted, guint n_wanted, guint32 * out)
{
  guint i, j, n = 0;

  for (i = 0; i < n_wanted && n < DAEDALUS_MAX_CODECS; i++) {
    gboolean offered = khello->num_codecs == 0;

    for (j = 0; j < khello->num_codecs; j++)
      offered |= khello->codecs[j] == wanted[i];
    for (j = 0; j < n; j++)
      offered &= out[j] != wanted[i];
    if (offered && wanted[i] != 0)
      out[n++] = wanted[i];
  }
  return n;
}

/* The codecs we tell the kernel we decode when the daemon names none: the
 * ones it offers for which the selection rule daedalusd's defaults use
 * finds a decoder (gst_daedalus_codec_select()). */
static guint
decodable_codecs (const struct daedalus_msg_hello *khello, guint32 * out)
{
  GList *factories;
  const GstDaedalusCodec *codecs;
  guint i, n_codecs, n = 0;

  factories = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_PARSER |
      GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO, GST_RANK_MARGINAL);
  codecs = gst_daedalus_codecs (&n_codecs);

  for (i = 0; i < n_codecs && n < DAEDALUS_MAX_CODECS; i++) {
    GList *decoders;
    guint j;
    gboolean offered = khello->num_codecs == 0;

    for (j = 0; j < khello->num_codecs; j++)
      offered |= khello->codecs[j] == codecs[i].fourcc;
    if (!offered)
      continue;

    /* no decoder on a daedalus-v4l2 node: it would feed ourselves */
    decoders = gst_daedalus_codec_select (&codecs[i], factories,
        gst_daedalus_factory_filter_loops_back, NULL, NULL);
    if (decoders)
      out[n++] = codecs[i].fourcc;
    else
      GST_INFO ("no decoder for %s", codecs[i].name);
    gst_plugin_feature_list_free (decoders);
  }
  gst_plugin_feature_list_free (factories);
  return n;
}

/* Writes our HELLO (codecs filled in) and remembers its codec list; with
 * the write lock. */
static gint
say_hello (GstDaedalusConnection * conn, struct daedalus_msg_hello *hello)
{
  gint ret;

  hello->major = DAEDALUS_PROTO_MAJOR;
  hello->minor = DAEDALUS_PROTO_MINOR;
  ret = _gst_daedalus_connection_write_msg_locked (conn, hello, sizeof (*hello));
  if (ret >= 0) {
    memcpy (conn->hello_codecs, hello->codecs, sizeof (conn->hello_codecs));
    conn->n_hello_codecs = hello->num_codecs;
  }
  return ret;
}

gboolean
_gst_daedalus_connection_handshake (GstDaedalusConnection * conn, const guint32 * codecs,
    guint n_codecs, GError ** error)
{
  const gchar *name = GST_OBJECT_NAME (conn);
  struct daedalus_msg_hello *khello;
  struct daedalus_msg_hello hello;
  struct pollfd pfd = { conn->fd, POLLIN, 0 };
  guint8 *buf = g_malloc (GST_DAEDALUS_MIN_READ_SIZE);
  GError *err = NULL;
  gint fds[DAEDALUS_MAX_PLANES];
  guint n_fds;
  gssize n;
  gint ret;

  do {
    ret = poll (&pfd, 1, HELLO_TIMEOUT_MS);
  } while (ret < 0 && errno == EINTR);
  if (ret <= 0 || !(pfd.revents & POLLIN)) {
    n = ret < 0 ? -errno : -ETIMEDOUT;
    goto no_hello;
  }

  n = _gst_daedalus_connection_read_msg (conn, buf, GST_DAEDALUS_MIN_READ_SIZE, fds, &n_fds);
  while (n_fds > 0)
    close (fds[--n_fds]);
  if (n <= 0)
    goto no_hello;
  if (!gst_daedalus_msg_validate (buf, n, GST_DAEDALUS_TO_DAEMON, &err))
    goto invalid;

  khello = (struct daedalus_msg_hello *) buf;
  if (khello->hdr.type != DAEDALUS_MSG_HELLO) {
    n = -EPROTO;
    goto no_hello;
  }
  conn->kernel_major = khello->major;
  conn->kernel_minor = khello->minor;
  if (khello->major != DAEDALUS_PROTO_MAJOR)
    goto wrong_version;

  conn->read_size = MAX (khello->max_msg_size, GST_DAEDALUS_MIN_READ_SIZE);
  conn->read_buf = g_malloc (conn->read_size);
  conn->n_kernel_codecs = MIN (khello->num_codecs, DAEDALUS_MAX_CODECS);
  memcpy (conn->kernel_codecs, khello->codecs,
      conn->n_kernel_codecs * sizeof (guint32));

  gst_daedalus_msg_init (&hello, sizeof (hello), DAEDALUS_MSG_HELLO, 0);
  if (codecs)
    hello.num_codecs = offered_codecs (khello, codecs, n_codecs, hello.codecs);
  else
    hello.num_codecs = decodable_codecs (khello, hello.codecs);
  conn->default_codecs = codecs == NULL;
  GST_INFO_OBJECT (conn, "kernel protocol %u.%u, max message %u, we decode "
      "%u of its %u codecs", khello->major, khello->minor,
      khello->max_msg_size, hello.num_codecs, khello->num_codecs);
  g_free (buf);

  g_mutex_lock (&conn->write_lock);
  ret = say_hello (conn, &hello);
  g_mutex_unlock (&conn->write_lock);
  if (ret < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
        _("Could not write to %s."), name);
    g_prefix_error (error, "HELLO: %s: ", g_strerror (-ret));
    return FALSE;
  }
  return TRUE;

no_hello:
  g_free (buf);
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      _("%s did not start the daedalus protocol handshake."), name);
  GST_WARNING_OBJECT (conn, "no HELLO: %s", g_strerror (-n));
  return FALSE;
invalid:
  g_free (buf);
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      _("%s did not start the daedalus protocol handshake."), name);
  GST_WARNING_OBJECT (conn, "invalid HELLO: %s", err->message);
  g_clear_error (&err);
  return FALSE;
wrong_version:
  g_free (buf);
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      _("%s speaks daedalus protocol version %u.%u, but this program speaks "
          "version %u.%u."), name, conn->kernel_major, conn->kernel_minor,
      DAEDALUS_PROTO_MAJOR, DAEDALUS_PROTO_MINOR);
  return FALSE;
}

/**
 * gst_daedalus_connection_get_codecs:
 * @codecs: (out caller-allocates) (array fixed-size=16): the V4L2 fourccs
 *   our last HELLO told the kernel we decode
 *
 * Returns: the number of entries of @codecs.
 */
guint
gst_daedalus_connection_get_codecs (GstDaedalusConnection * conn,
    guint32 codecs[DAEDALUS_MAX_CODECS])
{
  guint n;

  g_mutex_lock (&conn->write_lock);
  n = conn->n_hello_codecs;
  memcpy (codecs, conn->hello_codecs, sizeof (conn->hello_codecs));
  g_mutex_unlock (&conn->write_lock);
  return n;
}

/* Says HELLO with @hello's codecs unless they are what the kernel has;
 * with the write lock. */
static gboolean
update_codecs_locked (GstDaedalusConnection * conn,
    struct daedalus_msg_hello *hello, GError ** error)
{
  gint ret;

  if (hello->num_codecs == conn->n_hello_codecs &&
      memcmp (hello->codecs, conn->hello_codecs, sizeof (hello->codecs)) == 0)
    return TRUE;
  if (conn->kernel_minor < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        _("%s speaks daedalus protocol version %u.%u, which learns the "
            "codecs only when the daemon connects."), GST_OBJECT_NAME (conn),
        conn->kernel_major, conn->kernel_minor);
    return FALSE;
  }
  ret = say_hello (conn, hello);
  if (ret < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
        _("Could not write to %s."), GST_OBJECT_NAME (conn));
    g_prefix_error (error, "HELLO: %s: ", g_strerror (-ret));
    return FALSE;
  }
  GST_INFO_OBJECT (conn, "now decoding %u codecs", hello->num_codecs);
  return TRUE;
}

/**
 * gst_daedalus_connection_set_codecs:
 * @codecs: the V4L2 fourccs we decode now
 * @n_codecs: entries in @codecs
 *
 * Says HELLO again, replacing the codec list the kernel has of us (a daemon
 * that reloaded its configuration); codecs the kernel does not offer are
 * left out, streams already open are not affected.  Nothing is written
 * when the list did not change.  A kernel older than protocol 1.1 keeps the
 * list of the first HELLO: @error is G_IO_ERROR_NOT_SUPPORTED then.
 *
 * Returns: TRUE when the kernel has the list.
 */
gboolean
gst_daedalus_connection_set_codecs (GstDaedalusConnection * conn,
    const guint32 * codecs, guint n_codecs, GError ** error)
{
  struct daedalus_msg_hello khello = { {0}, };
  struct daedalus_msg_hello hello;
  gboolean ok;

  khello.num_codecs = conn->n_kernel_codecs;
  memcpy (khello.codecs, conn->kernel_codecs, sizeof (khello.codecs));
  gst_daedalus_msg_init (&hello, sizeof (hello), DAEDALUS_MSG_HELLO, 0);
  hello.num_codecs = offered_codecs (&khello, codecs, n_codecs, hello.codecs);

  g_mutex_lock (&conn->write_lock);
  conn->default_codecs = FALSE;
  ok = update_codecs_locked (conn, &hello, error);
  g_mutex_unlock (&conn->write_lock);
  return ok;
}

/**
 * gst_daedalus_connection_restrict_codecs:
 * @codecs: the V4L2 fourccs an element can handle
 * @n_codecs: entries in @codecs
 *
 * For a daedalussrc that serves any stream (gst-launch use): when the codec
 * list the kernel has is the library's default (every codec an installed
 * decoder accepts), narrows it to those of @codecs, so that the node does
 * not offer a codec nobody would serve.  A list a daemon set
 * (gst_daedalus_connection_acquire_full(), _set_codecs()) is left alone.
 *
 * Returns: TRUE when the kernel has the list; FALSE with @error as for
 * gst_daedalus_connection_set_codecs().
 */
gboolean
gst_daedalus_connection_restrict_codecs (GstDaedalusConnection * conn,
    const guint32 * codecs, guint n_codecs, GError ** error)
{
  struct daedalus_msg_hello hello;
  gboolean ok = TRUE;
  guint i, j;

  gst_daedalus_msg_init (&hello, sizeof (hello), DAEDALUS_MSG_HELLO, 0);
  g_mutex_lock (&conn->write_lock);
  if (conn->default_codecs) {
    for (i = 0; i < conn->n_hello_codecs; i++) {
      for (j = 0; j < n_codecs; j++) {
        if (conn->hello_codecs[i] == codecs[j]) {
          hello.codecs[hello.num_codecs++] = codecs[j];
          break;
        }
      }
    }
    ok = update_codecs_locked (conn, &hello, error);
  }
  g_mutex_unlock (&conn->write_lock);
  return ok;
}
