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

#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "fakekernel.h"
#include "testclip.h"

/* The clips and their reference decodes are made by testclip-helper, a
 * program of its own, in a process of its own: under valgrind the tests'
 * children run natively (--trace-children=no), so memcheck sees neither
 * the encoders (x264's and x265's assembly makes it see uninitialised
 * values in every bitstream they write, mpeg2enc leaks) nor the reference
 * decoders (FFmpeg's H.264 motion compensation makes it see uninitialised
 * values in B-frame pictures).  None of that is our code, and none of it
 * is what the tests test: the clip and the checksums are the same in
 * either process. */

/* A clip in a file (testclip-helper writes it, the test reads it, and the
 * other way round; one machine, one build: native byte order):
 *   CLIP_MAGIC (8 bytes)
 *   guint32 length, then the caps (gst_caps_to_string, without the NUL)
 *   per access unit, in decode order: a ClipFileAU, then its size bytes
 *   CLIP_END (8 bytes) */
#define CLIP_MAGIC "DTCLIP1\n"
#define CLIP_END "DTCLEND\n"

typedef struct
{
  guint64 pts, dts, duration;   /* GST_CLOCK_TIME_NONE as is */
  guint64 offset, offset_end;
  guint32 flags;                /* GstBufferFlags, without the mini
                                 * object's own flags */
  guint32 size;
} ClipFileAU;

#define MINI_OBJECT_FLAGS (GST_MINI_OBJECT_FLAG_LAST - 1)

gboolean
test_clip_save (TestClip * clip, const gchar * path, GError ** error)
{
  GByteArray *data = g_byte_array_new ();
  gchar *caps_str = gst_caps_to_string (clip->caps);
  GstCaps *back = gst_caps_from_string (caps_str);
  guint32 len = strlen (caps_str);
  gboolean ok;
  guint i;

  /* the reader gets the caps from the string: exactly these */
  if (!back || !gst_caps_is_strictly_equal (back, clip->caps)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "the caps do not survive a round trip through a string: %s",
        caps_str);
    gst_clear_caps (&back);
    g_free (caps_str);
    g_byte_array_unref (data);
    return FALSE;
  }
  gst_caps_unref (back);
  g_byte_array_append (data, (const guint8 *) CLIP_MAGIC, 8);
  g_byte_array_append (data, (const guint8 *) &len, sizeof (len));
  g_byte_array_append (data, (const guint8 *) caps_str, len);
  g_free (caps_str);
  for (i = 0; i < clip->aus->len; i++) {
    GstBuffer *buf = g_ptr_array_index (clip->aus, i);
    ClipFileAU au = { 0, };
    gsize off = data->len;

    au.pts = GST_BUFFER_PTS (buf);
    au.dts = GST_BUFFER_DTS (buf);
    au.duration = GST_BUFFER_DURATION (buf);
    au.offset = GST_BUFFER_OFFSET (buf);
    au.offset_end = GST_BUFFER_OFFSET_END (buf);
    au.flags = GST_BUFFER_FLAGS (buf) & ~MINI_OBJECT_FLAGS;
    au.size = gst_buffer_get_size (buf);
    g_byte_array_append (data, (const guint8 *) &au, sizeof (au));
    g_byte_array_set_size (data, off + sizeof (au) + au.size);
    gst_buffer_extract (buf, 0, data->data + off + sizeof (au), au.size);
  }
  g_byte_array_append (data, (const guint8 *) CLIP_END, 8);
  ok = g_file_set_contents (path, (const gchar *) data->data, data->len,
      error);
  g_byte_array_unref (data);
  return ok;
}

TestClip *
test_clip_load (const gchar * path, GError ** error)
{
  TestClip *clip = g_new0 (TestClip, 1);
  gchar *contents, *caps_str;
  const gchar *p, *end;
  guint32 caps_len;
  gsize size;

  if (!g_file_get_contents (path, &contents, &size, error)) {
    g_free (clip);
    return NULL;
  }
  clip->aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  p = contents;
  end = contents + size;
  if (size < 8 + sizeof (caps_len) + 8 || memcmp (p, CLIP_MAGIC, 8) != 0)
    goto bad;
  p += 8;
  memcpy (&caps_len, p, sizeof (caps_len));
  p += sizeof (caps_len);
  if (caps_len > (gsize) (end - p))
    goto bad;
  caps_str = g_strndup (p, caps_len);
  p += caps_len;
  clip->caps = gst_caps_from_string (caps_str);
  g_free (caps_str);
  if (!clip->caps)
    goto bad;

  /* an AU is longer than CLIP_END */
  while (end - p != 8) {
    ClipFileAU au;
    GstBuffer *buf;

    if ((gsize) (end - p) < sizeof (au))
      goto bad;
    memcpy (&au, p, sizeof (au));
    p += sizeof (au);
    if (au.size > (gsize) (end - p))
      goto bad;
    buf = gst_buffer_new_memdup (p, au.size);
    p += au.size;
    GST_BUFFER_PTS (buf) = au.pts;
    GST_BUFFER_DTS (buf) = au.dts;
    GST_BUFFER_DURATION (buf) = au.duration;
    GST_BUFFER_OFFSET (buf) = au.offset;
    GST_BUFFER_OFFSET_END (buf) = au.offset_end;
    GST_BUFFER_FLAGS (buf) = (GST_BUFFER_FLAGS (buf) & MINI_OBJECT_FLAGS) |
        au.flags;
    g_ptr_array_add (clip->aus, buf);
  }
  if (memcmp (p, CLIP_END, 8) != 0)
    goto bad;
  g_free (contents);
  return clip;

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "%s: not a whole clip file (at byte %" G_GSIZE_FORMAT ")", path,
      (gsize) (p - contents));
  g_free (contents);
  test_clip_free (clip);
  return NULL;
}

