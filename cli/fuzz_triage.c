/* fuzz_triage.c: what sigstorm fuzz does with each input an engine saved.
 *
 * 1. Re-run it alone with the fuzz binary and classify what happens: the
 *    fuzz runtime's "==sigstorm== FINDING kind=..." line, else glibc's or a
 *    sanitizer's heap-corruption message, else a death by a signal, else a
 *    run past the limit (hang). Nothing seen: not reproduced.
 * 2. The signature (a hash of kind, signal, handler, callee, interrupted
 *    function) deduplicates: one finding per signature.
 * 3. Minimize the first input of each signature: drop schedule records
 *    (fewest signals), make on= records synchronous (w even: the calling
 *    thread raises the signal inside the k-th call, the same interruption
 *    every run), else turn the first record into one at the interrupted
 *    function's 1st, 2nd or 4th entry, cut shot counts, then delete
 *    workload bytes, keeping each change only while the signature still
 *    shows.
 * 4. Convert: the normal build of the program runs the minimized workload
 *    (its --input option) under `sigstorm sweep` of the function the signal
 *    interrupted, which gives an instruction window (FUNC#K+Ni) that
 *    replays deterministically; the case reads the workload from stdin
 *    (`input workload.bin` beside it), and is confirmed by replays of it
 *    and of the fixed twin.
 * 5. Write findings/<name>/ (input, workload.bin, the case, report.txt,
 *    report.json) under a temporary name and rename it into place, so a
 *    killed campaign never leaves half a finding.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz.h"
#include "host/casefile.h"
#include "host/sanparse.h"
#include "host/schedule.h"
#include "injector/sigstorm_fuzz.h"

/* snprintf that may truncate (paths and messages are bounded on purpose) */
static int ss_bprintf(char *b, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int ss_bprintf(char *b, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  /* va_start is above: the analyzer misses it through the attribute */
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
  int n = vsnprintf(b, cap, fmt, ap);
  va_end(ap);
  return n;
}

int ss_fz_write_atomic(const char *path, const void *data, size_t len) {
  char tmp[4096];
  ss_bprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  const char *p = data;
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, p + off, len - off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      close(fd);
      unlink(tmp);
      errno = e;
      return -1;
    }
    off += (size_t)w;
  }
  if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
  }
  return 0;
}

int ss_fz_exec(char *const argv[], char *const envadd[], uint64_t timeout_ms,
               ss_fz_proc_result *res) {
  memset(res, 0, sizeof *res);
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return -1;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
      dup2(nul, 0);
    dup2(pfd[1], 1);
    dup2(pfd[1], 2);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    for (size_t i = 0; envadd && envadd[i]; i++)
      putenv(envadd[i]);
    execv(argv[0], argv);
    dprintf(2, "sigstorm: cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  close(pfd[1]);
  size_t cap = 8192;
  res->out = malloc(cap);
  if (!res->out) {
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pfd[0]);
    return -1;
  }
  uint64_t deadline = ss_mono_ns() + timeout_ms * 1000000ull;
  for (;;) {
    uint64_t now = ss_mono_ns();
    if (now >= deadline) {
      res->timed_out = 1;
      break;
    }
    struct pollfd p = {.fd = pfd[0], .events = POLLIN};
    int left = (int)((deadline - now) / 1000000ull) + 1;
    int r = poll(&p, 1, left > 1000 ? 1000 : left);
    if (r < 0 && errno != EINTR)
      break;
    if (r <= 0)
      continue;
    if (res->len + (size_t)4096 + 1 > cap) {
      if (cap < SS_FZ_OUT_CAP) {
        cap *= 2;
        char *nb = realloc(res->out, cap);
        if (!nb)
          break;
        res->out = nb;
      } else { /* keep the tail */
        size_t drop = res->len / 2;
        memmove(res->out, res->out + drop, res->len - drop);
        res->len -= drop;
      }
    }
    ssize_t n = read(pfd[0], res->out + res->len, 4096);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; /* EOF: the child (and its children) closed the pipe */
    res->len += (size_t)n;
  }
  res->out[res->len] = '\0';
  close(pfd[0]);
  if (res->timed_out)
    kill(-pid, SIGKILL);
  while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
    ;
  kill(-pid, SIGKILL); /* anything it left behind */
  return 0;
}

int ss_fz_is_race(const char *kind) {
  return kind[0] && strcmp(kind, "unsafe-call") != 0;
}

/* 1 when the ELF file at path carries AddressSanitizer: its symbol tables
 * name __asan_init, defined (clang links ASan's runtime into the
 * executable) or imported (gcc's build, from libasan.so), as every
 * instrumented module's constructor calls it. A fuzz runtime's weak
 * references (__asan_handle_no_return, ...) do not count. */
static int ss_fz_carries_asan(const char *path) {
  return ss_elf_names(path, "__asan_init");
}

/* A deadlock in the allocator that only ASan's allocator shows: the
 * watchdog's report names "AddressSanitizer's allocator lock" (a build
 * before that said "the allocator's arena lock"), and the re-running fuzz
 * build carries ASan, whose
 * allocator lock a handler's malloc/free can wait for while the call it
 * interrupted holds it. */
static int ss_fz_asan_alloc_deadlock(const ss_fz_target *t,
                                     const ss_fz_class *c) {
  return strcmp(c->kind, "deadlock") == 0 &&
         (strstr(c->detail, "AddressSanitizer's allocator lock") ||
          strstr(c->detail, "the allocator's arena lock")) &&
         ss_fz_carries_asan(t->rerun);
}

