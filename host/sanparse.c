/* sanparse.c: sanitizer reports in stderr text -> findings (see sanparse.h).
 *
 * A report starts at its headline ("ERROR: AddressSanitizer: ...",
 * "WARNING: ThreadSanitizer: ...", "FILE:LINE:COL: runtime error: ...") and
 * runs to its SUMMARY line or the next headline. Its stacks are the runs of
 * "#N ..." lines; the first is the error's own, later ones are "freed by",
 * "previously allocated by" or a race's previous access. On the stack that
 * shows a signal frame (sigstorm's trampoline, TSan's CallUserSignalHandler,
 * libc's __restore_rt) the frame above it is the program's handler, the
 * frames below it the interrupted code.
 */
#include "sanparse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SS_SAN_MAX_STACKS 4
#define SS_SAN_MAX_FRAMES 64

/* A report being read. */
struct ss_san_cur {
  int detector;
  char *type;    /* the headline after "Sanitizer: ", up to " (pid=" */
  char *head;    /* the headline from the tool's name on */
  char *summary; /* the SUMMARY line after "SUMMARY: " */
  char *ubloc;   /* UBSan: FILE:LINE:COL before ": runtime error" */
  ss_stack_trace st[SS_SAN_MAX_STACKS];
  int freed[SS_SAN_MAX_STACKS]; /* a "freed by" stack */
  int nst;
  int open; /* the last stack still takes frames */
};

