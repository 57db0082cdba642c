/* sigstorm run / sigstorm stress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"
#include "convert.h"

uint64_t ss_random_seed(void);

struct ss_stress_opts {
  ss_common c;
  uint64_t runs;
  uint64_t duration_ns;
  int runs_set, duration_set;
  unsigned jobs;
};

#define SS_OPT_RUNS 'n'
#define SS_OPT_DURATION 'd'
#define SS_OPT_JOBS 'j'

static const ss_opt ss_run_opts_tab[] = {SS_COMMON_OPTS, {NULL, 0, 0, 0, 0}};

static const ss_opt ss_stress_opts_tab[] = {
    {"runs", required_argument, SS_OPT_RUNS, "N",
     "number of runs (default 100)"},
    {"duration", required_argument, SS_OPT_DURATION, "T",
     "run for this long instead of a number of runs"},
    {"jobs", required_argument, SS_OPT_JOBS, "J",
     "runs in parallel (default: number of CPUs)"},
    SS_COMMON_OPTS,
    {NULL, 0, 0, 0, 0}};

static int ss_on_run_opt(int val, const char *arg, void *ctx) {
  int r = ss_common_option(ctx, val, arg);
  return r < 0 ? -1 : 0;
}

static int ss_on_stress_opt(int val, const char *arg, void *ctx) {
  struct ss_stress_opts *o = ctx;
  uint64_t v;
  switch (val) {
  case SS_OPT_RUNS:
    if (ss_parse_u64(arg, &o->runs) < 0 || o->runs == 0) {
      SS_ERR("--runs '%s': expected a positive integer", arg);
      return -1;
    }
    o->runs_set = 1;
    return 0;
  case SS_OPT_DURATION:
    if (ss_parse_duration(arg, &o->duration_ns) < 0 || o->duration_ns == 0) {
      SS_ERR("--duration '%s': expected a duration like 60s", arg);
      return -1;
    }
    o->duration_set = 1;
    return 0;
  case SS_OPT_JOBS:
    if (ss_parse_u64(arg, &v) < 0 || v == 0 || v > 64) {
      SS_ERR("--jobs '%s': expected an integer from 1 to 64", arg);
      return -1;
    }
    o->jobs = (unsigned)v;
    return 0;
  default:
    return ss_common_option(&o->c, val, arg) < 0 ? -1 : 0;
  }
}

/* The build of prog that --sanitizer mode runs: prog itself when it links
 * the sanitizer's runtime, else PROG.MODE beside it (as CMake builds the
 * models and sigstorm-cc is meant to be used); NULL after one line saying
 * how to build it. */
static char *ss_san_program(const char *prog, int mode) {
  static const char *const lib[SS_SAN_NMODES] = {[SS_SAN_ASAN] = "libasan.so",
                                                 [SS_SAN_UBSAN] = "libubsan.so",
                                                 [SS_SAN_TSAN] = "libtsan.so"};
  const char *name = ss_san_mode_name(mode);
  if (!lib[mode] || ss_elf_needs(prog, lib[mode]))
    return strdup(prog);
  size_t len = strlen(prog) + 8;
  char *alt = malloc(len);
  if (!alt)
    return NULL;
  snprintf(alt, len, "%s.%s", prog, name);
  if (access(alt, X_OK) == 0 && ss_elf_needs(alt, lib[mode]))
    return alt;
  SS_ERR("--sanitizer %s: '%s' does not link %s and '%s' %s (build it with: "
         "sigstorm-cc --sanitizer %s -o %s SOURCES...)",
         name, prog, lib[mode], alt,
         access(alt, F_OK) == 0 ? "does not either" : "does not exist", name,
         alt);
  free(alt);
  return NULL;
}

