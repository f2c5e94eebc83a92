/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daedalus-v4l2: a V4L2 stateful decoder whose decoding is done by a
 * userspace daemon.  Private structures shared by the module's files.
 *
 * Lock order (outer first):
 *   daedalus_ctx.ioctl_lock -> daedalus_ctx.lock -> daedalus_dev.lock
 *   daedalus_dev.ctx_mutex  -> daedalus_ctx.lock
 * ctx_mutex and ioctl_lock are never held together.
 */
#ifndef _DAEDALUS_H
#define _DAEDALUS_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/platform_device.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <media/media-device.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/videobuf2-v4l2.h>

#include <misc/daedalus_v4l2.h>

#include "daedalus-layout.h"

#define DAEDALUS_NAME		"daedalus-v4l2"
#define DAEDALUS_DRIVER		"daedalus_v4l2"

#define DAEDALUS_DEF_WIDTH	320
#define DAEDALUS_DEF_HEIGHT	240
/* smallest and largest OUTPUT sizeimage (one access unit) */
#define DAEDALUS_MIN_AU_SIZE	(1024 * 1024)
#define DAEDALUS_MAX_AU_SIZE	(16 * 1024 * 1024)
#define DAEDALUS_MAX_MSG_SIZE	(sizeof(struct daedalus_msg_decode) + \
				 DAEDALUS_MAX_AU_SIZE)
/* per-stream memory of access-unit metadata, indexed by cookie */
#define DAEDALUS_META_SLOTS	DAEDALUS_COOKIE_WINDOW

/* offset added to CAPTURE mmap offsets so both queues share one space */
#define DAEDALUS_CAP_MMAP_BASE	BIT(30)

/*
 * Stateful AV1 ('AV01', one temporal unit per buffer): in mainline's
 * videodev2.h since 2026, not in 6.1 or 6.12.  Where the kernel does not
 * know it, the node describes it itself (the V4L2 core WARNs on a format
 * it cannot describe).
 */
#ifndef V4L2_PIX_FMT_AV1
#define V4L2_PIX_FMT_AV1	v4l2_fourcc('A', 'V', '0', '1')
#define DAEDALUS_AV1_DESCRIPTION	"AV1"
#else
#define DAEDALUS_AV1_DESCRIPTION	NULL
#endif

/**
 * struct daedalus_coded_fmt - a coded format the node can expose
 * @fourcc: V4L2 pixel format
 * @flags: V4L2_FMT_FLAG_* for ENUM_FMT
 * @description: for ENUM_FMT where the kernel does not know @fourcc
 *	(then @flags has V4L2_FMT_FLAG_COMPRESSED), else NULL
 */
struct daedalus_coded_fmt {
	u32 fourcc;
	u32 flags;
	const char *description;
};

/**
 * struct daedalus_daemon - one connection of the daemon on the chardev
 * @dev: the device
 * @seq: connection number; streams opened on this connection remember it
 * @ready: the daemon's HELLO was accepted
 * @codecs: fourccs the daemon said it decodes (its last HELLO)
 * @num_codecs: valid entries of @codecs
 * @msgs: kernel->daemon messages not read yet (struct daedalus_qmsg)
 * @wq: readers and pollers wait here for @msgs
 *
 * Locking: @ready, @codecs, @num_codecs and @msgs are protected by
 * daedalus_dev.lock.  The structure lives from open to release of the
 * chardev; daedalus_dev.daemon points to it while connected.
 */
struct daedalus_daemon {
	struct daedalus_dev *dev;
	u64 seq;
	bool ready;
	u32 codecs[DAEDALUS_MAX_CODECS];
	u32 num_codecs;
	struct list_head msgs;
	wait_queue_head_t wq;
};

/**
 * struct daedalus_qmsg - a queued kernel->daemon message
 * @node: entry in daedalus_daemon.msgs
 * @stream_id: stream the message is about, 0 for none
 * @size: bytes in @data
 * @data: the message, header first
 */
struct daedalus_qmsg {
	struct list_head node;
	u64 stream_id;
	u32 size;
	u8 data[] __aligned(8);
};

