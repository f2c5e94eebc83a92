// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: what the daemon's messages do to a stream (the chardev
 * checked their size, type and that the stream is open on the writer's
 * connection), and the watchdog that fails a stream whose daemon stalls.
 *
 * Nothing the daemon writes is trusted: each handler checks every field
 * against the stream's current state before it changes anything, and a
 * rejected message changes nothing.
 */

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/videodev2.h>

#include "daedalus.h"

/* ---- watchdog ---------------------------------------------------------- */

/*
 * Fail @ctx's stream and queue @close, its STREAM_CLOSE (NULL when out of
 * memory: the stream fails all the same), so that the daemon tears its
 * side down now: the watchdog's end of a stream, and the answer to a
 * daemon's STREAM_ERROR.  The stream's unread DECODEs go to @dead, for the
 * caller to free after unlocking (vfree() may sleep).
 * Context: ctx->lock held.
 */
static void fail_close_locked(struct daedalus_ctx *ctx,
			      struct daedalus_qmsg *close,
			      struct list_head *dead)
{
	daedalus_sm_fail_locked(ctx);
	vb2_queue_error(&ctx->out_q);
	/* the daemon's pipeline for it is of no use any more */
	daedalus_take_stream_decodes(ctx->dev, ctx->stream_id, dead);
	if (close)
		daedalus_send(ctx->dev, close, ctx->conn_seq);
}

void daedalus_watchdog(struct work_struct *work)
{
	struct daedalus_ctx *ctx = container_of(to_delayed_work(work),
						struct daedalus_ctx, watchdog);
	unsigned int ms = READ_ONCE(daedalus_watchdog_ms);
	struct daedalus_qmsg *qm = NULL, *dm, *tmp;
	bool fire, again, allocated = false;
	LIST_HEAD(dead);

retry:
	/*
	 * Decided and done in one go under ctx->lock: the stream fails, its
	 * unread DECODEs go and STREAM_CLOSE is queued before a client's
	 * restart can queue a STREAM_OPEN (which the CLOSE would otherwise
	 * close again), and only if the daemon still owes progress now.
	 * The CLOSE is allocated only when it fires (then it is decided
	 * again): a check that finds nothing to do allocates nothing.  With
	 * watchdog_ms 0 nothing fires, and the check comes every 5 s only, to
	 * see the parameter set again.
	 */
	spin_lock(&ctx->lock);
	again = ctx->opened && !ctx->closed;
	fire = again && ms && daedalus_daemon_owes_locked(ctx) &&
	       time_after(jiffies, ctx->wd_stamp + msecs_to_jiffies(ms));
	if (fire && !allocated) {
		spin_unlock(&ctx->lock);
		qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_CLOSE,
					ctx->stream_id,
					sizeof(struct daedalus_msg_stream_close));
		allocated = true;	/* failed or not: the stream fails */
		goto retry;
	}
	if (fire) {
		ctx->stats.watchdog_fires++;
		fail_close_locked(ctx, qm, &dead);
		qm = NULL;
		again = false;
	}
	spin_unlock(&ctx->lock);

	if (fire)
		v4l2_warn(&ctx->dev->v4l2_dev,
			  "stream %llu: the daemon made no progress for %u ms, failed the stream\n",
			  ctx->stream_id, ms);
	if (qm)
		daedalus_msg_free(qm);
	list_for_each_entry_safe(dm, tmp, &dead, node)
		daedalus_msg_free(dm);
	if (again)
		schedule_delayed_work(&ctx->watchdog, ms ? HZ / 2 : 5 * HZ);
}

/* ---- messages -------------------------------------------------------- */

/* <0: @epoch is older than the stream's, 0: current, >0: from the future */
static int epoch_cmp(struct daedalus_ctx *ctx, u32 epoch)
{
	s32 d = (s32)(epoch - ctx->epoch);

	return d < 0 ? -1 : d > 0;
}

