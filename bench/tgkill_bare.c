/* tgkill_bare: the kernel's own limit, measured like spin: the main thread
 * spins with a counting SIGUSR1 handler while a second thread (all signals
 * blocked) sends tgkill in a tight loop; --self sends from the main thread
 * to itself instead. Prints sent, handled and seconds. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static atomic_int stop;
static pid_t pid, main_tid;
static unsigned long sent;

static void on_usr1(int sig) {
  (void)sig;
  handled = handled + 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *sender(void *arg) {
  (void)arg;
  while (!atomic_load_explicit(&stop, memory_order_relaxed))
    if (syscall(SYS_tgkill, pid, main_tid, SIGUSR1) == 0)
      sent++;
  return NULL;
}

int main(int argc, char **argv) {
  double secs = 1.0;
  int self = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      secs = atof(argv[++i]);
    else if (strcmp(argv[i], "--self") == 0)
      self = 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  pid = getpid();
  main_tid = (pid_t)syscall(SYS_gettid);
  pthread_t th;
  if (!self) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_create(&th, NULL, sender, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  double t0 = now(), t;
  do {
    if (self && syscall(SYS_tgkill, pid, main_tid, SIGUSR1) == 0)
      sent++;
    t = now();
  } while (t - t0 < secs);
  long h = (long)handled;
  atomic_store(&stop, 1);
  if (!self)
    pthread_join(th, NULL);
  printf("sent=%lu handled=%ld seconds=%.6f\n", sent, h, t - t0);
  return 0;
}
