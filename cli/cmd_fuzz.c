/* sigstorm fuzz: a coverage-guided schedule-fuzzing campaign with
 * libFuzzer, AFL++ or the builtin engine, on a fuzz target built with
 * libsigstorm_fuzz.a (docs/fuzzing.md), in a campaign folder that a second
 * run resumes:
 *
 *   DIR/sigstorm-campaign   what this folder is: target, engine, binaries
 *   DIR/corpus/             the engines' corpus (libFuzzer, builtin)
 *   DIR/seeds/              AFL++'s -i (one seed written at creation)
 *   DIR/afl/                AFL++'s -o (an instance per job: main, s1, ...)
 *   DIR/artifacts/          crash-*, timeout-* saved by libFuzzer, the
 *                           builtin engine and the runtime's watchdog
 *   DIR/logs/               each job's output (AFL++: and afl-N.execs,
 *                           the runtime's live count of its executions)
 *   DIR/triage/             one file per saved input already classified
 *   DIR/findings/NAME/      one per signature: input, workload.bin, a case,
 *                           report.txt, report.json
 *
 * Nothing the engines save is touched; triage state and findings are
 * written through temporary files and renames, so a campaign killed at any
 * point (SIGKILL included: the engines get SIGTERM when sigstorm dies)
 * loses nothing and the next run triages what is left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "injector/sigstorm_fuzz.h"

uint64_t ss_random_seed(void);

#define SS_CAMPAIGN_MARK "sigstorm-campaign"
#define SS_MAX_JOBS 64

enum {
  SS_OPT_ENGINE = 'e',
  SS_OPT_JOBS = 'j',
  SS_OPT_DURATION = 'd',
  SS_OPT_OUT = 'o',
  SS_OPT_FSEED = 's',
  SS_OPT_ORACLE = 300,
  SS_OPT_NO_ICOV,
  SS_OPT_INPUT_TIMEOUT,
  SS_OPT_PROGRAM,
  SS_OPT_FIXED,
  SS_OPT_INPUT_ARG,
  SS_OPT_CONFIRM,
  SS_OPT_MINTIME,
  SS_OPT_NO_TRIAGE,
  SS_OPT_TRIAGE_ONLY,
  SS_OPT_PROMOTE,
  SS_OPT_CORPUS,
  SS_OPT_TARGET_DIR,
  SS_OPT_FHELP = 'h'
};

static const ss_opt ss_fuzz_opts[] = {
    {"engine", required_argument, SS_OPT_ENGINE, "E",
     "libfuzzer (default), afl (AFL++) or builtin"},
    {"jobs", required_argument, SS_OPT_JOBS, "J",
     "engine processes in parallel (AFL++: -M main, -S s1...; default 1)"},
    {"duration", required_argument, SS_OPT_DURATION, "T",
     "fuzz this long, then triage (default 10m); Ctrl-C stops early"},
    {"out", required_argument, SS_OPT_OUT, "DIR",
     "campaign folder (default fuzz-TARGET); an existing one is resumed"},
    {"seed", required_argument, SS_OPT_FSEED, "N",
     "seed of the engines (default: random, printed)"},
    {"oracle", required_argument, SS_OPT_ORACLE, "O",
     "window (default: only the race: a handler's unsafe call while the "
     "signal interrupted an interposed function, deadlocks, hangs, crashes) "
     "or unsafe-call (any unsafe call in a handler)"},
    {"no-icov", no_argument, SS_OPT_NO_ICOV, NULL,
     "no interruption coverage (to measure what it is worth)"},
    {"input-timeout", required_argument, SS_OPT_INPUT_TIMEOUT, "T",
     "an input running longer is a deadlock or hang (default 1s)"},
    {"program", required_argument, SS_OPT_PROGRAM, "PATH",
     "the normal build, run with --input FILE for case files (models: "
     "found)"},
    {"fixed", required_argument, SS_OPT_FIXED, "PATH",
     "its fixed twin, replayed to check a case (models: found)"},
    {"input-arg", required_argument, SS_OPT_INPUT_ARG, "OPT",
     "the program's option that reads the workload bytes (default --input)"},
    {"confirm", required_argument, SS_OPT_CONFIRM, "N",
     "replays that confirm each case, and of the fixed twin (default 20)"},
    {"minimize-time", required_argument, SS_OPT_MINTIME, "T",
     "time budget to minimize one finding's input (default 30s)"},
    {"no-triage", no_argument, SS_OPT_NO_TRIAGE, NULL,
     "only fuzz; triage later with --triage"},
    {"triage", no_argument, SS_OPT_TRIAGE_ONLY, NULL,
     "no fuzzing: triage the campaign's saved inputs (--out DIR)"},
    {"promote", no_argument, SS_OPT_PROMOTE, NULL,
     "copy the campaign's new case files into the corpus (--out DIR)"},
    {"corpus", required_argument, SS_OPT_CORPUS, "DIR",
     "the regression corpus --promote writes to (default corpus)"},
    {"target-dir", required_argument, SS_OPT_TARGET_DIR, "DIR",
     "where model builds are (default: the build folder above sigstorm)"},
    {"help", no_argument, SS_OPT_FHELP, NULL, "show this help"},
    {NULL, 0, 0, 0, 0}};

static const char ss_fuzz_syn[] =
    "[--engine libfuzzer|afl|builtin] [--jobs J] [--duration T] [--out DIR] "
    "TARGET\n       sigstorm fuzz --promote --out DIR [--corpus DIR]\n\n"
    "TARGET: a model (regresshion, ...; see targets/models.def) or a fuzz "
    "binary built with libsigstorm_fuzz.a (docs/fuzzing.md)";

struct ss_fuzz_opts {
  int engine;
  unsigned jobs;
  uint64_t duration_ns;
  const char *out;
  uint64_t seed;
  int seed_set;
  const char *oracle;
  int no_icov;
  uint64_t input_timeout_ns;
  const char *program, *fixed, *input_arg;
  unsigned confirm;
  uint64_t minimize_ns;
  int no_triage, triage_only, promote;
  const char *corpus;
  const char *target_dir;
};

static int ss_on_fuzz_opt(int val, const char *arg, void *ctx) {
  struct ss_fuzz_opts *o = ctx;
  uint64_t v;
  switch (val) {
  case SS_OPT_ENGINE:
    if (strcmp(arg, "libfuzzer") == 0)
      o->engine = SS_ENG_LIBFUZZER;
    else if (strcmp(arg, "afl") == 0 || strcmp(arg, "afl++") == 0)
      o->engine = SS_ENG_AFL;
    else if (strcmp(arg, "builtin") == 0)
      o->engine = SS_ENG_BUILTIN;
    else {
      SS_ERR("--engine '%s': expected libfuzzer, afl or builtin", arg);
      return -1;
    }
    return 0;
  case SS_OPT_JOBS:
    if (ss_parse_u64(arg, &v) < 0 || v == 0 || v > SS_MAX_JOBS) {
      SS_ERR("--jobs '%s': expected an integer from 1 to %d", arg, SS_MAX_JOBS);
      return -1;
    }
    o->jobs = (unsigned)v;
    return 0;
  case SS_OPT_DURATION:
    if (ss_parse_duration(arg, &o->duration_ns) < 0 || o->duration_ns == 0) {
      SS_ERR("--duration '%s': expected a duration like 60s or 10m", arg);
      return -1;
    }
    return 0;
  case SS_OPT_OUT:
    o->out = arg;
    return 0;
  case SS_OPT_FSEED:
    if (ss_parse_u64(arg, &o->seed) < 0) {
      SS_ERR("--seed '%s': expected an integer", arg);
      return -1;
    }
    o->seed_set = 1;
    return 0;
  case SS_OPT_ORACLE:
    if (strcmp(arg, "window") != 0 && strcmp(arg, "unsafe-call") != 0) {
      SS_ERR("--oracle '%s': expected window or unsafe-call", arg);
      return -1;
    }
    o->oracle = arg;
    return 0;
  case SS_OPT_NO_ICOV:
    o->no_icov = 1;
    return 0;
  case SS_OPT_INPUT_TIMEOUT:
    if (ss_parse_duration(arg, &o->input_timeout_ns) < 0 ||
        o->input_timeout_ns < 1000000ull) {
      SS_ERR("--input-timeout '%s': expected a duration of 1ms or more", arg);
      return -1;
    }
    return 0;
  case SS_OPT_PROGRAM:
    o->program = arg;
    return 0;
  case SS_OPT_FIXED:
    o->fixed = arg;
    return 0;
  case SS_OPT_INPUT_ARG:
    o->input_arg = arg;
    return 0;
  case SS_OPT_CONFIRM:
    if (ss_parse_u64(arg, &v) < 0 || v == 0 || v > 10000) {
      SS_ERR("--confirm '%s': expected an integer from 1 to 10000", arg);
      return -1;
    }
    o->confirm = (unsigned)v;
    return 0;
  case SS_OPT_MINTIME:
    if (ss_parse_duration(arg, &o->minimize_ns) < 0) {
      SS_ERR("--minimize-time '%s': expected a duration like 30s", arg);
      return -1;
    }
    return 0;
  case SS_OPT_NO_TRIAGE:
    o->no_triage = 1;
    return 0;
  case SS_OPT_TRIAGE_ONLY:
    o->triage_only = 1;
    return 0;
  case SS_OPT_PROMOTE:
    o->promote = 1;
    return 0;
  case SS_OPT_CORPUS:
    o->corpus = arg;
    return 0;
  case SS_OPT_TARGET_DIR:
    o->target_dir = arg;
    return 0;
  default:
    return -1;
  }
}

static const char *const ss_engine_names[] = {"libfuzzer", "afl", "builtin"};
static const char *const ss_engine_ext[] = {".fuzz", ".afl", ".sfuzz"};

/* ---- the models -------------------------------------------------------- */

