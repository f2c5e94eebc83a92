/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* dec-client: a V4L2 stateful decoder client of our own, which walks
 * Documentation/userspace-api/media/v4l/dev-decoder.rst step by step and
 * says which step it is at (-v).  Debian 12 has no V4L2 client for AV1 or
 * P010, and FFmpeg and GStreamer each take one path through the spec: this
 * one takes the others on purpose.
 *
 *   dec-client -d DEV -c FOURCC -i IN.hdr -o OUT.md5 [options]
 *
 * IN.hdr holds one access unit per record, as v4l2-ctl --stream-to-hdr
 * writes them (tests/e2e/ivf2hdr.py, au2hdr.py).  OUT.md5 gets one MD5 per
 * frame, in output order, of the visible picture in planes of the CAPTURE
 * format's chroma subsampling and depth (ffmpeg's yuv420p, yuv422p,
 * yuv444p, yuv420p10le), which is what framemd5.sh writes for a direct
 * decode.  Access unit N carries the timestamp N ms; every
 * frame must carry the timestamp of an access unit that was queued.
 *
 * The sequence, with what each option changes:
 *   Initialization: S_FMT(OUTPUT) with a placeholder size, REQBUFS,
 *     STREAMON(OUTPUT), queue access units until SOURCE_CHANGE;
 *   Capture setup: G_FMT, G_SELECTION(COMPOSE), ENUM_FMT (-f: S_FMT to
 *     another format), MIN_BUFFERS_FOR_CAPTURE, REQBUFS, STREAMON;
 *   Decoding, with a resolution change whenever SOURCE_CHANGE comes and
 *     LAST ends the old resolution (Capture setup again);
 *   -S N: after access unit N, drain (DEC_CMD_STOP) until LAST, then
 *     DEC_CMD_START and go on with the rest;
 *   -k N:M: after access unit N, seek (STREAMOFF/STREAMON(OUTPUT)) back
 *     or forward to access unit M, a keyframe;
 *   -x CMD: run CMD (sh -c) right after the final DEC_CMD_STOP, e.g. to
 *     kill the daemon during the drain; LAST must come all the same;
 *   -X CMD: run CMD right before the final DEC_CMD_STOP (e.g. SIGSTOP
 *     the daemon, so that the drain cannot end before -x kills it);
 *   -H N: the final DEC_CMD_STOP comes once access unit N is queued and
 *     every OUTPUT buffer came back; the access units after N (at most as
 *     many as the OUTPUT buffers: 4) are queued during that drain, which
 *     the driver holds until it ends; with -A and -X/-x (the daemon
 *     frozen from before the first DEC_CMD_STOP until after the second),
 *     the first drain's DRAIN_DONE comes after the second DEC_CMD_STOP
 *     (issue 8, defect 9: the Reset let the held access units go to the
 *     daemon at once, and that DRAIN_DONE ended the second drain, LAST
 *     coming before their frames);
 *   -A: right after the final DEC_CMD_STOP, a Reset (STREAMOFF(CAPTURE),
 *     REQBUFS 0, Capture setup again) abandons that drain, and a second
 *     DEC_CMD_STOP drains anew: it must succeed, and its LAST must come
 *     after the last frame (the frames the reset took are lost);
 *   -2 FOURCC:IN2.hdr:OUT2.md5: after the drain, a second stream on the
 *     same file descriptor (REQBUFS 0 on both queues, S_FMT(OUTPUT) of
 *     the other codec: Initialization again);
 *   -t: the file is opened blocking, and a second thread sleeps in
 *     VIDIOC_DQEVENT for every event while the main thread streams (it
 *     calls DQBUF only when poll() says a buffer is there);
 *   -Q: as -t, and while every OUTPUT buffer is queued and none came
 *     back, the main thread sleeps in a blocking DQBUF(CAPTURE) instead
 *     of poll() (a player's decode thread; the reliability tests kill
 *     the daemon meanwhile; for streams whose every access unit gives a
 *     frame, as VP9's);
 *   -E N: after the end (LAST, EPIPE, EOS), queue the LAST buffer again
 *     and seek: STREAMOFF/STREAMON(OUTPUT) without DEC_CMD_START, from
 *     access unit N (a keyframe), to the end and a second drain: the
 *     frames from N come again;
 *   -z: an empty OUTPUT buffer (bytesused 0) after every access unit: it
 *     carries nothing, and must decode as nothing;
 *   -P: DEC_CMD_STOP before CAPTURE is set up, right after the first
 *     access unit: the spec says it must succeed and start no drain;
 *   -R: at a resolution change whose new format the CAPTURE buffers
 *     still hold (size and number), keep them: G_FMT, DEC_CMD_START, and
 *     queue the LAST buffer again, instead of a new Capture setup;
 *   -K CMD: run CMD (sh -c) once, when the first resolution change
 *     mid-stream is taken (SOURCE_CHANGE, and LAST unless -G), before the
 *     new Capture setup, e.g. to kill the daemon there;
 *   -x also lets buffers come back with ERROR (the frames the failure
 *     took), which are queued again;
 *   -w OUT.yuv: also write each frame, as hashed, to OUT.yuv;
 *   -L FORMATS: write the ENUM_FMT(CAPTURE) list to FORMATS, one line
 *     after S_FMT(OUTPUT) ("init: YU12 NV12 ...") and one at each Capture
 *     setup ("setup: ...");
 *   -F: the stream must fail: exit 0 at the first buffer that comes back
 *     with ERROR or ioctl that fails with EIO, 1 if it decodes to the end;
 *   -b BYTES: at Capture setup, S_FMT(CAPTURE) with lines BYTES longer
 *     than the node's, which it must take (the daemon then writes them);
 *   -C N: N CAPTURE buffers more than MIN_BUFFERS_FOR_CAPTURE (default
 *     2), as FFmpeg has (20 in all): room for a decoder that renders into
 *     them (zero-copy) to keep its references there;
 *   -D EXPORTER: CAPTURE is V4L2_MEMORY_DMABUF, with dma-bufs exported by
 *     the V4L2 device EXPORTER (vicodec's encoder), and every QBUF gives a
 *     buffer other dma-bufs than it had (issue 8, defect 6: the daemon
 *     kept writing into the first dma-buf of an index);
 *   -G MS: the way GStreamer 1.22's v4l2videodec and FFmpeg 5.1's
 *     v4l2m2m meet a resolution change: one DQBUF(CAPTURE) per poll(),
 *     an event before any buffer, and at SOURCE_CHANGE CAPTURE stops at
 *     once (STREAMOFF), which loses the frames done but not dequeued;
 *     MS ms pass after each frame (the player's own work), so that frames
 *     pile up.  Every frame must come all the same: the node holds the
 *     event back until the frames before it are dequeued.
 * End: DEC_CMD_STOP, CAPTURE buffers until the one with LAST, then DQBUF
 * must fail with EPIPE and V4L2_EVENT_EOS must have come.
 *
 * Exit status 0 when every step did what the spec says; 1 with a message
 * naming the step otherwise; 2 for bad usage.  Nothing waits for more
 * than 10 s (-T) without progress: a watchdog thread ends the process
 * even when an ioctl never returns. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <glib.h>

#ifndef V4L2_PIX_FMT_AV1
#define V4L2_PIX_FMT_AV1 v4l2_fourcc('A', 'V', '0', '1')
#endif

#define MAX_BUFS 32
#define MAX_PLANES 3
#define N_OUTPUT_BUFS 4
#define HDR_ID v4l2_fourcc('V', 'h', 'd', 'r') /* htonl()'d in the file */

struct buf {
	void *map[MAX_PLANES];
	size_t len[MAX_PLANES];
	bool queued;
	int pool_entry[MAX_PLANES];	/* -D: the dma-buf of each plane, or -1 */
};

/* -D: dma-bufs exported by another device (vicodec's encoder), each
 * mapped once; a CAPTURE buffer gets other ones at every QBUF */
#define POOL_SIZE 32
struct pool {
	int fd[POOL_SIZE];
	void *map[POOL_SIZE];
	bool used[POOL_SIZE];
	size_t len;
	unsigned n, next;
};

struct stream {
	const char *in_path;
	const char *out_path;
	uint32_t fourcc;
	GPtrArray *aus;		/* GBytes */
	FILE *out;
	unsigned next_au;	/* next access unit to queue */
	unsigned n_frames;
	uint64_t max_ts_queued;
};

struct client {
	const char *dev;
	int fd;
	bool verbose;
	int timeout_ms;
	uint32_t want_fmt;	/* -f, or 0 */
	int drain_at;		/* -S, or -1 */
	int seek_at, seek_to;	/* -k, or -1 */
	const char *on_stop;	/* -x */
	const char *before_stop;	/* -X */
	bool event_thread;	/* -t */
	bool block_dqbuf;	/* -Q */
	const char *on_drc;	/* -K */
	int seek_after_eos;	/* -E, or -1 */
	bool empty_aus;		/* -z */
	bool stop_early;	/* -P */
	bool keep_on_drc;	/* -R */
	bool reset_in_drain;	/* -A */
	int stop_after;		/* -H, or -1 */
	FILE *raw_out;		/* -w */
	unsigned extra_bpl;	/* -b */
	int extra_cap;		/* -C */
	const char *exporter;	/* -D: CAPTURE is DMABUF, from this device */
	struct pool *pool;	/* -D's dma-bufs */
	FILE *formats_out;	/* -L */
	unsigned n_errors;	/* buffers that came back with ERROR (-x) */
	unsigned last_index;	/* the CAPTURE buffer that came with LAST */
	int hasty_drc_ms;	/* -G: CAPTURE stops at SOURCE_CHANGE; -1 off */

	struct buf out[MAX_BUFS];
	unsigned n_out;
	struct buf cap[MAX_BUFS];
	unsigned n_cap;
	bool out_streaming, cap_streaming;

	struct v4l2_format cap_fmt;
	struct v4l2_rect visible;
	const struct rawfmt *raw;	/* the CAPTURE format's */

	/* events, from the main thread (poll) or the event thread */
	pthread_mutex_t lock;
	unsigned src_changes;	/* SOURCE_CHANGE events received */
	unsigned handled_changes;	/* of them, those acted upon (main thread) */
	unsigned eos_events;
	pthread_t thread;

	/* the watchdog: the step and when it last made progress */
	const char *step;
	int64_t progress;
};

static struct client *the_client;

static bool the_client_expects_failure;	/* -F */

static void die(const char *step, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(const char *step, const char *fmt, ...)
{
	va_list ap;

	if (the_client_expects_failure && errno == EIO) {
		/* -F: the stream failed, as it had to */
		fprintf(stderr, "dec-client: the stream failed at %s, as "
			"expected\n", step);
		exit(0);
	}

	fprintf(stderr, "dec-client: FAIL at %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	if (!the_client->verbose)
		return;
	fprintf(stderr, "dec-client: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static void set_step(const char *step)
{
	pthread_mutex_lock(&the_client->lock);
	the_client->step = step;
	pthread_mutex_unlock(&the_client->lock);
}

static void must(const char *step, int fd, unsigned long req, void *arg)
{
	set_step(step);
	if (xioctl(fd, req, arg) < 0)
		die(step, "%s", strerror(errno));
}

static const char *fourcc_str(uint32_t f, char s[5])
{
	s[0] = f & 0xff;
	s[1] = (f >> 8) & 0xff;
	s[2] = (f >> 16) & 0xff;
	s[3] = (f >> 24) & 0xff;
	s[4] = 0;
	return s;
}

static uint32_t parse_fourcc(const char *s)
{
	if (strlen(s) != 4)
		return 0;
	return v4l2_fourcc(s[0], s[1], s[2], s[3]);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- input ------------------------------------------------------------ */

static GPtrArray *read_hdr(const char *path)
{
	GPtrArray *aus = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	gchar *data;
	gsize len, pos = 0;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, &len, &err))
		die("reading the input", "%s", err->message);
	while (pos + 8 <= len) {
		uint32_t id, size;

		memcpy(&id, data + pos, 4);
		memcpy(&size, data + pos + 4, 4);
		id = GUINT32_FROM_BE(id);
		size = GUINT32_FROM_BE(size);
		if (id != HDR_ID || size > len - pos - 8)
			die("reading the input", "%s: bad record at byte %zu", path, pos);
		g_ptr_array_add(aus, g_bytes_new(data + pos + 8, size));
		pos += 8 + size;
	}
	if (pos != len || aus->len == 0)
		die("reading the input", "%s: no access units, or trailing bytes", path);
	g_free(data);
	return aus;
}

/* ---- events --------------------------------------------------------------- */

/* whether poll() says @events: DQBUF then does not block */
static bool ready(struct client *c, short events)
{
	struct pollfd p = { .fd = c->fd, .events = events };

	return poll(&p, 1, 0) > 0 && (p.revents & events);
}


static void take_event(struct client *c, const struct v4l2_event *ev)
{
	pthread_mutex_lock(&c->lock);
	if (ev->type == V4L2_EVENT_SOURCE_CHANGE &&
	    (ev->u.src_change.changes & V4L2_EVENT_SRC_CH_RESOLUTION))
		c->src_changes++;
	else if (ev->type == V4L2_EVENT_EOS)
		c->eos_events++;
	pthread_mutex_unlock(&c->lock);
	say("event %s", ev->type == V4L2_EVENT_EOS ? "EOS" :
	    ev->type == V4L2_EVENT_SOURCE_CHANGE ? "SOURCE_CHANGE" : "other");
}

/* main thread: every pending event (unless the event thread takes them) */
static void drain_events(struct client *c)
{
	struct v4l2_event ev;

	if (c->event_thread)
		return;
	while (ready(c, POLLPRI) && xioctl(c->fd, VIDIOC_DQEVENT, &ev) == 0)
		take_event(c, &ev);
}

/* -t: sleeps in DQEVENT (the file is blocking) */
static void *event_thread(void *data)
{
	struct client *c = data;
	struct v4l2_event ev;

	for (;;) {
		memset(&ev, 0, sizeof(ev));
		if (xioctl(c->fd, VIDIOC_DQEVENT, &ev) < 0)
			die("the event thread's DQEVENT", "%s", strerror(errno));
		take_event(c, &ev);
	}
	return NULL;
}

static void progress(struct client *c, const char *step)
{
	pthread_mutex_lock(&c->lock);
	c->step = step;
	c->progress = now_ms();
	pthread_mutex_unlock(&c->lock);
}

/* ends the process when a step makes no progress, even inside an ioctl */
static void *watchdog_thread(void *data)
{
	struct client *c = data;

	for (;;) {
		const char *step;
		int64_t idle;

		usleep(100 * 1000);
		pthread_mutex_lock(&c->lock);
		step = c->step;
		idle = now_ms() - c->progress;
		pthread_mutex_unlock(&c->lock);
		if (idle > c->timeout_ms)
			die(step, "no progress for %d ms (an ioctl that does not "
			    "return?)", c->timeout_ms);
	}
	return NULL;
}

static unsigned pending_src_changes(struct client *c)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->src_changes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* whether a SOURCE_CHANGE came that the main thread has not acted upon
 * yet; it acts upon it (and every other that came) now */
static bool take_src_change(struct client *c)
{
	unsigned n = pending_src_changes(c);

	if (n <= c->handled_changes)
		return false;
	c->handled_changes = n;
	if (c->on_drc && c->cap_streaming) {
		/* -K: once, at the first resolution change mid-stream */
		say("resolution change: running %s", c->on_drc);
		if (system(c->on_drc) != 0)
			die("the command at the resolution change", "%s failed",
			    c->on_drc);
		c->on_drc = NULL;
	}
	return true;
}

static void subscribe(struct client *c)
{
	struct v4l2_event_subscription sub = { .type = V4L2_EVENT_SOURCE_CHANGE };

	must("subscribing to SOURCE_CHANGE", c->fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
	memset(&sub, 0, sizeof(sub));
	sub.type = V4L2_EVENT_EOS;
	must("subscribing to EOS", c->fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
}

/* ---- buffers -------------------------------------------------------------- */

/* CAPTURE is DMABUF with -D, everything else MMAP */
static enum v4l2_memory memory_of(struct client *c, enum v4l2_buf_type type)
{
	return c->exporter && !V4L2_TYPE_IS_OUTPUT(type) ? V4L2_MEMORY_DMABUF :
	       V4L2_MEMORY_MMAP;
}

static void unmap_all(struct buf *bufs, unsigned n)
{
	unsigned i, p;

	for (i = 0; i < n; i++)
		for (p = 0; p < MAX_PLANES; p++)
			if (bufs[i].map[p]) {
				munmap(bufs[i].map[p], bufs[i].len[p]);
				bufs[i].map[p] = NULL;
			}
}

static unsigned alloc_bufs(struct client *c, enum v4l2_buf_type type,
			   unsigned count, struct buf *bufs, const char *step)
{
	struct v4l2_requestbuffers rb = { .count = count, .type = type,
					  .memory = memory_of(c, type) };
	unsigned i, p;

	must(step, c->fd, VIDIOC_REQBUFS, &rb);
	if (rb.count < count && count)
		die(step, "REQBUFS gave %u buffers, asked for %u", rb.count, count);
	if (rb.count > MAX_BUFS)
		die(step, "REQBUFS gave %u buffers, more than %u", rb.count, MAX_BUFS);
	for (i = 0; i < rb.count; i++) {
		struct v4l2_plane planes[VIDEO_MAX_PLANES];
		struct v4l2_buffer b = { .index = i, .type = type,
					 .memory = V4L2_MEMORY_MMAP,
					 .m.planes = planes,
					 .length = VIDEO_MAX_PLANES };

		for (p = 0; p < MAX_PLANES; p++)
			bufs[i].pool_entry[p] = -1;
		if (rb.memory == V4L2_MEMORY_DMABUF) {
			/* planes come from the pool at each QBUF */
			bufs[i].queued = false;
			continue;
		}

		must(step, c->fd, VIDIOC_QUERYBUF, &b);
		if (b.length > MAX_PLANES)
			die(step, "%u planes", b.length);
		for (p = 0; p < b.length; p++) {
			bufs[i].len[p] = planes[p].length;
			bufs[i].map[p] = mmap(NULL, planes[p].length,
					      PROT_READ | PROT_WRITE, MAP_SHARED,
					      c->fd, planes[p].m.mem_offset);
			if (bufs[i].map[p] == MAP_FAILED)
				die(step, "mmap: %s", strerror(errno));
		}
		bufs[i].queued = false;
	}
	return rb.count;
}

static void free_bufs(struct client *c, enum v4l2_buf_type type,
		      struct buf *bufs, unsigned *n, const char *step)
{
	struct v4l2_requestbuffers rb = { .count = 0, .type = type,
					  .memory = memory_of(c, type) };
	unsigned i, p;

	if (rb.memory == V4L2_MEMORY_DMABUF) {
		/* the maps are the pool's */
		for (i = 0; i < *n; i++)
			for (p = 0; p < MAX_PLANES; p++) {
				if (bufs[i].pool_entry[p] >= 0)
					c->pool->used[bufs[i].pool_entry[p]] = false;
				bufs[i].pool_entry[p] = -1;
				bufs[i].map[p] = NULL;
			}
	}
	unmap_all(bufs, *n);
	must(step, c->fd, VIDIOC_REQBUFS, &rb);
	*n = 0;
}

/* -D: dma-bufs of the exporter's OUTPUT queue (raw 1280x720 YUV420, which
 * holds any plane of the test clips) */
static void pool_init(struct client *c)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE };
	struct v4l2_requestbuffers rb = { .count = POOL_SIZE,
					  .type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
					  .memory = V4L2_MEMORY_MMAP };
	struct pool *pool = g_new0(struct pool, 1);
	int fd = open(c->exporter, O_RDWR | O_CLOEXEC);
	unsigned i;

	if (fd < 0)
		die("-D", "%s: %s", c->exporter, strerror(errno));
	f.fmt.pix_mp.pixelformat = V4L2_PIX_FMT_YUV420;
	f.fmt.pix_mp.width = 1280;
	f.fmt.pix_mp.height = 720;
	f.fmt.pix_mp.num_planes = 1;
	must("-D: S_FMT on the exporter", fd, VIDIOC_S_FMT, &f);
	must("-D: REQBUFS on the exporter", fd, VIDIOC_REQBUFS, &rb);
	pool->n = rb.count;
	for (i = 0; i < pool->n; i++) {
		struct v4l2_exportbuffer e = { .type = rb.type, .index = i,
					       .flags = O_RDWR | O_CLOEXEC };

		must("-D: EXPBUF on the exporter", fd, VIDIOC_EXPBUF, &e);
		pool->fd[i] = e.fd;
		pool->len = lseek(e.fd, 0, SEEK_END);
		pool->map[i] = mmap(NULL, pool->len, PROT_READ | PROT_WRITE,
				    MAP_SHARED, e.fd, 0);
		if (pool->map[i] == MAP_FAILED)
			die("-D: mmap of a dma-buf", "%s", strerror(errno));
	}
	say("-D: %u dma-bufs of %zu bytes from %s", pool->n, pool->len,
	    c->exporter);
	c->pool = pool;
}

/* the next dma-buf of the pool that no buffer holds */
static int pool_take(struct client *c)
{
	struct pool *pool = c->pool;
	unsigned i;

	for (i = 0; i < pool->n; i++) {
		unsigned e = (pool->next + i) % pool->n;

		if (!pool->used[e]) {
			pool->used[e] = true;
			pool->next = e + 1;
			return e;
		}
	}
	die("-D", "the %u dma-bufs are all in use", pool->n);
}

/*
 * QBUF(CAPTURE) of buffer @b->index; with -D, every plane gets another
 * dma-buf than the one it had (the node must write into the new one).
 */
static void qbuf_capture(struct client *c, struct v4l2_buffer *b,
			 const char *step)
{
	struct buf *cb = &c->cap[b->index];
	int old[MAX_PLANES];
	unsigned p;

	memset(b->m.planes, 0, sizeof(*b->m.planes) * VIDEO_MAX_PLANES);
	b->length = c->cap_fmt.fmt.pix_mp.num_planes;
	b->memory = memory_of(c, b->type);
	b->flags = 0;
	if (b->memory == V4L2_MEMORY_DMABUF) {
		for (p = 0; p < b->length; p++) {
			int e = pool_take(c);

			old[p] = cb->pool_entry[p];
			cb->pool_entry[p] = e;
			cb->map[p] = c->pool->map[e];
			cb->len[p] = c->pool->len;
			b->m.planes[p].m.fd = c->pool->fd[e];
			b->m.planes[p].length = c->pool->len;
		}
		/* given back after the new ones were taken: never the same */
		for (p = 0; p < b->length; p++)
			if (old[p] >= 0)
				c->pool->used[old[p]] = false;
	}
	must(step, c->fd, VIDIOC_QBUF, b);
	cb->queued = true;
}

static void stream(struct client *c, enum v4l2_buf_type type, bool on,
		   const char *step)
{
	int t = type;

	must(step, c->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &t);
	if (type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE)
		c->out_streaming = on;
	else
		c->cap_streaming = on;
	if (!on) {
		struct buf *bufs = type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE ? c->out : c->cap;
		unsigned i;

		for (i = 0; i < MAX_BUFS; i++)
			bufs[i].queued = false;
	}
}

/* ---- OUTPUT --------------------------------------------------------------- */

static void list_formats(struct client *c, const char *what);

static void setup_output(struct client *c, struct stream *s)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE };
	char fcc[5];

	/* a placeholder size: the stream says what it is */
	f.fmt.pix_mp.pixelformat = s->fourcc;
	f.fmt.pix_mp.width = 64;
	f.fmt.pix_mp.height = 64;
	f.fmt.pix_mp.num_planes = 1;
	must("S_FMT(OUTPUT)", c->fd, VIDIOC_S_FMT, &f);
	if (f.fmt.pix_mp.pixelformat != s->fourcc)
		die("S_FMT(OUTPUT)", "the node does not offer %s (it chose %s)",
		    fourcc_str(s->fourcc, fcc),
		    fourcc_str(f.fmt.pix_mp.pixelformat, (char[5]){ 0 }));
	say("Initialization: S_FMT(OUTPUT) %s, sizeimage %u",
	    fourcc_str(s->fourcc, fcc), f.fmt.pix_mp.plane_fmt[0].sizeimage);
	list_formats(c, "init");
	c->n_out = alloc_bufs(c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
			      N_OUTPUT_BUFS, c->out, "REQBUFS(OUTPUT)");
	stream(c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, true, "STREAMON(OUTPUT)");
}

/* -t: whether DQBUF(OUTPUT) on the blocking file returns at once: a
 * buffer came back, or poll() says POLLERR while OUTPUT holds buffers of
 * ours (so its queue is not empty: it failed, DQBUF says EIO) */
static bool output_answers(struct client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };
	unsigned i;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & POLLOUT)
		return true;
	if (!(p.revents & POLLERR))
		return false;
	for (i = 0; i < c->n_out; i++)
		if (c->out[i].queued)
			return true;
	return false;
}

static void reclaim_output(struct client *c)
{
	/* without -t the file is non-blocking: DQBUF says EAGAIN, or EIO
	 * when the stream failed (poll's POLLERR does not tell that apart
	 * from OUTPUT having nothing queued) */
	while (!c->event_thread || output_answers(c)) {
		struct v4l2_plane planes[1];
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
					 .memory = V4L2_MEMORY_MMAP,
					 .m.planes = planes, .length = 1 };

		if (xioctl(c->fd, VIDIOC_DQBUF, &b) < 0) {
			if (errno == EAGAIN)
				return;
			/* -x: the failure came, as it had to; LAST must
			 * still come on CAPTURE */
			if (errno == EIO && c->on_stop)
				return;
			die("DQBUF(OUTPUT)", "%s", strerror(errno));
		}
		c->out[b.index].queued = false;
		if ((b.flags & V4L2_BUF_FLAG_ERROR) && !c->on_stop) {
			errno = EIO;
			die("DQBUF(OUTPUT)", "buffer %u came back with ERROR",
			    b.index);
		}
	}
}

/* queue access unit s->next_au into a free OUTPUT buffer, if there is one */
static bool queue_au(struct client *c, struct stream *s)
{
	struct v4l2_plane planes[1];
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
				 .memory = V4L2_MEMORY_MMAP, .m.planes = planes,
				 .length = 1 };
	GBytes *au = g_ptr_array_index(s->aus, s->next_au);
	gsize size;
	const void *data = g_bytes_get_data(au, &size);
	unsigned i;

	for (i = 0; i < c->n_out && c->out[i].queued; i++)
		;
	if (i == c->n_out)
		return false;
	if (size > c->out[i].len[0])
		die("QBUF(OUTPUT)", "access unit %u has %zu bytes, the buffer %zu",
		    s->next_au, size, c->out[i].len[0]);
	memcpy(c->out[i].map[0], data, size);
	memset(planes, 0, sizeof(planes));
	planes[0].bytesused = size;
	b.index = i;
	b.timestamp.tv_sec = s->next_au / 1000;
	b.timestamp.tv_usec = (s->next_au % 1000) * 1000;
	must("QBUF(OUTPUT)", c->fd, VIDIOC_QBUF, &b);
	c->out[i].queued = true;
	if (c->empty_aus) {
		/* bytesused 0 in a buffer that still holds an older AU */
		unsigned j;

		for (j = 0; j < c->n_out && c->out[j].queued; j++)
			;
		if (j < c->n_out) {
			memset(planes, 0, sizeof(planes));
			b.index = j;
			must("QBUF(OUTPUT) of an empty buffer", c->fd, VIDIOC_QBUF, &b);
			c->out[j].queued = true;
		}
	}
	if (s->next_au > s->max_ts_queued)
		s->max_ts_queued = s->next_au;
	s->next_au++;
	return true;
}

