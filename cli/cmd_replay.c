/* sigstorm sweep / replay / regress: precise instruction windows. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "replay.h"

#define SS_OPT_SIGNAL 300
#define SS_OPT_FUNCTION 301
#define SS_OPT_CALLS 302
#define SS_OPT_OFFSETS 303
#define SS_OPT_THREAD 304
#define SS_OPT_CASES 305
#define SS_OPT_TIMES 306
#define SS_OPT_TARGET_DIR 307
#define SS_OPT_JUNIT 308
#define SS_OPT_FIXED 309
#define SS_OPT_ABS 310

#define SS_TOOL_OPTS                                                           \
  {"timeout", required_argument, SS_OPT_TIMEOUT, "T",                          \
   "wall-clock limit of one run (default 10s)"},                               \
      {"stall", required_argument, SS_OPT_STALL, "T",                          \
       "watchdog: no progress, no CPU, lock waits: a deadlock (200ms)"},       \
      {"hang", required_argument, SS_OPT_HANG, "T",                            \
       "watchdog: no progress, a thread spinning: a hang (1s)"},               \
      {"runtime", required_argument, SS_OPT_RUNTIME, "PATH",                   \
       "libsigstorm.so to preload (default: ../lib/ beside the binary)"},      \
      {"heap-check", no_argument, SS_OPT_HEAP_CHECK, NULL,                     \
       "walk glibc's arenas after handlers that allocate"},                    \
      {"sanitizer", required_argument, SS_OPT_SANITIZER, "glibc|none",         \
       "glibc: run with glibc's own heap checks (malloc_check, perturb)"},     \
  {                                                                            \
    "help", no_argument, SS_OPT_HELP, NULL, "show this help"                   \
  }

struct ss_tool {
  ss_common c;
  int sig;
  char *func; /* [MODULE:]FUNC */
  uint64_t k1, k2, n1, n2;
  int calls_set, offsets_set, absolute;
  const char *thread;
  const char *cases_dir;
  uint64_t times;
  const char *target_dir;
  const char *junit;
  int fixed;
};

static int ss_range(const char *opt, const char *s, uint64_t *a, uint64_t *b,
                    uint64_t lo, uint64_t hi) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", s);
  char *dash = strchr(buf, '-');
  if (dash)
    *dash = '\0';
  if (ss_parse_u64(buf, a) < 0 ||
      (dash ? ss_parse_u64(dash + 1, b) < 0 : (*b = *a, 0)) || *a > *b ||
      *a < lo || *b > hi) {
    SS_ERR("%s '%s': expected A-B with %llu <= A <= B <= %llu", opt, s,
           (unsigned long long)lo, (unsigned long long)hi);
    return -1;
  }
  return 0;
}

static int ss_on_tool_opt(int val, const char *arg, void *ctx) {
  struct ss_tool *t = ctx;
  switch (val) {
  case SS_OPT_SIGNAL:
    t->sig = ss_signal_parse(arg);
    if (t->sig <= 0) {
      SS_ERR("--signal '%s': not a signal name or number", arg);
      return -1;
    }
    return 0;
  case SS_OPT_FUNCTION:
    if (!*arg || strpbrk(arg, " #@")) {
      SS_ERR("--function '%s': expected a function name ([MODULE:]FUNC)", arg);
      return -1;
    }
    t->func = (char *)arg;
    return 0;
  case SS_OPT_CALLS:
    t->calls_set = 1;
    return ss_range("--calls", arg, &t->k1, &t->k2, 1, SS_CASE_MAX_K);
  case SS_OPT_OFFSETS:
    t->offsets_set = 1;
    return ss_range("--offsets", arg, &t->n1, &t->n2, 0, 100000);
  case SS_OPT_THREAD:
    t->thread = arg;
    return 0;
  case SS_OPT_CASES:
    t->cases_dir = arg;
    return 0;
  case SS_OPT_TIMES:
    if (ss_parse_u64(arg, &t->times) < 0 || t->times == 0 ||
        t->times > 1000000) {
      SS_ERR("--times '%s': expected an integer from 1 to 1000000", arg);
      return -1;
    }
    return 0;
  case SS_OPT_TARGET_DIR:
    t->target_dir = arg;
    return 0;
  case SS_OPT_JUNIT:
    t->junit = arg;
    return 0;
  case SS_OPT_FIXED:
    t->fixed = 1;
    return 0;
  case SS_OPT_ABS:
    t->absolute = 1;
    return 0;
  case SS_OPT_SANITIZER:
    if (ss_common_option(&t->c, val, arg) < 0)
      return -1;
    for (int k = 0; k < t->c.nsan; k++)
      if (!SS_GLIBC_LEVEL(t->c.san[k]) && t->c.san[k] != SS_SAN_NONE) {
        SS_ERR("--sanitizer '%s': sweep, replay and regress take glibc, "
               "glibc-debug or none (asan, ubsan and tsan: run and stress)",
               arg);
        return -1;
      }
    return 0;
  default:
    return ss_common_option(&t->c, val, arg) < 0 ? -1 : 0;
  }
}