static char *ss_ndup(const char *p, size_t n) {
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

static const char *ss_base(const char *path) {
  const char *b = path ? strrchr(path, '/') : NULL;
  return b ? b + 1 : path;
}

/* needle within the line [line, line+len), or NULL */
static const char *ss_line_has(const char *line, size_t len,
                               const char *needle) {
  size_t nl = strlen(needle);
  for (size_t k = 0; k + nl <= len; k++)
    if (line[k] == needle[0] && strncmp(line + k, needle, nl) == 0)
      return line + k;
  return NULL;
}

static int ss_starts(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The name a report shows for a library call: without the sanitizers'
 * interceptor prefix, glibc's internal prefix, a symbol version or a
 * _FORTIFY_SOURCE wrapper (__syslog_chk is syslog). */
static char *ss_norm_name(const char *fn) {
  if (!fn)
    return NULL;
  static const char *const prefixes[] = {"___interceptor_", "__interceptor_",
                                         "__GI_", NULL};
  for (const char *const *p = prefixes; *p; p++)
    if (ss_starts(fn, *p)) {
      fn += strlen(*p);
      break;
    }
  size_t n = strcspn(fn, "@");
  if (n > 6 && strncmp(fn, "__", 2) == 0 && strncmp(fn + n - 4, "_chk", 4) == 0)
    return ss_ndup(fn + 2, n - 6);
  return ss_ndup(fn, n);
}

static int ss_is_sanitizer_frame(const ss_frame *f) {
  const char *m = ss_base(f->module);
  if (m && (ss_starts(m, "libasan") || ss_starts(m, "libtsan") ||
            ss_starts(m, "libubsan") || ss_starts(m, "liblsan") ||
            ss_starts(m, "libmsan") || ss_starts(m, "libclang_rt")))
    return 1;
  if (f->file &&
      (strstr(f->file, "/libsanitizer/") || strstr(f->file, "compiler-rt/") ||
       strstr(f->file, "sanitizer_common")))
    return 1;
  return f->func &&
         (ss_starts(f->func, "__interceptor_") ||
          ss_starts(f->func, "___interceptor_") ||
          ss_starts(f->func, "__sanitizer") || ss_starts(f->func, "__asan") ||
          ss_starts(f->func, "__tsan") || ss_starts(f->func, "__ubsan"));
}

/* sigstorm's runtime: its wrappers carry the wrapped function's name. */
static int ss_is_runtime_frame(const ss_frame *f) {
  const char *m = ss_base(f->module);
  if (m && ss_starts(m, "libsigstorm"))
    return 1;
  if (f->func && strcmp(f->func, "sigstorm_trampoline") == 0)
    return 1;
  return f->file && (strstr(f->file, "/injector/rt_") ||
                     strstr(f->file, "/injector/unsafe_funcs.def"));
}

static int ss_is_libc_frame(const ss_frame *f) {
  static const char *const dirs[] = {
      "../sysdeps/",   "../csu/", "./",    "nptl/",   "malloc/",
      "stdio-common/", "libio/",  "misc/", "string/", "time/",
      "signal/",       "posix/",  "csu/",  NULL};
  const char *m = ss_base(f->module);
  if (m && (ss_starts(m, "libc.so") || ss_starts(m, "ld-linux") ||
            ss_starts(m, "libm.so")))
    return 1;
  for (const char *const *d = dirs; f->file && *d; d++)
    if (ss_starts(f->file, *d))
      return 1;
  return f->func &&
         (ss_starts(f->func, "__libc_") || !strcmp(f->func, "_start"));
}

static int ss_is_program_frame(const ss_frame *f) {
  return f->func && !ss_is_sanitizer_frame(f) && !ss_is_runtime_frame(f) &&
         !ss_is_libc_frame(f);
}

static int ss_is_signal_frame(const ss_frame *f) {
  return f->func && (strcmp(f->func, "sigstorm_trampoline") == 0 ||
                     strstr(f->func, "CallUserSignalHandler") ||
                     strcmp(f->func, "__restore_rt") == 0);
}

/* Index of the signal frame on st, or -1. Without a named one, libc's
 * unsymbolized sigreturn trampoline (ASan prints it as "(libc.so.6+0x...)")
 * under a program frame. */
static long ss_signal_index(const ss_stack_trace *st) {
  for (size_t i = 0; i < st->n; i++)
    if (ss_is_signal_frame(&st->frames[i]))
      return (long)i;
  for (size_t i = 1; i < st->n; i++) {
    const ss_frame *f = &st->frames[i];
    if (!f->func && f->module && ss_starts(ss_base(f->module), "libc.so") &&
        ss_is_program_frame(&st->frames[i - 1]))
      return (long)i;
  }
  return -1;
}

/* "path:LINE" or "path:LINE:COL" into f->file, f->line. */
static void ss_parse_loc(const char *p, size_t n, ss_frame *f) {
  if (n == 0 || (n == 6 && strncmp(p, "<null>", 6) == 0))
    return;
  size_t end = n;
  long nums[2] = {0, 0};
  int k = 0;
  while (k < 2) {
    size_t i = end;
    while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
      i--;
    if (i == end || i == 0 || p[i - 1] != ':')
      break;
    nums[k++] = strtol(p + i, NULL, 10);
    end = i - 1;
  }
  f->file = ss_ndup(p, end);
  f->line = k == 2 ? (int)nums[1] : k == 1 ? (int)nums[0] : 0;
}

/* "(MODULE+0xOFF)" into f->module; returns the offset. */
static uint64_t ss_parse_module(const char *p, size_t n, ss_frame *f) {
  if (n < 2 || p[0] != '(' || p[n - 1] != ')')
    return 0;
  const char *plus = NULL;
  for (size_t i = n - 1; i > 0; i--)
    if (p[i] == '+') {
      plus = p + i;
      break;
    }
  if (!plus)
    return 0;
  f->module = ss_ndup(p + 1, (size_t)(plus - p - 1));
  return strtoull(plus + 1, NULL, 16);
}

/* Splits off the last space-separated token of [p, p+n). */
static size_t ss_last_token(const char *p, size_t n, const char **tok) {
  while (n > 0 && p[n - 1] == ' ')
    n--;
  size_t i = n;
  while (i > 0 && p[i - 1] != ' ')
    i--;
  *tok = p + i;
  return n - i;
}

/* One "#N ..." line into f; 0 when it is one. */
static int ss_parse_frame(const char *p, size_t n, ss_frame *f) {
  memset(f, 0, sizeof *f);
  size_t i = 0;
  while (i < n && p[i] == ' ')
    i++;
  if (i >= n || p[i] != '#' || i + 1 >= n || p[i + 1] < '0' || p[i + 1] > '9')
    return -1;
  i++;
  while (i < n && p[i] >= '0' && p[i] <= '9')
    i++;
  while (i < n && p[i] == ' ')
    i++;
  const char *rest = p + i;
  size_t rn = n - i;
  const char *tok;
  size_t tn;
  if (rn > 2 && rest[0] == '0' && rest[1] == 'x') { /* ASan, UBSan, MSan */
    char *endp;
    f->pc = strtoull(rest, &endp, 16);
    rn -= (size_t)(endp - rest);
    rest = endp;
    while (rn > 0 && *rest == ' ') {
      rest++;
      rn--;
    }
    if (rn > 3 && strncmp(rest, "in ", 3) == 0) {
      rest += 3;
      rn -= 3;
      tn = ss_last_token(rest, rn, &tok);
      if (tok == rest) { /* a function alone */
        f->func = ss_ndup(rest, tn);
        return 0;
      }
      size_t fn = (size_t)(tok - rest);
      while (fn > 0 && rest[fn - 1] == ' ')
        fn--;
      f->func = ss_ndup(rest, fn);
      if (tok[0] == '(')
        ss_parse_module(tok, tn, f);
      else
        ss_parse_loc(tok, tn, f);
    } else {
      tn = ss_last_token(rest, rn, &tok);
      ss_parse_module(tok, tn, f);
    }
    return 0;
  }
  /* TSan: FUNC FILE:LINE (MODULE+0xOFF); FUNC and FILE may be <null> */
  tn = ss_last_token(rest, rn, &tok);
  if (tn == 0)
    return -1;
  size_t before = (size_t)(tok - rest);
  if (tok[0] == '(') {
    f->pc = ss_parse_module(tok, tn, f);
    const char *loc;
    size_t ln = ss_last_token(rest, before, &loc);
    if (loc != rest) {
      ss_parse_loc(loc, ln, f);
      before = (size_t)(loc - rest);
    } else {
      before = ln;
    }
  } else {
    before = rn;
  }
  while (before > 0 && rest[before - 1] == ' ')
    before--;
  if (before && !(before == 6 && strncmp(rest, "<null>", 6) == 0))
    f->func = ss_ndup(rest, before);
  return 0;
}

static void ss_frame_clear(ss_frame *f) {
  free(f->func);
  free(f->file);
  free(f->module);
  memset(f, 0, sizeof *f);
}

static void ss_cur_free(struct ss_san_cur *c) {
  free(c->type);
  free(c->head);
  free(c->summary);
  free(c->ubloc);
  for (int i = 0; i < c->nst; i++)
    ss_stack_free(&c->st[i]);
  memset(c, 0, sizeof *c);
}

static int ss_stack_push(ss_stack_trace *st, ss_frame *f) {
  if (st->n >= SS_SAN_MAX_FRAMES) {
    ss_frame_clear(f);
    return 0;
  }
  ss_frame *nf = realloc(st->frames, (st->n + 1) * sizeof *nf);
  if (!nf) {
    ss_frame_clear(f);
    return -1;
  }
  st->frames = nf;
  st->frames[st->n++] = *f;
  memset(f, 0, sizeof *f);
  return 0;
}

/* A copy of frames [lo, hi) of st. */
static int ss_stack_slice(const ss_stack_trace *st, size_t lo, size_t hi,
                          ss_stack_trace *out) {
  memset(out, 0, sizeof *out);
  if (hi > st->n)
    hi = st->n;
  if (lo >= hi)
    return 0;
  out->frames = calloc(hi - lo, sizeof *out->frames);
  if (!out->frames)
    return -1;
  for (size_t i = lo; i < hi; i++) {
    const ss_frame *a = &st->frames[i];
    ss_frame *b = &out->frames[out->n++];
    *b = *a;
    b->func = a->func ? strdup(a->func) : NULL;
    b->file = a->file ? strdup(a->file) : NULL;
    b->module = a->module ? strdup(a->module) : NULL;
  }
  return 0;
}

/* Which report a line begins, if any: its detector, and where the type
 * text starts ("heap-use-after-free on address ..."). */
static int ss_headline(const char *line, size_t n, const char **type,
                       const char **tool) {
  static const struct {
    const char *needle;
    const char *tool;
    int det;
  } heads[] = {
      {"ERROR: AddressSanitizer: ", "AddressSanitizer", SS_DET_ASAN},
      {"ERROR: LeakSanitizer: ", "LeakSanitizer", SS_DET_ASAN},
      {"WARNING: ThreadSanitizer: ", "ThreadSanitizer", SS_DET_TSAN},
      {"ERROR: ThreadSanitizer: ", "ThreadSanitizer", SS_DET_TSAN},
      {"WARNING: MemorySanitizer: ", "MemorySanitizer", SS_DET_MSAN},
      {"ERROR: MemorySanitizer: ", "MemorySanitizer", SS_DET_MSAN},
      {"ERROR: UndefinedBehaviorSanitizer: ", "UndefinedBehaviorSanitizer",
       SS_DET_UBSAN},
  };
  if (!ss_line_has(line, n, "Sanitizer: ") &&
      !ss_line_has(line, n, ": runtime error: "))
    return -1; /* the common case: an ordinary line */
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
    const char *hit = ss_line_has(line, n, heads[i].needle);
    if (hit) {
      *type = hit + strlen(heads[i].needle);
      *tool = heads[i].tool;
      return heads[i].det;
    }
  }
  const char *rt = ss_line_has(line, n, ": runtime error: ");
  if (rt) {
    *type = rt + 2; /* "runtime error: ..." */
    *tool = NULL;   /* the location stands before it */
    return SS_DET_UBSAN;
  }
  return -1;
}

static const char *ss_crash_signal(const char *type) {
  static const struct {
    const char *word, *sig;
  } m[] = {{"SEGV", "SIGSEGV"},
           {"BUS", "SIGBUS"},
           {"FPE", "SIGFPE"},
           {"ILL", "SIGILL"},
           {"ABRT", "SIGABRT"},
           {"TRAP", "SIGTRAP"},
           {"stack-overflow", "SIGSEGV"}};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    size_t l = strlen(m[i].word);
    if (strncmp(type, m[i].word, l) == 0 && (type[l] == ' ' || !type[l]))
      return m[i].sig;
  }
  return NULL;
}