/* ---- CAPTURE -------------------------------------------------------------- */

/* the raw formats of the node (docs/protocol.md), as the kernel lays
 * them out */
static const struct rawfmt {
	uint32_t fourcc;
	unsigned depth, bps, hsub, vsub, mem_planes, color_planes;
} rawfmts[] = {
	{ V4L2_PIX_FMT_YUV420, 8, 1, 2, 2, 1, 3 },
	{ V4L2_PIX_FMT_NV12, 8, 1, 2, 2, 1, 2 },
	{ V4L2_PIX_FMT_NV12M, 8, 1, 2, 2, 2, 2 },
	{ V4L2_PIX_FMT_YUV420M, 8, 1, 2, 2, 3, 3 },
	{ V4L2_PIX_FMT_P010, 10, 2, 2, 2, 1, 2 },
	{ V4L2_PIX_FMT_NV16, 8, 1, 2, 1, 1, 2 },
	{ V4L2_PIX_FMT_YUV422P, 8, 1, 2, 1, 1, 3 },
	{ V4L2_PIX_FMT_YUV422M, 8, 1, 2, 1, 3, 3 },
	{ V4L2_PIX_FMT_YUV444M, 8, 1, 1, 1, 3, 3 },
	{ V4L2_PIX_FMT_NV24, 8, 1, 1, 1, 1, 2 },
};

