// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the stateful decoder state machine of a context, as
 * Documentation/userspace-api/media/v4l/dev-decoder.rst draws it.
 *
 * Every change of daedalus_ctx.state, .drain, .owed_last and
 * .src_change_owed happens here,
 * in one function per event (an ioctl, a vb2 callback, a daemon message);
 * the other files only call them and move buffers.  All functions run with
 * ctx->lock held, never sleep and never wait for the daemon.
 *
 * The states, with the spec's names, and what moves between them
 * (OUT = the OUTPUT queue, CAP = the CAPTURE queue):
 *
 *          S_FMT(OUT) from anywhere, STREAMON(OUT) after ERROR
 *                               |
 *                               v
 *   +------------------> Initialization ---- FORMAT, CAP streams, ----+
 *   |                     (INIT)  |          the format fits          |
 *   |                             | FORMAT, CAP does not stream       |
 *   |                             v                                   |
 *   |   STREAMOFF(CAP)    Capture setup                               |
 *   |  +--------------->  (CAPTURE_SETUP)                             |
 *   |  |                          | STREAMON(CAP)                     |
 *   |  |                          v                                   v
 *   |  +------------------  Decoding  <---------------------------------
 *   |  |                   (DECODING) ---- FORMAT: a format the -----+
 *   |  |                     ^      |      buffers cannot hold       |
 *   |  |   DEC_CMD_START,    |      | DRAIN_DONE after DEC_CMD_STOP  v
 *   |  |   STREAMON(OUT)     |      | (Drain), or STREAMOFF(OUT)  Dynamic
 *   |  |   (a seek)          |      v  during it: LAST + EOS     Resolution
 *   |  +------------------  Stopped                                Change
 *   |  |                   (STOPPED)                               (DRC)
 *   |  |                                                             |
 *   |  +---------- STREAMOFF(CAP): Capture setup again --------------+
 *   |                              DEC_CMD_START: Decoding again, with
 *   |                              the buffers already there
 *   |
 *   +------------- ERROR: the daemon went away, STREAM_ERROR, watchdog
 *                  (any state; OUTPUT then answers -EIO)
 *
 * The spec's other two names are not states of their own here: a Seek is
 * STREAMOFF/STREAMON(OUTPUT) in any state (it ends a drain and a stop),
 * and a Reset is STREAMOFF(CAPTURE) (back to Capture setup).  Drain is a
 * sub-state (enum daedalus_drain), because a resolution change may come
 * in the middle of one.
 */

#include <linux/bits.h>
#include <media/v4l2-event.h>

#include "daedalus.h"

static const char * const state_names[DAEDALUS_NUM_STATES] = {
	[DAEDALUS_INIT] = "Initialization",
	[DAEDALUS_CAPTURE_SETUP] = "Capture setup",
	[DAEDALUS_DECODING] = "Decoding",
	[DAEDALUS_DRC] = "Dynamic Resolution Change",
	[DAEDALUS_STOPPED] = "Stopped",
	[DAEDALUS_ERROR] = "Error",
};

#define S(x) BIT(DAEDALUS_##x)

/* allowed[from]: the states @from may go to (itself is always allowed) */
static const u8 allowed[DAEDALUS_NUM_STATES] = {
	[DAEDALUS_INIT] = S(CAPTURE_SETUP) | S(DECODING) | S(DRC) |
			  S(STOPPED) | S(ERROR),
	[DAEDALUS_CAPTURE_SETUP] = S(INIT) | S(DECODING) | S(ERROR),
	[DAEDALUS_DECODING] = S(INIT) | S(CAPTURE_SETUP) | S(DRC) |
			      S(STOPPED) | S(ERROR),
	[DAEDALUS_DRC] = S(INIT) | S(CAPTURE_SETUP) | S(DECODING) | S(ERROR),
	[DAEDALUS_STOPPED] = S(INIT) | S(CAPTURE_SETUP) | S(DECODING) |
			     S(ERROR),
	[DAEDALUS_ERROR] = S(INIT),
};

#undef S

