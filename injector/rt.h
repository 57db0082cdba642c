/* rt.h: internals of the in-target runtime (libsigstorm.so).
 *
 * Everything reachable from a signal handler (the trampoline, the wrappers'
 * slow path, the recorder) uses only raw syscalls, atomics, TLS and memory
 * preallocated in the shared segment: no malloc, no stdio, no locks.
 */
#ifndef SIGSTORM_RT_H
#define SIGSTORM_RT_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ucontext.h>

#include "sigstorm_proto.h"

#define SS_HIDDEN __attribute__((visibility("hidden")))
#define SS_EXPORT __attribute__((visibility("default")))
#define SS_LIKELY(x) __builtin_expect(!!(x), 1)
#define SS_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define SS_MAX_DEPTH 8 /* tracked handler nesting per thread */
#define SS_NSIG 65

/* One active handler invocation on this thread. */
struct ss_hframe {
  int sig;
  uint16_t outer;        /* outermost unsafe call in progress, or NONE */
  uint16_t unsafe_depth; /* nesting of unsafe calls inside this handler */
  uintptr_t handler;
  uintptr_t sp;     /* the trampoline's frame: below it is the handler */
  uintptr_t alt_lo; /* sigaltstack range when the handler runs on it */
  uintptr_t alt_hi;
  uintptr_t pc; /* interrupted pc */
  ucontext_t *uc;
  int errno_before;
  uint8_t intr_in_runtime;      /* the interrupted pc was in our own code */
  uint8_t used_alloc;           /* the handler called the allocator */
  uint8_t fam_at[SS_FAM_COUNT]; /* family depths of the interrupted frame */
  uint16_t fn_at[SS_FAM_COUNT]; /* the fn it was inside, per family */
#ifdef SS_FUZZ_BUILD
  void *jb[5]; /* __builtin_setjmp buffer: the fuzz runtime's way out */
#endif
};

struct ss_tls {
  uint32_t depth;      /* active handler invocations */
  uint32_t in_runtime; /* the runtime's own signal-path code is running */
  uint32_t exempt;     /* the injector thread: never detect, never count */
  int32_t tid;         /* cached gettid(), 0 = unknown */
  uint8_t fam[SS_FAM_COUNT];     /* inside-depth per family */
  uint16_t fam_fn[SS_FAM_COUNT]; /* outermost fn per family */
  uint32_t calls[SS_FN_COUNT];   /* entries per fn on this thread */
  uint64_t nprog;                /* interposed calls, for the watchdog */
  struct ss_tslot *slot;         /* where to publish them, NULL = unclaimed */
  uint32_t heap_pending; /* heap checks still to run (SS_F_HEAP_CHECK) */
  int32_t heap_sig;      /* ... after this signal's handler */
  uintptr_t heap_handler;
#ifdef SS_FUZZ_BUILD
  uint32_t on_sync;  /* on= windows (bit i) to raise here once the call that
                      * triggered them is marked in flight (ss_on_raise) */
  uint32_t on_epoch; /* ... the epoch they were triggered in */
  /* whose calls count for on= windows (rt_fuzz.c, ss_fuzz_counts): 0 not
   * known yet (a new thread's start-up), SS_OWNER_PROGRAM, SS_OWNER_ENGINE */
  uint32_t owner;
#endif
  struct ss_hframe frames[SS_MAX_DEPTH];
};

extern __thread struct ss_tls ss_t __attribute__((tls_model("initial-exec")))
SS_HIDDEN;

/* The shared segment, or NULL when the runtime runs as a pass-through. */
extern struct ss_shm *ss_shm SS_HIDDEN;
extern int ss_proc_idx SS_HIDDEN;  /* this process's entry in procs[] */
extern int ss_image_idx SS_HIDDEN; /* the entry whose modules we use */
extern uint64_t ss_start_ns SS_HIDDEN;
extern uintptr_t ss_self_lo SS_HIDDEN, ss_self_hi SS_HIDDEN; /* our text */
extern uint8_t ss_armed[SS_FN_COUNT] SS_HIDDEN; /* on= windows watch fn */
/* si_value of the injector's signals (sent with SI_QUEUE), so the
 * trampoline can tell them from the program's own and others' */
extern uintptr_t ss_cookie SS_HIDDEN;

/* rt_core.c */
SS_HIDDEN uint64_t ss_now_ns(void);
SS_HIDDEN int32_t ss_gettid(void);
SS_HIDDEN void ss_modules_snapshot(void);
SS_HIDDEN void *ss_resolve(const char *name);
SS_HIDDEN void ss_resolve_all(void);

/* rt_signal.c */
SS_HIDDEN void ss_signal_init(void);
/* The program's handler for sig, if it installed a function. */
SS_HIDDEN int ss_sig_has_handler(int sig);
/* changes whenever ss_sig_has_handler may have changed for some signal */
SS_HIDDEN uint32_t ss_sig_handlers_gen(void);
SS_HIDDEN void sigstorm_trampoline(int sig, siginfo_t *si, void *uc);
SS_HIDDEN void ss_frames_prune(struct ss_tls *t, uintptr_t sp);

/* rt_record.c */
SS_HIDDEN void ss_record(uint32_t kind, const struct ss_hframe *f,
                         unsigned callee, unsigned via, unsigned interrupted,
                         int errno_after);
SS_HIDDEN void ss_capture_regs(struct ss_regs *r); /* rt_regs.S */

/* rt_core.c: claims this thread's progress slot (async-signal-safe) */
SS_HIDDEN struct ss_tslot *ss_progress_slot(struct ss_tls *t);
/* publishes the thread's handler depth for the watchdog */
static inline void ss_publish_depth(struct ss_tls *t) {
  if (SS_UNLIKELY(!t->slot))
    t->slot = ss_progress_slot(t);
  atomic_store_explicit((_Atomic uint32_t *)&t->slot->depth, t->depth,
                        memory_order_relaxed);
}

