/* rt_inject.c: the injector thread. It fires signals at the process's
 * threads from the schedule the host put in the segment: time windows
 * (after=, every= with jitter, rate= Poisson) and event windows (on=fn#k:
 * the k-th entry into an interposed function, then a delay). All signals
 * are blocked in it, and it is exempt from detection.
 *
 * It sleeps with clock_nanosleep until shortly before a shot and busy-waits
 * on CLOCK_MONOTONIC for the rest, for sub-microsecond precision.
 *
 * In a fuzz build (rt_fuzz.c) the thread runs one schedule per input: it
 * waits for ss_inject_arm(), runs the windows from that moment, and stops
 * at ss_inject_disarm(), which returns only once no shot can come any more.
 * An on= window with no delay whose k-th call is made on the thread it
 * targets is not the injector's: the calling thread raises the signal on
 * itself inside the call (ss_on_raise), so the input interrupts the same
 * call every time it runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"

#define SS_SPIN_NS 60000ull    /* busy-wait the last 60 us before a shot */
#define SS_FZ_SPIN_NS 15000ull /* fuzz mode: 15 us, yielding (see ss_wait) */
#define SS_IDLE_NS 20000000ull /* re-check liveness this often when idle */

struct ss_wstate {
  uint64_t next; /* ns since start; UINT64_MAX = no shot planned */
  uint64_t shots;
  int done;
};

static struct ss_wstate ss_ws[SS_MAX_WINDOWS];
static _Atomic uint32_t ss_futex; /* bumped on every on= event */
static _Atomic uint64_t ss_on_count[SS_FN_COUNT];
static _Atomic uint64_t ss_on_when[SS_MAX_WINDOWS]; /* trigger time, 0 none */
static _Atomic int32_t ss_on_tid[SS_MAX_WINDOWS];
static int32_t ss_inj_tid;
static int32_t ss_inj_pid;
static uid_t ss_inj_uid;
static uint64_t ss_rng;
/* Fuzz epochs: odd while a schedule is armed. A shot is made only with
 * ss_busy set and the epoch unchanged (checked after setting it), so
 * disarm, which changes the epoch and then waits for ss_busy to clear,
 * knows that every shot has been sent before it returns. ss_busy counts the
 * senders: the injector, and program threads raising an on= window's
 * signal on themselves (ss_on_raise). */
static int ss_epochs; /* set before the thread starts: fuzz mode */
static _Atomic uint32_t ss_epoch;
static _Atomic uint32_t ss_busy;
static uint32_t ss_cur_epoch;
static uint64_t ss_wd_next; /* fuzz: when the watchdog looks next */
/* Fuzz mode, the cheap handshake. The injector publishes whether it sleeps
 * (in a futex wait on ss_futex) and until when; the arming thread wakes it
 * only when the new schedule's first time shot is due before that (an on=
 * window wakes it from the interposer; a schedule with no window arms
 * nothing). Disarm wakes nobody: a sleeping injector finds the epoch moved
 * on when it wakes. */
static _Atomic uint32_t ss_inj_sleeping;
static _Atomic uint64_t ss_inj_wake_at; /* absolute ns, UINT64_MAX none */
static _Atomic uint64_t ss_arm_ns;      /* when the running epoch began */
static int ss_fz_armed_epoch; /* the arming thread's: this input bumped it */
/* A process's first input: its schedule's times count from when the new
 * injector thread runs, not from before it was created (a shot due 500 us
 * after the arm landed while the input was still waiting for the thread,
 * before the workload began). The arming thread sets it once it has seen
 * the thread run (or given up waiting); the thread waits for it. */
static _Atomic int ss_fz_go;
static int ss_fz_armed_on;   /* ... and armed on= functions */
static uint64_t ss_fz_fired; /* ... and signals_fired when it armed */
/* the injector's: ss_futex as it was before the run loop last looked at
 * the on= triggers, so a trigger after that look ends its next sleep */
static uint32_t ss_fz_seen;
/* the process (and its uid) that armed the first input: its threads raise
 * synchronous on= shots (not a fork child of the workload, which has no
 * injector); set before the injector thread starts, which a busy machine
 * may run only after the first input */
