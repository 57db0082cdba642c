/* mallocbench: a malloc-heavy program that receives no signals, to measure
 * what the runtime costs a program when nothing fires.
 *
 * A ring of 1024 live blocks; each step picks a slot (LCG) and either
 * reallocs it (every 8th step) or frees it and mallocs a new block, of
 * 8..4096 bytes. Every block gets its first and last bytes written, and
 * those bytes are read back (into a checksum that is printed) before the
 * block is freed or after it is realloc'ed, so no call can be elided.
 * The loop times itself with CLOCK_MONOTONIC (start-up and exit excluded).
 * An op is one allocator call (malloc, free or realloc).
 *   mallocbench [--steps N]   (default 5000000 steps, about 9.4 M calls)
 * prints ns_per_op=<x> seconds=<s> ops=<n> checksum=<c>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 1024
#define MIN_SIZE 8
#define MAX_SIZE 4096

static char *ring[RING];
static size_t size[RING];

int main(int argc, char **argv) {
  long steps = 5000000;
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
      steps = strtol(argv[++i], &end, 10);
    if (!end || *end || steps <= 0) {
      fprintf(stderr, "usage: %s [--steps N]\n", argv[0]);
      return 2;
    }
  }
  unsigned x = 12345;
  unsigned long sum = 0, ops = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < steps; i++) {
    x = x * 1103515245u + 12345u;
    unsigned k = (x >> 8) % RING;
    size_t n = MIN_SIZE + (x >> 16) % (MAX_SIZE - MIN_SIZE + 1);
    char *p = ring[k];
    if (p && i % 8 == 0) {
      char *q = realloc(p, n);
      if (!q)
        abort();
      sum += (unsigned char)q[0]; /* kept by realloc */
      p = q;
      ops++;
    } else {
      if (p) {
        sum += (unsigned char)p[0] + (unsigned char)p[size[k] - 1];
        free(p);
        ops++;
      }
      p = malloc(n);
      if (!p)
        abort();
      ops++;
    }
    p[0] = (char)i;
    p[n - 1] = (char)k;
    ring[k] = p;
    size[k] = n;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  for (int k = 0; k < RING; k++)
    free(ring[k]);
  double s =
      (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("ns_per_op=%.2f seconds=%.6f ops=%lu checksum=%lu\n",
         s * 1e9 / (double)ops, s, ops, sum);
  return 0;
}