static const char *const ss_models[] = {
#define SS_MODEL(name, desc, kind, sig, args) #name,
#include "targets/models.def"
#undef SS_MODEL
};

static int ss_is_model(const char *name) {
  char base[128];
  snprintf(base, sizeof base, "%s", name);
  size_t l = strlen(base);
  if (l > 6 && strcmp(base + l - 6, "_fixed") == 0)
    base[l - 6] = '\0';
  for (size_t i = 0; i < sizeof ss_models / sizeof *ss_models; i++)
    if (strcmp(base, ss_models[i]) == 0)
      return 1;
  return 0;
}

/* the build folder: --target-dir, else the one above this binary */
static char *ss_build_dir(const char *given) {
  if (given)
    return realpath(given, NULL);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  char *s = strrchr(self, '/');
  if (!s)
    return NULL;
  *s = '\0';
  s = strrchr(self, '/');
  if (!s)
    return NULL;
  *s = '\0';
  return strdup(self);
}

static char *ss_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ss_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    s = NULL;
  va_end(ap);
  return s;
}

static int ss_is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- the campaign folder ------------------------------------------------- */

/* 1 when dir has no entries (or does not exist) */
static int ss_dir_empty(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT;
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      empty = 0;
      break;
    }
  closedir(d);
  return empty;
}

/* The value of "key VALUE" in the marker text; NULL none. */
static char *ss_mark_get(const char *text, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = text; p && *p;
       p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
      const char *v = p + kl + 1;
      return strndup(v, strcspn(v, "\n"));
    }
  }
  return NULL;
}

/* Opens (creates or resumes) the campaign folder. On a folder that is not
 * a campaign, or one of another target: a one-line error, SS_EXIT_USAGE.
 * *resumed set when it existed. name: the target's name, NULL when the
 * marker gives it (into *name_out). */
static int ss_campaign_open(const char *dir, const char *name, int create,
                            int *resumed, char **marker_text) {
  struct stat st;
  char *mark = ss_fmt("%s/%s", dir, SS_CAMPAIGN_MARK);
  *resumed = 0;
  *marker_text = NULL;
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    SS_ERR("fuzz: --out '%s': exists and is not a folder", dir);
    free(mark);
    return SS_EXIT_USAGE;
  }
  if (ss_is_file(mark)) {
    size_t len;
    char *text = ss_read_file(mark, &len);
    if (!text || strncmp(text, "sigstorm-campaign 1\n", 20) != 0) {
      SS_ERR("fuzz: '%s': not a sigstorm campaign marker (first line must "
             "be 'sigstorm-campaign 1')",
             mark);
      free(text);
      free(mark);
      return SS_EXIT_USAGE;
    }
    char *tn = ss_mark_get(text, "target");
    if (name && tn && strcmp(tn, name) != 0) {
      SS_ERR("fuzz: --out '%s': a campaign of target '%s', not '%s' (use "
             "another folder)",
             dir, tn, name);
      free(tn);
      free(text);
      free(mark);
      return SS_EXIT_USAGE;
    }
    free(tn);
    *resumed = 1;
    *marker_text = text;
    free(mark);
    return 0;
  }
  if (!create || !ss_dir_empty(dir)) {
    SS_ERR("fuzz: --out '%s': %s", dir,
           !create && ss_dir_empty(dir)
               ? "no such campaign folder"
               : "not a sigstorm campaign folder (no " SS_CAMPAIGN_MARK
                 " file) and not empty: refusing to write into it");
    free(mark);
    return SS_EXIT_USAGE;
  }
  free(mark);
  return 0;
}

static int ss_write_marker(const char *dir, const ss_fz_target *t) {
  char *text = ss_fmt("sigstorm-campaign 1\ntarget %s\nengine %s\nbinary "
                      "%s\nprogram %s\nfixed %s\noracle %s\n",
                      t->name, ss_engine_names[t->engine], t->binary,
                      t->program ? t->program : "-", t->fixed ? t->fixed : "-",
                      t->oracle);
  char *p = ss_fmt("%s/%s", dir, SS_CAMPAIGN_MARK);
  int r = text && p ? ss_fz_write_atomic(p, text, strlen(text)) : -1;
  if (r < 0)
    SS_ERR("fuzz: cannot write '%s': %s", p ? p : dir, strerror(errno));
  free(text);
  free(p);
  return r;
}

/* ---- saved inputs and their triage -------------------------------------- */

struct ss_sigrec {
  ss_fz_class cls;
  char *first; /* the first saved input that showed it */
  unsigned count;
  int done; /* findings/ has it */
  char name[160];
};

struct ss_fz_state {
  const char *dir;
  ss_fz_target *t;
  struct ss_sigrec *sigs;
  size_t nsigs, cap;
  unsigned artifacts, triaged, unreproduced;
  unsigned from_log; /* classified from the engine's log, not a re-run */
};

static struct ss_sigrec *ss_sig_find(struct ss_fz_state *s, const char *sig) {
  for (size_t i = 0; i < s->nsigs; i++)
    if (strcmp(s->sigs[i].cls.signature, sig) == 0)
      return &s->sigs[i];
  return NULL;
}

