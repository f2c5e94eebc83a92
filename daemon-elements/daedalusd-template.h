/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Decoder templates: a stream's pipeline made of one, and the checks at
 * load (daedalusd-template.c). */

#ifndef __DAEDALUSD_TEMPLATE_H__
#define __DAEDALUSD_TEMPLATE_H__

#include "daedalusd-config.h"

G_BEGIN_DECLS

GstElement *daedalusd_template_make_pipeline (const gchar * tmpl,
    const GstDaedalusCodec * codec, gchar ** why, GError ** error);

gboolean daedalusd_template_check (DaedalusdDecoder * dec, const gchar * path,
    GList * factories, const gchar * sysfs_root, GError ** error);

G_END_DECLS

#endif /* __DAEDALUSD_TEMPLATE_H__ */
