/* Unit tests: signatures, dedup, and the JSON and text writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/finding.h"

static void test_signature(void **state) {
  (void)state;
  char a[17], b[17], c[17];
  ss_signature("reentrancy", "grace_alarm_handler", "malloc", "free", a);
  assert_int_equal(strlen(a), 16);
  /* pinned: a signature must not change between versions */
  assert_string_equal(a, "ff167b8f481c03f3");
  ss_signature("reentrancy", "grace_alarm_handler", "malloc", "malloc", b);
  assert_string_not_equal(a, b);
  /* unsafe-call ignores where it landed */
  ss_signature("unsafe-call", "h", "syslog", "main", b);
  ss_signature("unsafe-call", "h", "syslog", "parse", c);
  assert_string_equal(b, c);
  /* fields do not run into each other */
  ss_signature("k", "ab", "c", NULL, b);
  ss_signature("k", "a", "bc", NULL, c);
  assert_string_not_equal(b, c);
}

static void fill(ss_finding_info *f, const char *kind, const char *handler,
                 uint64_t count, int with_stack) {
  memset(f, 0, sizeof *f);
  f->kind = strdup(kind);
  f->signal = 14;
  f->handler = strdup(handler);
  f->callee = strdup("malloc");
  f->interrupted = strdup("free");
  f->count = count;
  f->runs = 1;
  f->seed = 42;
  f->schedule = strdup("sig=handled after=1ms");
  if (with_stack) {
    f->handler_stack.n = 1;
    f->handler_stack.frames = calloc(1, sizeof(ss_frame));
    f->handler_stack.frames[0].pc = 0x1234;
    f->handler_stack.frames[0].func = strdup(handler);
    f->handler_stack.frames[0].file = strdup("a \"quoted\"\tfile.c");
    f->handler_stack.frames[0].line = 7;
  }
  ss_signature(f->kind, f->handler, f->callee, f->interrupted, f->signature);
}

static ss_report *make_report(void) {
  static ss_report r;
  ss_report_init(&r);
  r.target = strdup("build/targets/regresshion");
  r.argc = 2;
  r.argv = calloc(3, sizeof(char *));
  r.argv[0] = strdup("build/targets/regresshion");
  r.argv[1] = strdup("it's \"odd\"\n\\");
  r.injector = strdup("thread");
  r.mode = strdup("stress");
  r.schedule = strdup("random");
  r.seed = 18446744073709551615ull;
  r.runs = 3;
  ss_finding_info f;
  fill(&f, "reentrancy", "grace_alarm_handler", 2, 0);
  assert_int_equal(ss_report_add(&r, &f), 0);
  fill(&f, "reentrancy", "grace_alarm_handler", 3, 1);
  assert_int_equal(ss_report_add(&r, &f), 0); /* same signature: merged */
  fill(&f, "unsafe-call", "h\x01<>", 1, 0);
  assert_int_equal(ss_report_add(&r, &f), 1);
  return &r;
}

static void test_dedup(void **state) {
  (void)state;
  ss_report *r = make_report();
  assert_int_equal(r->nfindings, 2);
  assert_int_equal(r->findings[0].count, 5);
  assert_int_equal(r->findings[0].runs, 2);
  /* the merged finding took the stack the first one lacked */
  assert_int_equal(r->findings[0].handler_stack.n, 1);
  ss_report_free(r);
}

/* Heap corruption seen by glibc and by ASan, at different calls and with
 * different messages: one finding, both detectors, each one's line. */
static void test_detectors(void **state) {
  (void)state;
  ss_report r;
  ss_report_init(&r);
  ss_finding_info f;
  fill(&f, SS_KIND_HEAP_CORRUPTION, "on_usr1", 1, 0);
  ss_finding_seen_by(&f, SS_DET_GLIBC,
                     "free(): double free detected in tcache 2");
  assert_int_equal(ss_report_add(&r, &f), 0);
  fill(&f, SS_KIND_HEAP_CORRUPTION, "on_usr1", 1, 1);
  free(f.callee);
  f.callee = NULL;
  free(f.interrupted);
  f.interrupted = strdup("main");
  ss_signature(f.kind, f.handler, f.callee, f.interrupted, f.signature);
  ss_finding_seen_by(&f, SS_DET_ASAN, "AddressSanitizer: heap-use-after-free");
  assert_int_equal(ss_report_add(&r, &f), 0);
  fill(&f, SS_KIND_HEAP_CORRUPTION, "other_handler", 1, 0);
  ss_finding_seen_by(&f, SS_DET_ASAN, "AddressSanitizer: double-free");
  assert_int_equal(ss_report_add(&r, &f), 1);
  assert_int_equal(r.nfindings, 2);
  ss_finding_info *m = &r.findings[0];
  assert_int_equal(m->detectors,
                   SS_DET_BIT(SS_DET_GLIBC) | SS_DET_BIT(SS_DET_ASAN));
  assert_string_equal(m->details[SS_DET_GLIBC],
                      "free(): double free detected in tcache 2");
  assert_string_equal(m->details[SS_DET_ASAN],
                      "AddressSanitizer: heap-use-after-free");
  assert_string_equal(m->detail, "free(): double free detected in tcache 2");
  assert_int_equal(m->count, 2);
  char *s = ss_report_json_string(&r);
  json_object *o = json_tokener_parse(s), *fs, *d;
  assert_true(json_object_object_get_ex(o, "findings", &fs));
  assert_true(json_object_object_get_ex(json_object_array_get_idx(fs, 0),
                                        "detectors", &d));
  assert_int_equal(json_object_array_length(d), 2);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(d, 0)),
                      "glibc");
  assert_string_equal(json_object_get_string(json_object_array_get_idx(d, 1)),
                      "asan");
  json_object_put(o);
  free(s);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  ss_report_write_text(mem, &r);
  fclose(mem);
  assert_non_null(strstr(buf, "seen by: glibc, asan\n"));
  assert_non_null(
      strstr(buf, "    asan: AddressSanitizer: heap-use-after-free"));
  free(buf);
  ss_report_free(&r);
}

