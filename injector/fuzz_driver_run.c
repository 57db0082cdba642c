/* fuzz_driver_run.c: the builtin engine's worker (see fuzz_driver.h). Runs
 * inputs in a persistent loop: the seeds first, then mutations of the
 * corpus. Each input is written into the shared mapping before it runs, so
 * the supervisor can save it if the worker dies.
 *
 * Feedback per input:
 *   - code coverage: the target's code is compiled with gcc's
 *     -fsanitize-coverage=trace-pc, which calls __sanitizer_cov_trace_pc at
 *     every basic block; the hook hashes (previous block, this block) into
 *     an edge counter, as AFL does (-use_code_cov=0 turns it off);
 *   - interruption coverage: the fuzz runtime's counters in the
 *     __libfuzzer_extra_counters section, found through the linker's
 *     __start_/__stop_ symbols, as libFuzzer finds them
 *     (SIGSTORM_FUZZ_ICOV=0 turns them off in the runtime).
 * Counts are bucketed as AFL does (1, 2, 3, 4-7, 8-15, 16-31, 32-127,
 * 128+); an input is kept when it yields a (feature, bucket) not seen yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_driver.h"
#include "sigstorm_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* ---- code coverage --------------------------------------------------------
 * Called from the target's code, signal handlers included: a byte
 * increment, nothing else. */
static uint8_t fd_pc_map[FD_PC_MAP];
/* one for all threads: the injector thread runs none of the target's code,
 * and a handler's blocks following the interrupted ones are edges too */
static uintptr_t fd_prev_loc;
static volatile int fd_code_cov = 1;

void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void) {
  if (!fd_code_cov)
    return;
  uintptr_t pc = (uintptr_t)__builtin_return_address(0);
  uintptr_t cur = (pc ^ (pc >> 16)) * 0x9e3779b1u;
  cur = (cur >> 8) & (FD_PC_MAP - 1);
  fd_pc_map[cur ^ fd_prev_loc]++;
  fd_prev_loc = cur >> 1;
}

/* ---- interruption coverage (the runtime's) -------------------------------
 */
extern uint8_t __start___libfuzzer_extra_counters[] __attribute__((weak));
extern uint8_t __stop___libfuzzer_extra_counters[] __attribute__((weak));

static uint8_t *fd_icov;
static size_t fd_icov_n;

static uint8_t fd_bucket(uint8_t c) { /* a bit per AFL count class */
  if (c <= 3)
    return (uint8_t)(1u << (c - 1));
  if (c <= 7)
    return 8;
  if (c <= 15)
    return 16;
  if (c <= 31)
    return 32;
  if (c <= 127)
    return 64;
  return 128;
}

/* Counts the (feature, bucket) pairs of this run that seen[] lacks; with
 * commit, adds them to seen[]. */
static uint32_t fd_scan(const uint8_t *map, size_t n, uint8_t *seen, int commit,
                        uint32_t *newcov) {
  uint32_t nnew = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, map + i, 8);
    if (!w)
      continue;
    for (size_t k = i; k < i + 8; k++) {
      if (!map[k])
        continue;
      uint8_t b = fd_bucket(map[k]);
      if (seen[k] & b)
        continue;
      nnew++;
      if (commit) {
        if (!seen[k])
          (*newcov)++;
        seen[k] |= b;
      }
    }
  }
  for (; i < n; i++)
    if (map[i] && !(seen[i] & fd_bucket(map[i]))) {
      nnew++;
      if (commit) {
        if (!seen[i])
          (*newcov)++;
        seen[i] |= fd_bucket(map[i]);
      }
    }
  return nnew;
}

uint64_t fd_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- running one input ----------------------------------------------------
 */
static uint64_t fd_last_ns; /* the last run's time */

static void fd_run(struct fd_shared *s, uint32_t len) {
  memset(fd_pc_map, 0, sizeof fd_pc_map);
  if (fd_icov_n)
    memset(fd_icov, 0, fd_icov_n);
  fd_prev_loc = 0;
  s->cur_len = len;
  uint64_t t0 = fd_now_ns();
  atomic_store_explicit(&s->start_ns, t0, memory_order_release);
  LLVMFuzzerTestOneInput(s->cur, len);
  uint64_t dt = fd_now_ns() - t0;
  fd_last_ns = dt;
  atomic_store_explicit(&s->start_ns, 0, memory_order_release);
  atomic_fetch_add_explicit(&s->execs, 1, memory_order_relaxed);
  if (dt > atomic_load_explicit(&s->slowest_ns, memory_order_relaxed))
    atomic_store_explicit(&s->slowest_ns, dt, memory_order_relaxed);
}

