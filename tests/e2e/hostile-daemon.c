/* daedalus-v4l2
 * Copyright (C) 2026 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* hostile-daemon: a daemon that attacks the kernel module through
 * /dev/daedalus-v4l2 (issue 11), for tests/e2e/hostile.sh in the test VM.
 * It speaks just enough of the protocol (docs/protocol.md) for clients to
 * stream: HELLO with VP9, a FORMAT at a stream's first access unit (-W
 * WxH, YUV420), CONSUMED for every access unit, a FRAME of garbage into a
 * CAPTURE buffer for each, DRAIN_DONE for a DRAIN.  Around that:
 *
 *   targeted attacks, once per stream at its first CAPTURE buffer, each
 *   with the errno docs/protocol.md promises (one PASS/FAIL line each):
 *     EXPBUF of an unknown stream, of a stale generation, of a plane the
 *     buffer lacks, with bad flags; EXPBUF with no fd left (RLIMIT_NOFILE):
 *     EMFILE, and no fd leaked; EXPBUF whose answer cannot be written
 *     (the argument on a read-only page): EFAULT, and the fd the kernel
 *     picked never visible to another thread (issue 11: the kernel used
 *     to install it, then close it again); a FRAME beyond the plane, of a
 *     stale generation, into a buffer the client owns, of an unknown
 *     cookie or stream, with too many planes; writes too short, too long,
 *     of a size the header does not say, of an unknown type; a CONSUMED
 *     of an unknown access unit;
 *   -f N: fuzzing: while a client streams, N random or mutated messages
 *     in all, 64 between two looks at the kernel's messages (bit flips of the last good FORMAT, FRAME,
 *     CONSUMED or DRAIN_DONE, random types, stream ids, sizes) and random
 *     EXPBUFs, with the seed -s (default: from the clock; said
 *     on stdout); the fuzzer only needs the kernel to stay clean and every
 *     client to end: what the kernel takes of it reaches the clients as
 *     garbage frames and errors.
 *
 *   hostile-daemon [-W WxH] [-f N] [-s SEED]
 *
 * It runs until SIGTERM/SIGINT and then prints "hostile: P passed, F
 * failed, W fuzz writes (A accepted), E EXPBUFs" and exits 1 if an attack
 * got another answer than the protocol's. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <misc/daedalus_v4l2.h>

#define MAX_STREAMS 64
#define MAX_BUFS 32
#define RACE_ROUNDS 400

struct held {
	bool held;
	struct daedalus_msg_capture_buffer info;
};

struct stream {
	uint64_t id;
	bool used, formatted, attacked;
	uint32_t epoch;
	uint64_t cookies[DAEDALUS_COOKIE_WINDOW];	/* AUs without a frame */
	unsigned int n_cookies;
	uint32_t cookie_epoch[DAEDALUS_COOKIE_WINDOW];
	struct held bufs[MAX_BUFS];
};

static int dev = -1;
static unsigned int width = 320, height = 180;
static struct stream streams[MAX_STREAMS];
static unsigned int passed, failed;
static uint64_t fuzz_total, fuzz_left, fuzz_writes, fuzz_accepted, expbufs;
static uint64_t rng;
static volatile sig_atomic_t stop;
/* the last message of each type the kernel took, for the fuzzer to mutate:
 * CONSUMED, FORMAT, FRAME, DRAIN_DONE (types 0x101 to 0x104), see send_kept() */
static union {
	struct daedalus_msg_consumed consumed;
	struct daedalus_msg_format format;
	struct daedalus_msg_frame frame;
	struct daedalus_msg_epoch drain_done;
	unsigned char bytes[512];
} last_good[4];

static void pass(const char *what)
{
	printf("PASS hostile daemon: %s\n", what);
	passed++;
}

static void fail(const char *what, int got, int want)
{
	printf("FAIL hostile daemon: %s: %s, not %s\n", what,
	       got ? strerror(got) : "accepted", want ? strerror(want) : "accepted");
	failed++;
}

