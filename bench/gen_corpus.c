/* gen_corpus: a deterministic fuzz corpus for bench/fuzz_exec_bench.sh.
 *
 * Writes N inputs DIR/input-000 ... : each a 32-byte schedule prefix
 * (docs/fuzzing.md: 4 records, every byte pattern valid) and 16..1039
 * workload bytes, all from a splitmix64 stream seeded with SEED, so every
 * engine, mode and repetition starts from the same bytes.
 *
 * Usage: gen_corpus DIR N SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;
static uint64_t next(void) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: gen_corpus DIR N SEED\n");
    return 2;
  }
  unsigned long n = strtoul(argv[2], NULL, 10);
  state = strtoull(argv[3], NULL, 10);
  for (unsigned long i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/input-%03lu", argv[1], i);
    FILE *f = fopen(path, "wb");
    if (!f) {
      perror(path);
      return 1;
    }
    size_t len = 32 + 16 + (size_t)(next() % 1024);
    for (size_t k = 0; k < len; k++)
      fputc((int)(next() & 0xff), f);
    if (fclose(f) != 0) {
      perror(path);
      return 1;
    }
  }
  return 0;
}
