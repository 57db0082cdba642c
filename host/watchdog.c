#include "watchdog.h"

#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t ss_watch_progress(const struct ss_shm *shm) {
  uint64_t sum = 0;
  for (unsigned i = 0; i < SS_MAX_TSLOTS; i++) {
    const struct ss_tslot *s = &shm->tslots[i];
    if (atomic_load_explicit((_Atomic int32_t *)&s->tid,
                             memory_order_relaxed) == 0)
      break; /* slots are claimed in order and never given back */
    sum += atomic_load_explicit((_Atomic uint64_t *)&s->progress,
                                memory_order_relaxed);
  }
  return sum +
         atomic_load_explicit((_Atomic uint64_t *)&shm->tslot_overflow.progress,
                              memory_order_relaxed);
}

/* One thread as /proc shows it. */
typedef struct ss_tinfo {
  int tid;
  char state;      /* R, S, D, t, ... */
  uint64_t cpu;    /* utime + stime, ticks */
  long nr;         /* system call it sleeps in, -1 none/unknown */
  uint64_t arg[6]; /* its arguments */
  uint64_t io;     /* read and write system calls so far */
  char comm[16];
} ss_tinfo;

static int ss_read_tinfo(pid_t pid, int tid, ss_tinfo *t) {
  char p[96], line[1024];
  memset(t, 0, sizeof *t);
  t->tid = tid;
  t->nr = -1;
  t->state = '?';
  snprintf(p, sizeof p, "/proc/%d/task/%d/stat", (int)pid, tid);
  FILE *f = fopen(p, "re");
  if (!f)
    return -1;
  if (fgets(line, sizeof line, f)) {
    char *lp = strchr(line, '('), *rp = strrchr(line, ')');
    if (lp && rp && rp > lp) {
      size_t n = (size_t)(rp - lp - 1);
      if (n >= sizeof t->comm)
        n = sizeof t->comm - 1;
      memcpy(t->comm, lp + 1, n);
      unsigned long long ut = 0, st = 0;
      if (sscanf(rp + 2,
                 "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                 "%llu %llu",
                 &t->state, &ut, &st) == 3)
        t->cpu = ut + st;
    }
  }
  fclose(f);
  snprintf(p, sizeof p, "/proc/%d/task/%d/syscall", (int)pid, tid);
  f = fopen(p, "re");
  if (f) {
    unsigned long long a[6];
    long nr;
    if (fgets(line, sizeof line, f) &&
        sscanf(line, "%ld %llx %llx %llx %llx %llx %llx", &nr, &a[0], &a[1],
               &a[2], &a[3], &a[4], &a[5]) == 7 &&
        nr >= 0) {
      t->nr = nr;
      for (int i = 0; i < 6; i++)
        t->arg[i] = a[i];
    }
    fclose(f);
  }
  snprintf(p, sizeof p, "/proc/%d/task/%d/io", (int)pid, tid);
  f = fopen(p, "re");
  if (f) {
    unsigned long long v;
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "syscr: %llu", &v) == 1 ||
          sscanf(line, "syscw: %llu", &v) == 1)
        t->io += v;
    fclose(f);
  }
  return 0;
}

/* Lists pid's threads except skip_tid; returns how many (at most max). */
static int ss_threads(pid_t pid, int skip_tid, ss_tinfo *out, int max) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return 0;
  int n = 0;
  struct dirent *e;
  while (n < max && (e = readdir(d))) {
    int tid = atoi(e->d_name);
    if (tid <= 0 || tid == skip_tid)
      continue;
    if (ss_read_tinfo(pid, tid, &out[n]) == 0)
      n++;
  }
  closedir(d);
  return n;
}

uint64_t ss_watch_cpu(pid_t pid, int skip_tid, uint64_t *io) {
  ss_tinfo t[256];
  int n = ss_threads(pid, skip_tid, t, 256);
  uint64_t sum = 0;
  *io = 0;
  for (int i = 0; i < n; i++) {
    sum += t[i].cpu;
    *io += t[i].io;
  }
  return sum;
}

/* Waiting on a lock: glibc's lll_lock_wait (every mutex and internal lock:
 * stdio, malloc arenas) waits with FUTEX_WAIT; conditions, semaphores and
 * joins wait with FUTEX_WAIT_BITSET. */
