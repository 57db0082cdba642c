/* rt_fuzz.c: the fuzz runtime (libsigstorm_fuzz.a), linked into a fuzz
 * binary beside the engine (libFuzzer's -fsanitize=fuzzer). The rest of the
 * runtime comes along, compiled with SS_FUZZ_BUILD: the same interposers,
 * trampoline, detectors and injector thread, on a private segment instead of
 * the host's.
 *
 * Per input (__wrap_LLVMFuzzerTestOneInput, see sigstorm_fuzz.h): decode the
 * schedule prefix into the segment, arm, call the target's
 * LLVMFuzzerTestOneInput on the rest, disarm. A handler's first unsafe call
 * that the oracle selects is recorded and the handler left at once (back to
 * the trampoline, see rt_wrap.c), so the interrupted code finishes with its
 * state intact; once the target's function has returned, the runtime prints
 * one report and aborts, in a normal context where the engine's crash
 * handler can safely allocate and save the input.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"
#include "rt_fuzz_afl.h"
#include "sigstorm_fuzz.h"

int __real_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* optional in a target: weak, so a target without one still links */
int __real_LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int __wrap_LLVMFuzzerInitialize(int *argc, char ***argv);

/* Whose handlers may the schedule fire? The program's: those installed
 * before LLVMFuzzerInitialize returned (constructors, the initializer) or
 * during an input. Not the engine's (libFuzzer's SIGINT, SIGTERM, SIGSEGV,
 * ... crash and stop handlers), which it installs between the two. */
static _Atomic int ss_fz_engine_phase;
static _Atomic uint64_t ss_fz_engine_sigs; /* bit s-1: the engine's */

const char *const ss_fz_fn_names[SS_FN_COUNT] = {
#define SS_EACH(name, fam) [SS_FN_##name] = #name,
#include "unsafe_funcs_each.h"
};

/* the oracle and the switch, read once at start-up */
static int ss_fz_window_only;
static int ss_fz_inject = 1;
static int ss_icov_on = 1; /* interruption coverage */

/* set while a schedule is armed (the input is running) */
static volatile sig_atomic_t ss_fz_armed;

struct ss_fz_input ss_fz_in;

/* SIGSTORM_FUZZ_EXECS's counter, shared with sigstorm fuzz; NULL unset */
static _Atomic uint64_t *ss_fz_execs;

static void ss_fz_execs_map(void) {
  const char *path = getenv(SS_ENV_FUZZ_EXECS);
  if (!path || !*path)
    return;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  struct stat st;
  /* shorter, the counter's page would end before it: SIGBUS */
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(uint64_t)) {
    if (fd >= 0)
      close(fd);
    return;
  }
  void *m =
      mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m != MAP_FAILED)
    ss_fz_execs = m;
}

/* the first finding of the input: written once, from a handler */
static _Atomic int ss_fz_hit;
static struct {
  int sig;
  int reentrant; /* same family as the interrupted frame */
  int window;    /* the interrupted frame was inside an interposed fn */
  unsigned callee;
  unsigned interrupted;
  uintptr_t handler;
  uintptr_t pc;
  int32_t tid;
} ss_fz_finding;

static uint8_t ss_fz_prefix[SS_FUZZ_PREFIX]; /* the running input's */