static uint64_t ss_fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static void ss_set(char *dst, size_t cap, const char *src, size_t n) {
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* The value of key=... in a FINDING line (up to the next blank). */
static void ss_field(const char *line, const char *key, char *dst, size_t cap) {
  size_t kl = strlen(key);
  dst[0] = '\0';
  for (const char *p = line; (p = strstr(p, key)) != NULL; p++) {
    if ((p == line || p[-1] == ' ') && p[kl] == '=') {
      const char *v = p + kl + 1;
      ss_set(dst, cap, v, strcspn(v, " \r\n"));
      return;
    }
  }
}

static const char *ss_line_with(const char *out, const char *needle) {
  const char *p = strstr(out, needle);
  if (!p)
    return NULL;
  while (p > out && p[-1] != '\n')
    p--;
  return p;
}

static void ss_copy_line(char *dst, size_t cap, const char *line) {
  ss_set(dst, cap, line, strcspn(line, "\r\n"));
}

/* glibc's malloc messages (malloc_printerr) and the sanitizers' reports */
static const char *const ss_heap_msgs[] = {
    "free(): ",
    "malloc(): ",
    "realloc(): ",
    "calloc(): ",
    "double free or corruption",
    "corrupted size vs. prev_size",
    "corrupted double-linked list",
    "malloc_consolidate(): ",
    "munmap_chunk(): ",
    "int_mallinfo(): ",
    "free(): invalid pointer",
};

/* A frame of the fuzz runtime (its wrappers' helpers, the trampoline) or
 * of the sanitizer's (__sanitizer::..., __asan_..., __interceptor_...): not
 * the function a signal interrupted. The runtime's wrapper itself (free,
 * malloc) is. */
static int ss_runtime_fn(const char *f) {
  return strncmp(f, "ss_", 3) == 0 || strncmp(f, "sigstorm_", 9) == 0 ||
         strncmp(f, "__", 2) == 0 || strstr(f, "::") != NULL;
}

/* A sanitizer's report (AddressSanitizer in a libFuzzer build: the
 * handler's free() that the window oracle lets run, then the program's
 * double free or use after free), parsed as the host parses one
 * (host/sanparse.c): the kind (heap-corruption, sanitizer, crash, ...), the
 * handler and its call from a stack with the signal frame (the error's or
 * a "freed by" one), the interposed function the signal interrupted (the
 * first frame below the signal frame that is not the runtime's). The
 * callee is the handler's call, else the error's type without its address
 * ("SEGV", "heap-buffer-overflow"), so no address is in the signature. 1
 * when out has a report. */
static int ss_classify_sanitizer(const char *out, ss_fz_class *c) {
  if (!strstr(out, "Sanitizer: "))
    return 0;
  ss_san_report *rs = NULL;
  long n = ss_san_parse(out, &rs);
  if (n <= 0)
    return 0;
  const ss_san_report *r = &rs[0];
  ss_set(c->kind, sizeof c->kind, r->kind, strlen(r->kind));
  if (r->handler)
    ss_set(c->handler, sizeof c->handler, r->handler, strlen(r->handler));
  const char *el = ss_line_with(out, "Sanitizer: ");
  const char *type = strstr(el, "Sanitizer: ") + 11;
  if (r->handler && r->callee) {
    ss_set(c->callee, sizeof c->callee, r->callee, strlen(r->callee));
  } else {
    const char *on = strstr(type, " on ");
    size_t tl = strcspn(type, "\r\n");
    if (on && (size_t)(on - type) < tl)
      tl = (size_t)(on - type);
    ss_set(c->callee, sizeof c->callee, type, tl);
  }
  const char *in = r->interrupted;
  if (r->handler)
    for (size_t i = 0; i < r->interrupted_stack.n; i++) {
      const char *f = r->interrupted_stack.frames[i].func;
      if (f && !ss_runtime_fn(f)) {
        in = f;
        break;
      }
    }
  if (in)
    ss_set(c->interrupted, sizeof c->interrupted, in, strcspn(in, ". ("));
  ss_copy_line(c->detail, sizeof c->detail, el);
  ss_san_reports_free(rs, (size_t)n);
  return 1;
}

static void ss_classify_output(const ss_fz_proc_result *r, uint64_t timeout_ms,
                               ss_fz_class *c) {
  memset(c, 0, sizeof *c);
  const char *fl = ss_line_with(r->out, "==sigstorm== FINDING ");
  if (fl) {
    ss_field(fl, "kind", c->kind, sizeof c->kind);
    ss_field(fl, "sig", c->sig, sizeof c->sig);
    ss_field(fl, "handler", c->handler, sizeof c->handler);
    ss_field(fl, "callee", c->callee, sizeof c->callee);
    ss_field(fl, "interrupted", c->interrupted, sizeof c->interrupted);
    ss_field(fl, "thread", c->thread, sizeof c->thread);
    const char *el = ss_line_with(r->out, "==sigstorm== ERROR: ");
    ss_copy_line(c->detail, sizeof c->detail, el ? el : fl);
  } else if ((fl = ss_line_with(r->out, "==sigstorm== ERROR: sigstorm: "))) {
    /* the human line: "KIND: the SIGx handler H called C,
     * interrupted=I at ..." */
    const char *k = strstr(fl, "sigstorm: ") + 10;
    ss_set(c->kind, sizeof c->kind, k, strcspn(k, ":"));
    ss_copy_line(c->detail, sizeof c->detail, fl);
    const char *p = strstr(c->detail, ": the SIG");
    if (p) {
      p += 6;
      ss_set(c->sig, sizeof c->sig, p, strcspn(p, " "));
      const char *h = strstr(p, " handler ");
      if (h) {
        h += 9;
        ss_set(c->handler, sizeof c->handler, h, strcspn(h, " "));
      }
    }
    if ((p = strstr(c->detail, " called "))) {
      p += 8;
      ss_set(c->callee, sizeof c->callee, p, strcspn(p, ", "));
    }
    if ((p = strstr(c->detail, "interrupted="))) {
      p += 12;
      ss_set(c->interrupted, sizeof c->interrupted, p, strcspn(p, ", "));
    }
  }
  if (!c->kind[0]) /* a sanitizer's report, before libFuzzer's summary */
    (void)ss_classify_sanitizer(r->out, c);
  if (!c->kind[0] || strcmp(c->kind, "crash") == 0) {
    for (size_t i = 0; i < sizeof ss_heap_msgs / sizeof *ss_heap_msgs; i++) {
      const char *hl = ss_line_with(r->out, ss_heap_msgs[i]);
      if (hl) {
        strcpy(c->kind, "heap-corruption");
        ss_copy_line(c->detail, sizeof c->detail, hl);
        /* the message without addresses, for the signature */
        const char *m = strstr(hl, ss_heap_msgs[i]);
        ss_set(c->callee, sizeof c->callee, m, strcspn(m, "\r\n0"));
        break;
      }
    }
  }
  int dsig = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
  if (!c->kind[0] && !r->timed_out &&
      (dsig || strstr(r->out, "ERROR: libFuzzer: deadly signal"))) {
    strcpy(c->kind, "crash");
    const char *dl = ss_line_with(r->out, "ERROR: libFuzzer: deadly signal");
    if (dsig)
      ss_bprintf(c->sig, sizeof c->sig, "SIG%s",
                 sigabbrev_np(dsig) ? sigabbrev_np(dsig) : "?");
    if (dl)
      ss_copy_line(c->detail, sizeof c->detail, dl);
    else
      ss_bprintf(c->detail, sizeof c->detail, "killed by %s", c->sig);
  }
  if (!c->kind[0] && r->timed_out) {
    strcpy(c->kind, "hang");
    ss_bprintf(c->detail, sizeof c->detail,
               "did not finish within %llu ms (no report from the runtime's "
               "watchdog)",
               (unsigned long long)timeout_ms);
  }
  if (!c->kind[0])
    return;
  /* a handler named only as binary+offset differs between the builds of
   * one program (libFuzzer's, AFL++'s, the builtin engine's): not part of
   * the signature then */
  const char *hs = strstr(c->handler, "+0x") ? "" : c->handler;
  char key[512];
  int n = ss_bprintf(key, sizeof key, "%s|%s|%s|%s|%s", c->kind, c->sig, hs,
                     c->callee, c->interrupted);
  uint64_t h = ss_fnv(key, (size_t)n, 0xcbf29ce484222325ull);
  ss_bprintf(c->signature, sizeof c->signature, "%016llx",
             (unsigned long long)h);
}

#define SS_FZ_REPEAT_S "500"

/* argv of one re-run of file by the target's binary */
static void ss_rerun_argv(const ss_fz_target *t, const char *file,
                          char *argv[8]) {
  int n = 0;
  argv[n++] = t->rerun;
  if (t->rerun_engine == SS_ENG_LIBFUZZER) {
    /* a race with a time window lands once in a while: repeat the input
     * (in one process, so the warm allocator and caches are as in the
     * campaign); the runtime aborts at the first finding */
    argv[n++] = "-timeout=0";
    argv[n++] = "-handle_usr1=0";
    argv[n++] = "-handle_usr2=0";
    argv[n++] = "-runs=" SS_FZ_REPEAT_S;
  }
  argv[n++] = (char *)file;
  argv[n] = NULL;
}

int ss_fz_classify(const ss_fz_target *t, const char *file, unsigned tries,
                   ss_fz_class *out) {
  char *argv[8];
  ss_rerun_argv(t, file, argv);
  char oracle[64], tmo[64], arts[64] = "SIGSTORM_FUZZ_ARTIFACTS=/tmp";
  ss_bprintf(oracle, sizeof oracle, "SIGSTORM_FUZZ_ORACLE=%s", t->oracle);
  ss_bprintf(tmo, sizeof tmo, "SIGSTORM_FUZZ_TIMEOUT=%llu",
             (unsigned long long)t->input_timeout_ms);
  char *env[] = {oracle, tmo, arts, "AFL_NO_UI=1", NULL};
  uint64_t limit = t->input_timeout_ms * 3 + 5000;
  memset(out, 0, sizeof *out);
  if (t->rerun_engine != SS_ENG_LIBFUZZER)
    tries *= 10; /* one run per process */
  for (unsigned i = 0; i < tries; i++) {
    ss_fz_proc_result r;
    if (ss_fz_exec(argv, env, limit, &r) < 0)
      return -1;
    ss_classify_output(&r, limit, out);
    free(r.out);
    if (out->kind[0])
      return 0;
  }
  return 0;
}

int ss_fz_classify_text(const char *text, ss_fz_class *out) {
  ss_fz_proc_result r;
  memset(&r, 0, sizeof r);
  r.out = (char *)text;
  r.len = strlen(text);
  r.status = SIGABRT; /* as a wait status: killed by SIGABRT */
  ss_classify_output(&r, 0, out);
  return out->kind[0] ? 0 : -1;
}

/* ---- minimization ------------------------------------------------------ */

struct ss_min {
  const ss_fz_target *t;
  const char *want; /* signature */
  int fn;           /* the interrupted function (SS_FN_*), -1 none */
  char path[4096];  /* scratch file */
  unsigned runs;
  uint64_t deadline;
};

static int ss_min_keeps(struct ss_min *m, const unsigned char *d, size_t n) {
  if (ss_mono_ns() > m->deadline)
    return 0;
  if (ss_fz_write_atomic(m->path, d, n) < 0)
    return 0;
  ss_fz_class c;
  for (int i = 0; i < 3; i++) {
    m->runs++;
    if (ss_fz_classify(m->t, m->path, 1, &c) < 0)
      return 0;
    if (strcmp(c.signature, m->want) == 0)
      return 1;
  }
  return 0;
}

static unsigned ss_nrecords(const unsigned char *d, size_t n) {
  unsigned k = 0;
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++)
    if ((size_t)r * SS_FUZZ_RECORD_SIZE < n &&
        d[(size_t)r * SS_FUZZ_RECORD_SIZE] % SS_FZ_NKINDS != SS_FZ_NONE)
      k++;
  return k;
}

