/* heap_overflow: writes two bytes past a 24-byte heap block, then frees it.
 * No signals: a fixture for `--sanitizer glibc`, whose malloc_check (the
 * magic byte after each block) must be what catches it. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *p = malloc(24);
  if (!p)
    return 2;
  volatile char *v = p; /* stores the compiler may not drop before free */
  for (int i = 0; i < 24 + 2; i++)
    v[i] = 'A';
  free(p);
  puts("the overflow went unnoticed");
  return 0;
}