static const struct rawfmt *find_rawfmt(uint32_t f)
{
	unsigned i;

	for (i = 0; i < G_N_ELEMENTS(rawfmts); i++)
		if (rawfmts[i].fourcc == f)
			return &rawfmts[i];
	return NULL;
}

/* writes the ENUM_FMT(CAPTURE) list to -L's file, after @what */
static void list_formats(struct client *c, const char *what)
{
	struct v4l2_fmtdesc fd = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE };
	char fcc[5];

	if (!c->formats_out)
		return;
	fprintf(c->formats_out, "%s:", what);
	for (fd.index = 0; xioctl(c->fd, VIDIOC_ENUM_FMT, &fd) == 0; fd.index++)
		fprintf(c->formats_out, " %s", fourcc_str(fd.pixelformat, fcc));
	fputc('\n', c->formats_out);
	fflush(c->formats_out);
}

static void capture_setup(struct client *c, bool again)
{
	struct v4l2_control ctrl = { .id = V4L2_CID_MIN_BUFFERS_FOR_CAPTURE };
	struct v4l2_selection sel = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				      .target = V4L2_SEL_TGT_COMPOSE };
	struct v4l2_fmtdesc fd = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE };
	bool offered = false;
	unsigned i, count;
	char fcc[5];

	if (again) {
		say("resolution change: STREAMOFF(CAPTURE), REQBUFS(CAPTURE, 0)");
		stream(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, false,
		       "STREAMOFF(CAPTURE) for a resolution change");
		free_bufs(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, c->cap, &c->n_cap,
			  "REQBUFS(CAPTURE, 0) for a resolution change");
	}
	memset(&c->cap_fmt, 0, sizeof(c->cap_fmt));
	c->cap_fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	must("Capture setup: G_FMT(CAPTURE)", c->fd, VIDIOC_G_FMT, &c->cap_fmt);
	must("Capture setup: G_SELECTION(COMPOSE)", c->fd, VIDIOC_G_SELECTION, &sel);
	c->visible = sel.r;
	if (sel.r.left || sel.r.top ||
	    sel.r.width > c->cap_fmt.fmt.pix_mp.width ||
	    sel.r.height > c->cap_fmt.fmt.pix_mp.height || !sel.r.width)
		die("Capture setup: G_SELECTION(COMPOSE)",
		    "%ux%u@%d,%d does not fit %ux%u", sel.r.width, sel.r.height,
		    sel.r.left, sel.r.top, c->cap_fmt.fmt.pix_mp.width,
		    c->cap_fmt.fmt.pix_mp.height);

	for (fd.index = 0; xioctl(c->fd, VIDIOC_ENUM_FMT, &fd) == 0; fd.index++) {
		say("Capture setup: ENUM_FMT(CAPTURE) %u: %s (%s)", fd.index,
		    fourcc_str(fd.pixelformat, fcc), fd.description);
		if (fd.pixelformat == c->want_fmt)
			offered = true;
	}
	if ((c->want_fmt && c->want_fmt != c->cap_fmt.fmt.pix_mp.pixelformat) ||
	    c->extra_bpl) {
		uint32_t asked[VIDEO_MAX_PLANES] = { 0 };

		if (c->want_fmt && !offered)
			die("Capture setup: ENUM_FMT(CAPTURE)", "%s is not offered",
			    fourcc_str(c->want_fmt, fcc));
		if (c->want_fmt && c->want_fmt != c->cap_fmt.fmt.pix_mp.pixelformat) {
			/* the new format's own lines */
			c->cap_fmt.fmt.pix_mp.pixelformat = c->want_fmt;
			memset(c->cap_fmt.fmt.pix_mp.plane_fmt, 0,
			       sizeof(c->cap_fmt.fmt.pix_mp.plane_fmt));
			must("Capture setup: TRY_FMT(CAPTURE)", c->fd,
			     VIDIOC_TRY_FMT, &c->cap_fmt);
		}
		for (i = 0; c->extra_bpl && i < c->cap_fmt.fmt.pix_mp.num_planes; i++) {
			c->cap_fmt.fmt.pix_mp.plane_fmt[i].bytesperline += c->extra_bpl;
			asked[i] = c->cap_fmt.fmt.pix_mp.plane_fmt[i].bytesperline;
		}
		must("Capture setup: S_FMT(CAPTURE)", c->fd, VIDIOC_S_FMT, &c->cap_fmt);
		if (c->want_fmt && c->cap_fmt.fmt.pix_mp.pixelformat != c->want_fmt)
			die("Capture setup: S_FMT(CAPTURE)", "asked for %s, got %s",
			    fourcc_str(c->want_fmt, fcc),
			    fourcc_str(c->cap_fmt.fmt.pix_mp.pixelformat, (char[5]){ 0 }));
		for (i = 0; c->extra_bpl && i < c->cap_fmt.fmt.pix_mp.num_planes; i++)
			if (c->cap_fmt.fmt.pix_mp.plane_fmt[i].bytesperline < asked[i])
				die("Capture setup: S_FMT(CAPTURE)", "plane %u: asked "
				    "for %u bytes a line, got %u", i, asked[i],
				    c->cap_fmt.fmt.pix_mp.plane_fmt[i].bytesperline);
	}
	must("Capture setup: G_CTRL(MIN_BUFFERS_FOR_CAPTURE)", c->fd,
	     VIDIOC_G_CTRL, &ctrl);
	if (ctrl.value < 1)
		die("Capture setup", "MIN_BUFFERS_FOR_CAPTURE is %d", ctrl.value);
	count = ctrl.value + c->extra_cap;
	c->raw = find_rawfmt(c->cap_fmt.fmt.pix_mp.pixelformat);
	if (!c->raw)
		die("Capture setup", "%s is no raw format of the node",
		    fourcc_str(c->cap_fmt.fmt.pix_mp.pixelformat, fcc));
	list_formats(c, "setup");
	say("Capture setup: %s %ux%u, visible %ux%u, %u planes, min buffers %d",
	    fourcc_str(c->cap_fmt.fmt.pix_mp.pixelformat, fcc),
	    c->cap_fmt.fmt.pix_mp.width, c->cap_fmt.fmt.pix_mp.height,
	    sel.r.width, sel.r.height, c->cap_fmt.fmt.pix_mp.num_planes, ctrl.value);
	c->n_cap = alloc_bufs(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, count, c->cap,
			      "Capture setup: REQBUFS(CAPTURE)");
	for (i = 0; i < c->n_cap; i++) {
		struct v4l2_plane planes[VIDEO_MAX_PLANES];
		struct v4l2_buffer b = { .index = i,
					 .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
					 .m.planes = planes };

		qbuf_capture(c, &b, "Capture setup: QBUF(CAPTURE)");
	}
	stream(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, true,
	       "Capture setup: STREAMON(CAPTURE)");
}