static int32_t ss_fz_pid;
static uid_t ss_fz_uid;

int32_t ss_inject_tid(void) {
  return ss_inj_tid;
}

/* Fuzz mode: the per-input watchdog (rt_fuzz_wd.c) runs on this thread,
 * between shots and while it waits for the next input. */
static void ss_wd_poll(void) {
#ifdef SS_FUZZ_BUILD
  uint64_t now = ss_now_ns();
  if (ss_epochs && now >= ss_wd_next)
    ss_wd_next = ss_fuzz_watchdog(now);
#endif
}

/* Fuzz mode: sleeps until until_ns (absolute; the watchdog's next look at
 * the latest), an arm or an on= trigger; returns at once when the epoch is
 * no longer e. The arming thread stores the epoch, then the futex word,
 * then reads ss_inj_sleeping; this thread stores ss_inj_sleeping, then
 * reads the futex word, then the epoch (all sequentially consistent): if
 * the epoch read here is the old one, the arming thread sees the sleeper
 * and its futex bump comes after the value this wait expects. */
static void ss_fz_sleep(uint64_t until_ns, uint32_t e, uint32_t seen) {
  ss_wd_poll();
  if (ss_wd_next < until_ns)
    until_ns = ss_wd_next;
  atomic_store(&ss_inj_wake_at, until_ns);
  atomic_store(&ss_inj_sleeping, 1);
  uint64_t now = ss_now_ns();
  if (atomic_load(&ss_epoch) == e && now < until_ns) {
    uint64_t d = until_ns - now;
    struct timespec rel = {(time_t)(d / 1000000000ull),
                           (long)(d % 1000000000ull)};
    syscall(SYS_futex, &ss_futex, FUTEX_WAIT_PRIVATE, seen,
            until_ns == UINT64_MAX ? NULL : &rel, NULL, 0);
  }
  atomic_store(&ss_inj_sleeping, 0);
}

static int ss_live(void) {
  return !ss_epochs || atomic_load(&ss_epoch) == ss_cur_epoch;
}

