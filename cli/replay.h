/* replay.h: one deterministic run of a target under the out-of-process
 * injector (ASLR off, fixed environment, runtime loaded for its detectors,
 * no injector thread), collected into the shared finding model. Used by
 * sweep, replay, regress and the conversion of time-based findings. */
#ifndef SIGSTORM_REPLAY_H
#define SIGSTORM_REPLAY_H

#include "cli.h"
#include "host/casefile.h"
#include "host/collect.h"
#include "host/ptrace.h"

typedef struct ss_replayer {
  const char *runtime;
  char **argv;            /* argv[0] resolved */
  char **env;             /* NAME=VALUE extras, NULL-terminated, or NULL */
  const char *stdin_path; /* or NULL */
  uint64_t timeout_ns;
  uint64_t stall_ns, hang_ns;
  ss_symbolizer *sym;
  int glibc_checks; /* --sanitizer glibc */
  int heap_check;   /* --heap-check */
} ss_replayer;

/* The result of one replay. */
typedef struct ss_replay_result {
  ss_report rep; /* findings of this run alone */
  int end;       /* enum ss_run_end */
  int code, term_sig;
  int attached; /* the runtime loaded */
  uint64_t violations;
} ss_replay_result;

/* Runs once with plan's windows. 0 on success (res filled; free with
 * ss_replay_result_free), -1 internal error, -2 the case's fault (e.g. a
 * function that does not exist); err holds one line either way. If run_out
 * is not NULL the caller gets the ended run (free with ss_run_free). */
int ss_replay_once(const ss_replayer *rp, ss_pt_plan *plan, long index,
                   ss_replay_result *res, ss_run *run_out, char *err,
                   size_t errlen);
void ss_replay_result_free(ss_replay_result *res);

/* Does the report satisfy the expectation? */
int ss_expect_matches(const ss_case_expect *e, const ss_report *rep);
/* "reentrancy grace_alarm_handler->malloc in malloc" for tables. */
void ss_finding_short(const ss_finding_info *f, char *buf, size_t cap);
/* The plan for a case's signals (windows point into the case). */
void ss_plan_from_case(const ss_case *c, ss_pt_window *w, ss_pt_plan *plan);

/* Writes a case reproducing finding f with window w for the program (as the
 * user named it; its _fixed twin beside it is named too when it exists)
 * into dir (created), named PROG-KIND-SIG8.case; the note says `how`.
 * 0, or -1 after printing one line. */
int ss_write_finding_case(const char *dir, const char *prog_given, char **args,
                          int nargs, const ss_pt_window *w,
                          const ss_finding_info *f, const char *how, char *path,
                          size_t pathcap);

#endif