/* where colour plane @p (0 Y, 1 U or UV, 2 V) of the frame in @b starts,
 * and its stride, as the kernel lays the format out */
static const uint8_t *plane_of(struct client *c, const struct buf *b,
			       unsigned p, unsigned *stride)
{
	const struct v4l2_pix_format_mplane *f = &c->cap_fmt.fmt.pix_mp;
	const struct rawfmt *r = c->raw;
	uint32_t bpl = f->plane_fmt[0].bytesperline;
	uint32_t cbpl = bpl / r->hsub * (r->color_planes == 2 ? 2 : 1);
	const uint8_t *base = b->map[0];

	if (r->mem_planes > 1) {
		*stride = f->plane_fmt[p].bytesperline;
		return b->map[p];
	}
	*stride = p ? cbpl : bpl;
	return base + (p == 0 ? 0 : (size_t)bpl * f->height +
		       (size_t)(p - 1) * cbpl * (f->height / r->vsub));
}

/* MD5 of the visible picture in planes of its own chroma subsampling
 * (ffmpeg's yuv420p, yuv422p, yuv444p; deeper than 8 bits: ...p10le);
 * -w also writes it to a file */
static void frame_md5(struct client *c, const struct buf *b, char out[33])
{
	GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
	const struct rawfmt *r = c->raw;
	bool semi = r->color_planes == 2;
	unsigned w = c->visible.width, h = c->visible.height;
	unsigned p, x, y, stride;
	uint8_t *line = g_malloc(w * 2 + 2);

	for (p = 0; p < 3; p++) {
		unsigned pw = p ? (w + r->hsub - 1) / r->hsub : w;
		unsigned ph = p ? (h + r->vsub - 1) / r->vsub : h;
		const uint8_t *src = plane_of(c, b, semi && p == 2 ? 1 : p, &stride);

		for (y = 0; y < ph; y++) {
			const uint8_t *row = src + (size_t)y * stride;

			for (x = 0; x < pw; x++) {
				unsigned sx = semi && p ? 2 * x + (p == 2) : x;

				if (r->bps == 1) {
					line[x] = row[sx];
				} else {
					/* P010: the bits in the high bits, LE */
					uint16_t v = row[2 * sx] | row[2 * sx + 1] << 8;

					v >>= 16 - r->depth;
					line[2 * x] = v & 0xff;
					line[2 * x + 1] = v >> 8;
				}
			}
			g_checksum_update(md5, line, pw * r->bps);
			if (c->raw_out &&
			    fwrite(line, r->bps, pw, c->raw_out) != pw)
				die("writing a frame", "%s", strerror(errno));
		}
	}
	g_strlcpy(out, g_checksum_get_string(md5), 33);
	g_checksum_free(md5);
	g_free(line);
}

