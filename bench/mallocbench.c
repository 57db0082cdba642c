/* mallocbench: a malloc-heavy program that receives no signals. A ring of
 * 1024 live blocks; each step frees one and allocates a new one of 8..4104
 * bytes (a realloc every 8th step), writing its first and last bytes. The
 * loop times itself (start-up excluded) and prints ns per operation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  long ops = 5000000;
  if (argc > 2 && strcmp(argv[1], "--ops") == 0)
    ops = atol(argv[2]);
  static char *ring[1024];
  static size_t size[1024];
  unsigned x = 12345;
  unsigned long sum = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < ops; i++) {
    x = x * 1103515245u + 12345u;
    unsigned k = (x >> 8) & 1023;
    size_t n = 8 + ((x >> 18) % 4097);
    if (ring[k] && (i & 7) == 0) {
      char *p = realloc(ring[k], n);
      if (!p)
        abort();
      ring[k] = p;
    } else {
      if (ring[k])
        sum += (unsigned char)ring[k][size[k] - 1];
      free(ring[k]);
      ring[k] = malloc(n);
      if (!ring[k])
        abort();
    }
    size[k] = n;
    ring[k][0] = (char)i;
    ring[k][n - 1] = (char)k;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  for (int k = 0; k < 1024; k++)
    free(ring[k]);
  double s =
      (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("ns_per_op=%.2f seconds=%.6f checksum=%lu\n", s * 1e9 / (double)ops, s,
         sum);
  return 0;
}
