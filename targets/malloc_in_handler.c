/* malloc_in_handler: a worker with a SIGUSR1 statistics handler.
 *
 * The worker builds and tears down a chained hash table of string records
 * (malloc, realloc, free on every step). On SIGUSR1 an operator gets the
 * current counters on stderr.
 *
 * The bug: stats_handler formats the counters into a malloc'd buffer
 * (malloc + snprintf + write + free). malloc, free and snprintf are not
 * async-signal-safe (signal-safety(7)); when SIGUSR1 lands while the worker
 * is inside malloc/free, the handler re-enters the allocator with its state
 * half-updated: heap corruption, or a deadlock on the arena lock.
 *
 * The fix: format into a static buffer with an async-signal-safe integer
 * formatter and write(2) it; save and restore errno. Compile with
 * -DSS_MODEL_FIXED=1 for the fixed twin.
 *
 * Usage: malloc_in_handler [--items N] [--rounds N] [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) runs the workload the file's bytes describe instead,
 * run_input(): one step per byte, at most 4096 steps. A byte below 0xf0
 * inserts a record whose key, value length (8 + i % 200) and growth
 * (realloc when i % 3 == 0) come from i = (step << 8) | byte; a byte of
 * 0xf0 or more drains the table (free of every record). The table is
 * drained at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

#define NBUCKETS 1024

struct record {
  struct record *next;
  char *key;
  char *value;
  size_t value_len;
};

static struct record *table[NBUCKETS];
static volatile sig_atomic_t inserted, removed;

#if SS_MODEL_FIXED
/* async-signal-safe: digits into a caller's buffer */
static size_t fmt_ulong(char *out, unsigned long v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  return n;
}

static void stats_handler(int sig) {
  static char buf[128];
  int saved = errno;
  size_t n = 0;
  (void)sig;
  memcpy(buf, "stats: inserted=", 16);
  n = 16;
  n += fmt_ulong(buf + n, (unsigned long)inserted);
  memcpy(buf + n, " removed=", 9);
  n += 9;
  n += fmt_ulong(buf + n, (unsigned long)removed);
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
  errno = saved;
}
#else
static void stats_handler(int sig) {
  (void)sig;
  char *buf = malloc(128); /* BUG: malloc in a signal handler */
  if (!buf)
    return;
  int n = snprintf(buf, 128, "stats: inserted=%lu removed=%lu\n",
                   (unsigned long)inserted, (unsigned long)removed);
  ssize_t w = write(2, buf, (size_t)n);
  (void)w;
  free(buf); /* BUG: free in a signal handler */
}
#endif

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static char *make_key(unsigned long i) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "key-%lu-%lx", i, i * 2654435761ul);
  char *k = malloc((size_t)n + 1);
  if (!k)
    abort();
  memcpy(k, tmp, (size_t)n + 1);
  return k;
}

static void insert(unsigned long i) {
  struct record *r = malloc(sizeof *r);
  if (!r)
    abort();
  r->key = make_key(i);
  r->value_len = 8 + i % 200;
  r->value = malloc(r->value_len);
  if (!r->value)
    abort();
  memset(r->value, (int)(i & 0xff), r->value_len);
  if (i % 3 == 0) { /* values grow */
    char *nv = realloc(r->value, r->value_len * 2);
    if (!nv)
      abort();
    memset(nv + r->value_len, 0, r->value_len);
    r->value = nv;
    r->value_len *= 2;
  }
  uint32_t b = hash(r->key) % NBUCKETS;
  r->next = table[b];
  table[b] = r;
  inserted = inserted + 1;
}

static unsigned long drain(void) {
  unsigned long sum = 0;
  for (int b = 0; b < NBUCKETS; b++) {
    while (table[b]) {
      struct record *r = table[b];
      table[b] = r->next;
      sum += (unsigned char)r->value[r->value_len - 1] + strlen(r->key);
      free(r->value);
      free(r->key);
      free(r);
      removed = removed + 1;
    }
  }
  return sum;
}

#define INPUT_STEPS 4096

/* The workload of --input and of the fuzz entry point: see the top. */
static unsigned long run_input(const unsigned char *data, size_t size,
                               size_t *steps) {
  unsigned long checksum = 0;
  size_t n = size < INPUT_STEPS ? size : INPUT_STEPS;
  for (size_t s = 0; s < n; s++) {
    if (data[s] >= 0xf0)
      checksum += drain();
    else
      insert((unsigned long)s << 8 | data[s]);
  }
  checksum += drain();
  *steps = n;
  return checksum;
}

#ifdef SIGSTORM_FUZZ
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  signal(SIGUSR1, stats_handler);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t steps;
  run_input(data, size, &steps);
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  unsigned long items = 4000, rounds = 60;
  const char *input = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--items") == 0)
      items = strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--rounds") == 0)
      rounds = strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--input") == 0)
      input = argv[i + 1];
  }
  if (input) {
    size_t size, steps;
    unsigned char *data = model_read_input(input, &size);
    signal(SIGUSR1, stats_handler);
    unsigned long checksum = run_input(data, size, &steps);
    free(data);
    printf("input steps=%zu inserted=%lu removed=%lu checksum=%lu\n", steps,
           (unsigned long)inserted, (unsigned long)removed, checksum);
    return 0;
  }
  signal(SIGUSR1, stats_handler);
  unsigned long checksum = 0;
  for (unsigned long r = 0; r < rounds; r++) {
    for (unsigned long i = 0; i < items; i++)
      insert(r * items + i);
    checksum += drain();
  }
  printf("rounds=%lu items=%lu checksum=%lu\n", rounds, items, checksum);
  return 0;
}
#endif