/* on= records that the calling thread raises inside the call (fuzz ABI 2:
 * w even), which show the same interruption every run */
static unsigned ss_nsync(const unsigned char *d, size_t n) {
  unsigned k = 0;
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++) {
    size_t o = (size_t)r * SS_FUZZ_RECORD_SIZE; /* missing bytes are 0 */
    if (o < n && d[o] % SS_FZ_NKINDS == SS_FZ_ON &&
        (o + 6 >= n || !(d[o + 6] & 1)))
      k++;
  }
  return k;
}

/* Minimizes *d in place (its length in *n); returns the replays used. */
static unsigned ss_minimize(struct ss_min *m, unsigned char *d, size_t *n) {
  /* a full prefix, so records can be edited */
  if (*n < SS_FUZZ_PREFIX) {
    memset(d + *n, 0, SS_FUZZ_PREFIX - *n);
    *n = SS_FUZZ_PREFIX;
  }
  unsigned char *c = malloc(*n);
  if (!c)
    return 0;
  /* fewest signals: drop whole records */
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++) {
    unsigned char *b = d + (size_t)r * SS_FUZZ_RECORD_SIZE;
    if (b[0] % SS_FZ_NKINDS == SS_FZ_NONE || ss_nrecords(d, *n) <= 1)
      continue;
    memcpy(c, d, *n);
    memset(c + (size_t)r * SS_FUZZ_RECORD_SIZE, 0, SS_FUZZ_RECORD_SIZE);
    if (ss_min_keeps(m, c, *n))
      memcpy(d, c, *n);
  }
  /* deterministic: an on= window sent by the injector thread w ns after
   * the entry (w odd) raised inside the call instead (w = 0) */
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++) {
    unsigned char *b = d + (size_t)r * SS_FUZZ_RECORD_SIZE;
    if (b[0] % SS_FZ_NKINDS != SS_FZ_ON || !(b[6] & 1))
      continue;
    memcpy(c, d, *n);
    c[(size_t)r * SS_FUZZ_RECORD_SIZE + 6] = 0;
    c[(size_t)r * SS_FUZZ_RECORD_SIZE + 7] = 0;
    if (ss_min_keeps(m, c, *n))
      memcpy(d, c, *n);
  }
  /* a finding of a time window: the first record rewritten as a
   * synchronous on= window at one of the first entries into the function
   * the signal interrupted (its signal and thread kept) */
  static const unsigned char ks[] = {1, 2, 4};
  for (unsigned r = 0;
       m->fn >= 0 && m->fn < 256 && ss_nsync(d, *n) == 0 && r < SS_FUZZ_RECORDS;
       r++) {
    size_t o = (size_t)r * SS_FUZZ_RECORD_SIZE;
    if (d[o] % SS_FZ_NKINDS == SS_FZ_NONE)
      continue;
    for (unsigned i = 0; i < sizeof ks; i++) {
      memcpy(c, d, *n);
      c[o] = SS_FZ_ON;
      c[o + 3] = (unsigned char)m->fn;
      c[o + 4] = (unsigned char)(ks[i] - 1);
      c[o + 5] = c[o + 6] = c[o + 7] = 0;
      if (ss_min_keeps(m, c, *n)) {
        memcpy(d, c, *n);
        break;
      }
    }
    break;
  }
  /* fewest shots: every/rate windows down to one shot */
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++) {
    unsigned char *b = d + (size_t)r * SS_FUZZ_RECORD_SIZE;
    unsigned k = b[0] % SS_FZ_NKINDS;
    if ((k != SS_FZ_EVERY && k != SS_FZ_RATE) || b[3] % SS_FUZZ_MAX_SHOTS == 0)
      continue;
    memcpy(c, d, *n);
    c[(size_t)r * SS_FUZZ_RECORD_SIZE + 3] = 0;
    if (ss_min_keeps(m, c, *n))
      memcpy(d, c, *n);
  }
  /* fewest workload bytes: the whole tail, then halves, quarters, ... */
  if (*n > SS_FUZZ_PREFIX && ss_min_keeps(m, d, SS_FUZZ_PREFIX))
    *n = SS_FUZZ_PREFIX;
  for (size_t chunk = (*n - SS_FUZZ_PREFIX) / 2; chunk >= 1; chunk /= 2) {
    size_t i = SS_FUZZ_PREFIX;
    while (i < *n && ss_mono_ns() < m->deadline) {
      size_t len = chunk < *n - i ? chunk : *n - i;
      memcpy(c, d, i);
      memcpy(c + i, d + i + len, *n - i - len);
      if (ss_min_keeps(m, c, *n - len)) {
        *n -= len;
        memcpy(d, c, *n);
      } else {
        i += len;
      }
    }
    if (ss_mono_ns() >= m->deadline)
      break;
  }
  free(c);
  return m->runs;
}

