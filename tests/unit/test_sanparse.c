/* test_sanparse: sanitizer reports captured from the models (and two small
 * programs for a data race and a crash) parsed into findings. The fixtures
 * in data/ are the programs' stderr as sigstorm captured it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/sanparse.h"
#include "host/util.h"

#ifndef SS_TEST_DATA
#error "SS_TEST_DATA must name tests/unit/data"
#endif

static char *fixture(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", SS_TEST_DATA, name);
  char *t = ss_read_file(path, NULL);
  if (!t)
    fail_msg("cannot read %s", path);
  return t;
}

static long parse_file(const char *name, ss_san_report **r) {
  char *t = fixture(name);
  long n = ss_san_parse(t, r);
  free(t);
  return n;
}

static void has(const char *s, const char *part) {
  if (!s || !strstr(s, part))
    fail_msg("'%s' lacks '%s'", s ? s : "(null)", part);
}

static void eq(const char *s, const char *want) {
  if (!want) {
    assert_null(s);
    return;
  }
  assert_non_null(s);
  assert_string_equal(s, want);
}

static void test_asan_in_handler(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(parse_file("asan_uaf_in_handler.txt", &r), 1);
  assert_int_equal(r[0].detector, SS_DET_ASAN);
  eq(r[0].kind, SS_KIND_HEAP_CORRUPTION);
  eq(r[0].handler, "on_usr1");
  eq(r[0].interrupted, "free"); /* the interposed call, not __interceptor_ */
  has(r[0].detail, "AddressSanitizer: heap-use-after-free");
  has(r[0].detail, "heap_corruption.c:56 in on_usr1");
  assert_int_equal(r[0].handler_stack.n, 1);
  eq(r[0].handler_stack.frames[0].func, "on_usr1");
  assert_int_equal(r[0].handler_stack.frames[0].line, 56);
  assert_true(r[0].handler_stack.frames[0].pc != 0);
  /* below the trampoline and libc's unnamed sigreturn frame */
  eq(r[0].interrupted_stack.frames[0].func, "__interceptor_free");
  ss_san_reports_free(r, 1);
}

static void test_asan_freed_by_handler(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(parse_file("asan_uaf_freed_by_handler.txt", &r), 1);
  eq(r[0].kind, SS_KIND_HEAP_CORRUPTION);
  /* the access is in main; the handler is on the freed-by stack */
  eq(r[0].handler, "on_usr1");
  eq(r[0].callee, "free");
  eq(r[0].interrupted, "main");
  eq(r[0].top, "main");
  has(r[0].detail, "heap_corruption.c:115 in main");
  ss_san_reports_free(r, 1);
}

static void test_asan_crash(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(parse_file("asan_segv_in_handler.txt", &r), 1);
  eq(r[0].kind, SS_KIND_CRASH);
  eq(r[0].key, "killed by SIGSEGV"); /* merges with a plain run's crash */
  eq(r[0].handler, "h");
  eq(r[0].interrupted, "__pthread_kill_implementation");
  has(r[0].detail, "AddressSanitizer: SEGV segv.c:4 in h");
  ss_san_reports_free(r, 1);
}

