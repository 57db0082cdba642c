/* fuzz_driver.c: sigstorm's builtin fuzzing engine, the supervisor and main()
 * (see fuzz_driver.h, docs/fuzzing.md "The builtin engine").
 *
 *   prog.sfuzz [-flag=value...] [CORPUS_DIR...]   fuzz
 *   prog.sfuzz [-runs=N] FILE...                  run each file (reproduce)
 *
 * Flags and output follow libFuzzer's, so one caller drives both engines.
 * The supervisor never runs the target: it forks the worker before any
 * thread exists (the runtime starts its injector thread at the worker's
 * first input), reads the worker's stderr through a pipe (forwarded, and its
 * tail kept for the artifact's .txt), and when the worker dies or outlives
 * -timeout on one input saves that input from the shared mapping.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_driver.h"
#include "sigstorm_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
extern uint8_t __start___libfuzzer_extra_counters[] __attribute__((weak));
extern uint8_t __stop___libfuzzer_extra_counters[] __attribute__((weak));

#ifndef SS_ENV_FUZZ_ARTIFACTS /* the runtime's watchdog (issue 5) */
#define SS_ENV_FUZZ_ARTIFACTS "SIGSTORM_FUZZ_ARTIFACTS"
#endif
#ifndef SS_ENV_FUZZ_TIMEOUT
#define SS_ENV_FUZZ_TIMEOUT "SIGSTORM_FUZZ_TIMEOUT"
#endif
#define FD_REEXEC_ENV "SIGSTORM_FUZZDRIVER_ENV_SET"
#define FD_TAIL 16384          /* the worker's stderr kept for a .txt */
#define FD_PIPE_SIZE (1 << 20) /* its pipe: 1 MiB, Linux's default cap */

/* ---- options: one table drives parsing and -help=1 ------------------------
 */
static struct {
  long long seed, runs, max_total_time, timeout, max_len, print_final_stats;
  long long use_code_cov, ignore_crashes, ignore_timeouts, error_exitcode;
  long long timeout_exitcode, interrupted_exitcode, help;
  const char *artifact_prefix;
} opt = {
    .timeout = 2,
    .max_len = 0, /* 0: FD_DEFAULT_MAX_LEN or the largest seed */
    .use_code_cov = 1,
    .error_exitcode = 77, /* libFuzzer's */
    .timeout_exitcode = 70,
    .interrupted_exitcode = 72,
    .artifact_prefix = "",
};

static const struct fd_opt {
  const char *name;
  long long *num; /* or */
  const char **str;
  const char *help;
} fd_opts[] = {
    {"seed", &opt.seed, NULL, "random seed; 0: from the clock"},
    {"runs", &opt.runs, NULL,
     "executions in all (fuzzing); times each file runs (files); 0: no limit"},
    {"max_total_time", &opt.max_total_time, NULL, "seconds; 0: no limit"},
    {"timeout", &opt.timeout, NULL,
     "seconds one input may run before the worker is killed and the input "
     "saved as timeout-*; 0: off"},
    {"max_len", &opt.max_len, NULL,
     "longest input made (default 4096, or the largest seed)"},
    {"artifact_prefix", NULL, &opt.artifact_prefix,
     "where crash-*/timeout-* go (a folder ends with /)"},
    {"print_final_stats", &opt.print_final_stats, NULL,
     "1: stat::* lines at the end"},
    {"use_code_cov", &opt.use_code_cov, NULL,
     "0: code coverage is not feedback (SIGSTORM_FUZZ_ICOV=0 turns "
     "interruption coverage off)"},
    {"ignore_crashes", &opt.ignore_crashes, NULL,
     "1: save a crash and go on with a new worker"},
    {"ignore_timeouts", &opt.ignore_timeouts, NULL,
     "1: save a timeout and go on with a new worker"},
    {"error_exitcode", &opt.error_exitcode, NULL, "exit status after a crash"},
    {"timeout_exitcode", &opt.timeout_exitcode, NULL,
     "exit status after a timeout"},
    {"interrupted_exitcode", &opt.interrupted_exitcode, NULL,
     "exit status after SIGINT/SIGTERM"},
    {"help", &opt.help, NULL, "1: this list"},
};
#define FD_NOPTS (sizeof fd_opts / sizeof fd_opts[0])

