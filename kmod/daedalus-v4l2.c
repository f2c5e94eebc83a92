// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the video node, its vb2 queues and the stateful decoder
 * state machine (Documentation/userspace-api/media/v4l/dev-decoder.rst).
 *
 * There is no v4l2-mem2mem here: distribution kernels do not all build
 * it.  Each context owns two vb2 queues; OUTPUT buffers go to the daemon
 * as DECODE messages as soon as they are queued, CAPTURE buffers are
 * announced to it, and the daemon's messages (validated by the chardev)
 * drive buffer completion, format changes and the end of a drain.
 *
 * Nothing here ever waits for the daemon.
 */

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/videodev2.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-vmalloc.h>

#include "daedalus.h"

#define DAEDALUS_DEF_MIN_BUFS	4
#define DAEDALUS_STRIDE_ALIGN	16

static const struct v4l2_event daedalus_ev_src_change = {
	.type = V4L2_EVENT_SOURCE_CHANGE,
	.u.src_change.changes = V4L2_EVENT_SRC_CH_RESOLUTION,
};

static const struct v4l2_event daedalus_ev_eos = {
	.type = V4L2_EVENT_EOS,
};

/* ---- formats ------------------------------------------------------- */

static const struct daedalus_coded_fmt *find_coded_fmt(u32 fourcc)
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

	if (find_coded_fmt(fourcc) && daedalus_daemon_has_codec(dev, fourcc))
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

static void out_fmt_adjust(struct daedalus_dev *dev,
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
static void cap_fmt_fill(struct v4l2_pix_format_mplane *f, u32 width,
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

static void cap_layout_fill(struct daedalus_cap_layout *l,
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

static void copy_colorimetry(struct v4l2_pix_format_mplane *dst,
			     const struct v4l2_pix_format_mplane *src)
{
	dst->colorspace = src->colorspace;
	dst->xfer_func = src->xfer_func;
	dst->ycbcr_enc = src->ycbcr_enc;
	dst->quantization = src->quantization;
}

/* ---- buffer completion, under ctx->lock ------------------------------ */

static void out_done_locked(struct daedalus_ctx *ctx, struct daedalus_buffer *buf,
			    enum vb2_buffer_state state)
{
	buf->vb.sequence = ctx->out_seq++;
	vb2_buffer_done(&buf->vb.vb2_buf, state);
}

static void return_list_locked(struct list_head *list,
			       enum vb2_buffer_state state)
{
	struct daedalus_buffer *buf, *tmp;

	list_for_each_entry_safe(buf, tmp, list, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, state);
	}
}

static void apply_meta(struct vb2_v4l2_buffer *vbuf,
		       const struct daedalus_au_meta *meta)
{
	vbuf->vb2_buf.timestamp = meta->timestamp;
	vbuf->timecode = meta->timecode;
	vbuf->field = meta->field;
	vbuf->flags &= ~(V4L2_BUF_FLAG_TIMECODE | V4L2_BUF_FLAG_TSTAMP_SRC_MASK);
	vbuf->flags |= meta->flags;
}

/* return @buf empty with LAST: the end of a drain or of a resolution */
static void last_done_locked(struct daedalus_ctx *ctx,
			     struct daedalus_buffer *buf, bool eos)
{
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	unsigned int i;

	for (i = 0; i < vb->num_planes; i++)
		vb2_set_plane_payload(vb, i, 0);
	apply_meta(&buf->vb, &ctx->last_meta);
	buf->vb.flags |= V4L2_BUF_FLAG_LAST;
	buf->vb.sequence = ctx->cap_seq++;
	vb2_buffer_done(vb, VB2_BUF_STATE_DONE);
	ctx->stopped = true;
	if (eos)
		v4l2_event_queue_fh(&ctx->fh, &daedalus_ev_eos);
}

/*
 * Take every announced CAPTURE buffer back from the daemon (a new
 * generation) and return one of them, or the next one queued, as LAST.
 * @reset is a preallocated CAPTURE_RESET message, consumed.
 */
static void reclaim_and_last_locked(struct daedalus_ctx *ctx,
				    struct daedalus_qmsg *reset, bool eos)
{
	struct daedalus_msg_capture_reset *m = (void *)reset->data;
	struct daedalus_buffer *buf;

	ctx->cap_gen++;
	list_splice_init(&ctx->cap_avail, &ctx->cap_held);
	m->generation = ctx->cap_gen;
	daedalus_send(ctx->dev, reset, ctx->conn_seq);

	buf = list_first_entry_or_null(&ctx->cap_held, struct daedalus_buffer,
				       list);
	if (buf) {
		list_del(&buf->list);
		last_done_locked(ctx, buf, eos);
	} else {
		ctx->next_buf_last = true;
		ctx->next_last_eos = eos;
		ctx->stopped = true;
	}
}

static struct daedalus_qmsg *alloc_reset(struct daedalus_ctx *ctx)
{
	return daedalus_msg_alloc(DAEDALUS_MSG_CAPTURE_RESET, ctx->stream_id,
				  sizeof(struct daedalus_msg_capture_reset));
}

/* ---- watchdog ---------------------------------------------------------- */

/*
 * The daemon owes the stream progress when it holds access units (or a
 * drain) and nothing it waits for is missing: before FORMAT it needs no
 * CAPTURE buffer, after it at least one announced buffer.
 */
static bool daemon_owes_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->failed && !ctx->closed &&
	       (!list_empty(&ctx->out_pending) || ctx->draining) &&
	       (!ctx->fmt_known || !list_empty(&ctx->cap_avail));
}

static void daedalus_watchdog(struct work_struct *work)
{
	struct daedalus_ctx *ctx = container_of(to_delayed_work(work),
						struct daedalus_ctx, watchdog);
	unsigned int ms = READ_ONCE(daedalus_watchdog_ms);
	struct daedalus_qmsg *qm;
	bool fire, again;
	u64 seq;

	qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_CLOSE, ctx->stream_id,
				sizeof(struct daedalus_msg_stream_close));

	spin_lock(&ctx->lock);
	again = ctx->opened && !ctx->closed;
	fire = again && ms && daemon_owes_locked(ctx) &&
	       time_after(jiffies, ctx->wd_stamp + msecs_to_jiffies(ms));
	seq = ctx->conn_seq;
	spin_unlock(&ctx->lock);

	if (fire) {
		v4l2_warn(&ctx->dev->v4l2_dev,
			  "stream %llu: the daemon made no progress for %u ms, failing the stream\n",
			  ctx->stream_id, ms);
		daedalus_fail_stream(ctx, seq);
		/* the daemon's pipeline for it is of no use any more */
		daedalus_purge_stream(ctx->dev, ctx->stream_id);
		if (qm)
			daedalus_send(ctx->dev, qm, seq);
		qm = NULL;
		again = false;
	}
	if (qm)
		daedalus_msg_free(qm);
	if (again)
		schedule_delayed_work(&ctx->watchdog, HZ / 2);
}

/* ---- feeding the daemon ---------------------------------------------- */

static bool out_may_send_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->failed && !ctx->closed &&
	       ctx->out_streaming && !ctx->draining && !ctx->stopped;
}