/* the kernel's answer to one message: 0 or an errno */
static int send_msg(void *msg, size_t count)
{
	ssize_t n = write(dev, msg, count);

	return n < 0 ? errno : 0;
}

/* send_msg(), keeping a message the kernel took in last_good */
static int send_kept(void *msg, size_t count)
{
	const struct daedalus_msg_hdr *h = msg;
	unsigned int slot = h->type - DAEDALUS_MSG_CONSUMED;
	int err = send_msg(msg, count);

	if (!err && slot < 4 && count <= sizeof(last_good[0]))
		memcpy(&last_good[slot], msg, count);
	return err;
}

static void expect(const char *what, int got, int want)
{
	if (got == want)
		pass(what);
	else
		fail(what, got, want);
}

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static struct stream *find_stream(uint64_t id, bool create)
{
	struct stream *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < MAX_STREAMS; i++) {
		if (streams[i].used && streams[i].id == id)
			return &streams[i];
		if (!streams[i].used && !free_slot)
			free_slot = &streams[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->id = id;
	return free_slot;
}

static void hdr(struct daedalus_msg_hdr *h, size_t size, uint16_t type,
		uint64_t stream_id)
{
	memset(h, 0, size);
	h->size = size;
	h->type = type;
	h->stream_id = stream_id;
}

/* EXPBUF: the fd, or -errno */
static int export_fd(uint64_t stream_id, const struct daedalus_msg_capture_buffer *b,
		     uint32_t plane, uint32_t flags)
{
	struct daedalus_expbuf arg;

	memset(&arg, 0, sizeof(arg));
	arg.stream_id = stream_id;
	arg.index = b->index;
	arg.generation = b->generation;
	arg.plane = plane;
	arg.flags = flags;
	expbufs++;
	if (ioctl(dev, DAEDALUS_IOC_EXPBUF, &arg) < 0)
		return -errno;
	return arg.fd;
}

/* EXPBUF: 0 or the errno (the fd closed) */
static int expbuf(uint64_t stream_id, const struct daedalus_msg_capture_buffer *b,
		  uint32_t plane, uint32_t flags)
{
	int fd = export_fd(stream_id, b, plane, flags);

	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

/* the lowest fd number free: the one the kernel hands out next */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* the EXPBUF race: odd while an EXPBUF is in the kernel, whose fd, if the
 * kernel picked one, would be probe_fd (the lowest free) */
static atomic_uint in_ioctl;
static atomic_int probe_fd = -1;
static atomic_bool probing;
static atomic_uint seen;

/* another thread of the daemon: does the fd the kernel picked for an
 * EXPBUF that fails ever exist while the EXPBUF runs?  (Outside it, the
 * number exists for a moment in lowest_free_fd(): not counted.) */
static void *prober(void *data)
{
	(void)data;
	while (atomic_load(&probing)) {
		unsigned int before = atomic_load(&in_ioctl);
		int fd = atomic_load(&probe_fd);
		bool open_now;

		if (!(before & 1) || fd < 0)
			continue;
		open_now = fcntl(fd, F_GETFD) >= 0;
		if (open_now && atomic_load(&in_ioctl) == before)
			atomic_fetch_add(&seen, 1);
	}
	return NULL;
}

static void attack_expbuf(struct stream *s, const struct daedalus_msg_capture_buffer *b)
{
	struct daedalus_expbuf *ro;
	struct rlimit old, none;
	pthread_t thread;
	int fds, err, i, efault = 0;
	char what[160];

	expect("EXPBUF of the announced buffer", expbuf(s->id, b, 0, O_RDWR | O_CLOEXEC), 0);
	expect("EXPBUF of an unknown stream", expbuf(s->id + 1000, b, 0, O_RDWR), ENOENT);
	{
		struct daedalus_msg_capture_buffer stale = *b;

		stale.generation++;
		expect("EXPBUF of a generation to come", expbuf(s->id, &stale, 0, O_RDWR), ESTALE);
		stale.generation = b->generation - 1;
		expect("EXPBUF of a past generation", expbuf(s->id, &stale, 0, O_RDWR), ESTALE);
		stale = *b;
		stale.index = MAX_BUFS - 1;
		if (!s->bufs[stale.index].held)
			expect("EXPBUF of a buffer the client holds", expbuf(s->id, &stale, 0, O_RDWR), ESTALE);
	}
	expect("EXPBUF of a plane the buffer lacks", expbuf(s->id, b, b->num_mem_planes, O_RDWR), EINVAL);
	expect("EXPBUF with unknown flags", expbuf(s->id, b, 0, O_RDWR | O_APPEND), EINVAL);

	/* no fd left */
	fds = count_fds();
	getrlimit(RLIMIT_NOFILE, &old);
	none = old;
	none.rlim_cur = lowest_free_fd();
	setrlimit(RLIMIT_NOFILE, &none);
	err = expbuf(s->id, b, 0, O_RDWR);
	setrlimit(RLIMIT_NOFILE, &old);
	expect("EXPBUF with no fd left", err, EMFILE);
	if (count_fds() != fds)
		fail("EXPBUF with no fd left: fds leaked", count_fds() - fds, 0);

	/* the answer cannot be written: the argument on a read-only page */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		fail("EXPBUF into a read-only page: mmap", errno, 0);
		return;
	}
	memset(ro, 0, sizeof(*ro));
	ro->stream_id = s->id;
	ro->index = b->index;
	ro->generation = b->generation;
	ro->flags = O_RDWR;
	mprotect(ro, 4096, PROT_READ);
	atomic_store(&seen, 0);
	atomic_store(&probing, true);
	pthread_create(&thread, NULL, prober, NULL);
	for (i = 0; i < RACE_ROUNDS; i++) {
		int r;

		atomic_store(&probe_fd, lowest_free_fd());
		expbufs++;
		atomic_fetch_add(&in_ioctl, 1);
		r = ioctl(dev, DAEDALUS_IOC_EXPBUF, ro);
		atomic_fetch_add(&in_ioctl, 1);
		if (r < 0 && errno == EFAULT)
			efault++;
		else if (r == 0 && ro->fd > 0)
			close(ro->fd);
		atomic_store(&probe_fd, -1);
	}
	atomic_store(&probing, false);
	pthread_join(thread, NULL);
	munmap(ro, 4096);
	snprintf(what, sizeof(what), "EXPBUF whose answer cannot be written: EFAULT %d of %d times",
		 efault, RACE_ROUNDS);
	expect(what, efault == RACE_ROUNDS ? EFAULT : 0, EFAULT);
	snprintf(what, sizeof(what), "EXPBUF whose answer cannot be written: its fd seen by another thread %u times",
		 atomic_load(&seen));
	if (atomic_load(&seen))
		fail(what, 0, EBADF);
	else
		pass(what);
	if (count_fds() != fds)
		fail("EXPBUF whose answer cannot be written: fds leaked", count_fds() - fds, 0);
}

static void frame_msg(struct daedalus_msg_frame *f, struct stream *s,
		      const struct daedalus_msg_capture_buffer *b, uint64_t cookie,
		      uint32_t epoch)
{
	unsigned int i;

	hdr(&f->hdr, sizeof(*f), DAEDALUS_MSG_FRAME, s->id);
	f->cookie = cookie;
	f->epoch = epoch;
	f->index = b->index;
	f->generation = b->generation;
	f->num_planes = b->num_mem_planes;
	for (i = 0; i < b->num_mem_planes; i++)
		f->bytesused[i] = b->mem_plane_length[i];
}

static void attack_messages(struct stream *s, const struct daedalus_msg_capture_buffer *b)
{
	struct daedalus_msg_frame f;
	struct daedalus_msg_consumed c;
	unsigned char big[4096];
	uint64_t cookie = s->n_cookies ? s->cookies[0] : 1;
	uint32_t epoch = s->n_cookies ? s->cookie_epoch[0] : s->epoch;

	frame_msg(&f, s, b, cookie, epoch);
	f.bytesused[0] = b->mem_plane_length[0] + 1;
	expect("FRAME beyond the plane", send_msg(&f, sizeof(f)), EINVAL);

	frame_msg(&f, s, b, cookie, epoch);
	f.num_planes = DAEDALUS_MAX_PLANES + 1;
	expect("FRAME of too many planes", send_msg(&f, sizeof(f)), EINVAL);

	frame_msg(&f, s, b, cookie, epoch);
	f.generation++;
	expect("FRAME of a stale generation", send_msg(&f, sizeof(f)), ESTALE);

	frame_msg(&f, s, b, cookie, epoch);
	f.index = MAX_BUFS - 1;
	if (!s->bufs[f.index].held)
		expect("FRAME into a buffer the client holds", send_msg(&f, sizeof(f)), ESTALE);

	frame_msg(&f, s, b, cookie, epoch);
	f.cookie = 1ULL << 60;
	expect("FRAME of an unknown access unit", send_msg(&f, sizeof(f)), ENOENT);

	frame_msg(&f, s, b, cookie, epoch);
	f.hdr.stream_id = s->id + 1000;
	expect("FRAME of an unknown stream", send_msg(&f, sizeof(f)), ENOENT);

	hdr(&c.hdr, sizeof(c), DAEDALUS_MSG_CONSUMED, s->id);
	c.cookie = 1ULL << 60;
	c.epoch = epoch;
	expect("CONSUMED of an unknown access unit", send_msg(&c, sizeof(c)), ENOENT);

	frame_msg(&f, s, b, cookie, epoch);
	expect("a write shorter than a header", send_msg(&f, 4), EINVAL);
	expect("a write shorter than its header says", send_msg(&f, sizeof(f) - 4), EINVAL);
	f.hdr.size = sizeof(f) - 8;
	expect("a header saying less than the write", send_msg(&f, sizeof(f)), EINVAL);
	memset(big, 0, sizeof(big));
	hdr((void *)big, sizeof(big), DAEDALUS_MSG_FRAME, s->id);
	expect("a write longer than any message", send_msg(big, sizeof(big)), EINVAL);
	hdr((void *)big, 64, 0x1ff, s->id);
	expect("a message of an unknown type", send_msg(big, 64), EOPNOTSUPP);
}

/* a FRAME of garbage for the oldest access unit without one, into the
 * first buffer held */
static void serve_frames(struct stream *s)
{
	unsigned int i, p;

	while (s->n_cookies) {
		struct daedalus_msg_frame f;
		struct held *h = NULL;

		for (i = 0; i < MAX_BUFS && !h; i++)
			if (s->bufs[i].held)
				h = &s->bufs[i];
		if (!h || !s->formatted)
			return;
		for (p = 0; p < h->info.num_mem_planes; p++) {
			int fd = export_fd(s->id, &h->info, p, O_RDWR | O_CLOEXEC);
			void *map;

			if (fd < 0)
				continue;
			map = mmap(NULL, h->info.mem_plane_length[p], PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
			if (map != MAP_FAILED) {
				memset(map, 0x80 + (int)(s->cookies[0] & 0x3f), h->info.mem_plane_length[p]);
				munmap(map, h->info.mem_plane_length[p]);
			}
			close(fd);
		}
		frame_msg(&f, s, &h->info, s->cookies[0], s->cookie_epoch[0]);
		send_kept(&f, sizeof(f));
		h->held = false;
		s->n_cookies--;
		memmove(s->cookies, s->cookies + 1, s->n_cookies * sizeof(s->cookies[0]));
		memmove(s->cookie_epoch, s->cookie_epoch + 1, s->n_cookies * sizeof(s->cookie_epoch[0]));
	}
}

static void send_format(struct stream *s)
{
	struct daedalus_msg_format m;

	hdr(&m.hdr, sizeof(m), DAEDALUS_MSG_FORMAT, s->id);
	m.epoch = s->epoch;
	m.pixelformat = V4L2_PIX_FMT_YUV420;
	m.width = m.visible_width = width;
	m.height = m.visible_height = height;
	m.min_buffers = 4;
	m.bit_depth = 8;
	if (send_kept(&m, sizeof(m)) == 0)
		s->formatted = true;
}

/* one random or mutated message, or an EXPBUF */
static void fuzz_one(void)
{
	unsigned char msg[512];
	size_t size;
	unsigned int i, n;
	struct daedalus_msg_hdr *h = (void *)msg;
	struct stream *s = &streams[rnd() % MAX_STREAMS];

	switch (rnd() % 8) {
	case 0: {	/* EXPBUF of anything */
		struct daedalus_expbuf e;

		memset(&e, 0, sizeof(e));
		e.stream_id = s->used && rnd() % 4 ? s->id : rnd() % 64;
		e.index = rnd() % 40;
		e.generation = rnd() % 4 ? (s->used ? s->bufs[e.index % MAX_BUFS].info.generation : 0) :
			(uint32_t)rnd();
		e.plane = rnd() % 5;
		e.flags = rnd() % 4 ? O_RDWR : (uint32_t)rnd();
		e.fd = rnd() % 8 ? 0 : (int32_t)rnd();
		expbufs++;
		if (ioctl(dev, DAEDALUS_IOC_EXPBUF, &e) == 0)
			close(e.fd);
		return;
	}
	case 1:		/* random bytes */
		size = sizeof(*h) + rnd() % (sizeof(msg) - sizeof(*h));
		for (i = 0; i < size; i++)
			msg[i] = rnd();
		if (rnd() % 2)
			h->size = size;
		if (rnd() % 2)
			h->type = 0x100 + rnd() % 8;
		break;
	default:	/* a good message, mutated */
		memcpy(msg, &last_good[rnd() % 4], sizeof(msg));
		size = h->size >= sizeof(*h) && h->size <= sizeof(msg) ? h->size : 64;
		if (s->used && rnd() % 2)
			h->stream_id = s->id;
		n = 1 + rnd() % 4;
		for (i = 0; i < n; i++) {
			unsigned int at = sizeof(*h) + rnd() % (size > sizeof(*h) ? size - sizeof(*h) : 1);

			if (rnd() % 2)
				msg[at] ^= 1u << (rnd() % 8);
			else
				msg[at] = rnd() % 2 ? 0xff : rnd() % 4;
		}
		if (rnd() % 16 == 0)
			size = rnd() % sizeof(msg);
		if (size < sizeof(*h))
			size = sizeof(*h);
		break;
	}
	fuzz_writes++;
	if (write(dev, msg, size) == (ssize_t)size)
		fuzz_accepted++;
}

static void handle(unsigned char *buf, size_t len)
{
	struct daedalus_msg_hdr *h = (void *)buf;
	struct stream *s;

	if (len < sizeof(*h))
		return;
	s = find_stream(h->stream_id, h->type == DAEDALUS_MSG_STREAM_OPEN);
	switch (h->type) {
	case DAEDALUS_MSG_STREAM_OPEN: {
		struct daedalus_msg_stream_open *m = (void *)buf;

		if (s) {
			uint64_t id = s->id;

			memset(s, 0, sizeof(*s));
			s->used = true;
			s->id = id;
			s->epoch = m->epoch;
		}
		break;
	}
	case DAEDALUS_MSG_STREAM_CLOSE:
		if (s)
			s->used = false;
		break;
	case DAEDALUS_MSG_DECODE: {
		struct daedalus_msg_decode *m = (void *)buf;
		struct daedalus_msg_consumed c;

		if (!s)
			break;
		if (!s->formatted)
			send_format(s);
		if (s->n_cookies < DAEDALUS_COOKIE_WINDOW) {
			s->cookies[s->n_cookies] = m->cookie;
			s->cookie_epoch[s->n_cookies++] = m->epoch;
		}
		hdr(&c.hdr, sizeof(c), DAEDALUS_MSG_CONSUMED, s->id);
		c.cookie = m->cookie;
		c.epoch = m->epoch;
		send_kept(&c, sizeof(c));
		serve_frames(s);
		break;
	}
	case DAEDALUS_MSG_DRAIN: {
		struct daedalus_msg_epoch *m = (void *)buf;
		struct daedalus_msg_epoch d;

		if (!s)
			break;
		serve_frames(s);
		/* frames owed and no buffer: they are lost, the drain ends */
		s->n_cookies = 0;
		hdr(&d.hdr, sizeof(d), DAEDALUS_MSG_DRAIN_DONE, s->id);
		d.epoch = m->epoch;
		send_kept(&d, sizeof(d));
		break;
	}
	case DAEDALUS_MSG_FLUSH: {
		struct daedalus_msg_epoch *m = (void *)buf;

		if (s) {
			s->epoch = m->epoch;
			s->n_cookies = 0;
		}
		break;
	}
	case DAEDALUS_MSG_CAPTURE_BUFFER: {
		struct daedalus_msg_capture_buffer *m = (void *)buf;

		if (!s || m->index >= MAX_BUFS)
			break;
		s->bufs[m->index].held = true;
		s->bufs[m->index].info = *m;
		if (!s->attacked && !fuzz_total) {
			s->attacked = true;
			attack_expbuf(s, m);
			attack_messages(s, m);
		}
		serve_frames(s);
		break;
	}
	case DAEDALUS_MSG_CAPTURE_RESET: {
		unsigned int i;

		if (s)
			for (i = 0; i < MAX_BUFS; i++)
				s->bufs[i].held = false;
		break;
	}
	default:
		break;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct daedalus_msg_hello hello, *kh;
	unsigned char *buf;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

	struct sigaction sa;
	ssize_t n;
	int opt;

	while ((opt = getopt(argc, argv, "W:f:s:")) != -1) {
		switch (opt) {
		case 'W':
			if (sscanf(optarg, "%ux%u", &width, &height) != 2)
				goto usage;
			break;
		case 'f':
			fuzz_total = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	rng = seed ? seed : 1;
	fuzz_left = fuzz_total;
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	dev = open("/dev/" DAEDALUS_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("hostile-daemon: /dev/" DAEDALUS_DEVICE_NAME);
		return 2;
	}
	buf = malloc(64 << 20);
	n = buf ? read(dev, buf, 64 << 20) : -1;
	kh = (void *)buf;
	if (n < (ssize_t)sizeof(*kh) || kh->hdr.type != DAEDALUS_MSG_HELLO) {
		fprintf(stderr, "hostile-daemon: no HELLO from the kernel\n");
		return 2;
	}
	hdr(&hello.hdr, sizeof(hello), DAEDALUS_MSG_HELLO, 0);
	hello.major = kh->major;
	hello.minor = kh->minor;
	hello.num_codecs = 1;
	hello.codecs[0] = V4L2_PIX_FMT_VP9;
	if (send_msg(&hello, sizeof(hello))) {
		perror("hostile-daemon: HELLO");
		return 2;
	}
	printf("hostile: connected, protocol %u.%u; fuzz %" PRIu64 " messages, seed %" PRIu64 "\n",
	       kh->major, kh->minor, fuzz_total, seed);

	while (!stop) {
		struct pollfd p = { .fd = dev, .events = POLLIN };
		bool live = false;
		unsigned int i;

		for (i = 0; i < MAX_STREAMS; i++)
			live |= streams[i].used;
		/* the fuzzer runs while a client streams, 64 messages a turn */
		if (fuzz_left && live) {
			for (i = 0; i < 64 && fuzz_left; i++, fuzz_left--)
				fuzz_one();
			if (!fuzz_left)
				printf("hostile: fuzzing done\n");
		}
		if (poll(&p, 1, fuzz_left && live ? 0 : 100) <= 0)
			continue;
		n = read(dev, buf, 64 << 20);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("hostile-daemon: read");
			break;
		}
		handle(buf, n);
	}
	printf("hostile: %u passed, %u failed, %" PRIu64 " fuzz writes (%" PRIu64
	       " accepted), %" PRIu64 " EXPBUFs, seed %" PRIu64 "\n", passed, failed,
	       fuzz_writes, fuzz_accepted, expbufs, seed);
	return failed ? 1 : 0;

usage:
	fprintf(stderr, "usage: hostile-daemon [-W WxH] [-f N] [-s SEED]\n");
	return 2;
}
