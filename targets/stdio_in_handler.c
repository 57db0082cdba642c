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
 * Usage: stdio_in_handler [--records N] [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) writes the records the file's bytes describe instead,
 * run_input(): one record per byte, at most 4096, until a signal stops the
 * job. b % 4: 0 the main loop's record line (fprintf), 1 a checkpoint line
 * (fputs), 2 a padded record of width b / 4 (fprintf "%*lu"), 3 a record
 * written character by character (fputc) then flushed (fflush). In the
 * fuzz build stdout is /dev/null (libFuzzer reports on stderr).
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

#define INPUT_RECORDS 4096

/* The workload of --input and of the fuzz entry point: see the top. */
static unsigned long run_input(const unsigned char *data, size_t size) {
  size_t n = size < INPUT_RECORDS ? size : INPUT_RECORDS;
  unsigned long i;
  stop = 0;
  records_done = 0;
  for (i = 0; i < n && !stop; i++) {
    unsigned b = data[i];
    switch (b % 4) {
    case 0:
      fprintf(stdout, "record %lu: id=%08lx value=%lu.%02lu\n", i,
              i * 2654435761ul, i / 7, i % 100);
      break;
    case 1:
      fputs("-- checkpoint --\n", stdout);
      break;
    case 2:
      fprintf(stdout, "record %lu: padded=%*lu\n", i, (int)(b / 4), i * b);
      break;
    default:
      for (const char *p = "record: bytes\n"; *p; p++)
        fputc(*p, stdout);
      fflush(stdout);
      break;
    }
    records_done = (sig_atomic_t)(i + 1);
  }
#if SS_MODEL_FIXED
  if (stop)
    printf("interrupted by signal %d after %lu records\n", (int)stop_signal,
           (unsigned long)records_done);
#endif
  return i;
}

static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

#ifdef SIGSTORM_FUZZ
#include <stdint.h>
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (!freopen("/dev/null", "w", stdout))
    abort();
  install();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run_input(data, size);
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  unsigned long records = 400000;
  if (argc > 2 && strcmp(argv[1], "--input") == 0) {
    size_t size;
    unsigned char *data = model_read_input(argv[2], &size);
    install();
    unsigned long i = run_input(data, size);
    free(data);
    printf("wrote %lu records\n", i);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--records") == 0)
    records = strtoul(argv[2], NULL, 10);
  install();
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
#endif
