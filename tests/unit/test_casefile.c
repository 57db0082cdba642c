/* Unit tests: case files (host/casefile.h): a full case read and written
 * back, windows, argument quoting, every error with its "path:line:"
 * prefix, cases that cannot be written, the input check of ss_case_load,
 * ss_case_write and ss_case_resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/casefile.h"
#include "host/util.h"

static int parse(const char *text, ss_case *c, char *err, size_t errlen) {
  return ss_case_parse(text, strlen(text), "x.case", c, err, errlen);
}

static int is_zero(const ss_case *c) {
  static const ss_case zero;
  return memcmp(c, &zero, sizeof zero) == 0;
}

/* Text written back, read again and written again: the same text. */
static char *reformat(const ss_case *c) {
  char *t1 = ss_case_format(c);
  assert_non_null(t1);
  ss_case c2;
  char err[512];
  if (ss_case_parse(t1, strlen(t1), "y.case", &c2, err, sizeof err) < 0)
    fail_msg("written text does not read back: %s\n%s", err, t1);
  char *t2 = ss_case_format(&c2);
  assert_non_null(t2);
  assert_string_equal(t1, t2);
  free(t2);
  ss_case_free(&c2);
  return t1;
}

static const char full_text[] =
    "# a reproducer for the regreSSHion model\n"
    "sigstorm-case 1\n"
    "\n"
    "target targets/regresshion\n"
    "fixed  targets/regresshion_fixed\n"
    "args --packets 200 \"two words\" a\\ b \"q\\\"uote\" \"back\\\\slash\" "
    "\"\" \"#x\" 'single' tab\\\there c:\\\\dir\n"
    "input inputs/seed1.bin   \n"
    "env LANG=C\n"
    "env GREETING= hello  world\n"
    "env \t EMPTY=\n"
    "timeout 1500ms\n"
    "signal SIGALRM at=malloc#37+12i@main\n"
    "signal usr1 at=libc.so.6:free#2 thread=worker-1\n"
    "signal 34 at=libx.so:ns::f#1000000000+1000000i\n"
    "  expect reentrancy handler=grace_alarm_handler callee=syslog "
    "interrupted=malloc\n"
    "expect unsafe-call signal=14 handler=*\n"
    "expect crash signal=*\n"
    "note found by sweep on 2024-01-01, signature 0123456789abcdef\n"
    "note\n"
    "note   indented # not a comment\n";

static const char full_canonical[] =
    "sigstorm-case 1\n"
    "note found by sweep on 2024-01-01, signature 0123456789abcdef\n"
    "note\n"
    "note   indented # not a comment\n"
    "target targets/regresshion\n"
    "fixed targets/regresshion_fixed\n"
    "args --packets 200 \"two words\" \"a b\" \"q\\\"uote\" \"back\\\\slash\" "
    "\"\" \"#x\" 'single' \"tab\there\" \"c:\\\\dir\"\n"
    "input inputs/seed1.bin\n"
    "env LANG=C\n"
    "env GREETING= hello  world\n"
    "env EMPTY=\n"
    "timeout 1500ms\n"
    "signal SIGALRM at=malloc#37+12i@main\n"
    "signal SIGUSR1 at=libc.so.6:free#2+0i@worker-1\n"
    "signal SIGRTMIN+0 at=libx.so:ns::f#1000000000+1000000i\n"
    "expect reentrancy handler=grace_alarm_handler callee=syslog "
    "interrupted=malloc\n"
    "expect unsafe-call handler=* signal=SIGALRM\n"
    "expect crash\n";

