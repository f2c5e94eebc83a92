/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The wire ABI, checked when the tests are built (nothing to run): the
 * header compiles with -Wpadded as an error, so the structures have no
 * implicit holes; the offsets, sizes and the ioctl number are the ABI, and
 * structures only grow at the end. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"
#include <misc/daedalus_v4l2.h>
#pragma GCC diagnostic pop

#include <glib.h>

#define OFF(s, f, o) G_STATIC_ASSERT (offsetof (struct s, f) == (o))

OFF (daedalus_msg_hdr, size, 0);
OFF (daedalus_msg_hdr, type, 4);
OFF (daedalus_msg_hdr, flags, 6);
OFF (daedalus_msg_hdr, stream_id, 8);
OFF (daedalus_msg_hello, major, 16);
OFF (daedalus_msg_hello, minor, 18);
OFF (daedalus_msg_hello, max_msg_size, 20);
OFF (daedalus_msg_hello, num_codecs, 24);
OFF (daedalus_msg_hello, codecs, 28);
OFF (daedalus_msg_hello, reserved, 92);
OFF (daedalus_msg_stream_open, codec, 16);
OFF (daedalus_msg_stream_open, capture_fourcc, 28);
OFF (daedalus_msg_stream_open, quantization, 44);
OFF (daedalus_msg_decode, cookie, 16);
OFF (daedalus_msg_decode, timestamp, 24);
OFF (daedalus_msg_decode, epoch, 32);
OFF (daedalus_msg_decode, flags, 36);
OFF (daedalus_msg_decode, bytesused, 40);
OFF (daedalus_msg_epoch, epoch, 16);
OFF (daedalus_msg_capture_buffer, index, 16);
OFF (daedalus_msg_capture_buffer, generation, 20);
OFF (daedalus_msg_capture_buffer, pixelformat, 24);
OFF (daedalus_msg_capture_buffer, num_mem_planes, 36);
OFF (daedalus_msg_capture_buffer, mem_plane_length, 40);
OFF (daedalus_msg_capture_buffer, num_color_planes, 56);
OFF (daedalus_msg_capture_buffer, color_planes, 64);
OFF (daedalus_msg_capture_buffer, flags, 128);
OFF (daedalus_msg_capture_buffer, reserved, 132);
OFF (daedalus_msg_capture_reset, generation, 16);
OFF (daedalus_msg_consumed, cookie, 16);
OFF (daedalus_msg_consumed, epoch, 24);
OFF (daedalus_msg_consumed, status, 28);
OFF (daedalus_msg_format, epoch, 16);
OFF (daedalus_msg_format, min_buffers, 48);
OFF (daedalus_msg_format, bit_depth, 68);
OFF (daedalus_msg_frame, cookie, 16);
OFF (daedalus_msg_frame, epoch, 24);
OFF (daedalus_msg_frame, index, 28);
OFF (daedalus_msg_frame, generation, 32);
OFF (daedalus_msg_frame, num_planes, 40);
OFF (daedalus_msg_frame, bytesused, 44);
OFF (daedalus_msg_stream_error, error, 16);
OFF (daedalus_expbuf, stream_id, 0);
OFF (daedalus_expbuf, fd, 24);

/* The ioctl number, as a number (the sizes are asserted where the
 * library uses them, gst/gstdaedalusprotocol.c, and in the module). */
G_STATIC_ASSERT (DAEDALUS_IOC_EXPBUF == 0xC020DA01u);
