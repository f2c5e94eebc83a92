/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Clips encoded at test time, and their reference decode; both in
 * testclip-helper, natively also under valgrind (testclip.c). */

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

guint64 test_clip_send_range (TestClip * clip, FakeKernel * fk,
    guint64 stream_id, guint from, guint to);

GPtrArray *test_clip_reference_decode (TestClip * clip,
    const gchar * decoder);

/* What testclip-helper runs, and how it passes clips on (testclip.c) */
TestClip *test_clip_encode_here (const gchar * encoder, guint n_frames,
    gint width, gint height, GError ** error);

GPtrArray *test_clip_decode_here (TestClip * clip, const gchar * decoder,
    GError ** error);

gboolean test_clip_save (TestClip * clip, const gchar * path,
    GError ** error);

TestClip *test_clip_load (const gchar * path, GError ** error);

GstElement *test_pipeline_new (const gchar * fragment, gint fd);

GstMessage *test_pipeline_poll_error (GstElement * pipeline, guint timeout_ms);

G_END_DECLS

#endif /* __TEST_CLIP_H__ */