struct ss_shm *ss_fuzz_segment(void) {
  void *p = mmap(NULL, sizeof(struct ss_shm), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  struct ss_shm *s = p;
  s->magic = SS_PROTO_MAGIC;
  s->version = SS_PROTO_VERSION;
  s->header_size = sizeof(struct ss_shm);
  s->finding_size = sizeof(struct ss_finding);
  /* no injector at start-up (nwindows is 0): the first input starts it */
  s->flags = SS_F_NO_FORK_INJECT;
  const char *o = getenv(SS_ENV_FUZZ_ORACLE);
  ss_fz_window_only = o && strcmp(o, "window") == 0;
  const char *ic = getenv(SS_ENV_FUZZ_ICOV);
  ss_icov_on = !(ic && strcmp(ic, "0") == 0);
  const char *inj = getenv(SS_ENV_FUZZ_INJECT);
  ss_fz_inject = !(inj && strcmp(inj, "0") == 0);
  ss_fuzz_wd_init();
  ss_fz_execs_map();
  return s;
}

/* ---- interruption coverage -------------------------------------------------
 * libFuzzer clears this section before each input and reads it after, as it
 * does its own inline counters: a schedule that makes a signal interrupt a
 * new code region (pc / SS_ICOV_REGION), or a new interposed function, for a
 * given signal, or makes its handler reach a new unsafe call
 * (ss_fuzz_cover_callee), is new coverage and the input is kept. Plain byte
 * increments: safe in the handler's context. SIGSTORM_FUZZ_ICOV=0 turns it
 * off, to measure what it is worth. */
#define SS_ICOV_SIZE 4096
#define SS_ICOV_REGION 64 /* bytes of code per bucket: a few basic blocks */
__attribute__((section("__libfuzzer_extra_counters"),
               used)) static uint8_t ss_icov[SS_ICOV_SIZE];

static uint32_t ss_icov_hash(uint64_t a, uint64_t b) {
  uint64_t h = (a ^ (b * 0xd1b54a32d192ed03ull)) * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h >> 40) % SS_ICOV_SIZE;
}

_Static_assert(SS_AFL_FEATURES == SS_ICOV_SIZE, "one hash for both engines");

/* one feature: libFuzzer's section, and AFL++'s map in an AFL++ build */
static void ss_icov_bump(uint32_t h) {
  ss_icov[h]++;
  ss_fuzz_afl_bump(h);
}

void ss_fuzz_cover(int sig, uintptr_t pc, const struct ss_tls *t) {
  if (!ss_icov_on || !ss_fz_armed)
    return;
  ss_icov_bump(ss_icov_hash(pc / SS_ICOV_REGION, (uint64_t)sig));
  /* and the interposed function it was inside (each family's outermost) */
  for (unsigned i = 0; i < SS_FAM_COUNT; i++)
    if (t->fam[i])
      ss_icov_bump(
          ss_icov_hash(0x5ca1ab1e00000000ull | t->fam_fn[i], (uint64_t)sig));
}

/* A handler's unsafe call (each outermost one; issue 5, item 2: "the unsafe
 * callee, if any"): one feature per callee, interposed function the signal
 * interrupted (none: it landed outside every interposed function) and
 * signal. A schedule that makes a handler reach a new unsafe call, or the
 * same call from inside another function, is new coverage even when the
 * signal's landing region is not. */
static void ss_fuzz_cover_callee(int sig, unsigned callee, unsigned intr) {
  if (!ss_icov_on || !ss_fz_armed)
    return;
  ss_icov_bump(ss_icov_hash(
      0xca11ee0000000000ull | (uint64_t)callee << 16 | intr, (uint64_t)sig));
}

void ss_fuzz_on_handler(int sig) {
  if (sig < 1 || sig > 64)
    return;
  uint64_t bit = 1ull << (sig - 1);
  if (atomic_load(&ss_fz_engine_phase) && !ss_fz_armed)
    atomic_fetch_or(&ss_fz_engine_sigs, bit);
  else
    atomic_fetch_and(&ss_fz_engine_sigs, ~bit);
}

int ss_fuzz_engine_sig(int sig) {
  return sig >= 1 && sig <= 64 &&
         ((atomic_load(&ss_fz_engine_sigs) >> (sig - 1)) & 1);
}

int __wrap_LLVMFuzzerInitialize(int *argc, char ***argv) {
  int r =
      __real_LLVMFuzzerInitialize ? __real_LLVMFuzzerInitialize(argc, argv) : 0;
  atomic_store(&ss_fz_engine_phase, 1);
  return r;
}

/* ---- threads: whose calls are the program's ------------------------------
 * An on= window counts the k-th call of an interposed function since the
 * input began, by any thread of the program (thread=caller). Two kinds of
 * calls in a fuzz binary are not the program's, and the normal build (the
 * case a finding becomes) does not make them: a new thread's start-up
 * before its start routine (ASan's thread init calls pthread_getattr_np,
 * which callocs and frees), and every call of a thread the engine created
 * between inputs (libFuzzer's RSS thread, started after
 * LLVMFuzzerInitialize: its ASan start-up calloc, when it ran late, was the
 * first input's calloc#1, and its handler ran on that thread). So the
 * runtime's pthread_create (the executable's, which libstdc++'s std::thread
 * reaches too; ASan's interceptor is a weak alias, the next definition is
 * __interceptor_pthread_create) hands the start routine to a trampoline
 * that says whose the thread is before the routine runs. A thread made
 * without pthread_create is the program's from its first call made while
 * no pthread_create start is pending. */
