/* runner.h: one run of the target under the runtime: the shared segment,
 * the process (its own process group), its stderr, its end.
 *
 * Several runs can be in flight at once (stress --jobs J); ss_runs_wait
 * waits on all of them with poll() over pidfds and stderr pipes.
 */
#ifndef SIGSTORM_RUNNER_H
#define SIGSTORM_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "injector/sigstorm_proto.h"
#include "reports/finding.h"

typedef struct ss_run_opts {
  const char *runtime; /* path of libsigstorm.so */
  char *const *argv;   /* argv[0] is the resolved program path */
  const struct ss_schedule *sched;
  uint32_t shm_flags;  /* SS_F_* */
  uint64_t timeout_ns; /* wall-clock limit, 0 = none */
  uint64_t stall_ns;   /* watchdog: no progress this long, threads in lock
                          waits, no CPU: a deadlock (0 = off) */
  uint64_t hang_ns;    /* watchdog: no progress this long and a thread
                          spinning at the same registers: a hang (0 = off) */
  int interactive;     /* run: inherit stdin/stdout, copy stderr */
  /* replay: a fixed environment (only env_extra, then ours), stdin from a
   * file, and the out-of-process injector with its plan */
  int clean_env;
  char *const *env_extra; /* NAME=VALUE..., NULL-terminated, or NULL */
  const char *stdin_path; /* NULL: /dev/null (or inherited if interactive) */
  struct ss_pt_plan *ptrace;
  int glibc_checks; /* --sanitizer glibc (1: perturb, tcache off) or
                       glibc-debug (2: and malloc_check, debug lib) */
  int heap_check;   /* --heap-check: glibc's walks after allocating handlers */
} ss_run_opts;

enum ss_run_end {
  SS_END_RUNNING = 0,
  SS_END_EXITED,   /* code */
  SS_END_SIGNALED, /* term_sig */
  SS_END_TIMEOUT,  /* killed by us: wall-clock limit */
  SS_END_STALLED,  /* killed by us: the watchdog saw a deadlock or a hang */
};

#define SS_ERRBUF 65536 /* stderr kept: the first half and the last half */

typedef struct ss_run {
  pid_t pid;
  int pidfd;
  int errfd;
  struct ss_shm *shm;
  char shm_path[96];
  uint64_t start_ns, end_ns;
  uint64_t last_cpu, last_cpu_change_ns;
  uint64_t prog, prog_ns;             /* watchdog: progress, when it moved */
  uint64_t last_io;                   /* ... and the threads' reads/writes */
  uint64_t hang_next_ns, hang_gap_ns; /* next hang check, its back-off */
  int forward_stderr;
  uint64_t timeout_ns, stall_ns, hang_ns;
  enum ss_run_end end;
  int done; /* reaped: its end is known */
  int code;
  int term_sig;
  char *threads;           /* at a timeout/stall: "tid state syscall" lines */
  ss_thread_trace *traces; /* ... and every thread's stack, unwound live */
  size_t ntraces;
  int deadlocked; /* at a timeout/stall: every thread waits on a futex */
  char *watch;    /* the watchdog's verdict, one clause, or NULL */
  /* at a stop: the owner TID glibc records in each awaited mutex
   * (pthread_mutex_t's __owner), read before the process is killed */
  struct {
    uint64_t mutex;
    int32_t pid, owner;
  } glibc_owner[SS_MAX_WAITERS];
  size_t nglibc_owner;
  int watch_tid; /* the thread it is about (0 all), and a hang's pc */
  uint64_t watch_pc;
  char *err; /* captured stderr (NUL-terminated) */
  size_t err_len;
  size_t err_dropped; /* bytes between head and tail not kept */
} ss_run;

/* Resolves prog like execvp would (PATH search when no '/'); on failure
 * writes one line into err and returns NULL. Result is heap-allocated. */
char *ss_resolve_program(const char *prog, char *err, size_t errlen);

/* Whether the ELF file at path has a DT_NEEDED entry starting with prefix
 * ("libasan.so": the program is built with gcc's ASan). */
int ss_elf_needs(const char *path, const char *prefix);
/* 1 when a symbol table (static or dynamic) of the ELF file at path names
 * sym with a binding other than weak: defined there, or imported */
int ss_elf_names(const char *path, const char *sym);

/* Starts a run. 0, or -1 with one line in err (an internal error). */
int ss_run_start(ss_run *r, const ss_run_opts *o, char *err, size_t errlen);
/* Waits up to timeout_ms for progress of any run; handles stderr, pidfd
 * readiness, timeouts and stalls. Returns the index of a run that ended
 * (the caller frees it before calling again), or -1 if none ended in that
 * time. */
int ss_runs_wait(ss_run **runs, size_t n, int timeout_ms);
/* Reads what the target wrote to stderr so far into r->err. */
void ss_run_take_stderr(ss_run *r);
/* Releases everything; the segment is unlinked. */
void ss_run_free(ss_run *r);
/* Kills a run still in flight (its whole process group). */
void ss_run_kill(ss_run *r);

#endif
