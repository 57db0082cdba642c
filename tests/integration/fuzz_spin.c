/* fuzz_spin.c: a fuzz target for the builtin engine's supervisor
 * (fuzz_builtin.sh): a workload starting with "spin" never ends, one
 * starting with "segv" writes through a null pointer; anything else
 * returns. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile int spinning = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 4 && memcmp(data, "spin", 4) == 0)
    while (spinning)
      ;
  if (size >= 4 && memcmp(data, "segv", 4) == 0)
    *(volatile int *)(uintptr_t)(size - size) = 1;
  return 0;
}