/* Everything after option parsing that run and stress share. */
static int ss_execute(ss_campaign *cp, const char *mode, int argc, char **argv,
                      int first) {
  ss_common *c = cp->c;
  char err[512];
  if (first >= argc) {
    SS_ERR("%s: no program given (usage: sigstorm %s [OPTIONS] -- PROG "
           "[ARGS...])",
           mode, mode);
    return SS_EXIT_USAGE;
  }
  char *prog = ss_resolve_program(argv[first], err, sizeof err);
  if (!prog) {
    SS_ERR("%s", err);
    return SS_EXIT_USAGE;
  }
  if (ss_check_report_dir(c->report_dir) < 0) {
    free(prog);
    return SS_EXIT_USAGE;
  }
  const char *runtime = ss_find_runtime(c->runtime);
  if (!runtime) {
    free(prog);
    return SS_EXIT_INTERNAL;
  }
  /* every mode's build of the program, before anything runs */
  int modes[SS_SAN_NMODES] = {SS_SAN_NONE};
  int nmodes = c->nsan ? c->nsan : 1;
  char *progs[SS_SAN_NMODES] = {NULL};
  char sans[64] = "";
  for (int i = 0; i < c->nsan; i++) {
    modes[i] = c->san[i];
    snprintf(sans + strlen(sans), sizeof sans - strlen(sans), "%s%s",
             i ? "," : "", ss_san_mode_name(c->san[i]));
  }
  for (int i = 0; i < nmodes; i++)
    if (!(progs[i] = ss_san_program(prog, modes[i]))) {
      for (int j = 0; j < i; j++)
        free(progs[j]);
      free(prog);
      return SS_EXIT_USAGE;
    }
  if (!c->seed_set)
    c->seed = ss_random_seed();

  int n = argc - first;
  char **targv = calloc((size_t)n + 1, sizeof *targv);
  if (!targv) {
    for (int i = 0; i < nmodes; i++)
      free(progs[i]);
    free(prog);
    return SS_EXIT_INTERNAL;
  }
  targv[0] = prog;
  for (int i = 1; i < n; i++)
    targv[i] = argv[first + i];
  cp->argv = targv;
  cp->runtime = runtime;

  ss_report rep;
  ss_report_init(&rep);
  rep.target = strdup(argv[first]);
  rep.argc = n;
  rep.argv = calloc((size_t)n + 1, sizeof *rep.argv);
  for (int i = 0; rep.argv && i < n; i++)
    rep.argv[i] = strdup(argv[first + i]);
  rep.injector = strdup(c->no_inject ? "none" : "thread");
  rep.mode = strdup(mode);
  rep.seed = c->seed;
  rep.schedule = strdup(c->no_inject       ? "none"
                        : c->schedule_spec ? c->sched.text
                                           : "random");
  rep.sanitizers = c->nsan ? strdup(sans) : NULL;
  rep.heap_check = c->heap_check;
  rep.exit_code = -1;

  /* the budget under each mode, one report */
  ss_campaign_stats st = {0};
  int rc = 0;
  for (int i = 0; i < nmodes && rc == 0 && !ss_interrupted; i++) {
    ss_campaign_stats ms;
    targv[0] = progs[i];
    cp->argv = targv;
    cp->sanitizer = modes[i] == SS_SAN_NONE ? NULL : ss_san_mode_name(modes[i]);
    c->glibc_checks = SS_GLIBC_LEVEL(modes[i]);
    rc = ss_campaign_run(cp, &rep, &ms);
    st.attached += ms.attached;
    st.violations += ms.violations;
    st.dropped += ms.dropped;
  }
  targv[0] = prog;
  cp->argv = targv;
  for (int i = 0; i < c->nsan; i++)
    if (SS_GLIBC_LEVEL(modes[i]) > c->glibc_checks)
      c->glibc_checks = SS_GLIBC_LEVEL(modes[i]);
  rep.runtime_violations = st.violations;
  int status;
  if (rc < 0) {
    status = SS_EXIT_INTERNAL;
  } else if (rep.runs > 0 && st.attached == 0) {
    SS_ERR("program '%s': the sigstorm runtime did not load in it "
           "(statically linked, setuid, or it clears LD_PRELOAD?)",
           argv[first]);
    status = SS_EXIT_USAGE;
  } else {
    status = rep.nfindings ? SS_EXIT_FINDINGS : SS_EXIT_CLEAN;
    if (st.violations) {
      SS_ERR("the runtime made %llu unsafe calls on its own signal paths "
             "(a sigstorm bug)",
             (unsigned long long)st.violations);
      status = SS_EXIT_INTERNAL;
    }
    if (st.dropped)
      SS_WARN("%llu records did not fit in the shared segment",
              (unsigned long long)st.dropped);
  }
  /* every finding of a time-based run becomes a case with an instruction
   * window, confirmed by a replay */
  char cases[4096];
  const char *cdir = c->cases_dir;
  if (!cdir && c->report_dir) {
    snprintf(cases, sizeof cases, "%s/cases", c->report_dir);
    cdir = cases;
  }
  if (rc == 0 && status == SS_EXIT_FINDINGS && cdir && !c->no_cases &&
      !c->no_inject && !ss_interrupted) {
    ss_symbolizer *sym = ss_sym_new();
    ss_convert cv = {.dir = cdir,
                     .prog_given = argv[first],
                     .argv = targv,
                     .args = targv + 1,
                     .nargs = n - 1,
                     .runtime = runtime,
                     .mode = mode,
                     .timeout_ns = c->timeout_ns,
                     .stall_ns = c->stall_ns,
                     .hang_ns = c->hang_ns,
                     .sym = sym,
                     .glibc_checks = c->glibc_checks,
                     .heap_check = c->heap_check};
    uint64_t t0 = ss_mono_ns();
    int nconv = sym ? ss_convert_findings(&cv, &rep) : -1;
    if (nconv < 0)
      status = SS_EXIT_INTERNAL;
    else if (!cp->single || nconv)
      SS_INFO("%d of %zu findings converted into case files in %s (%.1fs)",
              nconv, rep.nfindings, cdir, (double)(ss_mono_ns() - t0) / 1e9);
    ss_sym_free(sym);
  }
  if (rc == 0) {
    ss_report_write_text(cp->single ? stderr : stdout, &rep);
    if (c->report_dir && ss_write_reports(c->report_dir, &rep) < 0)
      status = SS_EXIT_INTERNAL;
  }
  if (ss_interrupted)
    SS_WARN("interrupted: the report covers the runs that finished");
  ss_report_free(&rep);
  free(targv);
  for (int i = 0; i < nmodes; i++)
    free(progs[i]);
  free(prog);
  free(c->schedule_spec);
  return status;
}