/* in how many of `times` re-runs the input shows the signature */
static unsigned ss_shows(const ss_fz_target *t, const char *file,
                         const char *signature, unsigned times) {
  unsigned k = 0;
  ss_fz_class c;
  for (unsigned i = 0; i < times; i++)
    if (ss_fz_classify(t, file, 1, &c) == 0 &&
        strcmp(c.signature, signature) == 0)
      k++;
  return k;
}

/* ---- conversion into a case file ---------------------------------------- */

/* Does a case's expectation show the race of class c? */
static int ss_case_matches(const ss_case *cs, const ss_fz_class *c) {
  for (int i = 0; i < cs->nexpect; i++) {
    const ss_case_expect *e = &cs->expect[i];
    const char *k = c->kind;
    if (strcmp(k, "reentrancy-window") == 0 || strcmp(k, "reentrancy") == 0) {
      if (strcmp(e->kind, "reentrancy") == 0 &&
          (!c->interrupted[0] || strcmp(c->interrupted, "-") == 0 ||
           (e->interrupted && strcmp(e->interrupted, c->interrupted) == 0)))
        return 1;
    } else if (strcmp(k, "heap-corruption") == 0 || strcmp(k, "crash") == 0) {
      if (strcmp(e->kind, "heap-corruption") == 0 ||
          strcmp(e->kind, "crash") == 0 || strcmp(e->kind, "sanitizer") == 0)
        return 1;
    } else if (strcmp(e->kind, k) == 0) {
      return 1;
    }
  }
  return 0;
}

