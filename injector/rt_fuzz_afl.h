/* rt_fuzz_afl.h: interruption coverage into AFL++'s shared map
 * (rt_fuzz_afl.c, libsigstorm_fuzz.a only). */
#ifndef SS_RT_FUZZ_AFL_H
#define SS_RT_FUZZ_AFL_H

#include <stdint.h>

#include "rt.h"

/* features per signal: the same hash buckets as the libFuzzer section */
#define SS_AFL_FEATURES 4096

/* From the trampoline (a signal's context, an armed input only): bumps the
 * map byte of feature h (< SS_AFL_FEATURES). A no-op unless AFL++'s compiler
 * runtime is linked in and interruption coverage is on. */
SS_HIDDEN void ss_fuzz_afl_bump(uint32_t h);

#endif
