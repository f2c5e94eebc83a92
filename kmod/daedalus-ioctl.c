// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the video node: its ioctls and file operations.  What an
 * ioctl does to the decoder goes through daedalus-state.c.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/videodev2.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>

#include "daedalus.h"

#define DAEDALUS_DEF_MIN_BUFS	4

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
			if (daedalus_coded_fmts[i].description)
				strscpy(f->description,
					daedalus_coded_fmts[i].description,
					sizeof(f->description));
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Every raw format while the stream is not known; then the stream's own
 * format first (the daemon writes it as decoded, or nearly), and after it
 * the others of its chroma subsampling, converted.
 */
static int vidioc_enum_fmt_vid_cap(struct file *file, void *priv,
				   struct v4l2_fmtdesc *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);

	f->pixelformat = daedalus_cap_fourcc_offered(ctx->own_fourcc, f->index);
	return f->pixelformat ? 0 : -EINVAL;
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
	daedalus_out_fmt_adjust(file_to_ctx(file)->dev, &f->fmt.pix_mp);
	return 0;
}

static int vidioc_s_fmt_vid_out(struct file *file, void *priv,
				struct v4l2_format *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane cap = ctx->cap_fmt;

	if (vb2_is_busy(&ctx->out_q) || vb2_is_busy(&ctx->cap_q))
		return -EBUSY;
	daedalus_out_fmt_adjust(ctx->dev, &f->fmt.pix_mp);
	ctx->out_fmt = f->fmt.pix_mp;

	/*
	 * A new stream (GStreamer's caps change: REQBUFS 0 on both queues,
	 * then S_FMT(OUTPUT)): the daemon's pipeline of the old one goes,
	 * the next STREAMON(OUTPUT) opens one for this format, and the
	 * context is back in Initialization.
	 */
	daedalus_close_stream(ctx);

	/*
	 * The CAPTURE format follows until the stream says otherwise, in the
	 * raw format the client chose, if any.
	 */
	memset(cap.plane_fmt, 0, sizeof(cap.plane_fmt));
	daedalus_cap_fmt_fill(&cap, daedalus_find_raw_fmt(cap.pixelformat) ?
			      cap.pixelformat : V4L2_PIX_FMT_YUV420,
			      ctx->out_fmt.width, ctx->out_fmt.height);
	daedalus_copy_colorimetry(&cap, &ctx->out_fmt);
	spin_lock(&ctx->lock);
	ctx->cap_fmt = cap;
	ctx->visible = (struct v4l2_rect){ 0, 0, ctx->out_fmt.width,
					    ctx->out_fmt.height };
	ctx->bit_depth = 8;
	ctx->own_fourcc = 0;
	daedalus_cap_layout_fill(&ctx->layout, &cap);
	spin_unlock(&ctx->lock);
	return 0;
}

/*
 * Any format offered for the stream, at the stream's size (which is not
 * the client's to choose), with the client's longer lines if it asks.
 */
static int vidioc_try_fmt_vid_cap(struct file *file, void *priv,
				  struct v4l2_format *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane *p = &f->fmt.pix_mp;
	u32 fourcc = p->pixelformat;

	if (!daedalus_cap_fourcc_is_offered(ctx->own_fourcc, fourcc))
		fourcc = ctx->cap_fmt.pixelformat;
	if (fourcc != p->pixelformat)
		memset(p->plane_fmt, 0, sizeof(p->plane_fmt));
	daedalus_cap_fmt_fill(p, fourcc, ctx->cap_fmt.width,
			      ctx->cap_fmt.height);
	daedalus_copy_colorimetry(p, &ctx->cap_fmt);
	return 0;
}

static int vidioc_s_fmt_vid_cap(struct file *file, void *priv,
				struct v4l2_format *f)
{
	struct daedalus_ctx *ctx = file_to_ctx(file);

	if (vb2_is_busy(&ctx->cap_q))
		return -EBUSY;
	vidioc_try_fmt_vid_cap(file, priv, f);
	spin_lock(&ctx->lock);
	ctx->cap_fmt = f->fmt.pix_mp;
	daedalus_cap_layout_fill(&ctx->layout, &ctx->cap_fmt);
	spin_unlock(&ctx->lock);
	return 0;
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
	const struct daedalus_raw_fmt *raw;

	if (fs->index)
		return -EINVAL;
	raw = daedalus_find_raw_fmt(fs->pixel_format);
	if (!raw && (!daedalus_find_coded_fmt(fs->pixel_format) ||
		     !daedalus_daemon_has_codec(dev, fs->pixel_format)))
		return -EINVAL;

	fs->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fs->stepwise.min_width = DAEDALUS_MIN_SIZE;
	fs->stepwise.max_width = DAEDALUS_MAX_WIDTH;
	fs->stepwise.step_width = raw ? raw->hsub : 1;
	fs->stepwise.min_height = DAEDALUS_MIN_SIZE;
	fs->stepwise.max_height = DAEDALUS_MAX_HEIGHT;
	fs->stepwise.step_height = raw ? raw->vsub : 1;
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

	reset = daedalus_alloc_reset(ctx);
	if (dc->cmd == V4L2_DEC_CMD_STOP)
		drain = daedalus_msg_alloc(DAEDALUS_MSG_DRAIN, ctx->stream_id,
					   sizeof(struct daedalus_msg_epoch));
	if (!reset || (dc->cmd == V4L2_DEC_CMD_STOP && !drain)) {
		ret = -ENOMEM;
		goto out;
	}

	spin_lock(&ctx->lock);
	if (dc->cmd == V4L2_DEC_CMD_STOP)
		ret = daedalus_sm_stop_locked(ctx, &drain, &reset);
	else
		ret = daedalus_sm_start_locked(ctx, &reset);
	spin_unlock(&ctx->lock);

	if (!ret && dc->cmd == V4L2_DEC_CMD_START) {
		vb2_clear_last_buffer_dequeued(&ctx->cap_q);
		daedalus_kick_out(ctx);
		daedalus_kick_cap(ctx);
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
	.vidioc_try_fmt_vid_cap_mplane = vidioc_try_fmt_vid_cap,
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
	ctx->state = DAEDALUS_INIT;
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

	ret = daedalus_queue_init(ctx, &ctx->out_q, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE);
	if (ret)
		goto err_ctrl;
	ret = daedalus_queue_init(ctx, &ctx->cap_q, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE);
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
	bool idle;

	/* register on every wait queue on the first call (see v4l2_m2m_poll) */
	poll_wait(file, &src->done_wq, wait);
	poll_wait(file, &dst->done_wq, wait);
	poll_wait(file, &ctx->fh.wait, wait);

	/*
	 * Initialization not begun (no queue streams yet): nothing to wait
	 * for and nothing wrong, so no EPOLLERR, unlike v4l2_m2m_poll.  FFmpeg
	 * up to 5.1 polls CAPTURE with timeout 0 when it has no packet yet,
	 * and on EPOLLERR walks CAPTURE buffers it has not allocated: mpv
	 * (which asks for a frame before it sends one) crashed on it.
	 */
	spin_lock(&ctx->lock);
	idle = ctx->state == DAEDALUS_INIT && !ctx->out_streaming &&
	       !ctx->cap_streaming;
	spin_unlock(&ctx->lock);

	if (!idle && (req & (EPOLLOUT | EPOLLWRNORM | EPOLLIN | EPOLLRDNORM))) {
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
	return video_register_device(vfd, VFL_TYPE_VIDEO, daedalus_video_nr);
}

void daedalus_video_unregister(struct daedalus_dev *dev)
{
	video_unregister_device(&dev->vfd);
}