/**
 * struct daedalus_dev - the device: one video node, one chardev
 * @pdev: parent device of the video node and the media device, so that
 *	tools find the media device through sysfs; no driver binds to it
 * @v4l2_dev: V4L2 device
 * @vfd: the decoder video node
 * @mdev: media device (CONFIG_MEDIA_CONTROLLER)
 * @proc: the decoder entity
 * @sink: the CAPTURE I/O entity (the source one is @vfd's)
 * @src_pad: pad of @vfd's entity
 * @proc_pads: pads of @proc
 * @sink_pad: pad of @sink
 * @intf_devnode: the video node's media interface
 * @misc: the daemon's chardev
 * @lock: spinlock; protects @daemon, @daemon_seq and the daemon's message
 *	queue.  Taken from process context only, innermost of all locks.
 * @daemon: the connected daemon, or NULL
 * @daemon_seq: last connection number handed out
 * @ctx_mutex: protects @ctxs and @next_stream_id.  Taken by the video
 *	node's open/release and by the chardev to look streams up.
 * @ctxs: every open context of the video node
 * @next_stream_id: stream id of the next context; ids are never reused
 * @stale_replies: the daemon's messages dropped because their stream had
 *	ended or failed, or their epoch had passed (sysfs stale_replies);
 *	atomic, no lock
 * @debugfs: the directory daedalus-v4l2 in debugfs (its file streams)
 */
struct daedalus_dev {
	struct platform_device *pdev;
	struct v4l2_device v4l2_dev;
	struct video_device vfd;
#ifdef CONFIG_MEDIA_CONTROLLER
	struct media_device mdev;
	struct media_entity proc;
	struct media_entity sink;
	struct media_pad src_pad;
	struct media_pad proc_pads[2];
	struct media_pad sink_pad;
	struct media_intf_devnode *intf_devnode;
#endif
	struct miscdevice misc;

	spinlock_t lock;		/* daemon, daemon_seq, message queue */
	struct daedalus_daemon *daemon;
	u64 daemon_seq;

	struct mutex ctx_mutex;		/* ctxs, next_stream_id */
	struct list_head ctxs;
	u64 next_stream_id;

	atomic64_t stale_replies;
	struct dentry *debugfs;
};

/**
 * struct daedalus_buffer - a vb2 buffer of either queue
 * @vb: the V4L2 buffer
 * @list: entry in one of the context's buffer lists
 * @cookie: OUTPUT: the cookie of the access unit it carries
 * @mem_id: CAPTURE: names the memory behind the buffer, new whenever vb2
 *	attaches other memory (a client's DMABUF or USERPTR buffer queued with
 *	another dma-buf); announced, so that the daemon exports it anew
 * @undequeued: CAPTURE: done with a frame the client has not dequeued yet
 *	(counted in daedalus_ctx.cap_undequeued); under the context's lock
 */
struct daedalus_buffer {
	struct vb2_v4l2_buffer vb;
	struct list_head list;
	u64 cookie;
	u32 mem_id;
	bool undequeued;
};

/**
 * struct daedalus_au_meta - what a CAPTURE buffer inherits from its AU
 * @cookie: the AU's cookie; 0 marks an empty slot
 * @timestamp: OUTPUT timestamp in ns
 * @timecode: OUTPUT timecode
 * @flags: OUTPUT flags worth copying (timecode, timestamp source)
 * @field: OUTPUT field
 */
struct daedalus_au_meta {
	u64 cookie;
	u64 queued_ns;
	u64 timestamp;
	struct v4l2_timecode timecode;
	u32 flags;
	u32 field;
};

/**
 * enum daedalus_state - where a context is in dev-decoder.rst
 * @DAEDALUS_INIT: Initialization: the stream's format is not known yet
 * @DAEDALUS_CAPTURE_SETUP: Capture setup: the format is known and CAPTURE
 *	does not stream (first setup, or after a Reset: STREAMOFF(CAPTURE))
 * @DAEDALUS_DECODING: Decoding: CAPTURE streams in the stream's format and
 *	its buffers are announced to the daemon
 * @DAEDALUS_DRC: Dynamic Resolution Change: the stream's format changed
 *	under a streaming CAPTURE; LAST was returned (or is owed), nothing is
 *	announced until CAPTURE is set up again or DEC_CMD_START
 * @DAEDALUS_STOPPED: Stopped: a drain ended with LAST (returned or owed);
 *	OUTPUT is held until DEC_CMD_START or a restart of either queue
 * @DAEDALUS_ERROR: the stream failed (daemon gone, STREAM_ERROR, watchdog);
 *	OUTPUT answers -EIO until it is restarted, which opens the stream anew
 *
 * daedalus-state.c has the diagram and the table of allowed transitions.
 */
