/* sigstorm_proto.h: the contract between the host (sigstorm CLI) and the
 * in-target runtime (libsigstorm.so).
 *
 * The host creates one shared-memory file per run (POSIX shm, path in the
 * environment variable SIGSTORM_SHM), fills the header and the schedule, and
 * starts the target with LD_PRELOAD=libsigstorm.so. The runtime of every
 * process image of the target's tree (the first one, each re-exec) opens that
 * file in its constructor, maps it MAP_SHARED and closes the fd at once: no
 * fd is held, fork children inherit the mapping, and a program that closes
 * its fds or sandboxes itself later loses nothing.
 *
 * Everything the runtime writes is a fixed-size record published with a
 * release store on its `state` field, written with plain stores and atomics
 * only, so it survives the target's crash and needs no lock.
 *
 * The layout is versioned: the host checks magic, version and the sizes of
 * the structs before trusting a segment; the runtime refuses a segment whose
 * version or header size differs (and then runs as a pure pass-through).
 */
#ifndef SIGSTORM_PROTO_H
#define SIGSTORM_PROTO_H

#include <stdint.h>

#define SS_PROTO_MAGIC 0x314d525453474953ULL /* "SIGSTRM1" little-endian */
#define SS_PROTO_VERSION 2u
#define SS_ENV_SHM "SIGSTORM_SHM"

/* ---- the unsafe-function table ------------------------------------------ */
enum ss_family {
  SS_FAM_ALLOC,
  SS_FAM_STDIO,
  SS_FAM_FORMAT, /* no shared state: no reentrancy findings */
  SS_FAM_SYSLOG,
  SS_FAM_TIME,
  SS_FAM_EXIT,
  SS_FAM_LOCK,
  SS_FAM_DL,
  SS_FAM_COUNT
};

enum ss_fn_id {
#define SS_EACH(name, fam) SS_FN_##name,
#include "unsafe_funcs_each.h"
  SS_FN_COUNT
};
#define SS_FN_NONE 0xffffu

/* ---- schedules ------------------------------------------------------------
 */
enum ss_window_kind {
  SS_WIN_AFTER = 1, /* one shot at start + after_ns */
  SS_WIN_EVERY = 2, /* periodic: period_ns, jitter_pct, from after_ns */
  SS_WIN_RATE = 3,  /* Poisson process: rate_mhz (milli-Hertz), from after_ns */
  SS_WIN_ON = 4,    /* k-th entry into function on_fn, then delay_ns */
};
enum ss_thread_sel {
  SS_THR_MAIN = 0,   /* the process's initial thread (tid == pid) */
  SS_THR_ANY = 1,    /* a random thread of the process (not the injector) */
  SS_THR_ALL = 2,    /* every thread of the process */
  SS_THR_CALLER = 3, /* for on=: the thread that made the k-th call */
};
#define SS_SIG_HANDLED 0 /* any signal the process has a handler for */
#define SS_WF_FORCE 1u   /* fire even when the process has no handler */

struct ss_window {
  uint32_t kind;       /* enum ss_window_kind */
  int32_t sig;         /* signal number, or SS_SIG_HANDLED */
  uint32_t thread;     /* enum ss_thread_sel */
  uint32_t flags;      /* SS_WF_* */
  uint64_t after_ns;   /* AFTER: when; EVERY/RATE: first possible shot */
  uint64_t period_ns;  /* EVERY */
  uint64_t rate_mhz;   /* RATE, in milli-Hertz */
  uint64_t count;      /* maximum shots from this window, 0 = unlimited */
  uint64_t until_ns;   /* no shot after this time, 0 = no limit */
  uint64_t on_k;       /* ON: k-th entry (1-based) */
  uint64_t delay_ns;   /* ON: delay after the k-th entry */
  uint32_t jitter_pct; /* EVERY: +-pct of the period, uniform */
  uint32_t on_fn;      /* ON: enum ss_fn_id */
};

