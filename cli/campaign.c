/* campaign.c: the engine behind run and stress: keeps up to J runs of the
 * target in flight, each with its own seed and schedule, collects each
 * ended run into the report, and shows progress. */
#include "campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/collect.h"

#define SS_MAX_JOBS 64
#define SS_DUR_RING 64

struct ss_slot {
  ss_run run;
  struct ss_schedule sched;
  char text[1024];
  long index;
  int busy;
};

static int ss_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t ss_median(const uint64_t *v, size_t n) {
  uint64_t tmp[SS_DUR_RING];
  memcpy(tmp, v, n * sizeof *v);
  qsort(tmp, n, sizeof *tmp, ss_cmp_u64);
  return tmp[n / 2];
}

uint64_t ss_run_seed(uint64_t base, uint64_t index) {
  uint64_t st = base ^ (index * 0xd1b54a32d192ed03ull);
  return ss_splitmix(&st) & 0xffffffffffffull;
}

static void ss_progress(const ss_campaign *cp, const ss_report *rep,
                        uint64_t t0, int final) {
  double el = (double)(ss_mono_ns() - t0) / 1e9;
  char total[32] = "";
  if (cp->runs)
    snprintf(total, sizeof total, "/%llu", (unsigned long long)cp->runs);
  fprintf(stderr,
          "\rsigstorm: runs %llu%s  %.1f runs/s  signals %llu fired, %llu "
          "handled  unique findings %zu   %s",
          (unsigned long long)rep->runs, total, el > 0 ? rep->runs / el : 0.0,
          (unsigned long long)rep->signals_fired,
          (unsigned long long)rep->signals_handled, rep->nfindings,
          final ? "\n" : "");
  fflush(stderr);
}

int ss_campaign_run(ss_campaign *cp, ss_report *rep, ss_campaign_stats *st) {
  static struct ss_slot slots[SS_MAX_JOBS];
  ss_run *active[SS_MAX_JOBS];
  unsigned jobs = cp->jobs ? cp->jobs : 1;
  if (jobs > SS_MAX_JOBS)
    jobs = SS_MAX_JOBS;
  memset(st, 0, sizeof *st);
  ss_symbolizer *sym = ss_sym_new();
  if (!sym) {
    SS_ERR("cannot set up the symbolizer");
    return -1;
  }
  uint64_t durs[SS_DUR_RING];
  size_t ndur = 0, dpos = 0;
  uint64_t typical = 100000000ull; /* until runs tell otherwise */
  uint64_t t0 = ss_mono_ns(), last_progress = 0;
  uint64_t started = 0;
  int rc = 0;
  for (unsigned j = 0; j < jobs; j++)
    slots[j].busy = 0;
  for (;;) {
    /* start runs into free slots */
    for (unsigned j = 0; j < jobs; j++) {
      int more =
          cp->runs ? started < cp->runs : ss_mono_ns() - t0 < cp->duration_ns;
      if (slots[j].busy || !more || ss_interrupted || rc)
        continue;
      struct ss_slot *s = &slots[j];
      uint64_t seed =
          cp->single ? cp->c->seed : ss_run_seed(cp->c->seed, started);
      if (cp->c->no_inject) {
        memset(&s->sched, 0, sizeof s->sched);
        s->sched.seed = seed;
        snprintf(s->text, sizeof s->text, "none");
      } else if (cp->c->schedule_spec) {
        s->sched = cp->c->sched;
        s->sched.seed = seed;
        ss_schedule_format(&s->sched, s->text, sizeof s->text);
      } else {
        uint64_t rng = seed;
        s->sched.seed = seed;
        ss_schedule_random(&rng, typical, &s->sched);
        memcpy(s->text, s->sched.text, sizeof s->sched.text);
      }
      ss_run_opts o = {
          .runtime = cp->runtime,
          .argv = cp->argv,
          .sched = &s->sched,
          .shm_flags = (cp->c->no_inject ? SS_F_NO_INJECT : 0) |
                       (cp->c->no_fork_inject ? SS_F_NO_FORK_INJECT : 0),
          .timeout_ns = cp->c->timeout_ns,
          .stall_ns = cp->c->stall_ns,
          .hang_ns = cp->c->hang_ns,
          .interactive = cp->single,
          .glibc_checks = cp->c->glibc_checks,
          .heap_check = cp->c->heap_check,
      };
      char err[512];
      if (ss_run_start(&s->run, &o, err, sizeof err) < 0) {
        SS_ERR("%s", err);
        ss_run_free(&s->run);
        rc = -1;
        break;
      }
      s->index = (long)started++;
      s->busy = 1;
    }
    int any = 0;
    for (unsigned j = 0; j < jobs; j++) {
      active[j] = slots[j].busy ? &slots[j].run : NULL;
      any |= slots[j].busy;
    }
    if (!any)
      break;
    if (ss_interrupted && !cp->single)
      for (unsigned j = 0; j < jobs; j++)
        if (slots[j].busy)
          ss_run_kill(&slots[j].run);
    int k = ss_runs_wait(active, jobs, 50);
    if (k >= 0 && slots[k].busy) {
      struct ss_slot *s = &slots[k];
      ss_run *r = &s->run;
      if (!(ss_interrupted && !cp->single)) {
        ss_run_ctx ctx = {sym, &s->sched, s->text, s->index, cp->sanitizer};
        ss_run_summary sum;
        if (ss_collect_run(&ctx, r, rep, &sum) < 0) {
          SS_ERR("out of memory while collecting run %ld", s->index);
          rc = -1;
        }
        rep->runs++;
        rep->signals_fired += sum.fired;
        rep->signals_handled += sum.handled;
        rep->heapchecks += r->shm->heapchecks;
        st->attached += sum.attached != 0;
        st->violations += sum.violations;
        st->dropped += sum.dropped;
        if (r->end == SS_END_TIMEOUT || r->end == SS_END_STALLED)
          rep->timeouts++;
        if (r->end == SS_END_SIGNALED)
          rep->crashes++;
        if (cp->single) {
          rep->exit_code = r->end == SS_END_EXITED ? r->code : -1;
          rep->term_signal = r->end == SS_END_SIGNALED ? r->term_sig : 0;
        }
        durs[dpos] = r->end_ns - r->start_ns;
        dpos = (dpos + 1) % SS_DUR_RING;
        if (ndur < SS_DUR_RING)
          ndur++;
        typical = ss_median(durs, ndur);
      }
      ss_run_free(r);
      s->busy = 0;
    }
    uint64_t now = ss_mono_ns();
    if (cp->progress && now - last_progress > 200000000ull) {
      last_progress = now;
      ss_progress(cp, rep, t0, 0);
    }
  }
  if (cp->progress)
    ss_progress(cp, rep, t0, 1);
  rep->elapsed_s += (double)(ss_mono_ns() - t0) / 1e9;
  ss_sym_free(sym);
  return rc;
}