enum daedalus_state {
	DAEDALUS_INIT,
	DAEDALUS_CAPTURE_SETUP,
	DAEDALUS_DECODING,
	DAEDALUS_DRC,
	DAEDALUS_STOPPED,
	DAEDALUS_ERROR,
	DAEDALUS_NUM_STATES
};

/**
 * enum daedalus_drain - the Drain sub-state, orthogonal to the state
 * @DAEDALUS_DRAIN_NONE: no drain
 * @DAEDALUS_DRAIN_ACTIVE: DEC_CMD_STOP sent DRAIN; on DRAIN_DONE comes
 *	LAST with V4L2_EVENT_EOS, and the context is stopped
 * @DAEDALUS_DRAIN_DONE: DRAIN_DONE came during a resolution change: LAST
 *	and EOS are due once CAPTURE is set up again (or DEC_CMD_START)
 * @DAEDALUS_DRAIN_ABANDONED: CAPTURE was reset during the drain: nothing
 *	is due any more, but the daemon's DRAIN_DONE is still awaited
 * @DAEDALUS_DRAIN_QUEUED: abandoned, and a new DEC_CMD_STOP came since:
 *	once the old DRAIN_DONE is in, the held OUTPUT goes out and the new
 *	drain starts (LAST and EOS at its end)
 *
 * OUTPUT is held (no DECODE goes out) unless the sub-state is NONE, so a
 * DRAIN_DONE always ends exactly what was sent before its DRAIN.
 */
enum daedalus_drain {
	DAEDALUS_DRAIN_NONE,
	DAEDALUS_DRAIN_ACTIVE,
	DAEDALUS_DRAIN_DONE,
	DAEDALUS_DRAIN_ABANDONED,
	DAEDALUS_DRAIN_QUEUED,
};

/**
 * enum daedalus_last - a LAST buffer the next queued CAPTURE buffer becomes
 * @DAEDALUS_LAST_NONE: none owed
 * @DAEDALUS_LAST_OWED: the end of a resolution (after a resolution change)
 * @DAEDALUS_LAST_OWED_EOS: the end of a drain: V4L2_EVENT_EOS with it
 */
enum daedalus_last {
	DAEDALUS_LAST_NONE,
	DAEDALUS_LAST_OWED,
	DAEDALUS_LAST_OWED_EOS,
};

/* latency buckets: [2^i, 2^(i+1)) us, the first from 0, the last open */
#define DAEDALUS_LAT_BUCKETS 24

/**
 * struct daedalus_stats - what a context did, for debugfs (streams)
 * @aus: access units queued on OUTPUT
 * @frames: CAPTURE buffers done with a frame
 * @errors: buffers done with V4L2_BUF_FLAG_ERROR (both queues)
 * @watchdog_fires: times the watchdog failed the stream
 * @latency: frames per bucket of the time from their access unit's QBUF
 *	to the frame being done (DAEDALUS_LAT_BUCKETS)
 */
struct daedalus_stats {
	u64 aus;
	u64 frames;
	u64 errors;
	u32 watchdog_fires;
	u32 latency[DAEDALUS_LAT_BUCKETS];
};