static void test_full_roundtrip(void **state) {
  (void)state;
  ss_case c;
  char err[512] = "";
  if (ss_case_parse(full_text, strlen(full_text), "cases/x.case", &c, err,
                    sizeof err) < 0)
    fail_msg("%s", err);
  assert_string_equal(c.path, "cases/x.case");
  assert_string_equal(c.dir, "cases");
  assert_string_equal(c.target, "targets/regresshion");
  assert_int_equal(c.target_line, 4);
  assert_string_equal(c.fixed, "targets/regresshion_fixed");
  assert_int_equal(c.fixed_line, 5);
  const char *args[] = {"--packets", "200",         "two words", "a b",
                        "q\"uote",   "back\\slash", "",          "#x",
                        "'single'",  "tab\there",   "c:\\dir"};
  assert_int_equal(c.nargs, sizeof args / sizeof *args);
  for (int i = 0; i < c.nargs; i++)
    assert_string_equal(c.args[i], args[i]);
  assert_null(c.args[c.nargs]);
  assert_string_equal(c.input, "inputs/seed1.bin");
  assert_int_equal(c.input_line, 7);
  assert_int_equal(c.nenv, 3);
  assert_string_equal(c.env[0], "LANG=C");
  assert_string_equal(c.env[1], "GREETING= hello  world");
  assert_string_equal(c.env[2], "EMPTY=");
  assert_null(c.env[3]);
  assert_int_equal(c.timeout_ns, 1500000000ull);
  assert_int_equal(c.nsig, 3);
  assert_int_equal(c.sig[0].sig, SIGALRM);
  assert_null(c.sig[0].module);
  assert_string_equal(c.sig[0].func, "malloc");
  assert_int_equal(c.sig[0].k, 37);
  assert_int_equal(c.sig[0].n, 12);
  assert_string_equal(c.sig[0].thread, "main");
  assert_int_equal(c.sig[0].line, 12);
  assert_int_equal(c.sig[1].sig, SIGUSR1);
  assert_string_equal(c.sig[1].module, "libc.so.6");
  assert_string_equal(c.sig[1].func, "free");
  assert_int_equal(c.sig[1].k, 2);
  assert_int_equal(c.sig[1].n, 0);
  assert_string_equal(c.sig[1].thread, "worker-1");
  assert_int_equal(c.sig[2].sig, 34);
  assert_string_equal(c.sig[2].module, "libx.so");
  assert_string_equal(c.sig[2].func, "ns::f");
  assert_int_equal(c.sig[2].k, SS_CASE_MAX_K);
  assert_int_equal(c.sig[2].n, SS_CASE_MAX_N);
  assert_null(c.sig[2].thread);
  assert_int_equal(c.nexpect, 3);
  assert_string_equal(c.expect[0].kind, "reentrancy");
  assert_string_equal(c.expect[0].handler, "grace_alarm_handler");
  assert_string_equal(c.expect[0].callee, "syslog");
  assert_string_equal(c.expect[0].interrupted, "malloc");
  assert_int_equal(c.expect[0].sig, 0);
  assert_int_equal(c.expect[0].line, 15);
  assert_string_equal(c.expect[1].kind, "unsafe-call");
  assert_string_equal(c.expect[1].handler, "*");
  assert_null(c.expect[1].callee);
  assert_int_equal(c.expect[1].sig, SIGALRM);
  assert_string_equal(c.expect[2].kind, "crash");
  assert_int_equal(c.expect[2].sig, 0); /* signal=*: any */
  assert_int_equal(c.nnotes, 3);
  assert_string_equal(c.notes[0], "found by sweep on 2024-01-01, signature "
                                  "0123456789abcdef");
  assert_string_equal(c.notes[1], "");
  assert_string_equal(c.notes[2], "  indented # not a comment");

  char *text = reformat(&c);
  if (SIGRTMIN == 34)
    assert_string_equal(text, full_canonical);
  free(text);
  ss_case_free(&c);
  assert_true(is_zero(&c));
}

/* The smallest case; CRLF lines; no args line still gives an args vector. */
static void test_minimal(void **state) {
  (void)state;
  ss_case c;
  char err[256];
  const char *t = "sigstorm-case 1\r\ntarget t\r\nsignal 14 at=f#1\r\n";
  assert_int_equal(ss_case_parse(t, strlen(t), NULL, &c, err, sizeof err), 0);
  assert_null(c.path);
  assert_string_equal(c.dir, ".");
  assert_non_null(c.args);
  assert_int_equal(c.nargs, 0);
  assert_null(c.args[0]);
  assert_null(c.env);
  assert_int_equal(c.timeout_ns, 0);
  char *text = reformat(&c);
  assert_string_equal(text,
                      "sigstorm-case 1\ntarget t\nsignal SIGALRM at=f#1+0i\n");
  free(text);
  ss_case_free(&c);

  /* no final newline; an empty args line; the case at the root */
  t = "sigstorm-case 1\ntarget t\nargs\nsignal ALRM at=f#1";
  assert_int_equal(ss_case_parse(t, strlen(t), "/x.case", &c, err, sizeof err),
                   0);
  assert_string_equal(c.dir, "/");
  assert_int_equal(c.nargs, 0);
  ss_case_free(&c);

  /* a signal with no name of its own is written as its number */
  t = "sigstorm-case 1\ntarget t\nsignal 32 at=f#1\n";
  assert_int_equal(parse(t, &c, err, sizeof err), 0);
  text = reformat(&c);
  assert_non_null(strstr(text, "\nsignal 32 at=f#1+0i\n"));
  free(text);
  ss_case_free(&c);
}

