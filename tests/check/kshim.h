/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The few kernel types and helpers kmod/daedalus-layout.c uses, for the
 * fake kernel, which builds that file as the module does: the same
 * layouts, the same checks of the daemon's messages. */

#ifndef __DAEDALUS_KSHIM_H__
#define __DAEDALUS_KSHIM_H__

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__ (x)) (a) - 1))
#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))
#define WARN_ON(cond) (cond)

static inline void *
memchr_inv (const void *p, int c, size_t n)
{
  const unsigned char *s = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (s[i] != (unsigned char) c)
      return (void *) (s + i);
  return NULL;
}

#endif /* __DAEDALUS_KSHIM_H__ */