enum cap_result { CAP_NONE, CAP_FRAME, CAP_LAST };

/* -Q: whether an OUTPUT buffer is free for the next access unit (one
 * that came back but was not dequeued yet is not) */
static bool any_output_free(struct client *c)
{
	unsigned i;

	for (i = 0; i < c->n_out; i++)
		if (!c->out[i].queued)
			return true;
	return false;
}

static enum cap_result dequeue_capture(struct client *c, struct stream *s)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
				 .memory = memory_of(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE),
				 .m.planes = planes, .length = VIDEO_MAX_PLANES };
	uint64_t ts;
	bool last;

	if (c->block_dqbuf && c->cap_streaming && !any_output_free(c) &&
	    !ready(c, POLLOUT)) {
		pthread_mutex_lock(&c->lock);
		c->step = "blocked in DQBUF(CAPTURE)";
		pthread_mutex_unlock(&c->lock);
	} else if (!ready(c, POLLIN)) {
		return CAP_NONE;
	}
	if (xioctl(c->fd, VIDIOC_DQBUF, &b) < 0) {
		if (errno == EAGAIN)
			return CAP_NONE;
		die("DQBUF(CAPTURE)", "%s", strerror(errno));
	}
	c->cap[b.index].queued = false;
	last = b.flags & V4L2_BUF_FLAG_LAST;
	ts = (uint64_t)b.timestamp.tv_sec * 1000 + b.timestamp.tv_usec / 1000;
	if ((b.flags & V4L2_BUF_FLAG_ERROR) && !last) {
		if (!c->on_stop) {
			errno = EIO;
			die("DQBUF(CAPTURE)", "buffer %u came back with ERROR", b.index);
		}
		/* -x: the failure took this frame; the buffer goes back */
		c->n_errors++;
		say("buffer %u came back with ERROR", b.index);
		qbuf_capture(c, &b, "QBUF(CAPTURE)");
		return CAP_FRAME;
	}
	if (planes[0].bytesused) {
		char sum[33];

		if (ts > s->max_ts_queued || b.timestamp.tv_usec % 1000)
			die("DQBUF(CAPTURE)", "frame %u has the timestamp %llu.%06llu "
			    "of no access unit queued", s->n_frames,
			    (unsigned long long)b.timestamp.tv_sec,
			    (unsigned long long)b.timestamp.tv_usec);
		frame_md5(c, &c->cap[b.index], sum);
		fprintf(s->out, "%s\n", sum);
		s->n_frames++;
		say("frame %u (timestamp of access unit %llu)%s", s->n_frames - 1,
		    (unsigned long long)ts, last ? ", LAST" : "");
	} else if (!last) {
		die("DQBUF(CAPTURE)", "an empty buffer without LAST");
	} else {
		say("empty buffer with LAST");
	}
	if (!last) {
		qbuf_capture(c, &b, "QBUF(CAPTURE)");
		return CAP_FRAME;
	}
	c->last_index = b.index;
	return CAP_LAST;
}

