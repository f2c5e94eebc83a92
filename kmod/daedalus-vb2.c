// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the vb2 queues of a context, and the buffers between
 * them and the daemon.
 *
 * There is no v4l2-mem2mem here: distribution kernels do not all build
 * it.  Each context owns two vb2 queues; OUTPUT buffers go to the daemon
 * as DECODE messages as soon as the state lets them (daedalus-state.c),
 * CAPTURE buffers are announced to it, and the daemon's messages
 * (daedalus-msg.c) complete them.  Nothing here ever waits for the daemon.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/videodev2.h>
#include <media/v4l2-event.h>
#include <media/videobuf2-vmalloc.h>

#include "daedalus.h"

static const struct v4l2_event daedalus_ev_eos = {
	.type = V4L2_EVENT_EOS,
};

/* ---- buffer completion, under ctx->lock ------------------------------ */

static void out_done_locked(struct daedalus_ctx *ctx, struct daedalus_buffer *buf,
			    enum vb2_buffer_state state)
{
	buf->vb.sequence = ctx->out_seq++;
	if (state == VB2_BUF_STATE_ERROR)
		ctx->stats.errors++;
	vb2_buffer_done(&buf->vb.vb2_buf, state);
}

/* every buffer of @list back to the client, numbered in its queue */
void daedalus_return_list_locked(struct daedalus_ctx *ctx,
				 struct list_head *list,
				 enum vb2_buffer_state state)
{
	struct daedalus_buffer *buf, *tmp;

	list_for_each_entry_safe(buf, tmp, list, list) {
		list_del(&buf->list);
		if (V4L2_TYPE_IS_OUTPUT(buf->vb.vb2_buf.type))
			buf->vb.sequence = ctx->out_seq++;
		else
			buf->vb.sequence = ctx->cap_seq++;
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

/* a CAPTURE buffer done with the metadata of the AU with @cookie */
void daedalus_cap_done_locked(struct daedalus_ctx *ctx,
			      struct daedalus_buffer *buf,
			      const struct daedalus_au_meta *meta,
			      enum vb2_buffer_state state)
{
	apply_meta(&buf->vb, meta);
	buf->vb.sequence = ctx->cap_seq++;
	if (state == VB2_BUF_STATE_ERROR)
		ctx->stats.errors++;
	vb2_buffer_done(&buf->vb.vb2_buf, state);
}

/* return @buf empty with LAST: the end of a drain or of a resolution */
void daedalus_last_done_locked(struct daedalus_ctx *ctx,
			       struct daedalus_buffer *buf, bool eos)
{
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	unsigned int i;

	for (i = 0; i < vb->num_planes; i++)
		vb2_set_plane_payload(vb, i, 0);
	buf->vb.flags |= V4L2_BUF_FLAG_LAST;
	daedalus_cap_done_locked(ctx, buf, &ctx->last_meta, VB2_BUF_STATE_DONE);
	if (eos)
		v4l2_event_queue_fh(&ctx->fh, &daedalus_ev_eos);
}

/*
 * Take every announced CAPTURE buffer back from the daemon: a new
 * generation, told with @reset (a preallocated CAPTURE_RESET, taken).
 */
void daedalus_reclaim_locked(struct daedalus_ctx *ctx,
			     struct daedalus_qmsg **reset)
{
	struct daedalus_msg_capture_reset *m;

	ctx->cap_gen++;
	list_splice_init(&ctx->cap_avail, &ctx->cap_held);
	if (ctx->opened && *reset) {
		m = (void *)(*reset)->data;
		m->generation = ctx->cap_gen;
		daedalus_send(ctx->dev, *reset, ctx->conn_seq);
		*reset = NULL;
	}
}

/*
 * Take every announced CAPTURE buffer back from the daemon and return one
 * of them, or the next one queued, as LAST.
 * @reset is a preallocated CAPTURE_RESET message, taken if needed.
 */
void daedalus_reclaim_and_last_locked(struct daedalus_ctx *ctx,
				      struct daedalus_qmsg **reset, bool eos)
{
	struct daedalus_buffer *buf;

	daedalus_reclaim_locked(ctx, reset);

	buf = list_first_entry_or_null(&ctx->cap_held, struct daedalus_buffer,
				       list);
	if (buf) {
		list_del(&buf->list);
		daedalus_last_done_locked(ctx, buf, eos);
	} else {
		ctx->owed_last = eos ? DAEDALUS_LAST_OWED_EOS : DAEDALUS_LAST_OWED;
	}
}

struct daedalus_qmsg *daedalus_alloc_reset(struct daedalus_ctx *ctx)
{
	return daedalus_msg_alloc(DAEDALUS_MSG_CAPTURE_RESET, ctx->stream_id,
				  sizeof(struct daedalus_msg_capture_reset));
}

/* ---- feeding the daemon ---------------------------------------------- */

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

	qm = daedalus_msg_alloc_tail(DAEDALUS_MSG_DECODE, ctx->stream_id,
				     sizeof(*m) + payload, payload);
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
void daedalus_kick_out(struct daedalus_ctx *ctx)
{
	struct daedalus_buffer *buf;
	struct daedalus_qmsg *qm;

	lockdep_assert_held(&ctx->ioctl_lock);

	for (;;) {
		spin_lock(&ctx->lock);
		buf = daedalus_out_may_send_locked(ctx) ?
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
					     struct daedalus_buffer, list) != buf ||
		    !daedalus_out_may_send_locked(ctx)) {
			/* failed, flushed or stopped meanwhile */
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
			if (daedalus_send_keep(ctx->dev, qm, ctx->conn_seq)) {
				list_del(&buf->list);
				out_done_locked(ctx, buf, VB2_BUF_STATE_ERROR);
			} else {
				ctx->sent_since_drain++;
				qm = NULL;
			}
		}
		spin_unlock(&ctx->lock);
		/* not queued: freed unlocked (vfree() may sleep) */
		if (!IS_ERR_OR_NULL(qm))
			daedalus_msg_free(qm);
	}
}

