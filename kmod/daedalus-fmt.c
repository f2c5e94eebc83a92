// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the formats of the video node.  OUTPUT takes the coded
 * formats the daemon decodes; CAPTURE is what the stream is.
 */

#include <linux/string.h>
#include <linux/videodev2.h>

#include "daedalus.h"

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
		return index < daedalus_num_raw_fmts ?
		       daedalus_raw_fmts[index].fourcc : 0;
	for (rank = 0; rank <= 2; rank++)
		for (i = 0; i < daedalus_num_raw_fmts; i++)
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

void daedalus_copy_colorimetry(struct v4l2_pix_format_mplane *dst,
			       const struct v4l2_pix_format_mplane *src)
{
	dst->colorspace = src->colorspace;
	dst->xfer_func = src->xfer_func;
	dst->ycbcr_enc = src->ycbcr_enc;
	dst->quantization = src->quantization;
}