/* after LAST: DQBUF must fail with EPIPE */
static void expect_epipe(struct client *c, const char *step)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
				 .memory = memory_of(c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE),
				 .m.planes = planes, .length = VIDEO_MAX_PLANES };

	if (xioctl(c->fd, VIDIOC_DQBUF, &b) == 0 || errno != EPIPE)
		die(step, "DQBUF(CAPTURE) after LAST gave %s, not EPIPE",
		    errno ? strerror(errno) : "a buffer");
}

static void decoder_cmd(struct client *c, uint32_t cmd, const char *step)
{
	struct v4l2_decoder_cmd dc = { .cmd = cmd };

	must(step, c->fd, VIDIOC_DECODER_CMD, &dc);
	say("%s", step);
}

/* put the buffer that came with LAST back in the queue */
static void requeue_last(struct client *c, const char *step)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b = { .index = c->last_index,
				 .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
				 .m.planes = planes };

	qbuf_capture(c, &b, step);
}

/* -R: a resolution change whose new format the buffers hold goes on with
 * them (DEC_CMD_START); returns false when they do not hold it */
static bool keep_buffers(struct client *c)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE };
	struct v4l2_selection sel = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				      .target = V4L2_SEL_TGT_COMPOSE };
	struct v4l2_control ctrl = { .id = V4L2_CID_MIN_BUFFERS_FOR_CAPTURE };
	unsigned p;

	must("resolution change: G_FMT(CAPTURE)", c->fd, VIDIOC_G_FMT, &f);
	must("resolution change: G_SELECTION(COMPOSE)", c->fd, VIDIOC_G_SELECTION, &sel);
	must("resolution change: G_CTRL(MIN_BUFFERS_FOR_CAPTURE)", c->fd,
	     VIDIOC_G_CTRL, &ctrl);
	if (f.fmt.pix_mp.num_planes != c->cap_fmt.fmt.pix_mp.num_planes ||
	    f.fmt.pix_mp.pixelformat != c->cap_fmt.fmt.pix_mp.pixelformat ||
	    c->n_cap < (unsigned)ctrl.value)
		return false;
	for (p = 0; p < f.fmt.pix_mp.num_planes; p++)
		if (f.fmt.pix_mp.plane_fmt[p].sizeimage > c->cap[0].len[p])
			return false;
	say("resolution change to %ux%u: the buffers hold it, DEC_CMD_START",
	    f.fmt.pix_mp.width, f.fmt.pix_mp.height);
	c->cap_fmt = f;
	c->visible = sel.r;
	decoder_cmd(c, V4L2_DEC_CMD_START, "resolution change: DEC_CMD_START");
	requeue_last(c, "resolution change: QBUF(CAPTURE) of the LAST buffer");
	return true;
}

