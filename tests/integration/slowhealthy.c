/* slowhealthy: a slow but healthy program, for the watchdog's false-hang
 * rate. Each phase makes no call the runtime counts for longer than the
 * watchdog's defaults (200 ms for a deadlock, 1 s for a hang), in every way
 * a correct program may: a tight compute loop, deep computing, a spin-wait
 * on a worker that computes, sleeping, timed waits in every thread, a join
 * of a sleeping worker, a read from a pipe a child fills late, a semaphore
 * wait that a signal handler posts. Its signal
 * handler is async-signal-safe, so sigstorm's injector fires at it.
 *
 *   slowhealthy [PHASE_MS]   (default 1300)
 */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long phase_ms = 1300;
static volatile sig_atomic_t got;
static _Atomic int done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static sem_t posted;

static void on_signal(int sig) {
  got = sig;
}
static void on_usr2(int sig) {
  (void)sig;
  sem_post(&posted); /* async-signal-safe */
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ; /* a handled signal cuts it short: sleep the rest */
}

/* a tight loop: one small block of code at one stack depth */
static unsigned long tight(long ms) {
  double end = now_ms() + (double)ms;
  unsigned long x = 1;
  for (;;) {
    for (int i = 0; i < (1 << 22); i++)
      x = x * 6364136223846793005ul + 1442695040888963407ul;
    if (now_ms() > end)
      return x;
  }
}

static unsigned long fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static unsigned long deep(long ms) {
  double end = now_ms() + (double)ms;
  unsigned long s = 0;
  while (now_ms() < end)
    s += fib(24);
  return s;
}

static void *worker_compute(void *arg) {
  (void)arg;
  unsigned long s = deep(phase_ms);
  atomic_store(&done, 1);
  return (void *)s;
}

static void *worker_sleep(void *arg) {
  (void)arg;
  sleep_ms(phase_ms);
  return NULL;
}

static void *worker_timedwait(void *arg) {
  (void)arg;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += phase_ms / 1000;
  ts.tv_nsec += (phase_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&mu);
  while (pthread_cond_timedwait(&cv, &mu, &ts) != ETIMEDOUT)
    ;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    phase_ms = atol(argv[1]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGALRM, &sa, NULL);
  setvbuf(stdout, NULL, _IONBF, 0);
  pthread_t t, t2;

  printf("tight loop: %lu\n", tight(phase_ms));
  printf("deep compute: %lu\n", deep(phase_ms));

  atomic_store(&done, 0);
  pthread_create(&t, NULL, worker_compute, NULL);
  while (!atomic_load_explicit(&done, memory_order_acquire))
    ; /* a spin-wait on a worker that computes */
  pthread_join(t, NULL);
  printf("spin-wait on a computing worker: done\n");

  sleep_ms(phase_ms);
  printf("slept\n");

  pthread_create(&t, NULL, worker_timedwait, NULL);
  pthread_create(&t2, NULL, worker_timedwait, NULL);
  worker_timedwait(NULL);
  pthread_join(t, NULL);
  pthread_join(t2, NULL);
  printf("timed waits in every thread: done\n");

  pthread_create(&t, NULL, worker_sleep, NULL);
  pthread_join(t, NULL);
  printf("joined a sleeping worker\n");

  int fd[2];
  if (pipe(fd) < 0)
    return 2;
  pid_t c = fork();
  if (c == 0) {
    close(fd[0]);
    sleep_ms(phase_ms);
    ssize_t w = write(fd[1], "x", 1);
    _exit(w == 1 ? 0 : 1);
  }
  close(fd[1]);
  char b;
  ssize_t n;
  while ((n = read(fd[0], &b, 1)) < 0 && errno == EINTR)
    ;
  int st = 0;
  waitpid(c, &st, 0);
  printf("read from a late pipe: %zd\n", n);
  int ok = n == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;

  /* every thread in a semaphore wait, posted by a signal's handler: a
   * child sends the signal late */
  sem_init(&posted, 0, 0);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  c = fork();
  if (c == 0) {
    sleep_ms(phase_ms);
    kill(getppid(), SIGUSR2);
    _exit(0);
  }
  while (sem_wait(&posted) < 0 && errno == EINTR)
    ;
  waitpid(c, &st, 0);
  printf("woken by a signal's sem_post\n");
  return ok ? 0 : 1;
}
