/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Clips encoded at test time, and their reference decode. */

#ifndef __TEST_CLIP_H__
#define __TEST_CLIP_H__

#include <gst/gst.h>

#include "fakekernel.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *aus;               /* GstBuffer, decode order */
  GstCaps *caps;
} TestClip;

TestClip *test_clip_new (const gchar * encoder, guint n_frames, gint width,
    gint height);

void test_clip_free (TestClip * clip);

guint64 test_clip_send (TestClip * clip, FakeKernel * fk, guint64 stream_id);

GPtrArray *test_clip_reference_decode (TestClip * clip,
    const gchar * decoder);

GstElement *test_pipeline_new (const gchar * fragment, gint fd);

GstMessage *test_pipeline_poll_error (GstElement * pipeline, guint timeout_ms);

G_END_DECLS

#endif /* __TEST_CLIP_H__ */
