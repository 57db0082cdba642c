/* common.c: option tables, shared options, runtime and report plumbing. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

volatile sig_atomic_t ss_interrupted;

void ss_print_help(const char *cmd, const char *synopsis, const ss_opt *opts) {
  printf("usage: sigstorm %s %s\n\noptions:\n", cmd, synopsis);
  for (const ss_opt *o = opts; o->name; o++) {
    char left[64];
    if (o->val < 256)
      snprintf(left, sizeof left, "-%c, --%s%s%s", o->val, o->name,
               o->arg ? " " : "", o->arg ? o->arg : "");
    else
      snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    printf("  %-28s %s\n", left, o->help);
  }
  printf("\nexit status: 0 no findings, 1 findings, 2 usage or input error, "
         "3 internal error\n");
}

int ss_getopt(int argc, char **argv, const char *cmd, const char *synopsis,
              const ss_opt *opts, int (*on)(int, const char *, void *),
              void *ctx) {
  struct option lo[32];
  char shortopts[96] = "+:";
  size_t n = 0, sl = 2;
  for (const ss_opt *o = opts; o->name && n < 31; o++, n++) {
    lo[n].name = o->name;
    lo[n].has_arg = o->has_arg;
    lo[n].flag = NULL;
    lo[n].val = o->val;
    if (o->val < 256 && sl + 3 < sizeof shortopts) {
      shortopts[sl++] = (char)o->val;
      if (o->has_arg == required_argument)
        shortopts[sl++] = ':';
    }
  }
  memset(&lo[n], 0, sizeof lo[n]);
  shortopts[sl] = '\0';
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
    if (c == '?') {
      if (optopt && optopt < 256)
        SS_ERR("%s: unknown option '-%c' (see sigstorm %s --help)", cmd, optopt,
               cmd);
      else
        SS_ERR("%s: unknown option '%s' (see sigstorm %s --help)", cmd,
               argv[optind - 1], cmd);
      return -1;
    }
    if (c == ':') {
      SS_ERR("%s: option '%s' needs a value", cmd, argv[optind - 1]);
      return -1;
    }
    if (c == SS_OPT_HELP) {
      ss_print_help(cmd, synopsis, opts);
      return -2;
    }
    if (on(c, optarg, ctx) < 0)
      return -1;
  }
  return optind;
}

void ss_common_defaults(ss_common *c) {
  memset(c, 0, sizeof *c);
  c->timeout_ns = 10000000000ull;
  c->stall_ns = 200000000ull;
  c->hang_ns = 1000000000ull;
}

static int ss_bad(const char *opt, const char *val, const char *why) {
  SS_ERR("--%s '%s': %s", opt, val, why);
  return -1;
}

static const char *const ss_san_names[SS_SAN_NMODES] = {
    [SS_SAN_NONE] = "none", [SS_SAN_GLIBC] = "glibc",
    [SS_SAN_ASAN] = "asan", [SS_SAN_UBSAN] = "ubsan",
    [SS_SAN_TSAN] = "tsan", [SS_SAN_GLIBC_DEBUG] = "glibc-debug",
};

const char *ss_san_mode_name(int mode) {
  return mode >= 0 && mode < SS_SAN_NMODES ? ss_san_names[mode] : "?";
}

/* "asan,glibc": the modes in the order given, each once. */
static int ss_parse_sanitizers(ss_common *c, const char *arg) {
  int modes[SS_SAN_NMODES], n = 0;
  for (const char *p = arg;;) {
    size_t len = strcspn(p, ",");
    int m = -1;
    for (int k = 0; k < SS_SAN_NMODES; k++)
      if (len == strlen(ss_san_names[k]) &&
          strncmp(p, ss_san_names[k], len) == 0)
        m = k;
    if (m < 0)
      return ss_bad("sanitizer", arg,
                    "expected asan, ubsan, tsan, glibc, glibc-debug or "
                    "none, or a comma list of them");
    int dup = 0;
    for (int k = 0; k < n; k++)
      dup |= modes[k] == m;
    if (!dup)
      modes[n++] = m;
    if (!p[len])
      break;
    p += len + 1;
  }
  c->nsan = n;
  c->glibc_checks = 0;
  for (int k = 0; k < n; k++) {
    c->san[k] = modes[k];
    if (SS_GLIBC_LEVEL(modes[k]) > c->glibc_checks)
      c->glibc_checks = SS_GLIBC_LEVEL(modes[k]);
  }
  return 1;
}