static void ss_tool_init(struct ss_tool *t) {
  memset(t, 0, sizeof *t);
  ss_common_defaults(&t->c);
  t->times = 1;
}

/* The folder above the binary's (build/ for build/bin/sigstorm): where
 * "targets/NAME" of a corpus case is found by default. */
static const char *ss_default_target_dir(void) {
  static char dir[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
  if (n <= 0)
    return ".";
  dir[n] = '\0';
  for (int i = 0; i < 2; i++) {
    char *s = strrchr(dir, '/');
    if (!s)
      return ".";
    *s = '\0';
  }
  return dir;
}

static void ss_split_func(const char *spec, char **module, char **func) {
  const char *colon = strchr(spec, ':');
  if (colon) {
    *module = strndup(spec, (size_t)(colon - spec));
    *func = strdup(colon + 1);
  } else {
    *module = NULL;
    *func = strdup(spec);
  }
}

/* ---- sweep ---------------------------------------------------------------
 */
static const ss_opt ss_sweep_tab[] = {
    {"signal", required_argument, SS_OPT_SIGNAL, "SIG",
     "the signal to deliver (required)"},
    {"function", required_argument, SS_OPT_FUNCTION, "[MODULE:]FUNC",
     "the function whose entries are counted (required)"},
    {"calls", required_argument, SS_OPT_CALLS, "K1-K2",
     "entries to try, counted from when the program installs its handler "
     "for SIG (default 1-3)"},
    {"absolute", no_argument, SS_OPT_ABS, NULL,
     "count --calls from the program's entry point instead"},
    {"offsets", required_argument, SS_OPT_OFFSETS, "N1-N2",
     "instructions after the entry to try (default 0-63)"},
    {"thread", required_argument, SS_OPT_THREAD, "NAME",
     "count entries on this thread only (main, or a thread name)"},
    {"report", required_argument, SS_OPT_REPORT, "DIR",
     "write DIR/report.json, DIR/report.txt and DIR/cases/"},
    {"cases", required_argument, SS_OPT_CASES, "DIR",
     "write a case file per distinct finding here (default DIR/cases of "
     "--report)"},
    SS_TOOL_OPTS,
    {NULL, 0, 0, 0, 0}};

static int ss_prog_args(int argc, char **argv, int first, const char *cmd,
                        char ***targv_out, char **prog_out) {
  char err[512];
  if (first >= argc) {
    SS_ERR("%s: no program given (usage: sigstorm %s [OPTIONS] -- PROG "
           "[ARGS...])",
           cmd, cmd);
    return -1;
  }
  char *prog = ss_resolve_program(argv[first], err, sizeof err);
  if (!prog) {
    SS_ERR("%s", err);
    return -1;
  }
  int n = argc - first;
  char **targv = calloc((size_t)n + 1, sizeof *targv);
  if (!targv) {
    free(prog);
    return -1;
  }
  targv[0] = prog;
  for (int i = 1; i < n; i++)
    targv[i] = argv[first + i];
  *targv_out = targv;
  *prog_out = prog;
  return 0;
}

static const char *ss_end_text(const ss_replay_result *res, char *buf,
                               size_t cap) {
  char sb[24];
  switch (res->end) {
  case SS_END_EXITED:
    snprintf(buf, cap, "exit %d", res->code);
    break;
  case SS_END_SIGNALED:
    snprintf(buf, cap, "%s", ss_signal_name(res->term_sig, sb));
    break;
  case SS_END_TIMEOUT:
    snprintf(buf, cap, "timeout");
    break;
  case SS_END_STALLED:
    snprintf(buf, cap, "stalled");
    break;
  default:
    snprintf(buf, cap, "?");
  }
  return buf;
}

int ss_cmd_sweep(int argc, char **argv) {
  static const char syn[] =
      "--signal SIG --function FUNC [--calls K1-K2] [--offsets N1-N2] "
      "[OPTIONS] -- PROG [ARGS...]";
  struct ss_tool t;
  ss_tool_init(&t);
  int first =
      ss_getopt(argc, argv, "sweep", syn, ss_sweep_tab, ss_on_tool_opt, &t);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  if (!t.sig || !t.func) {
    SS_ERR("sweep: --signal and --function are required (usage: sigstorm "
           "sweep %s)",
           syn);
    return SS_EXIT_USAGE;
  }
  if (!t.calls_set)
    t.k1 = 1, t.k2 = 3;
  if (!t.offsets_set)
    t.n1 = 0, t.n2 = 63;
  char **targv;
  char *prog;
  if (ss_prog_args(argc, argv, first, "sweep", &targv, &prog) < 0)
    return SS_EXIT_USAGE;
  int bad_dir = ss_check_report_dir(t.c.report_dir) < 0;
  const char *runtime = bad_dir ? NULL : ss_find_runtime(t.c.runtime);
  if (!runtime) {
    free(targv);
    free(prog);
    return bad_dir ? SS_EXIT_USAGE : SS_EXIT_INTERNAL;
  }
  char cases_buf[PATH_MAX];
  if (!t.cases_dir && t.c.report_dir) {
    snprintf(cases_buf, sizeof cases_buf, "%s/cases", t.c.report_dir);
    t.cases_dir = cases_buf;
  }
  char *module, *func;
  ss_split_func(t.func, &module, &func);
  ss_replayer rp = {.runtime = runtime,
                    .argv = targv,
                    .timeout_ns = t.c.timeout_ns,
                    .stall_ns = t.c.stall_ns,
                    .hang_ns = t.c.hang_ns,
                    .sym = ss_sym_new(),
                    .glibc_checks = t.c.glibc_checks,
                    .heap_check = t.c.heap_check};
  int status = SS_EXIT_CLEAN;
  char err[512], sb[24];
  ss_report total;
  ss_report_init(&total);
  total.target = strdup(argv[first]);
  total.argc = argc - first;
  total.argv = calloc((size_t)total.argc + 1, sizeof *total.argv);
  for (int i = 0; total.argv && i < total.argc; i++)
    total.argv[i] = strdup(argv[first + i]);
  total.injector = strdup("ptrace");
  total.mode = strdup("sweep");
  total.schedule = strdup("sweep");
  total.exit_code = -1;

  /* 1. a probe run: how many entries, and when the handler is installed */
  ss_pt_window w = {.sig = t.sig,
                    .module = module,
                    .func = func,
                    .k = UINT64_MAX,
                    .thread = t.thread};
  ss_pt_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.w = &w;
  plan.nw = 1;
  plan.probe = 1;
  plan.probe_enough = t.absolute ? 0 : t.k2;
  ss_replay_result res;
  uint64_t t0 = ss_mono_ns();
  int rc = ss_replay_once(&rp, &plan, 0, &res, NULL, err, sizeof err);
  if (rc < 0) {
    SS_ERR("sweep: %s", err);
    status = rc == -2 ? SS_EXIT_USAGE : SS_EXIT_INTERNAL;
    goto out;
  }
  uint64_t hits = plan.out[0].hits, armed = plan.out[0].hits_armed;
  ss_replay_result_free(&res);
  uint64_t base = 0;
  if (hits == 0) {
    SS_ERR("sweep: '%s' never entered %s%s%s (resolved in %s at %#llx)",
           argv[first], t.func, t.thread ? " on thread " : "",
           t.thread ? t.thread : "", plan.out[0].module,
           (unsigned long long)plan.out[0].addr);
    status = SS_EXIT_USAGE;
    goto out;
  }
  if (!t.absolute) {
    if (armed == UINT64_MAX) {
      SS_ERR("sweep: '%s' never installed a handler for %s (use --absolute "
             "to count from its entry point)",
             argv[first], ss_signal_name(t.sig, sb));
      status = SS_EXIT_USAGE;
      goto out;
    }
    base = armed;
  }
  if (base + t.k1 > hits) {
    SS_ERR("sweep: --calls %llu-%llu out of range: %s is entered only %llu "
           "times%s",
           (unsigned long long)t.k1, (unsigned long long)t.k2, func,
           (unsigned long long)(hits - base),
           t.absolute ? "" : " after the handler is installed");
    status = SS_EXIT_USAGE;
    goto out;
  }
  if (base + t.k2 > hits)
    t.k2 = hits - base;
  printf("sigstorm sweep: %s, %s at %s#K+Ni, K %llu-%llu (entries %llu-%llu; "
         "the handler is installed after entry %llu), N %llu-%llu\n",
         argv[first], ss_signal_name(t.sig, sb), t.func,
         (unsigned long long)t.k1, (unsigned long long)t.k2,
         (unsigned long long)base + t.k1, (unsigned long long)base + t.k2,
         (unsigned long long)armed, (unsigned long long)t.n1,
         (unsigned long long)t.n2);
  printf("  ptrace injector, ASLR off; %s resolved in %s at %#llx\n\n", func,
         plan.out[0].module, (unsigned long long)plan.out[0].addr);
  printf("%-28s %-26s %-10s %s\n", "window", "interrupted at", "end",
         "findings");
  /* 2. every window */
  uint64_t nwin = 0, nfound = 0, ncases = 0;
  for (uint64_t k = base + t.k1; k <= base + t.k2 && !ss_interrupted; k++)
    for (uint64_t n = t.n1; n <= t.n2 && !ss_interrupted; n++) {
      w.k = k;
      w.n = n;
      memset(&plan, 0, sizeof plan);
      plan.w = &w;
      plan.nw = 1;
      rc = ss_replay_once(&rp, &plan, (long)nwin, &res, NULL, err, sizeof err);
      if (rc < 0) {
        SS_ERR("sweep: %s#%llu+%llui: %s", t.func, (unsigned long long)k,
               (unsigned long long)n, err);
        status = rc == -2 ? SS_EXIT_USAGE : SS_EXIT_INTERNAL;
        goto out;
      }
      nwin++;
      char wtext[160], at[160] = "not reached", endb[32], fb[1024] = "";
      snprintf(wtext, sizeof wtext, "%s#%llu+%llui", t.func,
               (unsigned long long)k, (unsigned long long)n);
      if (plan.out[0].delivered) {
        /* where it landed: the interrupted frame of a finding, else the pc */
        snprintf(at, sizeof at, "%#llx", (unsigned long long)plan.out[0].pc);
        for (size_t i = 0; i < res.rep.nfindings; i++) {
          const ss_stack_trace *st = &res.rep.findings[i].interrupted_stack;
          if (st->n && st->frames[0].func) {
            snprintf(at, sizeof at, "%s+%#llx", st->frames[0].func,
                     (unsigned long long)st->frames[0].off);
            break;
          }
        }
      }
      size_t off = 0;
      for (size_t i = 0; i < res.rep.nfindings && off < sizeof fb; i++) {
        const ss_finding_info *f = &res.rep.findings[i];
        int seen = 0;
        for (size_t j = 0; j < i; j++)
          seen |= strcmp(res.rep.findings[j].kind, f->kind) == 0;
        if (!seen)
          off += (size_t)snprintf(fb + off, sizeof fb - off, "%s%s",
                                  off ? ", " : "", f->kind);
      }
      printf("%-28s %-26s %-10s %s\n", wtext, at,
             ss_end_text(&res, endb, sizeof endb), off ? fb : "-");
      fflush(stdout);
      if (res.rep.nfindings)
        nfound++;
      /* a case per new signature */
      for (size_t i = 0; i < res.rep.nfindings; i++) {
        ss_finding_info *f = &res.rep.findings[i];
        int known = 0;
        for (size_t j = 0; j < total.nfindings; j++)
          known |= strcmp(total.findings[j].signature, f->signature) == 0;
        if (!known && t.cases_dir) {
          char path[PATH_MAX];
          if (ss_write_finding_case(
                  t.cases_dir, argv[first], targv + 1, argc - first - 1, &w, f,
                  "found by sigstorm sweep", path, sizeof path) < 0) {
            status = SS_EXIT_INTERNAL;
            goto out;
          }
          f->reproducer = strdup(path);
          ncases++;
        }
        free(f->schedule);
        f->schedule = strdup(wtext);
      }
      for (size_t i = 0; i < res.rep.nfindings; i++) {
        ss_report_add(&total, &res.rep.findings[i]);
        memset(&res.rep.findings[i], 0, sizeof res.rep.findings[i]);
      }
      res.rep.nfindings = 0;
      total.runs++;
      total.signals_fired += res.rep.signals_fired;
      total.signals_handled += res.rep.signals_handled;
      ss_replay_result_free(&res);
    }
  total.elapsed_s = (double)(ss_mono_ns() - t0) / 1e9;
  printf("\n%llu windows in %.1fs (%.1f windows/s); %llu with findings; "
         "%zu distinct findings",
         (unsigned long long)nwin, total.elapsed_s,
         total.elapsed_s > 0 ? (double)nwin / total.elapsed_s : 0.0,
         (unsigned long long)nfound, total.nfindings);
  if (t.cases_dir)
    printf("; %llu case files in %s", (unsigned long long)ncases, t.cases_dir);
  printf("\n");
  status = total.nfindings ? SS_EXIT_FINDINGS : SS_EXIT_CLEAN;
  if (t.c.report_dir && ss_write_reports(t.c.report_dir, &total) < 0)
    status = SS_EXIT_INTERNAL;
  if (ss_interrupted)
    SS_WARN("interrupted: the table covers the windows tried");
out:
  ss_report_free(&total);
  ss_sym_free(rp.sym);
  free(module);
  free(func);
  free(targv);
  free(prog);
  return status;
}

/* ---- replay and regress ----------------------------------------------------
 */

/* Resolves the case's target (or its fixed twin) and builds the replayer.
 * Returns 0, or an exit status after printing one line. */
static int ss_case_replayer(const ss_case *c, const struct ss_tool *t,
                            int fixed, const char *runtime, ss_replayer *rp,
                            char **owned_prog, char ***owned_argv,
                            char **owned_input) {
  const char *dirs[2] = {t->target_dir, ss_default_target_dir()};
  const char *const *dp = t->target_dir ? dirs : dirs + 1;
  size_t nd = t->target_dir ? 2 : 1;
  const char *want = fixed ? c->fixed : c->target;
  int line = fixed ? c->fixed_line : c->target_line;
  char *prog = ss_case_resolve(c, want, dp, nd);
  if (!prog) {
    SS_ERR("%s:%d: %s '%s' not found (relative to the case, the current "
           "directory, or %s)",
           c->path, line, fixed ? "fixed" : "target", want,
           t->target_dir ? t->target_dir : dirs[1]);
    return SS_EXIT_USAGE;
  }
  char **argv = calloc((size_t)c->nargs + 2, sizeof *argv);
  if (!argv) {
    free(prog);
    return SS_EXIT_INTERNAL;
  }
  argv[0] = prog;
  for (int i = 0; i < c->nargs; i++)
    argv[i + 1] = c->args[i];
  char *input = NULL;
  if (c->input) {
    if (c->input[0] == '/')
      input = strdup(c->input);
    else if (asprintf(&input, "%s/%s", c->dir, c->input) < 0)
      input = NULL;
  }
  memset(rp, 0, sizeof *rp);
  rp->runtime = runtime;
  rp->argv = argv;
  rp->env = c->env;
  rp->stdin_path = input;
  rp->timeout_ns = c->timeout_ns ? c->timeout_ns : t->c.timeout_ns;
  rp->stall_ns = t->c.stall_ns;
  rp->hang_ns = t->c.hang_ns;
  rp->glibc_checks = t->c.glibc_checks;
  rp->heap_check = t->c.heap_check;
  *owned_prog = prog;
  *owned_argv = argv;
  *owned_input = input;
  return 0;
}

/* Did the run reproduce the case? With expect lines: each one matched;
 * without: any finding. For a fixed twin, "reproduced" is any finding. */
static int ss_reproduced(const ss_case *c, const ss_report *rep, int fixed) {
  if (fixed || c->nexpect == 0)
    return rep->nfindings > 0;
  for (int i = 0; i < c->nexpect; i++)
    if (!ss_expect_matches(&c->expect[i], rep))
      return 0;
  return 1;
}

/* What a replay showed, for the table: the distinct kinds. */
static void ss_got_text(const ss_report *rep, const ss_replay_result *res,
                        char *buf, size_t cap) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < rep->nfindings && off + 2 < cap; i++) {
    int seen = 0;
    for (size_t j = 0; j < i; j++)
      seen |= strcmp(rep->findings[j].kind, rep->findings[i].kind) == 0;
    if (!seen)
      off += (size_t)snprintf(buf + off, cap - off, "%s%s", off ? ", " : "",
                              rep->findings[i].kind);
  }
  if (!rep->nfindings) {
    char eb[32];
    snprintf(buf, cap, "clean (%s)", ss_end_text(res, eb, sizeof eb));
  }
}

