/* threadsig: a fixture for the out-of-process injector. A SIGUSR1 handler
 * that allocates (unsafe); a thread named "worker" that allocates in a
 * loop; the main thread allocates too, sends itself SIGUSR2 (its own
 * signal: must reach its handler while traced) and forks a child that
 * allocates and exits 0 (it must not inherit breakpoints).
 *
 * Exit status: 0 when everything behaved, 3 when SIGUSR2 was lost, 4 when
 * the child did not exit 0 (a breakpoint left in it kills it).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr2_seen;
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig) {
  (void)sig;
  void *p = malloc(64); /* unsafe on purpose */
  free(p);
  usr1_seen++;
}

static void on_usr2(int sig) {
  (void)sig;
  usr2_seen = 1;
}

static void churn(int n) {
  void *keep[16] = {0};
  for (int i = 0; i < n; i++) {
    free(keep[i % 16]);
    keep[i % 16] = malloc(16 + (size_t)(i % 200));
  }
  for (int i = 0; i < 16; i++)
    free(keep[i]);
}

static void *worker(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "worker");
  churn(2000);
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  churn(100);
  pthread_t th;
  if (pthread_create(&th, NULL, worker, NULL) != 0)
    return 2;
  pthread_join(th, NULL);
  raise(SIGUSR2);
  if (!usr2_seen)
    return 3;
  pid_t c = fork();
  if (c == 0) {
    churn(500);
    _exit(0);
  }
  int st = 0;
  if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
      WEXITSTATUS(st) != 0)
    return 4;
  churn(100);
  printf("usr1=%d\n", (int)usr1_seen);
  return 0;
}