/* the stream can take a message: open (and so not failed), not closing */
static bool usable_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->closed && ctx->state != DAEDALUS_ERROR;
}

int daedalus_handle_consumed(struct daedalus_ctx *ctx,
			     const struct daedalus_msg_consumed *m)
{
	struct daedalus_buffer *buf;
	int ret = -ENOENT;

	if (m->status > 0 || m->status < -MAX_ERRNO)
		return -EINVAL;

	spin_lock(&ctx->lock);
	if (!usable_locked(ctx)) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch) > 0) {
		ret = -EINVAL;
	} else if (epoch_cmp(ctx, m->epoch) < 0) {
		daedalus_count_stale(ctx->dev);
		ret = 0;
	} else {
		list_for_each_entry(buf, &ctx->out_pending, list) {
			if (buf->cookie != m->cookie)
				continue;
			list_del(&buf->list);
			buf->vb.sequence = ctx->out_seq++;
			vb2_buffer_done(&buf->vb.vb2_buf,
					m->status ? VB2_BUF_STATE_ERROR :
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
	u32 length[VB2_MAX_PLANES];
	struct vb2_buffer *vb;
	unsigned int i;
	int ret = 0;

	if (!daedalus_frame_msg_valid(m))
		return -EINVAL;

retry:
	spin_lock(&ctx->lock);
	buf = find_avail_locked(ctx, m->index, m->generation);
	if (!usable_locked(ctx)) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch) > 0) {
		ret = -EINVAL;
	} else if (!buf) {
		ret = -ESTALE;
	} else if (epoch_cmp(ctx, m->epoch) < 0) {
		/*
		 * A stale frame's buffer goes back to the daemon's pool.  Rare:
		 * its message is allocated only now, unlocked, and the frame
		 * looked at again.
		 */
		if (!again) {
			spin_unlock(&ctx->lock);
			again = daedalus_msg_alloc(DAEDALUS_MSG_CAPTURE_BUFFER,
						   ctx->stream_id,
						   sizeof(struct daedalus_msg_capture_buffer));
			if (!again)
				return -ENOMEM;
			goto retry;
		}
		daedalus_count_stale(ctx->dev);
		daedalus_fill_announce(ctx, again, buf);
		daedalus_send(ctx->dev, again, ctx->conn_seq);
		again = NULL;
	} else {
		vb = &buf->vb.vb2_buf;
		meta = &ctx->meta[m->cookie % DAEDALUS_META_SLOTS];
		for (i = 0; i < vb->num_planes; i++)
			length[i] = vb->planes[i].length;
		/* only a failed frame may be empty: never an empty non-LAST */
		if (!daedalus_frame_fits(m, vb->num_planes, length))
			ret = -EINVAL;
		if (!ret && (!m->cookie || meta->cookie != m->cookie))
			ret = -ENOENT;
		if (!ret) {
			list_del(&buf->list);
			for (i = 0; i < vb->num_planes; i++)
				vb2_set_plane_payload(vb, i, m->bytesused[i]);
			if (m->flags & DAEDALUS_FRAME_FLAG_KEYFRAME)
				buf->vb.flags |= V4L2_BUF_FLAG_KEYFRAME;
			ctx->wd_stamp = jiffies;
			if (!(m->flags & DAEDALUS_FRAME_FLAG_ERROR))
				daedalus_count_frame_locked(ctx, meta);
			daedalus_sm_frame_done_locked(ctx, buf);
			daedalus_cap_done_locked(ctx, buf, meta,
						 (m->flags & DAEDALUS_FRAME_FLAG_ERROR) ?
						 VB2_BUF_STATE_ERROR :
						 VB2_BUF_STATE_DONE);
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
	struct daedalus_qmsg *reset, *drain;
	unsigned int next = 0;
	int ret = 0;

	if (m->reserved)
		return -EINVAL;
	reset = daedalus_alloc_reset(ctx);
	drain = daedalus_msg_alloc(DAEDALUS_MSG_DRAIN, ctx->stream_id,
				   sizeof(struct daedalus_msg_epoch));
	if (!reset || !drain) {
		ret = -ENOMEM;
		goto out;
	}

	spin_lock(&ctx->lock);
	if (!usable_locked(ctx)) {
		ret = -EIO;
	} else if (epoch_cmp(ctx, m->epoch) > 0) {
		ret = -EINVAL;
	} else if (!epoch_cmp(ctx, m->epoch)) {
		ctx->wd_stamp = jiffies;
		next = daedalus_sm_drain_done_locked(ctx, &reset);
	} else {
		/* older epochs: a seek ended their drain already */
		daedalus_count_stale(ctx->dev);
	}
	spin_unlock(&ctx->lock);

	/*
	 * OUTPUT held behind an abandoned drain goes out now, then the
	 * DEC_CMD_STOP that waited for it drains (not killable: no holder
	 * of ioctl_lock waits for the daemon, and skipping this would leave
	 * a client that queued all its buffers waiting)
	 */
	if (next & DAEDALUS_DRAIN_DONE_KICK) {
		mutex_lock(&ctx->ioctl_lock);
		daedalus_kick_out(ctx);
		if (next & DAEDALUS_DRAIN_DONE_STOP) {
			spin_lock(&ctx->lock);
			daedalus_sm_stop_locked(ctx, &drain, &reset);
			spin_unlock(&ctx->lock);
		}
		mutex_unlock(&ctx->ioctl_lock);
	}
out:
	if (drain)
		daedalus_msg_free(drain);
	if (reset)
		daedalus_msg_free(reset);
	return ret;
}

static unsigned int cap_num_buffers(struct daedalus_ctx *ctx)
{
#ifdef DAEDALUS_HAVE_VB2_GET_NUM_BUFFERS
	return vb2_get_num_buffers(&ctx->cap_q);
#else
	return ctx->cap_q.num_buffers;
#endif
}

/*
 * How a new format @m (frame buffers @f, visible rectangle @vis) meets the
 * buffers set up.  They still serve a new visible rectangle, buffer
 * minimum, stream bit depth or own format (the client's format is still
 * offered: it stays, converted) when the frame-buffer format is the same
 * and the queue has enough of them: no resolution change then (FFmpeg
 * ignores a SOURCE_CHANGE that keeps the size, and would wait for ever for
 * the LAST of one).  The first own format is no change: buffers set up
 * before it (FFmpeg's, GStreamer's) were set up for the default, which
 * the stream's own format only names (GStreamer 1.22 takes a SOURCE_CHANGE
 * then for a new stream, and loses the frame in flight).  The library
 * applies the same rule (it awaits a CAPTURE_RESET whenever anything but
 * colorimetry changed).
 */
static enum daedalus_fmt_change fmt_change(struct daedalus_ctx *ctx,
					   const struct daedalus_msg_format *m,
					   const struct v4l2_pix_format_mplane *f,
					   const struct v4l2_rect *vis)
{
	bool same_fb = f->width == ctx->cap_fmt.width &&
		       f->height == ctx->cap_fmt.height &&
		       f->pixelformat == ctx->cap_fmt.pixelformat &&
		       !memcmp(f->plane_fmt, ctx->cap_fmt.plane_fmt,
			       sizeof(f->plane_fmt));
	bool same_rest = !memcmp(vis, &ctx->visible, sizeof(*vis)) &&
			 m->min_buffers == v4l2_ctrl_g_ctrl(ctx->min_bufs_ctrl) &&
			 m->bit_depth == ctx->bit_depth &&
			 (!ctx->own_fourcc || m->pixelformat == ctx->own_fourcc);

	if (same_fb && same_rest)
		return DAEDALUS_FMT_SAME;
	if (same_fb && vb2_is_streaming(&ctx->cap_q) &&
	    cap_num_buffers(ctx) >= m->min_buffers)
		return DAEDALUS_FMT_MINOR;
	return DAEDALUS_FMT_NEW;
}

int daedalus_handle_format(struct daedalus_ctx *ctx,
			   const struct daedalus_msg_format *m)
{
	struct v4l2_pix_format_mplane f;
	struct v4l2_rect vis = {
		.left = m->visible_left, .top = m->visible_top,
		.width = m->visible_width, .height = m->visible_height,
	};
	enum daedalus_fmt_change change;
	struct daedalus_qmsg *reset;
	u32 fourcc;
	int ret = 0;

	if (!daedalus_format_msg_valid(m))
		return -EINVAL;
	reset = daedalus_alloc_reset(ctx);
	if (!reset)
		return -ENOMEM;
	if (mutex_lock_interruptible(&ctx->ioctl_lock)) {
		daedalus_msg_free(reset);
		return -ERESTARTSYS;
	}

	spin_lock(&ctx->lock);
	if (!usable_locked(ctx))
		ret = -EIO;
	else if (epoch_cmp(ctx, m->epoch) > 0)
		ret = -EINVAL;
	else if (epoch_cmp(ctx, m->epoch) < 0)
		ret = 1;	/* stale: ignored */
	if (ret == 1) {
		daedalus_count_stale(ctx->dev);
		daedalus_sm_stale_format_locked(ctx, &reset);
	}
	spin_unlock(&ctx->lock);
	if (ret == 1)
		daedalus_kick_cap(ctx);
	if (ret)
		goto out;

	/*
	 * The stream's own format is the driver's choice (dev-decoder.rst's
	 * Capture setup), unless the client has buffers of another format
	 * the stream offers: then that stays, so that they may still serve.
	 */
	f = ctx->cap_fmt;
	fourcc = f.pixelformat;
	if (!vb2_is_busy(&ctx->cap_q) ||
	    !daedalus_cap_fourcc_is_offered(m->pixelformat, fourcc))
		fourcc = m->pixelformat;
	/* the client's longer lines stay only while the frames do */
	if (fourcc != f.pixelformat || m->width != f.width ||
	    m->height != f.height)
		memset(f.plane_fmt, 0, sizeof(f.plane_fmt));
	daedalus_cap_fmt_fill(&f, fourcc, m->width, m->height);
	if (m->colorspace) {
		f.colorspace = m->colorspace;
		f.xfer_func = m->xfer_func;
		f.ycbcr_enc = m->ycbcr_enc;
		f.quantization = m->quantization;
	}
	change = fmt_change(ctx, m, &f, &vis);

	/* the control first: clients read it when the event arrives */
	v4l2_ctrl_s_ctrl(ctx->min_bufs_ctrl, m->min_buffers);

	spin_lock(&ctx->lock);
	ctx->wd_stamp = jiffies;
	ctx->cap_fmt = f;
	ctx->visible = vis;
	ctx->bit_depth = m->bit_depth;
	ctx->own_fourcc = m->pixelformat;
	daedalus_cap_layout_fill(&ctx->layout, &f);
	daedalus_sm_format_locked(ctx, change, &reset);
	spin_unlock(&ctx->lock);

	daedalus_kick_cap(ctx);
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
 * a drain in progress, or one the client starts later (DEC_CMD_STOP),
 * ends with an empty LAST buffer and V4L2_EVENT_EOS, so that the client
 * finishes instead of polling an errored queue (FFmpeg 5.1 takes POLLERR
 * for "try again" and would never finish its drain).
 */
void daedalus_fail_stream(struct daedalus_ctx *ctx, u64 conn_seq)
{
	spin_lock(&ctx->lock);
	if (!ctx->closed && ctx->opened &&
	    (!conn_seq || ctx->conn_seq == conn_seq)) {
		daedalus_sm_fail_locked(ctx);
		vb2_queue_error(&ctx->out_q);
	}
	spin_unlock(&ctx->lock);
}

/**
 * daedalus_handle_stream_error() - the daemon gave up on a stream
 * @ctx: the stream
 * @m: the daemon's STREAM_ERROR
 *
 * The stream fails, and the daemon gets its STREAM_CLOSE, as from the
 * watchdog, so that it tears its side down now (not at a STREAM_OPEN the
 * client may never send: one the client closes again before the daemon
 * reads it goes with its CLOSE unread, see queue_locked()).
 *
 * Context: process (the daemon's write()); takes ctx->lock.
 * Return: 0, or -EINVAL for a malformed message.
 */
int daedalus_handle_stream_error(struct daedalus_ctx *ctx,
				 const struct daedalus_msg_stream_error *m)
{
	struct daedalus_qmsg *qm, *dm, *tmp;
	LIST_HEAD(dead);

	if (m->reserved || m->error >= 0 || m->error < -MAX_ERRNO)
		return -EINVAL;
	v4l2_warn(&ctx->dev->v4l2_dev, "stream %llu failed in the daemon: %d\n",
		  ctx->stream_id, m->error);
	qm = daedalus_msg_alloc(DAEDALUS_MSG_STREAM_CLOSE, ctx->stream_id,
				sizeof(struct daedalus_msg_stream_close));
	spin_lock(&ctx->lock);
	if (ctx->opened && !ctx->closed) {
		fail_close_locked(ctx, qm, &dead);
		qm = NULL;
	}
	spin_unlock(&ctx->lock);
	if (qm)
		daedalus_msg_free(qm);
	list_for_each_entry_safe(dm, tmp, &dead, node)
		daedalus_msg_free(dm);
	return 0;
}

/**
 * daedalus_expbuf() - the dma-buf of a memory plane of an announced buffer
 * @ctx: the stream
 * @eb: the daemon's request (index, generation, plane, flags)
 *
 * No fd here: the caller reserves one, tells the daemon, and installs the
 * dma-buf only once nothing can fail any more (an fd installed is visible
 * to the daemon's other threads at once, and cannot be taken back).
 *
 * Context: process; takes ctx->ioctl_lock, then ctx->lock.
 * Return: the dma-buf with a reference for the caller, or an ERR_PTR.
 */
struct dma_buf *daedalus_expbuf(struct daedalus_ctx *ctx,
				const struct daedalus_expbuf *eb)
{
	struct daedalus_buffer *buf;
	struct vb2_buffer *vb = NULL;
	struct dma_buf *dbuf;
	int ret = 0;

	if (mutex_lock_interruptible(&ctx->ioctl_lock))
		return ERR_PTR(-ERESTARTSYS);

	spin_lock(&ctx->lock);
	buf = find_avail_locked(ctx, eb->index, eb->generation);
	if (!usable_locked(ctx))
		ret = -EIO;
	else if (!buf)
		ret = -ESTALE;
	else if (eb->plane >= buf->vb.vb2_buf.num_planes)
		ret = -EINVAL;
	else
		vb = &buf->vb.vb2_buf;
	spin_unlock(&ctx->lock);
	if (ret) {
		dbuf = ERR_PTR(ret);
		goto out;
	}

	/* the buffer cannot be freed while ioctl_lock is held */
	if (ctx->cap_q.memory == VB2_MEMORY_MMAP) {
		/* what vb2_core_expbuf() does, without installing an fd */
		const struct vb2_mem_ops *ops = ctx->cap_q.mem_ops;

		dbuf = NULL;
		if (ops->get_dmabuf && !vb2_fileio_is_active(&ctx->cap_q))
			dbuf = ops->get_dmabuf(vb, vb->planes[eb->plane].mem_priv,
					       eb->flags & O_ACCMODE);
		if (IS_ERR_OR_NULL(dbuf))
			dbuf = ERR_PTR(-EINVAL);
	} else {
		dbuf = vb->planes[eb->plane].dbuf;
		if (dbuf)
			get_dma_buf(dbuf);
		else
			dbuf = ERR_PTR(-EINVAL);
	}
out:
	mutex_unlock(&ctx->ioctl_lock);
	return dbuf;
}