static const char *ss_kind_of(int det, const char *type) {
  static const char *const heap[] = {"heap-use-after-free",
                                     "heap-buffer-overflow",
                                     "attempting double-free",
                                     "attempting free on address",
                                     "bad-free",
                                     "double-free",
                                     "alloc-dealloc-mismatch",
                                     "malloc_usable_size",
                                     "use-after-poison",
                                     NULL};
  if (ss_crash_signal(type))
    return SS_KIND_CRASH;
  switch (det) {
  case SS_DET_ASAN:
    for (const char *const *h = heap; *h; h++)
      if (ss_starts(type, *h))
        return SS_KIND_HEAP_CORRUPTION;
    return SS_KIND_SANITIZER;
  case SS_DET_TSAN:
    if (ss_starts(type, "signal-unsafe call inside of a signal"))
      return SS_KIND_UNSAFE_CALL;
    if (ss_starts(type, "signal handler spoils errno"))
      return SS_KIND_ERRNO_CLOBBER;
    if (ss_starts(type, "data race"))
      return SS_KIND_DATA_RACE;
    if (ss_starts(type, "heap-use-after-free"))
      return SS_KIND_HEAP_CORRUPTION;
    return SS_KIND_SANITIZER;
  case SS_DET_UBSAN:
    return ss_starts(type, "runtime error") ? SS_KIND_UNDEFINED
                                            : SS_KIND_SANITIZER;
  default:
    return SS_KIND_SANITIZER;
  }
}

