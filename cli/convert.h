/* convert.h: findings of time-based runs into confirmed case files. */
#ifndef SIGSTORM_CONVERT_H
#define SIGSTORM_CONVERT_H

#include "replay.h"

typedef struct ss_convert {
  const char *dir;        /* where the cases go (created) */
  const char *prog_given; /* the program as the user named it */
  char **argv;            /* argv[0] resolved */
  char **args;            /* the program's arguments (argv[1..]) */
  int nargs;
  const char *runtime;
  const char *mode; /* "run", "stress" */
  uint64_t timeout_ns, stall_ns, hang_ns;
  ss_symbolizer *sym;
  int glibc_checks;
  int heap_check;
} ss_convert;

/* Converts every finding of rep that has a landing place and no case yet;
 * sets its reproducer. Returns how many were converted, -1 on an error
 * (printed). */
int ss_convert_findings(const ss_convert *cv, ss_report *rep);

#endif
