/* spin: a spinning target for the injector benchmark. A SIGUSR1 handler
 * counts; the main thread spins for --seconds S and prints the count. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  (void)sig;
  handled = handled + 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double secs = 1.0;
  if (argc > 2 && strcmp(argv[1], "--seconds") == 0)
    secs = atof(argv[2]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  double t0 = now(), t;
  do
    t = now();
  while (t - t0 < secs);
  printf("handled=%ld seconds=%.6f\n", (long)handled, t - t0);
  return 0;
}
