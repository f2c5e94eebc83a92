// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the raw formats CAPTURE can take, their memory layout,
 * and the checks of the daemon's messages that need no state.  Free of
 * kernel state: the unit tests' kernel emulator (tests/check/fakekernel.c)
 * builds this file too, so that it lays buffers out as the module does and
 * refuses what the module refuses.
 */

#ifdef __KERNEL__
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include "kshim.h"	/* tests/check: the kernel helpers used here */
#endif

#include "daedalus-layout.h"

/*
 * The raw formats CAPTURE can take.  A stream's formats share its chroma
 * subsampling; within it, ENUM_FMT lists them in this order (after the one
 * the daemon names as the stream's own).  Every line but P010 is 8 bits.
 * YUV420 comes first: what most software decoders give, and the default
 * before the stream is known (its description is the one v4l2-compliance
 * 1.22 expects too: NV12's changed, which ends its format enumeration).
 */

const struct daedalus_raw_fmt daedalus_raw_fmts[] = {
	/* fourcc               depth bps hsub vsub mem colour */
	{ V4L2_PIX_FMT_YUV420,	8,  1,  2,  2,  1,  3 },
	{ V4L2_PIX_FMT_NV12,	8,  1,  2,  2,  1,  2 },
	{ V4L2_PIX_FMT_NV12M,	8,  1,  2,  2,  2,  2 },
	{ V4L2_PIX_FMT_YUV420M,	8,  1,  2,  2,  3,  3 },
	{ V4L2_PIX_FMT_P010,	10, 2,  2,  2,  1,  2 },
	{ V4L2_PIX_FMT_NV16,	8,  1,  2,  1,  1,  2 },
	{ V4L2_PIX_FMT_YUV422P,	8,  1,  2,  1,  1,  3 },
	{ V4L2_PIX_FMT_YUV422M,	8,  1,  2,  1,  3,  3 },
	{ V4L2_PIX_FMT_YUV444M,	8,  1,  1,  1,  3,  3 },
	{ V4L2_PIX_FMT_NV24,	8,  1,  1,  1,  1,  2 },
};

const unsigned int daedalus_num_raw_fmts = ARRAY_SIZE(daedalus_raw_fmts);

const struct daedalus_raw_fmt *daedalus_find_raw_fmt(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(daedalus_raw_fmts); i++)
		if (daedalus_raw_fmts[i].fourcc == fourcc)
			return &daedalus_raw_fmts[i];
	return NULL;
}

/*
 * A client's bytesperline if it is enough and at most twice @min (no
 * buffers much larger than the frames), else @min; aligned.
 */
static u32 line_bytes(u32 asked, u32 min, u32 align)
{
	if (asked < min || asked > 2 * min)
		return min;
	return ALIGN(asked, align);
}

/**
 * daedalus_cap_fmt_fill() - a frame-buffer format and its planes
 * @f: the format; its bytesperline are taken as the client's wish (0:
 *	none), the rest is overwritten
 * @fourcc: a raw format of daedalus_raw_fmts[]
 * @width: coded width
 * @height: coded height
 *
 * Lines are 16-byte aligned (luma lines of one-buffer planar formats 32,
 * so that chroma lines, half as long, are too), or longer when the client
 * asks for it.
 */
void daedalus_cap_fmt_fill(struct v4l2_pix_format_mplane *f, u32 fourcc,
			   u32 width, u32 height)
{
	const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt(fourcc);
	u32 w, h, cw, ch, bpl, cbpl;
	unsigned int i;

	if (WARN_ON(!r))
		r = &daedalus_raw_fmts[0];
	w = ALIGN(width, r->hsub);
	h = ALIGN(height, r->vsub);
	/* bytes of one chroma line: both samples in a semi-planar plane */
	cw = w / r->hsub * r->bps * (r->color_planes == 2 ? 2 : 1);
	ch = h / r->vsub;

	f->pixelformat = r->fourcc;
	f->width = w;
	f->height = h;
	f->field = V4L2_FIELD_NONE;
	f->num_planes = r->mem_planes;
	f->flags = 0;
	if (r->mem_planes == 1) {
		u32 align = DAEDALUS_STRIDE_ALIGN *
			    (r->color_planes == 3 ? r->hsub : 1);

		bpl = line_bytes(f->plane_fmt[0].bytesperline,
				 ALIGN(w * r->bps, align), align);
		cbpl = bpl / r->hsub * (r->color_planes == 2 ? 2 : 1);
		f->plane_fmt[0].bytesperline = bpl;
		f->plane_fmt[0].sizeimage = bpl * h +
					    cbpl * ch * (r->color_planes - 1);
	} else {
		for (i = 0; i < r->mem_planes; i++) {
			u32 min = ALIGN(i ? cw : w * r->bps,
					DAEDALUS_STRIDE_ALIGN);

			bpl = line_bytes(f->plane_fmt[i].bytesperline, min,
					 DAEDALUS_STRIDE_ALIGN);
			f->plane_fmt[i].bytesperline = bpl;
			f->plane_fmt[i].sizeimage = bpl * (i ? ch : h);
		}
	}
	for (i = 0; i < VIDEO_MAX_PLANES; i++) {
		if (i >= r->mem_planes) {
			f->plane_fmt[i].bytesperline = 0;
			f->plane_fmt[i].sizeimage = 0;
		}
		memset(f->plane_fmt[i].reserved, 0,
		       sizeof(f->plane_fmt[i].reserved));
	}
	memset(f->reserved, 0, sizeof(f->reserved));
}

