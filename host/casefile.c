/* casefile.c: reproducer ("case") files (see casefile.h).
 *
 * One rule keeps reading and writing honest: whatever ss_case_parse accepts,
 * ss_case_format writes back as text that parses to an equal case (the fuzz
 * target tests/fuzz/fuzz_casefile.c checks exactly that). So the checks on a
 * value live in one place (the ss_ok_* functions) and both sides use them,
 * and the parser refuses a line whose canonical form would not fit in
 * SS_CASE_MAX_LINE when written back. */
#include "casefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/finding.h"
#include "util.h"

static const char *const ss_case_kinds[] = {"unsafe-call",
                                            "reentrancy",
                                            "errno-clobber",
                                            "heap-corruption",
                                            "sanitizer",
                                            "crash",
                                            "deadlock",
                                            "hang",
                                            "default-action-death",
                                            "eintr"};
#define SS_KINDS_TEXT                                                          \
  "unsafe-call, reentrancy, errno-clobber, heap-corruption, sanitizer, "       \
  "crash, deadlock, hang, default-action-death, eintr"
#define SS_THREAD_RULE "1 to 15 of A-Z a-z 0-9 _ . -"

/* ---- values: what a field may hold ----------------------------------- */

static int ss_is_sep(char ch) {
  return ch == ' ' || ch == '\t';
}
/* A control character other than tab: never part of a case file. */
static int ss_is_ctl(char ch) {
  unsigned char u = (unsigned char)ch;
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

/* Free text (note, env value): no control characters but tab; nothing the
 * parser would trim from the end of the line. With lead, no leading blanks
 * either (and not empty): target, fixed, input. */
static int ss_ok_text(const char *s, int lead) {
  if (!s || (lead && (!*s || ss_is_sep(*s))))
    return 0;
  size_t n = strlen(s);
  if (n && ss_is_sep(s[n - 1]))
    return 0;
  for (; *s; s++)
    if (ss_is_ctl(*s))
      return 0;
  return 1;
}

/* One word: not empty, no blanks, no control characters, none of bad. */
static int ss_ok_word(const char *s, const char *bad) {
  if (!s || !*s)
    return 0;
  for (; *s; s++)
    if (ss_is_sep(*s) || ss_is_ctl(*s) || strchr(bad, *s))
      return 0;
  return 1;
}

/* MODULE of MODULE:FUNC; the first ':' splits, so a module has none. */
static int ss_ok_module(const char *s) {
  return ss_ok_word(s, "#@:");
}
/* FUNC may hold a ':' only after a MODULE: (else it would split). */
static int ss_ok_func(const char *s, int has_module) {
  return ss_ok_word(s, has_module ? "#@" : "#@:");
}

static int ss_ok_thread(const char *s) {
  size_t n = 0;
  for (; s && s[n]; n++) {
    char ch = s[n];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
      return 0;
  }
  return n >= 1 && n <= 15;
}

/* NAME of NAME=VALUE: [A-Za-z_][A-Za-z0-9_]*, n bytes. */
static int ss_ok_env_name(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
    return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '_'))
      return 0;
  }
  return 1;
}

static int ss_ok_env(const char *s) {
  const char *eq = s ? strchr(s, '=') : NULL;
  return eq && ss_ok_env_name(s, (size_t)(eq - s)) && ss_ok_text(eq + 1, 0);
}

/* An argument: anything but control characters (quoting does the rest). */
static int ss_ok_arg(const char *s) {
  if (!s)
    return 0;
  for (; *s; s++)
    if (ss_is_ctl(*s))
      return 0;
  return 1;
}

static int ss_ok_kind(const char *k) {
  for (size_t i = 0; k && i < sizeof ss_case_kinds / sizeof *ss_case_kinds; i++)
    if (strcmp(k, ss_case_kinds[i]) == 0)
      return 1;
  return 0;
}

/* ss_signal_parse with a length cap (no real name is longer; a longer one
 * could overflow its RTMIN+N arithmetic). 0 if not a signal. */
static int ss_sig_parse(const char *s) {
  return strlen(s) <= 16 ? ss_signal_parse(s) : 0;
}

/* The text written for sig: its name, or its number when the name does not
 * read back (SIG32); NULL when neither does. */
static const char *ss_sig_text(int sig, char buf[24]) {
  if (sig <= 0)
    return NULL;
  const char *name = ss_signal_name(sig, buf);
  if (ss_sig_parse(name) == sig)
    return name;
  snprintf(buf, 24, "%d", sig);
  return ss_sig_parse(buf) == sig ? buf : NULL;
}

