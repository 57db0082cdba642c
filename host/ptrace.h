/* ptrace.h: the out-of-process injector. Starts the target under ptrace
 * with ASLR off (personality ADDR_NO_RANDOMIZE), runs it to its entry point,
 * plants a breakpoint at the entry of each window's function (resolved with
 * elfutils' libdwfl, glibc's internals included when libc6-dbg is there),
 * counts the entries, single-steps N instructions after the K-th and
 * delivers the signal there. Then it removes every breakpoint and detaches:
 * the rest of the run is the target's own, with no tracer.
 *
 * Threads are followed (PTRACE_O_TRACECLONE); fork children get their copy
 * of the breakpoints removed and are let go; signals the target receives
 * while traced are passed on. x86_64 only.
 *
 * Limits: a multi-threaded target's other threads run while one is being
 * stepped and may pass a breakpoint while it is lifted (a missed count);
 * a program that checks for a tracer (TracerPid, PTRACE_TRACEME failing)
 * sees one until the signal is delivered.
 */
#ifndef SIGSTORM_PTRACE_H
#define SIGSTORM_PTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SS_PT_MAX_WINDOWS 8

typedef struct ss_pt_window {
  int sig;
  const char *module; /* NULL, or a file name (libc.so.6) or path */
  const char *func;
  uint64_t k;         /* 1-based */
  uint64_t n;         /* instructions after the entry */
  const char *thread; /* NULL: any; "main"; or a comm name */
} ss_pt_window;

typedef struct ss_pt_outcome {
  uint64_t addr;       /* resolved entry address of the function */
  char module[256];    /* the file it was found in */
  uint64_t hits;       /* entries counted (matching threads) */
  uint64_t hits_armed; /* entries before the signal first had a handler
                          (UINT64_MAX: it never had one while traced) */
  int delivered;       /* the signal was delivered at the window */
  uint64_t pc;         /* where it was delivered */
  int tid;             /* to which thread */
  uint64_t steps;      /* instructions stepped */
} ss_pt_outcome;

typedef struct ss_pt_plan {
  const ss_pt_window *w;
  size_t nw;
  int probe; /* count entries only, deliver nothing, trace to the end */
  uint64_t probe_enough; /* probe: stop once this many entries are counted
                            after the handler was installed (0: never) */
  /* Scan ranges (see below): offsets from the lowest mapping of
   * stop_module */
  const char *stop_module;
  uint64_t stop_lo, stop_hi;
  /* Scan (window w[0] only, nothing delivered): for each entry K in
   * [scan_lo, scan_hi], step through that call until it returns (at most
   * w[0].n instructions) and note after how many instructions the pc first
   * entered [stop_lo, stop_hi) and [func_lo, func_hi), or UINT64_MAX. */
  int scan;
  uint64_t scan_lo, scan_hi;
  uint64_t func_lo, func_hi;
#define SS_PT_MAX_SCAN 16
  uint64_t scan_exact[SS_PT_MAX_SCAN], scan_func[SS_PT_MAX_SCAN];
  /* results */
  ss_pt_outcome out[SS_PT_MAX_WINDOWS];
  int input_error;    /* the error below is the case's fault (exit 2) */
  int traced_timeout; /* the wall-clock limit passed while still traced
                         (the windows not reached): not the target's hang */
  char err[512];
} ss_pt_plan;

struct ss_run;
struct ss_run_opts;

/* Starts r's process traced (called by ss_run_start for opts with a plan,
 * after the segment exists). envp is the full environment. Runs the
 * traced phase to its end: when it returns 0 the process runs free (or has
 * ended: r->done). -1 with plan->err set on failure (process killed). */
int ss_pt_start(struct ss_run *r, const struct ss_run_opts *o, char **envp,
                int errfd_w, const char *stdin_path);

/* Resolves FUNC (optionally in MODULE) in a stopped process: exe first,
 * then its libraries in address order, sigstorm's runtime skipped unless
 * named. 0, or -1 with err. */
int ss_pt_resolve(pid_t pid, const char *module, const char *func,
                  uint64_t *addr, char *modpath, size_t modcap, char *err,
                  size_t errlen);

#endif
