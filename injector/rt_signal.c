/* rt_signal.c: transparent wrapping of the program's signal handlers.
 *
 * The program's handlers live in a table; the kernel sees the trampoline,
 * installed with the program's own flags and mask plus SA_SIGINFO (to get
 * the interrupted context). Queries return what the program installed.
 * Every function here can run inside a handler (sigaction is
 * async-signal-safe), so the table is lock-free: each signal has a small
 * ring of entries and an index published with a release store.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt.h"

typedef void (*ss_hfn)(int);    /* sa_handler and sa_sigaction share storage */
typedef void (*ss_anyfn)(void); /* exempt from -Wcast-function-type */
#define SS_TRAMP ((ss_hfn)(ss_anyfn)sigstorm_trampoline)

struct ss_uh {
  ss_hfn handler; /* SIG_DFL, SIG_IGN or the program's function */
  int flags;      /* as the program gave them */
};
#define SS_UH_RING 4
static struct ss_uh ss_uh_tab[SS_NSIG][SS_UH_RING];
static _Atomic uint32_t ss_uh_seq[SS_NSIG]; /* 0: never set through us */
static _Atomic uint64_t ss_sigintr;         /* siginterrupt() bits */
/* The injector may fire sig: set only once the kernel (or a sanitizer's
 * interceptor in front of it) has the trampoline, cleared before the
 * handler goes away. */
static _Atomic uint8_t ss_fireable[SS_NSIG];
/* bumped after every change of ss_fireable: a reader that saw the same
 * value before and after its scan saw no change (ss_sig_handlers_gen) */
static _Atomic uint32_t ss_fireable_gen;

static void ss_fireable_set(int sig, uint8_t v) {
  atomic_store(&ss_fireable[sig], v);
  atomic_fetch_add(&ss_fireable_gen, 1);
}

uint32_t ss_sig_handlers_gen(void) {
  return atomic_load(&ss_fireable_gen);
}

typedef int (*ss_sigaction_fn)(int, const struct sigaction *,
                               struct sigaction *);
typedef int (*ss_sigprocmask_fn)(int, const sigset_t *, sigset_t *);
static ss_sigaction_fn real_sigaction;
static ss_sigprocmask_fn real_sigprocmask;

static int ss_sig_tracked(int sig) {
  return ss_shm && sig > 0 && sig < SS_NSIG && sig != SIGKILL && sig != SIGSTOP;
}

static struct ss_uh ss_uh_get(int sig, int *known) {
  uint32_t seq = atomic_load_explicit(&ss_uh_seq[sig], memory_order_acquire);
  struct ss_uh h = {SIG_DFL, 0};
  *known = seq != 0;
  if (seq)
    h = ss_uh_tab[sig][seq % SS_UH_RING];
  return h;
}

static void ss_uh_put(int sig, ss_hfn handler, int flags) {
  uint32_t seq = atomic_load_explicit(&ss_uh_seq[sig], memory_order_relaxed);
  uint32_t next = seq + 1 ? seq + 1 : 1;
  ss_uh_tab[sig][next % SS_UH_RING].handler = handler;
  ss_uh_tab[sig][next % SS_UH_RING].flags = flags;
  atomic_store_explicit(&ss_uh_seq[sig], next, memory_order_release);
}

int ss_sig_has_handler(int sig) {
  return ss_sig_tracked(sig) &&
         atomic_load_explicit(&ss_fireable[sig], memory_order_acquire);
}

#ifdef SS_FUZZ_BUILD
/* ASan's interceptors when it is linked into the fuzz binary (weak: NULL
 * otherwise): its sigaction keeps its own handlers as ASAN_OPTIONS says
 * (handle_segv=2 ...), as the wrappers in rt_wrap.c forward to its malloc. */
int __interceptor_sigaction(int, const struct sigaction *, struct sigaction *)
    __attribute__((weak));
int __interceptor_sigprocmask(int, const sigset_t *, sigset_t *)
    __attribute__((weak));
#endif

void ss_signal_init(void) {
#ifdef SS_FUZZ_BUILD
  if (__interceptor_sigaction && __interceptor_sigprocmask) {
    real_sigaction = __interceptor_sigaction;
    real_sigprocmask = __interceptor_sigprocmask;
    return;
  }
#endif
  *(void **)&real_sigaction = ss_resolve("sigaction");
  *(void **)&real_sigprocmask = ss_resolve("sigprocmask");
}