static bool cap_may_announce_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->failed && !ctx->closed &&
	       ctx->cap_streaming && ctx->fmt_known && !ctx->drc &&
	       !ctx->stopped;
}

static struct daedalus_qmsg *build_decode(struct daedalus_ctx *ctx,
					  struct daedalus_buffer *buf)
{
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	struct daedalus_msg_decode *m;
	struct daedalus_qmsg *qm;
	u32 offset = vb->planes[0].data_offset;
	u32 payload = vb2_get_plane_payload(vb, 0);
	void *vaddr = vb2_plane_vaddr(vb, 0);

	if (!vaddr || offset > payload || payload - offset > DAEDALUS_MAX_AU_SIZE)
		return ERR_PTR(-EINVAL);
	payload -= offset;

	qm = daedalus_msg_alloc(DAEDALUS_MSG_DECODE, ctx->stream_id,
				sizeof(*m) + payload);
	if (!qm)
		return ERR_PTR(-ENOMEM);
	m = (void *)qm->data;
	m->cookie = buf->cookie;
	m->timestamp = vb->timestamp;
	m->bytesused = payload;
	if (buf->vb.flags & V4L2_BUF_FLAG_KEYFRAME)
		m->flags |= DAEDALUS_DECODE_FLAG_KEYFRAME;
	memcpy(m + 1, vaddr + offset, payload);
	return qm;
}

/*
 * Send held OUTPUT buffers, in order, while the state allows it.
 * Context: process, with ctx->ioctl_lock held (so callers are serialised
 * and the buffers' memory stays put while it is copied).
 */
static void kick_out(struct daedalus_ctx *ctx)
{
	struct daedalus_buffer *buf;
	struct daedalus_qmsg *qm;

	lockdep_assert_held(&ctx->ioctl_lock);

	for (;;) {
		spin_lock(&ctx->lock);
		buf = out_may_send_locked(ctx) ?
			list_first_entry_or_null(&ctx->out_held,
						 struct daedalus_buffer, list) :
			NULL;
		spin_unlock(&ctx->lock);
		if (!buf)
			return;

		qm = NULL;
		if (vb2_get_plane_payload(&buf->vb.vb2_buf, 0) >
		    buf->vb.vb2_buf.planes[0].data_offset)
			qm = build_decode(ctx, buf);

		spin_lock(&ctx->lock);
		if (list_first_entry_or_null(&ctx->out_held,
					     struct daedalus_buffer, list) != buf) {
			/* failed or flushed meanwhile: it was returned */
			spin_unlock(&ctx->lock);
			if (!IS_ERR_OR_NULL(qm))
				daedalus_msg_free(qm);
			continue;
		}
		list_del(&buf->list);
		if (!qm) {
			/* an empty buffer carries nothing to decode */
			out_done_locked(ctx, buf, VB2_BUF_STATE_DONE);
		} else if (IS_ERR(qm)) {
			out_done_locked(ctx, buf, VB2_BUF_STATE_ERROR);
		} else {
			((struct daedalus_msg_decode *)qm->data)->epoch = ctx->epoch;
			if (list_empty(&ctx->out_pending))
				ctx->wd_stamp = jiffies;
			list_add_tail(&buf->list, &ctx->out_pending);
			if (daedalus_send(ctx->dev, qm, ctx->conn_seq)) {
				list_del(&buf->list);
				out_done_locked(ctx, buf, VB2_BUF_STATE_ERROR);
			} else {
				ctx->sent_since_drain++;
			}
		}
		spin_unlock(&ctx->lock);
	}
}

static void fill_announce(struct daedalus_ctx *ctx, struct daedalus_qmsg *qm,
			  struct daedalus_buffer *buf)
{
	struct daedalus_msg_capture_buffer *m = (void *)qm->data;
	const struct daedalus_cap_layout *l = &ctx->layout;
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	unsigned int i;

	m->index = vb->index;
	m->generation = ctx->cap_gen;
	m->pixelformat = l->pixelformat;
	m->width = l->width;
	m->height = l->height;
	m->num_mem_planes = l->num_mem_planes;
	for (i = 0; i < l->num_mem_planes; i++)
		m->mem_plane_length[i] = vb->planes[i].length;
	m->num_color_planes = l->num_color_planes;
	memcpy(m->color_planes, l->color, sizeof(m->color_planes));
}

static bool buf_fits_layout(struct daedalus_ctx *ctx, struct vb2_buffer *vb)
{
	unsigned int i;

	if (vb->num_planes != ctx->layout.num_mem_planes)
		return false;
	for (i = 0; i < vb->num_planes; i++)
		if (vb->planes[i].length < ctx->layout.mem_size[i])
			return false;
	return true;
}

/*
 * Announce held CAPTURE buffers to the daemon while the state allows it.
 * Context: process; takes ctx->lock.
 */
static void kick_cap(struct daedalus_ctx *ctx)
{
	struct daedalus_buffer *buf;
	struct daedalus_qmsg *qm;

	for (;;) {
		qm = daedalus_msg_alloc(DAEDALUS_MSG_CAPTURE_BUFFER,
					ctx->stream_id,
					sizeof(struct daedalus_msg_capture_buffer));
		if (!qm)
			return;

		spin_lock(&ctx->lock);
		buf = cap_may_announce_locked(ctx) ?
			list_first_entry_or_null(&ctx->cap_held,
						 struct daedalus_buffer, list) :
			NULL;
		if (!buf) {
			spin_unlock(&ctx->lock);
			daedalus_msg_free(qm);
			return;
		}
		if (!buf_fits_layout(ctx, &buf->vb.vb2_buf)) {
			/* allocated for an older format: useless now */
			list_del(&buf->list);
			vb2_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_ERROR);
			spin_unlock(&ctx->lock);
			daedalus_msg_free(qm);
			continue;
		}
		fill_announce(ctx, qm, buf);
		if (list_empty(&ctx->cap_avail))
			ctx->wd_stamp = jiffies;
		list_move_tail(&buf->list, &ctx->cap_avail);
		if (daedalus_send(ctx->dev, qm, ctx->conn_seq)) {
			list_move(&buf->list, &ctx->cap_held);
			spin_unlock(&ctx->lock);
			return;
		}
		spin_unlock(&ctx->lock);
	}
}

/* send STREAM_OPEN if the stream is not open on the current daemon */
static int open_stream(struct daedalus_ctx *ctx)
{
	struct daedalus_msg_stream_open *m;
	struct daedalus_qmsg *qm;
	u64 seq;
	int ret;

	spin_lock(&ctx->lock);
	ret = ctx->opened ? 1 : 0;
	spin_unlock(&ctx->lock);
	if (ret)
		return 0;

	if (!daedalus_daemon_ready(ctx->dev, &seq))
		return -ENODEV;

	qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_OPEN, ctx->stream_id,
				sizeof(*m));
	if (!qm)
		return -ENOMEM;
	m = (void *)qm->data;
	m->codec = ctx->out_fmt.pixelformat;
	m->width = ctx->out_fmt.width;
	m->height = ctx->out_fmt.height;
	m->capture_fourcc = ctx->cap_fmt.pixelformat;
	m->colorspace = ctx->out_fmt.colorspace;
	m->xfer_func = ctx->out_fmt.xfer_func;
	m->ycbcr_enc = ctx->out_fmt.ycbcr_enc;
	m->quantization = ctx->out_fmt.quantization;

	spin_lock(&ctx->lock);
	ctx->conn_seq = seq;
	ctx->opened = true;
	ctx->failed = false;
	ctx->fmt_known = false;
	ctx->wd_stamp = jiffies;
	ret = daedalus_send(ctx->dev, qm, seq);
	if (ret) {
		ctx->opened = false;
		ret = -ENODEV;
	}
	spin_unlock(&ctx->lock);
	if (!ret)
		schedule_delayed_work(&ctx->watchdog, HZ / 2);
	return ret;
}

