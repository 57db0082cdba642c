/* watchdog.h: tells a deadlock or a hang from a program that is merely
 * slow, computing, or waiting for input.
 *
 * The runtime publishes each thread's count of interposed calls and its
 * signal-handler depth (struct ss_tslot in the shared segment). When no
 * counter has moved for a while, the host looks at the threads:
 *   - deadlock: CPU time stands still and every program thread sleeps in an
 *     untimed futex wait (a lock, a join, a condition with no timeout), at
 *     least one of them on a lock (threads all in condition or semaphore
 *     waits may wait for a signal whose handler posts), or one waits on a
 *     lock inside a signal handler (it can only be woken by another
 *     thread's progress, and there is none);
 *   - hang: a thread runs, making no read or write system call either, and
 *     ptrace samples find it in one loop with every register unchanged (a
 *     spin on a flag nothing will set), or, after four times as long, in
 *     one small loop at the same stack depth, while no other thread is
 *     computing elsewhere that it might be waiting for.
 * A thread sleeping in read(), poll(), nanosleep() or a timed wait is
 * waiting for the world, not stuck: the wall-clock timeout covers it.
 */
#ifndef SIGSTORM_WATCHDOG_H
#define SIGSTORM_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "injector/sigstorm_proto.h"

/* The sum of every thread's progress counter: changes while the program
 * makes calls the runtime sees. */
uint64_t ss_watch_progress(const struct ss_shm *shm);

/* CPU time (clock ticks) of pid's threads except skip_tid, and in *io
 * their read and write system calls so far (progress too). */
uint64_t ss_watch_cpu(pid_t pid, int skip_tid, uint64_t *io);

enum ss_watch_verdict {
  SS_WATCH_NONE = 0,
  SS_WATCH_DEADLOCK = 1,
  SS_WATCH_HANG = 2,
};

typedef struct ss_watch_result {
  int verdict;    /* enum ss_watch_verdict */
  int tid;        /* the thread that decided it (spinning, or waiting in a
                     handler), 0 when every thread did */
  uint64_t pc;    /* hang: the spinning thread's pc */
  int samples;    /* hang: register samples taken */
  int exited;     /* the process ended while sampled: its wait status */
  int status;     /*   is in status (the caller must not wait for it) */
  char what[160]; /* one clause: why */
} ss_watch_result;

/* Deadlock check over /proc (cheap: no ptrace). 1 and fills res if every
 * program thread of pid (not skip_tid) is in an untimed futex wait, one on
 * a lock, or one waits on a lock inside a signal handler. */
int ss_watch_deadlock(pid_t pid, int skip_tid, const struct ss_shm *shm,
                      ss_watch_result *res);

/* Hang check: samples the registers of pid's running threads with ptrace
 * (a few stops of microseconds each, outside signal handlers). 1 and fills
 * res for a hang: a thread found in one loop with every register the same
 * (it cannot leave by itself), or, with loops_too, one found in one small
 * loop at the same stack depth with registers changing (a tight loop that
 * may be computing: the caller asks only after a longer time). 0 when no
 * thread spins, one computes elsewhere, or ptrace is not possible (the
 * process is traced already). If the process ends meanwhile, res->exited
 * is set and res->status holds what waitpid returned for pid. */
int ss_watch_hang(pid_t pid, int skip_tid, const struct ss_shm *shm,
                  int loops_too, ss_watch_result *res);

#endif
