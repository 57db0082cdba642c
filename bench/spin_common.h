/* spin_common.h: the spinning main thread and counting SIGUSR1 handler that
 * spin.c and tgkill_bare.c share, so both measure delivery the same way.
 *
 * The handler only bumps a lock-free atomic counter (async-signal-safe).
 * The main thread spins for --seconds S, reading CLOCK_MONOTONIC every
 * SPIN_CHECK iterations; at each reading it also looks at the counter and
 * keeps the first and the last time it saw the counter grow, with the
 * counts then. (c_last - c_first) / (last - first) is the delivery rate
 * over the interval in which signals actually arrived, whatever the sender
 * did before or after the loop.
 */
#ifndef SIGSTORM_BENCH_SPIN_COMMON_H
#define SIGSTORM_BENCH_SPIN_COMMON_H

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(ATOMIC_LONG_LOCK_FREE == 2,
               "the handler's counter must be lock-free to be signal-safe");

#define SPIN_CHECK 64 /* loop iterations between clock readings */

static _Atomic unsigned long spin_handled;

static void spin_on_usr1(int sig) {
  (void)sig;
  atomic_fetch_add_explicit(&spin_handled, 1, memory_order_relaxed);
}

static double spin_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spin_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = spin_on_usr1;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) {
    perror("sigaction");
    exit(2);
  }
}

/* Parses a positive number of seconds; exits on a bad one. */
static double spin_seconds_arg(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !(v > 0 && v < 3600)) {
    fprintf(stderr, "bad --seconds: %s\n", s);
    exit(2);
  }
  return v;
}

struct spin_result {
  unsigned long handled; /* counted by the end of the loop */
  double seconds;        /* length of the loop */
  double first, last;    /* loop times the count was first/last seen grow */
  unsigned long c_first, c_last; /* the counts at those times */
};

/* Spins for secs; calls step (when not NULL) once per iteration. */
static void spin_run(double secs, void (*step)(void), struct spin_result *r) {
  unsigned long prev =
      atomic_load_explicit(&spin_handled, memory_order_relaxed);
  int seen = 0;
  double t0 = spin_now(), t;
  memset(r, 0, sizeof *r);
  for (;;) {
    for (int i = 0; i < SPIN_CHECK; i++) {
      if (step)
        step();
      atomic_signal_fence(memory_order_seq_cst); /* keep the loop */
    }
    t = spin_now() - t0;
    unsigned long c = atomic_load_explicit(&spin_handled, memory_order_relaxed);
    if (c != prev) {
      if (!seen) {
        seen = 1;
        r->first = t;
        r->c_first = c;
      }
      r->last = t;
      r->c_last = c;
      prev = c;
    }
    if (t >= secs)
      break;
  }
  r->handled = prev;
  r->seconds = t;
}

/* handled=... seconds=... first=... last=... window_handled=... */
static void spin_print(const struct spin_result *r) {
  printf("handled=%lu seconds=%.6f first=%.6f last=%.6f window_handled=%lu\n",
         r->handled, r->seconds, r->first, r->last, r->c_last - r->c_first);
}

#endif
