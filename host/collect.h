/* collect.h: turns one ended run (the runtime's records in the shared
 * segment, how the process ended, its stderr) into findings of the shared
 * model, symbolized, and adds them to a report (deduplicated).
 */
#ifndef SIGSTORM_COLLECT_H
#define SIGSTORM_COLLECT_H

#include "reports/finding.h"
#include "runner.h"
#include "symbolize.h"

typedef struct ss_run_ctx {
  ss_symbolizer *sym;
  const struct ss_schedule *sched; /* the run's schedule (seed inside) */
  const char *sched_text;          /* its canonical text */
  long run_index;
  const char *sanitizer; /* --sanitizer mode of the run ("asan", "glibc",
                            ...), NULL for none: kept in its findings */
} ss_run_ctx;

typedef struct ss_run_summary {
  uint64_t fired, handled;
  size_t findings;     /* findings (all kinds) in this run */
  int attached;        /* the runtime attached in at least one process */
  uint64_t violations; /* unsafe calls made by the runtime itself */
  uint64_t dropped;    /* records that did not fit */
} ss_run_summary;

/* Returns 0, or -1 when out of memory. */
int ss_collect_run(const ss_run_ctx *ctx, const ss_run *run, ss_report *rep,
                   ss_run_summary *sum);

/* The exit classification alone (exposed for tests): fills kind and detail
 * (heap strings) from how the run ended and glibc's messages in its stderr;
 * returns 0 when the run ended without a finding. Sanitizer reports are
 * not its business: sanparse.h reads them, each its own finding. */
int ss_classify_end(const ss_run *run, const struct ss_schedule *sched,
                    char **kind, char **detail);

/* Symbolizes pc of process pid of a run (its modules from the segment):
 * function, offset, module. 0 when the function is known. */
int ss_collect_locate(ss_symbolizer *sym, const struct ss_shm *shm, int32_t pid,
                      uint64_t pc, ss_frame *out);

#endif