static void fd_usage(const char *prog) {
  fprintf(stderr,
          "Usage: %s [-flag=value...] [CORPUS_DIR...]   fuzz (new inputs go "
          "to the first folder)\n"
          "       %s [-runs=N] FILE...                  run each file\n"
          "Flags:\n",
          prog, prog);
  for (size_t i = 0; i < FD_NOPTS; i++)
    fprintf(stderr, "  -%-22s %s\n", fd_opts[i].name, fd_opts[i].help);
  fprintf(stderr, "Other libFuzzer flags (-jobs, -workers, -handle_*, ...) "
                  "are accepted and ignored.\n");
}

/* -name=value: 0 taken, 1 not a flag, 2 ignored, -1 bad */
static int fd_parse_flag(const char *a) {
  if (a[0] != '-' || a[1] == '-' || !strchr(a, '='))
    return 1;
  const char *eq = strchr(a, '=');
  size_t n = (size_t)(eq - a - 1);
  for (size_t i = 0; i < FD_NOPTS; i++) {
    const struct fd_opt *o = &fd_opts[i];
    if (strlen(o->name) != n || strncmp(o->name, a + 1, n) != 0)
      continue;
    if (o->str) {
      *o->str = eq + 1;
      return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (!eq[1] || *end || errno || v < 0) {
      fprintf(stderr, "ERROR: sigstorm-fuzz: bad value for -%.*s: '%s'\n",
              (int)n, a + 1, eq + 1);
      return -1;
    }
    *o->num = v;
    return 0;
  }
  return 2;
}

/* ---- files ----------------------------------------------------------------
 */
int fd_write_file(const char *path, const void *data, size_t n) {
  char tmp[FD_PATH + 64];
  const char *slash = strrchr(path, '/');
  int dl = slash ? (int)(slash - path + 1) : 0;
  snprintf(tmp, sizeof tmp, "%.*s.tmp-%s-%d", dl, path,
           slash ? slash + 1 : path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  const uint8_t *p = data;
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, p + off, n - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      close(fd);
      unlink(tmp);
      return -1;
    }
    off += (size_t)w;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* reads a whole file (at most FD_MAX_INPUT bytes); NULL on error */
static uint8_t *fd_read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  uint8_t *b = malloc(FD_MAX_INPUT);
  if (!b) {
    fclose(f);
    return NULL;
  }
  *n = fread(b, 1, FD_MAX_INPUT, f);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(b);
    return NULL;
  }
  return b;
}

/* ---- reproduce: run each file in this process -----------------------------
 * A crash ends this process by the same death (the runtime's abort, a
 * SIGSEGV): no handler of ours is in the way. */
static int fd_run_files(int argc, char **argv, int first) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  long long times = opt.runs ? opt.runs : 1;
  for (int i = first; i < argc; i++) {
    if (argv[i][0] == '-' && strchr(argv[i], '='))
      continue;
    size_t n;
    uint8_t *b = fd_read_file(argv[i], &n);
    if (!b) {
      fprintf(stderr, "ERROR: sigstorm-fuzz: cannot read %s: %s\n", argv[i],
              strerror(errno));
      return 1;
    }
    fprintf(stderr, "Running: %s\n", argv[i]);
    uint64_t t0 = fd_now_ns();
    for (long long k = 0; k < times; k++)
      LLVMFuzzerTestOneInput(b, n);
    fprintf(stderr, "Executed %s in %llu ms\n", argv[i],
            (unsigned long long)((fd_now_ns() - t0) / 1000000));
    free(b);
  }
  fprintf(stderr, "***\n*** NOTE: fuzzing was not performed, you have only\n"
                  "***       executed the target code on a fixed set of "
                  "inputs.\n***\n");
  return 0;
}

/* ---- the shared mapping and the seeds -------------------------------------
 */
static struct fd_shared *fd_map_shared(void) {
  size_t size = sizeof(struct fd_shared) + FD_ARENA;
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  struct fd_shared *s = p;
  s->magic = FD_MAGIC;
  return s;
}

static int fd_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of every corpus folder becomes a seed entry (sorted by name,
 * so a resumed campaign starts the same way). */