void daedalus_fill_announce(struct daedalus_ctx *ctx, struct daedalus_qmsg *qm,
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
	m->mem_id = buf->mem_id;
	memcpy(m->color_planes, l->color, sizeof(m->color_planes));
	m->flags = vb->memory == VB2_MEMORY_MMAP ?
		   DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY : 0;
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
void daedalus_kick_cap(struct daedalus_ctx *ctx)
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
		buf = daedalus_cap_may_announce_locked(ctx) ?
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
			daedalus_cap_done_locked(ctx, buf, &ctx->last_meta,
						 VB2_BUF_STATE_ERROR);
			spin_unlock(&ctx->lock);
			daedalus_msg_free(qm);
			continue;
		}
		daedalus_fill_announce(ctx, qm, buf);
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

/*
 * Send STREAM_OPEN if the stream is not open on the current daemon.  It
 * carries the epoch, so that the new pipeline's messages are current and
 * an old pipeline's late ones stale.
 */
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
	m->epoch = ctx->epoch;
	ctx->conn_seq = seq;
	ctx->wd_stamp = jiffies;
	ret = daedalus_send(ctx->dev, qm, seq);
	if (ret) {
		ret = -ENODEV;
	} else {
		ctx->opened = true;
		daedalus_sm_opened_locked(ctx);
	}
	spin_unlock(&ctx->lock);
	if (!ret)
		schedule_delayed_work(&ctx->watchdog, HZ / 2);
	return ret;
}

/*
 * Close the daemon's pipeline of the stream (S_FMT(OUTPUT) starts a new
 * one; no buffers are queued then).  Its late messages become stale.
 * Context: process, ioctl_lock held.
 */
void daedalus_close_stream(struct daedalus_ctx *ctx)
{
	struct daedalus_qmsg *qm;
	bool opened;
	u64 seq;

	qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_CLOSE, ctx->stream_id,
				sizeof(struct daedalus_msg_stream_close));

	spin_lock(&ctx->lock);
	opened = ctx->opened;
	seq = ctx->conn_seq;
	if (opened)
		ctx->epoch++;
	ctx->opened = false;
	daedalus_sm_closed_locked(ctx);
	spin_unlock(&ctx->lock);

	if (opened) {
		daedalus_purge_stream(ctx->dev, ctx->stream_id);
		if (qm)
			daedalus_send(ctx->dev, qm, seq);
	} else if (qm) {
		daedalus_msg_free(qm);
	}
}

/* ---- vb2 ------------------------------------------------------------- */

/*
 * The largest memory plane @plane of a frame of @f's pixel format can
 * need: the node's largest frame, with the longest lines a client may ask
 * for (twice the shortest).  No CAPTURE buffer is allocated larger: a
 * client that makes room for a larger resolution to come gets that much,
 * not whatever it asks (vb2 allocates the buffers, and charges them to
 * nobody).
 */
