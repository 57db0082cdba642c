/* malloc_lock_deadlock: a multi-threaded worker pool with a SIGUSR1
 * "status" handler.
 *
 * Worker threads (and the main thread) build and free request objects
 * (malloc/free on every step). On SIGUSR1 the handler reports how many requests
 * are done.
 *
 * The bug: the handler formats the report into a malloc'd buffer. In a
 * multi-threaded process glibc's malloc locks the thread's arena; when
 * SIGUSR1 lands on a thread while it is inside malloc or free holding
 * that lock, the handler's malloc waits for the lock its own interrupted
 * frame holds: the thread deadlocks, and the other threads pile up behind
 * it at their next allocation from that arena.
 *
 * The fix: format into a buffer preallocated at start (no allocation in
 * the handler) with an async-signal-safe formatter, write(2) it, keep
 * errno. Compile with -DSS_MODEL_FIXED=1.
 *
 * The pool threads are named worker1, worker2, ... (pthread_setname_np).
 *
 * Usage: malloc_lock_deadlock [--threads N] [--steps N] [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) runs the workload the file's bytes describe instead,
 * run_input(): byte 0 gives the pool, 1 + b % 4 threads (worker1..), which
 * are started and joined within the input (AFL++'s fork server cannot fork
 * a process that already has threads); the next bytes, at most 1024, are
 * the steps each thread and the input's own thread take, each from its
 * own offset in them: step i with byte b frees slot (7i + b) % 32 of its
 * 32 and puts a fresh malloc(16 + 8b) there (tcache sizes and beyond).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

static atomic_ulong done;

#if SS_MODEL_FIXED
static char *status_buf; /* preallocated in main */
static void on_usr1(int sig) {
  (void)sig;
  int saved = errno;
  char tmp[24];
  unsigned long v = atomic_load(&done);
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  size_t k = 0;
  memcpy(status_buf, "done=", 5);
  k = 5;
  while (n)
    status_buf[k++] = tmp[--n];
  status_buf[k++] = '\n';
  ssize_t w = write(2, status_buf, k);
  (void)w;
  errno = saved;
}
#else
static void on_usr1(int sig) {
  (void)sig;
  char *buf = malloc(64); /* BUG: malloc in a signal handler */
  if (!buf)
    return;
  int n = snprintf(buf, 64, "done=%lu\n", atomic_load(&done));
  ssize_t w = write(2, buf, (size_t)n);
  (void)w;
  free(buf);
}
#endif

#ifndef SIGSTORM_FUZZ
static unsigned long steps = 200000; /* main's workload */

static void *worker(void *arg) {
  unsigned long seed = (unsigned long)(size_t)arg;
  void *keep[32] = {0};
  for (unsigned long i = 0; i < steps; i++) {
    seed = seed * 6364136223846793005ul + 1442695040888963407ul;
    size_t slot = (seed >> 33) % 32;
    free(keep[slot]);
    keep[slot] = malloc(16 + (seed >> 40) % 2000);
    if (keep[slot])
      memset(keep[slot], (int)i, 16);
    atomic_fetch_add(&done, 1);
  }
  for (int s = 0; s < 32; s++)
    free(keep[s]);
  return NULL;
}
#endif

/* A pool thread names itself "workerN" first thing, as servers name their
 * threads (and as `at=...@worker1` windows find them). */
static void name_self(size_t id) {
  char name[16] = "worker";
  size_t k = 6;
  char digits[8];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + id % 10);
    id /= 10;
  } while (id && n < sizeof digits);
  while (n && k + 1 < sizeof name)
    name[k++] = digits[--n];
  name[k] = '\0';
  pthread_setname_np(pthread_self(), name);
}

#ifndef SIGSTORM_FUZZ
static void *worker_thread(void *arg) {
  name_self((size_t)arg);
  return worker(arg);
}
#endif

#define INPUT_STEPS 1024
#define INPUT_THREADS 4

struct input_job {
  const unsigned char *ops;
  size_t nops;
  size_t id; /* 1.. for the pool, threads + 1 for the input's thread */
};

/* One thread's part of the workload of --input and of the fuzz entry
 * point: see the top. */
static void input_worker(const struct input_job *j) {
  void *keep[32] = {0};
  for (size_t i = 0; i < j->nops; i++) {
    unsigned b = j->ops[(i + j->id * 131) % j->nops];
    size_t slot = (i * 7 + b) % 32;
    free(keep[slot]);
    keep[slot] = malloc(16 + (size_t)b * 8);
    if (keep[slot])
      memset(keep[slot], (int)i, 16);
    atomic_fetch_add(&done, 1);
  }
  for (int s = 0; s < 32; s++)
    free(keep[s]);
}

static void *input_thread(void *arg) {
  const struct input_job *j = arg;
  name_self(j->id);
  input_worker(j);
  return NULL;
}

/* The workload of --input and of the fuzz entry point; returns the
 * threads it started, or -1 when one could not be. */
static int run_input(const unsigned char *data, size_t size) {
  if (size < 2)
    return 0;
  int nthreads = 1 + data[0] % INPUT_THREADS;
  struct input_job jobs[INPUT_THREADS + 1];
  pthread_t th[INPUT_THREADS];
  size_t nops = size - 1 < INPUT_STEPS ? size - 1 : INPUT_STEPS;
  for (int i = 0; i <= nthreads; i++)
    jobs[i] = (struct input_job){data + 1, nops, (size_t)i + 1};
  int started = 0;
  for (; started < nthreads; started++)
    if (pthread_create(&th[started], NULL, input_thread, &jobs[started]) != 0)
      break;
  input_worker(&jobs[nthreads]); /* the input's thread works too */
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  return started == nthreads ? nthreads : -1;
}

/* Returns 0, or -1 when the fixed twin's buffer cannot be allocated. */
static int install(void) {
#if SS_MODEL_FIXED
  status_buf = malloc(64);
  if (!status_buf)
    return -1;
#endif
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  return 0;
}

#ifdef SIGSTORM_FUZZ
#include <stdint.h>
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (install() < 0)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (run_input(data, size) < 0)
    abort(); /* no thread: not the input's fault, but say so loudly */
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  int nthreads = 2; /* besides the main thread */
  const char *input = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--threads") == 0)
      nthreads = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--steps") == 0)
      steps = strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--input") == 0)
      input = argv[i + 1];
  }
  if (input) {
    size_t size;
    unsigned char *data = model_read_input(input, &size);
    if (install() < 0)
      return 2;
    int t = run_input(data, size);
    free(data);
    if (t < 0)
      return 2;
    printf("input threads=%d steps=%zu done=%lu\n", t,
           size > 1 ? (size - 1 < INPUT_STEPS ? size - 1 : INPUT_STEPS) : 0,
           atomic_load(&done));
    return 0;
  }
  if (nthreads < 1 || nthreads > 64)
    nthreads = 2;
  if (install() < 0)
    return 2;
  pthread_t th[64];
  for (int i = 0; i < nthreads; i++)
    if (pthread_create(&th[i], NULL, worker_thread, (void *)(size_t)(i + 1)) !=
        0)
      return 2;
  worker((void *)(size_t)(nthreads + 1)); /* the main thread works too */
  for (int i = 0; i < nthreads; i++)
    pthread_join(th[i], NULL);
  printf("threads=%d steps=%lu done=%lu\n", nthreads, steps,
         atomic_load(&done));
  return 0;
}
#endif