#define SS_FZ_NSTART 64
static struct {
  void *(*fn)(void *);
  void *arg;
  _Atomic int used;
  uint32_t owner;
} ss_fz_starts[SS_FZ_NSTART];
static _Atomic uint32_t ss_fz_starting; /* created, start routine not run */

int ss_fuzz_counts_slow(struct ss_tls *t) {
  if (atomic_load_explicit(&ss_fz_starting, memory_order_acquire))
    return 0; /* maybe a start-up: not counted, decided later */
  t->owner = SS_OWNER_PROGRAM;
  return 1;
}

static void *ss_fz_thread_start(void *p) {
  unsigned i = (unsigned)(uintptr_t)p;
  void *(*fn)(void *) = ss_fz_starts[i].fn;
  void *arg = ss_fz_starts[i].arg;
  ss_t.owner = ss_fz_starts[i].owner;
  atomic_store_explicit(&ss_fz_starts[i].used, 0, memory_order_release);
  atomic_fetch_sub_explicit(&ss_fz_starting, 1, memory_order_release);
  return fn(arg);
}

typedef int (*ss_pthread_create_fn)(pthread_t *, const pthread_attr_t *,
                                    void *(*)(void *), void *);
int __interceptor_pthread_create(pthread_t *, const pthread_attr_t *,
                                 void *(*)(void *), void *)
    __attribute__((weak));

SS_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr,
                             void *(*fn)(void *), void *arg) {
  static ss_pthread_create_fn real;
  if (!real)
    real = __interceptor_pthread_create
               ? __interceptor_pthread_create
               : (ss_pthread_create_fn)(uintptr_t)ss_resolve("pthread_create");
  if (!real)
    return EAGAIN;
  uint32_t owner = atomic_load(&ss_fz_engine_phase) && !ss_fz_armed
                       ? SS_OWNER_ENGINE
                       : SS_OWNER_PROGRAM;
  for (unsigned i = 0; i < SS_FZ_NSTART; i++) {
    int free_slot = 0;
    if (!atomic_compare_exchange_strong(&ss_fz_starts[i].used, &free_slot, 1))
      continue;
    ss_fz_starts[i].fn = fn;
    ss_fz_starts[i].arg = arg;
    ss_fz_starts[i].owner = owner;
    atomic_fetch_add_explicit(&ss_fz_starting, 1, memory_order_release);
    int r = real(th, attr, ss_fz_thread_start, (void *)(uintptr_t)i);
    if (r != 0) {
      atomic_fetch_sub(&ss_fz_starting, 1);
      atomic_store(&ss_fz_starts[i].used, 0);
    }
    return r;
  }
  /* 64 threads starting at once: this one decides at its first call */
  return real(th, attr, fn, arg);
}

int ss_fuzz_stop(const struct ss_hframe *f, unsigned callee, unsigned fam,
                 int reentrant) {
  if (!ss_fz_armed)
    return 0; /* not an input's signal: leave the program alone */
  /* the engine's handlers (libFuzzer's crash handler on a glibc abort,
   * say) run as they are: they save the input */
  if (ss_fuzz_engine_sig(f->sig))
    return 0;
  unsigned intr = SS_FN_NONE;
  if (!f->intr_in_runtime)
    for (unsigned i = 0; i < SS_FAM_COUNT; i++)
      if (f->fam_at[i] && i != SS_FAM_FORMAT && i != SS_FAM_LOCK) {
        intr = f->fn_at[i];
        break;
      }
  if (reentrant)
    intr = f->fn_at[fam];
  ss_fuzz_cover_callee(f->sig, callee, intr);
  /* window oracle: a lock is left to be taken, so a lock held by the
   * interrupted frame really deadlocks and the watchdog names it; a free()
   * is left to run, so a handler that frees the program's data under its
   * feet really corrupts the heap and glibc's checks abort (the engine
   * saves the crash), or, inside the allocator, deadlocks on its lock */
  if (ss_fz_window_only && (fam == SS_FAM_LOCK || callee == SS_FN_free))
    return 0;
  if (ss_fz_window_only && intr == SS_FN_NONE)
    return 0;
  int zero = 0;
  if (atomic_compare_exchange_strong(&ss_fz_hit, &zero, -1)) {
    ss_fz_finding.sig = f->sig;
    ss_fz_finding.reentrant = reentrant;
    ss_fz_finding.window = intr != SS_FN_NONE;
    ss_fz_finding.callee = callee;
    ss_fz_finding.interrupted = intr;
    ss_fz_finding.handler = f->handler;
    ss_fz_finding.pc = f->pc;
    ss_fz_finding.tid = ss_gettid();
    atomic_store(&ss_fz_hit, 1);
  }
  return 1;
}