static void ss_expect_text(const ss_case *c, char *buf, size_t cap) {
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < c->nexpect && off + 2 < cap; i++) {
    const ss_case_expect *e = &c->expect[i];
    off += (size_t)snprintf(
        buf + off, cap - off, "%s%s%s%s%s%s%s%s", i ? "; " : "", e->kind,
        e->handler ? " " : "", e->handler ? e->handler : "",
        e->callee ? "->" : "", e->callee ? e->callee : "",
        e->interrupted ? " in " : "", e->interrupted ? e->interrupted : "");
  }
  if (!c->nexpect)
    snprintf(buf, cap, "any finding");
}

/* Only the kinds, for the table. */
static void ss_expect_kinds(const ss_case *c, char *buf, size_t cap) {
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < c->nexpect && off + 2 < cap; i++)
    off += (size_t)snprintf(buf + off, cap - off, "%s%s", i ? ", " : "",
                            c->expect[i].kind);
  if (!c->nexpect)
    snprintf(buf, cap, "any finding");
}

/* Replays case c (its target, or its fixed twin) `times` times; fills
 * *reproduced and the first run's result in first (caller frees). Returns
 * 0, or an exit status after printing one line. */
static int ss_replay_case(const ss_case *c, const struct ss_tool *t, int fixed,
                          const char *runtime, ss_symbolizer *sym,
                          uint64_t times, uint64_t *reproduced,
                          ss_replay_result *first, ss_pt_plan *first_plan,
                          ss_pt_window *wbuf, double *median_s) {
  ss_replayer rp;
  char *prog, **argv, *input;
  int st = ss_case_replayer(c, t, fixed, runtime, &rp, &prog, &argv, &input);
  if (st)
    return st;
  rp.sym = sym;
  *reproduced = 0;
  memset(first, 0, sizeof *first);
  memset(first_plan, 0, sizeof *first_plan);
  ss_report_init(&first->rep);
  uint64_t *durs = calloc(times, sizeof *durs);
  int status = 0;
  for (uint64_t i = 0; i < times && !ss_interrupted; i++) {
    ss_pt_plan plan;
    ss_plan_from_case(c, wbuf, &plan);
    ss_replay_result res;
    char err[512];
    uint64_t t0 = ss_mono_ns();
    int rc = ss_replay_once(&rp, &plan, (long)i, &res, NULL, err, sizeof err);
    if (durs)
      durs[i] = ss_mono_ns() - t0;
    if (rc < 0) {
      /* a function missing from the target is the case's fault */
      if (rc == -2)
        SS_ERR("%s:%d: %s", c->path, c->nsig ? c->sig[0].line : 0, err);
      else
        SS_ERR("%s: %s", c->path, err);
      status = rc == -2 ? SS_EXIT_USAGE : SS_EXIT_INTERNAL;
      break;
    }
    if (res.violations) {
      SS_ERR("the runtime made unsafe calls on its own signal paths (a "
             "sigstorm bug)");
      status = SS_EXIT_INTERNAL;
    }
    if (ss_reproduced(c, &res.rep, fixed))
      (*reproduced)++;
    if (i == 0) {
      *first = res;
      *first_plan = plan;
    } else {
      ss_replay_result_free(&res);
    }
  }
  if (durs && times && median_s) {
    /* median of the runs made */
    for (uint64_t i = 1; i < times; i++)
      for (uint64_t j = i; j > 0 && durs[j - 1] > durs[j]; j--) {
        uint64_t x = durs[j];
        durs[j] = durs[j - 1];
        durs[j - 1] = x;
      }
    uint64_t mid = times / 2;
    *median_s = (double)durs[mid] / 1e9;
  }
  free(durs);
  free(prog);
  free(argv);
  free(input);
  return status;
}