static int fd_load_seeds(struct fd_shared *s, char **dirs, int ndirs,
                         uint32_t *maxlen) {
  uint64_t total = 0, minl = UINT64_MAX;
  *maxlen = 0;
  for (int d = 0; d < ndirs; d++) {
    DIR *dir = opendir(dirs[d]);
    if (!dir) {
      fprintf(stderr, "ERROR: sigstorm-fuzz: cannot open %s: %s\n", dirs[d],
              strerror(errno));
      return -1;
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
      if (de->d_name[0] == '.')
        continue; /* ., .., and our own .tmp-* files */
      if (nn == cap) {
        cap = cap ? cap * 2 : 64;
        char **nx = realloc(names, cap * sizeof *names);
        if (!nx)
          return -1;
        names = nx;
      }
      names[nn++] = strdup(de->d_name);
    }
    closedir(dir);
    qsort(names, nn, sizeof *names, fd_name_cmp);
    for (size_t i = 0; i < nn; i++) {
      char path[FD_PATH + 256];
      snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
      free(names[i]);
      struct stat st;
      size_t n;
      uint8_t *b;
      if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
          !(b = fd_read_file(path, &n)))
        continue;
      uint32_t k = s->nseeds;
      if (k >= FD_MAX_ENTRIES / 2 || s->arena_used + n > FD_ARENA / 2) {
        free(b);
        continue; /* keep room for what fuzzing finds */
      }
      struct fd_entry *e = &s->e[k];
      e->off = s->arena_used;
      e->len = (uint32_t)n;
      e->state = FD_E_SEED;
      memcpy(fd_arena(s) + e->off, b, n);
      free(b);
      s->arena_used += (n + 7) & ~(size_t)7;
      s->nseeds = k + 1;
      total += n;
      if (n < minl)
        minl = n;
      if (n > *maxlen)
        *maxlen = (uint32_t)n;
    }
    free(names);
  }
  atomic_store(&s->nentries, s->nseeds);
  if (s->nseeds)
    fprintf(stderr,
            "INFO: seed corpus: files: %u min: %llub max: %ub total: %llub\n",
            s->nseeds, (unsigned long long)minl, *maxlen,
            (unsigned long long)total);
  else
    fprintf(stderr, "INFO: A corpus is not provided, starting from an empty "
                    "corpus\n");
  return 0;
}

/* ---- status ---------------------------------------------------------------
 */
static uint64_t fd_t0;
static uint64_t fd_child_rss_kb;

static void fd_bytes(char *out, size_t cap, uint64_t b) {
  if (b < 10000)
    snprintf(out, cap, "%llub", (unsigned long long)b);
  else if (b < 10000000)
    snprintf(out, cap, "%lluKb", (unsigned long long)(b >> 10));
  else
    snprintf(out, cap, "%lluMb", (unsigned long long)(b >> 20));
}

static uint64_t fd_exec_per_sec(const struct fd_shared *s) {
  uint64_t el = fd_now_ns() - fd_t0;
  uint64_t ex = atomic_load(&s->execs);
  return el >= 1000000000ull ? ex / (el / 1000000000ull)
                             : ex; /* libFuzzer's: per whole second */
}

static void fd_rss_of(pid_t pid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  unsigned long long size, res;
  if (sscanf(buf, "%llu %llu", &size, &res) == 2) {
    uint64_t kb = res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
    if (kb > fd_child_rss_kb)
      fd_child_rss_kb = kb;
  }
}

static void fd_status(const struct fd_shared *s, const char *what,
                      uint64_t execs) {
  char cb[32];
  fd_bytes(cb, sizeof cb, atomic_load(&s->corp_bytes));
  fprintf(stderr,
          "#%llu\t%-6s cov: %u ft: %u corp: %u/%s exec/s: %llu "
          "rss: %lluMb\n",
          (unsigned long long)execs, what, atomic_load(&s->cov),
          atomic_load(&s->ft), atomic_load(&s->ncorp), cb,
          (unsigned long long)fd_exec_per_sec(s),
          (unsigned long long)(fd_child_rss_kb >> 10));
}