/* The first case in dir that shows c's race; its path in out. */
static int ss_pick_case(const char *dir, const ss_fz_class *c, char *out,
                        size_t cap) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".case") != 0)
      continue;
    char p[4096], err[512];
    ss_bprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    ss_case cs;
    if (ss_case_load(p, &cs, err, sizeof err) < 0)
      continue;
    if (ss_case_matches(&cs, c)) {
      ss_bprintf(out, cap, "%s", p);
      found = 1;
    }
    ss_case_free(&cs);
  }
  closedir(d);
  return found;
}

/* The function whose entries anchor the sweep: the interrupted one, else
 * the function of the input's first on= record. NULL: none known. */
static const char *ss_anchor(const ss_fz_class *c, const unsigned char *d,
                             size_t n) {
  if (c->interrupted[0] && strcmp(c->interrupted, "-") != 0 &&
      strcmp(c->interrupted, "none") != 0 && ss_fn_lookup(c->interrupted) >= 0)
    return c->interrupted;
  for (unsigned r = 0; r < SS_FUZZ_RECORDS; r++) {
    const unsigned char *b = d + (size_t)r * SS_FUZZ_RECORD_SIZE;
    if (((size_t)r + 1) * SS_FUZZ_RECORD_SIZE <= n &&
        b[0] % SS_FZ_NKINDS == SS_FZ_ON)
      return ss_fn_name(b[3] % SS_FN_COUNT);
  }
  return NULL;
}

/* Runs `sigstorm OPTS... --timeout 5s --cases CASES -- PROGRAM INPUT_ARG
 * WORKLOAD` and picks a case of c's race from CASES: 1 found (its path in
 * out), 0 not, -1 could not run. */
static int ss_try_host(const ss_fz_target *t, const char *const *opts,
                       size_t nopts, const char *cases, const char *workload,
                       uint64_t timeout_ms, const ss_fz_class *c, char *out,
                       size_t cap) {
  char *argv[24];
  size_t n = 0;
  argv[n++] = (char *)t->self;
  for (size_t i = 0; i < nopts && n < 16; i++)
    argv[n++] = (char *)opts[i];
  argv[n++] = "--timeout";
  argv[n++] = "5s";
  argv[n++] = "--cases";
  argv[n++] = (char *)cases;
  argv[n++] = "--";
  argv[n++] = t->program;
  argv[n++] = t->input_arg;
  argv[n++] = (char *)workload;
  argv[n] = NULL;
  ss_fz_proc_result r;
  if (ss_fz_exec(argv, NULL, timeout_ms, &r) < 0)
    return -1;
  free(r.out);
  return ss_pick_case(cases, c, out, cap);
}

/* Tries to turn (workload, class) into a confirmed case in dir; the case's
 * path in out. 1 converted, 0 not. how: what was done, for the report. */
static int ss_convert_case(const ss_fz_target *t, const char *dir,
                           const char *workload, const ss_fz_class *c,
                           const unsigned char *d, size_t n, char *out,
                           size_t cap, char *how, size_t howcap) {
  char cases[4096];
  ss_bprintf(cases, sizeof cases, "%s/cases", dir);
  const char *fn = ss_anchor(c, d, n);
  char sigopt[32];
  ss_bprintf(sigopt, sizeof sigopt, "%s", c->sig[0] ? c->sig : "SIGALRM");
  /* sweeps of growing size around the anchor, then random schedules */
  static const char *const calls[] = {"1-2", "1-2", "3-6", "7-20"};
  static const char *const offs[] = {"0-31", "32-127", "0-63", "0-31"};
  for (unsigned s = 0; fn && s < sizeof calls / sizeof *calls; s++) {
    const char *opts[] = {"sweep",   "--signal", sigopt,      "--function", fn,
                          "--calls", calls[s],   "--offsets", offs[s]};
    int r = ss_try_host(t, opts, sizeof opts / sizeof *opts, cases, workload,
                        300000, c, out, cap);
    if (r < 0)
      return 0;
    if (r) {
      ss_bprintf(how, howcap,
                 "sigstorm sweep --signal %s --function %s --calls %s "
                 "--offsets %s on the normal build with the workload",
                 sigopt, fn, calls[s], offs[s]);
      return 1;
    }
  }
  for (unsigned s = 0; s < 3; s++) {
    char seed[32];
    ss_bprintf(seed, sizeof seed, "%u", s + 1);
    const char *opts[] = {"stress", "--runs", "60", "--seed", seed};
    int r = ss_try_host(t, opts, sizeof opts / sizeof *opts, cases, workload,
                        600000, c, out, cap);
    if (r < 0)
      return 0;
    if (r) {
      ss_bprintf(how, howcap,
                 "sigstorm stress --runs 60 --seed %u (random schedules) on "
                 "the normal build with the workload",
                 s + 1);
      return 1;
    }
  }
  return 0;
}

static int ss_replay_rate(const ss_fz_target *t, const char *casep, int fixed,
                          unsigned times);

/* Deletes workload bytes (the file wpath, read by the case) while one
 * replay of the case still reproduces it: the whole, then halves,
 * quarters... within half of --minimize-time. Returns the replays used;
 * the final length in *len. */