static int ss_ok_window(const ss_case_window *w) {
  return ss_ok_func(w->func, w->module != NULL) &&
         (!w->module || ss_ok_module(w->module)) && w->k >= 1 &&
         w->k <= SS_CASE_MAX_K && w->n <= SS_CASE_MAX_N &&
         (!w->thread || ss_ok_thread(w->thread));
}

/* ---- writing ----------------------------------------------------------- */

struct ss_buf {
  char *p;
  size_t n, cap;
  size_t line_start; /* offset where the current line begins */
  int err;           /* 0, ENOMEM, EINVAL (cannot be written) or E2BIG */
};

static void ss_fail_buf(struct ss_buf *b, int e) {
  if (!b->err)
    b->err = e;
}

static void ss_put(struct ss_buf *b, const char *s, size_t n) {
  if (b->err)
    return;
  if (n + 1 > b->cap - b->n) {
    size_t cap = b->cap ? b->cap : 256;
    while (n + 1 > cap - b->n)
      cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->err = ENOMEM;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void ss_puts(struct ss_buf *b, const char *s) {
  ss_put(b, s, strlen(s));
}

/* Ends the line; one longer than SS_CASE_MAX_LINE could not be read back. */
static void ss_endline(struct ss_buf *b) {
  if (!b->err && b->n - b->line_start > SS_CASE_MAX_LINE)
    b->err = E2BIG;
  ss_put(b, "\n", 1);
  b->line_start = b->n;
}

static void ss_put_u64(struct ss_buf *b, uint64_t v) {
  char t[24];
  snprintf(t, sizeof t, "%llu", (unsigned long long)v);
  ss_puts(b, t);
}

/* KEYWORD VALUE, for values that are free text. */
static void ss_fmt_text(struct ss_buf *b, const char *kw, const char *v,
                        int lead) {
  if (!ss_ok_text(v, lead)) {
    ss_fail_buf(b, EINVAL);
    return;
  }
  ss_puts(b, kw);
  if (*v) { /* an empty note: no blank at the end of the line */
    ss_puts(b, " ");
    ss_puts(b, v);
  }
  ss_endline(b);
}

/* An argument as one word: as is, or in "..." with \" and \\. */
static void ss_put_arg(struct ss_buf *b, const char *a) {
  if (*a && !strpbrk(a, " \t\"\\#")) {
    ss_puts(b, a);
    return;
  }
  ss_puts(b, "\"");
  for (; *a; a++) {
    if (*a == '"' || *a == '\\')
      ss_puts(b, "\\");
    ss_put(b, a, 1);
  }
  ss_puts(b, "\"");
}

static void ss_fmt_args(struct ss_buf *b, char *const *args, int nargs) {
  if (nargs <= 0)
    return;
  if (!args) {
    ss_fail_buf(b, EINVAL);
    return;
  }
  ss_puts(b, "args");
  for (int i = 0; i < nargs; i++) {
    if (!ss_ok_arg(args[i])) {
      ss_fail_buf(b, EINVAL);
      return;
    }
    ss_puts(b, " ");
    ss_put_arg(b, args[i]);
  }
  ss_endline(b);
}

static void ss_put_window(struct ss_buf *b, const ss_case_window *w) {
  if (w->module) {
    ss_puts(b, w->module);
    ss_puts(b, ":");
  }
  ss_puts(b, w->func);
  ss_puts(b, "#");
  ss_put_u64(b, w->k);
  ss_puts(b, "+");
  ss_put_u64(b, w->n);
  ss_puts(b, "i");
  if (w->thread) {
    ss_puts(b, "@");
    ss_puts(b, w->thread);
  }
}

static void ss_fmt_signal(struct ss_buf *b, const ss_case_window *w) {
  char sb[24];
  const char *name = ss_sig_text(w->sig, sb);
  if (!name || !ss_ok_window(w)) {
    ss_fail_buf(b, EINVAL);
    return;
  }
  ss_puts(b, "signal ");
  ss_puts(b, name);
  ss_puts(b, " at=");
  ss_put_window(b, w);
  ss_endline(b);
}

static void ss_fmt_expect(struct ss_buf *b, const ss_case_expect *e) {
  const char *keys[3] = {"handler", "callee", "interrupted"};
  const char *vals[3] = {e->handler, e->callee, e->interrupted};
  char sb[24];
  const char *sig = e->sig ? ss_sig_text(e->sig, sb) : NULL;
  if (!ss_ok_kind(e->kind) || (e->sig && !sig)) {
    ss_fail_buf(b, EINVAL);
    return;
  }
  ss_puts(b, "expect ");
  ss_puts(b, e->kind);
  for (int i = 0; i < 3; i++) {
    if (!vals[i])
      continue;
    if (!ss_ok_word(vals[i], "")) {
      ss_fail_buf(b, EINVAL);
      return;
    }
    ss_puts(b, " ");
    ss_puts(b, keys[i]);
    ss_puts(b, "=");
    ss_puts(b, vals[i]);
  }
  if (sig) {
    ss_puts(b, " signal=");
    ss_puts(b, sig);
  }
  ss_endline(b);
}

static void ss_fmt_timeout(struct ss_buf *b, uint64_t ns) {
  char d[32];
  uint64_t back;
  ss_format_duration(ns, d, sizeof d);
  if (ss_parse_duration(d, &back) < 0 || back != ns) {
    ss_fail_buf(b, EINVAL);
    return;
  }
  ss_puts(b, "timeout ");
  ss_puts(b, d);
  ss_endline(b);
}

char *ss_case_format(const ss_case *c) {
  struct ss_buf b = {0};
  char v[24];
  snprintf(v, sizeof v, "sigstorm-case %d", SS_CASE_VERSION);
  ss_puts(&b, v);
  ss_endline(&b);
  if (c->nnotes > 0 && !c->notes)
    ss_fail_buf(&b, EINVAL);
  for (int i = 0; i < c->nnotes && !b.err; i++)
    ss_fmt_text(&b, "note", c->notes[i], 0);
  ss_fmt_text(&b, "target", c->target, 1);
  if (c->fixed)
    ss_fmt_text(&b, "fixed", c->fixed, 1);
  ss_fmt_args(&b, c->args, c->nargs);
  if (c->input)
    ss_fmt_text(&b, "input", c->input, 1);
  if (c->nenv > 0 && !c->env)
    ss_fail_buf(&b, EINVAL);
  for (int i = 0; i < c->nenv && !b.err; i++) {
    if (!ss_ok_env(c->env[i]))
      ss_fail_buf(&b, EINVAL);
    ss_fmt_text(&b, "env", c->env[i], 0);
  }
  if (c->timeout_ns)
    ss_fmt_timeout(&b, c->timeout_ns);
  if (c->nsig < 1 || c->nsig > SS_CASE_MAX_SIGNALS)
    ss_fail_buf(&b, EINVAL);
  for (int i = 0; i < c->nsig && !b.err; i++)
    ss_fmt_signal(&b, &c->sig[i]);
  if (c->nexpect > 0 && !c->expect)
    ss_fail_buf(&b, EINVAL);
  for (int i = 0; i < c->nexpect && !b.err; i++)
    ss_fmt_expect(&b, &c->expect[i]);
  if (b.err) {
    free(b.p);
    errno = b.err;
    return NULL;
  }
  return b.p;
}

void ss_case_window_format(const ss_case_window *w, char *buf, size_t cap) {
  if (!cap)
    return;
  snprintf(buf, cap, "%s%s%s#%llu+%llui%s%s", w->module ? w->module : "",
           w->module ? ":" : "", w->func ? w->func : "?",
           (unsigned long long)w->k, (unsigned long long)w->n,
           w->thread ? "@" : "", w->thread ? w->thread : "");
}

int ss_case_write(const char *path, const ss_case *c) {
  char *text = ss_case_format(c);
  if (!text)
    return -1;
  char *tmp = NULL;
  if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
    free(text);
    errno = ENOMEM;
    return -1;
  }
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    free(text);
    errno = e;
    return -1;
  }
  int e = 0;
  size_t len = strlen(text), off = 0;
  while (off < len && !e) {
    ssize_t w = write(fd, text + off, len - off);
    if (w > 0)
      off += (size_t)w;
    else if (w < 0 && errno != EINTR)
      e = errno;
    else if (w == 0)
      e = EIO;
  }
  if (!e && fchmod(fd, 0644) < 0)
    e = errno;
  if (!e && fsync(fd) < 0)
    e = errno;
  if (close(fd) < 0 && !e)
    e = errno;
  if (!e && rename(tmp, path) < 0)
    e = errno;
  if (e) {
    unlink(tmp);
  } else {
    /* the rename itself survives a crash once the folder is synced */
    const char *slash = strrchr(path, '/');
    char *dir = slash
                    ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
    free(dir);
  }
  free(tmp);
  free(text);
  if (e) {
    errno = e;
    return -1;
  }
  return 0;
}