/* What the program would have seen: the kernel's answer with our
 * trampoline replaced by the program's handler. */
static void ss_translate_old(int sig, const struct sigaction *k,
                             const struct ss_uh *prev, int prev_known,
                             struct sigaction *out) {
  *out = *k;
  if (!prev_known)
    return;
  if (k->sa_handler == SS_TRAMP)
    out->sa_handler = prev->handler;
  /* SA_SIGINFO is ours unless the program asked for it; the kernel keeps it
   * when SA_RESETHAND puts SIG_DFL back */
  out->sa_flags = (k->sa_flags & ~SA_SIGINFO) | (prev->flags & SA_SIGINFO);
  (void)sig;
}

static uint8_t ss_sig_usable(ss_hfn h, int known) {
  return known && h != SIG_DFL && h != SIG_IGN;
}

/* Whether the default action of sig ends the process. */
static int ss_dfl_kills(int sig) {
  switch (sig) {
  case SIGCHLD:
  case SIGCONT:
  case SIGURG:
  case SIGWINCH:
  case SIGSTOP:
  case SIGTSTP:
  case SIGTTIN:
  case SIGTTOU:
    return 0;
  default:
    return 1;
  }
}

static int ss_sigaction_impl(int sig, const struct sigaction *act,
                             struct sigaction *oldact) {
  if (!real_sigaction)
    ss_signal_init();
  if (!ss_sig_tracked(sig) || !real_sigaction)
    return real_sigaction ? real_sigaction(sig, act, oldact)
                          : (errno = ENOSYS, -1);
  int prev_known;
  struct ss_uh prev = ss_uh_get(sig, &prev_known);
  struct sigaction kold;
  int r;
  if (act)
    ss_fireable_set(sig, 0);
  if (!act) {
    r = real_sigaction(sig, NULL, &kold);
  } else {
    ss_hfn h = act->sa_handler;
    if (h == SIG_DFL && ss_dfl_kills(sig) && prev_known &&
        prev.handler != SIG_DFL && prev.handler != SIG_IGN) {
      /* The kernel keeps the trampoline: a signal the injector sent just
       * before (it checked the handler, then this call removed it) is
       * dropped instead of killing the program; any other signal gets the
       * default action from the trampoline. */
      ss_uh_put(sig, h, act->sa_flags);
      struct sigaction k = *act;
      k.sa_handler = SS_TRAMP;
      k.sa_flags |= SA_SIGINFO;
      r = real_sigaction(sig, &k, &kold);
    } else if (h == SIG_DFL || h == SIG_IGN) {
      /* kernel first, then table: the trampoline never runs for it */
      r = real_sigaction(sig, act, &kold);
      if (r == 0)
        ss_uh_put(sig, h, act->sa_flags);
    } else {
      /* table first, then kernel: the trampoline always finds it */
      ss_uh_put(sig, h, act->sa_flags);
      struct sigaction k = *act;
      k.sa_handler = SS_TRAMP;
      k.sa_flags |= SA_SIGINFO;
      r = real_sigaction(sig, &k, &kold);
      if (r != 0) {
        int e = errno;
        if (prev_known)
          ss_uh_put(sig, prev.handler, prev.flags);
        errno = e;
      }
#ifdef SS_FUZZ_BUILD
      if (r == 0)
        ss_fuzz_on_handler(sig);
#endif
      uint8_t ok = ss_sig_usable(r == 0 ? h : prev.handler, prev_known || !r);
      ss_fireable_set(sig, ok);
      if (ok && ss_shm && sig <= 64 && ss_proc_idx >= 0)
        atomic_fetch_or((_Atomic uint64_t *)&ss_shm->procs[ss_proc_idx].armed,
                        1ull << (sig - 1));
    }
  }
  if (r == 0 && oldact)
    ss_translate_old(sig, &kold, &prev, prev_known, oldact);
  return r;
}

SS_EXPORT int sigaction(int sig, const struct sigaction *act,
                        struct sigaction *oldact) {
  return ss_sigaction_impl(sig, act, oldact);
}
SS_EXPORT int __sigaction(int sig, const struct sigaction *act,
                          struct sigaction *oldact) {
  return ss_sigaction_impl(sig, act, oldact);
}

/* glibc's signal(): BSD semantics (SA_RESTART unless siginterrupt(), the
 * signal itself blocked while its handler runs). */