static uint64_t ss_rand(void) {
  /* splitmix64: the injector thread's own generator */
  uint64_t z = (ss_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double ss_rand01(void) {
  return (double)(ss_rand() >> 11) * (1.0 / 9007199254740992.0);
}

/* The siginfo of the runtime's shots: SI_QUEUE with our cookie, so the
 * trampoline can tell them from the program's own signals. */
static void ss_si_ours(siginfo_t *si, int sig, int32_t pid, uid_t uid) {
  memset(si, 0, sizeof *si);
  si->si_signo = sig;
  si->si_code = SI_QUEUE;
  si->si_pid = pid;
  si->si_uid = uid;
  si->si_value.sival_ptr = (void *)ss_cookie;
}

#ifdef SS_FUZZ_BUILD
/* Fuzz mode: may the k-th call's own thread raise window w's signal on
 * itself, synchronously, inside the call? Only for a window with no delay
 * (the ABI's even w) whose target is this thread (the caller; for main, the
 * process's initial thread), outside any handler (a handler's call may be
 * left by the fuzz runtime before the raise), in the injector's process (a
 * fork child has no injector: no shot), with the schedule armed. */
static int ss_on_sync_ok(const struct ss_window *w, const struct ss_tls *t,
                         uint32_t e) {
  if (!ss_epochs || !(e & 1) || w->delay_ns || w->sig == SS_SIG_HANDLED ||
      t->depth || (w->thread != SS_THR_CALLER && w->thread != SS_THR_MAIN))
    return 0;
  int32_t pid = (int32_t)syscall(SYS_getpid);
  if (pid != ss_fz_pid)
    return 0;
  return w->thread == SS_THR_CALLER || ss_gettid() == pid;
}
#endif

/* Called by a target thread on entry into an armed function. */
void ss_on_event(unsigned fn) {
  int saved_errno = errno;
  uint64_t k = atomic_fetch_add(&ss_on_count[fn], 1) + 1;
  const struct ss_schedule *sc = &ss_shm->sched;
  for (uint32_t i = 0; i < sc->nwindows && i < SS_MAX_WINDOWS; i++) {
    const struct ss_window *w = &sc->w[i];
    if (w->kind != SS_WIN_ON || w->on_fn != fn || w->on_k != k)
      continue;
#ifdef SS_FUZZ_BUILD
    struct ss_tls *t = &ss_t;
    uint32_t e = atomic_load(&ss_epoch);
    if (ss_on_sync_ok(w, t, e)) {
      /* the wrapper raises it once the call is marked in flight */
      t->on_sync |= 1u << i;
      t->on_epoch = e;
      continue;
    }
#endif
    atomic_store(&ss_on_tid[i], ss_gettid());
    atomic_store(&ss_on_when[i], ss_now_ns());
    atomic_fetch_add(&ss_futex, 1);
    /* fuzz mode: an injector that is awake sees the trigger (ss_fz_seen) */
    if (!ss_epochs || atomic_load(&ss_inj_sleeping))
      syscall(SYS_futex, &ss_futex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
  errno = saved_errno;
}

#ifdef SS_FUZZ_BUILD
/* The synchronous shot of the on= windows in t->on_sync (bits), on this
 * thread, from inside the interposed call that triggered them: the wrapper
 * has marked the call in flight, so the handler sees the interrupted frame
 * inside it, as for a shot from the injector. Raw system calls only. The
 * signal is blocked while it is sent (ss_busy held, epoch checked, as the
 * injector sends) and delivered when the mask is restored: ss_busy is not
 * held while the handler runs, so a handler that never returns (a
 * siglongjmp, a deadlock) cannot leave disarm waiting. That last call goes
 * through libc's syscall(), so the interrupted pc is libc's, not the
 * runtime's text (which, linked into a fuzz binary, is the executable's:
 * the trampoline would read it as the runtime interrupting itself). A
 * signal the thread blocks is not sent: it would arrive outside the call,
 * maybe after the input. */
void ss_on_raise(struct ss_tls *t) {
  /* a handler interrupted the call between trigger and raise, and made an
   * interposed call of its own: the shot is the interrupted call's */
  if (t->depth)
    return;
  int saved_errno = errno;
  uint32_t m = t->on_sync;
  t->on_sync = 0;
  const struct ss_schedule *sc = &ss_shm->sched;
  int32_t pid = ss_fz_pid, tid = ss_gettid();
  for (uint32_t i = 0; m && i < SS_MAX_WINDOWS; i++) {
    if (!(m & (1u << i)))
      continue;
    m &= ~(1u << i);
    const struct ss_window *w = &sc->w[i];
    int sig = w->sig, force = (w->flags & SS_WF_FORCE) != 0;
    if (sig < 1 || sig >= SS_NSIG || (!force && !ss_sig_has_handler(sig)))
      continue;
    uint64_t one = 1ull << (sig - 1), old = 0;
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &one, &old, sizeof one) != 0)
      continue;
    if (!(old & one)) {
      siginfo_t si;
      ss_si_ours(&si, sig, pid, ss_fz_uid);
      atomic_fetch_add(&ss_busy, 1);
      if (atomic_load(&ss_epoch) == t->on_epoch &&
          (force ? syscall(SYS_tgkill, (long)pid, (long)tid, (long)sig)
                 : syscall(SYS_rt_tgsigqueueinfo, (long)pid, (long)tid,
                           (long)sig, &si)) == 0)
        atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->signals_fired, 1,
                                  memory_order_relaxed);
      atomic_fetch_sub(&ss_busy, 1);
    }
    /* delivered as this call returns, inside the interposed call */
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
  }
  errno = saved_errno;
}
#endif

static void ss_sleep_until(uint64_t abs_ns) {
  struct timespec ts = {(time_t)(abs_ns / 1000000000ull),
                        (long)(abs_ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

/* Waits for an on= trigger or until abs_ns. */
static void ss_wait(uint64_t abs_ns, int have_on) {
  uint64_t now = ss_now_ns();
  if (abs_ns <= now)
    return;
  if (ss_epochs) { /* fuzz mode: the cheap handshake above */
    uint32_t seen = ss_fz_seen;
    if (abs_ns - now > SS_FZ_SPIN_NS) {
      ss_fz_sleep(abs_ns - SS_FZ_SPIN_NS, ss_cur_epoch, seen);
      if (atomic_load(&ss_futex) != seen || !ss_live())
        return;
    }
    /* the last stretch: yield each turn, so on a machine with more
     * runnable threads than CPUs the spin does not take the CPU the
     * workload (or the engine) needs; alone on its CPU, the yield returns
     * at once and this is a spin (each turn one system call) */
    while (ss_now_ns() < abs_ns && ss_live()) {
      if (atomic_load(&ss_futex) != seen)
        return;
      syscall(SYS_sched_yield);
    }
    return;
  }
  if (abs_ns - now > SS_SPIN_NS) {
    uint64_t until = abs_ns - SS_SPIN_NS;
    if (have_on || ss_epochs) {
      uint32_t seen = atomic_load(&ss_futex);
      uint64_t d = until - now;
      struct timespec rel = {(time_t)(d / 1000000000ull),
                             (long)(d % 1000000000ull)};
      syscall(SYS_futex, &ss_futex, FUTEX_WAIT_PRIVATE, seen, &rel, NULL, 0);
      if (atomic_load(&ss_futex) != seen)
        return;
    } else {
      ss_sleep_until(until);
    }
  }
  uint32_t seen = atomic_load(&ss_futex);
  while (ss_now_ns() < abs_ns) {
    if ((have_on || ss_epochs) && atomic_load(&ss_futex) != seen)
      return;
  }
}

/* Threads of this process, from /proc/self/task (raw syscalls). */
static int ss_threads(int32_t *out, int max) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[4096];
  int n = 0;
  long got;
  while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < got;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      off += d->d_reclen;
      int32_t tid = 0;
      const char *p = d->d_name;
      if (*p < '0' || *p > '9')
        continue;
      for (; *p >= '0' && *p <= '9'; p++)
        tid = tid * 10 + (*p - '0');
      if (tid != ss_inj_tid && n < max)
        out[n++] = tid;
    }
  }
  syscall(SYS_close, fd);
  return n;
}

static int ss_pick_signal(const struct ss_window *w) {
  if (w->sig != SS_SIG_HANDLED)
    return (w->flags & SS_WF_FORCE) || ss_sig_has_handler(w->sig) ? w->sig : 0;
  int cand[SS_NSIG], n = 0;
  for (int s = 1; s < SS_NSIG; s++)
    if (ss_sig_has_handler(s))
      cand[n++] = s;
  return n ? cand[ss_rand() % (uint64_t)n] : 0;
}

static void ss_fire(const struct ss_window *w, int sig, int32_t caller) {
  int32_t pid = ss_inj_pid;
  int32_t tids[256];
  int n = 0;
  switch (w->thread) {
  case SS_THR_CALLER:
    tids[n++] = caller ? caller : pid;
    break;
  case SS_THR_ANY:
    n = ss_threads(tids, 256);
    if (n > 1) {
      tids[0] = tids[ss_rand() % (uint64_t)n];
      n = 1;
    }
    break;
  case SS_THR_ALL:
    n = ss_threads(tids, 256);
    break;
  default:
    break;
  }
  if (n == 0)
    tids[n++] = pid;
  /* marked (SI_QUEUE, our cookie) unless forced: see the trampoline */
  siginfo_t si;
  ss_si_ours(&si, sig, pid, ss_inj_uid);
  int force = (w->flags & SS_WF_FORCE) != 0;
  atomic_fetch_add(&ss_busy, 1);
  if (!ss_live()) {
    atomic_fetch_sub(&ss_busy, 1);
    return;
  }
  for (int i = 0; i < n; i++)
    if ((force ? syscall(SYS_tgkill, (long)pid, (long)tids[i], (long)sig)
               : syscall(SYS_rt_tgsigqueueinfo, (long)pid, (long)tids[i],
                         (long)sig, &si)) == 0)
      atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->signals_fired, 1,
                                memory_order_relaxed);
  atomic_fetch_sub(&ss_busy, 1);
}