/* ---- vb2 ------------------------------------------------------------- */

static int daedalus_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
				unsigned int *nplanes, unsigned int sizes[],
				struct device *alloc_devs[])
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(q);
	bool out = V4L2_TYPE_IS_OUTPUT(q->type);
	struct v4l2_pix_format_mplane *f = out ? &ctx->out_fmt : &ctx->cap_fmt;
	unsigned int i;

	if (*nplanes) {
		if (*nplanes != f->num_planes)
			return -EINVAL;
		for (i = 0; i < *nplanes; i++)
			if (sizes[i] < f->plane_fmt[i].sizeimage)
				return -EINVAL;
		if (out && sizes[0] > DAEDALUS_MAX_AU_SIZE)
			return -EINVAL;
		return 0;
	}

	*nplanes = f->num_planes;
	for (i = 0; i < f->num_planes; i++)
		sizes[i] = f->plane_fmt[i].sizeimage;
	if (!out)
		*nbuffers = clamp_t(unsigned int, *nbuffers,
				    v4l2_ctrl_g_ctrl(ctx->min_bufs_ctrl),
				    DAEDALUS_MAX_CAP_BUFS);
	return 0;
}

static int daedalus_buf_out_validate(struct vb2_buffer *vb)
{
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);

	if (vbuf->field == V4L2_FIELD_ANY)
		vbuf->field = V4L2_FIELD_NONE;
	return vbuf->field == V4L2_FIELD_NONE ? 0 : -EINVAL;
}

static int daedalus_buf_prepare(struct vb2_buffer *vb)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	unsigned int i;

	if (V4L2_TYPE_IS_OUTPUT(vb->type))
		return 0;
	for (i = 0; i < vb->num_planes; i++)
		if (vb2_plane_size(vb, i) < ctx->cap_fmt.plane_fmt[i].sizeimage)
			return -EINVAL;
	return 0;
}

static void out_buf_queue(struct daedalus_ctx *ctx, struct daedalus_buffer *buf)
{
	struct daedalus_au_meta *meta;

	spin_lock(&ctx->lock);
	buf->cookie = ++ctx->next_cookie;
	meta = &ctx->meta[buf->cookie % DAEDALUS_META_SLOTS];
	meta->cookie = buf->cookie;
	meta->timestamp = buf->vb.vb2_buf.timestamp;
	meta->timecode = buf->vb.timecode;
	meta->flags = buf->vb.flags &
		      (V4L2_BUF_FLAG_TIMECODE | V4L2_BUF_FLAG_TSTAMP_SRC_MASK);
	meta->field = buf->vb.field;
	ctx->last_meta = *meta;

	if (ctx->failed)
		out_done_locked(ctx, buf, VB2_BUF_STATE_ERROR);
	else
		list_add_tail(&buf->list, &ctx->out_held);
	spin_unlock(&ctx->lock);

	kick_out(ctx);
}

static void cap_buf_queue(struct daedalus_ctx *ctx, struct daedalus_buffer *buf)
{
	spin_lock(&ctx->lock);
	if (ctx->next_buf_last) {
		ctx->next_buf_last = false;
		last_done_locked(ctx, buf, ctx->next_last_eos);
	} else {
		list_add_tail(&buf->list, &ctx->cap_held);
	}
	spin_unlock(&ctx->lock);

	kick_cap(ctx);
}

static void daedalus_buf_queue(struct vb2_buffer *vb)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);

	if (V4L2_TYPE_IS_OUTPUT(vb->type))
		out_buf_queue(ctx, to_dbuf(vb));
	else
		cap_buf_queue(ctx, to_dbuf(vb));
}

static int daedalus_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(q);

	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		spin_lock(&ctx->lock);
		ctx->out_seq = 0;
		ctx->out_streaming = true;
		spin_unlock(&ctx->lock);
		/*
		 * Failing here would fail STREAMON for a condition that can
		 * change any time; a stream without a daemon fails its
		 * buffers instead (STREAMON checked for a daemon already).
		 */
		if (open_stream(ctx)) {
			spin_lock(&ctx->lock);
			ctx->failed = true;
			return_list_locked(&ctx->out_held, VB2_BUF_STATE_ERROR);
			spin_unlock(&ctx->lock);
		}
		kick_out(ctx);
	} else {
		spin_lock(&ctx->lock);
		ctx->cap_seq = 0;
		ctx->cap_streaming = true;
		spin_unlock(&ctx->lock);
		kick_cap(ctx);
	}
	return 0;
}

static void daedalus_stop_streaming(struct vb2_queue *q)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(q);
	struct daedalus_qmsg *flush = NULL, *reset;
	bool purge = false;

	reset = alloc_reset(ctx);
	if (V4L2_TYPE_IS_OUTPUT(q->type))
		flush = daedalus_msg_alloc(DAEDALUS_MSG_FLUSH, ctx->stream_id,
					   sizeof(struct daedalus_msg_epoch));

	spin_lock(&ctx->lock);
	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		ctx->out_streaming = false;
		ctx->epoch++;
		ctx->sent_since_drain = 0;
		return_list_locked(&ctx->out_held, VB2_BUF_STATE_ERROR);
		return_list_locked(&ctx->out_pending, VB2_BUF_STATE_ERROR);
		if (ctx->opened && !ctx->closed && flush) {
			((struct daedalus_msg_epoch *)flush->data)->epoch =
				ctx->epoch;
			purge = true;
		}
		/* a seek ends a drain: its LAST buffer comes now */
		if (ctx->draining && reset) {
			ctx->draining = false;
			reclaim_and_last_locked(ctx, reset, true);
			reset = NULL;
		}
	} else {
		ctx->cap_streaming = false;
		return_list_locked(&ctx->cap_held, VB2_BUF_STATE_ERROR);
		return_list_locked(&ctx->cap_avail, VB2_BUF_STATE_ERROR);
		ctx->cap_gen++;
		ctx->drc = false;
		ctx->draining = false;
		ctx->stopped = false;
		ctx->next_buf_last = false;
		if (ctx->opened && !ctx->closed && reset) {
			((struct daedalus_msg_capture_reset *)reset->data)->generation =
				ctx->cap_gen;
			daedalus_send(ctx->dev, reset, ctx->conn_seq);
			reset = NULL;
		}
	}
	spin_unlock(&ctx->lock);

	if (purge) {
		daedalus_purge_stream(ctx->dev, ctx->stream_id);
		daedalus_send(ctx->dev, flush, ctx->conn_seq);
	} else if (flush) {
		daedalus_msg_free(flush);
	}
	if (reset)
		daedalus_msg_free(reset);

	/* held OUTPUT buffers may go now that CAPTURE stopped being stopped */
	if (!V4L2_TYPE_IS_OUTPUT(q->type))
		kick_out(ctx);
}

