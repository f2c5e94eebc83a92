/* daedalus-v4l2
 * Copyright (C) 2026 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* hostile-client: a V4L2 client that asks the decoder node for absurd
 * things (issue 11), for tests/e2e/hostile.sh in the test VM; no daemon
 * needed.  Each request gets the answer the node documents (docs/
 * protocol.md, "Bounds"), one PASS/FAIL line each:
 *   S_FMT(OUTPUT) and S_FMT(CAPTURE) of 2^30 x 2^30: adjusted to the
 *     node's largest size, never refused;
 *   CREATE_BUFS(OUTPUT) of more than the largest access unit: EINVAL;
 *   CREATE_BUFS(CAPTURE) of 3.75 GiB per buffer: EINVAL (it used to go
 *     to vmalloc, which warned and failed, or took the guest's memory);
 *   CREATE_BUFS of 1000 buffers: at most 32;
 *   REQBUFS storms: -n rounds of 32 buffers and none, on both queues;
 *   many opens at once (-o N) and close() of each in another state
 *     (fresh, formats set, buffers allocated, OUTPUT streaming).
 * -S ROUNDS instead: a storm of control messages for a daemon that reads
 *   none (-p PID: the daemon, which this stops with SIGSTOP once it has
 *   read the first stream's STREAM_OPEN): ROUNDS seeks (STREAMOFF/
 *   STREAMON(OUTPUT): a FLUSH each), CAPTURE restarts (a CAPTURE_RESET
 *   each), new streams on the same file (a STREAM_CLOSE and a STREAM_OPEN
 *   each) and streams opened and closed on a second file; then prints the
 *   messages waiting for the daemon (/sys/class/misc/daedalus-v4l2/
 *   queued), which must not grow with ROUNDS (issue 11: they piled up).
 *
 *   hostile-client -d /dev/videoN [-n ROUNDS] [-o OPENS] [-S ROUNDS [-p PID]]
 *
 * Exit 1 if any request got another answer. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/videodev2.h>

static unsigned int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
	printf("%s hostile client: %s%s%s\n", ok ? "PASS" : "FAIL", what,
	       detail ? ": " : "", detail ? detail : "");
	if (ok)
		passed++;
	else
		failed++;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? errno : 0;
}

static int set_fmt(int fd, unsigned int type, unsigned int fourcc,
		   unsigned int w, unsigned int h, struct v4l2_format *f)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE && xioctl(fd, VIDIOC_G_FMT, f))
		return errno;
	f->fmt.pix_mp.width = w;
	f->fmt.pix_mp.height = h;
	if (fourcc)
		f->fmt.pix_mp.pixelformat = fourcc;
	return xioctl(fd, VIDIOC_S_FMT, f);
}

static int reqbufs(int fd, unsigned int type, unsigned int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = type, .memory = V4L2_MEMORY_MMAP,
	};

	return xioctl(fd, VIDIOC_REQBUFS, &rb);
}

static int create_bufs(int fd, unsigned int type, unsigned int count,
		       unsigned int size, unsigned int *got)
{
	struct v4l2_create_buffers cb;
	int r;

	memset(&cb, 0, sizeof(cb));
	cb.count = count;
	cb.memory = V4L2_MEMORY_MMAP;
	cb.format.type = type;
	r = xioctl(fd, VIDIOC_G_FMT, &cb.format);
	if (r)
		return r;
	if (size)
		cb.format.fmt.pix_mp.plane_fmt[0].sizeimage = size;
	r = xioctl(fd, VIDIOC_CREATE_BUFS, &cb);
	if (got)
		*got = cb.count;
	return r;
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "hostile-client: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static unsigned int queued(void)
{
	FILE *f = fopen("/sys/class/misc/daedalus-v4l2/queued", "r");
	unsigned int n = 0;

	if (!f || fscanf(f, "%u", &n) != 1)
		n = ~0u;
	if (f)
		fclose(f);
	return n;
}

static void queue_capture(int fd, unsigned int n)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		memset(planes, 0, sizeof(planes));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		b.m.planes = planes;
		b.length = VIDEO_MAX_PLANES;
		xioctl(fd, VIDIOC_QBUF, &b);
	}
}

/* control messages for a daemon that reads none: @pid, stopped here once
 * it has read the first stream's STREAM_OPEN (so that it knows a stream
 * the storm then closes and sets up anew, again and again) */
