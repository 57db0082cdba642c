/* rt_wrap.c: the interposed async-signal-unsafe functions, generated from
 * unsafe_funcs.def.
 *
 * Fast path (no handler active on this thread, fn not armed by an on=
 * window): count the call, bump the family's inside-depth, call the next
 * definition. Slow path: detect an unsafe call from a handler, and a
 * reentrancy when the interrupted frame was inside the same family.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <stdio.h> is left out on purpose: with optimization it defines some of the
 * functions wrapped here (vprintf, putchar, ...) as extern inlines, which
 * clang will not let a definition follow. The wrappers only pass FILE
 * pointers through. */
typedef struct _IO_FILE FILE;
#include "rt.h"

/* The prototypes of the fortified variants are not in the headers. */
int __printf_chk(int, const char *, ...);
int __fprintf_chk(FILE *, int, const char *, ...);
int __sprintf_chk(char *, int, size_t, const char *, ...);
int __snprintf_chk(char *, size_t, int, size_t, const char *, ...);
int __dprintf_chk(int, int, const char *, ...);
int __vprintf_chk(int, const char *, va_list);
int __vfprintf_chk(FILE *, int, const char *, va_list);
int __vsprintf_chk(char *, int, size_t, const char *, va_list);
int __vsnprintf_chk(char *, size_t, int, size_t, const char *, va_list);
int __vdprintf_chk(int, int, const char *, va_list);
void __syslog_chk(int, int, const char *, ...);
void __vsyslog_chk(int, int, const char *, va_list);
int __cxa_atexit(void (*)(void *), void *, void *);

static const uint8_t ss_fn_family[SS_FN_COUNT] = {
#define SS_EACH(name, fam) [SS_FN_##name] = SS_FAM_##fam,
#include "unsafe_funcs_each.h"
};

/* ---- real functions ---------------------------------------------------------
 */
/* The next definition of each wrapped function. In a fuzz binary built with
 * clang's AddressSanitizer (-fsanitize=fuzzer,address), ASan's runtime is
 * linked into the executable beside this one: its interceptors are
 * __interceptor_malloc & co., with the plain names only weak aliases, so the
 * runtime's strong malloc wins the link. The wrappers then forward to ASan's
 * interceptor (its allocator, its checks), not to glibc past it: else what
 * ASan allocates itself (strdup & co.) would be freed into glibc, and ASan
 * would never see the program's heap. The references are weak: NULL, and
 * the lookup as before, in a binary without ASan (and for the functions ASan
 * does not intercept: syslog, exit, rwlocks, ...). The preloaded runtime
 * always takes the next definition (a program's sanitizer is behind it). */
#ifdef SS_FUZZ_BUILD
#define SS_ASAN_DECL(name, ret, params)                                        \
  extern ret __interceptor_##name params __attribute__((weak));