/* the first error on the bus of @pipeline, if any, in @error */
static gboolean
check_bus (GstElement * pipeline, const gchar * desc, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_object_unref (bus);
  if (!msg)
    return TRUE;
  gst_message_parse_error (msg, &err, &dbg);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s (%s)", desc,
      err->message, dbg ? dbg : "");
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  return FALSE;
}

TestClip *
test_clip_encode_here (const gchar * encoder, guint n_frames, gint width,
    gint height, GError ** error)
{
  TestClip *clip = g_new0 (TestClip, 1);
  GstElement *pipeline, *sink;
  GstSample *sample;
  gchar *desc;
  gboolean ok;

  desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! %s ! "
      "appsink name=sink sync=false", n_frames, width, height, encoder);
  pipeline = gst_parse_launch (desc, error);
  if (!pipeline || (error && *error)) {
    gst_clear_object (&pipeline);
    g_free (desc);
    g_free (clip);
    return NULL;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  clip->aus = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    if (!clip->caps)
      clip->caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (clip->aus, gst_buffer_ref (gst_sample_get_buffer
            (sample)));
    gst_sample_unref (sample);
  }
  /* the end of the clip, not an error, ended it */
  ok = check_bus (pipeline, desc, error);
  if (ok && (!gst_app_sink_is_eos (GST_APP_SINK (sink))
          || clip->aus->len == 0)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %u access "
        "units, %s", desc, clip->aus->len, gst_app_sink_is_eos (GST_APP_SINK
            (sink)) ? "EOS" : "no EOS");
    ok = FALSE;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  if (!ok) {
    test_clip_free (clip);
    return NULL;
  }
  return clip;
}

GPtrArray *
test_clip_decode_here (TestClip * clip, const gchar * decoder,
    GError ** error)
{
  GPtrArray *sums = g_ptr_array_new_with_free_func (g_free);
  GstElement *pipeline, *src, *sink;
  GstSample *sample;
  gchar *desc;
  gboolean ok = TRUE;
  guint i;

  desc = g_strdup_printf ("appsrc name=src format=time ! %s ! videoconvert ! "
      "video/x-raw,format=NV12 ! appsink name=sink sync=false", decoder);
  pipeline = gst_parse_launch (desc, error);
  if (!pipeline || (error && *error)) {
    gst_clear_object (&pipeline);
    g_free (desc);
    g_ptr_array_unref (sums);
    return NULL;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_app_src_set_caps (GST_APP_SRC (src), clip->caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < clip->aus->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_ref (g_ptr_array_index (clip->aus, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  while (ok && (sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstVideoInfo info;
    GstVideoFrame frame;

    if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
        || !gst_video_frame_map (&frame, &info,
            gst_sample_get_buffer (sample), GST_MAP_READ)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
          "%s: cannot map frame %u", desc, sums->len);
      ok = FALSE;
    } else {
      g_ptr_array_add (sums,
          fake_kernel_checksum_nv12 (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
              GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
              GST_VIDEO_FRAME_PLANE_DATA (&frame, 1),
              GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 1),
              GST_VIDEO_FRAME_WIDTH (&frame),
              GST_VIDEO_FRAME_HEIGHT (&frame)));
      gst_video_frame_unmap (&frame);
    }
    gst_sample_unref (sample);
  }
  ok = ok && check_bus (pipeline, desc, error);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  if (!ok) {
    g_ptr_array_unref (sums);
    return NULL;
  }
  return sums;
}

/* runs testclip-helper with @args (NULL-terminated), which must exit 0 */
static void
run_helper (const gchar * first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  GError *err = NULL;
  gchar *out = NULL, *errors = NULL;
  const gchar *arg;
  gint status;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) TEST_CLIP_HELPER);
  va_start (ap, first);
  for (arg = first; arg; arg = va_arg (ap, const gchar *))
      g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DEFAULT, NULL, NULL, &out, &errors, &status, &err), "%s",
      err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, &err),
      "testclip-helper %s '%s': %s\n%s%s", first, (gchar *) argv->pdata[2],
      err ? err->message : "", out, errors);
  g_free (out);
  g_free (errors);
  g_ptr_array_unref (argv);
}