/* The SUMMARY's location with the path cut to its file name:
 * "heap-use-after-free /a/b/x.c:56 in on_usr1" -> "... x.c:56 in on_usr1". */
static void ss_short_summary(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (const char *p = s; *p && o + 1 < cap;) {
    if (*p == '/' && (p == s || p[-1] == ' ')) {
      const char *end = strchr(p, ' ');
      const char *tok_end = end ? end : p + strlen(p);
      const char *b = p;
      for (const char *q = p; q < tok_end; q++)
        if (*q == '/')
          b = q + 1;
      p = b;
    }
    out[o++] = *p++;
  }
  out[o] = '\0';
}

static int ss_kind_is(const ss_san_report *r, const char *kind) {
  return strcmp(r->kind, kind) == 0;
}

static int ss_finish(struct ss_san_cur *c, ss_san_report *r) {
  char buf[768], sb[512];
  memset(r, 0, sizeof *r);
  r->detector = c->detector;
  const char *type = c->type ? c->type : "";
  r->kind = ss_kind_of(c->detector, type);
  const ss_stack_trace *main_st = c->nst ? &c->st[0] : NULL;
  /* the stack with the signal frame: the error's, else a freed-by one */
  const ss_stack_trace *sst = NULL;
  long t = -1;
  for (int i = 0; i < c->nst && t < 0; i++)
    if ((i == 0 || c->freed[i] || ss_kind_is(r, SS_KIND_DATA_RACE)) &&
        (t = ss_signal_index(&c->st[i])) >= 0)
      sst = &c->st[i];
  long h = -1;
  if (sst) {
    if (t > 0 && ss_is_program_frame(&sst->frames[t - 1]))
      h = t - 1;
    if (h >= 0)
      r->handler = strdup(sst->frames[h].func);
    /* the handler's outermost library call: the non-program frame
     * nearest below it */
    for (long i = (h >= 0 ? h : t) - 1; i >= 0; i--)
      if (!ss_is_program_frame(&sst->frames[i]) && sst->frames[i].func) {
        r->callee = ss_norm_name(sst->frames[i].func);
        break;
      }
    size_t lo = (size_t)t + 1;
    while (lo < sst->n &&
           (ss_is_signal_frame(&sst->frames[lo]) ||
            (!sst->frames[lo].func && ss_is_libc_frame(&sst->frames[lo]))))
      lo++;
    for (size_t i = lo; i < sst->n; i++)
      if (sst->frames[i].func && !ss_is_sanitizer_frame(&sst->frames[i])) {
        r->interrupted = ss_norm_name(sst->frames[i].func);
        break;
      }
    /* the handler side from the first frame that is not the sanitizer's
     * or the runtime's (the unsafe call's caller) up to the handler */
    size_t hs = 0;
    size_t he = h >= 0 ? (size_t)h + 1 : (size_t)t;
    while (hs < he && (ss_is_sanitizer_frame(&sst->frames[hs]) ||
                       ss_is_runtime_frame(&sst->frames[hs])))
      hs++;
    if (hs == he && he > 0)
      hs = he - 1; /* keep at least the call itself */
    if (ss_stack_slice(sst, hs, he, &r->handler_stack) < 0 ||
        ss_stack_slice(sst, lo, sst->n, &r->interrupted_stack) < 0)
      return -1;
  } else if (main_st && main_st->n) {
    /* no signal frame: TSan's errno report starts at the handler itself;
     * elsewhere the error's first program frame */
    if (ss_kind_is(r, SS_KIND_ERRNO_CLOBBER) &&
        ss_is_program_frame(&main_st->frames[0])) {
      r->handler = strdup(main_st->frames[0].func);
      if (main_st->n > 1 && main_st->frames[1].func)
        r->interrupted = ss_norm_name(main_st->frames[1].func);
      if (ss_stack_slice(main_st, 0, 1, &r->handler_stack) < 0 ||
          ss_stack_slice(main_st, 1, main_st->n, &r->interrupted_stack) < 0)
        return -1;
    } else {
      for (size_t i = 0; i < main_st->n; i++)
        if (ss_is_program_frame(&main_st->frames[i])) {
          r->interrupted = strdup(main_st->frames[i].func);
          break;
        }
    }
  }
  if (main_st && main_st->n && main_st->frames[0].func)
    r->top = ss_norm_name(main_st->frames[0].func);
  if (ss_kind_is(r, SS_KIND_DATA_RACE) && c->nst >= 2 && c->st[1].n) {
    /* the two accesses' functions, in a fixed order: either can come
     * first in a report */
    char *a = r->top ? strdup(r->top) : NULL;
    char *b = ss_norm_name(c->st[1].frames[0].func);
    free(r->callee);
    free(r->interrupted);
    int swap = a && b && strcmp(a, b) > 0;
    r->callee = swap ? b : a;
    r->interrupted = swap ? a : b;
  }

  /* the detail line */
  const char *tool = c->head ? c->head : "";
  if (c->detector == SS_DET_TSAN && ss_kind_is(r, SS_KIND_UNSAFE_CALL)) {
    snprintf(buf, sizeof buf,
             "ThreadSanitizer: signal-unsafe call inside of a signal (#0 %s)",
             r->top ? r->top : "?");
  } else if (c->detector == SS_DET_TSAN &&
             ss_kind_is(r, SS_KIND_ERRNO_CLOBBER)) {
    snprintf(buf, sizeof buf, "ThreadSanitizer: signal handler spoils errno");
  } else if (c->detector == SS_DET_UBSAN && !c->summary && c->ubloc) {
    snprintf(buf, sizeof buf, "UndefinedBehaviorSanitizer: %s (%s)", type,
             ss_base(c->ubloc));
  } else if (c->summary) {
    ss_short_summary(c->summary, sb, sizeof sb);
    if (c->detector == SS_DET_UBSAN && c->ubloc)
      snprintf(buf, sizeof buf, "UndefinedBehaviorSanitizer: %s (%s)", type,
               ss_base(c->ubloc));
    else
      snprintf(buf, sizeof buf, "%s", sb);
  } else {
    snprintf(buf, sizeof buf, "%s: %s", tool, type);
  }
  r->detail = strdup(buf);
  const char *sig = ss_crash_signal(type);
  if (sig) {
    snprintf(buf, sizeof buf, "killed by %s", sig);
    r->key = strdup(buf);
  } else {
    r->key = r->detail ? strdup(r->detail) : NULL;
  }
  return r->detail && r->key ? 0 : -1;
}