static struct ss_sigrec *ss_sig_add(struct ss_fz_state *s, const ss_fz_class *c,
                                    const char *file) {
  struct ss_sigrec *r = ss_sig_find(s, c->signature);
  if (r) {
    r->count++;
    return r;
  }
  if (s->nsigs == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 16;
    struct ss_sigrec *nv = realloc(s->sigs, nc * sizeof *nv);
    if (!nv)
      return NULL;
    s->sigs = nv;
    s->cap = nc;
  }
  r = &s->sigs[s->nsigs++];
  memset(r, 0, sizeof *r);
  r->cls = *c;
  r->first = strdup(file);
  r->count = 1;
  return r;
}

/* the triage state of a saved input: "SIGNATURE KIND" lines, then the
 * class's fields one per line (kind, sig, handler, callee, interrupted,
 * thread, detail); "-" when it did not reproduce */
static int ss_state_load(const char *p, ss_fz_class *c) {
  size_t len;
  char *text = ss_read_file(p, &len);
  if (!text)
    return -1;
  memset(c, 0, sizeof *c);
  char *fields[8] = {0};
  int n = 0;
  for (char *q = text; n < 8 && q && *q;) {
    fields[n++] = q;
    char *nl = strchr(q, '\n');
    if (!nl)
      break;
    *nl = '\0';
    q = nl + 1;
  }
  if (n >= 1 && strcmp(fields[0], "-") != 0 && n >= 8) {
    snprintf(c->signature, sizeof c->signature, "%s", fields[0]);
    snprintf(c->kind, sizeof c->kind, "%s", fields[1]);
    snprintf(c->sig, sizeof c->sig, "%s", fields[2]);
    snprintf(c->handler, sizeof c->handler, "%s", fields[3]);
    snprintf(c->callee, sizeof c->callee, "%s", fields[4]);
    snprintf(c->interrupted, sizeof c->interrupted, "%s", fields[5]);
    snprintf(c->thread, sizeof c->thread, "%s", fields[6]);
    snprintf(c->detail, sizeof c->detail, "%s", fields[7]);
  }
  free(text);
  return 0;
}

static void ss_state_save(const char *p, const ss_fz_class *c) {
  char *text = c->kind[0]
                   ? ss_fmt("%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", c->signature,
                            c->kind, c->sig, c->handler, c->callee,
                            c->interrupted, c->thread, c->detail)
                   : strdup("-\n");
  if (text)
    ss_fz_write_atomic(p, text, strlen(text));
  free(text);
}

/* What the engines printed before saving each input: libFuzzer and the
 * builtin engine print the runtime's report, then "Test unit written to
 * PATH" (the builtin engine: "saved PATH"). A saved input that does not
 * show its race again when re-run (a time window lands by chance) is
 * classified from this. */
struct ss_logidx {
  char **path, **text;
  size_t n, cap;
};

static void ss_logidx_free(struct ss_logidx *x) {
  for (size_t i = 0; i < x->n; i++) {
    free(x->path[i]);
    free(x->text[i]);
  }
  free(x->path);
  free(x->text);
  memset(x, 0, sizeof *x);
}

static void ss_logidx_add(struct ss_logidx *x, const char *path,
                          const char *from, const char *to) {
  if (x->n == x->cap) {
    size_t nc = x->cap ? x->cap * 2 : 32;
    char **np = realloc(x->path, nc * sizeof *np);
    if (!np)
      return;
    x->path = np;
    char **nt = realloc(x->text, nc * sizeof *nt);
    if (!nt)
      return;
    x->text = nt;
    x->cap = nc;
  }
  x->path[x->n] = strdup(path);
  x->text[x->n] = strndup(from, (size_t)(to - from));
  x->n++;
}

static void ss_logidx_build(struct ss_logidx *x, const char *dir) {
  ss_logidx_free(x);
  char *ld = ss_fmt("%s/logs", dir);
  DIR *d = ld ? opendir(ld) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char *p = ss_fmt("%s/%s", ld, e->d_name);
    size_t len;
    char *text = p ? ss_read_file(p, &len) : NULL;
    free(p);
    if (!text)
      continue;
    const char *block = text; /* where the current input's output began */
    for (char *q = text; q && *q;) {
      char *nl = strchr(q, '\n');
      const char *mark = NULL;
      if (strncmp(q, "artifact_prefix=", 16) == 0)
        mark = strstr(q, "Test unit written to ");
      if (mark) {
        mark += 21;
        char path[4096];
        size_t pl = strcspn(mark, "\r\n");
        if (pl < sizeof path) {
          memcpy(path, mark, pl);
          path[pl] = '\0';
          ss_logidx_add(x, path, block, q);
        }
        block = nl ? nl + 1 : q + strlen(q);
      } else if (strncmp(q, "INFO: Seed:", 11) == 0 ||
                 strncmp(q, "#", 1) == 0) {
        block = nl ? nl + 1 : q + strlen(q); /* a new run or progress */
      }
      q = nl ? nl + 1 : NULL;
    }
    free(text);
  }
  if (d)
    closedir(d);
  free(ld);
}

static const char *ss_logidx_find(const struct ss_logidx *x, const char *file) {
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  for (size_t i = 0; i < x->n; i++) {
    const char *b = strrchr(x->path[i], '/');
    b = b ? b + 1 : x->path[i];
    if (strcmp(b, base) == 0)
      return x->text[i];
  }
  return NULL;
}

static int ss_is_artifact_name(const char *n) {
  /* the builtin engine writes crash-<hex>.txt beside crash-<hex>: how the
   * worker died and its stderr, the log of that input, not an input */
  size_t len = strlen(n);
  if (strncmp(n, "id:", 3) != 0 && len > 4 && strcmp(n + len - 4, ".txt") == 0)
    return 0;
  return strncmp(n, "crash-", 6) == 0 || strncmp(n, "timeout-", 8) == 0 ||
         strncmp(n, "oom-", 4) == 0 || strncmp(n, "leak-", 5) == 0 ||
         strncmp(n, "id:", 3) == 0;
}