static __sighandler_t ss_install(int sig, __sighandler_t h, int flags,
                                 int mask_self) {
  struct sigaction act, old;
  if (h == SIG_ERR || sig <= 0 || sig >= SS_NSIG) {
    errno = EINVAL;
    return SIG_ERR;
  }
  memset(&act, 0, sizeof act);
  act.sa_handler = h;
  sigemptyset(&act.sa_mask);
  if (mask_self)
    sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (ss_sigaction_impl(sig, &act, &old) < 0)
    return SIG_ERR;
  return old.sa_handler;
}

static int ss_bsd_flags(int sig) {
  uint64_t bits = atomic_load_explicit(&ss_sigintr, memory_order_relaxed);
  return (sig > 0 && sig < 64 && (bits >> sig) & 1) ? 0 : SA_RESTART;
}

SS_EXPORT __sighandler_t signal(int sig, __sighandler_t h) {
  return ss_install(sig, h, ss_bsd_flags(sig), 1);
}
SS_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t h) {
  return ss_install(sig, h, ss_bsd_flags(sig), 1);
}
SS_EXPORT __sighandler_t ssignal(int sig, __sighandler_t h) {
  return ss_install(sig, h, ss_bsd_flags(sig), 1);
}
/* System V semantics: one-shot, not blocked while it runs. */
SS_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t h) {
  return ss_install(sig, h, SA_RESETHAND | SA_NODEFER, 0);
}
SS_EXPORT __sighandler_t __sysv_signal(int sig, __sighandler_t h) {
  return ss_install(sig, h, SA_RESETHAND | SA_NODEFER, 0);
}

SS_EXPORT int siginterrupt(int sig, int flag) {
  struct sigaction act;
  memset(&act, 0, sizeof act); /* filled below; the analyzer cannot tell */
  if (sig <= 0 || sig >= SS_NSIG) {
    errno = EINVAL;
    return -1;
  }
  if (ss_sigaction_impl(sig, NULL, &act) < 0)
    return -1;
  if (sig < 64) {
    if (flag) {
      atomic_fetch_or(&ss_sigintr, (uint64_t)1 << sig);
      act.sa_flags &= ~SA_RESTART;
    } else {
      atomic_fetch_and(&ss_sigintr, ~((uint64_t)1 << sig));
      act.sa_flags |= SA_RESTART;
    }
  }
  return ss_sigaction_impl(sig, &act, NULL);
}

/* System V sigset(): SIG_HOLD blocks; otherwise installs and unblocks.
 * Returns SIG_HOLD when the signal was blocked before. */
SS_EXPORT __sighandler_t sigset(int sig, __sighandler_t disp) {
  sigset_t set, old;
  struct sigaction act, oact;
  memset(&oact, 0, sizeof oact); /* filled below; the analyzer cannot tell */
  if (sig <= 0 || sig >= SS_NSIG || !real_sigprocmask) {
    errno = EINVAL;
    return SIG_ERR;
  }
  sigemptyset(&set);
  sigaddset(&set, sig);
  if (disp == SIG_HOLD) {
    if (real_sigprocmask(SIG_BLOCK, &set, &old) < 0 ||
        ss_sigaction_impl(sig, NULL, &oact) < 0)
      return SIG_ERR;
  } else {
    memset(&act, 0, sizeof act);
    act.sa_handler = disp;
    sigemptyset(&act.sa_mask);
    if (ss_sigaction_impl(sig, &act, &oact) < 0 ||
        real_sigprocmask(SIG_UNBLOCK, &set, &old) < 0)
      return SIG_ERR;
  }
  if (sigismember(&old, sig))
    return SIG_HOLD;
  return oact.sa_handler;
}

/* ---- the trampoline --------------------------------------------------------
 */

/* Drops the frames of handlers that were left by siglongjmp: their stack
 * frame lies below sp (the stack grows down) on the same stack. */
void ss_frames_prune(struct ss_tls *t, uintptr_t sp) {
  uint32_t before = t->depth;
  while (t->depth > 0) {
    struct ss_hframe *f = &t->frames[t->depth - 1];
    int stale;
    if (f->alt_hi)
      stale = sp < f->alt_lo || sp >= f->alt_hi || sp > f->sp;
    else
      stale = sp > f->sp;
    if (!stale)
      break;
    t->depth--;
  }
  if (t->depth != before)
    ss_publish_depth(t);
}