/**
 * daedalus_cap_plane_room() - bytes the node allocates for a memory plane
 * @f: a format daedalus_cap_fmt_fill() filled
 * @plane: its memory plane
 *
 * More than sizeimage for the formats with a memory plane per colour plane:
 * each has room for DAEDALUS_CAP_ROOM_ALIGN-aligned height plus
 * DAEDALUS_CAP_ROOM_LINES luma lines (chroma lines in proportion), so that
 * a decoder that writes whole macroblock or superblock rows, and reads a
 * few lines past them (FFmpeg's avcodec_align_dimensions2()), can render
 * into the client's buffer.  The colour planes of a one-plane format follow
 * each other: no room between them can be made.
 */
u32 daedalus_cap_plane_room(const struct v4l2_pix_format_mplane *f,
			    unsigned int plane)
{
	const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt(f->pixelformat);
	u32 lines;

	if (WARN_ON(!r) || plane >= f->num_planes)
		return 0;
	if (r->mem_planes == 1)
		return f->plane_fmt[0].sizeimage;
	lines = ALIGN(f->height, DAEDALUS_CAP_ROOM_ALIGN) + DAEDALUS_CAP_ROOM_LINES;
	if (plane)
		lines /= r->vsub;
	return f->plane_fmt[plane].bytesperline * lines;
}

void daedalus_cap_layout_fill(struct daedalus_cap_layout *l,
			      const struct v4l2_pix_format_mplane *f)
{
	const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt(f->pixelformat);
	u32 bpl = f->plane_fmt[0].bytesperline;
	u32 ch, cbpl;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	if (WARN_ON(!r))
		return;
	l->pixelformat = f->pixelformat;
	l->width = f->width;
	l->height = f->height;
	l->num_mem_planes = r->mem_planes;
	for (i = 0; i < r->mem_planes; i++)
		l->mem_size[i] = f->plane_fmt[i].sizeimage;
	l->num_color_planes = r->color_planes;
	if (r->mem_planes > 1) {
		/* one colour plane per memory plane */
		for (i = 0; i < r->color_planes; i++) {
			l->color[i].mem_plane = i;
			l->color[i].stride = f->plane_fmt[i].bytesperline;
		}
		return;
	}
	ch = f->height / r->vsub;
	cbpl = bpl / r->hsub * (r->color_planes == 2 ? 2 : 1);
	l->color[0].stride = bpl;
	for (i = 1; i < r->color_planes; i++) {
		l->color[i].offset = bpl * f->height + (i - 1) * cbpl * ch;
		l->color[i].stride = cbpl;
	}
}

/*
 * A FORMAT message the node can take: a raw format of its own, at most as
 * deep as the stream, sizes and enums in range.
 */
bool daedalus_format_msg_valid(const struct daedalus_msg_format *m)
{
	const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt(m->pixelformat);

	if (memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return false;
	if (!r || m->bit_depth < r->depth || m->bit_depth > 16)
		return false;
	if (m->width < DAEDALUS_MIN_SIZE || m->width > DAEDALUS_MAX_WIDTH ||
	    m->height < DAEDALUS_MIN_SIZE || m->height > DAEDALUS_MAX_HEIGHT)
		return false;
	if (!m->visible_width || !m->visible_height ||
	    m->visible_left >= m->width || m->visible_top >= m->height ||
	    m->visible_width > m->width - m->visible_left ||
	    m->visible_height > m->height - m->visible_top)
		return false;
	if (m->min_buffers < 1 || m->min_buffers > DAEDALUS_MAX_CAP_BUFS)
		return false;
	if (m->colorspace > V4L2_COLORSPACE_DCI_P3 ||
	    m->xfer_func > V4L2_XFER_FUNC_SMPTE2084 ||
	    m->ycbcr_enc > V4L2_YCBCR_ENC_SMPTE240M ||
	    m->quantization > V4L2_QUANTIZATION_LIM_RANGE)
		return false;
	return true;
}

/*
 * What a FRAME message may say on its own: known flags, one to
 * DAEDALUS_MAX_PLANES planes and nothing in the others, reserved zero.
 */
bool daedalus_frame_msg_valid(const struct daedalus_msg_frame *m)
{
	unsigned int i;

	if (m->flags & ~(DAEDALUS_FRAME_FLAG_ERROR | DAEDALUS_FRAME_FLAG_KEYFRAME) ||
	    !m->num_planes || m->num_planes > DAEDALUS_MAX_PLANES ||
	    memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return false;
	for (i = m->num_planes; i < DAEDALUS_MAX_PLANES; i++)
		if (m->bytesused[i])
			return false;
	return true;
}

/*
 * Whether a FRAME fits the buffer it names, whose @num_planes memory planes
 * are @length bytes long: as many planes, none longer than its memory, and
 * only a failed frame may be empty.
 */
bool daedalus_frame_fits(const struct daedalus_msg_frame *m,
			 unsigned int num_planes, const u32 *length)
{
	unsigned int i;

	if (m->num_planes != num_planes)
		return false;
	for (i = 0; i < num_planes; i++)
		if ((!m->bytesused[i] && !(m->flags & DAEDALUS_FRAME_FLAG_ERROR)) ||
		    m->bytesused[i] > length[i])
			return false;
	return true;
}