static unsigned ss_min_workload(const ss_fz_target *t, const char *casep,
                                const char *wpath, size_t *len) {
  size_t n;
  char *w = ss_read_file(wpath, &n);
  if (!w)
    return 0;
  char *c = malloc(n + 1);
  if (!c) {
    free(w);
    return 0;
  }
  uint64_t deadline = ss_mono_ns() + t->minimize_ns / 2;
  unsigned runs = 0;
  if (n > 0) {
    runs++;
    if (ss_fz_write_atomic(wpath, "", 0) == 0 &&
        ss_replay_rate(t, casep, 0, 1) == 1)
      n = 0;
  }
  for (size_t chunk = n / 2; chunk >= 1 && ss_mono_ns() < deadline;
       chunk /= 2) {
    size_t i = 0;
    while (i < n && ss_mono_ns() < deadline) {
      size_t l = chunk < n - i ? chunk : n - i;
      memcpy(c, w, i);
      memcpy(c + i, w + i + l, n - i - l);
      runs++;
      if (ss_fz_write_atomic(wpath, c, n - l) == 0 &&
          ss_replay_rate(t, casep, 0, 1) == 1) {
        n -= l;
        memcpy(w, c, n);
      } else {
        i += l;
      }
    }
  }
  ss_fz_write_atomic(wpath, w, n);
  *len = n;
  free(c);
  free(w);
  return runs;
}

/* "reproduced X/Y" of a replay: X, or -1 when not printed */
static int ss_replay_rate(const ss_fz_target *t, const char *casep, int fixed,
                          unsigned times) {
  char tbuf[16];
  ss_bprintf(tbuf, sizeof tbuf, "%u", times);
  char *argv[8];
  int k = 0;
  argv[k++] = (char *)t->self;
  argv[k++] = "replay";
  argv[k++] = "--times";
  argv[k++] = tbuf;
  if (fixed)
    argv[k++] = "--fixed";
  argv[k++] = (char *)casep;
  argv[k] = NULL;
  ss_fz_proc_result r;
  if (ss_fz_exec(argv, NULL, 900000, &r) < 0)
    return -1;
  int x = -1;
  const char *p = strstr(r.out, "reproduced ");
  if (p)
    x = atoi(p + 11);
  free(r.out);
  return x;
}

static void ss_slug(char *dst, size_t cap, const char *s) {
  size_t j = 0;
  for (; *s && j + 1 < cap; s++)
    dst[j++] = (char)((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                              (*s >= '0' && *s <= '9') || *s == '_'
                          ? *s
                          : '_');
  dst[j] = '\0';
}

static int ss_rm_rf(const char *path) {
  DIR *d = opendir(path);
  if (!d)
    return unlink(path);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char p[4096];
    ss_bprintf(p, sizeof p, "%s/%s", path, e->d_name);
    ss_rm_rf(p);
  }
  closedir(d);
  return rmdir(path);
}