/* ---- parsing ----------------------------------------------------------- */

/* Formats into err, control characters shown as '?': always one line. */
static void ss_verrf(char *err, size_t errlen, size_t off, const char *fmt,
                     va_list ap) {
  if (!err || off >= errlen)
    return;
  vsnprintf(err + off, errlen - off, fmt, ap);
  for (char *s = err + off; *s; s++)
    if (ss_is_ctl(*s))
      *s = '?';
}

static void ss_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ss_errf(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ss_verrf(err, errlen, 0, fmt, ap);
  va_end(ap);
}

int ss_case_window_parse(const char *s, ss_case_window *w, char *err,
                         size_t errlen) {
  char buf[SS_CASE_MAX_LINE];
  size_t len = strlen(s);
  if (len >= sizeof buf) {
    ss_errf(err, errlen, "at=%.40s...: longer than %d bytes", s,
            SS_CASE_MAX_LINE - 1);
    return -1;
  }
  memcpy(buf, s, len + 1);
  char *thread = strchr(buf, '@');
  if (thread)
    *thread++ = '\0';
  char *hash = strchr(buf, '#');
  if (!hash) {
    ss_errf(err, errlen, "at=%s: expected [MODULE:]FUNC#K[+Ni][@THREAD]", s);
    return -1;
  }
  *hash = '\0';
  char *ks = hash + 1;
  char *ns = strchr(ks, '+');
  if (ns) {
    *ns++ = '\0';
    size_t nl = strlen(ns);
    if (nl < 2 || ns[nl - 1] != 'i') {
      ss_errf(err, errlen, "at=%s: expected +Ni (N instructions, e.g. +12i)",
              s);
      return -1;
    }
    ns[nl - 1] = '\0';
  }
  char *func = buf, *module = NULL;
  char *colon = strchr(buf, ':');
  if (colon) {
    *colon = '\0';
    module = buf;
    func = colon + 1;
    if (!ss_ok_module(module)) {
      ss_errf(err, errlen,
              "at=%s: bad module name '%s' (not empty; no blanks, '#', '@')", s,
              module);
      return -1;
    }
  }
  if (!ss_ok_func(func, module != NULL)) {
    ss_errf(err, errlen,
            "at=%s: bad function name '%s' (not empty; no blanks, '#', '@')", s,
            func);
    return -1;
  }
  uint64_t k, n = 0;
  if (ss_parse_u64(ks, &k) < 0 || k < 1 || k > SS_CASE_MAX_K) {
    ss_errf(err, errlen, "at=%s: K must be 1 to %llu", s,
            (unsigned long long)SS_CASE_MAX_K);
    return -1;
  }
  if (ns) {
    int num = ss_parse_u64(ns, &n) == 0;
    if (!num && strspn(ns, "0123456789") != strlen(ns)) {
      ss_errf(err, errlen, "at=%s: expected +Ni (N instructions, e.g. +12i)",
              s);
      return -1;
    }
    if (!num || n > SS_CASE_MAX_N) {
      ss_errf(err, errlen, "N %s out of range (0 to %llu)", ns,
              (unsigned long long)SS_CASE_MAX_N);
      return -1;
    }
  }
  if (thread && !ss_ok_thread(thread)) {
    ss_errf(err, errlen, "at=%s: bad thread name '%s' (" SS_THREAD_RULE ")", s,
            thread);
    return -1;
  }
  char *m = module ? strdup(module) : NULL;
  char *f = strdup(func);
  char *t = thread ? strdup(thread) : NULL;
  if (!f || (module && !m) || (thread && !t)) {
    free(m);
    free(f);
    free(t);
    ss_errf(err, errlen, "out of memory");
    return -1;
  }
  w->module = m;
  w->func = f;
  w->thread = t;
  w->k = k;
  w->n = n;
  return 0;
}