#define SS_MAX_WINDOWS 16
#define SS_SCHED_TEXT 512
struct ss_schedule {
  uint64_t seed;
  uint32_t nwindows;
  uint32_t reserved;
  struct ss_window w[SS_MAX_WINDOWS];
  char text[SS_SCHED_TEXT]; /* the canonical spec, for reports */
};

/* ---- processes and modules ------------------------------------------------
 */
enum ss_proc_kind { SS_PROC_START = 1, SS_PROC_FORK = 2, SS_PROC_EXEC = 3 };
#define SS_PATH_MAX 256
struct ss_proc {
  uint32_t state; /* 0 free, 1 writing, 2 ready (atomic) */
  uint32_t kind;  /* enum ss_proc_kind */
  int32_t pid;
  int32_t ppid;
  int32_t injector_tid; /* 0 when this image runs no injector thread */
  int32_t image;        /* index of the ss_proc whose modules this uses */
  uint64_t start_ns;    /* CLOCK_MONOTONIC */
  uint64_t armed;       /* bit s-1: signal s has had a handler the injectors
                           may fire at (atomic; set, never cleared) */
  char exe[SS_PATH_MAX];
};

struct ss_module {
  uint32_t state;  /* 0 free, 1 writing, 2 ready (atomic) */
  int32_t proc;    /* index into procs[] of the image it belongs to */
  uint64_t bias;   /* load bias (dl_iterate_phdr dlpi_addr) */
  uint64_t lo, hi; /* address range of its PT_LOAD segments */
  char path[SS_PATH_MAX];
};

/* ---- findings ---------------------------------------------------------------
 */
enum ss_kind {
  SS_K_UNSAFE_CALL = 1,  /* a handler called an unsafe function */
  SS_K_REENTRANCY = 2,   /* ... of the family the interrupted frame was in */
  SS_K_ERRNO_CLOBBER = 3 /* a handler returned with errno changed */
};

/* Registers in DWARF numbering for the host's unwinder. x86_64: 0 rax,
 * 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8..15 r8..r15, 16 rip.
 * aarch64: x0..x30, sp (31), pc (32). */
#define SS_NREGS 33
struct ss_regs {
  uint32_t arch; /* 0 none captured, 62 EM_X86_64, 183 EM_AARCH64 */
  uint32_t nregs;
  uint64_t r[SS_NREGS];
};

#define SS_STACK_BYTES 16384
struct ss_stack {
  uint64_t base; /* address of bytes[0] in the target */
  uint32_t len;  /* bytes copied */
  uint32_t reserved;
  uint8_t bytes[SS_STACK_BYTES];
};

struct ss_finding {
  uint32_t state; /* 0 free, 1 writing, 2 ready (atomic) */
  uint32_t kind;  /* enum ss_kind */
  uint64_t key;   /* runtime dedup key */
  uint64_t count; /* occurrences (atomic) */
  int32_t sig;
  int32_t proc; /* index into procs[] */
  int32_t pid;
  int32_t tid;
  uint64_t handler;        /* the program's handler function */
  uint64_t interrupted_pc; /* from the ucontext */
  uint64_t time_ns;        /* since the process image started */
  uint16_t callee;         /* enum ss_fn_id, the call that was made */
  uint16_t via;            /* outermost unsafe call of the handler */
  uint16_t interrupted;    /* fn the interrupted frame was inside */
  uint16_t depth;          /* handler nesting depth (1 = not nested) */
  int32_t errno_before;
  int32_t errno_after;
  uint32_t calls[SS_FN_COUNT]; /* this thread's entries per fn at landing */
  struct ss_regs handler_regs; /* at the unsafe call, inside the handler */
  struct ss_regs intr_regs;    /* the interrupted context */
  struct ss_stack handler_stack;
  struct ss_stack intr_stack;
};

/* ---- the lock table
 * ---------------------------------------------------------- Mutexes held right
 * now, as the runtime's pthread_mutex_* wrappers see them, and the one each
 * thread is waiting for: what the host needs to name a deadlock's cycle. A slot
 * is claimed by a compare-and-swap of `mutex` from 0; owner fields are written
 * after. Best effort: a full table drops entries (counted). */
