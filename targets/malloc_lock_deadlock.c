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
 * Usage: malloc_lock_deadlock [--threads N] [--steps N]
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
static unsigned long steps = 200000;

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

/* A pool thread names itself "workerN" first thing, as servers name their
 * threads (and as `at=...@worker1` windows find them). */
static void *worker_thread(void *arg) {
  size_t id = (size_t)arg;
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
  return worker(arg);
}

int main(int argc, char **argv) {
  int nthreads = 2; /* besides the main thread */
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--threads") == 0)
      nthreads = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--steps") == 0)
      steps = strtoul(argv[i + 1], NULL, 10);
  }
  if (nthreads < 1 || nthreads > 64)
    nthreads = 2;
#if SS_MODEL_FIXED
  status_buf = malloc(64);
  if (!status_buf)
    return 2;
#endif
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
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
