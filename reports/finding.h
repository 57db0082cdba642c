/* finding.h: the one finding model every writer (text, JSON, and later
 * SARIF, JUnit, HTML) and every mode (run, stress, replay, fuzz) shares.
 *
 * Strings are owned by the struct (heap copies); ss_report_free releases
 * them. A finding's signature is the dedup key: the same bug found a
 * thousand times is one finding with a count.
 */
#ifndef SIGSTORM_FINDING_H
#define SIGSTORM_FINDING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Finding kinds, as they appear in reports. */
#define SS_KIND_UNSAFE_CALL "unsafe-call"
#define SS_KIND_REENTRANCY "reentrancy"
#define SS_KIND_ERRNO_CLOBBER "errno-clobber"
#define SS_KIND_HEAP_CORRUPTION "heap-corruption"
#define SS_KIND_SANITIZER "sanitizer"
#define SS_KIND_CRASH "crash"
#define SS_KIND_DEADLOCK "deadlock"
#define SS_KIND_HANG "hang"
#define SS_KIND_DEFAULT_ACTION_DEATH "default-action-death"
#define SS_KIND_DATA_RACE "data-race"
#define SS_KIND_UNDEFINED "undefined-behaviour"

/* Who saw a finding: the runtime and the host's watchdog ("sigstorm"),
 * glibc's malloc checks, or a sanitizer's report. A finding keeps the set,
 * merged when findings merge, and the detail line each detector gave. */
enum ss_detector {
  SS_DET_SIGSTORM = 0,
  SS_DET_GLIBC,
  SS_DET_ASAN,
  SS_DET_UBSAN,
  SS_DET_TSAN,
  SS_DET_MSAN,
  SS_DET_HEAPCHECK, /* sigstorm's heap check (--heap-check) */
  SS_DET_COUNT
};
#define SS_DET_BIT(d) (1u << (d))

/* "sigstorm", "glibc", "asan", "ubsan", "tsan", "msan"; NULL if out of
 * range. */
const char *ss_detector_name(int det);

typedef struct ss_frame {
  uint64_t pc;
  char *func;   /* NULL when unknown */
  uint64_t off; /* pc - start of func */
  char *file;   /* NULL when no line info */
  int line;     /* 0 when no line info */
  char *module; /* path of the ELF it lies in, NULL when unknown */
} ss_frame;

typedef struct ss_stack_trace {
  ss_frame *frames;
  size_t n;
} ss_stack_trace;

/* One thread of a stopped (deadlocked or hung) process, unwound live. */
typedef struct ss_thread_trace {
  int tid;
  char name[16]; /* comm */
  char state;    /* from /proc: R, S, D, ... */
  char *wait;    /* "futex", "running", "syscall N", or NULL */
  ss_stack_trace stack;
} ss_thread_trace;

/* Where a signal of a time-based run landed, in terms an instruction
 * window can reach (see sigstorm's case conversion): not in reports. */
typedef struct ss_window_hint {
  int valid;
  int sig;
  char fn[40];       /* an interposed function the thread had entered */
  uint64_t k;        /* the thread's entries into fn when it landed */
  int main_thread;   /* it landed on the process's initial thread */
  int inside;        /* the thread was inside fn (else: fn is only the
                        function it had entered most) */
  char module[256];  /* the module of the interrupted pc ("" unknown) */
  uint64_t off;      /* interrupted pc - the module's load bias */
  uint64_t func_off; /* start of the function around it - bias (0 none) */
} ss_window_hint;