#else
#define SS_ASAN_DECL(name, ret, params)
#endif
#define SS_FN(name, fam, ret, params, args)                                    \
  static ret(*real_##name) params;                                             \
  SS_ASAN_DECL(name, ret, params)
#define SS_FV(name, fam, params, args)                                         \
  static void(*real_##name) params;                                            \
  SS_ASAN_DECL(name, void, params)
#define SS_VA(name, fam, ret, params, last, vname, vargs)
#define SS_VV(name, fam, params, last, vname, vargs)
#define SS_NR(name, fam, params, args)                                         \
  static void(*real_##name) params __attribute__((noreturn));                  \
  SS_ASAN_DECL(name, void, params)
#define SS_AL SS_FN
#include "unsafe_funcs.def"
#undef SS_AL
#undef SS_FN
#undef SS_FV
#undef SS_VA
#undef SS_VV
#undef SS_NR

/* dlsym() may call calloc/malloc before the real allocator is known; those
 * calls get memory from this arena, which is never given back. */
static _Alignas(16) unsigned char ss_boot[64 * 1024];
static _Atomic size_t ss_boot_used;
static void *ss_boot_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  size_t off = atomic_fetch_add(&ss_boot_used, n);
  if (off + n > sizeof ss_boot)
    return NULL;
  return ss_boot + off;
}
static int ss_is_boot(const void *p) {
  return (const unsigned char *)p >= ss_boot &&
         (const unsigned char *)p < ss_boot + sizeof ss_boot;
}
static __thread int ss_resolving __attribute__((tls_model("initial-exec")));

#ifdef SS_FUZZ_BUILD
#define SS_ASAN_NEXT(name) ((void *)(uintptr_t)__interceptor_##name)
void __asan_handle_no_return(void) __attribute__((weak));
#else
#define SS_ASAN_NEXT(name) NULL
#endif

static void *ss_next(const char *name, void *asan) {
  return asan ? asan : ss_resolve(name);
}

#define SS_LOOKUP(name)                                                        \
  do {                                                                         \
    ss_resolving++;                                                            \
    *(void **)&real_##name = ss_next(#name, SS_ASAN_NEXT(name));               \
    ss_resolving--;                                                            \
  } while (0)

/* ---- the heap check ---------------------------------------------------------
 * Runs at the top of a program's allocator call, outside any handler, so
 * calling glibc here is as safe as the call the program is making. */
struct ss_mallinfo2 {
  size_t f[10];
};
static struct ss_mallinfo2 (*real_mallinfo2)(void);
static int (*real_malloc_trim)(size_t);

void ss_heap_check(struct ss_tls *t) {
  t->heap_pending--;
  if (!ss_shm)
    return;
  if (!real_mallinfo2 || !real_malloc_trim) { /* resolved at start-up */
    t->heap_pending = 0;
    return;
  }
  ss_shm->heapcheck_sig = t->heap_sig;
  ss_shm->heapcheck_handler = t->heap_handler;
  atomic_store_explicit((_Atomic int32_t *)&ss_shm->heapcheck_tid, ss_gettid(),
                        memory_order_release);
  /* mallinfo2 walks every arena's fastbins (alignment checks) and bins;
   * malloc_trim consolidates the fastbins (size checks) and unlinks
   * chunks (the double-linked list and prev_size checks) under each
   * arena's lock: glibc's own checks, made to run now */
  (void)real_mallinfo2();
  (void)real_malloc_trim(0);
  atomic_store_explicit((_Atomic int32_t *)&ss_shm->heapcheck_tid, 0,
                        memory_order_release);
  atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->heapchecks, 1,
                            memory_order_relaxed);
}

void ss_resolve_all(void) {
  if (!real_mallinfo2) {
    ss_resolving++;
    *(void **)&real_mallinfo2 = ss_resolve("mallinfo2");
    *(void **)&real_malloc_trim = ss_resolve("malloc_trim");
    ss_resolving--;
  }
#define SS_FN(name, fam, ...)                                                  \
  if (!real_##name)                                                            \
    SS_LOOKUP(name);
#define SS_FV SS_FN
#define SS_NR SS_FN
#define SS_AL SS_FN
#define SS_VA(...)
#define SS_VV(...)
#include "unsafe_funcs.def"
#undef SS_AL
#undef SS_FN
#undef SS_FV
#undef SS_VA
#undef SS_VV
#undef SS_NR
}

/* ---- detection -------------------------------------------------------------
 */

/* Called on entry when a handler is active, the runtime itself is running,
 * or fn is armed. Returns a token for ss_leave (handler depth, or 0). */
static unsigned ss_detect(struct ss_tls *t, unsigned fn) {
  if (t->in_runtime) {
    /* the runtime's own code called an interposed function: a bug here */
    if (ss_shm)
      atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->runtime_violations,
                                1, memory_order_relaxed);
    return 0;
  }
  if (t->exempt)
    return 0;
  if (ss_armed[fn] && ss_fuzz_counts(t))
    ss_on_event(fn);
  if (t->depth == 0 || !ss_shm)
    return 0;
  ss_frames_prune(t, (uintptr_t)__builtin_frame_address(0));
  if (t->depth == 0)
    return 0;
  struct ss_hframe *f = &t->frames[t->depth - 1];
  unsigned fam = ss_fn_family[fn];
  if (fam == SS_FAM_ALLOC)
    f->used_alloc = 1;
  t->in_runtime++;
  if (f->unsafe_depth == 0) {
    f->outer = (uint16_t)fn;
    ss_record(SS_K_UNSAFE_CALL, f, fn, fn, SS_FN_NONE, 0);
  }
  int reentrant = f->fam_at[fam] && !f->intr_in_runtime && fam != SS_FAM_FORMAT;
  if (reentrant)
    ss_record(SS_K_REENTRANCY, f, fn, f->outer, f->fn_at[fam], 0);
  t->in_runtime--;
#ifdef SS_FUZZ_BUILD
  /* the handler has made no unsafe call yet (this is its first): leaving
   * it here, back to the trampoline, leaves no half-done unsafe state */
  if (f->unsafe_depth == 0 && ss_fuzz_stop(f, fn, fam, reentrant)) {
    /* as ASan's longjmp interceptor does: the frames left behind (the
     * handler's, instrumented) keep their poisoned redzones otherwise */
    if (__asan_handle_no_return)
      __asan_handle_no_return();
    __builtin_longjmp(f->jb, 1);
  }
#endif
  f->unsafe_depth++;
  return t->depth;
}

static __attribute__((noinline)) unsigned ss_enter_slow(struct ss_tls *t,
                                                        unsigned fn) {
  int saved_errno = errno; /* nothing here may change what the caller sees */
  if (t->heap_pending && !t->depth && !t->in_runtime && !t->exempt &&
      ss_fn_family[fn] == SS_FAM_ALLOC && !t->fam[SS_FAM_ALLOC])
    ss_heap_check(t);
  unsigned tok = ss_detect(t, fn);
  errno = saved_errno;
  return tok;
}

static inline unsigned ss_enter(unsigned fn) {
  struct ss_tls *t = &ss_t;
  unsigned fam = ss_fn_family[fn];
  unsigned tok = 0;
  t->calls[fn]++;
  /* progress for the host's watchdog: one store to the thread's own line */
  if (SS_UNLIKELY(!t->slot))
    t->slot = ss_progress_slot(t);
  atomic_store_explicit((_Atomic uint64_t *)&t->slot->progress, ++t->nprog,
                        memory_order_relaxed);
  unsigned slow = t->depth | t->in_runtime | ss_armed[fn] | t->heap_pending;
  if (SS_UNLIKELY(slow))
    tok = ss_enter_slow(t, fn);
  if (t->fam[fam]++ == 0)
    t->fam_fn[fam] = (uint16_t)fn;
  atomic_signal_fence(memory_order_seq_cst);
#ifdef SS_FUZZ_BUILD
  /* an on= window's k-th call, on the thread it targets: its signal is
   * raised here, now that the call is in flight (rt_inject.c) */
  if (SS_UNLIKELY(slow) && SS_UNLIKELY(t->on_sync))
    ss_on_raise(t);
#endif
  return tok;
}

static inline void ss_leave(unsigned fn, unsigned tok) {
  struct ss_tls *t = &ss_t;
  atomic_signal_fence(memory_order_seq_cst);
  t->fam[ss_fn_family[fn]]--;
  if (SS_UNLIKELY(tok) && tok <= t->depth && t->frames[tok - 1].unsafe_depth)
    t->frames[tok - 1].unsafe_depth--;
}

/* ---- the wrappers -----------------------------------------------------------
 */
#define SS_FN(name, fam, ret, params, args)                                    \
  SS_EXPORT ret name params {                                                  \
    if (SS_UNLIKELY(!real_##name))                                             \
      SS_LOOKUP(name);                                                         \
    unsigned ss_tok = ss_enter(SS_FN_##name);                                  \
    ret ss_r = real_##name args;                                               \
    ss_leave(SS_FN_##name, ss_tok);                                            \
    return ss_r;                                                               \
  }
#define SS_FV(name, fam, params, args)                                         \
  SS_EXPORT void name params {                                                 \
    if (SS_UNLIKELY(!real_##name))                                             \
      SS_LOOKUP(name);                                                         \
    unsigned ss_tok = ss_enter(SS_FN_##name);                                  \
    real_##name args;                                                          \
    ss_leave(SS_FN_##name, ss_tok);                                            \
  }
#define SS_VA(name, fam, ret, params, last, vname, vargs)                      \
  SS_EXPORT ret name(SS_UNPAREN params, ...) {                                 \
    va_list ap;                                                                \
    if (SS_UNLIKELY(!real_##vname))                                            \
      SS_LOOKUP(vname);                                                        \
    unsigned ss_tok = ss_enter(SS_FN_##name);                                  \
    va_start(ap, last);                                                        \
    ret ss_r = real_##vname vargs;                                             \
    va_end(ap);                                                                \
    ss_leave(SS_FN_##name, ss_tok);                                            \
    return ss_r;                                                               \
  }
#define SS_VV(name, fam, params, last, vname, vargs)                           \
  SS_EXPORT void name(SS_UNPAREN params, ...) {                                \
    va_list ap;                                                                \
    if (SS_UNLIKELY(!real_##vname))                                            \
      SS_LOOKUP(vname);                                                        \
    unsigned ss_tok = ss_enter(SS_FN_##name);                                  \
    va_start(ap, last);                                                        \
    real_##vname vargs;                                                        \
    va_end(ap);                                                                \
    ss_leave(SS_FN_##name, ss_tok);                                            \
  }
#define SS_NR(name, fam, params, args)                                         \
  SS_EXPORT void name params {                                                 \
    if (SS_UNLIKELY(!real_##name))                                             \
      SS_LOOKUP(name);                                                         \
    (void)ss_enter(SS_FN_##name);                                              \
    real_##name args;                                                          \
  }
#define SS_UNPAREN(...) __VA_ARGS__

#define SS_AL(...)
#include "unsafe_funcs.def"
#undef SS_FN
#undef SS_FV
#undef SS_VA
#undef SS_VV
#undef SS_NR
#undef SS_AL

/* ---- the mutexes, by hand: they keep the lock table ------------------------
 * Raw atomics on the shared segment only: these run inside handlers too. */
static int32_t ss_self_pid(void) {
  return ss_proc_idx >= 0 ? ss_shm->procs[ss_proc_idx].pid
                          : (int32_t)syscall(SYS_getpid);
}

static struct ss_waiter *ss_waiter_slot(int32_t tid) {
  for (unsigned i = 0; i < SS_MAX_WAITERS; i++) {
    struct ss_waiter *w = &ss_shm->waiters[i];
    int32_t cur =
        atomic_load_explicit((_Atomic int32_t *)&w->tid, memory_order_relaxed);
    if (cur == tid)
      return w;
    if (cur == 0) {
      int32_t zero = 0;
      if (atomic_compare_exchange_strong((_Atomic int32_t *)&w->tid, &zero,
                                         tid))
        return w;
      if (zero == tid)
        return w;
    }
  }
  return NULL;
}

static void ss_lock_wait(const void *m, uint64_t pc, int on) {
  if (!ss_shm)
    return;
  struct ss_waiter *w = ss_waiter_slot(ss_gettid());
  if (!w)
    return;
  w->pid = ss_self_pid();
  w->pc = pc;
  w->depth = ss_t.depth;
  atomic_store((_Atomic uint64_t *)&w->mutex, on ? (uint64_t)(uintptr_t)m : 0);
}

/* The lock table's slot for mutex key: the one that has it, or with claim
 * the first free one on its probe path (taken with a compare-and-swap).
 * NULL when there is none. */
static struct ss_lock *ss_lock_slot(uint64_t key, int claim) {
  unsigned h = (unsigned)((key >> 4) * 0x9e3779b1u) % SS_MAX_LOCKS;
  for (unsigned i = 0; i < SS_MAX_LOCKS; i++) {
    struct ss_lock *l = &ss_shm->locks[(h + i) % SS_MAX_LOCKS];
    uint64_t cur = atomic_load((_Atomic uint64_t *)&l->mutex);
    if (cur == key)
      return l;
    if (claim && cur == 0) {
      uint64_t zero = 0;
      if (atomic_compare_exchange_strong((_Atomic uint64_t *)&l->mutex, &zero,
                                         key) ||
          zero == key)
        return l;
    }
  }
  return NULL;
}

static void ss_lock_held(const void *m, uint64_t pc) {
  if (!ss_shm)
    return;
  struct ss_lock *l = ss_lock_slot((uint64_t)(uintptr_t)m, 1);
  if (!l) {
    atomic_fetch_add((_Atomic uint64_t *)&ss_shm->locks_dropped, 1);
    return;
  }
  atomic_store((_Atomic int32_t *)&l->owner, ss_gettid());
  l->pid = ss_self_pid();
  l->pc = pc;
  l->depth = ss_t.depth;
}

/* After the real unlock: the entry goes unless another thread has taken
 * the mutex (and the entry) in between. Until the real unlock returns, the
 * table still says we hold it, as we do. */
static void ss_lock_released(const void *m, int32_t self) {
  if (!ss_shm)
    return;
  struct ss_lock *l = ss_lock_slot((uint64_t)(uintptr_t)m, 0);
  int32_t me = self;
  if (l && atomic_compare_exchange_strong((_Atomic int32_t *)&l->owner, &me, 0))
    atomic_store((_Atomic uint64_t *)&l->mutex, 0);
}

#define SS_MUTEX_WRAP(name, params, args, blocking)                            \
  SS_EXPORT int name params {                                                  \
    if (SS_UNLIKELY(!real_##name))                                             \
      SS_LOOKUP(name);                                                         \
    uint64_t pc = (uint64_t)(uintptr_t)__builtin_return_address(0);            \
    unsigned ss_tok = ss_enter(SS_FN_##name);                                  \
    int saved = errno;                                                         \
    if (blocking)                                                              \
      ss_lock_wait(m, pc, 1);                                                  \
    errno = saved;                                                             \
    int ss_r = real_##name args;                                               \
    saved = errno;                                                             \
    if (blocking)                                                              \
      ss_lock_wait(m, pc, 0);                                                  \
    if (ss_r == 0)                                                             \
      ss_lock_held(m, pc);                                                     \
    errno = saved;                                                             \
    ss_leave(SS_FN_##name, ss_tok);                                            \
    return ss_r;                                                               \
  }
SS_MUTEX_WRAP(pthread_mutex_lock, (pthread_mutex_t * m), (m), 1)
SS_MUTEX_WRAP(pthread_mutex_trylock, (pthread_mutex_t * m), (m), 0)
SS_MUTEX_WRAP(pthread_mutex_timedlock,
              (pthread_mutex_t * m, const struct timespec *t), (m, t), 1)

SS_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m) {
  if (SS_UNLIKELY(!real_pthread_mutex_unlock))
    SS_LOOKUP(pthread_mutex_unlock);
  unsigned ss_tok = ss_enter(SS_FN_pthread_mutex_unlock);
  int ss_r = real_pthread_mutex_unlock(m);
  int saved = errno;
  if (ss_r == 0)
    ss_lock_released(m, ss_gettid());
  errno = saved;
  ss_leave(SS_FN_pthread_mutex_unlock, ss_tok);
  return ss_r;
}

/* The allocator entries, by hand: while dlsym resolves them (ss_resolving)
 * they serve from the bootstrap arena. */
SS_EXPORT void *malloc(size_t n) {
  if (SS_UNLIKELY(!real_malloc)) {
    if (ss_resolving)
      return ss_boot_alloc(n);
    SS_LOOKUP(malloc);
  }
  unsigned ss_tok = ss_enter(SS_FN_malloc);
  void *r = real_malloc(n);
  ss_leave(SS_FN_malloc, ss_tok);
  return r;
}

SS_EXPORT void free(void *p) {
  if (SS_UNLIKELY(ss_is_boot(p)))
    return;
  if (SS_UNLIKELY(!real_free)) {
    if (ss_resolving)
      return;
    SS_LOOKUP(free);
  }
  unsigned ss_tok = ss_enter(SS_FN_free);
  real_free(p);
  ss_leave(SS_FN_free, ss_tok);
}

SS_EXPORT void *calloc(size_t n, size_t m) {
  if (SS_UNLIKELY(!real_calloc)) {
    if (ss_resolving) {
      size_t sz;
      if (__builtin_mul_overflow(n, m, &sz))
        return NULL;
      return ss_boot_alloc(sz); /* static memory is zeroed */
    }
    SS_LOOKUP(calloc);
  }
  unsigned ss_tok = ss_enter(SS_FN_calloc);
  void *r = real_calloc(n, m);
  ss_leave(SS_FN_calloc, ss_tok);
  return r;
}

SS_EXPORT void *realloc(void *p, size_t n) {
  if (SS_UNLIKELY(ss_is_boot(p))) {
    /* its size is unknown: copy what can belong to it */
    void *q = malloc(n);
    size_t avail = (size_t)(ss_boot + sizeof ss_boot - (unsigned char *)p);
    if (q)
      memcpy(q, p, n < avail ? n : avail);
    return q;
  }
  if (SS_UNLIKELY(!real_realloc)) {
    if (ss_resolving)
      return p ? NULL : ss_boot_alloc(n);
    SS_LOOKUP(realloc);
  }
  unsigned ss_tok = ss_enter(SS_FN_realloc);
  void *r = real_realloc(p, n);
  ss_leave(SS_FN_realloc, ss_tok);
  return r;
}