static const struct v4l2_event ev_src_change = {
	.type = V4L2_EVENT_SOURCE_CHANGE,
	.u.src_change.changes = V4L2_EVENT_SRC_CH_RESOLUTION,
};

/*
 * SOURCE_CHANGE waits for the frames before it.  Queued while CAPTURE
 * buffers done with a frame are still to be dequeued, it reaches the
 * client first (poll() says POLLPRI and POLLIN at once), and clients that
 * stop CAPTURE as soon as it comes lose those frames: GStreamer 1.22's
 * v4l2videodec and FFmpeg 5.1's v4l2m2m both do.  The spec only asks for
 * the event before LAST; here it comes once the client has dequeued every
 * frame of the old format (or a cancel took them back).
 */
static void queue_src_change(struct daedalus_ctx *ctx)
{
	if (ctx->cap_undequeued) {
		ctx->src_change_owed = true;
		return;
	}
	ctx->src_change_owed = false;
	v4l2_event_queue_fh(&ctx->fh, &ev_src_change);
}

const char *daedalus_state_name(enum daedalus_state state)
{
	return state < DAEDALUS_NUM_STATES ? state_names[state] : "?";
}

/*
 * The one place the state changes.  A transition the table does not have
 * is a bug of this file: it is refused, and said so in the kernel log.
 */
static void set_state(struct daedalus_ctx *ctx, enum daedalus_state to,
		      const char *why)
{
	enum daedalus_state from = ctx->state;

	lockdep_assert_held(&ctx->lock);
	if (from == to)
		return;
	if (!(allowed[from] & BIT(to))) {
		v4l2_warn(&ctx->dev->v4l2_dev,
			  "stream %llu: %s -> %s (%s) is not a transition of the decoder, ignored\n",
			  ctx->stream_id, state_names[from], state_names[to], why);
		return;
	}
	pr_debug("%s: stream %llu: %s -> %s (%s)\n", DAEDALUS_NAME,
		 ctx->stream_id, state_names[from], state_names[to], why);
	ctx->state = to;
}

/* where a context settles when nothing holds it: follows the queues */
static enum daedalus_state settled(struct daedalus_ctx *ctx)
{
	if (!ctx->fmt_known)
		return DAEDALUS_INIT;
	return ctx->cap_streaming ? DAEDALUS_DECODING : DAEDALUS_CAPTURE_SETUP;
}

/* ---- what each state lets through ---------------------------------- */

/* DECODEs go out: open, OUTPUT streams, not stopped, no drain pending */
bool daedalus_out_may_send_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->closed && ctx->out_streaming &&
	       ctx->drain == DAEDALUS_DRAIN_NONE &&
	       ctx->state != DAEDALUS_STOPPED && ctx->state != DAEDALUS_ERROR;
}

/* CAPTURE buffers are announced: only while Decoding */
bool daedalus_cap_may_announce_locked(struct daedalus_ctx *ctx)
{
	return ctx->opened && !ctx->closed && ctx->state == DAEDALUS_DECODING;
}

/*
 * The daemon owes the stream progress when it holds access units (or a
 * drain) and nothing it waits for is missing: before FORMAT it needs no
 * CAPTURE buffer, after it at least one announced buffer.
 */
bool daedalus_daemon_owes_locked(struct daedalus_ctx *ctx)
{
	bool drain = ctx->drain == DAEDALUS_DRAIN_ACTIVE ||
		     ctx->drain == DAEDALUS_DRAIN_ABANDONED ||
		     ctx->drain == DAEDALUS_DRAIN_QUEUED;

	return ctx->opened && !ctx->closed && ctx->state != DAEDALUS_ERROR &&
	       (!list_empty(&ctx->out_pending) || drain) &&
	       (!ctx->fmt_known || !list_empty(&ctx->cap_avail));
}

/* ---- the daemon's side ------------------------------------------------- */

/* STREAM_OPEN was sent: the daemon parses the stream anew */
void daedalus_sm_opened_locked(struct daedalus_ctx *ctx)
{
	ctx->fmt_known = false;
	ctx->drain = DAEDALUS_DRAIN_NONE;
	set_state(ctx, DAEDALUS_INIT, "STREAM_OPEN");
}