/* Classifies every saved input not triaged yet. Returns new signatures. */
static unsigned ss_triage_scan(struct ss_fz_state *s, int quiet) {
  unsigned fresh = 0;
  for (size_t i = 0; i < s->nsigs; i++)
    s->sigs[i].count = 0; /* recounted below */
  char *dirs[SS_MAX_JOBS * 8 + 2];
  size_t nd = 0;
  dirs[nd++] = ss_fmt("%s/artifacts", s->dir);
  char *afl = ss_fmt("%s/afl", s->dir);
  DIR *ad = afl ? opendir(afl) : NULL;
  struct dirent *e;
  while (ad && (e = readdir(ad)) != NULL && nd + 2 < sizeof dirs / sizeof *dirs)
    if (e->d_name[0] != '.') {
      /* an instance's crashes/ and hangs/, and those an AFL++ resume
       * moved aside (crashes.<date>/, hangs.<date>/) */
      char *inst = ss_fmt("%s/%s", afl, e->d_name);
      DIR *id = inst ? opendir(inst) : NULL;
      struct dirent *ie;
      while (id && (ie = readdir(id)) != NULL &&
             nd + 1 < sizeof dirs / sizeof *dirs)
        if (strncmp(ie->d_name, "crashes", 7) == 0 ||
            strncmp(ie->d_name, "hangs", 5) == 0)
          dirs[nd++] = ss_fmt("%s/%s", inst, ie->d_name);
      if (id)
        closedir(id);
      free(inst);
    }
  if (ad)
    closedir(ad);
  free(afl);
  unsigned total = 0;
  struct ss_logidx logs = {0};
  int logs_built = 0;
  for (size_t i = 0; i < nd; i++) {
    DIR *d = dirs[i] ? opendir(dirs[i]) : NULL;
    while (d && (e = readdir(d)) != NULL) {
      if (!ss_is_artifact_name(e->d_name))
        continue;
      total++;
      char *file = ss_fmt("%s/%s", dirs[i], e->d_name);
      /* the state's name: the path under the campaign, '/' -> '_' */
      char *rel = ss_fmt("%s", file + strlen(s->dir) + 1);
      for (char *q = rel; q && *q; q++)
        if (*q == '/')
          *q = '_';
      char *sp = ss_fmt("%s/triage/%s", s->dir, rel);
      ss_fz_class c;
      if (ss_is_file(sp) && ss_state_load(sp, &c) == 0) {
        if (c.kind[0])
          ss_sig_add(s, &c, file);
      } else {
        if (ss_fz_classify(s->t, file, 3, &c) == 0) {
          if (!c.kind[0]) {
            if (!logs_built) {
              ss_logidx_build(&logs, s->dir);
              logs_built = 1;
            }
            const char *lt = ss_logidx_find(&logs, file);
            if (lt && ss_fz_classify_text(lt, &c) == 0)
              s->from_log++;
            /* the builtin engine's own log of the input, beside it */
            char *tp = lt || c.kind[0] ? NULL : ss_fmt("%s.txt", file);
            size_t tl;
            char *tt = tp ? ss_read_file(tp, &tl) : NULL;
            if (tt && ss_fz_classify_text(tt, &c) == 0 && c.kind[0])
              s->from_log++;
            free(tt);
            free(tp);
          }
          ss_state_save(sp, &c);
          s->triaged++;
          if (c.kind[0]) {
            int seen = ss_sig_find(s, c.signature) != NULL;
            ss_sig_add(s, &c, file);
            if (!seen) {
              fresh++;
              if (!quiet)
                fprintf(stderr, "%ssigstorm fuzz: new finding: %s%s%s\n",
                        isatty(2) ? "\r\033[K" : "", c.kind,
                        c.detail[0] ? ": " : "", c.detail);
            }
          } else {
            s->unreproduced++;
          }
        }
      }
      free(file);
      free(rel);
      free(sp);
    }
    if (d)
      closedir(d);
    free(dirs[i]);
  }
  ss_logidx_free(&logs);
  s->artifacts = total;
  return fresh;
}

/* marks the signatures findings/ already has */
static void ss_findings_mark(struct ss_fz_state *s) {
  char *fd = ss_fmt("%s/findings", s->dir);
  DIR *d = fd ? opendir(fd) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    size_t l = strlen(e->d_name);
    for (size_t i = 0; l >= 8 && i < s->nsigs; i++)
      if (strncmp(e->d_name + l - 8, s->sigs[i].cls.signature, 8) == 0) {
        s->sigs[i].done = 1;
        snprintf(s->sigs[i].name, sizeof s->sigs[i].name, "%s", e->d_name);
      }
  }
  if (d)
    closedir(d);
  free(fd);
}

/* ---- engine processes ---------------------------------------------------- */

struct ss_job {
  pid_t pid;
  unsigned index, restarts;
  uint64_t started;
  char *log;
  off_t log_off;
  uint64_t execs_now;  /* of the running process */
  uint64_t execs_done; /* of its finished processes */
  char *execs_file;    /* AFL++: the runtime's count (SIGSTORM_FUZZ_EXECS) */
};

struct ss_engine_run {
  ss_fz_target *t;
  const char *dir;
  struct ss_fuzz_opts *o;
  char *afl_fuzz;
  struct ss_job jobs[SS_MAX_JOBS];
  unsigned njobs;
  uint64_t deadline;
  unsigned failures;
};

static char *ss_which(const char *prog) {
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  char *copy = strdup(path), *save = NULL;
  for (char *d = strtok_r(copy, ":", &save); d;
       d = strtok_r(NULL, ":", &save)) {
    char *c = ss_fmt("%s/%s", d, prog);
    if (c && access(c, X_OK) == 0) {
      free(copy);
      return c;
    }
    free(c);
  }
  free(copy);
  return NULL;
}

/* AFL++ job j's execution counter, 8 zero bytes before each start (the
 * count is the running process's, as execs_now); 0, or -1 without one */
