/* sanparse.h: AddressSanitizer (and LeakSanitizer), UndefinedBehaviorSanitizer,
 * ThreadSanitizer and MemorySanitizer reports in a program's stderr, turned
 * into findings of the shared model.
 *
 * A pure function of the text: no process, no symbolizer. The sanitizers
 * symbolize their own stacks ("#N 0xPC in FUNC FILE:LINE" for ASan and
 * UBSan, "#N FUNC FILE:LINE (MODULE+0xOFF)" for TSan); those names are
 * used as they are. Several reports per text (halt_on_error=0); a report
 * cut by the runner's stderr window (head and tail kept) is parsed as far
 * as it goes.
 */
#ifndef SIGSTORM_SANPARSE_H
#define SIGSTORM_SANPARSE_H

#include <stddef.h>

#include "reports/finding.h"

typedef struct ss_san_report {
  int detector;      /* SS_DET_ASAN, _UBSAN, _TSAN, _MSAN */
  const char *kind;  /* SS_KIND_*: heap-corruption, unsafe-call, ... */
  char *detail;      /* one line: the tool, the error, where */
  char *key;         /* what stands for the error in a signature when the kind
                        has no callee/interrupted of its own ("killed by SIGSEGV"
                        for a crash, the detail otherwise), or NULL */
  char *handler;     /* the program's signal handler on a stack, or NULL */
  char *callee;      /* the outermost library call below the handler */
  char *interrupted; /* the function the signal interrupted (else where
                        the error happened) */
  char *top;         /* the function of the report's frame #0 */
  ss_stack_trace handler_stack;     /* from the error up to the handler */
  ss_stack_trace interrupted_stack; /* below the signal frame */
} ss_san_report;

/* Parses every report in text. Returns how many (*out holds them, the
 * caller frees with ss_san_reports_free), 0 when none (*out NULL), or -1
 * when out of memory. */
long ss_san_parse(const char *text, ss_san_report **out);
void ss_san_reports_free(ss_san_report *r, size_t n);

#endif