static const struct vb2_ops daedalus_qops = {
	.queue_setup = daedalus_queue_setup,
	.buf_out_validate = daedalus_buf_out_validate,
	.buf_prepare = daedalus_buf_prepare,
	.buf_queue = daedalus_buf_queue,
	.start_streaming = daedalus_start_streaming,
	.stop_streaming = daedalus_stop_streaming,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
};

static int queue_init(struct daedalus_ctx *ctx, struct vb2_queue *q, u32 type)
{
	q->type = type;
	q->io_modes = VB2_MMAP | VB2_DMABUF;
	if (V4L2_TYPE_IS_OUTPUT(type))
		q->io_modes |= VB2_USERPTR;
	q->drv_priv = ctx;
	q->buf_struct_size = sizeof(struct daedalus_buffer);
	q->ops = &daedalus_qops;
	q->mem_ops = &vb2_vmalloc_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
	q->lock = &ctx->ioctl_lock;
	return vb2_queue_init(q);
}

/* ---- messages from the daemon (validated by the chardev) ------------ */

/* <0: @epoch is older than the stream's, 0: current, >0: from the future */
static int epoch_cmp(struct daedalus_ctx *ctx, u32 epoch)
{
	s32 d = (s32)(epoch - ctx->epoch);

	return d < 0 ? -1 : d > 0;
}

int daedalus_handle_consumed(struct daedalus_ctx *ctx,
			     const struct daedalus_msg_consumed *m)
{
	struct daedalus_buffer *buf;
	int ret = -ENOENT;

	if (m->status > 0 || m->status < -MAX_ERRNO)
		return -EINVAL;

	spin_lock(&ctx->lock);
	if (ctx->closed || ctx->failed) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch)) {
		ret = epoch_cmp(ctx, m->epoch) < 0 ? 0 : -EINVAL;
	} else {
		list_for_each_entry(buf, &ctx->out_pending, list) {
			if (buf->cookie != m->cookie)
				continue;
			list_del(&buf->list);
			out_done_locked(ctx, buf, m->status ? VB2_BUF_STATE_ERROR :
							      VB2_BUF_STATE_DONE);
			ctx->wd_stamp = jiffies;
			ret = 0;
			break;
		}
	}
	spin_unlock(&ctx->lock);
	return ret;
}

static struct daedalus_buffer *find_avail_locked(struct daedalus_ctx *ctx,
						 u32 index, u32 gen)
{
	struct daedalus_buffer *buf;

	if (gen != ctx->cap_gen)
		return NULL;
	list_for_each_entry(buf, &ctx->cap_avail, list)
		if (buf->vb.vb2_buf.index == index)
			return buf;
	return NULL;
}

int daedalus_handle_frame(struct daedalus_ctx *ctx,
			  const struct daedalus_msg_frame *m)
{
	const struct daedalus_au_meta *meta;
	struct daedalus_qmsg *again = NULL;
	struct daedalus_buffer *buf;
	struct vb2_buffer *vb;
	unsigned int i;
	int ret = 0;

	if (m->flags & ~(DAEDALUS_FRAME_FLAG_ERROR | DAEDALUS_FRAME_FLAG_KEYFRAME) ||
	    !m->num_planes || m->num_planes > DAEDALUS_MAX_PLANES ||
	    memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return -EINVAL;
	for (i = m->num_planes; i < DAEDALUS_MAX_PLANES; i++)
		if (m->bytesused[i])
			return -EINVAL;

	/* a stale frame's buffer goes back to the daemon's pool */
	again = daedalus_msg_alloc(DAEDALUS_MSG_CAPTURE_BUFFER, ctx->stream_id,
				   sizeof(struct daedalus_msg_capture_buffer));
	if (!again)
		return -ENOMEM;

	spin_lock(&ctx->lock);
	buf = find_avail_locked(ctx, m->index, m->generation);
	if (ctx->closed || ctx->failed) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch) > 0) {
		ret = -EINVAL;
	} else if (!buf) {
		ret = -ESTALE;
	} else if (epoch_cmp(ctx, m->epoch) < 0) {
		fill_announce(ctx, again, buf);
		daedalus_send(ctx->dev, again, ctx->conn_seq);
		again = NULL;
	} else {
		vb = &buf->vb.vb2_buf;
		meta = &ctx->meta[m->cookie % DAEDALUS_META_SLOTS];
		if (m->num_planes != vb->num_planes)
			ret = -EINVAL;
		/* only a failed frame may be empty: never an empty non-LAST */
		for (i = 0; !ret && i < vb->num_planes; i++)
			if ((!m->bytesused[i] &&
			     !(m->flags & DAEDALUS_FRAME_FLAG_ERROR)) ||
			    m->bytesused[i] > vb->planes[i].length)
				ret = -EINVAL;
		if (!ret && (!m->cookie || meta->cookie != m->cookie))
			ret = -ENOENT;
		if (!ret) {
			list_del(&buf->list);
			for (i = 0; i < vb->num_planes; i++)
				vb2_set_plane_payload(vb, i, m->bytesused[i]);
			apply_meta(&buf->vb, meta);
			if (m->flags & DAEDALUS_FRAME_FLAG_KEYFRAME)
				buf->vb.flags |= V4L2_BUF_FLAG_KEYFRAME;
			buf->vb.sequence = ctx->cap_seq++;
			ctx->wd_stamp = jiffies;
			vb2_buffer_done(vb, (m->flags & DAEDALUS_FRAME_FLAG_ERROR) ?
					VB2_BUF_STATE_ERROR : VB2_BUF_STATE_DONE);
		}
	}
	spin_unlock(&ctx->lock);

	if (again)
		daedalus_msg_free(again);
	return ret;
}

int daedalus_handle_drain_done(struct daedalus_ctx *ctx,
			       const struct daedalus_msg_epoch *m)
{
	struct daedalus_qmsg *reset;
	int ret = 0;

	if (m->reserved)
		return -EINVAL;
	reset = alloc_reset(ctx);
	if (!reset)
		return -ENOMEM;

	spin_lock(&ctx->lock);
	if (ctx->closed || ctx->failed) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch) > 0) {
		ret = -EINVAL;
	} else if (!epoch_cmp(ctx, m->epoch) && ctx->draining) {
		/* older epochs, or a drain a restart ended, are ignored */
		ctx->draining = false;
		ctx->sent_since_drain = 0;
		ctx->wd_stamp = jiffies;
		reclaim_and_last_locked(ctx, reset, true);
		reset = NULL;
	}
	spin_unlock(&ctx->lock);

	if (reset)
		daedalus_msg_free(reset);
	return ret;
}

static bool format_valid(const struct daedalus_msg_format *m)
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

