/* stdio_in_handler: a batch job that writes records through stdio and
 * reports its progress when interrupted.
 *
 * The main loop formats records to stdout with fprintf/fputs. On SIGINT or
 * SIGTERM it should stop at the next record, saying how far it got.
 *
 * The bug: on_interrupt printf()s the progress line itself. printf is not
 * async-signal-safe (signal-safety(7)): stdout's buffer and its lock belong
 * to the fprintf the signal interrupted. glibc's stdio lock is recursive,
 * so the handler walks straight into a buffer whose pointers are half
 * updated: lost or duplicated output, or a corrupted FILE.
 *
 * The fix: the handler only records the signal in volatile sig_atomic_t
 * flags; the main loop prints the same line at the next record. Compile
 * with -DSS_MODEL_FIXED=1 for the fixed twin.
 *
 * Usage: stdio_in_handler [--records N]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

static volatile sig_atomic_t stop;
#if SS_MODEL_FIXED
static volatile sig_atomic_t stop_signal;
#endif
static volatile sig_atomic_t records_done;

static void on_interrupt(int sig) {
#if SS_MODEL_FIXED
  stop_signal = sig;
#else
  /* BUG: stdio in a signal handler */
  printf("interrupted by signal %d after %lu records\n", sig,
         (unsigned long)records_done);
#endif
  stop = 1;
}

int main(int argc, char **argv) {
  unsigned long records = 400000;
  if (argc > 2 && strcmp(argv[1], "--records") == 0)
    records = strtoul(argv[2], NULL, 10);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  unsigned long i;
  for (i = 0; i < records && !stop; i++) {
    fprintf(stdout, "record %lu: id=%08lx value=%lu.%02lu\n", i,
            i * 2654435761ul, i / 7, i % 100);
    if (i % 64 == 0)
      fputs("-- checkpoint --\n", stdout);
    records_done = (sig_atomic_t)(i + 1);
  }
#if SS_MODEL_FIXED
  if (stop)
    printf("interrupted by signal %d after %lu records\n", (int)stop_signal,
           (unsigned long)records_done);
#endif
  printf("wrote %lu records\n", i);
  return 0;
}
