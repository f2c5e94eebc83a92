/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_DAEDALUS_CODEC_H__
#define __GST_DAEDALUS_CODEC_H__

#include "gstdaedalus-api.h"

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstDaedalusCodec:
 * @name: its key in daedalusd's configuration and on its command line, in
 *   `daedalusd --list` and `--help`
 * @alias: (nullable): another key the configuration accepts
 * @fourcc: the V4L2 coded format, which is also the codec's id in the
 *   protocol (HELLO, STREAM_OPEN)
 * @caps: what daedalussrc gives for it (byte-stream, one access unit per
 *   buffer)
 * @alpha_side_channel: GStreamer's caps of the codec have a `codec-alpha`
 *   field for an alpha channel carried beside the stream (VP8, VP9 in
 *   Matroska); a V4L2 client never has one
 *
 * One codec of the node.  The table of them (gstdaedaluscodec.c) is the
 * one place a codec is described: daedalussrc's pad template, daedalusd's
 * configuration keys, --list, --help, the library's default HELLO and the
 * decoder selection all walk it.
 */
typedef struct
{
  const gchar *name;
  const gchar *alias;
  guint32 fourcc;
  const gchar *caps;
  gboolean alpha_side_channel;
} GstDaedalusCodec;

GST_DAEDALUS_API
const GstDaedalusCodec *gst_daedalus_codecs (guint * n_codecs);

GST_DAEDALUS_API
const GstDaedalusCodec *gst_daedalus_codec_lookup (const gchar * name);

GST_DAEDALUS_API
const GstDaedalusCodec *gst_daedalus_codec_from_fourcc (guint32 fourcc);

GST_DAEDALUS_API
const GstDaedalusCodec *gst_daedalus_codec_from_caps (const GstCaps * caps);

GST_DAEDALUS_API
GstCaps *gst_daedalus_codec_get_caps (const GstDaedalusCodec * codec);

GST_DAEDALUS_API
GstCaps *gst_daedalus_codec_all_caps (void);

GST_DAEDALUS_API
gchar *gst_daedalus_codec_names (void);

/**
 * GstDaedalusFactoryFilter:
 *
 * Returns TRUE for a factory that must not be used (e.g. one whose element
 * would decode on a daedalus-v4l2 node: the daemon feeding itself).
 */
typedef gboolean (*GstDaedalusFactoryFilter) (GstElementFactory * factory,
    gpointer user_data);

GST_DAEDALUS_API
gboolean gst_daedalus_factory_filter_loops_back (GstElementFactory * factory,
    gpointer sysfs_root);

GST_DAEDALUS_API
GList *gst_daedalus_select_decoders (GList * factories, const GstCaps * caps,
    GstDaedalusFactoryFilter filter, gpointer user_data);

GST_DAEDALUS_API
GList *gst_daedalus_codec_select (const GstDaedalusCodec * codec,
    GList * factories, GstDaedalusFactoryFilter filter, gpointer user_data,
    GstElementFactory ** parser);

G_END_DECLS

#endif /* __GST_DAEDALUS_CODEC_H__ */
