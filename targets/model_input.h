/* model_input.h: `--input FILE` for the model targets.
 *
 * A model's fuzz entry point (LLVMFuzzerTestOneInput, built with
 * -DSIGSTORM_FUZZ) and its normal build's --input FILE run the same
 * function on the same workload bytes, so a fuzz finding's bytes become a
 * replayable case: `target --input /dev/stdin` with the bytes on stdin.
 * This header only reads the file; each model says what its bytes mean.
 */
#ifndef SS_MODEL_INPUT_H
#define SS_MODEL_INPUT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SS_MODEL_INPUT_MAX (1u << 24) /* bytes read at most */

/* Reads all of path (a file, or a pipe such as /dev/stdin) into a malloc'd
 * buffer, at most SS_MODEL_INPUT_MAX bytes; *len gets its length. Exits
 * with status 2 (after perror) when the file cannot be read. Plain
 * open/read, no stdio: the only interposed calls it makes before the
 * workload are the buffer's malloc/realloc (one per doubling from 4 KiB). */
static unsigned char *model_read_input(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    perror(path);
    exit(2);
  }
  unsigned char *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= SS_MODEL_INPUT_MAX)
        break;
      cap = cap ? cap * 2 : 4096;
      unsigned char *nb = realloc(data, cap);
      if (!nb)
        abort();
      data = nb;
    }
    ssize_t got = read(fd, data + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      perror(path);
      exit(2);
    }
    if (got == 0)
      break;
    n += (size_t)got;
  }
  close(fd);
  *len = n;
  return data;
}

#endif