static uint64_t ss_next_after(const struct ss_window *w, uint64_t from) {
  if (w->kind == SS_WIN_EVERY) {
    double p = (double)w->period_ns;
    if (w->jitter_pct)
      p *= 1.0 + (ss_rand01() * 2.0 - 1.0) * (double)w->jitter_pct / 100.0;
    return from + (uint64_t)(p > 0 ? p : 0);
  }
  if (w->kind == SS_WIN_RATE) {
    if (!w->rate_mhz)
      return UINT64_MAX; /* never: not a storm of shots at once */
    double gap = -log(1.0 - ss_rand01()) * (1e12 / (double)w->rate_mhz);
    return gap < 1e18 ? from + (uint64_t)gap : UINT64_MAX;
  }
  return UINT64_MAX;
}

/* The process is only us: the program's threads are gone (it called
 * pthread_exit from main). Leave so the process can end. */
static int ss_alone(void) {
  int32_t t[2];
  return ss_threads(t, 2) == 0;
}

/* Runs the schedule's windows with times counted from base (ns), until
 * every window is done, the program's threads are gone, or (fuzz mode) the
 * schedule is disarmed. */
static void ss_run_windows(uint64_t base) {
  const struct ss_schedule *sc = &ss_shm->sched;
  uint32_t nw = sc->nwindows < SS_MAX_WINDOWS ? sc->nwindows : SS_MAX_WINDOWS;
  int have_on = 0;
  /* the window states are this thread's: reset here, not by the arming
   * thread, which may re-arm before this loop has seen the disarm */
  memset(ss_ws, 0, sizeof ss_ws);
  for (uint32_t i = 0; i < nw; i++) {
    const struct ss_window *w = &sc->w[i];
    ss_ws[i].next = w->kind == SS_WIN_ON ? UINT64_MAX : w->after_ns;
    if (w->kind == SS_WIN_RATE)
      ss_ws[i].next = ss_next_after(w, w->after_ns);
    if (w->kind == SS_WIN_ON)
      have_on = 1;
  }
  uint64_t last_alive_check = 0;
  while (ss_live()) {
    ss_fz_seen = atomic_load(&ss_futex);
    ss_wd_poll();
    uint64_t now = ss_now_ns() - base;
    /* on= triggers first: they are the precise ones */
    for (uint32_t i = 0; i < nw; i++) {
      const struct ss_window *w = &sc->w[i];
      uint64_t when = atomic_load(&ss_on_when[i]);
      if (w->kind != SS_WIN_ON || ss_ws[i].done || !when)
        continue;
      uint64_t at = when + w->delay_ns;
      while (ss_now_ns() < at && ss_live())
        ;
      if (!ss_live())
        break; /* the trigger may be the next input's: leave it */
      int sig = ss_pick_signal(w);
      if (sig)
        ss_fire(w, sig, atomic_load(&ss_on_tid[i]));
      ss_ws[i].done = 1;
      atomic_store(&ss_on_when[i], 0);
    }
    uint64_t next = UINT64_MAX;
    int live = 0;
    for (uint32_t i = 0; i < nw; i++) {
      const struct ss_window *w = &sc->w[i];
      struct ss_wstate *st = &ss_ws[i];
      if (st->done)
        continue;
      live = 1;
      if (w->kind == SS_WIN_ON)
        continue;
      if ((w->count && st->shots >= w->count) ||
          (w->until_ns && (st->next > w->until_ns || now > w->until_ns))) {
        st->done = 1;
        continue;
      }
      if (st->next <= now) {
        int sig = ss_pick_signal(w);
        if (!sig) {
          /* no handler yet: try again shortly */
          st->next = now + 100000;
        } else {
          ss_fire(w, sig, 0);
          st->shots++;
          st->next =
              w->kind == SS_WIN_AFTER ? UINT64_MAX : ss_next_after(w, st->next);
          if (st->next < now && w->kind != SS_WIN_AFTER)
            st->next = now; /* fell behind (or every=0): do not burst */
          if (w->kind == SS_WIN_AFTER)
            st->done = 1;
        }
      }
      if (!st->done && st->next < next)
        next = st->next;
    }
    if (!live)
      break;
    if (!ss_epochs && now - last_alive_check > SS_IDLE_NS) {
      last_alive_check = now;
      if (ss_alone())
        break;
    }
    uint64_t wake = next == UINT64_MAX ? now + SS_IDLE_NS : next;
    if (wake > now + SS_IDLE_NS)
      wake = now + SS_IDLE_NS;
    ss_wait(base + wake, have_on);
  }
}

