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
 * Usage: nonatomic_flag [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) runs the batches the file's bytes describe instead,
 * run_input(): one batch per byte, at most 16. A batch clears the flag,
 * arms the interval timer at 20 + 8 * (b % 64) us and spins until the
 * flag is set, its work unit mixing in b / 64; then disarms the timer. The
 * fixed twin stops each batch at the first SIGALRM (the timer's or the
 * fuzzer's schedule's): at most ~9 ms per input. The buggy build, like its
 * main, loads the flag once per batch: the first batch whose signal comes
 * after that load spins forever, a real hang (no timeout exists inside a
 * fuzz process: a watchdog must catch it).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
}

#define INPUT_BATCHES 16

/* The units of run_input's batch so far. A volatile store in the spin: C11
 * (6.8.5p6) lets clang assume that a loop without side effects ends, and
 * with the flag's load hoisted and the result unused (the fuzz entry point)
 * it deletes the buggy spin altogether. The store keeps the spin a spin;
 * it does not touch the flag, whose load is still hoisted. */
static volatile unsigned long batch_units;

/* The workload of --input and of the fuzz entry point: see the top.
 * Returns the units of work done; *xo gets the last value. */
static unsigned long run_input(const unsigned char *data, size_t size,
                               unsigned long *xo) {
  size_t n = size < INPUT_BATCHES ? size : INPUT_BATCHES;
  unsigned long x = 1, units = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned long mix = data[i] / 64;
    long us = 20 + 8 * (long)(data[i] % 64);
    struct itimerval it = {{0, us}, {0, us}};
    stop = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    while (!stop) {
      x = unit(x) + mix;
      batch_units = ++units;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
  }
  *xo = x;
  return units;
}

#ifdef SIGSTORM_FUZZ
#include <stdint.h>
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  install();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned long x;
  run_input(data, size, &x);
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "--input") == 0) {
    size_t size;
    unsigned char *data = model_read_input(argv[2], &size);
    install();
    unsigned long x, units = run_input(data, size, &x);
    free(data);
    printf("input batches=%zu units=%lu (x=%lu)\n",
           size < INPUT_BATCHES ? size : INPUT_BATCHES, units, x);
    return 0;
  }
  install();
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
#endif