static int storm(const char *path, unsigned int rounds, pid_t pid)
{
	const unsigned int out = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	const unsigned int cap = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	unsigned int i, before, after = 0;
	struct v4l2_format f;
	int fd = open_node(path), type, r = 0;
	bool ok;

	set_fmt(fd, out, V4L2_PIX_FMT_VP9, 320, 180, &f);
	reqbufs(fd, out, 4);
	type = out;
	r = xioctl(fd, VIDIOC_STREAMON, &type);
	if (pid > 0) {
		for (i = 0; i < 300 && queued(); i++)
			usleep(100000);
		kill(pid, SIGSTOP);
	}
	reqbufs(fd, cap, 2);
	before = queued();
	for (i = 0; i < rounds && !r; i++) {
		int other = open_node(path);

		/* a seek */
		type = out;
		r = xioctl(fd, VIDIOC_STREAMOFF, &type);
		if (!r)
			r = xioctl(fd, VIDIOC_STREAMON, &type);
		/* CAPTURE: its buffers queued (announced, once the stream
		 * allows), then taken back */
		type = cap;
		xioctl(fd, VIDIOC_STREAMON, &type);
		queue_capture(fd, 2);
		xioctl(fd, VIDIOC_STREAMOFF, &type);
		/* a new stream on the same file: STREAM_CLOSE, STREAM_OPEN */
		type = out;
		xioctl(fd, VIDIOC_STREAMOFF, &type);
		reqbufs(fd, out, 0);
		reqbufs(fd, cap, 0);
		set_fmt(fd, out, V4L2_PIX_FMT_VP9, 320, 180, &f);
		reqbufs(fd, out, 4);
		if (!r)
			r = xioctl(fd, VIDIOC_STREAMON, &type);
		reqbufs(fd, cap, 2);
		/* a stream opened and closed on another file */
		set_fmt(other, out, V4L2_PIX_FMT_VP9, 320, 180, &f);
		reqbufs(other, out, 2);
		xioctl(other, VIDIOC_STREAMON, &type);
		close(other);
		if (i == 9)
			after = queued();
	}
	/* ~0u: the module says nothing (one before the bound) */
	ok = !r && before != ~0u && queued() <= after;
	printf("%s hostile client: %u rounds of seeks, CAPTURE restarts, new streams on the same file and streams opened and closed on another, for a stopped daemon: %u messages waiting before, %u after 10 rounds, %u after %u%s%s\n",
	       ok ? "PASS" : "FAIL", i, before, after, queued(), i,
	       r ? ", " : "", r ? strerror(r) : "");
	if (!ok)
		failed++;
	close(fd);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const unsigned int out = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	const unsigned int cap = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	const char *path = NULL;
	unsigned int rounds = 50, opens = 256, storm_rounds = 0, i, got;
	pid_t pid = 0;
	struct v4l2_format f;
	char detail[160];
	int fd, r, opt, *fds;

	while ((opt = getopt(argc, argv, "d:n:o:S:p:")) != -1) {
		switch (opt) {
		case 'd': path = optarg; break;
		case 'S': storm_rounds = strtoul(optarg, NULL, 0); break;
		case 'p': pid = strtol(optarg, NULL, 0); break;
		case 'n': rounds = strtoul(optarg, NULL, 0); break;
		case 'o': opens = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (!path)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (storm_rounds)
		return storm(path, storm_rounds, pid);

	fd = open_node(path);
	r = set_fmt(fd, out, V4L2_PIX_FMT_VP9, 1u << 30, 1u << 30, &f);
	snprintf(detail, sizeof(detail), "%s, %ux%u", r ? strerror(r) : "taken",
		 f.fmt.pix_mp.width, f.fmt.pix_mp.height);
	check(!r && f.fmt.pix_mp.width <= 8192 && f.fmt.pix_mp.height <= 8192,
	      "S_FMT(OUTPUT) of 2^30 x 2^30 adjusted", detail);
	set_fmt(fd, out, V4L2_PIX_FMT_VP9, 320, 180, &f);
	r = set_fmt(fd, cap, 0, 1u << 30, 1u << 30, &f);
	snprintf(detail, sizeof(detail), "%s, %ux%u", r ? strerror(r) : "taken",
		 f.fmt.pix_mp.width, f.fmt.pix_mp.height);
	check(!r && f.fmt.pix_mp.width <= 8192 && f.fmt.pix_mp.height <= 8192,
	      "S_FMT(CAPTURE) of 2^30 x 2^30 adjusted", detail);

	r = create_bufs(fd, out, 2, 64u << 20, NULL);
	check(r == EINVAL, "CREATE_BUFS(OUTPUT) of 64 MiB buffers refused", r ? strerror(r) : "taken");
	r = create_bufs(fd, cap, 4, 0xf0000000u, NULL);
	check(r == EINVAL, "CREATE_BUFS(CAPTURE) of 3.75 GiB buffers refused", r ? strerror(r) : "taken");
	r = create_bufs(fd, out, 1000, 0, &got);
	snprintf(detail, sizeof(detail), "%s, %u buffers", r ? strerror(r) : "taken", got);
	check(!r && got >= 1 && got <= 32, "CREATE_BUFS(OUTPUT) of 1000 buffers bounded", detail);
	reqbufs(fd, out, 0);
	r = create_bufs(fd, cap, 1000, 0, &got);
	snprintf(detail, sizeof(detail), "%s, %u buffers", r ? strerror(r) : "taken", got);
	check(!r && got >= 1 && got <= 32, "CREATE_BUFS(CAPTURE) of 1000 buffers bounded", detail);
	reqbufs(fd, cap, 0);

	for (i = 0, r = 0; i < rounds && !r; i++) {
		r = reqbufs(fd, out, 32);
		if (!r)
			r = reqbufs(fd, cap, 32);
		if (!r)
			r = reqbufs(fd, out, 0);
		if (!r)
			r = reqbufs(fd, cap, 0);
	}
	snprintf(detail, sizeof(detail), "%u rounds%s%s", i, r ? ", " : "", r ? strerror(r) : "");
	check(!r, "REQBUFS storm of 32 buffers and none on both queues", detail);
	close(fd);

	/* many at once, each closed in another state */
	fds = calloc(opens, sizeof(*fds));
	for (i = 0; i < opens; i++) {
		fds[i] = open_node(path);
		switch (i % 4) {
		case 3: {
			int type = out;

			set_fmt(fds[i], out, V4L2_PIX_FMT_VP9, 320, 180, &f);
			reqbufs(fds[i], out, 2);
			xioctl(fds[i], VIDIOC_STREAMON, &type);
			break;
		}
		case 2:
			set_fmt(fds[i], out, V4L2_PIX_FMT_VP9, 320, 180, &f);
			reqbufs(fds[i], out, 2);
			reqbufs(fds[i], cap, 2);
			break;
		case 1:
			set_fmt(fds[i], out, V4L2_PIX_FMT_VP9, 320, 180, &f);
			break;
		default:
			break;
		}
	}
	for (i = 0, got = 0; i < opens; i++)
		got += close(fds[i]) == 0;
	free(fds);
	snprintf(detail, sizeof(detail), "%u of %u files", got, opens);
	check(got == opens, "opened at once and closed in four states", detail);

	printf("hostile client: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;

usage:
	fprintf(stderr, "usage: hostile-client -d /dev/videoN [-n ROUNDS] [-o OPENS] [-S ROUNDS [-p PID]]\n");
	return 2;
}