/* New (feature, bucket) pairs of the last run, added to the seen maps. */
static uint32_t fd_feedback(struct fd_shared *s, int commit) {
  uint32_t newcov = 0, n = 0;
  if (s->o.use_code_cov)
    n += fd_scan(fd_pc_map, sizeof fd_pc_map, s->seen_pc, commit, &newcov);
  if (fd_icov_n)
    n += fd_scan(fd_icov, fd_icov_n, s->seen_icov, commit, &newcov);
  if (commit && n) {
    atomic_fetch_add_explicit(&s->ft, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->cov, newcov, memory_order_relaxed);
  }
  return n;
}

/* ---- the corpus -----------------------------------------------------------
 * Entries live in the shared arena; the worker's own index of those in the
 * corpus, with cumulative weights for the choice, is rebuilt from the
 * mapping (a new worker after a crash finds the same corpus). */
static uint32_t *fd_corp;  /* entry indexes */
static uint64_t *fd_cumul; /* cumulative weights */
static uint32_t fd_ncorp;

/* Percent of the weight for an entry whose run took t ns when the corpus'
 * mean is avg (AFL's calculate_score): the fast ones are mutated more, so
 * a campaign does not drift to its slowest inputs (the longest, or a
 * schedule's storm of signals) and spend its time there. */
static uint64_t fd_speed_pct(uint64_t t, uint64_t avg) {
  if (!t || !avg)
    return 100;
  if (t > 10 * avg)
    return 10;
  if (t > 4 * avg)
    return 25;
  if (t > 2 * avg)
    return 50;
  if (3 * t > 4 * avg)
    return 75;
  if (4 * t < avg)
    return 300;
  if (3 * t < avg)
    return 200;
  if (2 * t < avg)
    return 150;
  return 100;
}

/* Newer entries, those that added more and the faster ones are chosen more
 * often; one chosen very often fades. */
static uint64_t fd_weight(const struct fd_entry *e, uint32_t rank,
                          uint64_t avg_ns) {
  uint64_t w = (uint64_t)(rank + 1) * (4 + (e->new_ft < 64 ? e->new_ft : 64));
  w = w * fd_speed_pct(e->run_ns, avg_ns) / 100 + 1;
  if (e->picked > 1000)
    w = w / (1 + e->picked / 1000) + 1;
  return w;
}

static void fd_reindex(struct fd_shared *s) {
  uint32_t n = atomic_load_explicit(&s->nentries, memory_order_acquire);
  uint64_t tsum = 0, tn = 0;
  for (uint32_t i = 0; i < n; i++)
    if (s->e[i].state == FD_E_CORPUS) {
      tsum += s->e[i].run_ns;
      tn++;
    }
  uint64_t avg = tn ? tsum / tn : 0;
  fd_ncorp = 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n; i++)
    if (s->e[i].state == FD_E_CORPUS) {
      fd_corp[fd_ncorp] = i;
      sum += fd_weight(&s->e[i], fd_ncorp, avg);
      fd_cumul[fd_ncorp++] = sum;
    }
}

static uint32_t fd_pick(struct fd_rng *r) {
  uint64_t x = fd_rand(r) % fd_cumul[fd_ncorp - 1];
  uint32_t lo = 0, hi = fd_ncorp - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (fd_cumul[mid] > x)
      hi = mid;
    else
      lo = mid + 1;
  }
  return fd_corp[lo];
}

/* Appends the current input to the arena; -1 when full. */
static int fd_append(struct fd_shared *s, uint32_t len, uint32_t state,
                     uint32_t new_ft) {
  uint32_t i = atomic_load_explicit(&s->nentries, memory_order_relaxed);
  if (i >= FD_MAX_ENTRIES || s->arena_used + len > FD_ARENA) {
    if (!atomic_exchange(&s->arena_full, 1))
      fprintf(stderr,
              "INFO: sigstorm-fuzz: the in-memory corpus is full "
              "(%u inputs); no more are added\n",
              i);
    return -1;
  }
  struct fd_entry *e = &s->e[i];
  e->off = s->arena_used;
  memcpy(fd_arena(s) + e->off, s->cur, len);
  e->len = len;
  e->state = state;
  e->new_ft = new_ft;
  e->picked = 0;
  e->exec = atomic_load_explicit(&s->execs, memory_order_relaxed);
  e->run_ns = fd_last_ns;
  s->arena_used += (len + 7u) & ~7u;
  atomic_store_explicit(&s->nentries, i + 1, memory_order_release);
  return (int)i;
}

static void fd_add_corpus(struct fd_shared *s, struct fd_entry *e) {
  e->state = FD_E_CORPUS;
  if (!e->run_ns)
    e->run_ns = fd_last_ns ? fd_last_ns : 1; /* a seed's: its run */
  atomic_fetch_add_explicit(&s->ncorp, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->corp_bytes, e->len, memory_order_relaxed);
}