/**
 * struct daedalus_ctx - one open file of the video node: one stream
 * @fh: V4L2 file handle, first member
 * @dev: the device
 * @node: entry in daedalus_dev.ctxs
 * @ref: references: the open file, and the chardev while it works on it
 * @stream_id: stream id, unique while the module is loaded
 * @ioctl_lock: mutex; serialises this context's ioctls but DQEVENT
 *	(which may sleep for an event the daemon's messages cause) and is
 *	the vb2 lock of both queues.  Protects @out_fmt, @cap_fmt, @visible,
 *	@bit_depth, @own_fourcc and the controls' values, and the life of
 *	the queues, the control handler and @fh (see @closed).  The
 *	chardev takes it for FORMAT and EXPBUF; nothing holding it ever
 *	waits for the daemon.
 * @lock: spinlock; protects every field below it, which the chardev
 *	path shares with vb2 callbacks.  Never held across copy_*_user or
 *	anything that sleeps.
 * @out_q: OUTPUT (bitstream) queue
 * @cap_q: CAPTURE (raw frame) queue
 * @hdl: control handler
 * @min_bufs_ctrl: V4L2_CID_MIN_BUFFERS_FOR_CAPTURE
 * @out_fmt: OUTPUT format
 * @cap_fmt: CAPTURE format
 * @visible: visible rectangle inside @cap_fmt
 * @bit_depth: luma bit depth of the stream
 * @own_fourcc: the stream's own raw format, as FORMAT named it (first in
 *	ENUM_FMT; the others offered follow from it), 0 before FORMAT
 * @state: the decoder state (daedalus-state.c changes it, nothing else)
 * @drain: the drain sub-state
 * @owed_last: the next CAPTURE buffer queued is returned empty with LAST
 * @cap_undequeued: CAPTURE buffers done with a frame that the client has
 *	neither dequeued nor had taken back by a cancel (vb2's buf_finish)
 * @src_change_owed: a SOURCE_CHANGE event waits for them (see
 *	daedalus-state.c)
 * @fmt_known: @cap_fmt is the stream's, told by the daemon (FORMAT)
 * @closed: the file is being released; the chardev must not touch it
 * @opened: STREAM_OPEN was sent on connection @conn_seq: the daemon has a
 *	pipeline for the stream
 * @conn_seq: daemon connection the stream is open on
 * @out_streaming: OUTPUT start_streaming ran
 * @cap_streaming: CAPTURE start_streaming ran
 * @epoch: flush epoch, bumped on every STREAMOFF(OUTPUT) and whenever the
 *	daemon's pipeline is closed, so that its late messages are stale
 * @cap_gen: CAPTURE generation, bumped whenever the daemon's buffers are
 *	taken back
 * @next_cookie: cookie of the next OUTPUT buffer
 * @sent_since_drain: DECODEs sent in this epoch since the last drain
 * @next_mem_id: the last daedalus_buffer.mem_id given
 * @out_seq: OUTPUT sequence counter
 * @cap_seq: CAPTURE sequence counter
 * @out_held: OUTPUT buffers not sent yet (stopped or draining)
 * @out_pending: OUTPUT buffers sent as DECODE, waiting for CONSUMED
 * @cap_held: CAPTURE buffers not announced to the daemon
 * @cap_avail: CAPTURE buffers announced to the daemon
 * @layout: CAPTURE layout of @cap_fmt, for announcements
 * @wd_stamp: jiffies of the daemon's last progress on this stream, or of
 *	the moment it was last given work when it had none
 * @watchdog: fails the stream when the daemon owes it progress for longer
 *	than the watchdog_ms module parameter; runs while the stream is open
 * @last_meta: metadata of the latest OUTPUT buffer, for empty LAST buffers
 * @meta: metadata of recent access units, slot = cookie % SLOTS
 * @stats: counters for debugfs (daedalus-debugfs.c)
 */
struct daedalus_ctx {
	struct v4l2_fh fh;
	struct daedalus_dev *dev;
	struct list_head node;
	struct kref ref;
	u64 stream_id;

	struct mutex ioctl_lock;	/* ioctls, vb2 queues, formats */
	struct vb2_queue out_q;
	struct vb2_queue cap_q;
	struct v4l2_ctrl_handler hdl;
	struct v4l2_ctrl *min_bufs_ctrl;
	struct v4l2_pix_format_mplane out_fmt;
	struct v4l2_pix_format_mplane cap_fmt;
	struct v4l2_rect visible;
	u32 bit_depth;
	u32 own_fourcc;

	spinlock_t lock;		/* everything below */
	enum daedalus_state state;
	enum daedalus_drain drain;
	enum daedalus_last owed_last;
	u32 cap_undequeued;
	bool src_change_owed;
	bool fmt_known;
	bool closed;
	bool opened;
	u64 conn_seq;
	bool out_streaming;
	bool cap_streaming;
	u32 epoch;
	u32 cap_gen;
	u64 next_cookie;
	u32 sent_since_drain;
	u32 next_mem_id;
	u32 out_seq;
	u32 cap_seq;
	struct list_head out_held;
	struct list_head out_pending;
	struct list_head cap_held;
	struct list_head cap_avail;
	struct daedalus_cap_layout layout;
	unsigned long wd_stamp;
	struct delayed_work watchdog;
	struct daedalus_au_meta last_meta;
	struct daedalus_au_meta meta[DAEDALUS_META_SLOTS];
	struct daedalus_stats stats;
};

static inline struct daedalus_ctx *file_to_ctx(struct file *file)
{
	return container_of(file->private_data, struct daedalus_ctx, fh);
}

