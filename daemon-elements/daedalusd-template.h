/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Decoder templates: parsed into a bin, checked at load
 * (daedalusd-template.c). */

#ifndef __DAEDALUSD_TEMPLATE_H__
#define __DAEDALUSD_TEMPLATE_H__

#include "daedalusd-config.h"

G_BEGIN_DECLS

GstElement *daedalusd_template_make_bin (const gchar * tmpl,
    gboolean * dynamic, const gchar ** why, GError ** error);

gboolean daedalusd_template_check (DaedalusdDecoder * dec, const gchar * path,
    GList * factories, const gchar * sysfs_root, GError ** error);

G_END_DECLS

#endif /* __DAEDALUSD_TEMPLATE_H__ */