/* A new corpus input, saved in the first corpus folder under its hash. */
static void fd_save_corpus(struct fd_shared *s, uint32_t len) {
  if (!s->o.corpus_dir[0])
    return;
  char path[FD_PATH + 32];
  snprintf(path, sizeof path, "%s/%016llx", s->o.corpus_dir,
           (unsigned long long)fd_fnv1a(s->cur, len));
  if (fd_write_file(path, s->cur, len) != 0)
    fprintf(stderr, "WARNING: sigstorm-fuzz: cannot write %s: %s\n", path,
            strerror(errno));
}

/* ---- the loop -------------------------------------------------------------
 */
static int fd_done(struct fd_shared *s) {
  return atomic_load_explicit(&s->stop, memory_order_relaxed) ||
         (s->o.runs &&
          atomic_load_explicit(&s->execs, memory_order_relaxed) >= s->o.runs);
}

void fd_worker(struct fd_shared *s, int *argc, char ***argv) {
  fd_code_cov = s->o.use_code_cov;
  if (__start___libfuzzer_extra_counters && __stop___libfuzzer_extra_counters) {
    fd_icov = __start___libfuzzer_extra_counters;
    fd_icov_n = (size_t)(__stop___libfuzzer_extra_counters -
                         __start___libfuzzer_extra_counters);
    if (fd_icov_n > FD_ICOV_MAX)
      fd_icov_n = FD_ICOV_MAX;
  }
  s->icov_size = (uint32_t)fd_icov_n;
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(argc, argv);
  fd_corp = calloc(FD_MAX_ENTRIES, sizeof *fd_corp);
  fd_cumul = calloc(FD_MAX_ENTRIES, sizeof *fd_cumul);
  if (!fd_corp || !fd_cumul)
    _exit(3);
  struct fd_rng rng = {s->o.seed ^ ((uint64_t)getpid() << 32)};

  /* the seeds, each once: kept when it adds features (a seed this worker's
   * predecessor died on is skipped: seed_next moved before it ran) */
  for (;;) {
    uint32_t i = atomic_load(&s->seed_next);
    if (i >= s->nseeds || fd_done(s))
      break;
    atomic_store(&s->seed_next, i + 1);
    struct fd_entry *e = &s->e[i];
    uint32_t len = e->len < FD_MAX_INPUT ? e->len : FD_MAX_INPUT;
    memcpy(s->cur, fd_arena(s) + e->off, len);
    fd_run(s, len);
    uint32_t n = fd_feedback(s, 1);
    if (n || atomic_load(&s->ncorp) == 0) {
      e->new_ft = n;
      fd_add_corpus(s, e);
    } else {
      e->state = FD_E_DROPPED;
    }
  }
  if (atomic_load(&s->ncorp) == 0 && !fd_done(s)) {
    /* no corpus: start from the empty input, as libFuzzer does */
    fd_run(s, 0);
    int i = fd_append(s, 0, FD_E_CORPUS, fd_feedback(s, 1));
    if (i >= 0) {
      s->e[i].state = FD_E_SEED;
      fd_add_corpus(s, &s->e[i]);
    }
  }
  atomic_store(&s->inited, 1);
  { /* the supervisor prints the others; this one has exact figures */
    uint64_t ex = atomic_load(&s->execs), el = fd_now_ns() - s->t0_ns;
    fprintf(
        stderr, "#%llu\tINITED cov: %u ft: %u corp: %u/%llub exec/s: %llu\n",
        (unsigned long long)ex, atomic_load(&s->cov), atomic_load(&s->ft),
        atomic_load(&s->ncorp), (unsigned long long)atomic_load(&s->corp_bytes),
        (unsigned long long)(el >= 1000000000ull ? ex / (el / 1000000000ull)
                                                 : ex));
    fflush(stderr);
  }
  fd_reindex(s);

  while (!fd_done(s) && fd_ncorp) {
    uint32_t bi = fd_pick(&rng);
    struct fd_entry *base = &s->e[bi];
    base->picked++;
    uint32_t len = base->len;
    memcpy(s->cur, fd_arena(s) + base->off, len);
    const struct fd_entry *o = &s->e[fd_corp[fd_below(&rng, fd_ncorp)]];
    fd_mutate(&rng, s->cur, &len, s->o.max_len, fd_arena(s) + o->off, o->len);
    fd_run(s, len);
    uint32_t n = fd_feedback(s, 0);
    if (!n) {
      if ((base->picked & 1023) == 0)
        fd_reindex(s); /* it fades */
      continue;
    }
    fd_feedback(s, 1);
    int i = fd_append(s, len, FD_E_SEED, n);
    if (i < 0)
      continue;
    fd_add_corpus(s, &s->e[i]);
    atomic_fetch_add_explicit(&s->new_units, 1, memory_order_relaxed);
    fd_save_corpus(s, len);
    fd_reindex(s);
  }
  fflush(stdout);
  fflush(stderr);
  _exit(0);
}
