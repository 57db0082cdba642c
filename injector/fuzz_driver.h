/* fuzz_driver.h: sigstorm's builtin fuzzing engine (libsigstorm_fuzzdriver.a,
 * docs/fuzzing.md "The builtin engine").
 *
 * A gcc-only, coverage-guided engine for a target built with
 * -fsanitize-coverage=trace-pc and linked with the whole fuzz runtime
 * (libsigstorm_fuzz.a). Two processes:
 *   - the supervisor (fuzz_driver.c: main): options, loads the corpus
 *     files, forks the worker before any thread exists, forwards its stderr,
 *     kills it after a per-input timeout, saves the input it died on as an
 *     artifact (write to a temporary file, then rename), prints the status;
 *   - the worker (fuzz_driver_run.c): runs inputs in a persistent loop,
 *     reads the feedback (code coverage from the trace-pc hook, interruption
 *     coverage from the runtime's __libfuzzer_extra_counters), keeps inputs
 *     that give a new (feature, count bucket), mutates them knowing the
 *     schedule prefix (sigstorm_fuzz.h).
 * Everything that must outlive a worker lives in one shared mapping (struct
 * fd_shared): the input being run, the features seen, the corpus, the
 * counters. A worker that dies loses nothing but its own input, which the
 * supervisor saves; the next worker continues with the same corpus.
 */
#ifndef SIGSTORM_FUZZ_DRIVER_H
#define SIGSTORM_FUZZ_DRIVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define FD_MAGIC 0x73736664u        /* "ssfd" */
#define FD_MAX_INPUT (1u << 20)     /* largest input, loaded or made */
#define FD_DEFAULT_MAX_LEN 4096     /* -max_len when the corpus is smaller */
#define FD_PC_MAP (1u << 15)        /* code coverage: edge counters */
#define FD_ICOV_MAX 4096            /* interruption coverage: extra counters */
#define FD_MAX_ENTRIES (1u << 16)   /* inputs in the shared arena */
#define FD_ARENA ((size_t)64 << 20) /* their bytes */
#define FD_MAX_WORKERS 60 /* the runtime's segment holds 64 processes */
#define FD_PATH 1024

enum fd_entry_state {
  FD_E_SEED = 1,   /* loaded from a corpus folder, not yet run */
  FD_E_CORPUS = 2, /* in the corpus: mutated */
  FD_E_DROPPED = 3 /* a seed that gave nothing new */
};

struct fd_entry {
  uint64_t off; /* in the arena */
  uint32_t len;
  uint32_t state;
  uint32_t new_ft; /* the (feature, bucket) pairs it added */
  uint32_t picked; /* times chosen for mutation */
  uint64_t exec;   /* execution that added it */
  uint64_t run_ns; /* how long that run took */
};

/* Options, the same in both processes (the supervisor fills them). */
struct fd_opts {
  uint64_t seed;
  uint64_t runs; /* 0: no limit */
  uint32_t max_len;
  int use_code_cov;
  int keep_going; /* -ignore_crashes=1: restart the worker after a crash */
  char corpus_dir[FD_PATH]; /* new inputs go here ("" none) */
};

struct fd_shared {
  uint32_t magic;
  struct fd_opts o;
  /* control */
  _Atomic int stop;          /* the supervisor asks the worker to end */
  _Atomic uint64_t start_ns; /* the running input's start; 0 between */
  uint32_t cur_len;
  /* counters (written by the worker, read by the supervisor) */
  _Atomic uint64_t execs;
  _Atomic uint64_t slowest_ns;
  _Atomic uint32_t cov, ft; /* features hit, (feature, bucket) pairs */
  _Atomic uint32_t ncorp;   /* entries in the corpus */
  _Atomic uint64_t corp_bytes;
  _Atomic uint32_t new_units; /* added by fuzzing (not seeds) */
  _Atomic int inited;         /* the seeds have been run */
  uint64_t t0_ns;             /* the campaign's start */
  _Atomic uint32_t seed_next; /* the next seed to run */
  _Atomic uint32_t nentries;  /* published entries */
  _Atomic uint32_t arena_full;
  uint64_t arena_used;
  uint32_t nseeds;
  uint32_t icov_size; /* bytes of interruption counters found */
  /* features seen: a bit per count bucket */
  uint8_t seen_pc[FD_PC_MAP];
  uint8_t seen_icov[FD_ICOV_MAX];
  struct fd_entry e[FD_MAX_ENTRIES];
  uint8_t cur[FD_MAX_INPUT]; /* the input being run */
  /* then FD_ARENA bytes of inputs */
};

static inline uint8_t *fd_arena(struct fd_shared *s) {
  return (uint8_t *)(s + 1);
}

static inline uint64_t fd_fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull; /* the runtime's timeout-<hex> too */
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint64_t fd_now_ns(void);
/* writes a file through a temporary one and a rename; 0 on success */
int fd_write_file(const char *path, const void *data, size_t n);

/* the worker: never returns */
__attribute__((noreturn)) void fd_worker(struct fd_shared *s, int *argc,
                                         char ***argv);

/* mutations (fuzz_driver_mut.c) */
struct fd_rng {
  uint64_t s;
};
uint64_t fd_rand(struct fd_rng *r);
static inline uint32_t fd_below(struct fd_rng *r, uint32_t n) {
  return n ? (uint32_t)(fd_rand(r) % n) : 0;
}
/* Mutates buf[0..*len) in place, up to max bytes; other: another corpus
 * input (splices, record copies), may be NULL. */
void fd_mutate(struct fd_rng *r, uint8_t *buf, uint32_t *len, uint32_t max,
               const uint8_t *other, uint32_t other_len);

#endif