static inline struct daedalus_buffer *to_dbuf(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct daedalus_buffer, vb);
}

/* daedalus-core.c */
extern unsigned int daedalus_watchdog_ms;
extern int daedalus_video_nr;
extern const struct daedalus_coded_fmt daedalus_coded_fmts[];
extern const unsigned int daedalus_num_coded_fmts;

/*
 * How a change of the stream's format (FORMAT) meets the CAPTURE buffers:
 * the same format; a new visible rectangle or buffer minimum the buffers
 * set up still serve; or a format they cannot hold (a resolution change).
 */
enum daedalus_fmt_change {
	DAEDALUS_FMT_SAME,
	DAEDALUS_FMT_MINOR,
	DAEDALUS_FMT_NEW,
};

/* daedalus-state.c: the decoder state machine; *_locked: ctx->lock held */
const char *daedalus_state_name(enum daedalus_state state);
bool daedalus_out_may_send_locked(struct daedalus_ctx *ctx);
bool daedalus_cap_may_announce_locked(struct daedalus_ctx *ctx);
bool daedalus_daemon_owes_locked(struct daedalus_ctx *ctx);
void daedalus_sm_opened_locked(struct daedalus_ctx *ctx);
void daedalus_sm_closed_locked(struct daedalus_ctx *ctx);
void daedalus_sm_format_locked(struct daedalus_ctx *ctx,
			       enum daedalus_fmt_change change,
			       struct daedalus_qmsg **reset);
/* what daedalus_sm_drain_done_locked() leaves to its caller */
#define DAEDALUS_DRAIN_DONE_KICK	BIT(0)	/* send the held OUTPUT */
#define DAEDALUS_DRAIN_DONE_STOP	BIT(1)	/* then DEC_CMD_STOP again */
unsigned int daedalus_sm_drain_done_locked(struct daedalus_ctx *ctx,
					   struct daedalus_qmsg **reset);
void daedalus_sm_fail_locked(struct daedalus_ctx *ctx);
int daedalus_sm_stop_locked(struct daedalus_ctx *ctx,
			    struct daedalus_qmsg **drain,
			    struct daedalus_qmsg **reset);
int daedalus_sm_start_locked(struct daedalus_ctx *ctx,
			     struct daedalus_qmsg **reset);
bool daedalus_sm_out_started_locked(struct daedalus_ctx *ctx);
void daedalus_sm_out_stopped_locked(struct daedalus_ctx *ctx,
				    struct daedalus_qmsg **reset);
void daedalus_sm_cap_started_locked(struct daedalus_ctx *ctx,
				    struct daedalus_qmsg **reset);
void daedalus_sm_cap_stopped_locked(struct daedalus_ctx *ctx);
void daedalus_sm_stale_format_locked(struct daedalus_ctx *ctx,
				     struct daedalus_qmsg **reset);
void daedalus_sm_cap_queued_locked(struct daedalus_ctx *ctx,
				   struct daedalus_buffer *buf);
void daedalus_sm_frame_done_locked(struct daedalus_ctx *ctx,
				   struct daedalus_buffer *buf);
void daedalus_sm_cap_finished_locked(struct daedalus_ctx *ctx,
				     struct daedalus_buffer *buf);
bool daedalus_sm_cap_size_binds_locked(struct daedalus_ctx *ctx);

/* daedalus-fmt.c: formats */
const struct daedalus_coded_fmt *daedalus_find_coded_fmt(u32 fourcc);
void daedalus_out_fmt_adjust(struct daedalus_dev *dev,
			     struct v4l2_pix_format_mplane *f);
u32 daedalus_cap_fourcc_offered(u32 own, unsigned int index);
bool daedalus_cap_fourcc_is_offered(u32 own, u32 fourcc);
void daedalus_copy_colorimetry(struct v4l2_pix_format_mplane *dst,
			       const struct v4l2_pix_format_mplane *src);

/* daedalus-vb2.c: the queues, and the buffers between them and the daemon */
int daedalus_queue_init(struct daedalus_ctx *ctx, struct vb2_queue *q,
			u32 type);
void daedalus_return_list_locked(struct daedalus_ctx *ctx,
				 struct list_head *list,
				 enum vb2_buffer_state state);
void daedalus_cap_done_locked(struct daedalus_ctx *ctx,
			      struct daedalus_buffer *buf,
			      const struct daedalus_au_meta *meta,
			      enum vb2_buffer_state state);