/* ---- the sequence ------------------------------------------------------------ */

static void wait_fd(struct client *c, const char *what)
{
	struct pollfd p = { .fd = c->fd,
			    .events = POLLIN | POLLOUT | (c->event_thread ? 0 : POLLPRI) };
	int r;

	pthread_mutex_lock(&c->lock);
	c->step = what;
	pthread_mutex_unlock(&c->lock);
	r = poll(&p, 1, 100);
	if (r < 0 && errno != EINTR)
		die(what, "poll: %s", strerror(errno));
	if (r > 0 && (p.revents & POLLERR) && !(p.revents & (POLLIN | POLLOUT | POLLPRI)))
		usleep(10 * 1000);	/* CAPTURE not set up yet: nothing to wait on */
}

/* -H: the access units after stop_after wait for the final DEC_CMD_STOP */
static unsigned held_from(struct client *c, unsigned limit, bool drain,
			  bool stop_sent)
{
	if (!drain || stop_sent || c->stop_after < 0 ||
	    (unsigned)c->stop_after + 1 >= limit)
		return limit;
	return c->stop_after + 1;
}

static bool all_output_back(struct client *c)
{
	unsigned i;

	for (i = 0; i < c->n_out; i++)
		if (c->out[i].queued)
			return false;
	return true;
}

/* Queues the access units of @s from the next one up to @end; with
 * @drain, then drains: DEC_CMD_STOP, frames until LAST, EPIPE, EOS.
 * Without, returns once they are queued. */
static void decode(struct client *c, struct stream *s, unsigned end, bool drain)
{
	bool stop_sent = false, done = false, eos;
	unsigned limit = MIN(end, s->aus->len);
	unsigned eos_before;

	pthread_mutex_lock(&c->lock);
	eos_before = c->eos_events;
	pthread_mutex_unlock(&c->lock);

	while (!done) {
		wait_fd(c, stop_sent ? "the drain (waiting for LAST)" :
			!c->cap_streaming ? "Initialization (waiting for SOURCE_CHANGE)" :
			"decoding");
		drain_events(c);
		if (c->hasty_drc_ms >= 0 && c->cap_streaming && take_src_change(c)) {
			/* -G: at once, whatever CAPTURE still holds */
			say("SOURCE_CHANGE before any buffer: CAPTURE stops at once");
			capture_setup(c, true);
			progress(c, "Capture setup");
			continue;
		}
		if (c->out_streaming)
			reclaim_output(c);
		while (s->next_au < held_from(c, limit, drain, stop_sent) &&
		       c->out_streaming && queue_au(c, s))
			progress(c, "queueing access units");
		if (s->next_au >= limit && !drain)
			return;
		if (c->stop_early && !c->cap_streaming && s->next_au > 0) {
			/* both queues must stream for a drain: this is none */
			decoder_cmd(c, V4L2_DEC_CMD_STOP,
				    "DEC_CMD_STOP before Capture setup");
			c->stop_early = false;
		}

		/* Initialization ends with SOURCE_CHANGE */
		if (!c->cap_streaming && take_src_change(c)) {
			capture_setup(c, false);
			progress(c, "Capture setup");
		}
		if (!c->cap_streaming)
			continue;
		if (drain && !stop_sent && s->next_au == held_from(c, limit, drain, false) &&
		    (s->next_au == limit || all_output_back(c))) {
			if (c->before_stop) {
				say("running %s", c->before_stop);
				if (system(c->before_stop) != 0)
					die("the command before DEC_CMD_STOP", "%s failed",
					    c->before_stop);
			}
			decoder_cmd(c, V4L2_DEC_CMD_STOP, "Drain: DEC_CMD_STOP");
			stop_sent = true;
			if (s->next_au < limit) {
				say("queueing access units %u to %u during the drain",
				    s->next_au, limit - 1);
				while (s->next_au < limit)
					if (!queue_au(c, s))
						die("the drain", "no OUTPUT buffer for access "
						    "unit %u (-H leaves at most %u)", s->next_au,
						    c->n_out);
			}
			if (c->reset_in_drain) {
				say("Reset during the drain, then DEC_CMD_STOP again");
				capture_setup(c, true);
				decoder_cmd(c, V4L2_DEC_CMD_STOP,
					    "Drain: DEC_CMD_STOP after a Reset");
			}
			if (c->on_stop) {
				say("running %s", c->on_stop);
				if (system(c->on_stop) != 0)
					die("the command after DEC_CMD_STOP", "%s failed", c->on_stop);
			}
		}
		for (;;) {
			enum cap_result r = dequeue_capture(c, s);

			if (r == CAP_NONE)
				break;
			progress(c, "decoding");
			if (r == CAP_FRAME && c->hasty_drc_ms >= 0) {
				/* -G: the player's work, then poll() again */
				usleep(c->hasty_drc_ms * 1000);
				break;
			}
			if (r == CAP_FRAME)
				continue;
			/* LAST: the end of the drain (EOS comes with it), or a
			 * resolution change (SOURCE_CHANGE came before it) */
			expect_epipe(c, "LAST");
			drain_events(c);
			pthread_mutex_lock(&c->lock);
			eos = c->eos_events > eos_before;
			pthread_mutex_unlock(&c->lock);
			if (stop_sent && eos) {
				done = true;
				break;
			}
			if (take_src_change(c)) {
				if (!c->keep_on_drc || !keep_buffers(c))
					capture_setup(c, true);
				continue;
			}
			if (!stop_sent)
				die("decoding", "LAST without DEC_CMD_STOP or SOURCE_CHANGE");
			done = true;
			break;
		}
	}
	/* V4L2_EVENT_EOS comes with the LAST of a drain */
	progress(c, "the drain: waiting for V4L2_EVENT_EOS after LAST");
	for (;;) {
		unsigned eos;

		drain_events(c);
		pthread_mutex_lock(&c->lock);
		eos = c->eos_events;
		pthread_mutex_unlock(&c->lock);
		if (eos > eos_before)
			break;
		usleep(10 * 1000);
	}
	say("Drain: LAST, EPIPE and EOS, %u frames so far", s->n_frames);
}