static void test_tsan_under_runtime(void **state) {
  (void)state;
  ss_san_report *r;
  long n = parse_file("tsan_malloc_in_handler.txt", &r);
  assert_int_equal(n, 6);
  /* the handler called the runtime's wrapper directly: TSan's shadow
   * stack has no frame for it (collect takes it from the runtime) */
  eq(r[0].kind, SS_KIND_UNSAFE_CALL);
  assert_int_equal(r[0].detector, SS_DET_TSAN);
  eq(r[0].handler, NULL);
  eq(r[0].callee, "malloc");
  eq(r[0].interrupted, "malloc");
  eq(r[0].detail,
     "ThreadSanitizer: signal-unsafe call inside of a signal (#0 malloc)");
  eq(r[1].callee, "free");
  eq(r[2].kind, SS_KIND_ERRNO_CLOBBER);
  eq(r[2].handler, NULL);
  eq(r[2].callee, NULL);
  eq(r[2].detail, "ThreadSanitizer: signal handler spoils errno");
  eq(r[3].interrupted, "make_key");
  ss_san_reports_free(r, (size_t)n);

  n = parse_file("tsan_regresshion.txt", &r);
  assert_int_equal(n, 2);
  eq(r[0].handler, "grace_alarm_handler");
  eq(r[0].callee, "malloc");
  eq(r[0].interrupted, "calloc");
  eq(r[0].handler_stack.frames[r[0].handler_stack.n - 1].func,
     "grace_alarm_handler");
  eq(r[0].handler_stack.frames[0].module, "regresshion.thread");
  ss_san_reports_free(r, (size_t)n);
}

static void test_tsan_without_runtime(void **state) {
  (void)state;
  ss_san_report *r;
  long n = parse_file("tsan_no_runtime.txt", &r);
  assert_int_equal(n, 3);
  eq(r[0].handler, "stats_handler");
  eq(r[0].callee, "malloc");
  eq(r[0].interrupted, "drain");
  eq(r[2].kind, SS_KIND_ERRNO_CLOBBER);
  eq(r[2].handler, "stats_handler"); /* TSan's #0 is the handler itself */
  eq(r[2].interrupted, "drain");
  ss_san_reports_free(r, (size_t)n);
}

static void test_tsan_race(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(parse_file("tsan_data_race.txt", &r), 1);
  eq(r[0].kind, SS_KIND_DATA_RACE);
  eq(r[0].handler, NULL);
  eq(r[0].callee, "main"); /* the two accesses, in a fixed order */
  eq(r[0].interrupted, "worker");
  has(r[0].detail, "ThreadSanitizer: data race race.c:6 in main");
  ss_san_reports_free(r, 1);
}

static void test_ubsan(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(parse_file("ubsan_regresshion.txt", &r), 1);
  assert_int_equal(r[0].detector, SS_DET_UBSAN);
  eq(r[0].kind, SS_KIND_UNDEFINED);
  has(r[0].detail, "null pointer passed as argument 1");
  has(r[0].detail, "(regresshion.c:108:3)");
  ss_san_reports_free(r, 1);
  assert_int_equal(parse_file("ubsan_in_handler.txt", &r), 1);
  eq(r[0].handler, "h");
  has(r[0].detail, "signed integer overflow");
  eq(r[0].interrupted, "__pthread_kill_implementation");
  ss_san_reports_free(r, 1);
}

static void test_cut_and_plain(void **state) {
  (void)state;
  ss_san_report *r;
  assert_int_equal(ss_san_parse("", &r), 0);
  assert_null(r);
  assert_int_equal(ss_san_parse("hello\nSanitizer: no\n#0 0x1 in x\n", &r), 0);
  /* a report cut before its SUMMARY (the runner's stderr window) */
  char *t = fixture("asan_uaf_in_handler.txt");
  char *cut = strstr(t, "freed by thread");
  assert_non_null(cut);
  *cut = '\0';
  assert_int_equal(ss_san_parse(t, &r), 0);
  free(t);
  t = fixture("tsan_regresshion.txt");
  cut = strstr(strstr(t, "SUMMARY") + 1, "    #2");
  assert_non_null(cut);
  *cut = '\0';
  assert_int_equal(ss_san_parse(t, &r), 1);
  ss_san_reports_free(r, 1);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_asan_in_handler),
      cmocka_unit_test(test_asan_freed_by_handler),
      cmocka_unit_test(test_asan_crash),
      cmocka_unit_test(test_tsan_under_runtime),
      cmocka_unit_test(test_tsan_without_runtime),
      cmocka_unit_test(test_tsan_race),
      cmocka_unit_test(test_ubsan),
      cmocka_unit_test(test_cut_and_plain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