int daedalus_handle_format(struct daedalus_ctx *ctx,
			   const struct daedalus_msg_format *m)
{
	struct v4l2_pix_format_mplane f;
	struct v4l2_rect vis = {
		.left = m->visible_left, .top = m->visible_top,
		.width = m->visible_width, .height = m->visible_height,
	};
	struct daedalus_qmsg *reset;
	bool changed, same_size;
	int ret = 0;

	if (!format_valid(m))
		return -EINVAL;
	reset = alloc_reset(ctx);
	if (!reset)
		return -ENOMEM;
	if (mutex_lock_interruptible(&ctx->ioctl_lock)) {
		daedalus_msg_free(reset);
		return -ERESTARTSYS;
	}

	spin_lock(&ctx->lock);
	if (ctx->closed || ctx->failed)
		ret = -EIO;
	else if (epoch_cmp(ctx, m->epoch) > 0)
		ret = -EINVAL;
	else if (epoch_cmp(ctx, m->epoch) < 0)
		ret = 1;	/* stale: ignored */
	spin_unlock(&ctx->lock);
	if (ret)
		goto out;

	f = ctx->cap_fmt;
	cap_fmt_fill(&f, m->width, m->height);
	if (m->colorspace) {
		f.colorspace = m->colorspace;
		f.xfer_func = m->xfer_func;
		f.ycbcr_enc = m->ycbcr_enc;
		f.quantization = m->quantization;
	}
	same_size = f.width == ctx->cap_fmt.width &&
		    f.height == ctx->cap_fmt.height &&
		    f.pixelformat == ctx->cap_fmt.pixelformat;
	changed = !same_size || memcmp(&vis, &ctx->visible, sizeof(vis)) ||
		  m->bit_depth != ctx->bit_depth ||
		  m->min_buffers != v4l2_ctrl_g_ctrl(ctx->min_bufs_ctrl);

	/* the control first: clients read it when the event arrives */
	v4l2_ctrl_s_ctrl(ctx->min_bufs_ctrl, m->min_buffers);

	spin_lock(&ctx->lock);
	ctx->wd_stamp = jiffies;
	ctx->cap_fmt = f;
	ctx->visible = vis;
	ctx->bit_depth = m->bit_depth;
	cap_layout_fill(&ctx->layout, &f);
	if (!ctx->fmt_known) {
		ctx->fmt_known = true;
		if (!ctx->cap_streaming) {
			/* initialization: the event is due even if unchanged */
			v4l2_event_queue_fh(&ctx->fh, &daedalus_ev_src_change);
		} else if (changed) {
			/* CAPTURE was set up on a guess that was wrong */
			ctx->drc = true;
			reclaim_and_last_locked(ctx, reset, false);
			reset = NULL;
			v4l2_event_queue_fh(&ctx->fh, &daedalus_ev_src_change);
		}
	} else if (changed) {
		if (ctx->cap_streaming) {
			ctx->drc = true;
			reclaim_and_last_locked(ctx, reset, false);
			reset = NULL;
		}
		v4l2_event_queue_fh(&ctx->fh, &daedalus_ev_src_change);
	}
	spin_unlock(&ctx->lock);

	kick_cap(ctx);
out:
	mutex_unlock(&ctx->ioctl_lock);
	if (reset)
		daedalus_msg_free(reset);
	return ret < 0 ? ret : 0;
}

/**
 * daedalus_fail_stream() - fail a stream without waiting for anyone
 * @ctx: the stream
 * @conn_seq: only if it lives on this daemon connection; 0 for any
 *
 * Every buffer the driver holds comes back with V4L2_BUF_FLAG_ERROR, and
 * OUTPUT is put in the error state (-EIO) until the client restarts it;
 * restarting OUTPUT opens the stream on the daemon anew.  CAPTURE is not:
 * a client that drains (DEC_CMD_STOP) gets its LAST buffer at once and
 * ends, instead of polling an errored queue (FFmpeg 5.1 takes POLLERR for
 * "try again" and would never finish its drain).
 */
void daedalus_fail_stream(struct daedalus_ctx *ctx, u64 conn_seq)
{
	spin_lock(&ctx->lock);
	if (!ctx->closed && ctx->opened &&
	    (!conn_seq || ctx->conn_seq == conn_seq)) {
		ctx->opened = false;
		ctx->failed = true;
		ctx->draining = false;
		return_list_locked(&ctx->out_held, VB2_BUF_STATE_ERROR);
		return_list_locked(&ctx->out_pending, VB2_BUF_STATE_ERROR);
		return_list_locked(&ctx->cap_held, VB2_BUF_STATE_ERROR);
		return_list_locked(&ctx->cap_avail, VB2_BUF_STATE_ERROR);
		vb2_queue_error(&ctx->out_q);
	}
	spin_unlock(&ctx->lock);
}

int daedalus_expbuf(struct daedalus_ctx *ctx, struct daedalus_expbuf *eb)
{
	struct daedalus_buffer *buf;
	struct vb2_buffer *vb = NULL;
	struct dma_buf *dbuf;
	int ret = 0, fd;

	if (mutex_lock_interruptible(&ctx->ioctl_lock))
		return -ERESTARTSYS;

	spin_lock(&ctx->lock);
	buf = find_avail_locked(ctx, eb->index, eb->generation);
	if (ctx->closed || ctx->failed)
		ret = -EIO;
	else if (!buf)
		ret = -ESTALE;
	else if (eb->plane >= buf->vb.vb2_buf.num_planes)
		ret = -EINVAL;
	else
		vb = &buf->vb.vb2_buf;
	spin_unlock(&ctx->lock);
	if (ret)
		goto out;

	/* the buffer cannot be freed while ioctl_lock is held */
	if (ctx->cap_q.memory == VB2_MEMORY_MMAP) {
#ifdef DAEDALUS_EXPBUF_BY_VB
		ret = vb2_core_expbuf(&ctx->cap_q, &fd, ctx->cap_q.type, vb,
				      eb->plane, eb->flags);
#else
		ret = vb2_core_expbuf(&ctx->cap_q, &fd, ctx->cap_q.type,
				      vb->index, eb->plane, eb->flags);
#endif
	} else {
		dbuf = vb->planes[eb->plane].dbuf;
		if (!dbuf) {
			ret = -EINVAL;
			goto out;
		}
		get_dma_buf(dbuf);
		fd = dma_buf_fd(dbuf, eb->flags & O_CLOEXEC);
		if (fd < 0) {
			dma_buf_put(dbuf);
			ret = fd;
		}
	}
	if (!ret)
		eb->fd = fd;
out:
	mutex_unlock(&ctx->ioctl_lock);
	return ret;
}

/* ---- ioctls ---------------------------------------------------------- */

static struct vb2_queue *get_queue(struct daedalus_ctx *ctx, u32 type)
{
	switch (type) {
	case V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE:
		return &ctx->out_q;
	case V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE:
		return &ctx->cap_q;
	default:
		return NULL;
	}
}

static int vidioc_querycap(struct file *file, void *priv,
			   struct v4l2_capability *cap)
{
	strscpy(cap->driver, DAEDALUS_DRIVER, sizeof(cap->driver));
	strscpy(cap->card, DAEDALUS_NAME, sizeof(cap->card));
	strscpy(cap->bus_info, "platform:" DAEDALUS_NAME, sizeof(cap->bus_info));
	return 0;
}