static void *ss_injector_main(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  ss_t.exempt = 1;
  ss_t.in_runtime = 1; /* it must make no interposed call: counted if it does */
  __atomic_store_n(&ss_inj_tid, ss_gettid(), __ATOMIC_RELEASE);
  ss_inj_pid = (int32_t)syscall(SYS_getpid);
  ss_inj_uid = (uid_t)syscall(SYS_getuid);
  ss_shm->procs[ss_proc_idx].injector_tid = ss_inj_tid;
  ss_rng = ss_shm->sched.seed ^ ((uint64_t)ss_proc_idx * 0xd1b54a32d192ed03ull);
  if (!ss_epochs) {
    ss_run_windows(ss_start_ns);
  } else {
    /* a sleep ends when asked, not up to 50 us later */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    while (!atomic_load(&ss_fz_go))
      syscall(SYS_sched_yield);
    for (;;) { /* one schedule per armed epoch, forever */
      uint32_t e = atomic_load(&ss_epoch);
      if (!(e & 1)) {
        ss_fz_sleep(UINT64_MAX, e, atomic_load(&ss_futex));
        continue;
      }
      ss_cur_epoch = e;
      /* from the arm, which may have left this thread asleep until now */
      ss_run_windows(atomic_load(&ss_arm_ns));
      /* done before disarm: wait for it (the epoch moves on) */
      while (atomic_load(&ss_epoch) == e)
        ss_fz_sleep(UINT64_MAX, e, atomic_load(&ss_futex));
    }
  }
  /* glibc frees the thread's resources on the way out: not ours to watch */
  ss_t.in_runtime = 0;
  return NULL;
}

