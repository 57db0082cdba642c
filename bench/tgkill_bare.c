/* tgkill_bare: the kernel's own limit, measured like spin (same spinning
 * main thread, same counting SIGUSR1 handler: spin_common.h).
 *
 * Default: a second thread, with every signal blocked, sends SIGUSR1 to the
 * main thread with tgkill in a tight loop, from the moment the main loop
 * starts until it ends: the bare equivalent of sigstorm's injector thread.
 * --paced: the second thread sends one signal, then waits until the
 * handler has counted it before it sends the next: no signal merges into a
 * pending one, and the sender does not compete for the target's signal
 * lock while the target takes its signal.
 * --self: no second thread; the main thread tgkills itself once per loop
 * iteration (the signal is delivered on the way out of the syscall, no
 * cross-CPU wake-up).
 * Prints sent=<n> followed by spin's fields.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spin_common.h"

static pid_t pid, main_tid;
static atomic_int go, stop;
static int paced;
static unsigned long sent; /* sender's, read by main after the join */

static void send_one(void) {
  if (syscall(SYS_tgkill, pid, main_tid, SIGUSR1) == 0)
    sent++;
}

static void *sender(void *arg) {
  (void)arg;
  while (!atomic_load_explicit(&go, memory_order_acquire))
    ;
  unsigned long h = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    send_one();
    while (paced &&
           atomic_load_explicit(&spin_handled, memory_order_relaxed) == h &&
           !atomic_load_explicit(&stop, memory_order_relaxed))
      ;
    h = atomic_load_explicit(&spin_handled, memory_order_relaxed);
  }
  return NULL;
}

int main(int argc, char **argv) {
  double secs = 1.0;
  int self = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      secs = spin_seconds_arg(argv[++i]);
    } else if (strcmp(argv[i], "--self") == 0) {
      self = 1;
    } else if (strcmp(argv[i], "--paced") == 0) {
      paced = 1;
    } else {
      fprintf(stderr, "usage: %s [--seconds S] [--self | --paced]\n", argv[0]);
      return 2;
    }
  }
  spin_install();
  pid = getpid();
  main_tid = (pid_t)syscall(SYS_gettid);
  pthread_t th;
  struct spin_result r;
  if (self) {
    spin_run(secs, send_one, &r);
  } else {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits it */
    int e = pthread_create(&th, NULL, sender, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
      fprintf(stderr, "pthread_create: %s\n", strerror(e));
      return 2;
    }
    atomic_store_explicit(&go, 1, memory_order_release);
    spin_run(secs, NULL, &r);
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
  }
  printf("sent=%lu ", sent);
  spin_print(&r);
  return 0;
}
