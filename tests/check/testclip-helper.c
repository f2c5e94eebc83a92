/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* testclip-helper, run by testclip.c in a process of its own (why: see
 * there):
 *   encode ENCODER N_FRAMES WIDTH HEIGHT OUT: the clip of test_clip_new(),
 *     saved to OUT (test_clip_save);
 *   decode DECODER IN OUT: the clip saved in IN decoded as
 *     test_clip_reference_decode() returns it: one NV12 checksum a line in
 *     OUT, then "end".
 * Exits 0, or 1 with a message on stderr. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>

#include "testclip.h"

static void
check (gboolean ok, GError * err)
{
  if (!ok) {
    g_printerr ("testclip-helper: %s\n", err ? err->message : "failed");
    exit (1);
  }
}

int
main (int argc, char **argv)
{
  GError *err = NULL;

  gst_init (&argc, &argv);
  if (argc == 7 && strcmp (argv[1], "encode") == 0) {
    TestClip *clip = test_clip_encode_here (argv[2], atoi (argv[3]),
        atoi (argv[4]), atoi (argv[5]), &err);

    check (clip != NULL, err);
    check (test_clip_save (clip, argv[6], &err), err);
    test_clip_free (clip);
  } else if (argc == 5 && strcmp (argv[1], "decode") == 0) {
    TestClip *clip = test_clip_load (argv[3], &err);
    GPtrArray *sums;
    GString *out;
    guint i;

    check (clip != NULL, err);
    sums = test_clip_decode_here (clip, argv[2], &err);
    check (sums != NULL, err);
    out = g_string_new (NULL);
    for (i = 0; i < sums->len; i++)
      g_string_append_printf (out, "%s\n", (gchar *) sums->pdata[i]);
    g_string_append (out, "end\n");
    check (g_file_set_contents (argv[4], out->str, out->len, &err), err);
    g_string_free (out, TRUE);
    g_ptr_array_unref (sums);
    test_clip_free (clip);
  } else {
    g_printerr ("usage: testclip-helper encode ENCODER N_FRAMES WIDTH "
        "HEIGHT OUT\n       testclip-helper decode DECODER IN OUT\n");
    return 1;
  }
  return 0;
}
