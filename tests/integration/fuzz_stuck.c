/* fuzz_stuck: a libFuzzer target for the fuzz runtime's watchdog
 * (tests/integration/fuzz_abi.sh). Its SIGUSR1 handler logs through a
 * mutex, as mutex_in_handler's does. The workload's first byte picks:
 *   'd'  take the mutex and work for 200 ms: a SIGUSR1 in that time makes
 *        the handler wait for the mutex its own interrupted frame holds,
 *        a self-deadlock;
 *   'h'  spin on a flag nothing sets: a hang, no thread blocked in a lock;
 *   else return at once.
 * Built with -fsanitize=fuzzer and the whole of libsigstorm_fuzz.a.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long log_lines;
static volatile int never;

static void log_line(void) {
  pthread_mutex_lock(&log_lock);
  log_lines++;
  pthread_mutex_unlock(&log_lock);
}

static void on_usr1(int sig) {
  (void)sig;
  log_line(); /* BUG: a mutex in a signal handler */
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  if (data[0] == 'd') {
    pthread_mutex_lock(&log_lock);
    uint64_t end = now_ns() + 200000000u;
    while (now_ns() < end)
      log_lines++;
    pthread_mutex_unlock(&log_lock);
  } else if (data[0] == 'h') {
    while (!never)
      log_lines++;
  }
  return 0;
}