void daedalus_last_done_locked(struct daedalus_ctx *ctx,
			       struct daedalus_buffer *buf, bool eos);
void daedalus_reclaim_locked(struct daedalus_ctx *ctx,
			     struct daedalus_qmsg **reset);
void daedalus_reclaim_and_last_locked(struct daedalus_ctx *ctx,
				      struct daedalus_qmsg **reset, bool eos);
struct daedalus_qmsg *daedalus_alloc_reset(struct daedalus_ctx *ctx);
void daedalus_fill_announce(struct daedalus_ctx *ctx,
			    struct daedalus_qmsg *qm,
			    struct daedalus_buffer *buf);
void daedalus_kick_out(struct daedalus_ctx *ctx);
void daedalus_kick_cap(struct daedalus_ctx *ctx);
void daedalus_close_stream(struct daedalus_ctx *ctx);

/* daedalus-msg.c: the daemon's messages (validated by the chardev) */
void daedalus_watchdog(struct work_struct *work);
int daedalus_handle_consumed(struct daedalus_ctx *ctx,
			     const struct daedalus_msg_consumed *m);
int daedalus_handle_format(struct daedalus_ctx *ctx,
			   const struct daedalus_msg_format *m);
int daedalus_handle_frame(struct daedalus_ctx *ctx,
			  const struct daedalus_msg_frame *m);
int daedalus_handle_drain_done(struct daedalus_ctx *ctx,
			       const struct daedalus_msg_epoch *m);
int daedalus_handle_stream_error(struct daedalus_ctx *ctx,
				 const struct daedalus_msg_stream_error *m);
void daedalus_fail_stream(struct daedalus_ctx *ctx, u64 conn_seq);
struct dma_buf *daedalus_expbuf(struct daedalus_ctx *ctx,
				const struct daedalus_expbuf *eb);

/* daedalus-ioctl.c: the video node */
int daedalus_video_register(struct daedalus_dev *dev);
void daedalus_video_unregister(struct daedalus_dev *dev);
void daedalus_ctx_put(struct daedalus_ctx *ctx);

/* daedalus-stream.c: messages to the daemon */
struct daedalus_qmsg *daedalus_msg_alloc_tail(u16 type, u64 stream_id,
					      size_t size, size_t tail);
struct daedalus_qmsg *daedalus_msg_alloc(u16 type, u64 stream_id,
					 size_t size);
void daedalus_msg_free(struct daedalus_qmsg *qm);
int daedalus_send(struct daedalus_dev *dev, struct daedalus_qmsg *qm,
		  u64 conn_seq);
int daedalus_send_keep(struct daedalus_dev *dev, struct daedalus_qmsg *qm,
		       u64 conn_seq);
unsigned int daedalus_queued(struct daedalus_dev *dev);

/* daedalus-debugfs.c */
void daedalus_count_frame_locked(struct daedalus_ctx *ctx,
				 const struct daedalus_au_meta *meta);
void daedalus_debugfs_init(struct daedalus_dev *dev);
void daedalus_debugfs_exit(struct daedalus_dev *dev);

/* a message of the daemon's about a stream or epoch no longer current */
static inline void daedalus_count_stale(struct daedalus_dev *dev)
{
	atomic64_inc(&dev->stale_replies);
}

void daedalus_purge_stream(struct daedalus_dev *dev, u64 stream_id);
void daedalus_take_stream_decodes(struct daedalus_dev *dev, u64 stream_id,
				  struct list_head *dead);
bool daedalus_daemon_ready(struct daedalus_dev *dev, u64 *conn_seq);
bool daedalus_daemon_has_codec(struct daedalus_dev *dev, u32 fourcc);

/* daedalus-media.c */
#ifdef CONFIG_MEDIA_CONTROLLER
int daedalus_media_register(struct daedalus_dev *dev);
void daedalus_media_unregister(struct daedalus_dev *dev);
#else
static inline int daedalus_media_register(struct daedalus_dev *dev)
{
	return 0;
}

static inline void daedalus_media_unregister(struct daedalus_dev *dev)
{
}
#endif

/* daedalus-chardev.c */
int daedalus_chardev_register(struct daedalus_dev *dev);
void daedalus_chardev_unregister(struct daedalus_dev *dev);

#endif /* _DAEDALUS_H */
