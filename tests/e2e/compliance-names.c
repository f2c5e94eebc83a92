/* daedalus-v4l2
 * Copyright (C) 2026 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* compliance-names.so: LD_PRELOADed into v4l2-compliance by
 * compliance.sh, it gives the semi-planar formats the names Debian 12's
 * v4l-utils 1.22 knows, and changes nothing else.
 *
 * Since Linux 5.x the V4L2 core (not the driver: v4l_fill_fmtdesc()
 * overwrites what a driver sets) names NV12 'Y/UV 4:2:0'; 1.22 expects
 * 'Y/CbCr 4:2:0'.  Its format enumeration stops at that mismatch, before
 * the OUTPUT formats, so the OUTPUT queue never counts as valid and every
 * streaming test passes at once without streaming anything, for any
 * driver that offers NV12 (vicodec, the reference decoder, too).  With
 * the old names, 1.22 enumerates every format and streams for real.
 *
 * Only VIDIOC_ENUM_FMT's description is touched: "Y/UV..." becomes
 * "Y/CbCr..." and "Y/VU..." "Y/CrCb...", as the kernel named them before. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/videodev2.h>

static void rename_desc(struct v4l2_fmtdesc *f)
{
	static const struct { const char *now, *then; } names[] = {
		{ "Y/UV", "Y/CbCr" },
		{ "Y/VU", "Y/CrCb" },
	};
	char *d = (char *)f->description;
	char old[sizeof(f->description)];
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i].now);
		if (strncmp(d, names[i].now, n) != 0)
			continue;
		snprintf(old, sizeof(old), "%s", d + n);
		snprintf(d, sizeof(f->description), "%s%s", names[i].then, old);
		return;
	}
}

__attribute__((visibility("default")))
int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	ret = real(fd, request, arg);
	if (ret == 0 && request == VIDIOC_ENUM_FMT && arg)
		rename_desc(arg);
	return ret;
}