/* rt_wrap.c: the heap check, in a normal context (never from a handler) */
SS_HIDDEN void ss_heap_check(struct ss_tls *t);
#define SS_HEAP_CHECKS 8 /* allocator calls checked after such a handler */

/* rt_inject.c */
SS_HIDDEN void ss_injector_start(void);
SS_HIDDEN void ss_on_event(unsigned fn); /* an armed fn was entered */
#ifdef SS_FUZZ_BUILD
/* fuzz mode: raises the signals of the on= windows ss_on_event left in
 * t->on_sync, on this thread, now (the wrapper calls it once the function
 * is marked in flight; async-signal-safe) */
SS_HIDDEN void ss_on_raise(struct ss_tls *t);
#endif
/* fuzz mode: run the schedule in the segment from now / stop it; after
 * disarm returns no shot of it can arrive */
SS_HIDDEN void ss_inject_arm(void);
SS_HIDDEN void ss_inject_disarm(void);

#ifdef SS_FUZZ_BUILD
/* rt_fuzz.c (libsigstorm_fuzz.a only) */
SS_HIDDEN struct ss_shm *ss_fuzz_segment(void);
/* A handler's outermost unsafe call was recorded: whether the fuzz runtime
 * stops the input on it (then the caller leaves the handler through f->jb
 * and the input ends in an abort once the workload returns). */
/* Interruption coverage: a signal is being handled on thread t that
 * interrupted pc (called from the trampoline, before the handler). */
SS_HIDDEN void ss_fuzz_cover(int sig, uintptr_t pc, const struct ss_tls *t);
/* The program (or the engine) installed a handler function for sig. */
SS_HIDDEN void ss_fuzz_on_handler(int sig);
/* Do thread t's interposed calls count as the program's for on= windows?
 * Not a new thread's start-up before its start routine runs (ASan's
 * thread init calls pthread_getattr_np: calloc, free), nor any call of a
 * thread the engine created (libFuzzer's RSS thread). */
enum { SS_OWNER_PROGRAM = 1, SS_OWNER_ENGINE = 2 };
SS_HIDDEN int ss_fuzz_counts_slow(struct ss_tls *t);
static inline int ss_fuzz_counts(struct ss_tls *t) {
  return t->owner == SS_OWNER_PROGRAM ||
         (t->owner == 0 && ss_fuzz_counts_slow(t));
}
SS_HIDDEN int ss_fuzz_stop(const struct ss_hframe *f, unsigned callee,
                           unsigned fam, int reentrant);

/* The running input, for the watchdog: seq is odd while the target's
 * function runs (release store after the fields, which change only while
 * it is even). data stays valid while the input runs: it is the engine's. */
struct ss_fz_input {
  _Atomic uint32_t seq;
  _Atomic uint64_t start_ns;
  const uint8_t *data;
  size_t size;
};
extern struct ss_fz_input ss_fz_in SS_HIDDEN;
extern const char *const ss_fz_fn_names[SS_FN_COUNT] SS_HIDDEN;
/* the injector's thread id, 0 before it runs (rt_inject.c) */
SS_HIDDEN int32_t ss_inject_tid(void);

/* sig's handler is the engine's (installed after LLVMFuzzerInitialize,
 * outside an input) */
SS_HIDDEN int ss_fuzz_engine_sig(int sig);
/* the trampoline, before the handler: a crash signal of an armed input
 * that goes to the engine's handler: the input is saved first */
SS_HIDDEN void ss_fuzz_fatal(int sig);

/* rt_fuzz_wd.c: the per-input watchdog (SIGSTORM_FUZZ_TIMEOUT) */
SS_HIDDEN void ss_fuzz_wd_init(void); /* start-up: environment */
/* A program thread's TLS, for the watchdog (async-signal-safe). */
SS_HIDDEN void ss_fuzz_thread(struct ss_tls *t);
/* Injector thread, fuzz mode: ends the process (report, saved input,
 * SIGABRT) when one input has run longer than the timeout; returns when
 * to call it again (absolute CLOCK_MONOTONIC ns). */
SS_HIDDEN uint64_t ss_fuzz_watchdog(uint64_t now);

/* Async-signal-safe text: what the watchdog writes, and the shared lines
 * (schedule, FINDING) of every report. */
struct ss_out {
  size_t n;
  char b[2048];
};
SS_HIDDEN void ss_o_str(struct ss_out *o, const char *s);
SS_HIDDEN void ss_o_dec(struct ss_out *o, uint64_t v);
SS_HIDDEN void ss_o_hex(struct ss_out *o, uint64_t v, int width);
SS_HIDDEN void ss_o_sig(struct ss_out *o, int sig); /* SIGxxx or - */
SS_HIDDEN void ss_o_flush(struct ss_out *o);        /* write(2) to fd 2 */
/* a function's name without offset: the executable's .symtab (mapped at
 * the first call, with system calls only), NULL when unknown */
SS_HIDDEN const char *ss_fz_sym(uintptr_t a);
/* appends the schedule lines ("==sigstorm== schedule (fuzz abi 2) window
 * N: ...") of the armed schedule */
SS_HIDDEN void ss_fz_schedule_lines(struct ss_out *o);
/* appends "==sigstorm== FINDING kind=... thread=...\n" */
SS_HIDDEN void ss_fz_finding_line(struct ss_out *o, const char *kind, int sig,
                                  uintptr_t handler, unsigned callee,
                                  unsigned interrupted, int32_t tid);
#else
/* the preloaded runtime: every thread's calls count */
static inline int ss_fuzz_counts(struct ss_tls *t) {
  (void)t;
  return 1;
}
#endif

#endif
