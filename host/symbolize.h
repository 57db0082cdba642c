/* symbolize.h: host-side symbolization and offline unwinding with elfutils'
 * libdwfl. The target may be long gone when the host reads its records, so
 * nothing here reads /proc/PID: modules come from the runtime's module table
 * (path + load bias) and stacks from the bytes the runtime copied.
 *
 * One ss_symbolizer lives for a whole campaign and caches each ELF file it
 * opened (keyed by path), so symbolizing the 1000th run costs a hash lookup.
 */
#ifndef SIGSTORM_SYMBOLIZE_H
#define SIGSTORM_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../injector/sigstorm_proto.h"
#include "../reports/finding.h"

typedef struct ss_symbolizer ss_symbolizer;

/* One loaded module of the process image that produced an address. */
typedef struct ss_modref {
  const char *path;
  uint64_t bias;   /* load bias (dlpi_addr) */
  uint64_t lo, hi; /* mapped address range */
} ss_modref;

ss_symbolizer *ss_sym_new(void);
void ss_sym_free(ss_symbolizer *s);

/* Fills *out for pc (strings heap-allocated; ss_frame fields NULL/0 when
 * unknown; out->pc = pc). Returns 0 when the function was found, -1 if not
 * (out still filled with module when known). */
int ss_sym_lookup(ss_symbolizer *s, const ss_modref *mods, size_t nmods,
                  uint64_t pc, ss_frame *out);

/* Unwinds from regs through the copied stack bytes using the modules' CFI
 * (.eh_frame / .debug_frame, with separate debuginfo found by build-id under
 * /usr/lib/debug) and symbolizes every frame. Stops after max frames, at
 * the end of the stack, or after the first frame whose function name equals
 * stop_at (not NULL); that frame is not included -- the handler side stops at
 * the runtime's trampoline "sigstorm_trampoline". Returns the number of frames
 * (>= 1 when regs hold a pc), frames in *out (free with ss_stack_free). */
size_t ss_sym_unwind(ss_symbolizer *s, const ss_modref *mods, size_t nmods,
                     const struct ss_regs *regs, const struct ss_stack *stack,
                     const char *stop_at, size_t max, ss_stack_trace *out);

/* Attaches to the live process pid (ptrace, through libdwfl), unwinds and
 * symbolizes every thread (at most max frames each), detaches. The threads
 * stay stopped only while this runs. Returns the number of threads (*out
 * heap-allocated, free with ss_threads_free), or -1 with nothing. */
int ss_sym_live_threads(pid_t pid, size_t max, ss_thread_trace **out);

#endif