static const ss_opt ss_replay_tab[] = {
    {"times", required_argument, SS_OPT_TIMES, "N",
     "replay N times and print the reproduction rate (default 1)"},
    {"fixed", no_argument, SS_OPT_FIXED, NULL,
     "replay against the case's fixed twin instead (it must stay clean)"},
    {"report", required_argument, SS_OPT_REPORT, "DIR",
     "write DIR/report.json and DIR/report.txt (first replay)"},
    {"target-dir", required_argument, SS_OPT_TARGET_DIR, "DIR",
     "look for the case's target here too (default: the build folder above "
     "the sigstorm binary)"},
    SS_TOOL_OPTS,
    {NULL, 0, 0, 0, 0}};

int ss_cmd_replay(int argc, char **argv) {
  static const char syn[] = "[--times N] [--fixed] [OPTIONS] CASE";
  struct ss_tool t;
  ss_tool_init(&t);
  int first =
      ss_getopt(argc, argv, "replay", syn, ss_replay_tab, ss_on_tool_opt, &t);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  if (first != argc - 1) {
    SS_ERR("replay: give exactly one case file (usage: sigstorm replay %s)",
           syn);
    return SS_EXIT_USAGE;
  }
  if (ss_check_report_dir(t.c.report_dir) < 0)
    return SS_EXIT_USAGE;
  ss_case c;
  char err[1024];
  if (ss_case_load(argv[first], &c, err, sizeof err) < 0) {
    SS_ERR("%s", err);
    return SS_EXIT_USAGE;
  }
  if (t.fixed && !c.fixed) {
    SS_ERR("%s: --fixed: the case names no fixed twin (add a 'fixed' line)",
           c.path);
    ss_case_free(&c);
    return SS_EXIT_USAGE;
  }
  const char *runtime = ss_find_runtime(t.c.runtime);
  if (!runtime) {
    ss_case_free(&c);
    return SS_EXIT_INTERNAL;
  }
  ss_symbolizer *sym = ss_sym_new();
  uint64_t rep_n = 0;
  ss_replay_result res;
  ss_pt_plan plan;
  ss_pt_window wbuf[SS_PT_MAX_WINDOWS];
  double med = 0;
  int st = ss_replay_case(&c, &t, t.fixed, runtime, sym, t.times, &rep_n, &res,
                          &plan, wbuf, &med);
  if (st == 0 && res.rep.runs) {
    /* a window the target never gets to: the case does not fit it */
    for (size_t i = 0; i < plan.nw && st == 0; i++)
      if (!plan.out[i].delivered) {
        char wt[256];
        ss_case_window_format(&c.sig[i], wt, sizeof wt);
        SS_ERR("%s:%d: at=%s: out of range for %s: it entered %s only %llu "
               "time%s%s%s",
               c.path, c.sig[i].line, wt, t.fixed ? c.fixed : c.target,
               c.sig[i].func, (unsigned long long)plan.out[i].hits,
               plan.out[i].hits == 1 ? "" : "s",
               c.sig[i].thread ? " on thread " : "",
               c.sig[i].thread ? c.sig[i].thread : "");
        st = SS_EXIT_USAGE;
      }
  }
  if (st == 0 && res.rep.runs) {
    char sb[24], eb[32];
    fprintf(stderr, "sigstorm replay: %s%s\n", c.path,
            t.fixed ? " (fixed twin)" : "");
    fprintf(stderr, "  target %s, ptrace injector, ASLR off\n",
            t.fixed ? c.fixed : c.target);
    for (size_t i = 0; i < plan.nw; i++) {
      char wt[256];
      ss_case_window_format(&c.sig[i], wt, sizeof wt);
      if (plan.out[i].delivered)
        fprintf(stderr, "  signal %s at=%s: delivered at %#llx (thread %d)\n",
                ss_signal_name(plan.w[i].sig, sb), wt,
                (unsigned long long)plan.out[i].pc, plan.out[i].tid);
      else
        fprintf(stderr,
                "  signal %s at=%s: not reached (%llu entries counted)\n",
                ss_signal_name(plan.w[i].sig, sb), wt,
                (unsigned long long)plan.out[i].hits);
    }
    fprintf(stderr, "  the target ended: %s\n\n",
            ss_end_text(&res, eb, sizeof eb));
    for (size_t i = 0; i < res.rep.nfindings; i++)
      res.rep.findings[i].reproducer = strdup(c.path);
    res.rep.target = strdup(t.fixed ? c.fixed : c.target);
    res.rep.argc = c.nargs + 1;
    res.rep.argv = calloc((size_t)c.nargs + 2, sizeof *res.rep.argv);
    for (int i = 0; res.rep.argv && i <= c.nargs; i++)
      res.rep.argv[i] = strdup(i ? c.args[i - 1] : res.rep.target);
    res.rep.injector = strdup("ptrace");
    res.rep.mode = strdup("replay");
    res.rep.schedule = strdup(c.path);
    res.rep.exit_code = res.end == SS_END_EXITED ? res.code : -1;
    res.rep.term_signal = res.end == SS_END_SIGNALED ? res.term_sig : 0;
    ss_report_write_text(stderr, &res.rep);
    char ex[1024];
    ss_expect_text(&c, ex, sizeof ex);
    printf("expected: %s%s\n",
           t.fixed ? "clean (fixed twin), case expects " : "", ex);
    printf("reproduced %llu/%llu\n", (unsigned long long)rep_n,
           (unsigned long long)t.times);
    if (t.c.report_dir && ss_write_reports(t.c.report_dir, &res.rep) < 0)
      st = SS_EXIT_INTERNAL;
    else if (st == 0)
      st = rep_n ? SS_EXIT_FINDINGS : SS_EXIT_CLEAN;
  }
  ss_replay_result_free(&res);
  ss_sym_free(sym);
  ss_case_free(&c);
  return st;
}