static uintptr_t ss_uc_pc(const ucontext_t *uc) {
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

static void ss_default_action(int sig) {
  /* The program reset the handler while this signal was on its way: act as
   * the kernel would have. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  real_sigaction(sig, &dfl, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  syscall(SYS_tgkill, (long)syscall(SYS_getpid), (long)ss_gettid(), (long)sig);
  real_sigprocmask(SIG_UNBLOCK, &set, NULL);
}

void sigstorm_trampoline(int sig, siginfo_t *si, void *ucv) {
  int saved_errno = errno;
  struct ss_tls *t = &ss_t;
  ucontext_t *uc = ucv;
  int known;
  struct ss_uh h = ss_uh_get(sig, &known);
  if (!known || h.handler == SIG_IGN)
    return;
  if (h.handler == SIG_DFL) {
    if (si && si->si_code == SI_QUEUE && si->si_pid == getpid() &&
        (uintptr_t)si->si_value.sival_ptr == ss_cookie)
      return; /* ours, sent before the program removed its handler */
    ss_default_action(sig);
    errno = saved_errno;
    return;
  }
  if (h.flags & SA_RESETHAND) { /* the kernel reset it */
    ss_fireable_set(sig, 0);
    ss_uh_put(sig, SIG_DFL, h.flags);
  }

  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  ss_frames_prune(t, sp);
  struct ss_hframe *f = NULL;
  if (t->depth < SS_MAX_DEPTH && !t->exempt) {
    f = &t->frames[t->depth];
    f->sig = sig;
    f->outer = SS_FN_NONE;
    f->unsafe_depth = 0;
    f->handler = (uintptr_t)h.handler;
    f->sp = sp;
    f->alt_lo = f->alt_hi = 0;
    if (h.flags & SA_ONSTACK) {
      stack_t ss;
      if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
        f->alt_lo = (uintptr_t)ss.ss_sp;
        f->alt_hi = (uintptr_t)ss.ss_sp + ss.ss_size;
      }
    }
    f->uc = uc;
    f->pc = uc ? ss_uc_pc(uc) : 0;
    f->errno_before = saved_errno;
    f->intr_in_runtime = f->pc >= ss_self_lo && f->pc < ss_self_hi;
    f->used_alloc = 0;
    memcpy(f->fam_at, t->fam, sizeof f->fam_at);
    memcpy(f->fn_at, t->fam_fn, sizeof f->fn_at);
    atomic_signal_fence(memory_order_seq_cst);
    t->depth++;
    atomic_signal_fence(memory_order_seq_cst);
    ss_publish_depth(t);
  }
  if (ss_shm)
    atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->signals_handled, 1,
                              memory_order_relaxed);
#ifdef SS_FUZZ_BUILD
  if (f)
    ss_fuzz_cover(sig, f->pc, t);
  ss_fuzz_fatal(sig);
#endif

  /* the handler is the program's code, even when the signal interrupted
   * the runtime's own (then in_runtime is restored below) */
  uint32_t saved_in_runtime = t->in_runtime;
  t->in_runtime = 0;
  errno = saved_errno;
#ifdef SS_FUZZ_BUILD
  /* the fuzz runtime may leave the handler at its first unsafe call */
  if (f && __builtin_setjmp(f->jb)) {
    errno = saved_errno;
  } else
#endif
      if (h.flags & SA_SIGINFO)
    ((void (*)(int, siginfo_t *, void *))(ss_anyfn)h.handler)(sig, si, ucv);
  else
    h.handler(sig);
  int errno_after = errno;
  t->in_runtime = saved_in_runtime;

  if (f) {
    atomic_signal_fence(memory_order_seq_cst);
    /* the handler returned normally: its frame is the top one */
    if (t->depth > 0 && &t->frames[t->depth - 1] == f)
      t->depth--;
    atomic_signal_fence(memory_order_seq_cst);
    ss_publish_depth(t);
    if (f->used_alloc && ss_shm && (ss_shm->flags & SS_F_HEAP_CHECK)) {
      /* not here (this is still the signal's context, maybe inside
       * malloc): at the thread's next top-level allocator call */
      t->heap_pending = SS_HEAP_CHECKS;
      t->heap_sig = sig;
      t->heap_handler = (uintptr_t)h.handler;
    }
    if (errno_after != saved_errno) {
      t->in_runtime++;
      ss_record(SS_K_ERRNO_CLOBBER, f, SS_FN_NONE, SS_FN_NONE, SS_FN_NONE,
                errno_after);
      t->in_runtime--;
    }
  }
  errno = errno_after; /* leave what the handler left: no behaviour change */
}