static uint32_t ss_u16(const uint8_t *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8;
}

/* The signals an input's records pick from: the program's handled ones,
 * not the engine's. Rescanned only when a handler or the engine's set
 * changed since the last scan (the input thread's cache). */
static int ss_fz_handled[SS_NSIG], ss_fz_nhandled;
static uint32_t ss_fz_handled_gen;
static uint64_t ss_fz_handled_engine;
static int ss_fz_handled_ok;

static int ss_fz_handled_sigs(void) {
  uint32_t gen = ss_sig_handlers_gen();
  uint64_t engine = atomic_load(&ss_fz_engine_sigs);
  if (ss_fz_handled_ok && gen == ss_fz_handled_gen &&
      engine == ss_fz_handled_engine)
    return ss_fz_nhandled;
  int nh = 0;
  for (int s = 1; s < SS_NSIG; s++)
    if (ss_sig_has_handler(s) && !(s <= 64 && (engine >> (s - 1)) & 1))
      ss_fz_handled[nh++] = s;
  ss_fz_nhandled = nh;
  /* the generation read before the scan: a change during it rescans */
  ss_fz_handled_gen = gen;
  ss_fz_handled_engine = engine;
  ss_fz_handled_ok = 1;
  return nh;
}

/* Decodes the prefix into the segment's schedule. */
static void ss_fz_decode(const uint8_t *pre) {
  const int *handled = ss_fz_handled;
  int nh = ss_fz_handled_sigs();
  struct ss_schedule *sc = &ss_shm->sched;
  uint32_t n = 0;
  for (unsigned r = 0; r < SS_FUZZ_RECORDS && nh > 0; r++) {
    const uint8_t *b = pre + (size_t)r * SS_FUZZ_RECORD_SIZE;
    unsigned kind = b[0] % SS_FZ_NKINDS;
    if (kind == SS_FZ_NONE)
      continue;
    struct ss_window *w = &sc->w[n++];
    memset(w, 0, sizeof *w);
    w->sig = handled[b[1] % nh];
    w->thread = b[2] % 2 ? SS_THR_CALLER : SS_THR_MAIN;
    uint64_t v = ss_u16(b + 4), x = ss_u16(b + 6);
    switch (kind) {
    case SS_FZ_AFTER:
      w->kind = SS_WIN_AFTER;
      w->after_ns = v * 8;
      w->count = 1;
      break;
    case SS_FZ_EVERY:
      w->kind = SS_WIN_EVERY;
      w->period_ns = 1000 + v * 8;
      w->after_ns = x * 8;
      w->count = 1 + b[3] % SS_FUZZ_MAX_SHOTS;
      break;
    case SS_FZ_RATE:
      w->kind = SS_WIN_RATE;
      w->rate_mhz = (v + 1) * 100 * 1000;
      w->after_ns = x * 8;
      w->count = 1 + b[3] % SS_FUZZ_MAX_SHOTS;
      break;
    default:
      w->kind = SS_WIN_ON;
      w->on_fn = b[3] % SS_FN_COUNT;
      w->on_k = v + 1;
      /* w even: no delay, raised by the calling thread inside the call
       * (when the window targets it); odd: w ns later, by the injector */
      w->delay_ns = x & 1 ? x : 0;
      w->count = 1;
      break;
    }
  }
  sc->nwindows = n;
}

