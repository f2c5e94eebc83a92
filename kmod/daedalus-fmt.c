// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the formats of the video node.  OUTPUT takes the coded
 * formats the daemon decodes; CAPTURE is what the stream is.
 */

#include <linux/string.h>
#include <linux/videodev2.h>

#include "daedalus.h"

#define DAEDALUS_STRIDE_ALIGN	16

const struct daedalus_coded_fmt *daedalus_find_coded_fmt(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < daedalus_num_coded_fmts; i++)
		if (daedalus_coded_fmts[i].fourcc == fourcc)
			return &daedalus_coded_fmts[i];
	return NULL;
}

/*
 * @fourcc if the node offers it now (the module knows it and the daemon
 * decodes it), else the first coded format the node offers.
 */
static u32 offered_coded_fourcc(struct daedalus_dev *dev, u32 fourcc)
{
	unsigned int i;

	if (daedalus_find_coded_fmt(fourcc) && daedalus_daemon_has_codec(dev, fourcc))
		return fourcc;
	for (i = 0; i < daedalus_num_coded_fmts; i++)
		if (daedalus_daemon_has_codec(dev,
					      daedalus_coded_fmts[i].fourcc))
			return daedalus_coded_fmts[i].fourcc;
	/* a daemon that decodes none of them: streaming fails at STREAMON */
	return daedalus_coded_fmts[0].fourcc;
}

static void fix_colorimetry(struct v4l2_pix_format_mplane *f)
{
	if (f->colorspace == V4L2_COLORSPACE_DEFAULT ||
	    f->colorspace > V4L2_COLORSPACE_DCI_P3)
		f->colorspace = V4L2_COLORSPACE_REC709;
	if (f->xfer_func > V4L2_XFER_FUNC_SMPTE2084)
		f->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	if (f->ycbcr_enc > V4L2_YCBCR_ENC_SMPTE240M)
		f->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	if (f->quantization > V4L2_QUANTIZATION_LIM_RANGE)
		f->quantization = V4L2_QUANTIZATION_DEFAULT;
}

void daedalus_out_fmt_adjust(struct daedalus_dev *dev,
			     struct v4l2_pix_format_mplane *f)
{
	u32 need;

	f->pixelformat = offered_coded_fourcc(dev, f->pixelformat);
	f->width = clamp_t(u32, f->width, DAEDALUS_MIN_SIZE, DAEDALUS_MAX_WIDTH);
	f->height = clamp_t(u32, f->height, DAEDALUS_MIN_SIZE,
			    DAEDALUS_MAX_HEIGHT);
	f->field = V4L2_FIELD_NONE;
	f->num_planes = 1;
	f->flags = 0;
	fix_colorimetry(f);

	/* FFmpeg asks for 128 bytes when the container has no size hint */
	need = clamp_t(u32, f->width * f->height * 3 / 4, DAEDALUS_MIN_AU_SIZE,
		       DAEDALUS_MAX_AU_SIZE);
	f->plane_fmt[0].sizeimage = clamp_t(u32, f->plane_fmt[0].sizeimage,
					    need, DAEDALUS_MAX_AU_SIZE);
	f->plane_fmt[0].bytesperline = 0;
	memset(f->plane_fmt[0].reserved, 0, sizeof(f->plane_fmt[0].reserved));
	memset(f->reserved, 0, sizeof(f->reserved));
}

/*
 * The raw formats CAPTURE can take.  A stream's formats share its chroma
 * subsampling; within it, ENUM_FMT lists them in this order (after the one
 * the daemon names as the stream's own).  Every line but P010 is 8 bits.
 * YUV420 comes first: what most software decoders give, and the default
 * before the stream is known (its description is the one v4l2-compliance
 * 1.22 expects too: NV12's changed, which ends its format enumeration).
 */
static const struct daedalus_raw_fmt daedalus_raw_fmts[] = {
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

const struct daedalus_raw_fmt *daedalus_find_raw_fmt(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(daedalus_raw_fmts); i++)
		if (daedalus_raw_fmts[i].fourcc == fourcc)
			return &daedalus_raw_fmts[i];
	return NULL;
}

/*
 * Where @r stands in the list offered for a stream whose own format is
 * @own: 0 for @own itself, 1 for the other formats of its subsampling and
 * depth, 2 for those of its subsampling at a lower depth (converted), or
 * -1 when not offered.
 */
static int offer_rank(const struct daedalus_raw_fmt *own,
		      const struct daedalus_raw_fmt *r)
{
	if (r == own)
		return 0;
	if (r->hsub != own->hsub || r->vsub != own->vsub ||
	    r->depth > own->depth)
		return -1;
	return r->depth == own->depth ? 1 : 2;
}

/**
 * daedalus_cap_fourcc_offered() - the CAPTURE formats ENUM_FMT lists
 * @own: the stream's own format (FORMAT's pixelformat), 0 while it is
 *	not known: then every raw format is offered
 * @index: ENUM_FMT's index
 *
 * Return: the @index-th format offered, 0 past the end.
 */
u32 daedalus_cap_fourcc_offered(u32 own, unsigned int index)
{
	const struct daedalus_raw_fmt *o = daedalus_find_raw_fmt(own);
	unsigned int i;
	int rank;

	if (!o)
		return index < ARRAY_SIZE(daedalus_raw_fmts) ?
		       daedalus_raw_fmts[index].fourcc : 0;
	for (rank = 0; rank <= 2; rank++)
		for (i = 0; i < ARRAY_SIZE(daedalus_raw_fmts); i++)
			if (offer_rank(o, &daedalus_raw_fmts[i]) == rank &&
			    !index--)
				return daedalus_raw_fmts[i].fourcc;
	return 0;
}

bool daedalus_cap_fourcc_is_offered(u32 own, u32 fourcc)
{
	const struct daedalus_raw_fmt *o = daedalus_find_raw_fmt(own);
	const struct daedalus_raw_fmt *r = daedalus_find_raw_fmt(fourcc);

	return r && (!o || offer_rank(o, r) >= 0);
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

void daedalus_copy_colorimetry(struct v4l2_pix_format_mplane *dst,
			       const struct v4l2_pix_format_mplane *src)
{
	dst->colorspace = src->colorspace;
	dst->xfer_func = src->xfer_func;
	dst->ycbcr_enc = src->ycbcr_enc;
	dst->quantization = src->quantization;
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