/* Every *.case under dir, sorted. */
static int ss_find_cases(const char *dir, char ***out, size_t *n, size_t *cap) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char *p;
    if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
      break;
    struct stat sb;
    if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      ss_find_cases(p, out, n, cap);
      free(p);
      continue;
    }
    size_t l = strlen(p);
    if (l < 5 || strcmp(p + l - 5, ".case") != 0) {
      free(p);
      continue;
    }
    if (*n == *cap) {
      *cap = *cap ? *cap * 2 : 32;
      char **nv = realloc(*out, *cap * sizeof *nv);
      if (!nv) {
        free(p);
        break;
      }
      *out = nv;
    }
    if (!*out) {
      free(p);
      break;
    }
    (*out)[(*n)++] = p;
  }
  closedir(d);
  return 0;
}

static int ss_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ss_xml(FILE *f, const char *s) {
  for (; *s; s++)
    switch (*s) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
        fputc(*s, f);
    }
}

struct ss_row {
  char name[512];
  char expected[512];
  char got[1024];
  char result[64];
  int pass;
  int input_error;
  double secs;
};

static const ss_opt ss_regress_tab[] = {
    {"junit", required_argument, SS_OPT_JUNIT, "FILE",
     "also write the results as JUnit XML"},
    {"times", required_argument, SS_OPT_TIMES, "N",
     "replay each case N times; all N must reproduce (default 1)"},
    {"target-dir", required_argument, SS_OPT_TARGET_DIR, "DIR",
     "look for the cases' targets here too (default: the build folder above "
     "the sigstorm binary)"},
    SS_TOOL_OPTS,
    {NULL, 0, 0, 0, 0}};