#define SS_MAX_LOCKS 256
#define SS_MAX_WAITERS 128
struct ss_lock {
  uint64_t mutex; /* address in the target, 0 = free slot (atomic) */
  int32_t owner;  /* tid holding it */
  int32_t pid;
  uint64_t pc;    /* return address of the pthread_mutex_lock call */
  uint32_t depth; /* the owner's handler depth when it took it */
  uint32_t reserved;
};
struct ss_waiter {
  int32_t tid; /* 0 = free slot (atomic) */
  int32_t pid;
  uint64_t mutex; /* what it waits for, 0 = nothing now */
  uint64_t pc;    /* return address of the call that waits */
  uint32_t depth; /* its handler depth while waiting */
  uint32_t reserved;
};

/* ---- progress, for the host's watchdog ----------------------------------
 * Each program thread (never the injector) claims a slot on its first call
 * into an interposed function (compare-and-swap of tid from 0) and then
 * stores its running count of such calls there: one plain store per call,
 * on a cache line of its own. Slots are never given back; threads that
 * find none left share tslot_overflow (tid -1). A program whose counters
 * all stand still made no progress the runtime can see: the host then looks
 * at its threads (futex waits, CPU time, registers) to tell a deadlock or a
 * hang from a program that is merely computing or waiting for input. */
#define SS_MAX_TSLOTS 256
struct ss_tslot {
  _Alignas(64) int32_t tid; /* 0 = free (atomic) */
  int32_t pid;
  uint64_t progress; /* the thread's interposed calls so far (atomic) */
  uint32_t depth;    /* signal handlers running on it now (atomic) */
  uint32_t reserved;
};

/* ---- the segment ------------------------------------------------------------
 */
#define SS_MAX_PROCS 64
#define SS_MAX_MODULES 1024
#define SS_MAX_FINDINGS 128

enum ss_shm_flags {
  SS_F_NO_INJECT = 1u,      /* detectors only: no injector thread */
  SS_F_NO_FORK_INJECT = 2u, /* no injector in fork() children */
  SS_F_HEAP_CHECK = 4u,     /* glibc's heap checked after allocating handlers */
};

struct ss_shm {
  uint64_t magic;
  uint32_t version;
  uint32_t header_size; /* sizeof(struct ss_shm) */
  uint32_t finding_size;
  uint32_t flags;
  struct ss_schedule sched;
  /* counters (atomic); the two hot ones on cache lines of their own, as the
   * injector and the target's threads bump them concurrently */
  _Alignas(64) uint64_t signals_fired;
  _Alignas(64) uint64_t signals_handled;
  _Alignas(64) uint64_t procs_dropped;
  uint64_t modules_dropped;
  uint64_t findings_dropped;
  uint64_t runtime_violations; /* unsafe calls made by the runtime itself */
  uint64_t reserved_progress;
  uint32_t nprocs; /* next free index (atomic) */
  uint32_t nmodules;
  uint32_t nfindings;
  uint32_t reserved;
  struct ss_proc procs[SS_MAX_PROCS];
  struct ss_module modules[SS_MAX_MODULES];
  struct ss_finding findings[SS_MAX_FINDINGS];
  uint64_t locks_dropped;
  struct ss_lock locks[SS_MAX_LOCKS];
  struct ss_waiter waiters[SS_MAX_WAITERS];
  struct ss_tslot tslots[SS_MAX_TSLOTS];
  struct ss_tslot tslot_overflow;
  /* the heap check (SS_F_HEAP_CHECK): after a handler that called the
   * allocator returns, the thread's next few top-level allocator calls
   * first run mallinfo2() and malloc_trim(0), whose walks of every arena
   * trip glibc's consistency checks. heapcheck_tid is set while one runs:
   * an abort or crash then is the check's finding. */
  int32_t heapcheck_tid; /* atomic */
  int32_t heapcheck_sig;
  uint64_t heapcheck_handler;
  uint64_t heapchecks; /* checks run (atomic) */
};

#endif
