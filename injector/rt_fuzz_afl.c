/* rt_fuzz_afl.c: interruption coverage for AFL++ (docs/fuzzing.md).
 *
 * In a binary built by afl-clang-fast (afl-compiler-rt.o linked in), the
 * runtime registers SS_AFL_FEATURES coverage guards of its own with AFL++'s
 * __sanitizer_cov_trace_pc_guard_init, as an instrumented module does: each
 * gets a map index past the program's edges, so the features never collide
 * with real edges and the map size the fork server reports to afl-fuzz
 * includes them. At each signal of an armed input the trampoline bumps the
 * guard's byte in __afl_area_ptr, the same hash buckets libFuzzer gets
 * through its extra-counters section (interrupted pc region x signal,
 * interposed function x signal).
 *
 * Registration runs in a constructor: after AFL++'s own (priorities 0-5,
 * which map the initial or shared region; it maps again when our guards
 * grow the map) and before any fork server can start (default priority,
 * or later: the driver defers it to main). Nothing here starts a thread or
 * a timer. The map is written only while an input is armed, so only inside
 * the fork server's child, during the run AFL++ reads. Writes are plain
 * byte increments through a pointer: async-signal-safe.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_fuzz_afl.h"
#include "sigstorm_fuzz.h"

/* AFL++'s compiler runtime, when linked in: weak, absent in a libFuzzer
 * build */
extern uint8_t *__afl_area_ptr __attribute__((weak));
extern uint32_t __afl_map_size __attribute__((weak));
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
    __attribute__((weak));

static uint32_t ss_afl_guard[SS_AFL_FEATURES]; /* map index, 0: none */
static int ss_afl_on;

__attribute__((constructor(101))) static void ss_afl_register(void) {
  if (!&__afl_area_ptr || !&__afl_map_size ||
      !__sanitizer_cov_trace_pc_guard_init)
    return; /* not an AFL++ build */
  /* Run outside afl-fuzz (`./target.afl crash-file`, a replay), AFL++'s
   * runtime starts its fork-server code in a constructor, since only
   * afl-fuzz sets __AFL_DEFER_FORKSRV for a binary that defers it: that
   * installs AFL++'s SIGTERM handler (it _exits) before
   * LLVMFuzzerInitialize, where the runtime takes it for the program's.
   * A schedule's signal index then picks SIGTERM where the campaign's
   * picked SIGALRM, and the process exits 0 mid-run. Deferred as under
   * afl-fuzz, the driver starts it after the initializer: the engine's,
   * never fired, and the input replays as it ran in the campaign.
   * __AFL_SHM_ID unset: no afl-fuzz (or afl-showmap) is talking to us. */
  if (!getenv("__AFL_SHM_ID") && !getenv("__AFL_DEFER_FORKSRV"))
    setenv("__AFL_DEFER_FORKSRV", "1", 0);
  const char *ic = getenv(SS_ENV_FUZZ_ICOV);
  if (ic && strcmp(ic, "0") == 0)
    return; /* off: the map stays exactly the program's edges */
  __sanitizer_cov_trace_pc_guard_init(ss_afl_guard,
                                      ss_afl_guard + SS_AFL_FEATURES);
  ss_afl_on = ss_afl_guard[0] != 0;
}

void ss_fuzz_afl_bump(uint32_t h) {
  if (!ss_afl_on || h >= SS_AFL_FEATURES)
    return;
  uint8_t *map = __afl_area_ptr;
  uint32_t id = ss_afl_guard[h];
  if (map && id && id < __afl_map_size)
    map[id]++;
}