/*
 * S_FMT(OUTPUT), with no buffers on either queue: a new stream, maybe of
 * another codec.  The caller closes the daemon's pipeline.
 */
void daedalus_sm_closed_locked(struct daedalus_ctx *ctx)
{
	ctx->fmt_known = false;
	ctx->drain = DAEDALUS_DRAIN_NONE;
	ctx->owed_last = DAEDALUS_LAST_NONE;
	set_state(ctx, DAEDALUS_INIT, "S_FMT(OUTPUT)");
}

/* resolution change: the old resolution ends with LAST, nothing announced */
static void enter_drc(struct daedalus_ctx *ctx, struct daedalus_qmsg **reset)
{
	daedalus_reclaim_and_last_locked(ctx, reset, false);
	set_state(ctx, DAEDALUS_DRC, "FORMAT: a new resolution");
}

/* the end of a drain: LAST with EOS, then Stopped */
static void end_drain(struct daedalus_ctx *ctx, struct daedalus_qmsg **reset,
		      const char *why)
{
	ctx->drain = DAEDALUS_DRAIN_NONE;
	ctx->sent_since_drain = 0;
	daedalus_reclaim_and_last_locked(ctx, reset, true);
	set_state(ctx, DAEDALUS_STOPPED, why);
}

/*
 * FORMAT: the stream's format, already in ctx->cap_fmt.  The event is due
 * in Initialization even when nothing changed (the spec says so); under a
 * streaming CAPTURE only when something did.
 */
void daedalus_sm_format_locked(struct daedalus_ctx *ctx,
			       enum daedalus_fmt_change change,
			       struct daedalus_qmsg **reset)
{
	bool event = change != DAEDALUS_FMT_SAME;

	ctx->fmt_known = true;
	switch (ctx->state) {
	case DAEDALUS_INIT:
		if (!ctx->cap_streaming) {
			set_state(ctx, DAEDALUS_CAPTURE_SETUP, "FORMAT");
			event = true;
		} else if (change == DAEDALUS_FMT_NEW) {
			/* CAPTURE was set up on a guess that was wrong */
			enter_drc(ctx, reset);
		} else {
			set_state(ctx, DAEDALUS_DECODING,
				  "FORMAT fits the buffers set up");
		}
		break;
	case DAEDALUS_DECODING:
		if (change == DAEDALUS_FMT_NEW) {
			enter_drc(ctx, reset);
		} else if (change == DAEDALUS_FMT_MINOR) {
			/*
			 * The buffers still serve: the daemon, which took
			 * them back when it sent the change, gets them again
			 * (a new generation); no LAST.
			 */
			daedalus_reclaim_locked(ctx, reset);
		}
		break;
	case DAEDALUS_STOPPED:
		/*
		 * LAST ended the old resolution already, and nothing goes on
		 * before DEC_CMD_START or a restart: the event says what the
		 * client then sets up (buffers that cannot hold the new
		 * format come back with ERROR)
		 */
		break;
	case DAEDALUS_CAPTURE_SETUP:
	case DAEDALUS_DRC:
	case DAEDALUS_ERROR:
		break;
	default:
		break;
	}
	if (event)
		queue_src_change(ctx);
}

/*
 * A FORMAT of an older epoch (a seek overtook it) is ignored.  But the
 * daemon let go of the buffers announced to it when it sent a change (it
 * awaits a CAPTURE_RESET then): take them back, to announce them anew.
 */
void daedalus_sm_stale_format_locked(struct daedalus_ctx *ctx,
				     struct daedalus_qmsg **reset)
{
	if (ctx->state == DAEDALUS_DECODING && !list_empty(&ctx->cap_avail))
		daedalus_reclaim_locked(ctx, reset);
}

/*
 * DRAIN_DONE of the current epoch.  Returns DAEDALUS_DRAIN_DONE_* flags:
 * what the caller does next, without ctx->lock (held OUTPUT buffers go
 * out; a DEC_CMD_STOP that waited for this drain then starts its own).
 */