static void fd_final_stats(const struct fd_shared *s) {
  if (!opt.print_final_stats)
    return;
  fprintf(stderr,
          "stat::number_of_executed_units: %llu\n"
          "stat::average_exec_per_sec:     %llu\n"
          "stat::new_units_added:          %u\n"
          "stat::slowest_unit_time_sec:    %llu\n"
          "stat::peak_rss_mb:              %llu\n",
          (unsigned long long)atomic_load(&s->execs),
          (unsigned long long)fd_exec_per_sec(s), atomic_load(&s->new_units),
          (unsigned long long)(atomic_load(&s->slowest_ns) / 1000000000ull),
          (unsigned long long)(fd_child_rss_kb >> 10));
}

/* ---- the worker's stderr ---------------------------------------------------
 */
static char fd_tail[FD_TAIL + 1];
static size_t fd_tail_n;

/* n <= FD_TAIL: fd_drain reads 4 KiB at a time */
static void fd_tail_add(const char *b, size_t n) {
  if (fd_tail_n + n > FD_TAIL) {
    size_t drop = fd_tail_n + n - FD_TAIL;
    memmove(fd_tail, fd_tail + drop, fd_tail_n - drop);
    fd_tail_n -= drop;
  }
  memcpy(fd_tail + fd_tail_n, b, n);
  fd_tail_n += n;
}

/* forwards what the worker wrote; 0 at end of file */
static int fd_drain(int fd) {
  char b[4096];
  for (;;) {
    ssize_t n = read(fd, b, sizeof b);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n == 0 ? 0 : 1;
    fd_tail_add(b, (size_t)n);
    size_t off = 0;
    while (off < (size_t)n) {
      ssize_t w = write(2, b + off, (size_t)n - off);
      if (w <= 0)
        break;
      off += (size_t)w;
    }
  }
}

/* ---- signals: the supervisor's own, never the target's ---------------------
 */
static volatile sig_atomic_t fd_interrupted;

static void fd_on_stop(int sig) {
  (void)sig;
  fd_interrupted = 1;
}

/* ---- artifacts ------------------------------------------------------------
 */
/* Where the runtime's watchdog said it saved the input, if it did. */
static int fd_runtime_saved(char *out, size_t cap) {
  fd_tail[fd_tail_n] = '\0';
  const char *key = "==sigstorm== input saved as ";
  const char *p = NULL, *q = fd_tail;
  while ((q = strstr(q, key)))
    p = q++;
  if (!p)
    return 0;
  p += strlen(key);
  const char *e = strstr(p, " (");
  const char *nl = strchr(p, '\n');
  if (!e || (nl && nl < e) || (size_t)(e - p) >= cap)
    return 0;
  memcpy(out, p, (size_t)(e - p));
  out[e - p] = '\0';
  return 1;
}

/* the tail from a line's start, at most 8 KiB */
static const char *fd_tail_text(void) {
  fd_tail[fd_tail_n] = '\0';
  const char *t = fd_tail;
  if (fd_tail_n > 8192) {
    t = fd_tail + fd_tail_n - 8192;
    const char *nl = strchr(t, '\n');
    if (nl)
      t = nl + 1;
  }
  return t;
}

/* Saves the input the worker died on as <prefix><kind>-<16 hex>, with
 * <same>.txt: how it died and the worker's stderr tail. */
static void fd_save_artifact(const struct fd_shared *s, const char *kind,
                             const char *why) {
  uint32_t len = s->cur_len;
  char path[FD_PATH + 64], txt[FD_PATH + 80], rt[FD_PATH];
  snprintf(path, sizeof path, "%s%s-%016llx", opt.artifact_prefix, kind,
           (unsigned long long)fd_fnv1a(s->cur, len));
  struct stat st;
  /* the runtime's watchdog wrote it already (the same name and size) */
  int have = fd_runtime_saved(rt, sizeof rt) && strcmp(rt, path) == 0 &&
             stat(path, &st) == 0 && (uint64_t)st.st_size == len;
  if (!have && fd_write_file(path, s->cur, len) != 0) {
    fprintf(stderr, "ERROR: sigstorm-fuzz: cannot write %s: %s\n", path,
            strerror(errno));
    return;
  }
  const char *tail = fd_tail_text();
  size_t tl = strlen(tail);
  char *body = malloc(tl + 512);
  if (body) {
    int hn =
        snprintf(body, 512,
                 "==sigstorm-fuzz== %s: %s; input %u bytes, after %llu "
                 "executions\n",
                 kind, why, len, (unsigned long long)atomic_load(&s->execs));
    memcpy(body + hn, tail, tl);
    snprintf(txt, sizeof txt, "%s.txt", path);
    if (fd_write_file(txt, body, (size_t)hn + tl) != 0)
      fprintf(stderr, "ERROR: sigstorm-fuzz: cannot write %s\n", txt);
    free(body);
  }
  fprintf(stderr, "artifact_prefix='%s'; Test unit written to %s\n",
          opt.artifact_prefix, path);
}

