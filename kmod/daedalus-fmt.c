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

/* the NV12 frame-buffer format of a coded size */
void daedalus_cap_fmt_fill(struct v4l2_pix_format_mplane *f, u32 width,
			   u32 height)
{
	u32 bpl;

	f->pixelformat = V4L2_PIX_FMT_NV12;
	f->width = ALIGN(width, 2);
	f->height = ALIGN(height, 2);
	f->field = V4L2_FIELD_NONE;
	f->num_planes = 1;
	f->flags = 0;
	bpl = ALIGN(f->width, DAEDALUS_STRIDE_ALIGN);
	f->plane_fmt[0].bytesperline = bpl;
	f->plane_fmt[0].sizeimage = bpl * f->height * 3 / 2;
	memset(f->plane_fmt[0].reserved, 0, sizeof(f->plane_fmt[0].reserved));
	memset(f->reserved, 0, sizeof(f->reserved));
}

void daedalus_cap_layout_fill(struct daedalus_cap_layout *l,
			      const struct v4l2_pix_format_mplane *f)
{
	u32 bpl = f->plane_fmt[0].bytesperline;

	memset(l, 0, sizeof(*l));
	l->pixelformat = f->pixelformat;
	l->width = f->width;
	l->height = f->height;
	l->num_mem_planes = 1;
	l->mem_size[0] = f->plane_fmt[0].sizeimage;
	l->num_color_planes = 2;
	l->color[0].stride = bpl;
	l->color[1].offset = bpl * f->height;
	l->color[1].stride = bpl;
}

void daedalus_copy_colorimetry(struct v4l2_pix_format_mplane *dst,
			       const struct v4l2_pix_format_mplane *src)
{
	dst->colorspace = src->colorspace;
	dst->xfer_func = src->xfer_func;
	dst->ycbcr_enc = src->ycbcr_enc;
	dst->quantization = src->quantization;
}

/* a FORMAT message the node can take: NV12, sizes and enums in range */
bool daedalus_format_msg_valid(const struct daedalus_msg_format *m)
{
	if (memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return false;
	if (m->pixelformat != V4L2_PIX_FMT_NV12 || m->bit_depth != 8)
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