unsigned int daedalus_sm_drain_done_locked(struct daedalus_ctx *ctx,
					   struct daedalus_qmsg **reset)
{
	switch (ctx->drain) {
	case DAEDALUS_DRAIN_ACTIVE:
		if (ctx->state == DAEDALUS_DRC ||
		    ctx->state == DAEDALUS_CAPTURE_SETUP) {
			/* LAST and EOS once CAPTURE is back */
			ctx->drain = DAEDALUS_DRAIN_DONE;
			ctx->sent_since_drain = 0;
			return 0;
		}
		end_drain(ctx, reset, "DRAIN_DONE");
		return 0;
	case DAEDALUS_DRAIN_ABANDONED:
		ctx->drain = DAEDALUS_DRAIN_NONE;
		ctx->sent_since_drain = 0;
		return DAEDALUS_DRAIN_DONE_KICK;
	case DAEDALUS_DRAIN_QUEUED:
		ctx->drain = DAEDALUS_DRAIN_NONE;
		ctx->sent_since_drain = 0;
		return DAEDALUS_DRAIN_DONE_KICK | DAEDALUS_DRAIN_DONE_STOP;
	default:
		return 0;	/* a second DRAIN_DONE: nothing to end */
	}
}

/*
 * The stream failed.  Buffers come back with ERROR, but a drain in
 * progress still ends with LAST and EOS (a buffer of the daemon's, or the
 * next one queued), so that the client finishes instead of waiting.
 */
void daedalus_sm_fail_locked(struct daedalus_ctx *ctx)
{
	bool drain = ctx->drain == DAEDALUS_DRAIN_ACTIVE ||
		     ctx->drain == DAEDALUS_DRAIN_DONE ||
		     ctx->drain == DAEDALUS_DRAIN_QUEUED;
	struct daedalus_buffer *buf;

	ctx->opened = false;
	ctx->drain = DAEDALUS_DRAIN_NONE;
	daedalus_return_list_locked(ctx, &ctx->out_held, VB2_BUF_STATE_ERROR);
	daedalus_return_list_locked(ctx, &ctx->out_pending, VB2_BUF_STATE_ERROR);
	list_splice_init(&ctx->cap_avail, &ctx->cap_held);
	if (drain && ctx->cap_streaming) {
		buf = list_first_entry_or_null(&ctx->cap_held,
					       struct daedalus_buffer, list);
		if (buf) {
			list_del(&buf->list);
			daedalus_last_done_locked(ctx, buf, true);
		} else {
			ctx->owed_last = DAEDALUS_LAST_OWED_EOS;
		}
	}
	daedalus_return_list_locked(ctx, &ctx->cap_held, VB2_BUF_STATE_ERROR);
	set_state(ctx, DAEDALUS_ERROR, "the stream failed");
}

/* ---- the client's side -------------------------------------------------- */

/*
 * DEC_CMD_STOP.  @drain is a preallocated DRAIN message, taken when sent;
 * @reset a CAPTURE_RESET, taken when LAST comes at once.
 */
int daedalus_sm_stop_locked(struct daedalus_ctx *ctx,
			    struct daedalus_qmsg **drain,
			    struct daedalus_qmsg **reset)
{
	struct daedalus_msg_epoch *m;

	/* the spec: no drain unless both queues stream, and no error either */
	if (ctx->drain == DAEDALUS_DRAIN_NONE &&
	    (!ctx->out_streaming || !ctx->cap_streaming))
		return 0;
	switch (ctx->drain) {
	case DAEDALUS_DRAIN_NONE:
		break;
	case DAEDALUS_DRAIN_ABANDONED:
		/*
		 * The daemon still drains what came before a CAPTURE reset:
		 * a second DRAIN now could not be told apart from it.  This
		 * one starts when that DRAIN_DONE is in.
		 */
		if (ctx->out_streaming && ctx->cap_streaming)
			ctx->drain = DAEDALUS_DRAIN_QUEUED;
		return 0;
	default:
		pr_debug("%s: stream %llu: DEC_CMD_STOP during a drain: -EBUSY\n",
			 DAEDALUS_NAME, ctx->stream_id);
		return -EBUSY;
	}