/* ---- the worker's life ----------------------------------------------------
 */
static pid_t fd_spawn(struct fd_shared *s, int *errfd, int argc, char **argv) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    return -1;
  fflush(stdout);
  fflush(stderr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the supervisor */
    if (getppid() != parent)
      _exit(3);
    signal(SIGINT, SIG_DFL); /* ours, not the target's */
    signal(SIGTERM, SIG_DFL);
    dup2(p[1], 2);
    close(p[0]);
    close(p[1]);
    fd_tail_n = 0;
    fd_worker(s, &argc, &argv);
  }
  close(p[1]);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  /* read every 20 ms, not at each write: room for that (best effort) */
  fcntl(p[0], F_SETPIPE_SZ, FD_PIPE_SIZE);
  *errfd = p[0];
  fd_tail_n = 0;
  return pid;
}

static const char *fd_signame(int sig) {
  const char *n = sigabbrev_np(sig);
  static char b[32];
  snprintf(b, sizeof b, "SIG%s", n ? n : "?");
  return b;
}

enum fd_end {
  FD_END_DONE,
  FD_END_CRASH,
  FD_END_TIMEOUT,
  FD_END_INTR,
  FD_END_ERROR
};

/* Supervises one worker until it ends; saves what it died on. */
static enum fd_end fd_supervise(struct fd_shared *s, pid_t pid, int errfd,
                                uint64_t deadline) {
  uint64_t next_status = fd_now_ns() + 1000000000ull;
  uint64_t stop_sent = 0, timeout_ns = (uint64_t)opt.timeout * 1000000000ull;
  uint32_t last_corp = atomic_load(&s->ncorp);
  int inited = atomic_load(&s->inited), timed_out = 0, status = 0, open = 1;
  for (;;) {
    /* Its stderr is read every 20 ms, never woken up by a write: a handler
     * that writes at each signal (malloc_in_handler's fixed one) would
     * wake this process thousands of times a second, CPU that the armed
     * worker, and only it, paid for (bench/README.md). */
    poll(NULL, 0, 20);
    if (open)
      open = fd_drain(errfd);
    uint64_t now = fd_now_ns();
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid)
      break;
    if (!inited && atomic_load(&s->inited)) { /* its line is the worker's */
      inited = 1;
      last_corp = atomic_load(&s->ncorp);
    }
    uint64_t st = atomic_load(&s->start_ns);
    if (timeout_ns && st && now > st && now - st > timeout_ns) {
      timed_out = 1;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    if (!stop_sent && (fd_interrupted || (deadline && now >= deadline))) {
      atomic_store(&s->stop, 1);
      stop_sent = now;
    }
    if (stop_sent && now - stop_sent > timeout_ns + 2000000000ull) {
      kill(pid, SIGKILL); /* it did not finish its input: not a finding */
      waitpid(pid, &status, 0);
      break;
    }
    if (now >= next_status) {
      fd_rss_of(pid);
      uint32_t c = atomic_load(&s->ncorp);
      if (inited)
        fd_status(s, c != last_corp ? "NEW" : "pulse", atomic_load(&s->execs));
      last_corp = c;
      next_status = now + 1000000000ull;
    }
  }
  while (open && fd_drain(errfd))
    ;
  close(errfd);
  struct rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) == 0 &&
      (uint64_t)ru.ru_maxrss > fd_child_rss_kb)
    fd_child_rss_kb = (uint64_t)ru.ru_maxrss;
  char why[128];
  if (timed_out) {
    snprintf(why, sizeof why, "timeout after %lld seconds", opt.timeout);
    fprintf(stderr, "==%d== ERROR: sigstorm-fuzz: %s\n", (int)getpid(), why);
    fd_save_artifact(s, "timeout", why);
    fprintf(stderr, "SUMMARY: sigstorm-fuzz: timeout\n");
    return FD_END_TIMEOUT;
  }
  int in_input = atomic_load(&s->start_ns) != 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !in_input)
    return stop_sent && fd_interrupted ? FD_END_INTR : FD_END_DONE;
  if (stop_sent && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
    return fd_interrupted ? FD_END_INTR : FD_END_DONE;
  /* Ctrl-C reaches the whole process group: the worker's death by it is
   * not a finding */
  if (fd_interrupted && WIFSIGNALED(status) &&
      (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM))
    return FD_END_INTR;
  if (WIFEXITED(status) && !in_input) {
    fprintf(stderr,
            "ERROR: sigstorm-fuzz: the worker exited with status %d "
            "outside an input\n",
            WEXITSTATUS(status));
    return FD_END_ERROR;
  }
  /* the runtime's watchdog saves a hang or deadlock as timeout-*, then
   * aborts */
  char rt[FD_PATH];
  int wd = fd_runtime_saved(rt, sizeof rt) && strstr(rt, "timeout-");
  if (WIFSIGNALED(status))
    snprintf(why, sizeof why, "%s%s",
             wd ? "timeout (the runtime's watchdog), " : "deadly signal ",
             fd_signame(WTERMSIG(status)));
  else
    snprintf(why, sizeof why, "the worker exited with status %d%s",
             WEXITSTATUS(status), in_input ? " during an input" : "");
  fprintf(stderr, "==%d== ERROR: sigstorm-fuzz: %s\n", (int)getpid(), why);
  fd_save_artifact(s, wd ? "timeout" : "crash", why);
  fprintf(stderr, "SUMMARY: sigstorm-fuzz: %s\n", wd ? "timeout" : why);
  return wd ? FD_END_TIMEOUT : FD_END_CRASH;
}