int ss_fz_make_finding(const ss_fz_target *t, const char *campaign,
                       const char *artifact, const ss_fz_class *cls,
                       char *name_out, size_t name_cap) {
  size_t n0 = 0;
  char *raw = ss_read_file(artifact, &n0);
  if (!raw) {
    SS_ERR("fuzz: triage: cannot read '%s': %s", artifact, strerror(errno));
    return -1;
  }
  size_t cap = (n0 > SS_FUZZ_PREFIX ? n0 : SS_FUZZ_PREFIX) + 1;
  unsigned char *d = calloc(1, cap);
  if (!d) {
    free(raw);
    return -1;
  }
  memcpy(d, raw, n0);
  size_t n = n0;
  /* raw stays the input as saved: its workload is the conversion's second
   * try when the minimized one's gives no case */

  char name[160], what[64];
  const char *where = cls->interrupted[0] && strcmp(cls->interrupted, "-") != 0
                          ? cls->interrupted
                          : cls->callee;
  ss_slug(what, sizeof what, where[0] && strcmp(where, "-") != 0 ? where : "x");
  ss_bprintf(name, sizeof name, "%s-%s-%.8s", cls->kind, what, cls->signature);
  ss_bprintf(name_out, name_cap, "%s", name);
  char tmpdir[4096], final[4096];
  ss_bprintf(tmpdir, sizeof tmpdir, "%s/findings/.tmp-%s", campaign, name);
  ss_bprintf(final, sizeof final, "%s/findings/%s", campaign, name);
  ss_rm_rf(tmpdir);
  if (ss_mkdir_p(tmpdir) < 0) {
    SS_ERR("fuzz: cannot create '%s': %s", tmpdir, strerror(errno));
    free(d);
    free(raw);
    return -1;
  }

  /* Minimize the fuzz input, when a re-run shows the finding at all (an
   * input whose time window landed by chance in the campaign may never
   * show it again: then its case's workload is minimized instead, below,
   * by deterministic replays). Half of --minimize-time. */
  char inpath[4096];
  ss_bprintf(inpath, sizeof inpath, "%s/input", tmpdir);
  unsigned sig0 = ss_nrecords(d, n);
  unsigned shows0 = ss_shows(t, artifact, cls->signature, 3), shows = shows0;
  unsigned runs = 0;
  double min_s = 0;
  int kept_original = 1;
  if (shows0 > 0) {
    struct ss_min m = {.t = t, .want = cls->signature, .fn = -1};
    if (cls->interrupted[0] && strcmp(cls->interrupted, "-") != 0)
      m.fn = ss_fn_lookup(cls->interrupted);
    ss_bprintf(m.path, sizeof m.path, "%s/.min-input", tmpdir);
    m.deadline = ss_mono_ns() + t->minimize_ns / 2;
    uint64_t t0 = ss_mono_ns();
    size_t nmin = n;
    unsigned char *dm = malloc(cap);
    if (dm) {
      memcpy(dm, d, cap);
      runs = ss_minimize(&m, dm, &nmin);
      min_s = (double)(ss_mono_ns() - t0) / 1e9;
      unlink(m.path);
      /* keep it only if it shows the finding about as often */
      if (ss_fz_write_atomic(inpath, dm, nmin) == 0) {
        shows = ss_shows(t, inpath, cls->signature, 3);
        if (shows * 2 >= shows0) {
          memcpy(d, dm, cap);
          n = nmin;
          kept_original = 0;
        } else {
          shows = shows0;
        }
      }
      free(dm);
    }
  }
  if (ss_fz_write_atomic(inpath, d, n) < 0) {
    SS_ERR("fuzz: cannot write '%s': %s", inpath, strerror(errno));
    free(d);
    free(raw);
    return -1;
  }
  char wpath[4096];
  ss_bprintf(wpath, sizeof wpath, "%s/workload.bin", tmpdir);
  size_t wl = n > SS_FUZZ_PREFIX ? n - SS_FUZZ_PREFIX : 0;
  if (ss_fz_write_atomic(wpath, d + SS_FUZZ_PREFIX, wl) < 0) {
    free(d);
    free(raw);
    return -1;
  }

  /* convert */
  char casep[4096] = "", how[512] = "", casename[256] = "";
  int conv = 0, rate = -1, frate = -1;
  size_t case_wl = wl;
  char why[512] = "";
  int asan_only = 0;
  if (!t->program) {
    ss_bprintf(why, sizeof why,
               "no normal build of the program given (--program): the case "
               "needs one that reads the workload");
  } else if (!ss_fz_is_race(cls->kind) && 0) {
    ss_bprintf(why, sizeof why, "not a race");
  } else {
    char absw[4096];
    if (!realpath(wpath, absw))
      ss_bprintf(absw, sizeof absw, "%s", wpath);
    char found[4096];
    int got = ss_convert_case(t, tmpdir, absw, cls, d, n, found, sizeof found,
                              how, sizeof how);
    size_t wl0 = n0 > SS_FUZZ_PREFIX ? n0 - SS_FUZZ_PREFIX : 0;
    if (!got && !kept_original && wl0 > 0 &&
        (wl0 != wl ||
         memcmp(raw + SS_FUZZ_PREFIX, d + SS_FUZZ_PREFIX, wl) != 0)) {
      /* The minimized input kept its finding in the fuzz build with fewer
       * workload bytes than the normal build needs to make the interrupted
       * call (a call the fuzz binary makes elsewhere: the engine's, say):
       * the saved input's workload, for the case only. */
      if (ss_fz_write_atomic(wpath, raw + SS_FUZZ_PREFIX, wl0) == 0) {
        got = ss_convert_case(t, tmpdir, absw, cls, (unsigned char *)raw, n0,
                              found, sizeof found, how, sizeof how);
        if (got) {
          size_t hl = strlen(how);
          ss_bprintf(how + hl, sizeof how - hl,
                     " (the saved input's %zu workload bytes: the minimized "
                     "input's %zu showed no window)",
                     wl0, wl);
          wl = wl0;
          case_wl = wl0;
        } else {
          (void)ss_fz_write_atomic(wpath, d + SS_FUZZ_PREFIX, wl);
        }
      }
    }
    if (got) {
      char err[512];
      ss_case cs;
      if (ss_case_load(found, &cs, err, sizeof err) == 0) {
        /* read the workload from stdin, beside the case; name the
         * programs as the corpus does */
        for (int i = 0; i < cs.nargs; i++)
          if (strcmp(cs.args[i], absw) == 0) {
            free(cs.args[i]);
            cs.args[i] = strdup("/dev/stdin");
          }
        free(cs.input);
        cs.input = strdup("workload.bin");
        free(cs.target);
        cs.target = strdup(t->prog_rel ? t->prog_rel : t->program);
        free(cs.fixed);
        cs.fixed = t->fixed_rel ? strdup(t->fixed_rel)
                   : t->fixed   ? strdup(t->fixed)
                                : NULL;
        char note[1024];
        char **notes = calloc((size_t)cs.nnotes + 4, sizeof *notes);
        if (notes) {
          ss_bprintf(note, sizeof note,
                     "found by sigstorm fuzz --engine %s (%s oracle): %s",
                     t->engine == SS_ENG_AFL         ? "afl"
                     : t->engine == SS_ENG_LIBFUZZER ? "libfuzzer"
                                                     : "builtin",
                     t->oracle, cls->detail);
          notes[0] = strdup(note);
          ss_bprintf(note, sizeof note,
                     "minimized to %zu workload bytes and %u signal record(s); "
                     "window found by %s",
                     wl, ss_nrecords(d, n), how);
          notes[1] = strdup(note);
          for (int i = 0; i < cs.nnotes; i++)
            notes[2 + i] = cs.notes[i];
          free(cs.notes);
          cs.notes = notes;
          cs.nnotes += 2;
        }
        char tname[128];
        ss_slug(tname, sizeof tname, t->name);
        ss_bprintf(casename, sizeof casename, "%s-%s.case", tname, name);
        ss_bprintf(casep, sizeof casep, "%s/%s", tmpdir, casename);
        if (ss_case_write(casep, &cs) == 0) {
          conv = 1;
          /* the case's workload: fewest bytes whose replay still shows
           * it (deterministic, one replay each) */
          size_t wmin = wl;
          unsigned wruns = ss_min_workload(t, casep, wpath, &wmin);
          if (wmin < wl && notes) {
            char nn[1024];
            ss_bprintf(nn, sizeof nn,
                       "workload minimized from %zu to %zu bytes by %u "
                       "replays of this case; window found by %s",
                       wl, wmin, wruns, how);
            free(cs.notes[1]);
            cs.notes[1] = strdup(nn);
            ss_case_write(casep, &cs);
          }
          case_wl = wmin;
          rate = ss_replay_rate(t, casep, 0, t->confirm);
          if (t->fixed)
            frate = ss_replay_rate(t, casep, 1, t->confirm);
        } else {
          ss_bprintf(why, sizeof why, "cannot write the case: %s",
                     strerror(errno));
        }
        ss_case_free(&cs);
      } else {
        ss_bprintf(why, sizeof why, "%s", err);
      }
    } else if ((asan_only = ss_fz_asan_alloc_deadlock(t, cls))) {
      ss_bprintf(why, sizeof why,
                 "shown only under ASan's allocator: the fuzz build carries "
                 "AddressSanitizer, whose allocator lock the handler waited "
                 "for; no instruction window "
                 "of the normal build (glibc's allocator) showed it (sweeps "
                 "of %s, random schedules)",
                 ss_anchor(cls, d, n) ? ss_anchor(cls, d, n) : "-");
    } else {
      ss_bprintf(why, sizeof why,
                 "no instruction window of the normal build showed it (sweeps "
                 "of %s, random schedules)",
                 ss_anchor(cls, d, n) ? ss_anchor(cls, d, n) : "-");
    }
    char cases[4096];
    ss_bprintf(cases, sizeof cases, "%s/cases", tmpdir);
    ss_rm_rf(cases);
  }

  /* report.txt and report.json */
  char *txt = NULL;
  size_t tl = 0;
  FILE *f = open_memstream(&txt, &tl);
  if (f) {
    fprintf(f, "sigstorm fuzz finding %s\n\n", name);
    fprintf(f, "kind:        %s\n", cls->kind);
    fprintf(f, "signal:      %s\n", cls->sig[0] ? cls->sig : "-");
    fprintf(f, "handler:     %s\n", cls->handler[0] ? cls->handler : "-");
    fprintf(f, "callee:      %s\n", cls->callee[0] ? cls->callee : "-");
    fprintf(f, "interrupted: %s\n",
            cls->interrupted[0] ? cls->interrupted : "-");
    fprintf(f, "signature:   %s\n", cls->signature);
    fprintf(f, "report:      %s\n\n", cls->detail);
    fprintf(f, "first input: %s (%zu bytes, %u signal records)\n", artifact, n0,
            sig0);
    if (shows0 == 0)
      fprintf(f,
              "fuzz input:  input (%zu bytes, as saved): it did not show the "
              "finding again in 3 re-runs of %s repeats (its signal landed "
              "by chance in the campaign); the case below is the "
              "deterministic reproducer\n",
              n, SS_FZ_REPEAT_S);
    else if (kept_original)
      fprintf(f,
              "fuzz input:  input (%zu bytes, as saved; minimizing it lost "
              "too much: %u re-runs, %.1f s); it shows the finding in %u/3 "
              "re-runs\n",
              n, runs, min_s, shows);
    else
      fprintf(f,
              "fuzz input:  input, minimized from %zu to %zu bytes (%u to %u "
              "signal records, %u synchronous on=) in %u re-runs, %.1f s; it "
              "shows the finding in %u/3 re-runs\n",
              n0, n, sig0, ss_nrecords(d, n), ss_nsync(d, n), runs, min_s,
              shows);
    fprintf(f, "reproduce:   SIGSTORM_FUZZ_ORACLE=%s %s%s input\n", t->oracle,
            t->rerun,
            t->rerun_engine == SS_ENG_LIBFUZZER
                ? " -timeout=0 -handle_usr1=0 -handle_usr2=0 "
                  "-runs=" SS_FZ_REPEAT_S
                : "");
    if (conv) {
      fprintf(f, "case:        %s (%s); its workload.bin: %zu bytes\n",
              casename, how, case_wl);
      fprintf(f, "replay:      reproduced %d/%u", rate, t->confirm);
      if (t->fixed)
        fprintf(f, "; fixed twin %d/%u", frate, t->confirm);
      fprintf(f, "\n             sigstorm replay --times 100 %s\n", casename);
    } else {
      fprintf(f, "case:        none: %s\n", why);
    }
    fclose(f);
  }
  char rp[4096];
  ss_bprintf(rp, sizeof rp, "%s/report.txt", tmpdir);
  if (txt)
    ss_fz_write_atomic(rp, txt, tl);
  json_object *j = json_object_new_object();
  json_object_object_add(j, "name", json_object_new_string(name));
  json_object_object_add(j, "kind", json_object_new_string(cls->kind));
  json_object_object_add(j, "signal", json_object_new_string(cls->sig));
  json_object_object_add(j, "handler", json_object_new_string(cls->handler));
  json_object_object_add(j, "callee", json_object_new_string(cls->callee));
  json_object_object_add(j, "interrupted",
                         json_object_new_string(cls->interrupted));
  json_object_object_add(j, "signature",
                         json_object_new_string(cls->signature));
  json_object_object_add(j, "report", json_object_new_string(cls->detail));
  json_object_object_add(j, "artifact", json_object_new_string(artifact));
  json_object_object_add(j, "input_bytes", json_object_new_int64((int64_t)n));
  json_object_object_add(j, "workload_bytes",
                         json_object_new_int64((int64_t)case_wl));
  json_object_object_add(j, "signal_records",
                         json_object_new_int((int)ss_nrecords(d, n)));
  json_object_object_add(j, "sync_on_records",
                         json_object_new_int((int)ss_nsync(d, n)));
  json_object_object_add(j, "input_shows", json_object_new_int((int)shows));
  json_object_object_add(j, "input_reruns", json_object_new_int(3));
  json_object_object_add(j, "case",
                         conv ? json_object_new_string(casename) : NULL);
  json_object_object_add(j, "case_problem",
                         conv ? NULL : json_object_new_string(why));
  json_object_object_add(j, "asan_only", json_object_new_boolean(asan_only));
  json_object_object_add(j, "replay_reproduced", json_object_new_int(rate));
  json_object_object_add(j, "fixed_reproduced", json_object_new_int(frate));
  json_object_object_add(j, "replays", json_object_new_int((int)t->confirm));
  const char *js = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
  ss_bprintf(rp, sizeof rp, "%s/report.json", tmpdir);
  ss_fz_write_atomic(rp, js, strlen(js));
  json_object_put(j);
  free(txt);
  free(d);
  free(raw);

  ss_rm_rf(final);
  if (rename(tmpdir, final) < 0) {
    SS_ERR("fuzz: cannot move '%s' to '%s': %s", tmpdir, final,
           strerror(errno));
    return -1;
  }
  if (conv)
    SS_INFO("fuzz: finding %s: case %s/%s replays %d/%u%s", name, final,
            casename, rate, t->confirm, frate == 0 ? ", fixed twin clean" : "");
  else
    SS_INFO("fuzz: finding %s: input minimized, no case (%s)", name, why);
  return 0;
}