static void stream_init(struct stream *s, uint32_t fourcc, const char *in,
			const char *out)
{
	memset(s, 0, sizeof(*s));
	s->fourcc = fourcc;
	s->in_path = in;
	s->out_path = out;
	s->aus = read_hdr(in);
	s->out = fopen(out, "w");
	if (!s->out)
		die("opening the output", "%s: %s", out, strerror(errno));
}

static void stream_finish(struct stream *s)
{
	fclose(s->out);
	fprintf(stderr, "dec-client: %s: %u access units, %u frames\n",
		s->in_path, s->aus->len, s->n_frames);
	g_ptr_array_unref(s->aus);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dec-client -d DEV -c FOURCC -i IN.hdr -o OUT.md5 [-f FOURCC]\n"
		"                  [-S N] [-k N:M] [-x CMD] [-X CMD] [-2 FOURCC:IN2.hdr:OUT2.md5]\n"
		"                  [-t] [-Q] [-K CMD] [-T MS] [-v] [-E N] [-z] [-P] [-R]\n"
		"                  [-A] [-H N]\n"
		"                  [-w OUT.yuv] [-L FORMATS] [-F] [-b BYTES] [-D EXPORTER]\n"
		"                  [-G MS] [-C N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct client c = { .fd = -1, .timeout_ms = 10000, .drain_at = -1,
			    .seek_at = -1, .seek_to = -1, .seek_after_eos = -1,
			    .hasty_drc_ms = -1, .stop_after = -1, .extra_cap = 2,
			    .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *in = NULL, *out = NULL, *second = NULL;
	uint32_t fourcc = 0;
	struct stream s;
	int opt;

	the_client = &c;
	while ((opt = getopt(argc, argv, "d:c:i:o:f:S:k:x:X:2:tQK:T:vE:zPRAH:w:L:Fb:D:G:C:")) != -1) {
		switch (opt) {
		case 'd': c.dev = optarg; break;
		case 'c': fourcc = parse_fourcc(optarg); break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'f': c.want_fmt = parse_fourcc(optarg); break;
		case 'S': c.drain_at = atoi(optarg); break;
		case 'k':
			if (sscanf(optarg, "%d:%d", &c.seek_at, &c.seek_to) != 2)
				usage();
			break;
		case 'x': c.on_stop = optarg; break;
		case 'X': c.before_stop = optarg; break;
		case '2': second = optarg; break;
		case 't': c.event_thread = true; break;
		case 'Q': c.event_thread = c.block_dqbuf = true; break;
		case 'K': c.on_drc = optarg; break;
		case 'T': c.timeout_ms = atoi(optarg); break;
		case 'v': c.verbose = true; break;
		case 'E': c.seek_after_eos = atoi(optarg); break;
		case 'z': c.empty_aus = true; break;
		case 'P': c.stop_early = true; break;
		case 'R': c.keep_on_drc = true; break;
		case 'A': c.reset_in_drain = true; break;
		case 'H': c.stop_after = atoi(optarg); break;
		case 'w':
			c.raw_out = fopen(optarg, "wb");
			if (!c.raw_out)
				die("start", "%s: %s", optarg, strerror(errno));
			break;
		case 'L':
			c.formats_out = fopen(optarg, "w");
			if (!c.formats_out)
				die("start", "%s: %s", optarg, strerror(errno));
			break;
		case 'F': the_client_expects_failure = true; break;
		case 'b': c.extra_bpl = atoi(optarg); break;
		case 'C': c.extra_cap = atoi(optarg); break;
		case 'D': c.exporter = optarg; break;
		case 'G': c.hasty_drc_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (!c.dev || !fourcc || !in || !out || optind != argc)
		usage();

	/* -t: blocking, so that the event thread's DQEVENT sleeps */
	c.fd = open(c.dev, O_RDWR | O_CLOEXEC | (c.event_thread ? 0 : O_NONBLOCK));
	if (c.fd < 0)
		die("open", "%s: %s", c.dev, strerror(errno));
	progress(&c, "open");
	if (pthread_create(&c.thread, NULL, watchdog_thread, &c))
		die("start", "pthread_create failed");
	pthread_detach(c.thread);
	subscribe(&c);
	if (c.event_thread) {
		if (pthread_create(&c.thread, NULL, event_thread, &c))
			die("the event thread", "pthread_create failed");
		pthread_detach(c.thread);
	}

	if (c.exporter)
		pool_init(&c);
	stream_init(&s, fourcc, in, out);
	setup_output(&c, &s);
	if (c.drain_at >= 0) {
		decode(&c, &s, c.drain_at, true);
		decoder_cmd(&c, V4L2_DEC_CMD_START, "DEC_CMD_START after the drain");
	}
	if (c.seek_at >= 0) {
		decode(&c, &s, c.seek_at, false);
		say("Seek: STREAMOFF/STREAMON(OUTPUT), from access unit %d", c.seek_to);
		stream(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, false, "Seek: STREAMOFF(OUTPUT)");
		stream(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, true, "Seek: STREAMON(OUTPUT)");
		s.next_au = c.seek_to;
	}
	decode(&c, &s, s.aus->len, true);
	if (c.seek_after_eos >= 0) {
		say("Seek after the end: STREAMOFF/STREAMON(OUTPUT), from access unit %d",
		    c.seek_after_eos);
		/* every CAPTURE buffer queued before the seek: the node must
		 * hand them to the decoder again once the seek ends the stop */
		requeue_last(&c, "Seek after the end: QBUF(CAPTURE) of the LAST buffer");
		stream(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, false,
		       "Seek after the end: STREAMOFF(OUTPUT)");
		stream(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, true,
		       "Seek after the end: STREAMON(OUTPUT)");
		s.next_au = c.seek_after_eos;
		decode(&c, &s, s.aus->len, true);
	}
	if (c.n_errors)
		fprintf(stderr, "dec-client: %u buffers came back with ERROR\n",
			c.n_errors);
	stream_finish(&s);
	if (the_client_expects_failure)
		die("the end", "the stream decoded (%u frames), it had to fail",
		    s.n_frames);

	if (second) {
		gchar **parts = g_strsplit(second, ":", 3);

		if (g_strv_length(parts) != 3 || !parse_fourcc(parts[0]))
			usage();
		say("a new stream on the same file: REQBUFS 0 on both queues");
		stream(&c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, false, "STREAMOFF(CAPTURE)");
		stream(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, false, "STREAMOFF(OUTPUT)");
		free_bufs(&c, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, c.cap, &c.n_cap,
			  "REQBUFS(CAPTURE, 0)");
		free_bufs(&c, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, c.out, &c.n_out,
			  "REQBUFS(OUTPUT, 0)");
		stream_init(&s, parse_fourcc(parts[0]), parts[1], parts[2]);
		setup_output(&c, &s);
		decode(&c, &s, s.aus->len, true);
		stream_finish(&s);
		g_strfreev(parts);
	}

	if (c.raw_out && fclose(c.raw_out))
		die("the end", "writing -w's file: %s", strerror(errno));
	/* the event thread may sleep in DQEVENT: the exit ends it */
	unmap_all(c.out, c.n_out);
	unmap_all(c.cap, c.n_cap);
	exit(0);
}