/* The runtime reads its environment before main(): the watchdog's folder
 * and time come from ours, so set them and run again, once. */
static void fd_env_reexec(char **argv) {
  if (getenv(FD_REEXEC_ENV))
    return;
  int again = 0;
  const char *pre = opt.artifact_prefix;
  const char *slash = strrchr(pre, '/');
  if (!getenv(SS_ENV_FUZZ_ARTIFACTS) && slash && slash[1] == '\0') {
    char dir[FD_PATH];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - pre), pre);
    setenv(SS_ENV_FUZZ_ARTIFACTS, dir[0] ? dir : "/", 1);
    again = 1;
  }
  if (!getenv(SS_ENV_FUZZ_TIMEOUT) && opt.timeout) {
    char ms[32];
    snprintf(ms, sizeof ms, "%lld", opt.timeout * 1000 / 2);
    setenv(SS_ENV_FUZZ_TIMEOUT, ms, 1);
    again = 1;
  }
  if (!again)
    return;
  setenv(FD_REEXEC_ENV, "1", 1);
  execv("/proc/self/exe", argv);
  /* no /proc: go on without the runtime's watchdog settings */
}

int main(int argc, char **argv) {
  /* for the whole run: static, never freed */
  static char **paths, **ignored;
  paths = calloc((size_t)argc + 1, sizeof *paths);
  ignored = calloc((size_t)argc + 1, sizeof *ignored);
  int npaths = 0, nignored = 0;
  if (!paths || !ignored)
    return 1;
  for (int i = 1; i < argc; i++) {
    int r = fd_parse_flag(argv[i]);
    if (r < 0)
      return 1;
    if (r == 1)
      paths[npaths++] = argv[i];
    if (r == 2)
      ignored[nignored++] = argv[i];
  }
  if (opt.help) {
    fd_usage(argv[0]);
    return 0;
  }
  int ndirs = 0;
  for (int i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) {
      fprintf(stderr, "ERROR: sigstorm-fuzz: %s: %s\n", paths[i],
              strerror(errno));
      return 1;
    }
    ndirs += S_ISDIR(st.st_mode) != 0;
  }
  if (npaths && ndirs == 0)
    return fd_run_files(argc, argv, 1);
  if (ndirs != npaths) {
    fprintf(stderr, "ERROR: sigstorm-fuzz: give corpus folders or files to "
                    "run, not both\n");
    return 1;
  }
  fd_env_reexec(argv);
  for (int i = 0; i < nignored; i++) /* once, after the run again */
    fprintf(stderr, "INFO: sigstorm-fuzz: ignoring the flag %s\n", ignored[i]);
  if (!opt.seed)
    opt.seed = (long long)(fd_now_ns() % 4294967291ull) + 1;
  fprintf(stderr, "INFO: Seed: %llu\n", (unsigned long long)opt.seed);
  const char *icov_env = getenv(SS_ENV_FUZZ_ICOV);
  fprintf(stderr,
          "INFO: sigstorm builtin engine: schedule prefix %d bytes (fuzz "
          "abi %d); feedback: code coverage %s, interruption coverage %s "
          "(%zu counters)\n",
          (int)SS_FUZZ_PREFIX, SS_FUZZ_ABI_VERSION,
          opt.use_code_cov ? "on" : "off",
          icov_env && strcmp(icov_env, "0") == 0 ? "off" : "on",
          __start___libfuzzer_extra_counters
              ? (size_t)(__stop___libfuzzer_extra_counters -
                         __start___libfuzzer_extra_counters)
              : (size_t)0);
  struct fd_shared *s = fd_map_shared();
  if (!s) {
    fprintf(stderr, "ERROR: sigstorm-fuzz: no shared memory: %s\n",
            strerror(errno));
    return 1;
  }
  uint32_t maxseed = 0;
  if (fd_load_seeds(s, paths, ndirs, &maxseed) != 0)
    return 1;
  s->o.seed = (uint64_t)opt.seed;
  s->o.runs = (uint64_t)opt.runs;
  s->o.use_code_cov = opt.use_code_cov != 0;
  s->o.max_len =
      opt.max_len
          ? (uint32_t)opt.max_len
          : (maxseed > FD_DEFAULT_MAX_LEN ? maxseed : FD_DEFAULT_MAX_LEN);
  if (s->o.max_len > FD_MAX_INPUT)
    s->o.max_len = FD_MAX_INPUT;
  if (ndirs)
    snprintf(s->o.corpus_dir, sizeof s->o.corpus_dir, "%s", paths[0]);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fd_on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  fd_t0 = fd_now_ns();
  s->t0_ns = fd_t0;
  uint64_t deadline = opt.max_total_time
                          ? fd_t0 + (uint64_t)opt.max_total_time * 1000000000ull
                          : 0;
  int rc = 0;
  for (int workers = 0;; workers++) {
    if (workers >= FD_MAX_WORKERS) {
      fprintf(stderr,
              "ERROR: sigstorm-fuzz: %d workers died; stopping (the "
              "runtime's segment holds 64 processes)\n",
              workers);
      break;
    }
    int errfd;
    pid_t pid = fd_spawn(s, &errfd, argc, argv);
    if (pid < 0) {
      fprintf(stderr, "ERROR: sigstorm-fuzz: cannot start a worker: %s\n",
              strerror(errno));
      return 1;
    }
    enum fd_end e = fd_supervise(s, pid, errfd, deadline);
    if (e == FD_END_DONE) {
      fd_status(s, "DONE", atomic_load(&s->execs));
      fprintf(stderr, "Done %llu runs in %llu second(s)\n",
              (unsigned long long)atomic_load(&s->execs),
              (unsigned long long)((fd_now_ns() - fd_t0) / 1000000000ull));
      break;
    }
    if (e == FD_END_ERROR) {
      rc = 1;
      break;
    }
    if (e == FD_END_INTR) {
      fprintf(stderr, "==%d== sigstorm-fuzz: run interrupted; exiting\n",
              (int)getpid());
      rc = (int)opt.interrupted_exitcode;
      break;
    }
    int go_on = e == FD_END_CRASH ? opt.ignore_crashes : opt.ignore_timeouts;
    rc = (int)(e == FD_END_CRASH ? opt.error_exitcode : opt.timeout_exitcode);
    if (!go_on || fd_interrupted || (deadline && fd_now_ns() >= deadline))
      break;
    atomic_store(&s->start_ns, 0);
  }
  fd_final_stats(s);
  return rc;
}
