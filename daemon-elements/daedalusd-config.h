/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* daedalusd's configuration: one decoder template (a gst-launch fragment
 * between daedalussrc and daedalussink) per codec, from built-in defaults,
 * the configuration file and the command line, in rising precedence. */

#ifndef __DAEDALUSD_CONFIG_H__
#define __DAEDALUSD_CONFIG_H__

#include <gst/gst.h>

#include "gstdaedaluscodec.h"

G_BEGIN_DECLS

#define DAEDALUSD_CONFIG_GROUP "daedalusd"
#define DAEDALUSD_DECODERS_GROUP "decoders"

#define DAEDALUSD_ERROR (daedalusd_error_quark ())
GQuark daedalusd_error_quark (void);

/**
 * DaedalusdError:
 * @DAEDALUSD_ERROR_CONFIG: unreadable or malformed configuration, unknown
 *   codec, malformed option
 * @DAEDALUSD_ERROR_TEMPLATE: a decoder template that cannot work anywhere
 *   (syntax, unknown property, no input or output, wrong caps)
 * @DAEDALUSD_ERROR_NO_DECODER: no codec has a usable template
 */
typedef enum
{
  DAEDALUSD_ERROR_CONFIG,
  DAEDALUSD_ERROR_TEMPLATE,
  DAEDALUSD_ERROR_NO_DECODER,
} DaedalusdError;

typedef enum
{
  DAEDALUSD_SOURCE_DEFAULT,
  DAEDALUSD_SOURCE_FILE,
  DAEDALUSD_SOURCE_CLI,
} DaedalusdSource;

typedef struct
{
  const GstDaedalusCodec *codec;
  gchar *template;              /* NULL: none (disabled, or no decoder) */
  DaedalusdSource source;
  gboolean usable;
  gchar *reason;                /* translated, when not usable */
  gchar *note;                  /* translated, a remark on a usable one */
} DaedalusdDecoder;

typedef struct
{
  gchar *device;                /* from the file, or NULL */
  gchar *path;                  /* the file that was read, or NULL */
  guint n_decoders;
  DaedalusdDecoder *decoders;   /* one per codec, in codec table order */
  gchar *sysfs_root;            /* NULL: /sys (tests fake it) */
} DaedalusdConfig;

DaedalusdConfig *daedalusd_config_load (const gchar * path,
    gboolean path_given, const gchar * const *cli_decoders, GError ** error);

DaedalusdConfig *daedalusd_config_load_full (const gchar * path,
    gboolean path_given, const gchar * const *cli_decoders,
    const gchar * sysfs_root, GError ** error);

void daedalusd_config_free (DaedalusdConfig * config);

const DaedalusdDecoder *daedalusd_config_get_decoder (DaedalusdConfig *
    config, guint32 fourcc);

guint daedalusd_config_usable_codecs (DaedalusdConfig * config,
    guint32 * codecs, guint max_codecs);

void daedalusd_registry_lock (void);
void daedalusd_registry_unlock (void);
/* the names of daedalussrc and daedalussink in a stream's pipeline */
#define DAEDALUSD_SRC_NAME "daedalusd-src"
#define DAEDALUSD_SINK_NAME "daedalusd-sink"

GstElement *daedalusd_config_make_pipeline (DaedalusdConfig * config,
    guint32 fourcc, GError ** error);

gchar *daedalusd_config_describe (DaedalusdConfig * config);

/* built-in defaults, decodebin's way (gst_daedalus_codec_select()) */
gchar *daedalusd_default_template (const GstDaedalusCodec * codec,
    GList * factories, GstDaedalusFactoryFilter filter, gpointer user_data);

G_END_DECLS

#endif /* __DAEDALUSD_CONFIG_H__ */
