/* Unit tests: the schedule language, durations, signal names, and the
 * classification of how a run ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "host/collect.h"
#include "host/schedule.h"
#include "host/util.h"

static int parse(const char *spec, struct ss_schedule *s, char *err) {
  memset(s, 0, sizeof *s);
  return ss_schedule_parse(spec, s, err, 256);
}

static void test_durations(void **state) {
  (void)state;
  uint64_t ns;
  assert_int_equal(ss_parse_duration("250us", &ns), 0);
  assert_int_equal(ns, 250000);
  assert_int_equal(ss_parse_duration("1.5ms", &ns), 0);
  assert_int_equal(ns, 1500000);
  assert_int_equal(ss_parse_duration("2s", &ns), 0);
  assert_int_equal(ns, 2000000000ull);
  assert_int_equal(ss_parse_duration("100ns", &ns), 0);
  assert_int_equal(ns, 100);
  assert_int_equal(ss_parse_duration("0", &ns), 0);
  assert_int_equal(ns, 0);
  assert_int_equal(ss_parse_duration("10", &ns), -1); /* unit needed */
  assert_int_equal(ss_parse_duration("-1ms", &ns), -1);
  assert_int_equal(ss_parse_duration("1ly", &ns), -1);
  assert_int_equal(ss_parse_duration("", &ns), -1);
  assert_int_equal(ss_parse_duration("nanms", &ns), -1);
  assert_int_equal(ss_parse_duration("1e30s", &ns), -1); /* overflow */
  char buf[32];
  ss_format_duration(250000, buf, sizeof buf);
  assert_string_equal(buf, "250us");
  ss_format_duration(1500000, buf, sizeof buf);
  assert_string_equal(buf, "1500us");
  uint64_t mhz;
  assert_int_equal(ss_parse_freq("20kHz", &mhz), 0);
  assert_int_equal(mhz, 20000000);
  assert_int_equal(ss_parse_freq("500", &mhz), 0);
  assert_int_equal(mhz, 500000);
  assert_int_equal(ss_parse_freq("0Hz", &mhz), -1);
}

static void test_signals(void **state) {
  (void)state;
  char b[24];
  assert_int_equal(ss_signal_parse("SIGALRM"), SIGALRM);
  assert_int_equal(ss_signal_parse("alrm"), SIGALRM);
  assert_int_equal(ss_signal_parse("10"), 10);
  assert_int_equal(ss_signal_parse("RTMIN+2"), SIGRTMIN + 2);
  assert_int_equal(ss_signal_parse("SIGNOPE"), 0);
  assert_int_equal(ss_signal_parse("0"), 0);
  assert_int_equal(ss_signal_parse("99"), 0);
  assert_string_equal(ss_signal_name(SIGUSR1, b), "SIGUSR1");
}

static void test_windows(void **state) {
  (void)state;
  struct ss_schedule s;
  char err[256];
  assert_int_equal(parse("sig=SIGALRM after=250us", &s, err), 0);
  assert_int_equal(s.nwindows, 1);
  assert_int_equal(s.w[0].kind, SS_WIN_AFTER);
  assert_int_equal(s.w[0].sig, SIGALRM);
  assert_int_equal(s.w[0].after_ns, 250000);
  assert_int_equal(s.w[0].thread, SS_THR_MAIN);

  assert_int_equal(parse("sig=USR1 every=40us jitter=50%; rate=20kHz "
                         "thread=any count=9",
                         &s, err),
                   0);
  assert_int_equal(s.nwindows, 2);
  assert_int_equal(s.w[0].kind, SS_WIN_EVERY);
  assert_int_equal(s.w[0].period_ns, 40000);
  assert_int_equal(s.w[0].jitter_pct, 50);
  assert_int_equal(s.w[1].kind, SS_WIN_RATE);
  assert_int_equal(s.w[1].sig, SS_SIG_HANDLED);
  assert_int_equal(s.w[1].rate_mhz, 20000000);
  assert_int_equal(s.w[1].thread, SS_THR_ANY);
  assert_int_equal(s.w[1].count, 9);

  assert_int_equal(parse("sig=SIGALRM on=malloc#37 +3us", &s, err), 0);
  assert_int_equal(s.w[0].kind, SS_WIN_ON);
  assert_int_equal(s.w[0].on_fn, SS_FN_malloc);
  assert_int_equal(s.w[0].on_k, 37);
  assert_int_equal(s.w[0].delay_ns, 3000);
  assert_int_equal(s.w[0].thread, SS_THR_CALLER);

  /* a file: one window a line, comments */
  assert_int_equal(parse("# storm\nsig=SIGUSR1 rate=1kHz  # fast\n\n"
                         "sig=SIGTERM after=5ms force\n",
                         &s, err),
                   0);
  assert_int_equal(s.nwindows, 2);
  assert_true(s.w[1].flags & SS_WF_FORCE);
}

static void expect_error(const char *spec, const char *needle) {
  struct ss_schedule s;
  char err[256] = "";
  assert_int_equal(parse(spec, &s, err), -1);
  if (!strstr(err, needle))
    fail_msg("error for '%s' is '%s', should mention '%s'", spec, err, needle);
  assert_null(strchr(err, '\n'));
}

