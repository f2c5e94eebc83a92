/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_META_H__
#define __GST_DAEDALUS_META_H__

#include "gstdaedalus-api.h"

#include <gst/gst.h>

#include "gstdaedalusstream.h"

G_BEGIN_DECLS

#define GST_DAEDALUS_META_API_TYPE (gst_daedalus_meta_api_get_type ())
#define GST_DAEDALUS_META_INFO (gst_daedalus_meta_get_info ())

typedef struct _GstDaedalusMeta GstDaedalusMeta;

/**
 * GstDaedalusMeta:
 * @meta: parent
 * @stream: (transfer full): the stream the access unit came from
 * @cookie: the DECODE's cookie, the identity of the access unit
 * @epoch: the DECODE's flush epoch
 * @timestamp: the client's OUTPUT timestamp (ns), for information only
 * @keyframe: the client flagged the access unit V4L2_BUF_FLAG_KEYFRAME
 * @replay: the access unit is fed again after a drain, to give the decoder
 *	back its references; its frame was written already, and is dropped
 *
 * Travels from daedalussrc through the decoder to daedalussink.  The API
 * has no tags, so GstVideoDecoder copies it to the frame decoded from the
 * access unit (the cookie must never travel in PTS, DTS or OFFSET).
 */
struct _GstDaedalusMeta
{
  GstMeta meta;

  GstDaedalusStream *stream;
  guint64 cookie;
  guint32 epoch;
  guint64 timestamp;
  gboolean keyframe;
  gboolean replay;
};

GST_DAEDALUS_API
GType gst_daedalus_meta_api_get_type (void);

GST_DAEDALUS_API
const GstMetaInfo *gst_daedalus_meta_get_info (void);

GST_DAEDALUS_API
GstDaedalusMeta *gst_buffer_add_daedalus_meta (GstBuffer * buffer,
    GstDaedalusStream * stream, guint64 cookie, guint32 epoch,
    guint64 timestamp);

#define gst_buffer_get_daedalus_meta(b) \
  ((GstDaedalusMeta *) gst_buffer_get_meta ((b), GST_DAEDALUS_META_API_TYPE))

/* the custom sticky event with which daedalussrc tells downstream which
 * stream follows */
GST_DAEDALUS_API
GstEvent *gst_daedalus_stream_event_new (GstDaedalusStream * stream);

GST_DAEDALUS_API
GstDaedalusStream *gst_daedalus_stream_event_parse (GstEvent * event);

G_END_DECLS

#endif /* __GST_DAEDALUS_META_H__ */