static int ss_execs_file_reset(struct ss_job *j) {
  if (!j->execs_file)
    return -1;
  int fd = open(j->execs_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  uint64_t zero = 0;
  int ok = fd >= 0 && write(fd, &zero, sizeof zero) == (ssize_t)sizeof zero;
  if (fd >= 0)
    close(fd);
  return ok ? 0 : -1;
}

static uint64_t ss_execs_file_read(const struct ss_job *j) {
  uint64_t v = 0;
  int fd = j->execs_file ? open(j->execs_file, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    if (pread(fd, &v, sizeof v, 0) != (ssize_t)sizeof v)
      v = 0;
    close(fd);
  }
  return v;
}

static int ss_job_start(struct ss_engine_run *er, struct ss_job *j) {
  ss_fz_target *t = er->t;
  uint64_t now = ss_mono_ns();
  uint64_t left_s =
      er->deadline > now ? (er->deadline - now) / 1000000000ull : 0;
  if (left_s < 1)
    return 0;
  uint64_t seed = er->o->seed + j->index + 1000ull * j->restarts;
  char *a[32];
  int n = 0;
  char *own[16];
  int nown = 0;
#define OWN(x) (own[nown++] = (x))
  if (t->engine == SS_ENG_AFL) {
    a[n++] = er->afl_fuzz;
    a[n++] = "-i";
    a[n++] = OWN(ss_fmt("%s/seeds", er->dir));
    a[n++] = "-o";
    a[n++] = OWN(ss_fmt("%s/afl", er->dir));
    a[n++] = j->index == 0 ? "-M" : "-S";
    a[n++] = OWN(j->index == 0 ? strdup("main") : ss_fmt("s%u", j->index));
    a[n++] = "-s";
    a[n++] = OWN(ss_fmt("%llu", (unsigned long long)seed));
    a[n++] = "-t";
    a[n++] = OWN(
        ss_fmt("%llu", (unsigned long long)(t->input_timeout_ms * 2 + 500)));
    a[n++] = "-V";
    a[n++] = OWN(ss_fmt("%llu", (unsigned long long)left_s));
    a[n++] = "--";
    a[n++] = t->binary;
  } else {
    a[n++] = t->binary;
    if (t->engine == SS_ENG_LIBFUZZER) {
      a[n++] = "-timeout=0";
      a[n++] = "-handle_usr1=0";
      a[n++] = "-handle_usr2=0";
      a[n++] = "-print_final_stats=1";
    } else {
      a[n++] =
          OWN(ss_fmt("-timeout=%llu",
                     (unsigned long long)(t->input_timeout_ms / 1000 + 2)));
    }
    a[n++] = OWN(
        ss_fmt("-seed=%llu", (unsigned long long)(seed % 4000000000ull + 1)));
    a[n++] = OWN(ss_fmt("-max_total_time=%llu", (unsigned long long)left_s));
    a[n++] = OWN(ss_fmt("-artifact_prefix=%s/artifacts/", er->dir));
    a[n++] = OWN(ss_fmt("%s/corpus", er->dir));
  }
  a[n] = NULL;
  char *env[12];
  int ne = 0;
  env[ne++] = ss_fmt("SIGSTORM_FUZZ_ORACLE=%s", t->oracle);
  env[ne++] = ss_fmt("SIGSTORM_FUZZ_ICOV=%d", er->o->no_icov ? 0 : 1);
  env[ne++] = ss_fmt("SIGSTORM_FUZZ_TIMEOUT=%llu",
                     (unsigned long long)t->input_timeout_ms);
  env[ne++] = ss_fmt("SIGSTORM_FUZZ_ARTIFACTS=%s/artifacts", er->dir);
  if (t->engine == SS_ENG_AFL) {
    /* no AFL_NO_UI: with it, afl-fuzz 4.04c stops updating fuzzer_stats
     * (the status line reads it); on a pipe it prints no UI anyway */
    env[ne++] = strdup("AFL_SKIP_CPUFREQ=1");
    env[ne++] = strdup("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1");
    env[ne++] = strdup("AFL_NO_AFFINITY=1");
    env[ne++] = strdup("AFL_AUTORESUME=1");
    /* the live count: afl-fuzz rewrites fuzzer_stats once a minute */
    if (ss_execs_file_reset(j) == 0)
      env[ne++] = ss_fmt("SIGSTORM_FUZZ_EXECS=%s", j->execs_file);
  }
  env[ne] = NULL;
  pid_t ppid = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    /* the engine ends with sigstorm, however sigstorm ends: afl-fuzz by
     * SIGTERM (it stops its fork server and writes its state), the
     * others by SIGKILL (a hung input may never see a SIGTERM) */
    prctl(PR_SET_PDEATHSIG, t->engine == SS_ENG_AFL ? SIGTERM : SIGKILL);
    if (getppid() != ppid)
      _exit(1);
    setpgid(0, 0);
    int nul = open("/dev/null", O_RDONLY);
    int lf = open(j->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (nul >= 0)
      dup2(nul, 0);
    if (lf >= 0) {
      dup2(lf, 1);
      dup2(lf, 2);
    }
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    for (int i = 0; i < ne; i++)
      putenv(env[i]);
    execv(a[0], a);
    dprintf(2, "sigstorm: cannot run '%s': %s\n", a[0], strerror(errno));
    _exit(127);
  }
  for (int i = 0; i < nown; i++)
    free(own[i]);
  for (int i = 0; i < ne; i++)
    free(env[i]);
#undef OWN
  if (pid < 0) {
    SS_ERR("fuzz: fork: %s", strerror(errno));
    return -1;
  }
  setpgid(pid, pid);
  j->pid = pid;
  j->started = now;
  struct stat st;
  j->log_off = stat(j->log, &st) == 0 ? st.st_size : 0;
  j->execs_now = 0;
  return 0;
}

/* reads a job's new log lines: libFuzzer-style "#N ..." lines */
static void ss_job_poll_log(struct ss_job *j) {
  int fd = open(j->log, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char buf[65536];
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf - 1, j->log_off);
    if (n <= 0)
      break;
    buf[n] = '\0';
    /* whole lines only */
    char *last = strrchr(buf, '\n');
    if (!last)
      break;
    last[1] = '\0';
    for (char *p = buf; *p;) {
      if (*p == '#') {
        uint64_t v = strtoull(p + 1, NULL, 10);
        if (v > j->execs_now)
          j->execs_now = v;
      } else if (strncmp(p, "stat::number_of_executed_units: ", 32) == 0) {
        uint64_t v = strtoull(p + 32, NULL, 10);
        if (v > j->execs_now)
          j->execs_now = v;
      }
      char *nl = strchr(p, '\n');
      p = nl ? nl + 1 : p + strlen(p);
    }
    j->log_off += (off_t)(last + 1 - buf);
  }
  close(fd);
}

static uint64_t ss_stat_num(const char *text, const char *key) {
  const char *p = text;
  size_t kl = strlen(key);
  while ((p = strstr(p, key)) != NULL) {
    if ((p == text || p[-1] == '\n') && (p[kl] == ' ' || p[kl] == ':')) {
      const char *c = strchr(p, ':');
      return c ? strtoull(c + 1, NULL, 10) : 0;
    }
    p += kl;
  }
  return 0;
}