	switch (ctx->state) {
	case DAEDALUS_ERROR:
		/* nothing more will come: drained already */
		daedalus_reclaim_and_last_locked(ctx, reset, true);
		return 0;
	case DAEDALUS_STOPPED:
		return 0;
	case DAEDALUS_INIT:
	case DAEDALUS_DECODING:
	case DAEDALUS_DRC:
		break;
	default:
		return 0;
	}

	if (!ctx->sent_since_drain) {
		/* the daemon holds nothing of this epoch */
		if (ctx->state == DAEDALUS_DRC)
			ctx->drain = DAEDALUS_DRAIN_DONE;
		else
			end_drain(ctx, reset, "DEC_CMD_STOP with nothing sent");
		return 0;
	}

	m = (void *)(*drain)->data;
	m->epoch = ctx->epoch;
	ctx->wd_stamp = jiffies;
	/*
	 * Active even if the daemon is just going away: the failure that
	 * follows (its release fails the stream) ends the drain with LAST
	 */
	daedalus_send(ctx->dev, *drain, ctx->conn_seq);
	*drain = NULL;
	ctx->drain = DAEDALUS_DRAIN_ACTIVE;
	return 0;
}

/*
 * DEC_CMD_START: leaves Stopped, and a resolution change whose buffers
 * the client keeps.  Returns -EBUSY during a drain, as the spec says.
 */
int daedalus_sm_start_locked(struct daedalus_ctx *ctx,
			     struct daedalus_qmsg **reset)
{
	/*
	 * In a resolution change START resumes with the buffers the client
	 * keeps, even in the middle of a drain (which goes on: its frames
	 * need those buffers); otherwise a drain makes START -EBUSY.
	 */
	if (ctx->state != DAEDALUS_DRC &&
	    (ctx->drain == DAEDALUS_DRAIN_ACTIVE ||
	     ctx->drain == DAEDALUS_DRAIN_ABANDONED ||
	     ctx->drain == DAEDALUS_DRAIN_QUEUED)) {
		pr_debug("%s: stream %llu: DEC_CMD_START during a drain: -EBUSY\n",
			 DAEDALUS_NAME, ctx->stream_id);
		return -EBUSY;
	}

	switch (ctx->state) {
	case DAEDALUS_STOPPED:
	case DAEDALUS_DRC:
		ctx->owed_last = DAEDALUS_LAST_NONE;
		set_state(ctx, settled(ctx), "DEC_CMD_START");
		if (ctx->drain == DAEDALUS_DRAIN_DONE &&
		    ctx->state == DAEDALUS_DECODING)
			end_drain(ctx, reset, "DEC_CMD_START after a drain ended");
		return 0;
	default:
		return 0;
	}
}

/*
 * STREAMON(OUTPUT).  The caller has opened the stream on the daemon if it
 * was not.  A seek leaves Stopped.  Returns whether LAST must be forgotten
 * (vb2_clear_last_buffer_dequeued(), which needs no spinlock).
 */
bool daedalus_sm_out_started_locked(struct daedalus_ctx *ctx)
{
	ctx->out_seq = 0;
	ctx->out_streaming = true;
	if (ctx->state != DAEDALUS_STOPPED)
		return false;
	ctx->owed_last = DAEDALUS_LAST_NONE;
	set_state(ctx, settled(ctx), "STREAMON(OUTPUT): a seek");
	return true;
}

/*
 * STREAMOFF(OUTPUT), a seek: the caller bumped the epoch and returned the
 * OUTPUT buffers.  A drain in progress ends now with LAST and EOS.
 */
void daedalus_sm_out_stopped_locked(struct daedalus_ctx *ctx,
				    struct daedalus_qmsg **reset)
{
	ctx->out_streaming = false;
	ctx->sent_since_drain = 0;
	switch (ctx->drain) {
	case DAEDALUS_DRAIN_ACTIVE:
	case DAEDALUS_DRAIN_DONE:
	case DAEDALUS_DRAIN_QUEUED:
		if (ctx->state == DAEDALUS_DRC ||
		    ctx->state == DAEDALUS_CAPTURE_SETUP) {
			/*
			 * in a resolution change: its LAST was the end, and
			 * CAPTURE is being set up for what comes after the seek
			 */
			ctx->drain = DAEDALUS_DRAIN_NONE;
			break;
		}
		end_drain(ctx, reset, "STREAMOFF(OUTPUT) during a drain");
		break;
	default:
		ctx->drain = DAEDALUS_DRAIN_NONE;
		break;
	}
}