static void test_errors(void **state) {
  (void)state;
  expect_error("sig=SIGALRM evry=40us", "'evry=40us'");
  expect_error("sig=SIGALRM evry=40us", "unknown key");
  expect_error("sig=SIGBOGUS after=1ms", "'sig=SIGBOGUS'");
  expect_error("sig=SIGKILL after=1ms", "SIGKILL");
  expect_error("after=1ms; every=2ms rate=1kHz", "window 2");
  expect_error("on=nosuchfn#3", "'on=nosuchfn#3'");
  expect_error("on=malloc", "FUNC#K");
  expect_error("on=malloc#0", "positive");
  expect_error("every=1ms jitter=150%", "'jitter=150%'");
  expect_error("rate=fastHz", "'rate=fastHz'");
  expect_error("sig=SIGUSR1", "no trigger");
  expect_error("every=0", "count=");
  expect_error("after=1ms +3us", "delay");
  expect_error("after=1ms thread=caller", "caller");
  expect_error("", "empty");
  expect_error("  ;  ; ", "empty");
  expect_error("after=1ms bogus", "'bogus'");
}

static void test_roundtrip(void **state) {
  (void)state;
  const char *specs[] = {
      "sig=SIGALRM after=250us",
      "sig=SIGUSR1 every=40us jitter=50% after=1ms count=5 until=2s "
      "thread=all",
      "sig=handled rate=20000Hz",
      "sig=SIGALRM on=malloc#37 +3us",
      "sig=SIGTERM after=5ms force; sig=SIGINT on=__printf_chk#2 thread=main",
  };
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    struct ss_schedule a, b;
    char err[256];
    assert_int_equal(parse(specs[i], &a, err), 0);
    assert_int_equal(parse(a.text, &b, err), 0);
    assert_memory_equal(a.w, b.w, sizeof a.w);
    assert_string_equal(a.text, b.text);
  }
}

static void test_random(void **state) {
  (void)state;
  /* the same seed gives the same schedule; it parses back to itself */
  for (uint64_t seed = 1; seed < 200; seed++) {
    struct ss_schedule a, b, c;
    uint64_t r1 = seed, r2 = seed;
    char err[256];
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    ss_schedule_random(&r1, 30000000, &a);
    ss_schedule_random(&r2, 30000000, &b);
    assert_string_equal(a.text, b.text);
    assert_int_equal(parse(a.text, &c, err), 0);
    assert_memory_equal(a.w, c.w, sizeof a.w);
  }
}

static void test_fn_names(void **state) {
  (void)state;
  assert_string_equal(ss_fn_name(SS_FN_malloc), "malloc");
  assert_int_equal(ss_fn_lookup("syslog"), SS_FN_syslog);
  assert_int_equal(ss_fn_lookup("nope"), -1);
  assert_string_equal(ss_fn_display(SS_FN___printf_chk), "printf");
  assert_string_equal(ss_fn_display(SS_FN___vsyslog_chk), "vsyslog");
  assert_string_equal(ss_fn_display(SS_FN_free), "free");
}

static void classify(enum ss_run_end end, int code, int sig, const char *err,
                     const char *want_kind, const char *want_detail) {
  ss_run r;
  memset(&r, 0, sizeof r);
  r.end = end;
  r.code = code;
  r.term_sig = sig;
  r.err = (char *)err;
  struct ss_schedule s;
  char e[256];
  parse("sig=SIGUSR1 rate=1kHz force", &s, e);
  char *kind, *detail;
  int got = ss_classify_end(&r, &s, &kind, &detail);
  if (!want_kind) {
    assert_int_equal(got, 0);
    return;
  }
  assert_int_equal(got, 1);
  assert_string_equal(kind, want_kind);
  if (!strstr(detail, want_detail))
    fail_msg("detail '%s' lacks '%s'", detail, want_detail);
  free(kind);
  free(detail);
}

static void test_classify(void **state) {
  (void)state;
  classify(SS_END_EXITED, 0, 0, "", NULL, NULL);
  classify(SS_END_EXITED, 3, 0, "usage: prog\n", NULL, NULL);
  classify(SS_END_SIGNALED, 0, SIGABRT,
           "log line\nmalloc(): corrupted top size\n", SS_KIND_HEAP_CORRUPTION,
           "malloc(): corrupted top size");
  classify(SS_END_SIGNALED, 0, SIGABRT,
           "free(): double free detected in tcache 2\n",
           SS_KIND_HEAP_CORRUPTION, "double free detected");
  classify(SS_END_SIGNALED, 0, SIGABRT, "double free or corruption (out)\n",
           SS_KIND_HEAP_CORRUPTION, "double free or corruption");
  /* sanitizer reports are sanparse's (test_sanparse), not the exit's */
  classify(
      SS_END_EXITED, 1, 0,
      "==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n",
      NULL, NULL);
  classify(SS_END_EXITED, 0, 0,
           "x.c:3:5: runtime error: signed integer overflow\n", NULL, NULL);
  classify(SS_END_SIGNALED, 0, SIGABRT,
           "Fatal glibc error: malloc assertion failure in sysmalloc: "
           "(old_top == initial_top (av) && old_size == 0)\n",
           SS_KIND_HEAP_CORRUPTION, "assertion failure in sysmalloc");
  classify(SS_END_SIGNALED, 0, SIGABRT, "realloc(): invalid next size\n",
           SS_KIND_HEAP_CORRUPTION, "invalid next size");
  classify(SS_END_SIGNALED, 0, SIGSEGV, "", SS_KIND_CRASH, "SIGSEGV");
  classify(SS_END_SIGNALED, 0, SIGUSR1, "", SS_KIND_DEFAULT_ACTION_DEATH,
           "SIGUSR1");
  classify(SS_END_TIMEOUT, 0, 0, "", SS_KIND_HANG, "timeout");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_durations), cmocka_unit_test(test_signals),
      cmocka_unit_test(test_windows),   cmocka_unit_test(test_errors),
      cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_random),
      cmocka_unit_test(test_fn_names),  cmocka_unit_test(test_classify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