static gchar *
tmp_path (void)
{
  GError *err = NULL;
  gchar *path;
  gint fd = g_file_open_tmp ("daedalus-testclip-XXXXXX", &path, &err);

  fail_unless (fd >= 0, "%s", err ? err->message : "");
  close (fd);
  return path;
}

/* Encodes @n_frames of a moving test pattern with @encoder (a bin
 * description); one GstBuffer per access unit, with the caps of the first
 * and the timestamps, offsets and flags the encoder gave each. */
TestClip *
test_clip_new (const gchar * encoder, guint n_frames, gint width, gint height)
{
  GError *err = NULL;
  gchar *path = tmp_path ();
  gchar *n = g_strdup_printf ("%u", n_frames);
  gchar *w = g_strdup_printf ("%d", width);
  gchar *h = g_strdup_printf ("%d", height);
  TestClip *clip;

  run_helper ("encode", encoder, n, w, h, path, NULL);
  clip = test_clip_load (path, &err);
  fail_unless (clip != NULL, "%s", err ? err->message : "");
  fail_unless (clip->aus->len > 0);
  g_unlink (path);
  g_free (path);
  g_free (n);
  g_free (w);
  g_free (h);
  return clip;
}

void
test_clip_free (TestClip * clip)
{
  g_ptr_array_unref (clip->aus);
  gst_clear_caps (&clip->caps);
  g_free (clip);
}

/* Queues every access unit of @clip on @stream_id of the fake kernel (a
 * keyframe is an AU without DELTA_UNIT); returns the cookie of the first. */
guint64
test_clip_send (TestClip * clip, FakeKernel * fk, guint64 stream_id)
{
  return test_clip_send_range (clip, fk, stream_id, 0, clip->aus->len);
}

/* Sends access units [@from, @to) as DECODEs; returns the first cookie. */
guint64
test_clip_send_range (TestClip * clip, FakeKernel * fk, guint64 stream_id,
    guint from, guint to)
{
  guint64 first_cookie = 0;
  guint i;

  for (i = from; i < to && i < clip->aus->len; i++) {
    GstBuffer *au = g_ptr_array_index (clip->aus, i);
    guint64 cookie = fake_kernel_decode (fk, stream_id, au,
        !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT));

    if (i == from)
      first_cookie = cookie;
  }
  return first_cookie;
}

/* Decodes the clip directly with @decoder; returns the NV12 checksums of
 * the frames in output order, as the fake kernel computes them. */
GPtrArray *
test_clip_reference_decode (TestClip * clip, const gchar * decoder)
{
  GPtrArray *sums = g_ptr_array_new_with_free_func (g_free);
  GError *err = NULL;
  gchar *in = tmp_path (), *out = tmp_path ();
  gchar *contents, **lines;
  guint i;

  fail_unless (test_clip_save (clip, in, &err), "%s", err ? err->message :
      "");
  run_helper ("decode", decoder, in, out, NULL);
  fail_unless (g_file_get_contents (out, &contents, NULL, &err), "%s",
      err ? err->message : "");
  /* one checksum a line, then "end" */
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] && strcmp (lines[i], "end") != 0; i++)
    g_ptr_array_add (sums, g_strdup (lines[i]));
  fail_unless (lines[i] && lines[i + 1] && *lines[i + 1] == '\0'
      && !lines[i + 2], "testclip-helper decode: truncated output");
  g_strfreev (lines);
  g_free (contents);
  g_unlink (in);
  g_unlink (out);
  g_free (in);
  g_free (out);
  return sums;
}

/* "daedalussrc fd=N ! @fragment ! daedalussink fd=N" */
GstElement *
test_pipeline_new (const gchar * fragment, gint fd)
{
  GError *err = NULL;
  GstElement *pipeline;
  gchar *desc;

  desc = g_strdup_printf ("daedalussrc name=src fd=%d ! %s ! "
      "daedalussink name=sink fd=%d", fd, fragment, fd);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (pipeline != NULL && err == NULL, "%s", err ? err->message : "");
  return pipeline;
}

/* The first error on the bus within @timeout_ms, or NULL. */
GstMessage *
test_pipeline_poll_error (GstElement * pipeline, guint timeout_ms)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  msg = gst_bus_timed_pop_filtered (bus, timeout_ms * GST_MSECOND,
      GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  return msg;
}
