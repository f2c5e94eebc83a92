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

#include "gstdaedalusmeta.h"

#define GST_DAEDALUS_STREAM_EVENT_NAME "GstDaedalusStream"

GType
gst_daedalus_meta_api_get_type (void)
{
  static GType type = 0;
  /* No tags: GstVideoDecoder's default transform_meta copies only metas
   * without tags (or with video/orientation/size tags) */
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstDaedalusMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

static gboolean
gst_daedalus_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstDaedalusMeta *dmeta = (GstDaedalusMeta *) meta;

  dmeta->stream = NULL;
  dmeta->cookie = 0;
  dmeta->epoch = 0;
  dmeta->timestamp = 0;
  dmeta->keyframe = FALSE;
  dmeta->replay = FALSE;
  return TRUE;
}

static void
gst_daedalus_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstDaedalusMeta *dmeta = (GstDaedalusMeta *) meta;

  gst_clear_object (&dmeta->stream);
}

static gboolean
gst_daedalus_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstDaedalusMeta *smeta = (GstDaedalusMeta *) meta;
  GstDaedalusMeta *dmeta;

  /* Only copies: a region of an access unit, a sub-frame split by a parser
   * or a decoded frame all still come from the same access unit */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;

  dmeta = gst_buffer_get_daedalus_meta (dest);
  if (dmeta && dmeta->replay && !smeta->replay) {
    /* merged with a replayed access unit: the frame is this one's, which
     * must be written (a replay's frame was, already) */
    gst_object_replace ((GstObject **) & dmeta->stream,
        (GstObject *) smeta->stream);
    dmeta->cookie = smeta->cookie;
    dmeta->epoch = smeta->epoch;
    dmeta->timestamp = smeta->timestamp;
    dmeta->keyframe = smeta->keyframe;
    dmeta->replay = FALSE;
    return TRUE;
  }
  if (dmeta)
    return TRUE;
  dmeta = gst_buffer_add_daedalus_meta (dest, smeta->stream, smeta->cookie,
      smeta->epoch, smeta->timestamp);
  if (!dmeta)
    return FALSE;
  dmeta->keyframe = smeta->keyframe;
  dmeta->replay = smeta->replay;
  return TRUE;
}

const GstMetaInfo *
gst_daedalus_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_DAEDALUS_META_API_TYPE,
        "GstDaedalusMeta", sizeof (GstDaedalusMeta),
        gst_daedalus_meta_init, gst_daedalus_meta_free,
        gst_daedalus_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstDaedalusMeta *
gst_buffer_add_daedalus_meta (GstBuffer * buffer, GstDaedalusStream * stream,
    guint64 cookie, guint32 epoch, guint64 timestamp)
{
  GstDaedalusMeta *dmeta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (GST_IS_DAEDALUS_STREAM (stream), NULL);

  /* A decoder may copy the metas of several inputs onto one output; the
   * first access unit wins, as V4L2 wants for merged frames */
  dmeta = gst_buffer_get_daedalus_meta (buffer);
  if (dmeta)
    return dmeta;

  dmeta = (GstDaedalusMeta *) gst_buffer_add_meta (buffer,
      GST_DAEDALUS_META_INFO, NULL);
  dmeta->stream = gst_object_ref (stream);
  dmeta->cookie = cookie;
  dmeta->epoch = epoch;
  dmeta->timestamp = timestamp;
  return dmeta;
}

/* ---- the event that tells which stream the buffers after it are of ---- */

GstEvent *
gst_daedalus_stream_event_new (GstDaedalusStream * stream)
{
  GstStructure *s;

  s = gst_structure_new (GST_DAEDALUS_STREAM_EVENT_NAME,
      "stream", GST_TYPE_DAEDALUS_STREAM, stream,
      "stream-id", G_TYPE_UINT64, gst_daedalus_stream_get_id (stream), NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/* Returns (transfer full) the stream of a gst_daedalus_stream_event_new()
 * event, NULL for any other event. */
GstDaedalusStream *
gst_daedalus_stream_event_parse (GstEvent * event)
{
  const GstStructure *s;
  GstDaedalusStream *stream = NULL;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY)
    return NULL;
  s = gst_event_get_structure (event);
  if (!gst_structure_has_name (s, GST_DAEDALUS_STREAM_EVENT_NAME))
    return NULL;
  gst_structure_get (s, "stream", GST_TYPE_DAEDALUS_STREAM, &stream, NULL);
  return stream;
}