void ss_san_reports_free(ss_san_report *r, size_t n) {
  for (size_t i = 0; r && i < n; i++) {
    free(r[i].detail);
    free(r[i].key);
    free(r[i].handler);
    free(r[i].callee);
    free(r[i].interrupted);
    free(r[i].top);
    ss_stack_free(&r[i].handler_stack);
    ss_stack_free(&r[i].interrupted_stack);
  }
  free(r);
}

static int ss_emit(struct ss_san_cur *c, ss_san_report **out, size_t *n) {
  ss_san_report *nr = realloc(*out, (*n + 1) * sizeof *nr);
  if (!nr) {
    ss_cur_free(c);
    return -1;
  }
  *out = nr;
  int rc = ss_finish(c, &nr[*n]);
  (*n)++;
  ss_cur_free(c);
  return rc;
}

/* Starts a report at a headline. */
static int ss_begin(struct ss_san_cur *c, int det, const char *line, size_t len,
                    const char *type, const char *tool) {
  memset(c, 0, sizeof *c);
  c->detector = det;
  size_t tl = len - (size_t)(type - line);
  const char *pid = NULL;
  for (size_t k = 0; k + 6 <= tl; k++)
    if (strncmp(type + k, " (pid=", 6) == 0) {
      pid = type + k;
      break;
    }
  c->type = ss_ndup(type, pid ? (size_t)(pid - type) : tl);
  if (tool) {
    c->head = strdup(tool);
  } else { /* UBSan: "FILE:LINE:COL: runtime error: ..." */
    const char *s = line;
    while (s < type && *s == ' ')
      s++;
    c->ubloc = ss_ndup(s, (size_t)(type - 2 - s));
    c->head = strdup("UndefinedBehaviorSanitizer");
  }
  return c->type && c->head ? 0 : -1;
}