/* STREAMON(CAPTURE): Capture setup is over */
void daedalus_sm_cap_started_locked(struct daedalus_ctx *ctx,
				    struct daedalus_qmsg **reset)
{
	ctx->cap_seq = 0;
	ctx->cap_streaming = true;
	if (ctx->state == DAEDALUS_CAPTURE_SETUP)
		set_state(ctx, DAEDALUS_DECODING, "STREAMON(CAPTURE)");
	if (ctx->state == DAEDALUS_DECODING &&
	    ctx->drain == DAEDALUS_DRAIN_DONE)
		end_drain(ctx, reset, "STREAMON(CAPTURE) after a drain ended");
}

/*
 * STREAMOFF(CAPTURE): the caller took the buffers back.  After a
 * resolution change this is the new Capture setup, and a drain goes on
 * (its LAST and EOS come in the new resolution).  Otherwise it is a
 * Reset: a drain the daemon still works on is abandoned, not forgotten:
 * OUTPUT stays held until its DRAIN_DONE, so that the next drain is not
 * ended by it.
 */
void daedalus_sm_cap_stopped_locked(struct daedalus_ctx *ctx)
{
	ctx->cap_streaming = false;
	ctx->owed_last = DAEDALUS_LAST_NONE;
	if (ctx->state != DAEDALUS_DRC &&
	    (ctx->drain == DAEDALUS_DRAIN_ACTIVE ||
	     ctx->drain == DAEDALUS_DRAIN_QUEUED))
		ctx->drain = DAEDALUS_DRAIN_ABANDONED;
	if (ctx->state != DAEDALUS_ERROR)
		set_state(ctx, settled(ctx), "STREAMOFF(CAPTURE)");
}

/* a CAPTURE buffer was queued: it is the LAST one owed, or it waits */
void daedalus_sm_cap_queued_locked(struct daedalus_ctx *ctx,
				   struct daedalus_buffer *buf)
{
	if (ctx->owed_last != DAEDALUS_LAST_NONE) {
		daedalus_last_done_locked(ctx, buf,
					  ctx->owed_last == DAEDALUS_LAST_OWED_EOS);
		ctx->owed_last = DAEDALUS_LAST_NONE;
		return;
	}
	list_add_tail(&buf->list, &ctx->cap_held);
}

/* FRAME completes @buf: one more frame for the client to dequeue */
void daedalus_sm_frame_done_locked(struct daedalus_ctx *ctx,
				   struct daedalus_buffer *buf)
{
	buf->undequeued = true;
	ctx->cap_undequeued++;
}

/*
 * vb2's buf_finish of a CAPTURE buffer: the client dequeued it, or a
 * cancel (STREAMOFF, REQBUFS, close) took it.  The last frame out lets an
 * owed SOURCE_CHANGE go, unless the file is being closed.
 */
void daedalus_sm_cap_finished_locked(struct daedalus_ctx *ctx,
				     struct daedalus_buffer *buf)
{
	if (!buf->undequeued)
		return;
	buf->undequeued = false;
	if (WARN_ON_ONCE(!ctx->cap_undequeued))
		return;
	ctx->cap_undequeued--;
	if (ctx->src_change_owed && !ctx->cap_undequeued && !ctx->closed)
		queue_src_change(ctx);
}

/*
 * Whether a CAPTURE buffer queued now must hold the format: not in a
 * resolution change, whose old buffers a client may still queue before
 * it sees the event (one becomes LAST; the others wait, and come back
 * with ERROR if announcing resumes with a format they cannot hold).
 */
bool daedalus_sm_cap_size_binds_locked(struct daedalus_ctx *ctx)
{
	return ctx->state != DAEDALUS_DRC;
}