static unsigned ss_count_files(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  unsigned n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static void ss_engine_totals(struct ss_engine_run *er, uint64_t *execs,
                             uint64_t *corpus) {
  *execs = 0;
  *corpus = 0;
  for (unsigned i = 0; i < er->njobs; i++) {
    struct ss_job *j = &er->jobs[i];
    if (er->t->engine == SS_ENG_AFL) {
      /* its instance's folder: main, s1, s2, ... */
      char *inst = i == 0 ? ss_fmt("%s/afl/main", er->dir)
                          : ss_fmt("%s/afl/s%u", er->dir, i);
      char *p = inst ? ss_fmt("%s/fuzzer_stats", inst) : NULL;
      char *q = inst ? ss_fmt("%s/queue", inst) : NULL;
      size_t len;
      char *text = p ? ss_read_file(p, &len) : NULL;
      uint64_t n = 0;
      if (text) {
        uint64_t e = ss_stat_num(text, "execs_done");
        if (e > j->execs_now)
          j->execs_now = e;
        n = ss_stat_num(text, "corpus_count");
        free(text);
      }
      /* both live, where fuzzer_stats is a minute old: the runtime's
       * count and the queue */
      uint64_t e = ss_execs_file_read(j);
      if (e > j->execs_now)
        j->execs_now = e;
      uint64_t nq = q ? ss_count_files(q) : 0;
      *corpus += nq > n ? nq : n;
      free(q);
      free(p);
      free(inst);
    } else {
      ss_job_poll_log(j);
    }
    *execs += j->execs_done + j->execs_now;
  }
  if (er->t->engine != SS_ENG_AFL) {
    char *c = ss_fmt("%s/corpus", er->dir);
    *corpus = c ? ss_count_files(c) : 0;
    free(c);
  }
}

static void ss_jobs_stop(struct ss_engine_run *er) {
  for (unsigned i = 0; i < er->njobs; i++)
    if (er->jobs[i].pid > 0)
      kill(-er->jobs[i].pid, SIGTERM);
  uint64_t until = ss_mono_ns() + 5000000000ull;
  for (;;) {
    int alive = 0;
    for (unsigned i = 0; i < er->njobs; i++) {
      struct ss_job *j = &er->jobs[i];
      if (j->pid <= 0)
        continue;
      int st;
      pid_t r = waitpid(j->pid, &st, WNOHANG);
      if (r == j->pid || (r < 0 && errno == ECHILD)) {
        kill(-j->pid, SIGKILL);
        ss_job_poll_log(j);
        j->execs_done += j->execs_now;
        j->execs_now = er->t->engine == SS_ENG_AFL ? j->execs_now : 0;
        j->pid = 0;
      } else {
        alive = 1;
      }
    }
    if (!alive)
      break;
    if (ss_mono_ns() > until) {
      for (unsigned i = 0; i < er->njobs; i++)
        if (er->jobs[i].pid > 0)
          kill(-er->jobs[i].pid, SIGKILL);
      until = ss_mono_ns() + 2000000000ull;
    }
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
}

/* The tail of a log, for an engine that failed. */
static void ss_log_tail(const char *log) {
  size_t len;
  char *text = ss_read_file(log, &len);
  if (!text)
    return;
  const char *p = len > 1500 ? text + len - 1500 : text;
  fprintf(stderr, "--- last lines of %s ---\n%s\n---\n", log, p);
  free(text);
}

static void ss_fmt_count(char *b, size_t cap, double v) {
  if (v >= 1e6)
    snprintf(b, cap, "%.1fM", v / 1e6);
  else if (v >= 1e4)
    snprintf(b, cap, "%.1fk", v / 1e3);
  else
    snprintf(b, cap, "%.0f", v);
}

/* Runs the engines until the deadline or Ctrl-C; triages as inputs come. */
static int ss_fuzz_loop(struct ss_engine_run *er, struct ss_fz_state *s,
                        uint64_t *execs_out) {
  ss_fz_target *t = er->t;
  for (unsigned i = 0; i < er->njobs; i++) {
    struct ss_job *j = &er->jobs[i];
    j->index = i;
    j->log =
        ss_fmt("%s/logs/%s-%u.log", er->dir, ss_engine_names[t->engine], i);
    if (t->engine == SS_ENG_AFL)
      j->execs_file = ss_fmt("%s/logs/afl-%u.execs", er->dir, i);
    if (t->engine == SS_ENG_AFL && i > 0) {
      /* let the main instance create the output folder first */
      struct timespec ts = {0, 300000000};
      nanosleep(&ts, NULL);
    }
    if (ss_job_start(er, j) < 0)
      return -1;
  }
  int tty = isatty(2);
  uint64_t start = ss_mono_ns(), last_status = 0, last_scan = 0;
  uint64_t last_execs = 0, last_t = start;
  double rate = 0;
  while (!ss_interrupted) {
    uint64_t now = ss_mono_ns();
    int alive = 0;
    for (unsigned i = 0; i < er->njobs; i++) {
      struct ss_job *j = &er->jobs[i];
      if (j->pid <= 0)
        continue;
      int st;
      pid_t r = waitpid(j->pid, &st, WNOHANG);
      if (r != j->pid) {
        alive++;
        continue;
      }
      kill(-j->pid, SIGKILL);
      ss_job_poll_log(j);
      uint64_t ran = now - j->started;
      j->pid = 0;
      size_t len;
      char *text = ss_read_file(j->log, &len);
      int saved = text && (strstr(text, "Test unit written to") ||
                           strstr(text, "==sigstorm== "));
      free(text);
      if (t->engine != SS_ENG_AFL)
        j->execs_done += j->execs_now;
      j->execs_now = 0;
      /* an engine that ends at once without saving anything failed */
      if (!saved && ran < 3000000000ull && now + 2000000000ull < er->deadline &&
          !ss_interrupted) {
        er->failures++;
        if (er->failures >= 3) {
          fprintf(stderr, "%s", tty ? "\r\033[K" : "");
          SS_ERR("fuzz: the %s engine keeps failing (job %u exited with "
                 "status %d after %.1fs)",
                 ss_engine_names[t->engine], i,
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                 (double)ran / 1e9);
          ss_log_tail(j->log);
          return -1;
        }
      }
      if (t->engine != SS_ENG_AFL && now + 2000000000ull < er->deadline) {
        j->restarts++;
        if (ss_job_start(er, j) < 0)
          return -1;
        alive++;
      }
    }
    if (!alive && now + 2000000000ull >= er->deadline)
      break;
    if (!alive && t->engine == SS_ENG_AFL) {
      SS_ERR("fuzz: every afl-fuzz instance ended before the deadline");
      ss_log_tail(er->jobs[0].log);
      return -1;
    }
    if (now >= er->deadline)
      break;
    if (now - last_scan >= 1000000000ull) {
      ss_triage_scan(s, 0);
      last_scan = ss_mono_ns();
    }
    if (now - last_status >= (tty ? 1000000000ull : 10000000000ull)) {
      uint64_t execs, corpus;
      ss_engine_totals(er, &execs, &corpus);
      double dt = (double)(now - last_t) / 1e9;
      if (dt > 0.5) {
        double inst = (double)(execs - last_execs) / dt;
        rate = rate == 0 ? inst : 0.5 * rate + 0.5 * inst;
        last_execs = execs;
        last_t = now;
      }
      unsigned races = 0;
      for (size_t i = 0; i < s->nsigs; i++)
        races += ss_fz_is_race(s->sigs[i].cls.kind) != 0;
      char e[32], r[32];
      ss_fmt_count(e, sizeof e, (double)execs);
      ss_fmt_count(r, sizeof r, rate);
      uint64_t el = (now - start) / 1000000000ull,
               tot = (er->deadline - start) / 1000000000ull;
      fprintf(stderr,
              "%s[%llu:%02llu/%llu:%02llu] %s x%u  execs %s (%s/s)  corpus "
              "%llu  saved %u  findings %zu (%u races)%s",
              tty ? "\r\033[K" : "", (unsigned long long)el / 60,
              (unsigned long long)el % 60, (unsigned long long)tot / 60,
              (unsigned long long)tot % 60, ss_engine_names[t->engine],
              er->njobs, e, r, (unsigned long long)corpus, s->artifacts,
              s->nsigs, races, tty ? "" : "\n");
      last_status = now;
    }
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
  }
  if (tty)
    fprintf(stderr, "\n");
  ss_jobs_stop(er);
  uint64_t execs, corpus;
  ss_engine_totals(er, &execs, &corpus);
  *execs_out = execs;
  return 0;
}

/* ---- --promote ------------------------------------------------------------
 */

static int ss_promote(const char *dir, const char *corpus) {
  char *marker = ss_fmt("%s/%s", dir, SS_CAMPAIGN_MARK);
  size_t len;
  char *text = marker ? ss_read_file(marker, &len) : NULL;
  free(marker);
  char *name = text ? ss_mark_get(text, "target") : NULL;
  free(text);
  if (!name) {
    SS_ERR("fuzz: --promote: '%s' has no target in its marker", dir);
    return SS_EXIT_USAGE;
  }
  size_t nl = strlen(name);
  if (nl > 6 && strcmp(name + nl - 6, "_fixed") == 0) {
    SS_ERR("fuzz: --promote: '%s' fuzzed a fixed twin (%s): nothing to "
           "promote into the corpus",
           dir, name);
    free(name);
    return SS_EXIT_USAGE;
  }
  char *fdir = ss_fmt("%s/findings", dir);
  DIR *d = fdir ? opendir(fdir) : NULL;
  unsigned added = 0, kept = 0, skipped = 0;
  struct dirent *e;
  char *dest = ss_fmt("%s/%s", corpus, name);
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char *fd = ss_fmt("%s/%s", fdir, e->d_name);
    DIR *sd = opendir(fd);
    struct dirent *ce;
    char *casefile = NULL;
    while (sd && (ce = readdir(sd)) != NULL) {
      size_t l = strlen(ce->d_name);
      if (l > 5 && strcmp(ce->d_name + l - 5, ".case") == 0)
        casefile = ss_fmt("%s/%s", fd, ce->d_name);
    }
    if (sd)
      closedir(sd);
    if (!casefile) {
      skipped++;
      free(fd);
      continue;
    }
    ss_case cs;
    char err[512];
    if (ss_case_load(casefile, &cs, err, sizeof err) < 0) {
      SS_WARN("fuzz: --promote: %s", err);
      skipped++;
      free(casefile);
      free(fd);
      continue;
    }
    char *cname = ss_fmt("fuzz-%s.case", e->d_name);
    char *bname = ss_fmt("fuzz-%s.bin", e->d_name);
    char *cpath = ss_fmt("%s/%s", dest, cname);
    char *bpath = ss_fmt("%s/%s", dest, bname);
    if (ss_is_file(cpath)) {
      kept++;
    } else if (ss_mkdir_p(dest) < 0) {
      SS_ERR("fuzz: --promote: cannot create '%s': %s", dest, strerror(errno));
      ss_case_free(&cs);
      free(cname), free(bname), free(cpath), free(bpath), free(casefile),
          free(fd);
      break;
    } else {
      int ok = 1;
      if (cs.input) {
        char *src = ss_fmt("%s/%s", fd, cs.input);
        size_t bl;
        char *bytes = src ? ss_read_file(src, &bl) : NULL;
        ok = bytes && ss_fz_write_atomic(bpath, bytes, bl) == 0;
        free(bytes);
        free(src);
        free(cs.input);
        cs.input = strdup(bname);
      }
      if (ok && ss_case_write(cpath, &cs) == 0) {
        added++;
        SS_INFO("fuzz: promoted %s", cpath);
      } else {
        SS_ERR("fuzz: --promote: cannot write '%s': %s", cpath,
               strerror(errno));
      }
    }
    ss_case_free(&cs);
    free(cname), free(bname), free(cpath), free(bpath), free(casefile),
        free(fd);
  }
  if (d)
    closedir(d);
  SS_INFO("fuzz: %u case(s) promoted into %s, %u already there, %u "
          "finding(s) without a case",
          added, dest, kept, skipped);
  free(dest);
  free(fdir);
  free(name);
  return SS_EXIT_CLEAN;
}

/* ---- the command ----------------------------------------------------------
 */

/* Writes AFL++'s seed: an empty schedule (afl-fuzz refuses a seed that
 * crashes, and a signal early in a buggy target's workload does) and 256
 * workload bytes of a counter. */
static int ss_write_seed(const char *dir) {
  unsigned char seed[SS_FUZZ_PREFIX + 256];
  memset(seed, 0, sizeof seed);
  for (size_t i = SS_FUZZ_PREFIX; i < sizeof seed; i++)
    seed[i] = (unsigned char)(i * 37 + 11);
  char *p = ss_fmt("%s/seed-0", dir);
  int r = p ? ss_fz_write_atomic(p, seed, sizeof seed) : -1;
  free(p);
  return r;
}

static void ss_fz_target_free(ss_fz_target *t) {
  free(t->binary);
  free(t->rerun);
  free(t->program);
  free(t->fixed);
  free(t->prog_rel);
  free(t->fixed_rel);
  memset(t, 0, sizeof *t);
}

int ss_cmd_fuzz(int argc, char **argv) {
  struct ss_fuzz_opts o = {.engine = SS_ENG_LIBFUZZER,
                           .jobs = 1,
                           .duration_ns = 600ull * 1000000000ull,
                           .oracle = "window",
                           .input_timeout_ns = 1000000000ull,
                           .input_arg = "--input",
                           .confirm = 20,
                           .minimize_ns = 30ull * 1000000000ull,
                           .corpus = "corpus"};
  int first = ss_getopt(argc, argv, "fuzz", ss_fuzz_syn, ss_fuzz_opts,
                        ss_on_fuzz_opt, &o);
  if (first == -2)
    return SS_EXIT_CLEAN;
  if (first < 0)
    return SS_EXIT_USAGE;
  if (o.promote || o.triage_only) {
    if (!o.out) {
      SS_ERR("fuzz: --%s needs --out DIR (the campaign folder)",
             o.promote ? "promote" : "triage");
      return SS_EXIT_USAGE;
    }
    int resumed;
    char *mt = NULL;
    int rc = ss_campaign_open(o.out, NULL, 0, &resumed, &mt);
    if (rc)
      return rc;
    if (o.promote) {
      free(mt);
      return ss_promote(o.out, o.corpus);
    }
    /* --triage: the target from the marker unless given */
    if (first >= argc) {
      char *tn = ss_mark_get(mt, "target");
      char *en = ss_mark_get(mt, "engine");
      if (en && strcmp(en, "afl") == 0)
        o.engine = SS_ENG_AFL;
      else if (en && strcmp(en, "builtin") == 0)
        o.engine = SS_ENG_BUILTIN;
      free(en);
      if (!tn) {
        free(mt);
        SS_ERR("fuzz: '%s': the marker names no target", o.out);
        return SS_EXIT_USAGE;
      }
      static char tbuf[256];
      snprintf(tbuf, sizeof tbuf, "%s", tn);
      free(tn);
      argv[argc - 1] = tbuf; /* the operand slot is ours to reuse */
      first = argc - 1;
    }
    free(mt);
  }
  if (first >= argc) {
    SS_ERR("fuzz: no target given (usage: sigstorm fuzz [OPTIONS] TARGET; "
           "TARGET: a model or a fuzz binary)");
    return SS_EXIT_USAGE;
  }
  if (first + 1 < argc) {
    SS_ERR("fuzz: one target only, got '%s' and '%s'", argv[first],
           argv[first + 1]);
    return SS_EXIT_USAGE;
  }
  const char *target = argv[first];
  ss_fz_target t;
  memset(&t, 0, sizeof t);
  t.engine = o.engine;
  t.oracle = o.oracle;
  t.input_timeout_ms = o.input_timeout_ns / 1000000ull;
  t.confirm = o.confirm;
  t.minimize_ns = o.minimize_ns;
  t.input_arg = (char *)o.input_arg;
  char self[PATH_MAX];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) {
    SS_ERR("fuzz: cannot find this binary: %s", strerror(errno));
    return SS_EXIT_INTERNAL;
  }
  self[sl] = '\0';
  t.self = self;
  char *build = ss_build_dir(o.target_dir);
  if (!strchr(target, '/') && ss_is_model(target)) {
    snprintf(t.name, sizeof t.name, "%s", target);
    t.binary = build ? ss_fmt("%s/targets/%s%s", build, target,
                              ss_engine_ext[o.engine])
                     : NULL;
    if (!t.binary || access(t.binary, X_OK) < 0) {
      SS_ERR("fuzz: %s: no %s build of model '%s' (%s: %s); build it with "
             "ci/build%s",
             ss_engine_names[o.engine], ss_engine_names[o.engine], target,
             t.binary ? t.binary : "?", strerror(errno),
             o.engine == SS_ENG_AFL ? " after installing afl++"
             : o.engine == SS_ENG_LIBFUZZER
                 ? " with clang's libFuzzer installed"
                 : "");
      free(build);
      return SS_EXIT_USAGE;
    }
    char base[128];
    snprintf(base, sizeof base, "%s", target);
    size_t bl = strlen(base);
    int is_fixed = bl > 6 && strcmp(base + bl - 6, "_fixed") == 0;
    if (is_fixed)
      base[bl - 6] = '\0';
    t.program = o.program ? realpath(o.program, NULL)
                          : ss_fmt("%s/targets/%s", build, target);
    t.prog_rel = o.program ? NULL : ss_fmt("targets/%s", target);
    if (!is_fixed) {
      t.fixed = o.fixed ? realpath(o.fixed, NULL)
                        : ss_fmt("%s/targets/%s_fixed", build, base);
      t.fixed_rel = o.fixed ? NULL : ss_fmt("targets/%s_fixed", base);
    }
  } else {
    char err[512];
    t.binary = ss_resolve_program(target, err, sizeof err);
    if (!t.binary) {
      SS_ERR("fuzz: target %s (not a model: %s)", err,
             "regresshion, malloc_in_handler, ...");
      free(build);
      return SS_EXIT_USAGE;
    }
    char *abs = realpath(t.binary, NULL);
    if (abs) {
      free(t.binary);
      t.binary = abs;
    }
    const char *b = strrchr(t.binary, '/');
    snprintf(t.name, sizeof t.name, "%s", b ? b + 1 : t.binary);
    char *dot = strrchr(t.name, '.');
    if (dot && (strcmp(dot, ".fuzz") == 0 || strcmp(dot, ".afl") == 0 ||
                strcmp(dot, ".sfuzz") == 0))
      *dot = '\0';
    if (o.program && !(t.program = realpath(o.program, NULL))) {
      SS_ERR("fuzz: --program '%s': %s", o.program, strerror(errno));
      free(build);
      return SS_EXIT_USAGE;
    }
    if (o.fixed && !(t.fixed = realpath(o.fixed, NULL))) {
      SS_ERR("fuzz: --fixed '%s': %s", o.fixed, strerror(errno));
      free(build);
      return SS_EXIT_USAGE;
    }
  }
  t.rerun = strdup(t.binary);
  t.rerun_engine = t.engine;
  if (t.engine != SS_ENG_LIBFUZZER && build && ss_is_model(t.name)) {
    char *lf = ss_fmt("%s/targets/%s.fuzz", build, t.name);
    if (lf && access(lf, X_OK) == 0) {
      free(t.rerun);
      t.rerun = lf;
      t.rerun_engine = SS_ENG_LIBFUZZER;
    } else {
      free(lf);
    }
  }
  free(build);
  if (t.program && access(t.program, X_OK) < 0) {
    SS_WARN("fuzz: no normal build '%s' (%s): findings get no case file",
            t.program, strerror(errno));
    free(t.program);
    t.program = NULL;
  }
  if (t.fixed && access(t.fixed, X_OK) < 0) {
    free(t.fixed);
    t.fixed = NULL;
  }

  char *dir = o.out ? strdup(o.out) : ss_fmt("fuzz-%s", t.name);
  int resumed = 0;
  char *mt = NULL;
  int rc = ss_campaign_open(dir, t.name, !o.triage_only, &resumed, &mt);
  free(mt);
  if (rc) {
    free(dir);
    ss_fz_target_free(&t);
    return rc;
  }
  static const char *const subs[] = {"corpus", "seeds",  "artifacts",
                                     "logs",   "triage", "findings"};
  for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
    char *p = ss_fmt("%s/%s", dir, subs[i]);
    if (!p || ss_mkdir_p(p) < 0) {
      SS_ERR("fuzz: cannot create '%s': %s", p ? p : dir, strerror(errno));
      free(p);
      free(dir);
      ss_fz_target_free(&t);
      return SS_EXIT_USAGE;
    }
    free(p);
  }
  char *seeds = ss_fmt("%s/seeds", dir);
  if (seeds && ss_dir_empty(seeds))
    ss_write_seed(seeds);
  free(seeds);
  if (ss_write_marker(dir, &t) < 0) {
    free(dir);
    ss_fz_target_free(&t);
    return SS_EXIT_USAGE;
  }

  struct ss_fz_state s = {.dir = dir, .t = &t};
  uint64_t execs = 0;
  uint64_t t0 = ss_mono_ns();
  if (!o.triage_only) {
    if (!o.seed_set)
      o.seed = ss_random_seed() % 1000000000ull;
    struct ss_engine_run er = {.t = &t, .dir = dir, .o = &o, .njobs = o.jobs};
    if (t.engine == SS_ENG_AFL && !(er.afl_fuzz = ss_which("afl-fuzz"))) {
      SS_ERR("fuzz: --engine afl: afl-fuzz not found in PATH (Debian: "
             "apt-get install afl++)");
      free(dir);
      ss_fz_target_free(&t);
      return SS_EXIT_USAGE;
    }
    char dur[32];
    ss_format_duration(o.duration_ns, dur, sizeof dur);
    SS_INFO("fuzz: %s campaign %s in %s: %s x%u for %s, seed %llu, %s "
            "oracle, interruption coverage %s",
            resumed ? "resuming" : "new", t.name, dir,
            ss_engine_names[t.engine], o.jobs, dur, (unsigned long long)o.seed,
            t.oracle, o.no_icov ? "off" : "on");
    ss_triage_scan(&s, 1);
    if (resumed && s.nsigs)
      SS_INFO("fuzz: %u saved input(s) from earlier runs, %zu finding(s)",
              s.artifacts, s.nsigs);
    er.deadline = ss_mono_ns() + o.duration_ns;
    if (ss_fuzz_loop(&er, &s, &execs) < 0) {
      ss_jobs_stop(&er);
      free(er.afl_fuzz);
      free(dir);
      ss_fz_target_free(&t);
      return SS_EXIT_INTERNAL;
    }
    free(er.afl_fuzz);
    for (unsigned i = 0; i < er.njobs; i++) {
      free(er.jobs[i].log);
      free(er.jobs[i].execs_file);
    }
  }
  double fuzz_s = (double)(ss_mono_ns() - t0) / 1e9;
  ss_triage_scan(&s, 0);
  ss_findings_mark(&s);
  int internal = 0;
  if (!o.no_triage) {
    for (size_t i = 0; i < s.nsigs && !ss_interrupted; i++) {
      struct ss_sigrec *r = &s.sigs[i];
      if (r->done)
        continue;
      SS_INFO("fuzz: triage: %s (%s), minimizing and converting", r->cls.kind,
              r->cls.signature);
      if (ss_fz_make_finding(&t, dir, r->first, &r->cls, r->name,
                             sizeof r->name) == 0)
        r->done = 1;
      else
        internal = 1;
    }
  }
  unsigned races = 0;
  for (size_t i = 0; i < s.nsigs; i++)
    races += ss_fz_is_race(s.sigs[i].cls.kind) != 0;
  char e[32];
  ss_fmt_count(e, sizeof e, (double)execs);
  SS_INFO("fuzz: %s: %s executions in %.0fs; %u saved input(s) (%u shown "
          "only by the engine's log, %u not at all when re-run); %zu "
          "finding(s), %u of them races",
          t.name, e, fuzz_s, s.artifacts, s.from_log, s.unreproduced, s.nsigs,
          races);
  for (size_t i = 0; i < s.nsigs; i++) {
    struct ss_sigrec *r = &s.sigs[i];
    printf("%-16s %s  (%u saved input%s)  %s%s%s\n", r->cls.kind, r->cls.detail,
           r->count, r->count == 1 ? "" : "s", r->done ? dir : "",
           r->done ? "/findings/" : "", r->done ? r->name : "not triaged");
  }
  if (!s.nsigs)
    printf("no findings\n");
  for (size_t i = 0; i < s.nsigs; i++)
    free(s.sigs[i].first);
  free(s.sigs);
  free(dir);
  ss_fz_target_free(&t);
  if (internal)
    return SS_EXIT_INTERNAL;
  if (ss_interrupted && !s.nsigs)
    return SS_EXIT_CLEAN;
  return s.nsigs ? SS_EXIT_FINDINGS : SS_EXIT_CLEAN;
}
