/* cli.h: the sigstorm command line: subcommands and their shared pieces. */
#ifndef SIGSTORM_CLI_H
#define SIGSTORM_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>

#include "host/runner.h"
#include "host/schedule.h"
#include "host/util.h"
#include "reports/finding.h"

/* One option table per subcommand drives both getopt_long and --help. */
typedef struct ss_opt {
  const char *name;
  int has_arg;     /* no_argument / required_argument */
  int val;         /* short option char or a code >= 256 */
  const char *arg; /* metavar for help */
  const char *help;
} ss_opt;

/* Parses argv with the table; calls on(val, optarg, ctx) per option;
 * returns the index of the first operand (after "--"), or -1 after printing
 * a one-line usage error. --help prints help and returns -2. */
int ss_getopt(int argc, char **argv, const char *cmd, const char *synopsis,
              const ss_opt *opts, int (*on)(int, const char *, void *),
              void *ctx);
void ss_print_help(const char *cmd, const char *synopsis, const ss_opt *opts);

/* --sanitizer modes: how the program runs (which build of it, which
 * checks). run and stress take a comma list and run under each. */
enum ss_san_mode {
  SS_SAN_NONE = 0,
  SS_SAN_GLIBC, /* glibc's own heap checks, the plain build */
  SS_SAN_ASAN,  /* PROG built with ASan (PROG itself or PROG.asan) */
  SS_SAN_UBSAN,
  SS_SAN_TSAN,
  SS_SAN_GLIBC_DEBUG, /* glibc + malloc_check (libc_malloc_debug.so) */
  SS_SAN_NMODES
};
/* the glibc_checks level a mode asks for: 0 none, 1 glibc, 2 glibc-debug */
#define SS_GLIBC_LEVEL(m)                                                      \
  ((m) == SS_SAN_GLIBC_DEBUG ? 2 : (m) == SS_SAN_GLIBC ? 1 : 0)
/* "none", "glibc", "asan", "ubsan", "tsan" */
const char *ss_san_mode_name(int mode);

/* Settings shared by run and stress. */
typedef struct ss_common {
  uint64_t seed;
  int seed_set;
  char *schedule_spec; /* as given (after @FILE), NULL = random */
  struct ss_schedule sched;
  uint64_t timeout_ns;
  uint64_t stall_ns; /* watchdog: deadlock after no progress this long */
  uint64_t hang_ns;  /* watchdog: hang after no progress this long */
  const char *report_dir;
  const char *runtime;
  int no_inject;
  int no_fork_inject;
  const char *cases_dir; /* --cases DIR, else DIR/cases of --report */
  int no_cases;
  int glibc_checks;       /* --sanitizer glibc (1) or glibc-debug (2) */
  int heap_check;         /* --heap-check */
  int san[SS_SAN_NMODES]; /* --sanitizer modes, in the order given */
  int nsan;               /* 0: none given */
} ss_common;

void ss_common_defaults(ss_common *c);
/* Handles an option shared by run and stress; 1 if handled, 0 if not, -1
 * on a bad value (error printed). */
int ss_common_option(ss_common *c, int val, const char *arg);
/* Resolves the runtime library path; NULL (error printed) if missing. */
const char *ss_find_runtime(const char *given);
/* Validates --report DIR before anything runs: -1 (error printed). */
int ss_check_report_dir(const char *dir);
/* Writes DIR/report.json and DIR/report.txt. -1 (error printed). */
int ss_write_reports(const char *dir, const ss_report *r);

int ss_cmd_run(int argc, char **argv);
int ss_cmd_stress(int argc, char **argv);
int ss_cmd_sweep(int argc, char **argv);
int ss_cmd_replay(int argc, char **argv);
int ss_cmd_regress(int argc, char **argv);
int ss_cmd_fuzz(int argc, char **argv);

/* Set by SIGINT/SIGTERM/SIGHUP in the host: stop, clean up, report. */
extern volatile sig_atomic_t ss_interrupted;

#define SS_OPT_SEED 's'
#define SS_OPT_SCHEDULE 'S'
#define SS_OPT_TIMEOUT 't'
#define SS_OPT_REPORT 'r'
#define SS_OPT_RUNTIME 256
#define SS_OPT_STALL 257
#define SS_OPT_NO_INJECT 258
#define SS_OPT_NO_FORK_INJECT 259
#define SS_OPT_CASES_DIR 260
#define SS_OPT_NO_CASES 261
#define SS_OPT_SANITIZER 262
#define SS_OPT_HANG 270
#define SS_OPT_HEAP_CHECK 271
#define SS_OPT_HELP 'h'

#define SS_COMMON_OPTS                                                         \
  {"seed", required_argument, SS_OPT_SEED, "N",                                \
   "seed of the random schedules (default: random, printed)"},                 \
      {"schedule", required_argument, SS_OPT_SCHEDULE, "SPEC|@FILE",           \
       "signal schedule (see: sigstorm help schedule); default: random"},      \
      {"timeout", required_argument, SS_OPT_TIMEOUT, "T",                      \
       "wall-clock limit of one run (default 10s); past it: a hang finding"},  \
      {"stall", required_argument, SS_OPT_STALL, "T",                          \
       "watchdog: no progress and no CPU this long with threads in lock "      \
       "waits is a deadlock (default 200ms; 0 = off)"},                        \
      {"hang", required_argument, SS_OPT_HANG, "T",                            \
       "watchdog: no progress this long with a thread spinning at unchanged "  \
       "registers is a hang (default 1s; 0 = off)"},                           \
      {"report", required_argument, SS_OPT_REPORT, "DIR",                      \
       "write DIR/report.json, DIR/report.txt and a case per finding in "      \
       "DIR/cases/"},                                                          \
      {"cases", required_argument, SS_OPT_CASES_DIR, "DIR",                    \
       "convert each finding into a confirmed case file (instruction "         \
       "window) in DIR"},                                                      \
      {"no-cases", no_argument, SS_OPT_NO_CASES, NULL,                         \
       "write no case files (the conversion replays each finding)"},           \
      {"heap-check", no_argument, SS_OPT_HEAP_CHECK, NULL,                     \
       "after a handler that called the allocator, walk glibc's arenas at "    \
       "the thread's next allocator calls (catches corruption earlier)"},      \
      {"sanitizer", required_argument, SS_OPT_SANITIZER, "MODE[,MODE...]",     \
       "asan, ubsan, tsan (PROG built with it, or PROG.asan etc. beside "      \
       "it), glibc (glibc's heap checks) or none; a list runs each"},          \
      {"no-inject", no_argument, SS_OPT_NO_INJECT, NULL,                       \
       "detectors only: no injector thread (signals come from elsewhere)"},    \
      {"no-fork-inject", no_argument, SS_OPT_NO_FORK_INJECT, NULL,             \
       "no injector thread in fork() children (exec'd images get one)"},       \
      {"runtime", required_argument, SS_OPT_RUNTIME, "PATH",                   \
       "libsigstorm.so to preload (default: ../lib/ beside the binary)"},      \
  {                                                                            \
    "help", no_argument, SS_OPT_HELP, NULL, "show this help"                   \
  }

#endif