static int vidioc_enum_fmt_vid_out(struct file *file, void *priv,
				   struct v4l2_fmtdesc *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	unsigned int i, n = 0;

	for (i = 0; i < daedalus_num_coded_fmts; i++) {
		if (!daedalus_daemon_has_codec(ctx->dev,
					       daedalus_coded_fmts[i].fourcc))
			continue;
		if (n++ == f->index) {
			f->pixelformat = daedalus_coded_fmts[i].fourcc;
			f->flags = daedalus_coded_fmts[i].flags;
			return 0;
		}
	}
	return -EINVAL;
}

static int vidioc_enum_fmt_vid_cap(struct file *file, void *priv,
				   struct v4l2_fmtdesc *f)
{
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_NV12;
	return 0;
}

static int vidioc_g_fmt_vid_out(struct file *file, void *priv,
				struct v4l2_format *f)
{
	f->fmt.pix_mp = file_to_ctx(file)->out_fmt;
	return 0;
}

static int vidioc_g_fmt_vid_cap(struct file *file, void *priv,
				struct v4l2_format *f)
{
	f->fmt.pix_mp = file_to_ctx(file)->cap_fmt;
	return 0;
}

static int vidioc_try_fmt_vid_out(struct file *file, void *priv,
				  struct v4l2_format *f)
{
	out_fmt_adjust(file_to_ctx(file)->dev, &f->fmt.pix_mp);
	return 0;
}

static int vidioc_s_fmt_vid_out(struct file *file, void *priv,
				struct v4l2_format *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane cap = ctx->cap_fmt;

	if (vb2_is_busy(&ctx->out_q) || vb2_is_busy(&ctx->cap_q))
		return -EBUSY;
	out_fmt_adjust(ctx->dev, &f->fmt.pix_mp);
	ctx->out_fmt = f->fmt.pix_mp;

	/* the CAPTURE format follows until the stream says otherwise */
	cap_fmt_fill(&cap, ctx->out_fmt.width, ctx->out_fmt.height);
	copy_colorimetry(&cap, &ctx->out_fmt);
	spin_lock(&ctx->lock);
	ctx->cap_fmt = cap;
	ctx->visible = (struct v4l2_rect){ 0, 0, ctx->out_fmt.width,
					    ctx->out_fmt.height };
	ctx->bit_depth = 8;
	cap_layout_fill(&ctx->layout, &cap);
	spin_unlock(&ctx->lock);
	return 0;
}

static int vidioc_s_fmt_vid_cap(struct file *file, void *priv,
				struct v4l2_format *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);

	if (vb2_is_busy(&ctx->cap_q))
		return -EBUSY;
	return vidioc_g_fmt_vid_cap(file, priv, f);
}

static int vidioc_g_selection(struct file *file, void *priv,
			      struct v4l2_selection *s)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);

	if (s->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;

	switch (s->target) {
	case V4L2_SEL_TGT_CROP_BOUNDS:
		s->r = (struct v4l2_rect){ 0, 0, ctx->cap_fmt.width,
					   ctx->cap_fmt.height };
		return 0;
	case V4L2_SEL_TGT_CROP:
	case V4L2_SEL_TGT_CROP_DEFAULT:
	case V4L2_SEL_TGT_COMPOSE:
	case V4L2_SEL_TGT_COMPOSE_DEFAULT:
	case V4L2_SEL_TGT_COMPOSE_BOUNDS:
		s->r = ctx->visible;
		return 0;
	default:
		return -EINVAL;
	}
}

static int vidioc_enum_framesizes(struct file *file, void *priv,
				  struct v4l2_frmsizeenum *fs)
{
	struct daedalus_dev *dev = file_to_ctx(file)->dev;

	if (fs->index)
		return -EINVAL;
	if (fs->pixel_format != V4L2_PIX_FMT_NV12 &&
	    (!find_coded_fmt(fs->pixel_format) ||
	     !daedalus_daemon_has_codec(dev, fs->pixel_format)))
		return -EINVAL;

	fs->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fs->stepwise.min_width = DAEDALUS_MIN_SIZE;
	fs->stepwise.max_width = DAEDALUS_MAX_WIDTH;
	fs->stepwise.step_width = fs->pixel_format == V4L2_PIX_FMT_NV12 ? 2 : 1;
	fs->stepwise.min_height = DAEDALUS_MIN_SIZE;
	fs->stepwise.max_height = DAEDALUS_MAX_HEIGHT;
	fs->stepwise.step_height = fs->stepwise.step_width;
	return 0;
}

static void adjust_mem_offset(struct vb2_queue *q, struct v4l2_buffer *b)
{
	unsigned int i;

	if (b->memory != V4L2_MEMORY_MMAP || V4L2_TYPE_IS_OUTPUT(q->type))
		return;
	for (i = 0; i < b->length; i++)
		b->m.planes[i].m.mem_offset += DAEDALUS_CAP_MMAP_BASE;
}

/*
 * Without a daemon nothing can decode: say so at the first step that
 * allocates for a stream (every client handles a failing REQBUFS, FFmpeg
 * 5.1 crashes on a failing STREAMON), not at open() or ENUM_FMT, which
 * plugin scanners run before the daemon may have started.
 */
static int require_daemon(struct daedalus_ctx *ctx)
{
	if (daedalus_daemon_ready(ctx->dev, NULL))
		return 0;
	pr_warn_ratelimited("%s: no daemon on /dev/%s: start daedalusd\n",
			    ctx->dev->v4l2_dev.name, DAEDALUS_DEVICE_NAME);
	return -ENODEV;
}

static int vidioc_reqbufs(struct file *file, void *priv,
			  struct v4l2_requestbuffers *rb)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *q = get_queue(ctx, rb->type);
	int ret;

	if (!q)
		return -EINVAL;
	if (V4L2_TYPE_IS_OUTPUT(rb->type) && rb->count) {
		ret = require_daemon(ctx);
		if (ret)
			return ret;
	}
	return vb2_reqbufs(q, rb);
}

static int vidioc_create_bufs(struct file *file, void *priv,
			      struct v4l2_create_buffers *cb)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *q = get_queue(ctx, cb->format.type);
	int ret;

	if (!q)
		return -EINVAL;
	if (V4L2_TYPE_IS_OUTPUT(cb->format.type) && cb->count) {
		ret = require_daemon(ctx);
		if (ret)
			return ret;
	}
	return vb2_create_bufs(q, cb);
}

static int vidioc_querybuf(struct file *file, void *priv, struct v4l2_buffer *b)
{
	struct vb2_queue *q = get_queue(file_to_ctx(file), b->type);
	int ret;

	if (!q)
		return -EINVAL;
	ret = vb2_querybuf(q, b);
	if (!ret)
		adjust_mem_offset(q, b);
	return ret;
}

static int vidioc_qbuf(struct file *file, void *priv, struct v4l2_buffer *b)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *q = get_queue(ctx, b->type);
	int ret;

	if (!q)
		return -EINVAL;
	ret = vb2_qbuf(q, ctx->dev->v4l2_dev.mdev, b);
	if (!ret)
		adjust_mem_offset(q, b);
	return ret;
}

static int vidioc_dqbuf(struct file *file, void *priv, struct v4l2_buffer *b)
{
	struct vb2_queue *q = get_queue(file_to_ctx(file), b->type);
	int ret;

	if (!q)
		return -EINVAL;
	ret = vb2_dqbuf(q, b, file->f_flags & O_NONBLOCK);
	if (!ret)
		adjust_mem_offset(q, b);
	return ret;
}