int ss_common_option(ss_common *c, int val, const char *arg) {
  char err[256];
  switch (val) {
  case SS_OPT_SEED:
    if (ss_parse_u64(arg, &c->seed) < 0)
      return ss_bad("seed", arg, "expected an unsigned integer");
    c->seed_set = 1;
    return 1;
  case SS_OPT_SCHEDULE: {
    char *spec;
    if (arg[0] == '@') {
      spec = ss_read_file(arg + 1, NULL);
      if (!spec) {
        SS_ERR("--schedule: cannot read '%s': %s", arg + 1, strerror(errno));
        return -1;
      }
    } else {
      spec = strdup(arg);
    }
    if (ss_schedule_parse(spec, &c->sched, err, sizeof err) < 0) {
      if (arg[0] == '@')
        SS_ERR("%s: %s", arg + 1, err);
      else
        SS_ERR("%s", err);
      free(spec);
      return -1;
    }
    free(c->schedule_spec);
    c->schedule_spec = spec;
    return 1;
  }
  case SS_OPT_TIMEOUT:
    if (ss_parse_duration(arg, &c->timeout_ns) < 0 || c->timeout_ns == 0)
      return ss_bad("timeout", arg, "expected a duration like 10s");
    return 1;
  case SS_OPT_STALL:
    if (ss_parse_duration(arg, &c->stall_ns) < 0)
      return ss_bad("stall", arg, "expected a duration like 500ms, or 0");
    return 1;
  case SS_OPT_HANG:
    if (ss_parse_duration(arg, &c->hang_ns) < 0)
      return ss_bad("hang", arg, "expected a duration like 2s, or 0");
    return 1;
  case SS_OPT_REPORT:
    c->report_dir = arg;
    return 1;
  case SS_OPT_RUNTIME:
    c->runtime = arg;
    return 1;
  case SS_OPT_NO_INJECT:
    c->no_inject = 1;
    return 1;
  case SS_OPT_NO_FORK_INJECT:
    c->no_fork_inject = 1;
    return 1;
  case SS_OPT_CASES_DIR:
    c->cases_dir = arg;
    return 1;
  case SS_OPT_NO_CASES:
    c->no_cases = 1;
    return 1;
  case SS_OPT_SANITIZER:
    return ss_parse_sanitizers(c, arg);
  case SS_OPT_HEAP_CHECK:
    c->heap_check = 1;
    return 1;
  default:
    return 0;
  }
}

const char *ss_find_runtime(const char *given) {
  static char path[PATH_MAX];
  const char *env = getenv("SIGSTORM_RUNTIME");
  if (!given && env && *env)
    given = env;
  if (given) {
    if (access(given, R_OK) < 0) {
      SS_ERR("runtime '%s': %s", given, strerror(errno));
      return NULL;
    }
    if (!realpath(given, path))
      return NULL;
    return path;
  }
  char self[PATH_MAX - 32];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      snprintf(path, sizeof path, "%s/../lib/libsigstorm.so", self);
      char real[PATH_MAX];
      if (realpath(path, real) && access(real, R_OK) == 0) {
        snprintf(path, sizeof path, "%s", real);
        return path;
      }
    }
  }
  SS_ERR("cannot find libsigstorm.so beside the sigstorm binary (../lib/); "
         "give --runtime PATH or set SIGSTORM_RUNTIME");
  return NULL;
}

int ss_check_report_dir(const char *dir) {
  struct stat st;
  if (!dir)
    return 0;
  if (!*dir) {
    SS_ERR("--report: empty directory name");
    return -1;
  }
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      SS_ERR("--report '%s': exists and is not a directory", dir);
      return -1;
    }
    if (access(dir, W_OK) < 0) {
      SS_ERR("--report '%s': not writable", dir);
      return -1;
    }
    return 0;
  }
  /* it will be created: its parent must exist and be writable */
  char *copy = strdup(dir);
  char *slash = copy ? strrchr(copy, '/') : NULL;
  const char *parent = ".";
  if (slash == copy)
    parent = "/";
  else if (slash) {
    *slash = '\0';
    parent = copy;
  }
  int ok = stat(parent, &st) == 0 && S_ISDIR(st.st_mode) &&
           access(parent, W_OK) == 0;
  if (!ok)
    SS_ERR("--report '%s': parent directory '%s' is missing or not writable",
           dir, parent);
  free(copy);
  return ok ? 0 : -1;
}

int ss_write_reports(const char *dir, const ss_report *r) {
  if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
    SS_ERR("--report '%s': %s", dir, strerror(errno));
    return -1;
  }
  size_t len = strlen(dir) + 16;
  char *json = malloc(len), *txt = malloc(len);
  int rc = -1;
  if (json && txt) {
    snprintf(json, len, "%s/report.json", dir);
    snprintf(txt, len, "%s/report.txt", dir);
    if (ss_report_write_json_file(json, r) < 0)
      SS_ERR("cannot write '%s': %s", json, strerror(errno));
    else if (ss_report_write_text_file(txt, r) < 0)
      SS_ERR("cannot write '%s': %s", txt, strerror(errno));
    else
      rc = 0;
  }
  free(json);
  free(txt);
  return rc;
}

uint64_t ss_random_seed(void);
uint64_t ss_random_seed(void) {
  uint64_t s = 0;
  if (getrandom(&s, sizeof s, 0) != sizeof s)
    s = ss_mono_ns() ^ ((uint64_t)getpid() << 32);
  return s & 0xffffffffffffull; /* short enough to type */
}