struct win_case {
  const char *in, *module, *func;
  uint64_t k, n;
  const char *thread, *out;
};

static void test_windows(void **state) {
  (void)state;
  static const struct win_case ok[] = {
      {"malloc#37+12i", NULL, "malloc", 37, 12, NULL, "malloc#37+12i"},
      {"malloc#37", NULL, "malloc", 37, 0, NULL, "malloc#37+0i"},
      {"malloc#37+0i", NULL, "malloc", 37, 0, NULL, "malloc#37+0i"},
      {"libc.so.6:free#2+3i@main", "libc.so.6", "free", 2, 3, "main",
       "libc.so.6:free#2+3i@main"},
      {"f#1@worker_1.a-b", NULL, "f", 1, 0, "worker_1.a-b",
       "f#1+0i@worker_1.a-b"},
      {"lib:ns::f#1", "lib", "ns::f", 1, 0, NULL, "lib:ns::f#1+0i"},
      {"_ZN3foo3barEv#1000000000+1000000i@abcdefghijklmno", NULL,
       "_ZN3foo3barEv", SS_CASE_MAX_K, SS_CASE_MAX_N, "abcdefghijklmno",
       "_ZN3foo3barEv#1000000000+1000000i@abcdefghijklmno"},
      {"f#0x10+0x20i", NULL, "f", 16, 32, NULL, "f#16+32i"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    ss_case_window w;
    memset(&w, 0, sizeof w);
    w.sig = 7;
    w.line = 9;
    char err[256] = "", buf[256];
    if (ss_case_window_parse(ok[i].in, &w, err, sizeof err) < 0)
      fail_msg("%s: %s", ok[i].in, err);
    if (ok[i].module)
      assert_string_equal(w.module, ok[i].module);
    else
      assert_null(w.module);
    assert_string_equal(w.func, ok[i].func);
    assert_int_equal(w.k, ok[i].k);
    assert_int_equal(w.n, ok[i].n);
    if (ok[i].thread)
      assert_string_equal(w.thread, ok[i].thread);
    else
      assert_null(w.thread);
    assert_int_equal(w.sig, 7); /* untouched */
    assert_int_equal(w.line, 9);
    ss_case_window_format(&w, buf, sizeof buf);
    assert_string_equal(buf, ok[i].out);
    free(w.module);
    free(w.func);
    free(w.thread);
  }

  static const char *const bad[][2] = {
      {"malloc#0+3i", "at=malloc#0+3i: K must be 1 to 1000000000"},
      {"malloc#1000000001", "K must be 1 to 1000000000"},
      {"malloc#x", "K must be 1 to 1000000000"},
      {"malloc#-1", "K must be 1 to 1000000000"},
      {"malloc#", "K must be 1 to 1000000000"},
      {"f#1+2000000i", "N 2000000 out of range (0 to 1000000)"},
      {"f#1+99999999999999999999999i", "out of range (0 to 1000000)"},
      {"f#1+5", "expected +Ni"},
      {"f#1+i", "expected +Ni"},
      {"f#1+-1i", "expected +Ni"},
      {"malloc", "expected [MODULE:]FUNC#K"},
      {"", "expected [MODULE:]FUNC#K"},
      {"#1", "bad function name ''"},
      {":f#1", "bad module name ''"},
      {"m:#1", "bad function name ''"},
      {"a b#1", "bad function name 'a b'"},
      {"f@main#1", "expected [MODULE:]FUNC#K"},
      {"f#1@", "bad thread name ''"},
      {"f#1@abcdefghijklmnop", "bad thread name 'abcdefghijklmnop'"},
      {"f#1@a/b", "bad thread name 'a/b'"},
      {"f#1@a@b", "bad thread name 'a@b'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ss_case_window w;
    memset(&w, 0, sizeof w);
    char err[256] = "";
    assert_int_equal(ss_case_window_parse(bad[i][0], &w, err, sizeof err), -1);
    if (!strstr(err, bad[i][1]))
      fail_msg("at=%s: got '%s', want '%s'", bad[i][0], err, bad[i][1]);
    assert_null(w.func);
    assert_null(w.module);
    assert_null(w.thread);
  }
  ss_case_window w = {.func = "f", .k = 1, .n = 2};
  char small[5];
  ss_case_window_format(&w, small, sizeof small); /* truncates, terminated */
  assert_string_equal(small, "f#1+");
}

struct err_case {
  const char *text;
  const char *want; /* the whole message, or its start when ends with ... */
};

#define HDR "sigstorm-case 1\n"
#define TGT "target t\n"
#define SIG "signal SIGALRM at=f#1\n"

static void check_error(const char *text, size_t len, const char *path,
                        const char *want) {
  ss_case c;
  char err[512] = "";
  memset(&c, 0x5a, sizeof c);
  int rc = ss_case_parse(text, len, path, &c, err, sizeof err);
  if (rc != -1)
    fail_msg("accepted: %s", text);
  assert_true(is_zero(&c)); /* nothing left to free */
  assert_null(strchr(err, '\n'));
  size_t wl = strlen(want);
  int prefix = wl > 3 && strcmp(want + wl - 3, "...") == 0;
  if (prefix ? strncmp(err, want, wl - 3) != 0 : strcmp(err, want) != 0)
    fail_msg("got  '%s'\nwant '%s'", err, want);
}

static void test_errors(void **state) {
  (void)state;
  static const struct err_case cases[] = {
      {"sigstorm-case 7\n" TGT SIG,
       "x.case:1: unknown version 7 (this sigstorm reads sigstorm-case 1)"},
      {"# c\n\nsigstorm-case x\n",
       "x.case:3: sigstorm-case: expected a version number..."},
      {HDR TGT "\ntagret t\n" SIG, "x.case:4: unknown keyword 'tagret' ..."},
      {HDR TGT "\n\nsignal SIGALRM at=malloc#0+3i\n",
       "x.case:5: at=malloc#0+3i: K must be 1 to 1000000000"},
      {HDR TGT "\n\nsignal SIGALRM at=malloc#1+2000000i\n",
       "x.case:5: N 2000000 out of range (0 to 1000000)"},
      {HDR SIG, "x.case:2: no 'target' line..."},
      {TGT HDR SIG, "x.case:1: not a sigstorm case file: the first line must "
                    "be 'sigstorm-case 1', not 'target'"},
      {"", "x.case:1: not a sigstorm case file: no 'sigstorm-case 1' line"},
      {"# only\n# comments\n", "x.case:2: not a sigstorm case file..."},
      {HDR "sigstorm-case 1\n", "x.case:2: sigstorm-case given twice..."},
      {HDR TGT, "x.case:2: no 'signal' line..."},
      {HDR TGT "target u\n" SIG,
       "x.case:3: target given twice (first on line 2)"},
      {HDR TGT "fixed a\nfixed b\n" SIG,
       "x.case:4: fixed given twice (first on line 3)"},
      {HDR TGT "args a\n" SIG "args b\n",
       "x.case:5: args given twice (first on line 3)"},
      {HDR TGT "args\nargs\n" SIG,
       "x.case:4: args given twice (first on line 3)"},
      {HDR TGT "input a\ninput b\n" SIG,
       "x.case:4: input given twice (first on line 3)"},
      {HDR TGT "timeout 1s\ntimeout 2s\n" SIG,
       "x.case:4: timeout given twice (first on line 3)"},
      {HDR "target\n" SIG, "x.case:2: target: expected a path"},
      {HDR TGT SIG SIG SIG SIG SIG SIG SIG SIG SIG,
       "x.case:11: too many signal lines (at most 8)"},
      {HDR TGT SIG "expect crash foo=bar\n",
       "x.case:4: expect: unknown key 'foo' (keys: handler, callee, "
       "interrupted, signal)"},
      {HDR TGT SIG "expect crash handler=a handler=b\n",
       "x.case:4: expect: handler given twice"},
      {HDR TGT SIG "expect crash signal=* signal=1\n",
       "x.case:4: expect: signal given twice"},
      {HDR TGT SIG "expect crash handler=\n",
       "x.case:4: expect: 'handler=': expected KEY=VALUE"},
      {HDR TGT SIG "expect crash handler\n",
       "x.case:4: expect: 'handler': expected KEY=VALUE"},
      {HDR TGT SIG "expect crahs\n",
       "x.case:4: expect: unknown finding kind 'crahs' (kinds: unsafe-call, "
       "reentrancy, errno-clobber, heap-corruption, sanitizer, crash, "
       "deadlock, hang, default-action-death, eintr)"},
      {HDR TGT SIG "expect\n", "x.case:4: expect: expected a finding kind..."},
      {HDR TGT SIG "expect crash signal=SIGNOPE\n",
       "x.case:4: expect: unknown signal 'SIGNOPE'"},
      {HDR TGT "signal SIGFOO at=f#1\n", "x.case:3: unknown signal 'SIGFOO'"},
      {HDR TGT "signal 0 at=f#1\n", "x.case:3: unknown signal '0'"},
      {HDR TGT "signal SIGRTMIN+99999999999999999999 at=f#1\n",
       "x.case:3: unknown signal 'SIGRTMIN+99999999999999999999'"},
      {HDR TGT "signal\n", "x.case:3: signal: expected 'signal SIG..."},
      {HDR TGT "signal SIGALRM\n",
       "x.case:3: signal SIGALRM: no at=FUNC#K+Ni window"},
      {HDR TGT "signal SIGALRM at=f#1 at=g#1\n",
       "x.case:3: signal: at= given twice"},
      {HDR TGT "signal SIGALRM at=f#1 oops\n",
       "x.case:3: signal: unexpected 'oops'..."},
      {HDR TGT "signal SIGALRM at=f#1@main thread=main\n",
       "x.case:3: signal: the thread given twice (@main and thread=main)"},
      {HDR TGT "signal SIGALRM thread=a thread=b at=f#1\n",
       "x.case:3: signal: thread= given twice"},
      {HDR TGT "signal SIGALRM at=f#1 thread=this-is-too-long\n",
       "x.case:3: thread=this-is-too-long: bad thread name (1 to 15 of A-Z "
       "a-z 0-9 _ . -)"},
      {HDR TGT "signal SIGALRM at=f#1@a*b\n",
       "x.case:3: at=f#1@a*b: bad thread name 'a*b'..."},
      {HDR TGT "signal SIGALRM at=:f#1\n",
       "x.case:3: at=:f#1: bad module name ''..."},
      {HDR TGT "signal SIGALRM at=#1\n",
       "x.case:3: at=#1: bad function name ''..."},
      {HDR TGT "signal SIGALRM at=f\n",
       "x.case:3: at=f: expected [MODULE:]FUNC#K[+Ni][@THREAD]"},
      {HDR TGT "args \"open\n" SIG,
       "x.case:3: args: a \" without its closing \""},
      {HDR TGT "args a\\\n" SIG, "x.case:3: args: a \\ at the end of the..."},
      {HDR TGT "env 1X=2\n" SIG, "x.case:3: env: bad variable name '1X'..."},
      {HDR TGT "env A-B=2\n" SIG, "x.case:3: env: bad variable name 'A-B'..."},
      {HDR TGT "env =2\n" SIG, "x.case:3: env: bad variable name ''..."},
      {HDR TGT "env X\n" SIG, "x.case:3: env: expected NAME=VALUE"},
      {HDR TGT "timeout 0\n" SIG, "x.case:3: timeout '0': expected a..."},
      {HDR TGT "timeout 10\n" SIG, "x.case:3: timeout '10': expected a..."},
      {HDR TGT "timeout\n" SIG, "x.case:3: timeout '': expected a..."},
      {HDR TGT "note a\x01"
               "b\n" SIG,
       "x.case:3: control character 0x01 in the text (only tab is allowed)"},
      {HDR TGT "note a\rb\n" SIG, "x.case:3: control character 0x0d..."},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    check_error(cases[i].text, strlen(cases[i].text), "x.case", cases[i].want);

  /* a NUL byte (the text has a length, not a terminator) */
  static const char nul[] = HDR TGT "note a\0b\n" SIG;
  check_error(nul, sizeof nul - 1, "x.case",
              "x.case:3: a NUL byte in the text");

  /* no path: "<case>" */
  check_error("target t\n", 9, NULL, "<case>:1: not a sigstorm case file...");

  /* a line longer than SS_CASE_MAX_LINE; one exactly that long is fine */
  size_t big = SS_CASE_MAX_LINE + 200;
  char *t = malloc(big + 64);
  assert_non_null(t);
  int n = snprintf(t, 64, HDR TGT SIG "note ");
  memset(t + n, 'a', SS_CASE_MAX_LINE - 5);
  t[n + SS_CASE_MAX_LINE - 5] = '\0';
  ss_case c;
  char err[512];
  assert_int_equal(parse(t, &c, err, sizeof err), 0);
  ss_case_free(&c);
  strcat(t, "a\n");
  check_error(t, strlen(t), "x.case", "x.case:4: line longer than 4096 bytes");

  /* args whose quoting would not fit in one line when written back */
  n = snprintf(t, 64, HDR TGT SIG "args");
  while ((size_t)n + 3 < SS_CASE_MAX_LINE)
    n += snprintf(t + n, 4, " \\\"");
  check_error(t, (size_t)n, "x.case",
              "x.case:4: args: longer than 4096 bytes when written back");
  free(t);
}

static void test_args_quoting(void **state) {
  (void)state;
  static const char *const tricky[] = {
      "",   " ", "a b",   "a\tb", "q\"uote", "back\\", "\\\"", "#",    "a#b",
      "\"", "'", "$HOME", "-x=1", "é",       "\\\\",   "  ",   "end\\"};
  ss_case c;
  memset(&c, 0, sizeof c);
  c.target = "t";
  c.nsig = 1;
  c.sig[0] = (ss_case_window){.sig = SIGALRM, .func = "f", .k = 1};
  c.args = (char **)tricky;
  c.nargs = sizeof tricky / sizeof *tricky;
  char *text = ss_case_format(&c);
  assert_non_null(text);
  ss_case back;
  char err[256];
  if (parse(text, &back, err, sizeof err) < 0)
    fail_msg("%s\n%s", err, text);
  assert_int_equal(back.nargs, c.nargs);
  for (int i = 0; i < c.nargs; i++)
    assert_string_equal(back.args[i], tricky[i]);
  ss_case_free(&back);
  free(text);

  /* how words are split */
  static const struct {
    const char *line;
    int n;
    const char *w[4];
  } split[] = {
      {"args a  b\tc", 3, {"a", "b", "c"}},
      {"args \"a\"b\" c\"", 1, {"ab c"}},
      {"args \"in \\x\" out\\x", 2, {"in \\x", "outx"}},
      {"args \"\" \"\"", 2, {"", ""}},
      {"args a\\ b \\\"", 2, {"a b", "\""}},
      {"args \t ", 0, {NULL}},
  };
  for (size_t i = 0; i < sizeof split / sizeof *split; i++) {
    char t[256];
    snprintf(t, sizeof t, HDR TGT SIG "%s\n", split[i].line);
    if (parse(t, &back, err, sizeof err) < 0)
      fail_msg("%s: %s", split[i].line, err);
    assert_int_equal(back.nargs, split[i].n);
    for (int j = 0; j < split[i].n; j++)
      assert_string_equal(back.args[j], split[i].w[j]);
    ss_case_free(&back);
  }
}

/* Cases built in memory that could not be read back: NULL and errno. */
static void test_format_invalid(void **state) {
  (void)state;
  ss_case c;
  char *bad_note[] = {"two\nlines"}, *trail_note[] = {"x "};
  char *nl_arg[] = {"a\nb"}, *bad_env[] = {"1X=2"}, *nl_env[] = {"X=a\nb"};
  char *long_arg[] = {NULL};
  ss_case_expect bad_kind = {.kind = "nope"};
  ss_case_expect blank_val = {.kind = "crash", .handler = "a b"};
  for (int i = 0; i < 17; i++) {
    memset(&c, 0, sizeof c);
    c.target = "t";
    c.nsig = 1;
    c.sig[0] = (ss_case_window){.sig = SIGALRM, .func = "f", .k = 1};
    int want = EINVAL;
    switch (i) {
    case 0:
      c.target = NULL;
      break;
    case 1:
      c.nsig = 0;
      break;
    case 2:
      c.notes = bad_note;
      c.nnotes = 1;
      break;
    case 3:
      c.notes = trail_note;
      c.nnotes = 1;
      break;
    case 4:
      c.args = nl_arg;
      c.nargs = 1;
      break;
    case 5:
      c.env = bad_env;
      c.nenv = 1;
      break;
    case 6:
      c.env = nl_env;
      c.nenv = 1;
      break;
    case 7:
      c.expect = &bad_kind;
      c.nexpect = 1;
      break;
    case 8:
      c.expect = &blank_val;
      c.nexpect = 1;
      break;
    case 9:
      c.sig[0].func = "ns::f"; /* would read as MODULE ns */
      break;
    case 10:
      c.sig[0].k = 0;
      break;
    case 11:
      c.sig[0].n = SS_CASE_MAX_N + 1;
      break;
    case 12:
      c.sig[0].thread = "much-too-long-thread";
      break;
    case 13:
      c.sig[0].sig = 0;
      break;
    case 14:
      c.target = " leading";
      break;
    case 15:
      c.timeout_ns = (1ull << 63) + 1; /* no duration text reads back */
      break;
    case 16:
      long_arg[0] = malloc(SS_CASE_MAX_LINE + 1);
      assert_non_null(long_arg[0]);
      memset(long_arg[0], 'a', SS_CASE_MAX_LINE);
      long_arg[0][SS_CASE_MAX_LINE] = '\0';
      c.args = long_arg;
      c.nargs = 1;
      want = E2BIG;
      break;
    }
    errno = 0;
    char *text = ss_case_format(&c);
    if (text)
      fail_msg("case %d written:\n%s", i, text);
    assert_int_equal(errno, want);
  }
  free(long_arg[0]);
}

static char *tmpdir(void) {
  char t[] = "/tmp/test_casefile.XXXXXX";
  char *d = mkdtemp(t);
  assert_non_null(d);
  return strdup(d);
}

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(chmod(path, mode), 0);
}

static void rm_tree(const char *dir) {
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* input: checked by ss_case_load, relative to the case's folder. */
static void test_load_input(void **state) {
  (void)state;
  char *d = tmpdir();
  char path[PATH_MAX], in[PATH_MAX], err[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/x.case", d);
  write_file(path, HDR TGT "input nope.bin\n" SIG, 0644);
  ss_case c;
  assert_int_equal(ss_case_load(path, &c, err, sizeof err), -1);
  assert_true(is_zero(&c));
  char want[PATH_MAX + 128];
  snprintf(want, sizeof want,
           "%s:3: input 'nope.bin': No such file or directory", path);
  assert_string_equal(err, want);

  /* present in the case's folder (not the current one): fine */
  snprintf(in, sizeof in, "%s/nope.bin", d);
  write_file(in, "data", 0644);
  if (ss_case_load(path, &c, err, sizeof err) < 0)
    fail_msg("%s", err);
  assert_string_equal(c.input, "nope.bin");
  assert_string_equal(c.dir, d);
  ss_case_free(&c);

  /* a folder is not an input */
  write_file(path, HDR TGT "input .\n" SIG, 0644);
  assert_int_equal(ss_case_load(path, &c, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s:3: input '.': Is a directory", path);
  assert_string_equal(err, want);

  /* the same case through ss_case_parse: no input check there */
  const char *t = HDR TGT "input nope-either.bin\n" SIG;
  assert_int_equal(ss_case_parse(t, strlen(t), path, &c, err, sizeof err), 0);
  ss_case_free(&c);

  /* a parse error through ss_case_load; a missing case file */
  write_file(path, HDR "tagret t\n", 0644);
  assert_int_equal(ss_case_load(path, &c, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s:2: unknown keyword 'tagret'", path);
  assert_memory_equal(err, want, strlen(want));
  snprintf(path, sizeof path, "%s/missing.case", d);
  assert_int_equal(ss_case_load(path, &c, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: No such file or directory", path);
  assert_string_equal(err, want);
  assert_int_equal(ss_case_load(d, &c, err, sizeof err), -1);
  assert_non_null(strstr(err, "Is a directory"));
  rm_tree(d);
  free(d);
}

static void test_write(void **state) {
  (void)state;
  char *d = tmpdir();
  char path[PATH_MAX], err[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/w.case", d);
  ss_case c;
  assert_int_equal(ss_case_parse(full_text, strlen(full_text), "x.case", &c,
                                 err, sizeof err),
                   0);
  assert_int_equal(ss_case_write(path, &c), 0);
  assert_int_equal(ss_case_write(path, &c), 0); /* replaces */
  size_t len;
  char *text = ss_read_file(path, &len);
  char *want = ss_case_format(&c);
  assert_string_equal(text, want);
  free(text);
  free(want);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0644);
  /* nothing but the case is left in the folder */
  DIR *dir = opendir(d);
  assert_non_null(dir);
  int files = 0;
  for (struct dirent *e; (e = readdir(dir));)
    if (e->d_name[0] != '.') {
      assert_string_equal(e->d_name, "w.case");
      files++;
    }
  closedir(dir);
  assert_int_equal(files, 1);

  /* a case that cannot be written: no file, errno, no leftovers */
  c.nsig = 0;
  snprintf(path, sizeof path, "%s/bad.case", d);
  errno = 0;
  assert_int_equal(ss_case_write(path, &c), -1);
  assert_int_equal(errno, EINVAL);
  assert_int_not_equal(access(path, F_OK), 0);
  c.nsig = 3;
  snprintf(path, sizeof path, "%s/no/such/dir/x.case", d);
  assert_int_equal(ss_case_write(path, &c), -1);
  assert_int_equal(errno, ENOENT);
  ss_case_free(&c);
  rm_tree(d);
  free(d);
}

static void test_resolve(void **state) {
  (void)state;
  char *d = tmpdir();
  char p[PATH_MAX], casep[PATH_MAX], other[PATH_MAX], err[256];
  snprintf(p, sizeof p, "%s/cases", d);
  assert_int_equal(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/cases/prog", d);
  write_file(p, "#!/bin/sh\n", 0755);
  snprintf(p, sizeof p, "%s/cases/data", d);
  write_file(p, "x", 0644);
  snprintf(p, sizeof p, "%s/cases/sub", d);
  assert_int_equal(mkdir(p, 0755), 0);
  snprintf(other, sizeof other, "%s/other", d);
  assert_int_equal(mkdir(other, 0755), 0);
  snprintf(p, sizeof p, "%s/other/tool", d);
  write_file(p, "#!/bin/sh\n", 0755);
  snprintf(casep, sizeof casep, "%s/cases/x.case", d);
  ss_case c;
  const char *t = HDR TGT SIG;
  assert_int_equal(ss_case_parse(t, strlen(t), casep, &c, err, sizeof err), 0);

  char *r = ss_case_resolve(&c, "prog", NULL, 0); /* the case's folder */
  snprintf(p, sizeof p, "%s/cases/prog", d);
  assert_non_null(r);
  assert_string_equal(r, p);
  free(r);
  r = ss_case_resolve(&c, p, NULL, 0); /* absolute */
  assert_string_equal(r, p);
  free(r);
  const char *dirs[] = {"/nonexistent", other};
  r = ss_case_resolve(&c, "tool", dirs, 2); /* the extra folders */
  snprintf(p, sizeof p, "%s/other/tool", d);
  assert_non_null(r);
  assert_string_equal(r, p);
  free(r);
  assert_null(ss_case_resolve(&c, "tool", NULL, 0));
  assert_null(ss_case_resolve(&c, "data", dirs, 2)); /* not executable */
  assert_null(ss_case_resolve(&c, "sub", dirs, 2));  /* a folder */
  assert_null(ss_case_resolve(&c, "/nonexistent/prog", dirs, 2));
  assert_null(ss_case_resolve(&c, "", dirs, 2));
  assert_null(ss_case_resolve(&c, NULL, dirs, 2));
  ss_case_free(&c);

  /* the current directory, after the case's */
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(other), 0);
  assert_int_equal(ss_case_parse(t, strlen(t), casep, &c, err, sizeof err), 0);
  r = ss_case_resolve(&c, "tool", NULL, 0);
  assert_non_null(r);
  assert_string_equal(r, "tool");
  free(r);
  ss_case_free(&c);
  assert_int_equal(chdir(cwd), 0);
  rm_tree(d);
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_roundtrip),
      cmocka_unit_test(test_minimal),
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_args_quoting),
      cmocka_unit_test(test_format_invalid),
      cmocka_unit_test(test_load_input),
      cmocka_unit_test(test_write),
      cmocka_unit_test(test_resolve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