static int ss_lock_wait(const ss_tinfo *t) {
  int op =
      (int)(t->arg[1] & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
  return t->nr == SYS_futex && t->arg[3] == 0 &&
         (op == FUTEX_WAIT || op == FUTEX_LOCK_PI);
}

/* Waiting on a futex with no timeout: only another thread can wake it. */
static int ss_untimed_futex(const ss_tinfo *t) {
  if (t->nr != SYS_futex)
    return 0;
  int op =
      (int)(t->arg[1] & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
  switch (op) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET:
  case FUTEX_LOCK_PI:
  case FUTEX_WAIT_REQUEUE_PI:
#ifdef FUTEX_LOCK_PI2
  case FUTEX_LOCK_PI2:
#endif
    return t->arg[3] == 0;
  default:
    return 0;
  }
}

static uint32_t ss_handler_depth(const struct ss_shm *shm, pid_t pid, int tid) {
  for (unsigned i = 0; i < SS_MAX_TSLOTS; i++) {
    const struct ss_tslot *s = &shm->tslots[i];
    int32_t st =
        atomic_load_explicit((_Atomic int32_t *)&s->tid, memory_order_relaxed);
    if (st == 0)
      break;
    if (st == tid && (s->pid == pid || s->pid == 0))
      return atomic_load_explicit((_Atomic uint32_t *)&s->depth,
                                  memory_order_relaxed);
  }
  return 0;
}

int ss_watch_deadlock(pid_t pid, int skip_tid, const struct ss_shm *shm,
                      ss_watch_result *res) {
  ss_tinfo t[256];
  int n = ss_threads(pid, skip_tid, t, 256);
  int futex = 0, locks = 0, in_handler = 0;
  for (int i = 0; i < n; i++) {
    if (!ss_untimed_futex(&t[i]))
      continue;
    futex++;
    if (!ss_lock_wait(&t[i]))
      continue;
    locks++;
    if (!in_handler && shm && ss_handler_depth(shm, pid, t[i].tid) > 0)
      in_handler = t[i].tid;
  }
  /* every thread blocked for good and one of them on a lock (threads all
   * in condition or semaphore waits may be waiting for a signal whose
   * handler posts: the timeout's business), or a handler on a lock */
  if (n == 0 || ((futex < n || !locks) && !in_handler))
    return 0;
  memset(res, 0, sizeof *res);
  res->verdict = SS_WATCH_DEADLOCK;
  if (futex == n) {
    snprintf(res->what, sizeof res->what,
             n == 1 ? "its thread waits on a lock that is never released"
                    : "all %d threads wait for good, %d of them on locks",
             n, locks);
  } else {
    res->tid = in_handler;
    snprintf(res->what, sizeof res->what,
             "thread %d waits on a lock inside a signal handler and no thread "
             "makes progress",
             in_handler);
  }
  return 1;
}

#if defined(__x86_64__)
static void ss_sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Collects the end of a seized thread that could not be stopped (it is
 * exiting: a traced zombie stays until its tracer waits for it, and holds
 * up the whole process's end), or lets it go if it stops after all. */
/* Whether wait status st is tid's end; the process's own (tid == pid) is
 * kept for the caller, which must not wait for it again. */
static int ss_ended(pid_t pid, int tid, int st, int *exited, int *status) {
  if (!WIFEXITED(st) && !WIFSIGNALED(st))
    return 0;
  if (tid == pid) {
    *exited = 1;
    *status = st;
  }
  return 1;
}

static void ss_collect(pid_t pid, int tid, int *exited, int *status) {
  for (;;) {
    int st;
    pid_t w = waitpid(tid, &st, __WALL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (ss_ended(pid, tid, st, exited, status))
      return;
    if (WIFSTOPPED(st)) {
      int sig = (st >> 16) ? 0 : WSTOPSIG(st);
      if (ptrace(PTRACE_DETACH, tid, 0, (void *)(long)sig) == 0)
        return;
    }
  }
}

/* Stops a seized tid (PTRACE_INTERRUPT) and waits for that stop, passing
 * on any signal that arrives meanwhile. 0 stopped; -1 gone (collected,
 * with *exited and *status set when tid was the process itself). */
static int ss_interrupt(pid_t pid, int tid, int *exited, int *status) {
  if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
    ss_collect(pid, tid, exited, status);
    return -1;
  }
  for (;;) {
    int st;
    pid_t w = waitpid(tid, &st, __WALL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (ss_ended(pid, tid, st, exited, status))
      return -1;
    if (!WIFSTOPPED(st))
      continue;
    if ((st >> 16) == PTRACE_EVENT_STOP)
      return 0;
    /* a signal on its way, or another event: let it go on, stop again */
    int sig = (st >> 16) ? 0 : WSTOPSIG(st);
    if (ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig) < 0 ||
        ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
      ss_collect(pid, tid, exited, status);
      return -1;
    }
  }
}

/* A thread in one loop: the same stack pointer, pcs close together. */
enum { SS_LOOP_SPAN = 512 };
static int ss_same_frame(const struct user_regs_struct *a,
                         const struct user_regs_struct *b) {
  return a->rsp == b->rsp && a->rbp == b->rbp && a->fs_base == b->fs_base;
}
/* ... and one that cannot get out of it by itself: every register but the
 * pc and the flags the same (the loop computes nothing). */
static int ss_regs_same(const struct user_regs_struct *a,
                        const struct user_regs_struct *b) {
  struct user_regs_struct x = *a, y = *b;
  x.rip = y.rip = 0;
  x.eflags = y.eflags = 0;
  return memcmp(&x, &y, sizeof x) == 0;
}

/* The runtime's code in pid (a sample there is the trampoline on its way
 * into or out of a handler, not the program's loop). */
static void ss_runtime_text(pid_t pid, uint64_t *lo, uint64_t *hi) {
  char p[64], line[512];
  snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(p, "re");
  if (!f)
    return;
  while (fgets(line, sizeof line, f)) {
    unsigned long long a, b;
    char perm[8];
    if (!strstr(line, "libsigstorm") ||
        sscanf(line, "%llx-%llx %7s", &a, &b, perm) != 3 || perm[2] != 'x')
      continue;
    if (!*lo || a < *lo)
      *lo = a;
    if (b > *hi)
      *hi = b;
  }
  fclose(f);
}

enum {
  SS_SPIN_UNKNOWN = 0,
  SS_SPIN_STUCK = 1,   /* one loop, registers unchanged */
  SS_SPIN_LOOP = 2,    /* one loop at one stack depth, registers changing */
  SS_SPIN_MOVING = 3,  /* computing: the stack or the code changes */
  SS_SPIN_BLOCKED = 4, /* found waiting in a system call */
};

/* Samples tid's registers n times, gap_us apart, outside signal handlers
 * (a handler the injector keeps calling is not the loop being judged). */
/* Time tid has spent on a CPU, in ns (schedstat), 0 unknown. */
static uint64_t ss_oncpu_ns(pid_t pid, int tid) {
  char p[96];
  unsigned long long v = 0;
  snprintf(p, sizeof p, "/proc/%d/task/%d/schedstat", (int)pid, tid);
  FILE *f = fopen(p, "re");
  if (f) {
    if (fscanf(f, "%llu", &v) != 1)
      v = 0;
    fclose(f);
  }
  return v;
}

static uint64_t ss_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ss_spin_check(pid_t pid, int tid, const struct ss_shm *shm,
                         uint64_t rt_lo, uint64_t rt_hi, int n, long gap_us,
                         uint64_t *pc, int *exited, int *status) {
  struct user_regs_struct first, cur;
  uint64_t lo = UINT64_MAX, hi = 0;
  int taken = 0, same = 1;
  memset(&first, 0, sizeof first);
  uint64_t cpu0 = ss_oncpu_ns(pid, tid), wall0 = ss_mono();
  /* each sample attaches for a few microseconds only: while traced, every
   * signal the program gets would stop it and wait for us */
  for (int tries = 0; taken < n && tries < 4 * n; tries++) {
    if (tries)
      ss_sleep_us(taken ? gap_us : gap_us / 4);
    if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0)
      return SS_SPIN_UNKNOWN;
    if (ss_interrupt(pid, tid, exited, status) < 0)
      return SS_SPIN_UNKNOWN;
    int ok = ptrace(PTRACE_GETREGS, tid, 0, taken ? &cur : &first) == 0;
    if (ptrace(PTRACE_DETACH, tid, 0, 0) < 0)
      ss_collect(pid, tid, exited, status);
    if (!ok)
      return SS_SPIN_UNKNOWN;
    const struct user_regs_struct *r = taken ? &cur : &first;
    /* in a system call: it waits, it does not spin */
    if ((int64_t)r->orig_rax >= 0)
      return SS_SPIN_BLOCKED;
    /* in the trampoline or a handler: not the loop being judged */
    if ((r->rip >= rt_lo && r->rip < rt_hi) ||
        (shm && ss_handler_depth(shm, pid, tid) > 0))
      continue;
    if (getenv("SS_WD_DEBUG"))
      fprintf(stderr, "wd: tid %d sample %d rip %llx rsp %llx\n", tid, taken,
              (unsigned long long)r->rip, (unsigned long long)r->rsp);
    if (r->rip < lo)
      lo = r->rip;
    if (r->rip > hi)
      hi = r->rip;
    if (taken++) {
      if (!ss_same_frame(&first, &cur) || hi - lo > SS_LOOP_SPAN)
        return SS_SPIN_MOVING;
      same = same && ss_regs_same(&first, &cur);
    }
  }
  *pc = first.rip;
  if (taken < n)
    return SS_SPIN_UNKNOWN;
  /* a spinning thread is on a CPU all the time; one that keeps coming back
   * to the same place between sleeps (a sleep cut short by signals, again
   * and again) is not */
  uint64_t cpu = ss_oncpu_ns(pid, tid) - cpu0, wall = ss_mono() - wall0;
  if (cpu0 && cpu * 2 < wall)
    return SS_SPIN_BLOCKED;
  return same ? SS_SPIN_STUCK : SS_SPIN_LOOP;
}

int ss_watch_hang(pid_t pid, int skip_tid, const struct ss_shm *shm,
                  int loops_too, ss_watch_result *res) {
  ss_tinfo t[256];
  int n = ss_threads(pid, skip_tid, t, 256);
  memset(res, 0, sizeof *res);
  enum { NSAMPLES = 5, GAP_US = 8000 };
  int stuck = 0, stuck_kind = 0, moving = 0, sampled = 0;
  uint64_t rt_lo = 0, rt_hi = 0;
  ss_runtime_text(pid, &rt_lo, &rt_hi);
  uint64_t stuck_pc = 0;
  for (int i = 0; i < n && sampled < 8; i++) {
    if (t[i].state != 'R')
      continue;
    sampled++;
    uint64_t pc = 0;
    int v = ss_spin_check(pid, t[i].tid, shm, rt_lo, rt_hi, NSAMPLES, GAP_US,
                          &pc, &res->exited, &res->status);
    if (res->exited)
      return 0;
    if (v == SS_SPIN_MOVING) {
      moving++;
      break; /* a thread computes: whoever spins may wait for it */
    }
    if ((v == SS_SPIN_STUCK && stuck_kind != SS_SPIN_STUCK) ||
        (v == SS_SPIN_LOOP && loops_too && !stuck)) {
      stuck = t[i].tid;
      stuck_pc = pc;
      stuck_kind = v;
    }
  }
  if (!stuck || moving)
    return 0;
  res->verdict = SS_WATCH_HANG;
  res->tid = stuck;
  res->pc = stuck_pc;
  res->samples = NSAMPLES;
  snprintf(res->what, sizeof res->what,
           stuck_kind == SS_SPIN_STUCK
               ? "thread %d spins: %d samples over %d ms found it in one "
                 "loop with every register unchanged"
               : "thread %d spins: %d samples over %d ms found it in one "
                 "loop, at the same stack depth",
           stuck, NSAMPLES, (NSAMPLES - 1) * GAP_US / 1000);
  return 1;
}
#else
int ss_watch_hang(pid_t pid, int skip_tid, const struct ss_shm *shm,
                  int loops_too, ss_watch_result *res) {
  (void)pid;
  (void)shm;
  (void)loops_too;
  (void)skip_tid;
  memset(res, 0, sizeof *res);
  return 0; /* register sampling is x86_64 only, like the ptrace injector */
}
#endif
