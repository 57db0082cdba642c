/* mutex_in_handler: a service with an in-memory log guarded by a mutex.
 *
 * The main loop appends a line to the log for every request it handles
 * (log_append takes log_lock, formats, copies, releases). SIGUSR1 asks for
 * a "rotate" line in the log.
 *
 * The bug: the SIGUSR1 handler calls log_append itself. pthread_mutex_lock
 * is not async-signal-safe (signal-safety(7)): when SIGUSR1 lands while the
 * main loop holds log_lock, the handler waits for a mutex that the frame it
 * interrupted holds, on the same thread: a self-deadlock, forever.
 *
 * The fix: the self-pipe trick. The handler only write()s a byte to a pipe
 * (async-signal-safe, errno saved); the main loop polls the pipe between
 * requests and logs the rotation itself. Compile with -DSS_MODEL_FIXED=1.
 *
 * Usage: mutex_in_handler [--requests N] [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) handles the requests the file's bytes describe instead,
 * run_input(): one request per byte, at most 4096. b % 4: 0 a logged
 * request (as the main loop), 1 a request logged twice (request, reply),
 * 2 a request whose work is b / 4 rounds of arithmetic, logged once, 3 a
 * request that is not logged. The fixed twin polls its pipe every 64
 * requests and at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];
static size_t log_len;
static unsigned long log_lines;

static void log_append(const char *what, unsigned long n) {
  pthread_mutex_lock(&log_lock);
  char line[96];
  int k = snprintf(line, sizeof line, "%s %lu\n", what, n);
  if (k > 0) {
    if (log_len + (size_t)k >= sizeof log_buf)
      log_len = 0; /* wrap: keep the tail */
    memcpy(log_buf + log_len, line, (size_t)k);
    log_len += (size_t)k;
    log_lines++;
  }
  pthread_mutex_unlock(&log_lock);
}

#if SS_MODEL_FIXED
static int wake[2];
static void on_usr1(int sig) {
  (void)sig;
  int saved = errno;
  char c = 'r';
  ssize_t w = write(wake[1], &c, 1); /* async-signal-safe */
  (void)w;
  errno = saved;
}
#else
static void on_usr1(int sig) {
  (void)sig;
  log_append("rotate", 0); /* BUG: takes log_lock from a signal handler */
}
#endif

#define INPUT_REQUESTS 4096

/* The workload of --input and of the fuzz entry point: see the top. */
static unsigned long run_input(const unsigned char *data, size_t size,
                               size_t *requests) {
  size_t n = size < INPUT_REQUESTS ? size : INPUT_REQUESTS;
  unsigned long sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned b = data[i];
    sum += i * 2654435761ul >> 7; /* the request's work */
    switch (b % 4) {
    case 0:
      log_append("request", i);
      break;
    case 1:
      log_append("request", i);
      log_append("reply", b);
      break;
    case 2:
      for (unsigned k = 0; k < b / 4; k++)
        sum = sum * 6364136223846793005ul + 1442695040888963407ul;
      log_append("request", i);
      break;
    default:
      break;
    }
#if SS_MODEL_FIXED
    char c;
    while (((i & 63) == 0 || i + 1 == n) && read(wake[0], &c, 1) == 1)
      log_append("rotate", i);
#endif
  }
  *requests = n;
  return sum;
}

/* Returns 0, or -1 when the fixed twin's pipe cannot be made. */
static int install(void) {
#if SS_MODEL_FIXED
  if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) < 0)
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
  size_t requests;
  run_input(data, size, &requests);
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  unsigned long requests = 300000;
  if (argc > 2 && strcmp(argv[1], "--input") == 0) {
    size_t size, n;
    unsigned char *data = model_read_input(argv[2], &size);
    if (install() < 0)
      return 2;
    unsigned long sum = run_input(data, size, &n);
    free(data);
    printf("input requests=%zu lines=%lu sum=%lu\n", n, log_lines, sum);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--requests") == 0)
    requests = strtoul(argv[2], NULL, 10);
  if (install() < 0)
    return 2;
  unsigned long sum = 0;
  for (unsigned long i = 0; i < requests; i++) {
    sum += i * 2654435761ul >> 7; /* the request's work */
    log_append("request", i);
#if SS_MODEL_FIXED
    char c;
    while ((i & 63) == 0 && read(wake[0], &c, 1) == 1)
      log_append("rotate", i);
#endif
  }
  printf("requests=%lu lines=%lu sum=%lu\n", requests, log_lines, sum);
  return 0;
}
#endif
