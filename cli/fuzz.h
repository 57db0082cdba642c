/* fuzz.h: sigstorm fuzz, the campaign driver around libFuzzer, AFL++ and
 * the builtin engine (cmd_fuzz.c), and the triage of what they save
 * (fuzz_triage.c): re-run, classify, deduplicate, minimize, convert into a
 * case file, write the campaign's findings/. */
#ifndef SIGSTORM_FUZZ_CLI_H
#define SIGSTORM_FUZZ_CLI_H

#include <stddef.h>
#include <stdint.h>

enum ss_fz_engine { SS_ENG_LIBFUZZER, SS_ENG_AFL, SS_ENG_BUILTIN };

/* What one campaign fuzzes and how its saved inputs are re-run. */
typedef struct ss_fz_target {
  char name[128];   /* model name or the binary's base name */
  int engine;       /* enum ss_fz_engine */
  char *binary;     /* the fuzz binary (absolute) */
  char *rerun;      /* the binary that re-runs saved inputs: the libFuzzer
                       build when there is one (it repeats an input:
                       -runs=N), else binary */
  int rerun_engine; /* its engine */
  char *program;    /* the normal build, for case files; NULL: none */
  char *fixed;      /* its fixed twin; NULL: none */
  char *prog_rel;   /* program as the case names it (targets/<model>) */
  char *fixed_rel;  /* likewise */
  char *input_arg;  /* the program's option that reads the workload file */
  const char *self; /* this sigstorm binary */
  const char *oracle;
  uint64_t input_timeout_ms; /* SIGSTORM_FUZZ_TIMEOUT */
  unsigned confirm;          /* replays that confirm a case */
  uint64_t minimize_ns;      /* time budget of one minimization */
  int verbose;
} ss_fz_target;

/* The result of running one saved input. */
typedef struct ss_fz_class {
  char kind[24]; /* reentrancy-window, reentrancy, unsafe-call, deadlock,
                    hang, heap-corruption, crash; "" not reproduced */
  char sig[24], handler[128], callee[64], interrupted[64], thread[24];
  char detail[512];   /* the report's first line, or the crash */
  char signature[17]; /* hex of a hash of kind, sig, handler, callee,
                         interrupted */
} ss_fz_class;

/* Output of a child process: at most SS_FZ_OUT_CAP bytes, the tail kept. */
#define SS_FZ_OUT_CAP ((size_t)64 * 1024)
typedef struct ss_fz_proc_result {
  int status;    /* wait status */
  int timed_out; /* killed after the limit */
  char *out;     /* stdout and stderr, NUL-terminated (caller frees) */
  size_t len;
} ss_fz_proc_result;

/* Runs argv (with env additions "NAME=VALUE", NULL-terminated, may be
 * NULL) with stdin from /dev/null, output captured, killed (its process
 * group) after timeout_ms. 0, or -1 with errno (fork/exec failure). */
int ss_fz_exec(char *const argv[], char *const envadd[], uint64_t timeout_ms,
               ss_fz_proc_result *res);

/* Runs the target's fuzz binary on one input file and classifies what it
 * did; tries up to `tries` times until something is seen. 0, -1 error. */
int ss_fz_classify(const ss_fz_target *t, const char *file, unsigned tries,
                   ss_fz_class *out);

/* Classifies an engine's log excerpt (what it printed before saving an
 * input). 0 when it shows something, -1 not. */
int ss_fz_classify_text(const char *text, ss_fz_class *out);

/* Triage of one signature: minimize input (bytes), convert into a case,
 * confirm, write dir/findings/<name>/ atomically. `first` is the artifact
 * that showed it. 0 done (with or without a case), -1 error (printed). */
int ss_fz_make_finding(const ss_fz_target *t, const char *campaign,
                       const char *artifact, const ss_fz_class *cls,
                       char *name_out, size_t name_cap);

/* Is this kind the race a campaign looks for (not a plain unsafe call)? */
int ss_fz_is_race(const char *kind);

/* Writes data to path through a temporary file and rename. -1 errno. */
int ss_fz_write_atomic(const char *path, const void *data, size_t len);

#endif