int ss_cmd_run(int argc, char **argv) {
  static const char syn[] = "[OPTIONS] -- PROG [ARGS...]";
  ss_common c;
  ss_common_defaults(&c);
  int first =
      ss_getopt(argc, argv, "run", syn, ss_run_opts_tab, ss_on_run_opt, &c);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  ss_campaign cp = {.c = &c, .runs = 1, .jobs = 1, .single = 1};
  return ss_execute(&cp, "run", argc, argv, first);
}

int ss_cmd_stress(int argc, char **argv) {
  static const char syn[] =
      "[--runs N | --duration T] [--jobs J] [OPTIONS] -- PROG [ARGS...]";
  struct ss_stress_opts o;
  memset(&o, 0, sizeof o);
  ss_common_defaults(&o.c);
  int first = ss_getopt(argc, argv, "stress", syn, ss_stress_opts_tab,
                        ss_on_stress_opt, &o);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  if (o.runs_set && o.duration_set) {
    SS_ERR("stress: give --runs or --duration, not both");
    return SS_EXIT_USAGE;
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  ss_campaign cp = {
      .c = &o.c,
      .runs = o.duration_set ? 0 : (o.runs_set ? o.runs : 100),
      .duration_ns = o.duration_ns,
      .jobs = o.jobs ? o.jobs : (unsigned)(ncpu > 0 ? ncpu : 1),
      .progress = isatty(2),
  };
  return ss_execute(&cp, "stress", argc, argv, first);
}