static u32 cap_plane_max(const struct v4l2_pix_format_mplane *f,
			 unsigned int plane)
{
	struct v4l2_pix_format_mplane max = { };

	daedalus_cap_fmt_fill(&max, f->pixelformat, DAEDALUS_MAX_WIDTH,
			      DAEDALUS_MAX_HEIGHT);
	return 2 * max.plane_fmt[plane].sizeimage;
}

static int daedalus_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
				unsigned int *nplanes, unsigned int sizes[],
				struct device *alloc_devs[])
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(q);
	bool out = V4L2_TYPE_IS_OUTPUT(q->type);
	struct v4l2_pix_format_mplane *f = out ? &ctx->out_fmt : &ctx->cap_fmt;
	unsigned int i;

	if (*nplanes) {
		/* CREATE_BUFS: at least the format's, at most what it can use */
		if (*nplanes != f->num_planes)
			return -EINVAL;
		for (i = 0; i < *nplanes; i++)
			if (sizes[i] < f->plane_fmt[i].sizeimage ||
			    sizes[i] > (out ? DAEDALUS_MAX_AU_SIZE :
					cap_plane_max(f, i)))
				return -EINVAL;
		return 0;
	}

	*nplanes = f->num_planes;
	for (i = 0; i < f->num_planes; i++)
		sizes[i] = f->plane_fmt[i].sizeimage;
	/* the node's own CAPTURE memory has room for a decoder's rows */
	for (i = 0; !out && q->memory == VB2_MEMORY_MMAP && i < f->num_planes; i++)
		sizes[i] = daedalus_cap_plane_room(f, i);
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
	bool binds;

	if (V4L2_TYPE_IS_OUTPUT(vb->type))
		return 0;
	spin_lock(&ctx->lock);
	binds = daedalus_sm_cap_size_binds_locked(ctx);
	spin_unlock(&ctx->lock);
	for (i = 0; binds && i < vb->num_planes; i++)
		if (vb2_plane_size(vb, i) < ctx->cap_fmt.plane_fmt[i].sizeimage)
			return -EINVAL;
	return 0;
}

/* Context: process (DQBUF, or a cancel of the CAPTURE queue) */
static void daedalus_buf_finish(struct vb2_buffer *vb)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);

	if (V4L2_TYPE_IS_OUTPUT(vb->type))
		return;
	spin_lock(&ctx->lock);
	daedalus_sm_cap_finished_locked(ctx, to_dbuf(vb));
	spin_unlock(&ctx->lock);
}

static void out_buf_queue(struct daedalus_ctx *ctx, struct daedalus_buffer *buf)
{
	struct daedalus_au_meta *meta;

	spin_lock(&ctx->lock);
	buf->cookie = ++ctx->next_cookie;
	meta = &ctx->meta[buf->cookie % DAEDALUS_META_SLOTS];
	meta->cookie = buf->cookie;
	meta->queued_ns = ktime_get_ns();
	ctx->stats.aus++;
	meta->timestamp = buf->vb.vb2_buf.timestamp;
	meta->timecode = buf->vb.timecode;
	meta->flags = buf->vb.flags &
		      (V4L2_BUF_FLAG_TIMECODE | V4L2_BUF_FLAG_TSTAMP_SRC_MASK);
	meta->field = buf->vb.field;
	ctx->last_meta = *meta;

	if (ctx->state == DAEDALUS_ERROR)
		out_done_locked(ctx, buf, VB2_BUF_STATE_ERROR);
	else
		list_add_tail(&buf->list, &ctx->out_held);
	spin_unlock(&ctx->lock);

	daedalus_kick_out(ctx);
}