typedef struct ss_finding_info {
  char *kind;         /* SS_KIND_* */
  int signal;         /* 0 when none */
  char *handler;      /* symbol of the program's handler, or NULL */
  char *callee;       /* the unsafe function called, or NULL */
  char *via;          /* outermost unsafe call in the handler, if not callee */
  char *interrupted;  /* function the signal interrupted, or NULL */
  char *detail;       /* one line: glibc message, sanitizer headline, ... */
  char *cycle;        /* deadlock: who waits for what, held by whom */
  char signature[17]; /* 16 hex digits, see ss_signature() */
  uint64_t count;     /* occurrences over all runs */
  uint64_t runs;      /* runs in which it occurred */
  uint64_t seed;      /* seed of the first run that found it */
  char *schedule;     /* schedule of that run (canonical spec) */
  long first_run;     /* index of that run, 0-based */
  int pid, tid;
  ss_stack_trace handler_stack;     /* handler side */
  ss_stack_trace interrupted_stack; /* interrupted side */
  ss_window_hint hint;              /* first occurrence's landing place */
  ss_thread_trace *threads;         /* deadlock/hang: every thread's stack */
  size_t nthreads;
  char *reproducer;   /* case file written for it, or NULL */
  unsigned detectors; /* SS_DET_BIT(SS_DET_*) of every detector that saw it */
  char *details[SS_DET_COUNT]; /* each detector's detail line, or NULL */
  char *sanitizer; /* --sanitizer mode of the run that first found it
                      ("asan", "glibc", ...), NULL for none */
} ss_finding_info;

typedef struct ss_report {
  char *target; /* program path as given */
  char **argv;  /* program arguments, argv[0] first */
  int argc;
  char *injector;      /* "thread" (in-target thread) */
  char *mode;          /* "run" or "stress" */
  uint64_t seed;       /* base seed */
  char *schedule;      /* spec given by the user, or "random" */
  char *sanitizers;    /* --sanitizer modes run, comma-separated, or NULL */
  int heap_check;      /* --heap-check was on */
  uint64_t heapchecks; /* heap checks the runtime ran, over all runs */
  uint64_t runs;
  uint64_t signals_fired;
  uint64_t signals_handled;
  uint64_t timeouts;
  uint64_t crashes;
  uint64_t runtime_violations; /* unsafe calls the runtime itself made */
  double elapsed_s;
  int exit_code;   /* run: target's exit code, -1 if killed */
  int term_signal; /* run: signal that killed the target, 0 if none */
  ss_finding_info *findings;
  size_t nfindings;
} ss_report;

/* 16-hex-digit FNV-1a-64 of kind, handler, callee, interrupted (NULL as "").
 * For unsafe-call and errno-clobber the interrupted function is not part of
 * the signature (the bug is the handler's call, wherever it lands). For
 * heap-corruption with a known handler only kind and handler count: which
 * check trips (glibc's abort, an ASan report), on which call and where the
 * signal landed are symptoms of one bug, the handler's heap use, so every
 * detector's report of it merges into one finding. */
void ss_signature(const char *kind, const char *handler, const char *callee,
                  const char *interrupted, char out[17]);

/* "SIGALRM", "SIGRTMIN+3", "SIG99": the name reports and the CLI print. */
const char *ss_signal_name(int sig, char buf[24]);

void ss_report_init(ss_report *r);
void ss_report_free(ss_report *r);
/* Adds f (taking ownership of its strings and stacks) or, if a finding with
 * the same signature exists, adds its count and runs to that one, merges its
 * detectors (and their detail lines the first time each is seen) and frees
 * f's contents. Returns the index of the finding in r->findings, or -1 when
 * out of memory. f->signature must be set. */
long ss_report_add(ss_report *r, ss_finding_info *f);
void ss_finding_free(ss_finding_info *f);
/* Marks f as seen by det, with detail (copied; NULL for none) as that
 * detector's line; f->detail is set too when it has none. -1 when out of
 * memory. */
int ss_finding_seen_by(ss_finding_info *f, int det, const char *detail);
void ss_stack_free(ss_stack_trace *s);
void ss_threads_free(ss_thread_trace *t, size_t n);

/* Writers. Text goes to a stream; the file writers write DIR/report.json and
 * DIR/report.txt through a temporary file and rename, so a half-written
 * report never exists. They return 0 or -1 with errno set. */
void ss_report_write_text(FILE *out, const ss_report *r);
int ss_report_write_json_file(const char *path, const ss_report *r);
int ss_report_write_text_file(const char *path, const ss_report *r);
/* The JSON document as a heap string (caller frees), or NULL. */
char *ss_report_json_string(const ss_report *r);

#endif
