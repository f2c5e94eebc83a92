// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: what the node is doing, for people and for daedalusctl:
 * /sys/kernel/debug/daedalus-v4l2/streams (root only, as debugfs is), a
 * line for the daemon, then one per open context of the video node, each
 * of key=value pairs (docs/protocol.md, "Observability").
 */

#include <linux/debugfs.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>

#include "daedalus.h"

/*
 * A frame came for the access unit of @meta: counted, with the time since
 * its QBUF(OUTPUT) in the bucket [2^b, 2^(b+1)) us (the first from 0).
 * Context: ctx->lock held.
 */
void daedalus_count_frame_locked(struct daedalus_ctx *ctx,
				 const struct daedalus_au_meta *meta)
{
	u64 us = div_u64(ktime_get_ns() - meta->queued_ns, NSEC_PER_USEC);
	unsigned int b = us < 2 ? 0 : ilog2(us);

	ctx->stats.frames++;
	ctx->stats.latency[min_t(unsigned int, b, DAEDALUS_LAT_BUCKETS - 1)]++;
}

/* the upper bound (us) of the bucket that holds the @pct-th percentile */
static u64 percentile_us(const struct daedalus_stats *st, unsigned int pct)
{
	u64 want = div_u64(st->frames * pct + 99, 100), seen = 0;
	unsigned int i;

	for (i = 0; i < DAEDALUS_LAT_BUCKETS; i++) {
		seen += st->latency[i];
		if (seen && seen >= want)
			return 2ULL << i;
	}
	return 0;
}

/* the state machine's states, one word each (a line is space-separated) */
static const char *state_word(enum daedalus_state state)
{
	switch (state) {
	case DAEDALUS_INIT:
		return "initialization";
	case DAEDALUS_CAPTURE_SETUP:
		return "capture-setup";
	case DAEDALUS_DECODING:
		return "decoding";
	case DAEDALUS_DRC:
		return "resolution-change";
	case DAEDALUS_STOPPED:
		return "stopped";
	case DAEDALUS_ERROR:
		return "error";
	default:
		return "?";
	}
}

static unsigned int count_nodes(const struct list_head *head)
{
	const struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, head)
		n++;
	return n;
}

/* what one line says, taken under the context's lock */
struct daedalus_snapshot {
	u64 stream_id;
	const char *state;
	bool opened;
	unsigned int out_held, out_pending, cap_held, cap_avail;
	struct daedalus_stats stats;
};

static void show_ctx(struct seq_file *m, struct daedalus_ctx *ctx)
{
	struct daedalus_snapshot s;

	spin_lock(&ctx->lock);
	s.stream_id = ctx->stream_id;
	s.state = state_word(ctx->state);
	s.opened = ctx->opened && !ctx->closed;
	s.out_held = count_nodes(&ctx->out_held);
	s.out_pending = count_nodes(&ctx->out_pending);
	s.cap_held = count_nodes(&ctx->cap_held);
	s.cap_avail = count_nodes(&ctx->cap_avail);
	s.stats = ctx->stats;
	spin_unlock(&ctx->lock);

	/*
	 * The formats are the ioctls' (ctx->ioctl_lock, which an ioctl may
	 * hold while it waits for this device's ctx_mutex): read as they
	 * are, a line may show a format change half made.
	 */
	seq_printf(m, "stream=%llu state=%s daemon_stream=%s codec=%p4cc coded=%ux%u capture=%p4cc size=%ux%u",
		   s.stream_id, s.state, s.opened ? "open" : "none",
		   &ctx->out_fmt.pixelformat, READ_ONCE(ctx->out_fmt.width),
		   READ_ONCE(ctx->out_fmt.height), &ctx->cap_fmt.pixelformat,
		   READ_ONCE(ctx->cap_fmt.width),
		   READ_ONCE(ctx->cap_fmt.height));
	seq_printf(m, " output_waiting=%u output_in_daemon=%u capture_waiting=%u capture_in_daemon=%u",
		   s.out_held, s.out_pending, s.cap_held, s.cap_avail);
	seq_printf(m, " access_units=%llu frames=%llu errors=%llu watchdog_fires=%u latency_p50_us=%llu latency_p99_us=%llu\n",
		   s.stats.aus, s.stats.frames, s.stats.errors,
		   s.stats.watchdog_fires, percentile_us(&s.stats, 50),
		   percentile_us(&s.stats, 99));
}

static int streams_show(struct seq_file *m, void *unused)
{
	struct daedalus_dev *dev = m->private;
	struct daedalus_ctx *ctx;

	seq_printf(m, "daemon connected=%d protocol=%u.%u stale_replies=%lld watchdog_ms=%u\n",
		   daedalus_daemon_ready(dev, NULL), DAEDALUS_PROTO_MAJOR,
		   DAEDALUS_PROTO_MINOR,
		   (long long)atomic64_read(&dev->stale_replies),
		   READ_ONCE(daedalus_watchdog_ms));
	mutex_lock(&dev->ctx_mutex);
	list_for_each_entry(ctx, &dev->ctxs, node)
		show_ctx(m, ctx);
	mutex_unlock(&dev->ctx_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(streams);

void daedalus_debugfs_init(struct daedalus_dev *dev)
{
	/* debugfs is optional: its errors are not the node's */
	dev->debugfs = debugfs_create_dir(DAEDALUS_DEVICE_NAME, NULL);
	debugfs_create_file("streams", 0400, dev->debugfs, dev, &streams_fops);
}

void daedalus_debugfs_exit(struct daedalus_dev *dev)
{
	debugfs_remove_recursive(dev->debugfs);
}