static int vidioc_prepare_buf(struct file *file, void *priv,
			      struct v4l2_buffer *b)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *q = get_queue(ctx, b->type);
	int ret;

	if (!q)
		return -EINVAL;
	ret = vb2_prepare_buf(q, ctx->dev->v4l2_dev.mdev, b);
	if (!ret)
		adjust_mem_offset(q, b);
	return ret;
}

static int vidioc_expbuf(struct file *file, void *priv,
			 struct v4l2_exportbuffer *eb)
{
	struct vb2_queue *q = get_queue(file_to_ctx(file), eb->type);

	return q ? vb2_expbuf(q, eb) : -EINVAL;
}

static int vidioc_streamon(struct file *file, void *priv,
			   enum v4l2_buf_type type)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *q = get_queue(ctx, type);
	int ret;

	if (!q)
		return -EINVAL;
	if (V4L2_TYPE_IS_OUTPUT(type) && !vb2_is_streaming(q)) {
		ret = require_daemon(ctx);
		if (ret)
			return ret;
	}
	return vb2_streamon(q, type);
}

static int vidioc_streamoff(struct file *file, void *priv,
			    enum v4l2_buf_type type)
{
	struct vb2_queue *q = get_queue(file_to_ctx(file), type);

	return q ? vb2_streamoff(q, type) : -EINVAL;
}

static int vidioc_try_decoder_cmd(struct file *file, void *priv,
				  struct v4l2_decoder_cmd *dc)
{
	switch (dc->cmd) {
	case V4L2_DEC_CMD_STOP:
		dc->flags = 0;
		dc->stop.pts = 0;
		return 0;
	case V4L2_DEC_CMD_START:
		dc->flags = 0;
		dc->start.speed = 0;
		dc->start.format = V4L2_DEC_START_FMT_NONE;
		return 0;
	default:
		return -EINVAL;
	}
}

static int vidioc_decoder_cmd(struct file *file, void *priv,
			      struct v4l2_decoder_cmd *dc)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct daedalus_qmsg *drain = NULL, *reset;
	int ret;

	ret = vidioc_try_decoder_cmd(file, priv, dc);
	if (ret)
		return ret;

	reset = alloc_reset(ctx);
	if (dc->cmd == V4L2_DEC_CMD_STOP)
		drain = daedalus_msg_alloc(DAEDALUS_MSG_DRAIN, ctx->stream_id,
					   sizeof(struct daedalus_msg_epoch));
	if (!reset || (dc->cmd == V4L2_DEC_CMD_STOP && !drain)) {
		ret = -ENOMEM;
		goto out;
	}

	spin_lock(&ctx->lock);
	if (ctx->draining) {
		ret = -EBUSY;
	} else if (dc->cmd == V4L2_DEC_CMD_START) {
		ctx->stopped = false;
		ctx->next_buf_last = false;
	} else if (!ctx->out_streaming || ctx->stopped) {
		/* nothing to drain: STOP never fails */
	} else if (!ctx->sent_since_drain || ctx->failed) {
		/*
		 * The daemon holds nothing of this epoch, or the stream
		 * failed and nothing more will come: drained already.
		 */
		reclaim_and_last_locked(ctx, reset, true);
		reset = NULL;
	} else {
		ctx->draining = true;
		ctx->wd_stamp = jiffies;
		((struct daedalus_msg_epoch *)drain->data)->epoch = ctx->epoch;
		if (daedalus_send(ctx->dev, drain, ctx->conn_seq))
			ctx->draining = false;
		drain = NULL;
	}
	spin_unlock(&ctx->lock);

	if (!ret && dc->cmd == V4L2_DEC_CMD_START) {
		vb2_clear_last_buffer_dequeued(&ctx->cap_q);
		kick_out(ctx);
		kick_cap(ctx);
	}
out:
	if (drain)
		daedalus_msg_free(drain);
	if (reset)
		daedalus_msg_free(reset);
	return ret;
}

static int vidioc_subscribe_event(struct v4l2_fh *fh,
				  const struct v4l2_event_subscription *sub)
{
	switch (sub->type) {
	case V4L2_EVENT_SOURCE_CHANGE:
		return v4l2_src_change_event_subscribe(fh, sub);
	case V4L2_EVENT_EOS:
		return v4l2_event_subscribe(fh, sub, 2, NULL);
	default:
		return v4l2_ctrl_subscribe_event(fh, sub);
	}
}

static const struct v4l2_ioctl_ops daedalus_ioctl_ops = {
	.vidioc_querycap = vidioc_querycap,
	.vidioc_enum_fmt_vid_out = vidioc_enum_fmt_vid_out,
	.vidioc_enum_fmt_vid_cap = vidioc_enum_fmt_vid_cap,
	.vidioc_g_fmt_vid_out_mplane = vidioc_g_fmt_vid_out,
	.vidioc_g_fmt_vid_cap_mplane = vidioc_g_fmt_vid_cap,
	.vidioc_try_fmt_vid_out_mplane = vidioc_try_fmt_vid_out,
	/* CAPTURE is what the stream is: TRY/S_FMT adjust, never fail */
	.vidioc_try_fmt_vid_cap_mplane = vidioc_g_fmt_vid_cap,
	.vidioc_s_fmt_vid_out_mplane = vidioc_s_fmt_vid_out,
	.vidioc_s_fmt_vid_cap_mplane = vidioc_s_fmt_vid_cap,
	.vidioc_g_selection = vidioc_g_selection,
	.vidioc_enum_framesizes = vidioc_enum_framesizes,
	.vidioc_reqbufs = vidioc_reqbufs,
	.vidioc_create_bufs = vidioc_create_bufs,
	.vidioc_querybuf = vidioc_querybuf,
	.vidioc_qbuf = vidioc_qbuf,
	.vidioc_dqbuf = vidioc_dqbuf,
	.vidioc_prepare_buf = vidioc_prepare_buf,
	.vidioc_expbuf = vidioc_expbuf,
	.vidioc_streamon = vidioc_streamon,
	.vidioc_streamoff = vidioc_streamoff,
	.vidioc_try_decoder_cmd = vidioc_try_decoder_cmd,
	.vidioc_decoder_cmd = vidioc_decoder_cmd,
	.vidioc_subscribe_event = vidioc_subscribe_event,
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe,
};

/* ---- file operations ------------------------------------------------- */

