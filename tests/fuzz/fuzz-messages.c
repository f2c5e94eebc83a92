/* daedalus-v4l2
 * Copyright (C) 2026 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* fuzz-messages: a libFuzzer target (clang -fsanitize=fuzzer, with ASan and
 * UBSan: scripts/fuzz builds and runs it) over the code that reads what
 * the other side wrote, built from the same sources as the module and the
 * daemon (issue 11):
 *
 *   the library's check of every message (gst/gstdaedalusprotocol.c,
 *     gst_daedalus_msg_validate(), both directions), and what the daemon
 *     reads of a message it takes (a DECODE's bitstream: every byte);
 *   the module's checks that need no state (kmod/daedalus-layout.c, built
 *     for userspace as tests/check does): a FORMAT the kernel takes gets a
 *     CAPTURE layout in which every colour plane lies inside its memory
 *     plane, with lines long enough; a FRAME it takes fits its buffer;
 *   the CAPTURE layout of any raw format, size and client bytesperline:
 *     the same property, so that a daemon writing by the layout never
 *     writes outside the buffer.
 *
 * The first input byte picks the part; a property that does not hold
 * aborts (libFuzzer keeps the input as crash-*). */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim.h"
#include "daedalus-layout.h"
#include "gstdaedalusprotocol.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf (stderr, "fuzz-messages: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort (); } } while (0)

/* every colour plane of @l inside its memory plane, lines long enough */
static void
check_layout (const struct daedalus_cap_layout *l)
{
  const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt (l->pixelformat);
  unsigned int i;

  CHECK (r);
  CHECK (l->num_mem_planes == r->mem_planes);
  CHECK (l->num_color_planes == r->color_planes);
  for (i = 0; i < l->num_color_planes; i++) {
    const struct daedalus_color_plane *c = &l->color[i];
    uint64_t lines = i ? l->height / r->vsub : l->height;
    uint64_t line = i ? (uint64_t) l->width / r->hsub * r->bps *
        (r->color_planes == 2 ? 2 : 1) : (uint64_t) l->width * r->bps;

    CHECK (c->mem_plane < l->num_mem_planes);
    CHECK (c->stride >= line);
    CHECK (c->offset + c->stride * lines <= l->mem_size[c->mem_plane]);
  }
}

static void
fill_and_check (u32 fourcc, u32 width, u32 height, const u32 * bpl)
{
  struct v4l2_pix_format_mplane f;
  struct daedalus_cap_layout l;
  unsigned int i;

  memset (&f, 0, sizeof (f));
  for (i = 0; i < DAEDALUS_MAX_PLANES; i++)
    f.plane_fmt[i].bytesperline = bpl[i];
  daedalus_cap_fmt_fill (&f, fourcc, width, height);
  CHECK (f.pixelformat == fourcc);
  CHECK (f.width >= width && f.height >= height);
  daedalus_cap_layout_fill (&l, &f);
  check_layout (&l);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  uint8_t *buf;

  if (size < 1 || size > 4096)
    return 0;
  /* a copy of exactly the message (ASan sees a read past it), aligned as
   * read() into the daemon's buffer is */
  size--;
  buf = malloc (size ? size : 1);
  memcpy (buf, data + 1, size);

  switch (data[0] % 4) {
    case 0:
    case 1:{
      GstDaedalusDirection dir = data[0] % 4 ? GST_DAEDALUS_TO_KERNEL :
          GST_DAEDALUS_TO_DAEMON;
      const struct daedalus_msg_hdr *h = (const void *) buf;

      if (!gst_daedalus_msg_validate (buf, size, dir, NULL))
        break;
      if (dir == GST_DAEDALUS_TO_DAEMON && h->type == DAEDALUS_MSG_DECODE) {
        const struct daedalus_msg_decode *d = (const void *) buf;
        const guint8 *bits = gst_daedalus_msg_decode_bitstream (d);
        unsigned int sum = 0, i;

        CHECK (bits >= buf + sizeof (*d) && bits + d->bytesused == buf + size);
        for (i = 0; i < d->bytesused; i++)
          sum += bits[i];
        (void) sum;
      }
      break;
    }
    case 2:{
      /* a FORMAT the kernel would take: its layout, in each format of
       * its chroma the node may offer, with the client's lines */
      struct daedalus_msg_format m;
      u32 bpl[DAEDALUS_MAX_PLANES] = { 0, };

      if (size < sizeof (m))
        break;
      memcpy (&m, buf, sizeof (m));
      if (size >= sizeof (m) + sizeof (bpl))
        memcpy (bpl, buf + sizeof (m), sizeof (bpl));
      if (!daedalus_format_msg_valid (&m))
        break;
      fill_and_check (m.pixelformat, m.width, m.height, bpl);
      break;
    }
    case 3:{
      /* any raw format, size (as S_FMT clamps it) and bytesperline; a
       * FRAME that fits takes no more than the buffer */
      struct {
        u32 fmt, width, height, bpl[DAEDALUS_MAX_PLANES];
        struct daedalus_msg_frame frame;
      } in;
      struct v4l2_pix_format_mplane f;
      u32 len[DAEDALUS_MAX_PLANES];
      u32 fourcc, w, h;
      unsigned int i;

      if (size < sizeof (in))
        break;
      memcpy (&in, buf, sizeof (in));
      fourcc = daedalus_raw_fmts[in.fmt % daedalus_num_raw_fmts].fourcc;
      w = DAEDALUS_MIN_SIZE + in.width % (DAEDALUS_MAX_WIDTH - DAEDALUS_MIN_SIZE + 1);
      h = DAEDALUS_MIN_SIZE + in.height % (DAEDALUS_MAX_HEIGHT - DAEDALUS_MIN_SIZE + 1);
      fill_and_check (fourcc, w, h, in.bpl);

      memset (&f, 0, sizeof (f));
      daedalus_cap_fmt_fill (&f, fourcc, w, h);
      for (i = 0; i < DAEDALUS_MAX_PLANES; i++)
        len[i] = f.plane_fmt[i].sizeimage;
      if (daedalus_frame_msg_valid (&in.frame) &&
          daedalus_frame_fits (&in.frame, f.num_planes, len))
        for (i = 0; i < in.frame.num_planes; i++)
          CHECK (in.frame.bytesused[i] <= len[i]);
      break;
    }
  }
  free (buf);
  return 0;
}