/* the sanitizer runtime's symbolizer, when the engine brings one */
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t cap)
    __attribute__((weak));

/* Where an address is: "function file:line", else "module+0xoff" (with the
 * symbol when dynamic). */
static void ss_fz_where(char *out, size_t cap, uintptr_t a) {
  Dl_info di;
  if (a && __sanitizer_symbolize_pc) {
    out[0] = '\0';
    /* it symbolizes pc - 1 (a return address's call): a handler's entry
     * or an interrupted pc is the instruction itself */
    __sanitizer_symbolize_pc((void *)(a + 1), "%f %s:%l", out, cap);
    if (out[0] && strncmp(out, "<null>", 6) != 0)
      return;
  }
  if (a && dladdr((void *)a, &di) && di.dli_fname) {
    const char *base = strrchr(di.dli_fname, '/');
    const char *sym = ss_fz_sym(a); /* the executable's static functions */
    base = base ? base + 1 : di.dli_fname;
    if (sym || di.dli_sname)
      snprintf(out, cap, "%s (%s+0x%lx)", sym ? sym : di.dli_sname, base,
               (unsigned long)(a - (uintptr_t)di.dli_fbase));
    else
      snprintf(out, cap, "%s+0x%lx", base,
               (unsigned long)(a - (uintptr_t)di.dli_fbase));
  } else {
    snprintf(out, cap, "0x%lx", (unsigned long)a);
  }
}

/* In a normal context, after the workload: one report, then abort so the
 * engine saves the input. */
static void ss_fz_report(void) {
  const char *kind = ss_fz_finding.reentrant ? "reentrancy"
                     : ss_fz_finding.window  ? "reentrancy-window"
                                             : "unsafe-call";
  const char *sn = sigabbrev_np(ss_fz_finding.sig);
  char h[256], pc[256];
  ss_fz_where(h, sizeof h, ss_fz_finding.handler);
  ss_fz_where(pc, sizeof pc, ss_fz_finding.pc);
  fprintf(stderr,
          "==sigstorm== ERROR: sigstorm: %s: the SIG%s handler %s called "
          "%s, interrupted=%s at %s\n",
          kind, sn ? sn : "?", h, ss_fz_fn_names[ss_fz_finding.callee],
          ss_fz_finding.interrupted == SS_FN_NONE
              ? "none"
              : ss_fz_fn_names[ss_fz_finding.interrupted],
          pc);
  fflush(stderr);
  struct ss_out o = {0};
  ss_fz_schedule_lines(&o);
  ss_fz_finding_line(&o, kind, ss_fz_finding.sig, ss_fz_finding.handler,
                     ss_fz_finding.callee, ss_fz_finding.interrupted,
                     ss_fz_finding.tid);
  ss_o_flush(&o);
  fprintf(stderr, "==sigstorm== the handler was left at that call; the "
                  "input is saved by the engine's abort handler\n");
  fflush(stderr);
  abort();
}

int __wrap_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ss_fz_execs)
    atomic_fetch_add_explicit(ss_fz_execs, 1, memory_order_relaxed);
  if (!ss_shm || !ss_fz_inject)
    return __real_LLVMFuzzerTestOneInput(data, size);
  size_t np = size < SS_FUZZ_PREFIX ? size : SS_FUZZ_PREFIX;
  memset(ss_fz_prefix, 0, sizeof ss_fz_prefix);
  memcpy(ss_fz_prefix, data, np);
  ss_fz_decode(ss_fz_prefix);
  /* for the watchdog: this input, from now */
  ss_fz_in.data = data;
  ss_fz_in.size = size;
  atomic_store_explicit(&ss_fz_in.start_ns, ss_now_ns(), memory_order_relaxed);
  atomic_fetch_add_explicit(&ss_fz_in.seq, 1, memory_order_release);
  ss_fz_armed = 1;
  ss_inject_arm();
  int r = __real_LLVMFuzzerTestOneInput(data + np, size - np);
  ss_inject_disarm();
  ss_fz_armed = 0;
  atomic_fetch_add_explicit(&ss_fz_in.seq, 1, memory_order_release);
  if (atomic_load(&ss_fz_hit))
    ss_fz_report();
  return r;
}