static int daedalus_open(struct file *file)
{
	struct daedalus_dev *dev = video_drvdata(file);
	struct v4l2_format f = {};
	struct daedalus_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;

	ctx->dev = dev;
	kref_init(&ctx->ref);
	mutex_init(&ctx->ioctl_lock);
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->out_held);
	INIT_LIST_HEAD(&ctx->out_pending);
	INIT_LIST_HEAD(&ctx->cap_held);
	INIT_LIST_HEAD(&ctx->cap_avail);
	INIT_DELAYED_WORK(&ctx->watchdog, daedalus_watchdog);
	v4l2_fh_init(&ctx->fh, video_devdata(file));
	file->private_data = &ctx->fh;

	v4l2_ctrl_handler_init(&ctx->hdl, 1);
	ctx->min_bufs_ctrl = v4l2_ctrl_new_std(&ctx->hdl, NULL,
					       V4L2_CID_MIN_BUFFERS_FOR_CAPTURE,
					       1, DAEDALUS_MAX_CAP_BUFS, 1,
					       DAEDALUS_DEF_MIN_BUFS);
	ret = ctx->hdl.error;
	if (ret)
		goto err_ctrl;
	ctx->fh.ctrl_handler = &ctx->hdl;

	f.fmt.pix_mp.width = DAEDALUS_DEF_WIDTH;
	f.fmt.pix_mp.height = DAEDALUS_DEF_HEIGHT;
	f.fmt.pix_mp.pixelformat = daedalus_coded_fmts[0].fourcc;
	ret = vidioc_s_fmt_vid_out(file, NULL, &f);
	if (ret)
		goto err_ctrl;

	ret = queue_init(ctx, &ctx->out_q, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE);
	if (ret)
		goto err_ctrl;
	ret = queue_init(ctx, &ctx->cap_q, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE);
	if (ret)
		goto err_out_q;

	mutex_lock(&dev->ctx_mutex);
	ctx->stream_id = dev->next_stream_id++;
	list_add_tail(&ctx->node, &dev->ctxs);
	mutex_unlock(&dev->ctx_mutex);

	v4l2_fh_add(&ctx->fh);
	return 0;

err_out_q:
	vb2_queue_release(&ctx->out_q);
err_ctrl:
	v4l2_ctrl_handler_free(&ctx->hdl);
	v4l2_fh_exit(&ctx->fh);
	mutex_destroy(&ctx->ioctl_lock);
	kfree(ctx);
	return ret;
}

static void ctx_release(struct kref *ref)
{
	struct daedalus_ctx *ctx = container_of(ref, struct daedalus_ctx, ref);

	mutex_destroy(&ctx->ioctl_lock);
	kfree(ctx);
}

void daedalus_ctx_put(struct daedalus_ctx *ctx)
{
	kref_put(&ctx->ref, ctx_release);
}

static int daedalus_release(struct file *file)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct daedalus_dev *dev = ctx->dev;
	struct daedalus_qmsg *qm;
	bool opened;
	u64 seq;

	qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_CLOSE, ctx->stream_id,
				sizeof(struct daedalus_msg_stream_close));

	mutex_lock(&dev->ctx_mutex);
	list_del(&ctx->node);
	mutex_unlock(&dev->ctx_mutex);

	mutex_lock(&ctx->ioctl_lock);
	spin_lock(&ctx->lock);
	ctx->closed = true;
	opened = ctx->opened;
	seq = ctx->conn_seq;
	spin_unlock(&ctx->lock);

	/* it takes ctx->lock only; it will not arm itself again */
	cancel_delayed_work_sync(&ctx->watchdog);
	vb2_queue_release(&ctx->out_q);
	vb2_queue_release(&ctx->cap_q);
	v4l2_ctrl_handler_free(&ctx->hdl);
	v4l2_fh_del(&ctx->fh);
	v4l2_fh_exit(&ctx->fh);
	mutex_unlock(&ctx->ioctl_lock);

	if (opened) {
		daedalus_purge_stream(dev, ctx->stream_id);
		if (qm)
			daedalus_send(dev, qm, seq);
	} else if (qm) {
		daedalus_msg_free(qm);
	}

	daedalus_ctx_put(ctx);
	return 0;
}

static __poll_t daedalus_poll(struct file *file, poll_table *wait)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *src = &ctx->out_q, *dst = &ctx->cap_q;
	__poll_t req = poll_requested_events(wait);
	__poll_t rc = 0;
	unsigned long flags;

	/* register on every wait queue on the first call (see v4l2_m2m_poll) */
	poll_wait(file, &src->done_wq, wait);
	poll_wait(file, &dst->done_wq, wait);
	poll_wait(file, &ctx->fh.wait, wait);

	if (req & (EPOLLOUT | EPOLLWRNORM | EPOLLIN | EPOLLRDNORM)) {
		if ((!vb2_is_streaming(src) || src->error ||
		     list_empty(&src->queued_list)) &&
		    (!vb2_is_streaming(dst) || dst->error ||
		     (list_empty(&dst->queued_list) &&
		      !dst->last_buffer_dequeued))) {
			rc = EPOLLERR;
		} else {
			spin_lock_irqsave(&src->done_lock, flags);
			if (!list_empty(&src->done_list))
				rc |= EPOLLOUT | EPOLLWRNORM;
			spin_unlock_irqrestore(&src->done_lock, flags);

			spin_lock_irqsave(&dst->done_lock, flags);
			if (!list_empty(&dst->done_list) ||
			    dst->last_buffer_dequeued)
				rc |= EPOLLIN | EPOLLRDNORM;
			spin_unlock_irqrestore(&dst->done_lock, flags);
		}
	}

	if (v4l2_event_pending(&ctx->fh))
		rc |= EPOLLPRI;
	return rc;
}

static int daedalus_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	unsigned long base = DAEDALUS_CAP_MMAP_BASE >> PAGE_SHIFT;

	if (vma->vm_pgoff < base)
		return vb2_mmap(&ctx->out_q, vma);
	vma->vm_pgoff -= base;
	return vb2_mmap(&ctx->cap_q, vma);
}

static long daedalus_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	long ret;

	/*
	 * A blocking DQEVENT sleeps until an event comes, and the events come
	 * from the daemon's FORMAT, EXPBUF and DRAIN_DONE, which need
	 * ioctl_lock: it must not sleep holding it.  The V4L2 core drops only
	 * video_device.lock around that sleep (we have none: our lock is per
	 * context), so DQEVENT runs without ours: it touches nothing but the
	 * file handle's event queue, which the core locks itself, and the
	 * open file keeps the context alive.
	 */
	if (cmd == VIDIOC_DQEVENT)
		return video_ioctl2(file, cmd, arg);

	if (mutex_lock_interruptible(&ctx->ioctl_lock))
		return -ERESTARTSYS;
	ret = video_ioctl2(file, cmd, arg);
	mutex_unlock(&ctx->ioctl_lock);
	return ret;
}

static const struct v4l2_file_operations daedalus_fops = {
	.owner = THIS_MODULE,
	.open = daedalus_open,
	.release = daedalus_release,
	.poll = daedalus_poll,
	.unlocked_ioctl = daedalus_ioctl,
	.mmap = daedalus_mmap,
};

int daedalus_video_register(struct daedalus_dev *dev)
{
	struct video_device *vfd = &dev->vfd;

	strscpy(vfd->name, DAEDALUS_NAME, sizeof(vfd->name));
	vfd->fops = &daedalus_fops;
	vfd->ioctl_ops = &daedalus_ioctl_ops;
	vfd->release = video_device_release_empty;
	vfd->v4l2_dev = &dev->v4l2_dev;
	vfd->vfl_dir = VFL_DIR_M2M;
	vfd->device_caps = V4L2_CAP_VIDEO_M2M_MPLANE | V4L2_CAP_STREAMING;
	video_set_drvdata(vfd, dev);
	return video_register_device(vfd, VFL_TYPE_VIDEO, -1);
}

void daedalus_video_unregister(struct daedalus_dev *dev)
{
	video_unregister_device(&dev->vfd);
}