long ss_san_parse(const char *text, ss_san_report **out) {
  *out = NULL;
  size_t n = 0;
  struct ss_san_cur c;
  memset(&c, 0, sizeof c);
  int active = 0;
  for (const char *line = text; line && *line;) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    const char *next = eol ? eol + 1 : NULL;
    const char *type, *tool;
    int det = ss_headline(line, len, &type, &tool);
    ss_frame f;
    if (det >= 0) {
      if (active && ss_emit(&c, out, &n) < 0)
        goto oom;
      if (ss_begin(&c, det, line, len, type, tool) < 0) {
        ss_cur_free(&c);
        goto oom;
      }
      active = 1;
    } else if (!active) {
      /* not inside a report */
    } else if (ss_parse_frame(line, len, &f) == 0) {
      if (!c.open && c.nst < SS_SAN_MAX_STACKS) {
        c.nst++;
        c.open = 1;
      }
      if (c.open && ss_stack_push(&c.st[c.nst - 1], &f) < 0)
        goto oom;
      if (!c.open)
        ss_frame_clear(&f);
    } else {
      const char *sum = ss_line_has(line, len, "SUMMARY: ");
      if (sum) {
        c.summary = ss_ndup(sum + 9, len - (size_t)(sum + 9 - line));
        if (!c.summary)
          goto oom;
      }
      if (sum || c.detector == SS_DET_UBSAN) {
        /* the report is over (UBSan's is one stack at most) */
        if (ss_emit(&c, out, &n) < 0)
          goto oom;
        active = 0;
      } else {
        c.open = 0;
        if (c.nst < SS_SAN_MAX_STACKS &&
            ss_line_has(line, len, "freed by thread"))
          c.freed[c.nst] = 1; /* the next stack */
      }
    }
    line = next;
  }
  /* a report the text cuts off (the runner keeps stderr's head and tail)
   * is dropped; UBSan's has no end line: it ends with the text */
  if (active && (c.summary || c.detector == SS_DET_UBSAN)) {
    if (ss_emit(&c, out, &n) < 0)
      goto oom;
  } else if (active) {
    ss_cur_free(&c);
  }
  return (long)n;
oom:
  ss_san_reports_free(*out, n);
  *out = NULL;
  return -1;
}