static void cap_buf_queue(struct daedalus_ctx *ctx, struct daedalus_buffer *buf)
{
	spin_lock(&ctx->lock);
	daedalus_sm_cap_queued_locked(ctx, buf);
	spin_unlock(&ctx->lock);

	daedalus_kick_cap(ctx);
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
	struct daedalus_qmsg *reset = daedalus_alloc_reset(ctx);
	bool clear_last = false;
	int ret;

	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		/*
		 * Failing here would fail STREAMON for a condition that can
		 * change any time; a stream without a daemon fails its
		 * buffers instead (STREAMON checked for a daemon already).
		 */
		spin_lock(&ctx->lock);
		/* a restart after a failure: its LAST is history too */
		clear_last = ctx->state == DAEDALUS_ERROR;
		spin_unlock(&ctx->lock);
		ret = open_stream(ctx);
		spin_lock(&ctx->lock);
		if (daedalus_sm_out_started_locked(ctx))
			clear_last = true;
		if (ret)
			daedalus_sm_fail_locked(ctx);
		spin_unlock(&ctx->lock);
		if (clear_last)
			vb2_clear_last_buffer_dequeued(&ctx->cap_q);
		daedalus_kick_out(ctx);
		/* leaving Stopped: the buffers it took back go out again */
		daedalus_kick_cap(ctx);
	} else {
		spin_lock(&ctx->lock);
		daedalus_sm_cap_started_locked(ctx, &reset);
		spin_unlock(&ctx->lock);
		daedalus_kick_cap(ctx);
	}
	if (reset)
		daedalus_msg_free(reset);
	return 0;
}

static void daedalus_stop_streaming(struct vb2_queue *q)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(q);
	struct daedalus_qmsg *flush = NULL, *reset;
	bool purge = false;

	reset = daedalus_alloc_reset(ctx);
	if (V4L2_TYPE_IS_OUTPUT(q->type))
		flush = daedalus_msg_alloc(DAEDALUS_MSG_FLUSH, ctx->stream_id,
					   sizeof(struct daedalus_msg_epoch));

	spin_lock(&ctx->lock);
	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		ctx->epoch++;
		daedalus_return_list_locked(ctx, &ctx->out_held,
					    VB2_BUF_STATE_ERROR);
		daedalus_return_list_locked(ctx, &ctx->out_pending,
					    VB2_BUF_STATE_ERROR);
		if (ctx->opened && !ctx->closed && flush) {
			((struct daedalus_msg_epoch *)flush->data)->epoch =
				ctx->epoch;
			purge = true;
		}
		daedalus_sm_out_stopped_locked(ctx, &reset);
	} else {
		daedalus_return_list_locked(ctx, &ctx->cap_held,
					    VB2_BUF_STATE_ERROR);
		daedalus_return_list_locked(ctx, &ctx->cap_avail,
					    VB2_BUF_STATE_ERROR);
		ctx->cap_gen++;
		if (ctx->opened && !ctx->closed && reset) {
			((struct daedalus_msg_capture_reset *)reset->data)->generation =
				ctx->cap_gen;
			daedalus_send(ctx->dev, reset, ctx->conn_seq);
			reset = NULL;
		}
		daedalus_sm_cap_stopped_locked(ctx);
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
		daedalus_kick_out(ctx);
}

/*
 * vb2 calls it whenever a buffer gets memory: at allocation (MMAP), and at
 * a QBUF with another dma-buf or user pointer than the last time.
 */
static int daedalus_buf_init(struct vb2_buffer *vb)
{
	struct daedalus_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);

	spin_lock(&ctx->lock);
	to_dbuf(vb)->mem_id = ++ctx->next_mem_id;
	spin_unlock(&ctx->lock);
	return 0;
}

static const struct vb2_ops daedalus_qops = {
	.queue_setup = daedalus_queue_setup,
	.buf_init = daedalus_buf_init,
	.buf_out_validate = daedalus_buf_out_validate,
	.buf_prepare = daedalus_buf_prepare,
	.buf_finish = daedalus_buf_finish,
	.buf_queue = daedalus_buf_queue,
	.start_streaming = daedalus_start_streaming,
	.stop_streaming = daedalus_stop_streaming,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
};

int daedalus_queue_init(struct daedalus_ctx *ctx, struct vb2_queue *q, u32 type)
{
	q->type = type;
	q->io_modes = VB2_MMAP | VB2_DMABUF;
	if (V4L2_TYPE_IS_OUTPUT(type)) {
		q->io_modes |= VB2_USERPTR;
		/* an empty OUTPUT buffer is empty, not "the whole buffer" */
		q->allow_zero_bytesused = 1;
	}
	q->drv_priv = ctx;
	q->buf_struct_size = sizeof(struct daedalus_buffer);
	q->ops = &daedalus_qops;
	q->mem_ops = &vb2_vmalloc_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
	q->lock = &ctx->ioctl_lock;
	return vb2_queue_init(q);
}