int ss_cmd_regress(int argc, char **argv) {
  static const char syn[] = "[--junit FILE] [--times N] [OPTIONS] DIR";
  struct ss_tool t;
  ss_tool_init(&t);
  int first =
      ss_getopt(argc, argv, "regress", syn, ss_regress_tab, ss_on_tool_opt, &t);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  if (first != argc - 1) {
    SS_ERR("regress: give exactly one folder (usage: sigstorm regress %s)",
           syn);
    return SS_EXIT_USAGE;
  }
  char dirbuf[PATH_MAX];
  snprintf(dirbuf, sizeof dirbuf, "%s", argv[first]);
  for (size_t l = strlen(dirbuf); l > 1 && dirbuf[l - 1] == '/'; l--)
    dirbuf[l - 1] = '\0';
  const char *dir = dirbuf;
  struct stat sb;
  if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
    SS_ERR("regress: '%s': %s", dir,
           stat(dir, &sb) < 0 ? strerror(errno) : "not a directory");
    return SS_EXIT_USAGE;
  }
  char **files = NULL;
  size_t nf = 0, cap = 0;
  ss_find_cases(dir, &files, &nf, &cap);
  if (nf == 0) {
    SS_ERR("regress: no .case files under '%s'", dir);
    free(files);
    return SS_EXIT_USAGE;
  }
  qsort(files, nf, sizeof *files, ss_cmp_str);
  const char *runtime = ss_find_runtime(t.c.runtime);
  if (!runtime)
    return SS_EXIT_INTERNAL;
  ss_symbolizer *sym = ss_sym_new();
  struct ss_row *rows = calloc(nf * 2, sizeof *rows);
  size_t nr = 0;
  int any_fail = 0, any_input = 0, internal = 0;
  uint64_t t0 = ss_mono_ns();
  printf("%-50s %-7s %-28s %-38s %s\n", "case", "against", "expected", "got",
         "result");
  for (size_t i = 0; rows && i < nf && !ss_interrupted && !internal; i++) {
    ss_case c;
    char err[1024];
    if (ss_case_load(files[i], &c, err, sizeof err) < 0) {
      SS_ERR("%s", err);
      struct ss_row *r = &rows[nr++];
      snprintf(r->name, sizeof r->name, "%s", files[i]);
      snprintf(r->expected, sizeof r->expected, "-");
      snprintf(r->got, sizeof r->got, "%s", err);
      snprintf(r->result, sizeof r->result, "ERROR (bad case)");
      r->input_error = 1;
      any_input = 1;
      printf("%-50s %-7s %-28s %-38s %s\n", r->name, "-", "-", "-", r->result);
      continue;
    }
    for (int fixed = 0; fixed < (c.fixed ? 2 : 1); fixed++) {
      struct ss_row *r = &rows[nr++];
      snprintf(r->name, sizeof r->name, "%s", files[i]);
      if (fixed)
        snprintf(r->expected, sizeof r->expected, "clean");
      else
        ss_expect_kinds(&c, r->expected, sizeof r->expected);
      uint64_t rep_n = 0;
      ss_replay_result res;
      ss_pt_plan plan;
      ss_pt_window wbuf[SS_PT_MAX_WINDOWS];
      uint64_t c0 = ss_mono_ns();
      int st = ss_replay_case(&c, &t, fixed, runtime, sym, t.times, &rep_n,
                              &res, &plan, wbuf, NULL);
      r->secs = (double)(ss_mono_ns() - c0) / 1e9;
      if (st) {
        snprintf(r->got, sizeof r->got, "could not replay");
        snprintf(r->result, sizeof r->result, "ERROR");
        r->input_error = st == SS_EXIT_USAGE;
        any_input |= r->input_error;
        internal |= st == SS_EXIT_INTERNAL;
      } else {
        ss_got_text(&res.rep, &res, r->got, sizeof r->got);
        r->pass = fixed ? rep_n == 0 : rep_n == t.times;
        /* a window the run never reached proves nothing, least of all
         * that a fix works */
        for (size_t k = 0; k < plan.nw; k++)
          if (!plan.out[k].delivered) {
            char wt[256];
            ss_case_window_format(&c.sig[k], wt, sizeof wt);
            snprintf(r->got, sizeof r->got,
                     "window %s not reached (%llu "
                     "entries)",
                     wt, (unsigned long long)plan.out[k].hits);
            r->pass = 0;
          }
        if (t.times > 1)
          snprintf(r->result, sizeof r->result, "%s (%llu/%llu)",
                   r->pass ? "pass" : "FAIL", (unsigned long long)rep_n,
                   (unsigned long long)t.times);
        else
          snprintf(r->result, sizeof r->result, "%s",
                   r->pass ? "pass" : "FAIL");
        if (!r->pass)
          any_fail = 1;
      }
      ss_replay_result_free(&res);
      printf("%-50s %-7s %-28s %-38s %s\n", r->name, fixed ? "fixed" : "target",
             r->expected, r->got, r->result);
      fflush(stdout);
    }
    ss_case_free(&c);
  }
  size_t npass = 0;
  for (size_t i = 0; i < nr; i++)
    npass += rows[i].pass;
  printf("\n%zu cases, %zu replays: %zu passed, %zu failed or errors, in "
         "%.1fs\n",
         nf, nr, npass, nr - npass, (double)(ss_mono_ns() - t0) / 1e9);
  int status = internal    ? SS_EXIT_INTERNAL
               : any_input ? SS_EXIT_USAGE
               : any_fail  ? SS_EXIT_FINDINGS
                           : SS_EXIT_CLEAN;
  if (t.junit && rows) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", t.junit);
    FILE *f = fopen(tmp, "w");
    if (!f) {
      SS_ERR("--junit '%s': %s", t.junit, strerror(errno));
      status = SS_EXIT_INTERNAL;
    } else {
      fprintf(f,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
              "<testsuite name=\"sigstorm regress\" tests=\"%zu\" "
              "failures=\"%zu\">\n",
              nr, nr - npass);
      for (size_t i = 0; i < nr; i++) {
        struct ss_row *r = &rows[i];
        fputs("  <testcase classname=\"sigstorm.regress\" name=\"", f);
        ss_xml(f, r->name);
        fprintf(f, "%s\" time=\"%.3f\">",
                strcmp(r->expected, "clean") == 0 ? " (fixed)" : "", r->secs);
        if (!r->pass) {
          fputs("<failure message=\"expected ", f);
          ss_xml(f, r->expected);
          fputs(", got ", f);
          ss_xml(f, r->got);
          fputs("\"/>", f);
        }
        fputs("</testcase>\n", f);
      }
      fputs("</testsuite>\n</testsuites>\n", f);
      if (fclose(f) != 0 || rename(tmp, t.junit) < 0) {
        SS_ERR("--junit '%s': %s", t.junit, strerror(errno));
        status = SS_EXIT_INTERNAL;
      }
    }
  }
  for (size_t i = 0; i < nf; i++)
    free(files[i]);
  free(files);
  free(rows);
  ss_sym_free(sym);
  return status;
}
