/* fuzz_casefile.c: libFuzzer target for the case-file parser (run_fuzz.sh
 * builds and runs it). Any bytes: ss_case_parse must not crash, leak or
 * read out of bounds (ASan, UBSan), and must fail with one line
 * "PATH:LINE: problem". Whatever it accepts, ss_case_format must write, and
 * that text must parse back and format to the same text. The same for a
 * window on its own (ss_case_window_parse, ss_case_window_format). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/casefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *a, const char *b) {
  fprintf(stderr, "fuzz_casefile: %s\n--- first\n%s\n--- second\n%s\n", what,
          a ? a : "(null)", b ? b : "(null)");
  abort();
}

/* An error message: "fuzz.case:LINE: problem", one line. */
static void check_error(const char *err) {
  const char *pfx = "fuzz.case:";
  size_t n = strlen(pfx);
  if (strncmp(err, pfx, n) != 0 || err[n] < '1' || err[n] > '9')
    fuzz_fail("error without a path:line prefix", err, NULL);
  const char *s = err + n;
  while (*s >= '0' && *s <= '9')
    s++;
  if (s[0] != ':' || s[1] != ' ' || !s[2])
    fuzz_fail("error without ': problem'", err, NULL);
  if (strchr(err, '\n'))
    fuzz_fail("error of more than one line", err, NULL);
}

static void fuzz_case(const char *text, size_t size) {
  ss_case c, c2;
  char err[512];
  if (ss_case_parse(text, size, "fuzz.case", &c, err, sizeof err) < 0) {
    check_error(err);
    return;
  }
  char *t1 = ss_case_format(&c);
  if (!t1)
    fuzz_fail("accepted but not written", err, NULL);
  if (ss_case_parse(t1, strlen(t1), "fuzz.case", &c2, err, sizeof err) < 0)
    fuzz_fail(err, t1, NULL);
  char *t2 = ss_case_format(&c2);
  if (!t2 || strcmp(t1, t2) != 0)
    fuzz_fail("written text does not read back the same", t1, t2);
  free(t1);
  free(t2);
  ss_case_free(&c);
  ss_case_free(&c2);
}

static void fuzz_window(const char *s) {
  ss_case_window w, w2;
  char err[256], f1[2 * SS_CASE_MAX_LINE], f2[2 * SS_CASE_MAX_LINE];
  memset(&w, 0, sizeof w);
  memset(&w2, 0, sizeof w2);
  if (ss_case_window_parse(s, &w, err, sizeof err) < 0) {
    if (!err[0] || strchr(err, '\n'))
      fuzz_fail("bad window error", err, NULL);
    return;
  }
  ss_case_window_format(&w, f1, sizeof f1);
  if (ss_case_window_parse(f1, &w2, err, sizeof err) < 0)
    fuzz_fail(err, f1, NULL);
  ss_case_window_format(&w2, f2, sizeof f2);
  if (strcmp(f1, f2) != 0)
    fuzz_fail("window does not read back the same", f1, f2);
  ss_case_window *ws[2] = {&w, &w2};
  for (int i = 0; i < 2; i++) {
    free(ws[i]->module);
    free(ws[i]->func);
    free(ws[i]->thread);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* an exact-size copy, so ASan sees any read past the end */
  char *text = malloc(size ? size : 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  fuzz_case(text, size);
  free(text);
  char *s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  fuzz_window(s);
  free(s);
  return 0;
}
