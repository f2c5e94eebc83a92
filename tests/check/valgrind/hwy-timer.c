/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Preloaded into the tests under valgrind only (meson test --setup
 * valgrind, tests/check/meson.build).
 *
 * libhwy (Highway, loaded by gst-libav: libavcodec -> libjxl -> libhwy)
 * runs hwy::platform::TimerResolution() from its constructor, the moment
 * it is loaded, and that function reads the time stamp counter with
 * RDTSCP.  valgrind 3.19 decodes RDTSCP only when the CPU lists it in
 * CPUID; a virtual machine may hide it (an AMD EPYC guest did) although
 * the instruction works natively: then every test that loads avdec_*
 * dies of SIGILL under valgrind, and only there.  The value feeds
 * Highway's micro-benchmark timer (hwy::Measure), which nothing in a
 * decoder calls.
 *
 * This is the same measurement with RDTSC, which valgrind runs on every
 * x86-64 CPU: the smallest difference of two back-to-back reads.  The
 * constructor calls the function through the PLT (an exported symbol of
 * version HWY_0), so a preloaded definition replaces it; the test
 * valgrind/preload.c checks that it does. */

#include <stdint.h>
#include <x86intrin.h>

#define SAMPLES 4096

uint64_t daedalus_hwy_timer_resolution (void)
    __asm__ ("_ZN3hwy8platform15TimerResolutionEv");
unsigned daedalus_hwy_timer_resolution_calls (void);

static unsigned calls;

__attribute__((visibility ("default")))
uint64_t
daedalus_hwy_timer_resolution (void)
{
  uint64_t best = UINT64_MAX;
  unsigned i;

  calls++;
  for (i = 0; i < SAMPLES; i++) {
    uint64_t t0, t1;

    _mm_lfence ();
    t0 = __rdtsc ();
    _mm_lfence ();
    t1 = __rdtsc ();
    if (t1 > t0 && t1 - t0 < best)
      best = t1 - t0;
  }
  return best == UINT64_MAX ? 1 : best;
}

/* for valgrind/preload.c: how often libhwy called the replacement */
__attribute__((visibility ("default")))
unsigned
daedalus_hwy_timer_resolution_calls (void)
{
  return calls;
}
