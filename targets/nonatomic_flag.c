/* nonatomic_flag: a batch job that stops at a signal.
 *
 * The job arms a 20 ms interval timer (SIGALRM: "time to stop") and then
 * spins through work units until the stop flag is set, then reports.
 *
 * The bug: the flag is a plain `int`. The compiler (-O2) sees no write to
 * it inside the loop and may load it once, before the loop: the handler's
 * store is never seen and the loop never ends: a hang (CPU busy, no
 * progress). C11 and POSIX only promise that a handler's store to a
 * `volatile sig_atomic_t` (or a lock-free atomic) is seen.
 *
 * The fix: `static volatile sig_atomic_t stop`. Compile with
 * -DSS_MODEL_FIXED=1.
 *
 * Usage: nonatomic_flag
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

#if SS_MODEL_FIXED
static volatile sig_atomic_t stop;
#else
static int stop; /* BUG: not volatile sig_atomic_t */
#endif

static void on_alarm(int sig) {
  (void)sig;
  stop = 1;
}

/* the work unit: pure arithmetic the compiler can see through */
static inline unsigned long unit(unsigned long x) {
  return x * 6364136223846793005ul + 1442695040888963407ul;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  unsigned long x = 1, units = 0;
  while (!stop) {
    x = unit(x);
    units++;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("stopped after %lu units (x=%lu)\n", units, x);
  return 0;
}
