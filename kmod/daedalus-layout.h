/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daedalus-v4l2: the raw formats CAPTURE can take, their memory layout,
 * and the checks of the daemon's messages that need no state
 * (daedalus-layout.c).  Free of kernel state, so that the unit tests'
 * kernel emulator uses them too: it includes this after defining u8, u32
 * and bool (tests/check/kshim.h).
 */
#ifndef _DAEDALUS_LAYOUT_H
#define _DAEDALUS_LAYOUT_H

#include <linux/types.h>
#include <linux/videodev2.h>

#include <misc/daedalus_v4l2.h>

#define DAEDALUS_MIN_SIZE	16
#define DAEDALUS_MAX_WIDTH	8192
#define DAEDALUS_MAX_HEIGHT	8192
#define DAEDALUS_MAX_CAP_BUFS	32
#define DAEDALUS_STRIDE_ALIGN	16
/* daedalus_cap_plane_room() */
#define DAEDALUS_CAP_ROOM_ALIGN	32
#define DAEDALUS_CAP_ROOM_LINES	8

/**
 * struct daedalus_raw_fmt - a raw format CAPTURE can take
 * @fourcc: V4L2 pixel format
 * @depth: bits per sample
 * @bps: bytes per sample
 * @hsub: horizontal chroma subsampling (2: half the luma's width)
 * @vsub: vertical chroma subsampling
 * @mem_planes: memory planes (V4L2 planes, dma-bufs)
 * @color_planes: colour planes: 2 (luma, interleaved chroma) or 3
 */
struct daedalus_raw_fmt {
	u32 fourcc;
	u8 depth;
	u8 bps;
	u8 hsub;
	u8 vsub;
	u8 mem_planes;
	u8 color_planes;
};

/**
 * struct daedalus_cap_layout - where the daemon writes a frame
 * @pixelformat: raw fourcc
 * @width: frame-buffer width
 * @height: frame-buffer height
 * @num_mem_planes: memory planes
 * @mem_size: bytes needed in each memory plane
 * @num_color_planes: colour planes
 * @color: layout of each colour plane
 */
struct daedalus_cap_layout {
	u32 pixelformat;
	u32 width;
	u32 height;
	u32 num_mem_planes;
	u32 mem_size[DAEDALUS_MAX_PLANES];
	u32 num_color_planes;
	struct daedalus_color_plane color[DAEDALUS_MAX_PLANES];
};

extern const struct daedalus_raw_fmt daedalus_raw_fmts[];
extern const unsigned int daedalus_num_raw_fmts;

const struct daedalus_raw_fmt *daedalus_find_raw_fmt(u32 fourcc);
void daedalus_cap_fmt_fill(struct v4l2_pix_format_mplane *f, u32 fourcc,
			   u32 width, u32 height);
u32 daedalus_cap_plane_room(const struct v4l2_pix_format_mplane *f,
			    unsigned int plane);
void daedalus_cap_layout_fill(struct daedalus_cap_layout *l,
			      const struct v4l2_pix_format_mplane *f);
bool daedalus_format_msg_valid(const struct daedalus_msg_format *m);
bool daedalus_frame_msg_valid(const struct daedalus_msg_frame *m);
bool daedalus_frame_fits(const struct daedalus_msg_frame *m,
			 unsigned int num_planes, const u32 *length);

#endif /* _DAEDALUS_LAYOUT_H */