static void test_json(void **state) {
  (void)state;
  ss_report *r = make_report();
  char *s = ss_report_json_string(r);
  assert_non_null(s);
  json_object *o = json_tokener_parse(s);
  assert_non_null(o);
  json_object *v;
  assert_true(json_object_object_get_ex(o, "schema", &v));
  assert_string_equal(json_object_get_string(v), "sigstorm.report/1");
  assert_true(json_object_object_get_ex(o, "seed", &v));
  assert_int_equal(json_object_get_uint64(v), 18446744073709551615ull);
  json_object *t, *argv;
  assert_true(json_object_object_get_ex(o, "target", &t));
  assert_true(json_object_object_get_ex(t, "argv", &argv));
  assert_string_equal(
      json_object_get_string(json_object_array_get_idx(argv, 1)),
      "it's \"odd\"\n\\");
  json_object *fs;
  assert_true(json_object_object_get_ex(o, "findings", &fs));
  assert_int_equal(json_object_array_length(fs), 2);
  json_object *f0 = json_object_array_get_idx(fs, 0);
  const char *keys[] = {"kind",        "signal",    "handler", "callee",
                        "interrupted", "signature", "count",   "seed",
                        "schedule",    "stacks"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!json_object_object_get_ex(f0, keys[i], &v))
      fail_msg("finding lacks %s", keys[i]);
  assert_true(json_object_object_get_ex(f0, "signal", &v));
  assert_string_equal(json_object_get_string(v), "SIGALRM");
  json_object *stacks, *hs, *fr;
  assert_true(json_object_object_get_ex(f0, "stacks", &stacks));
  assert_true(json_object_object_get_ex(stacks, "handler", &hs));
  fr = json_object_array_get_idx(hs, 0);
  assert_true(json_object_object_get_ex(fr, "file", &v));
  assert_string_equal(json_object_get_string(v), "a \"quoted\"\tfile.c");
  assert_true(json_object_object_get_ex(fr, "pc", &v));
  assert_string_equal(json_object_get_string(v), "0x1234");
  json_object *f1 = json_object_array_get_idx(fs, 1);
  assert_true(json_object_object_get_ex(f1, "handler", &v));
  assert_string_equal(json_object_get_string(v), "h\x01<>");
  json_object_put(o);
  free(s);
  ss_report_free(r);
}

static void test_text_and_files(void **state) {
  (void)state;
  ss_report *r = make_report();
  char dir[] = "/tmp/ss-report-test-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/report.txt", dir);
  assert_int_equal(ss_report_write_text_file(path, r), 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  assert_true(getdelim(&buf, &len, '\0', f) > 0);
  fclose(f);
  /* the reproduction line is there, quoted for a shell */
  assert_non_null(strstr(buf, "reproduce: sigstorm run --seed 42 --schedule "
                              "'sig=handled after=1ms' -- "
                              "build/targets/regresshion 'it'\\''s"));
  assert_non_null(strstr(buf, "2 unique findings"));
  free(buf);
  snprintf(path, sizeof path, "%s/report.json", dir);
  assert_int_equal(ss_report_write_json_file(path, r), 0);
  char tmp[140];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  assert_int_equal(access(tmp, F_OK), -1); /* no temporary left */
  /* an unwritable place fails and leaves nothing behind */
  assert_int_equal(ss_report_write_json_file("/nonexistent-dir/report.json", r),
                   -1);
  assert_int_equal(errno, ENOENT);
  unlink(path);
  snprintf(path, sizeof path, "%s/report.txt", dir);
  unlink(path);
  rmdir(dir);
  ss_report_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_signature),      cmocka_unit_test(test_dedup),
      cmocka_unit_test(test_detectors),      cmocka_unit_test(test_json),
      cmocka_unit_test(test_text_and_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