/* The parser's state. */
struct ss_cp {
  const char *path; /* for messages */
  int line;
  char *err;
  size_t errlen;
  int version_line; /* 0 until the sigstorm-case line */
  int args_line, timeout_line;
};

static int ss_cp_fail(struct ss_cp *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int ss_cp_fail(struct ss_cp *p, const char *fmt, ...) {
  if (!p->err || !p->errlen)
    return -1;
  int n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, p->line);
  for (char *s = p->err; *s; s++)
    if (ss_is_ctl(*s))
      *s = '?';
  if (n > 0) {
    va_list ap;
    va_start(ap, fmt);
    ss_verrf(p->err, p->errlen, (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static void ss_free_vec(char **v, int n) {
  for (int i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

/* Appends s to the NULL-terminated vector *v of *n strings; frees s when it
 * cannot. */
static int ss_push(char ***v, int *n, char *s) {
  if (!s || *n >= INT_MAX - 1) {
    free(s);
    return -1;
  }
  char **nv = realloc(*v, ((size_t)*n + 2) * sizeof *nv);
  if (!nv) {
    free(s);
    return -1;
  }
  nv[(*n)++] = s;
  nv[*n] = NULL;
  *v = nv;
  return 0;
}

/* The line an item is written back as must fit too: checked by writing it.
 * b holds the item's line (ended). An EINVAL there would be a disagreement
 * between parser and writer: left for ss_case_format to report. */
static int ss_cp_fits(struct ss_cp *p, struct ss_buf *b, const char *kw) {
  int e = b->err;
  free(b->p);
  if (e == ENOMEM)
    return ss_cp_fail(p, "out of memory");
  if (e == E2BIG)
    return ss_cp_fail(p, "%s: longer than %d bytes when written back", kw,
                      SS_CASE_MAX_LINE);
  return 0;
}

/* Next blank-separated token of *s (cut in place), NULL at the end. */
static char *ss_tok(char **s) {
  char *q = *s;
  while (ss_is_sep(*q))
    q++;
  if (!*q)
    return NULL;
  char *t = q;
  while (*q && !ss_is_sep(*q))
    q++;
  if (*q)
    *q++ = '\0';
  *s = q;
  return t;
}

static char *ss_skip_sep(char *s) {
  while (ss_is_sep(*s))
    s++;
  return s;
}

/* args: words split at blanks; "..." groups (with \" and \\ inside); a \
 * outside quotes takes the next character as is. s is the rest of one line,
 * so no word is longer than SS_CASE_MAX_LINE. */
static int ss_parse_args(struct ss_cp *p, const char *s, ss_case *c) {
  char word[SS_CASE_MAX_LINE + 1];
  const char *problem = NULL;
  char **v = NULL;
  int n = 0;
  size_t i = 0;
  for (;;) {
    while (ss_is_sep(s[i]))
      i++;
    if (!s[i])
      break;
    size_t wl = 0;
    while (s[i] && !ss_is_sep(s[i]) && !problem) {
      if (s[i] == '"') {
        i++;
        while (s[i] && s[i] != '"') {
          if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
            i++;
          word[wl++] = s[i++];
        }
        if (s[i] == '"')
          i++;
        else
          problem = "args: a \" without its closing \"";
      } else if (s[i] == '\\') {
        if (s[i + 1]) {
          word[wl++] = s[i + 1];
          i += 2;
        } else {
          problem = "args: a \\ at the end of the line (write \\\\ for a "
                    "backslash)";
        }
      } else {
        word[wl++] = s[i++];
      }
    }
    if (problem)
      break;
    word[wl] = '\0';
    if (ss_push(&v, &n, strdup(word)) < 0) {
      problem = "out of memory";
      break;
    }
  }
  if (!problem && !v && !(v = calloc(1, sizeof *v)))
    problem = "out of memory";
  if (problem) {
    ss_free_vec(v, n);
    return ss_cp_fail(p, "%s", problem);
  }
  c->args = v;
  c->nargs = n;
  struct ss_buf b = {0};
  ss_fmt_args(&b, c->args, c->nargs);
  return ss_cp_fits(p, &b, "args");
}

static void ss_window_free(ss_case_window *w) {
  free(w->module);
  free(w->func);
  free(w->thread);
  memset(w, 0, sizeof *w);
}

/* signal SIG at=[MODULE:]FUNC#K[+Ni][@THREAD] [thread=THREAD] */
static int ss_parse_signal(struct ss_cp *p, char *rest, ss_case *c) {
  if (c->nsig >= SS_CASE_MAX_SIGNALS)
    return ss_cp_fail(p, "too many signal lines (at most %d)",
                      SS_CASE_MAX_SIGNALS);
  char *name = ss_tok(&rest);
  if (!name)
    return ss_cp_fail(p, "signal: expected 'signal SIG at=FUNC#K+Ni'");
  int sig = ss_sig_parse(name);
  if (sig <= 0)
    return ss_cp_fail(p, "unknown signal '%s'", name);
  ss_case_window *w = &c->sig[c->nsig];
  memset(w, 0, sizeof *w);
  const char *thread = NULL;
  int have_at = 0;
  char *t, err[SS_CASE_MAX_LINE + 128];
  while ((t = ss_tok(&rest))) {
    if (strncmp(t, "at=", 3) == 0) {
      if (have_at) {
        ss_cp_fail(p, "signal: at= given twice");
        goto fail;
      }
      if (ss_case_window_parse(t + 3, w, err, sizeof err) < 0) {
        ss_cp_fail(p, "%s", err);
        goto fail;
      }
      have_at = 1;
    } else if (strncmp(t, "thread=", 7) == 0) {
      if (thread) {
        ss_cp_fail(p, "signal: thread= given twice");
        goto fail;
      }
      thread = t + 7;
      if (!ss_ok_thread(thread)) {
        ss_cp_fail(p, "thread=%s: bad thread name (" SS_THREAD_RULE ")",
                   thread);
        goto fail;
      }
    } else {
      ss_cp_fail(p,
                 "signal: unexpected '%s' (expected at=[MODULE:]FUNC#K+Ni "
                 "[thread=NAME])",
                 t);
      goto fail;
    }
  }
  if (!have_at)
    return ss_cp_fail(p, "signal %s: no at=FUNC#K+Ni window", name);
  if (thread) {
    if (w->thread) {
      ss_cp_fail(p, "signal: the thread given twice (@%s and thread=%s)",
                 w->thread, thread);
      goto fail;
    }
    if (!(w->thread = strdup(thread))) {
      ss_cp_fail(p, "out of memory");
      goto fail;
    }
  }
  w->sig = sig;
  w->line = p->line;
  c->nsig++;
  struct ss_buf b = {0};
  ss_fmt_signal(&b, w);
  return ss_cp_fits(p, &b, "signal");
fail:
  ss_window_free(w);
  return -1;
}

static void ss_expect_free(ss_case_expect *e) {
  free(e->kind);
  free(e->handler);
  free(e->callee);
  free(e->interrupted);
  memset(e, 0, sizeof *e);
}

/* expect KIND [handler=H] [callee=C] [interrupted=I] [signal=SIG] */
static int ss_parse_expect(struct ss_cp *p, char *rest, ss_case *c) {
  char *kind = ss_tok(&rest);
  if (!kind)
    return ss_cp_fail(p, "expect: expected a finding kind (" SS_KINDS_TEXT ")");
  if (!ss_ok_kind(kind))
    return ss_cp_fail(
        p, "expect: unknown finding kind '%s' (kinds: " SS_KINDS_TEXT ")",
        kind);
  if (c->nexpect >= INT_MAX - 1)
    return ss_cp_fail(p, "too many expect lines");
  ss_case_expect e;
  memset(&e, 0, sizeof e);
  e.line = p->line;
  int have_sig = 0;
  if (!(e.kind = strdup(kind))) {
    ss_cp_fail(p, "out of memory");
    goto fail;
  }
  char *t;
  while ((t = ss_tok(&rest))) {
    char *eq = strchr(t, '=');
    if (!eq || eq == t || !eq[1]) {
      ss_cp_fail(p, "expect: '%s': expected KEY=VALUE", t);
      goto fail;
    }
    *eq = '\0';
    const char *val = eq + 1;
    char **slot = NULL;
    if (strcmp(t, "handler") == 0)
      slot = &e.handler;
    else if (strcmp(t, "callee") == 0)
      slot = &e.callee;
    else if (strcmp(t, "interrupted") == 0)
      slot = &e.interrupted;
    else if (strcmp(t, "signal") != 0) {
      ss_cp_fail(p,
                 "expect: unknown key '%s' (keys: handler, callee, "
                 "interrupted, signal)",
                 t);
      goto fail;
    }
    if ((slot && *slot) || (!slot && have_sig)) {
      ss_cp_fail(p, "expect: %s given twice", t);
      goto fail;
    }
    if (!slot) {
      have_sig = 1;
      if (strcmp(val, "*") == 0)
        continue; /* any signal: as if not given */
      e.sig = ss_sig_parse(val);
      if (e.sig <= 0) {
        ss_cp_fail(p, "expect: unknown signal '%s'", val);
        goto fail;
      }
    } else if (!(*slot = strdup(val))) {
      ss_cp_fail(p, "out of memory");
      goto fail;
    }
  }
  struct ss_buf b = {0};
  ss_fmt_expect(&b, &e);
  if (ss_cp_fits(p, &b, "expect") < 0)
    goto fail;
  ss_case_expect *ne =
      realloc(c->expect, ((size_t)c->nexpect + 1) * sizeof *ne);
  if (!ne) {
    ss_cp_fail(p, "out of memory");
    goto fail;
  }
  c->expect = ne;
  c->expect[c->nexpect++] = e;
  return 0;
fail:
  ss_expect_free(&e);
  return -1;
}

/* target, fixed, input: once each; the rest of the line, blanks trimmed. */
static int ss_set_once(struct ss_cp *p, const char *kw, char **slot, int *line,
                       const char *val) {
  if (*slot)
    return ss_cp_fail(p, "%s given twice (first on line %d)", kw, *line);
  if (!*val)
    return ss_cp_fail(p, "%s: expected a path", kw);
  if (!(*slot = strdup(val)))
    return ss_cp_fail(p, "out of memory");
  *line = p->line;
  return 0;
}

/* One non-blank, non-comment line, trimmed of blanks at both ends. */
static int ss_parse_line(struct ss_cp *p, char *line, ss_case *c) {
  char *sp = line + strcspn(line, " \t");
  char *rest = *sp ? sp + 1 : sp; /* after one blank: note, env verbatim */
  *sp = '\0';
  const char *kw = line;
  if (strcmp(kw, "sigstorm-case") == 0) {
    if (p->version_line)
      return ss_cp_fail(p, "sigstorm-case given twice (first on line %d)",
                        p->version_line);
    rest = ss_skip_sep(rest);
    uint64_t v;
    if (ss_parse_u64(rest, &v) < 0)
      return ss_cp_fail(p,
                        "sigstorm-case: expected a version number, not "
                        "'%.40s'",
                        rest);
    if (v != SS_CASE_VERSION)
      return ss_cp_fail(p,
                        "unknown version %llu (this sigstorm reads "
                        "sigstorm-case %d)",
                        (unsigned long long)v, SS_CASE_VERSION);
    p->version_line = p->line;
    return 0;
  }
  if (!p->version_line)
    return ss_cp_fail(p,
                      "not a sigstorm case file: the first line must be "
                      "'sigstorm-case %d', not '%.40s'",
                      SS_CASE_VERSION, kw);
  if (strcmp(kw, "target") == 0)
    return ss_set_once(p, kw, &c->target, &c->target_line, ss_skip_sep(rest));
  if (strcmp(kw, "fixed") == 0)
    return ss_set_once(p, kw, &c->fixed, &c->fixed_line, ss_skip_sep(rest));
  if (strcmp(kw, "input") == 0)
    return ss_set_once(p, kw, &c->input, &c->input_line, ss_skip_sep(rest));
  if (strcmp(kw, "args") == 0) {
    if (c->args)
      return ss_cp_fail(p, "args given twice (first on line %d)", p->args_line);
    p->args_line = p->line;
    return ss_parse_args(p, rest, c);
  }
  if (strcmp(kw, "env") == 0) {
    rest = ss_skip_sep(rest); /* NAME has no blanks; VALUE is verbatim */
    const char *eq = strchr(rest, '=');
    if (!eq)
      return ss_cp_fail(p, "env: expected NAME=VALUE");
    if (!ss_ok_env_name(rest, (size_t)(eq - rest)))
      return ss_cp_fail(p,
                        "env: bad variable name '%.*s' (letters, digits and "
                        "_, not starting with a digit)",
                        (int)(eq - rest), rest);
    if (ss_push(&c->env, &c->nenv, strdup(rest)) < 0)
      return ss_cp_fail(p, "out of memory");
    return 0;
  }
  if (strcmp(kw, "timeout") == 0) {
    if (p->timeout_line)
      return ss_cp_fail(p, "timeout given twice (first on line %d)",
                        p->timeout_line);
    rest = ss_skip_sep(rest);
    if (ss_parse_duration(rest, &c->timeout_ns) < 0 || c->timeout_ns == 0) {
      c->timeout_ns = 0;
      return ss_cp_fail(p,
                        "timeout '%.40s': expected a duration more than 0, "
                        "like 10s or 500ms",
                        rest);
    }
    p->timeout_line = p->line;
    return 0;
  }
  if (strcmp(kw, "signal") == 0)
    return ss_parse_signal(p, rest, c);
  if (strcmp(kw, "expect") == 0)
    return ss_parse_expect(p, rest, c);
  if (strcmp(kw, "note") == 0) {
    if (ss_push(&c->notes, &c->nnotes, strdup(rest)) < 0)
      return ss_cp_fail(p, "out of memory");
    return 0;
  }
  return ss_cp_fail(p,
                    "unknown keyword '%.40s' (keywords: target, fixed, args, "
                    "input, env, timeout, signal, expect, note)",
                    kw);
}

int ss_case_parse(const char *text, size_t len, const char *path, ss_case *c,
                  char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  if (err && errlen)
    err[0] = '\0';
  struct ss_cp p = {
      .path = path ? path : "<case>", .err = err, .errlen = errlen};
  const char *slash = path ? strrchr(path, '/') : NULL;
  c->path = path ? strdup(path) : NULL;
  c->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                 : strdup(".");
  if ((path && !c->path) || !c->dir) {
    ss_case_free(c);
    p.line = 1;
    return ss_cp_fail(&p, "out of memory");
  }
  char line[SS_CASE_MAX_LINE + 1];
  size_t i = 0;
  int rc = 0;
  while (i < len && rc == 0) {
    if (p.line == INT_MAX) {
      rc = ss_cp_fail(&p, "too many lines");
      break;
    }
    p.line++;
    const char *nl = memchr(text + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t next = nl ? end + 1 : len;
    if (end > i && text[end - 1] == '\r')
      end--; /* CRLF */
    if (end - i > SS_CASE_MAX_LINE) {
      rc = ss_cp_fail(&p, "line longer than %d bytes", SS_CASE_MAX_LINE);
      break;
    }
    size_t ll = end - i;
    for (size_t j = 0; j < ll && rc == 0; j++) {
      char ch = text[i + j];
      if (ch == '\0')
        rc = ss_cp_fail(&p, "a NUL byte in the text");
      else if (ss_is_ctl(ch))
        rc = ss_cp_fail(&p,
                        "control character 0x%02x in the text (only tab is "
                        "allowed)",
                        (unsigned)(unsigned char)ch);
    }
    if (rc)
      break;
    memcpy(line, text + i, ll);
    i = next;
    while (ll && ss_is_sep(line[ll - 1]))
      ll--;
    line[ll] = '\0';
    char *s = ss_skip_sep(line);
    if (!*s || *s == '#')
      continue;
    rc = ss_parse_line(&p, s, c);
  }
  if (rc == 0) {
    if (p.line == 0)
      p.line = 1;
    if (!p.version_line)
      rc =
          ss_cp_fail(&p, "not a sigstorm case file: no 'sigstorm-case %d' line",
                     SS_CASE_VERSION);
    else if (!c->target)
      rc = ss_cp_fail(&p, "no 'target' line (the program to run)");
    else if (c->nsig == 0)
      rc = ss_cp_fail(&p, "no 'signal' line (at least one: signal SIG "
                          "at=FUNC#K+Ni)");
  }
  if (rc == 0 && !c->args && !(c->args = calloc(1, sizeof *c->args)))
    rc = ss_cp_fail(&p, "out of memory");
  if (rc) {
    ss_case_free(c);
    return -1;
  }
  return 0;
}

int ss_case_load(const char *path, ss_case *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  struct stat sb;
  size_t len = 0;
  char *text = NULL;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    errno = EISDIR;
  else
    text = ss_read_file(path, &len);
  if (!text) {
    ss_errf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int rc = ss_case_parse(text, len, path, c, err, errlen);
  free(text);
  if (rc < 0 || !c->input)
    return rc;
  char *ip = NULL;
  int e = 0;
  if (c->input[0] == '/')
    ip = strdup(c->input);
  else if (asprintf(&ip, "%s/%s", c->dir, c->input) < 0)
    ip = NULL;
  if (!ip) {
    e = ENOMEM;
  } else {
    int fd = open(ip, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
      e = errno;
    else {
      if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
        e = EISDIR;
      close(fd);
    }
  }
  free(ip);
  if (e) {
    ss_errf(err, errlen, "%s:%d: input '%s': %s", path, c->input_line, c->input,
            strerror(e));
    ss_case_free(c);
    return -1;
  }
  return 0;
}

void ss_case_free(ss_case *c) {
  free(c->path);
  free(c->dir);
  free(c->target);
  free(c->fixed);
  ss_free_vec(c->args, c->nargs);
  free(c->input);
  ss_free_vec(c->env, c->nenv);
  for (int i = 0; i < c->nsig && i < SS_CASE_MAX_SIGNALS; i++)
    ss_window_free(&c->sig[i]);
  for (int i = 0; i < c->nexpect; i++)
    ss_expect_free(&c->expect[i]);
  free(c->expect);
  ss_free_vec(c->notes, c->nnotes);
  memset(c, 0, sizeof *c);
}

/* ---- finding the program ------------------------------------------------ */

/* An executable that is not a folder. */
static int ss_runnable(const char *p) {
  struct stat sb;
  return access(p, X_OK) == 0 && stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

static char *ss_try_in(const char *dir, const char *p) {
  char *cand = NULL;
  if (!dir || asprintf(&cand, "%s/%s", dir, p) < 0)
    return NULL;
  if (ss_runnable(cand))
    return cand;
  free(cand);
  return NULL;
}

char *ss_case_resolve(const ss_case *c, const char *p, const char *const *dirs,
                      size_t ndirs) {
  if (!p || !*p)
    return NULL;
  if (p[0] == '/')
    return ss_runnable(p) ? strdup(p) : NULL;
  char *r = ss_try_in(c->dir, p);
  if (r)
    return r;
  if (ss_runnable(p))
    return strdup(p);
  for (size_t i = 0; i < ndirs; i++)
    if (dirs && (r = ss_try_in(dirs[i], p)))
      return r;
  return NULL;
}