void ss_injector_start(void) {
  const struct ss_schedule *sc = &ss_shm->sched;
  /* a fork child starts over: its own windows, counts and triggers */
  memset(ss_ws, 0, sizeof ss_ws);
  for (unsigned i = 0; i < SS_FN_COUNT; i++)
    atomic_store(&ss_on_count[i], 0);
  for (unsigned i = 0; i < SS_MAX_WINDOWS; i++)
    atomic_store(&ss_on_when[i], 0);
  for (uint32_t i = 0; i < sc->nwindows && i < SS_MAX_WINDOWS; i++)
    if (sc->w[i].kind == SS_WIN_ON && sc->w[i].on_fn < SS_FN_COUNT)
      ss_armed[sc->w[i].on_fn] = 1;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, (size_t)64 * 1024);
  pthread_t th;
  atomic_store(&ss_fz_go, 0);
  ss_t.exempt++; /* pthread_create allocates: not the program's calls */
  pthread_create(&th, &attr, ss_injector_main, NULL);
  ss_t.exempt--;
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- fuzz mode: one schedule per input ------------------------------------
 * The caller (rt_fuzz.c) has written the schedule into the segment. Both run
 * in a normal context of the program's thread, never in a handler. */
void ss_inject_arm(void) {
  const struct ss_schedule *sc = &ss_shm->sched;
  uint32_t nw = sc->nwindows < SS_MAX_WINDOWS ? sc->nwindows : SS_MAX_WINDOWS;
  uint64_t first = UINT64_MAX; /* the first time shot, from the arm */
  ss_fz_armed_on = 0;
  for (uint32_t i = 0; i < nw; i++) {
    const struct ss_window *w = &sc->w[i];
    atomic_store_explicit(&ss_on_when[i], 0, memory_order_relaxed);
    if (w->kind == SS_WIN_ON && w->on_fn < SS_FN_COUNT) {
      /* only armed functions count entries: reset those */
      atomic_store_explicit(&ss_on_count[w->on_fn], 0, memory_order_relaxed);
      ss_armed[w->on_fn] = 1;
      ss_fz_armed_on = 1;
    } else if (w->after_ns < first) {
      first = w->after_ns;
    }
  }
  if (!ss_epochs) { /* the first input: start the thread now, not at load */
    ss_fz_pid = (int32_t)syscall(SYS_getpid);
    ss_fz_uid = (uid_t)syscall(SYS_getuid);
    ss_epochs = 1;
    ss_fz_armed_epoch = 1;
    atomic_store(&ss_arm_ns, ss_now_ns());
    atomic_store(&ss_epoch, 1);
    __atomic_store_n(&ss_inj_tid, 0, __ATOMIC_RELAXED);
    ss_injector_start();
    /* the first input of a process waits (once, up to 100 ms) until the
     * new thread runs: else a short workload ends before the thread is
     * scheduled and its shots miss the input (each process's first input
     * under afl-showmap, or AFL++ without persistent mode, lost them) */
    uint64_t until = ss_now_ns() + 100000000ull;
    while (!__atomic_load_n(&ss_inj_tid, __ATOMIC_ACQUIRE) &&
           ss_now_ns() < until)
      syscall(SYS_sched_yield);
    /* the new thread's start-up (ASan's thread start frees through the
     * wrappers) counts for no on= window: rt_fuzz.c's pthread_create
     * marks a thread's calls before its start routine as no one's */
    /* the schedule starts now, as the workload does */
    atomic_store(&ss_arm_ns, ss_now_ns());
    atomic_store(&ss_fz_go, 1);
    return;
  }
  /* nothing to run: the injector (and its watchdog) go on as they are */
  ss_fz_armed_epoch = nw > 0;
  if (!nw)
    return;
  uint64_t now = ss_now_ns();
  ss_fz_fired = atomic_load((_Atomic uint64_t *)&ss_shm->signals_fired);
  atomic_store(&ss_arm_ns, now);
  atomic_fetch_add(&ss_epoch, 1); /* odd: armed */
  atomic_fetch_add(&ss_futex, 1);
  if (!atomic_load(&ss_inj_sleeping))
    return; /* awake: it sees the epoch before it sleeps again */
  /* asleep: wake it only if it would wake too late for the first shot
   * (armed lazily: it runs this schedule when its sleep ends) */
  uint64_t need = first == UINT64_MAX ? UINT64_MAX : now + first;
  need = need > SS_FZ_SPIN_NS ? need - SS_FZ_SPIN_NS : 0;
  if (atomic_load(&ss_inj_wake_at) > need)
    syscall(SYS_futex, &ss_futex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void ss_inject_disarm(void) {
  if (ss_fz_armed_on)
    memset(ss_armed, 0, sizeof ss_armed);
  ss_fz_armed_on = 0;
  if (!ss_epochs || !ss_fz_armed_epoch)
    return; /* no window: no shot */
  ss_fz_armed_epoch = 0;
  atomic_fetch_add(&ss_epoch, 1); /* even: disarmed */
  /* no wake: the injector finds the epoch changed when its sleep ends,
   * and a shot is only sent with ss_busy set and the epoch unchanged */
  while (atomic_load(&ss_busy))
    syscall(SYS_sched_yield); /* it may have been preempted mid-shot */
  /* a shot already sent to this thread is pending on it: a system call's
   * return delivers it now, inside the input it belongs to (every shot
   * counts itself before ss_busy is cleared: none, no call) */
  if (atomic_load((_Atomic uint64_t *)&ss_shm->signals_fired) != ss_fz_fired)
    (void)syscall(SYS_getpid);
}
