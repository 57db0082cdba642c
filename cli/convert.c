/* convert.c: turns findings of time-based runs (run, stress) into case
 * files with instruction windows, each confirmed by a replay.
 *
 * The runtime records, where a signal landed, the thread's entry counts of
 * the interposed functions and the interrupted pc (ss_window_hint). The
 * window is FUNC#K+Ni with FUNC the interposed function the thread was
 * inside and K its count there; a few K around it are tried (a traced,
 * single-threaded replay can count a call or two differently), and N is
 * found by single-stepping from the K-th entry until the pc reaches the
 * recorded one (else the start of the function it lay in, else the entry).
 * A window counts only when its replay shows the same finding (signature).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convert.h"

#define SS_CONVERT_STEPS 5000 /* instructions into one call, at most */
#define SS_SCAN_AROUND 4      /* calls scanned on each side of K */
#define SS_MAX_TRIES 6        /* replays per finding, at most */

static int ss_report_has(const ss_report *r, const char *sig) {
  for (size_t i = 0; i < r->nfindings; i++)
    if (strcmp(r->findings[i].signature, sig) == 0)
      return 1;
  return 0;
}

static const char *ss_basename(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Every window replayed so far in this conversion, with the signatures
 * its replay showed: findings that landed in the same place (an unsafe
 * call, the reentrancy and the crash of one run) share one replay. */
struct ss_tried {
  char func[40];
  char module[256]; /* "" none */
  char thread[16];  /* "" any */
  int sig;
  uint64_t k, n;
  char (*sigs)[17];
  size_t nsigs;
};

struct ss_tried_set {
  struct ss_tried *v;
  size_t n, cap;
};

static const struct ss_tried *ss_tried_find(const struct ss_tried_set *ts,
                                            const char *signature) {
  for (size_t i = 0; i < ts->n; i++)
    for (size_t j = 0; j < ts->v[i].nsigs; j++)
      if (strcmp(ts->v[i].sigs[j], signature) == 0)
        return &ts->v[i];
  return NULL;
}

static int ss_tried_has(const struct ss_tried_set *ts, const ss_pt_window *w) {
  for (size_t i = 0; i < ts->n; i++)
    if (ts->v[i].k == w->k && ts->v[i].n == w->n && ts->v[i].sig == w->sig &&
        strcmp(ts->v[i].func, w->func) == 0 &&
        strcmp(ts->v[i].module, w->module ? w->module : "") == 0 &&
        strcmp(ts->v[i].thread, w->thread ? w->thread : "") == 0)
      return 1;
  return 0;
}

/* One try: the replay of window w, remembered in ts. 1 when it shows the
 * finding with signature sig, 0 if not, -1 on an error. */
static int ss_try(const ss_replayer *rp, struct ss_tried_set *ts,
                  ss_pt_window *w, const char *sig) {
  if (ss_tried_has(ts, w))
    return 0; /* replayed already, and it did not show sig */
  ss_pt_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.w = w;
  plan.nw = 1;
  ss_replay_result res;
  char err[512];
  if (ss_replay_once(rp, &plan, 0, &res, NULL, err, sizeof err) < 0)
    return -1;
  int ok = plan.out[0].delivered && ss_report_has(&res.rep, sig);
  if (ts->n == ts->cap) {
    size_t cap = ts->cap ? 2 * ts->cap : 16;
    struct ss_tried *nv = realloc(ts->v, cap * sizeof *nv);
    if (nv) {
      ts->v = nv;
      ts->cap = cap;
    }
  }
  if (ts->n < ts->cap && plan.out[0].delivered) {
    struct ss_tried *t = &ts->v[ts->n];
    memset(t, 0, sizeof *t);
    snprintf(t->func, sizeof t->func, "%s", w->func);
    snprintf(t->module, sizeof t->module, "%s", w->module ? w->module : "");
    snprintf(t->thread, sizeof t->thread, "%s", w->thread ? w->thread : "");
    t->sig = w->sig;
    t->k = w->k;
    t->n = w->n;
    t->sigs = calloc(res.rep.nfindings + 1, sizeof *t->sigs);
    for (size_t i = 0; t->sigs && i < res.rep.nfindings; i++)
      memcpy(t->sigs[t->nsigs++], res.rep.findings[i].signature, 17);
    ts->n++;
  }
  ss_replay_result_free(&res);
  return ok;
}

static int ss_write_case(const ss_convert *cv, const ss_pt_window *w,
                         const ss_finding_info *f, char *path, size_t cap) {
  char how[600];
  snprintf(how, sizeof how,
           "converted from sigstorm %s (seed %llu, schedule %s)", cv->mode,
           (unsigned long long)f->seed, f->schedule ? f->schedule : "?");
  return ss_write_finding_case(cv->dir, cv->prog_given, cv->args, cv->nargs, w,
                               f, how, path, cap);
}

int ss_convert_findings(const ss_convert *cv, ss_report *rep) {
  if (ss_mkdir_p(cv->dir) < 0 || access(cv->dir, W_OK) < 0) {
    SS_ERR("cases folder '%s': %s", cv->dir, strerror(errno));
    return -1;
  }
  ss_replayer rp = {.runtime = cv->runtime,
                    .argv = cv->argv,
                    .timeout_ns = cv->timeout_ns,
                    .stall_ns = cv->stall_ns,
                    .hang_ns = cv->hang_ns,
                    .sym = cv->sym,
                    .glibc_checks = cv->glibc_checks,
                    .heap_check = cv->heap_check};
  int converted = 0, rc = 0;
  struct ss_tried_set ts = {0};
  for (size_t i = 0; i < rep->nfindings && !ss_interrupted; i++) {
    ss_finding_info *f = &rep->findings[i];
    const ss_window_hint *h = &f->hint;
    if (!h->valid || f->reproducer)
      continue;
    /* a pc inside sigstorm's own wrapper is reached from the wrapper's
     * entry, not from the library function's */
    char module[256] = "";
    int in_rt =
        h->module[0] && strncmp(ss_basename(h->module), "libsigstorm", 11) == 0;
    if (in_rt)
      snprintf(module, sizeof module, "%s", ss_basename(h->module));
    ss_pt_window w = {.sig = h->sig,
                      .module = in_rt ? module : NULL,
                      .func = h->fn,
                      .thread = h->main_thread ? "main" : NULL};
    /* 0. a window replayed for another finding already shows this one */
    const struct ss_tried *prev = ss_tried_find(&ts, f->signature);
    if (prev) {
      ss_pt_window pw = {.sig = prev->sig,
                         .module = prev->module[0] ? prev->module : NULL,
                         .func = prev->func,
                         .k = prev->k,
                         .n = prev->n,
                         .thread = prev->thread[0] ? prev->thread : NULL};
      char path[PATH_MAX];
      if (ss_write_case(cv, &pw, f, path, sizeof path) < 0) {
        rc = -1;
        break;
      }
      f->reproducer = strdup(path);
      converted++;
      continue;
    }
    /* 1. one traced run steps through the calls around K and notes where
     * each gets to the recorded pc (or into its function) */
    struct {
      uint64_t k, n;
    } cand[3 * SS_PT_MAX_SCAN];
    size_t nc = 0;
    uint64_t lo = h->k > SS_SCAN_AROUND ? h->k - SS_SCAN_AROUND : 1;
    uint64_t hi = h->k + SS_SCAN_AROUND;
    /* where an unsafe call lands does not matter: the entry will do */
    int anywhere = strcmp(f->kind, SS_KIND_UNSAFE_CALL) == 0 ||
                   strcmp(f->kind, SS_KIND_ERRNO_CLOBBER) == 0;
    if (h->module[0] && h->inside && !anywhere) {
      ss_pt_plan plan;
      memset(&plan, 0, sizeof plan);
      w.k = UINT64_MAX;
      w.n = SS_CONVERT_STEPS;
      plan.w = &w;
      plan.nw = 1;
      plan.probe = 1;
      plan.scan = 1;
      plan.scan_lo = lo;
      plan.scan_hi = hi;
      plan.stop_module = h->module;
      plan.stop_lo = h->off;
      plan.stop_hi = h->off + 1;
      if (h->func_off && h->func_off <= h->off) {
        plan.func_lo = h->func_off;
        plan.func_hi = h->off + 1;
      }
      for (size_t j = 0; j < SS_PT_MAX_SCAN; j++)
        plan.scan_exact[j] = plan.scan_func[j] = UINT64_MAX;
      ss_replay_result res;
      char err[512];
      if (ss_replay_once(&rp, &plan, 0, &res, NULL, err, sizeof err) < 0) {
        SS_WARN("finding %s: the scan failed: %s", f->signature, err);
        continue;
      }
      ss_replay_result_free(&res);
      if (getenv("SIGSTORM_DEBUG")) {
        fprintf(stderr,
                "convert %s: %s k=%llu module=%s off=%#llx func_off=%#llx "
                "hits=%llu\n",
                f->signature, h->fn, (unsigned long long)h->k, h->module,
                (unsigned long long)h->off, (unsigned long long)h->func_off,
                (unsigned long long)plan.out[0].hits);
        for (uint64_t k = lo; k <= hi; k++)
          fprintf(stderr, "  K=%llu exact=%lld func=%lld\n",
                  (unsigned long long)k, (long long)plan.scan_exact[k - lo],
                  (long long)plan.scan_func[k - lo]);
      }
      /* exact places first, then the function's start, nearest K first */
      for (int pass = 0; pass < 2; pass++)
        for (uint64_t d = 0; d <= SS_SCAN_AROUND; d++)
          for (int sgn = 0; sgn < (d ? 2 : 1); sgn++) {
            uint64_t k = sgn ? h->k - d : h->k + d;
            if (k < lo || k > hi)
              continue;
            uint64_t n =
                pass ? plan.scan_func[k - lo] : plan.scan_exact[k - lo];
            if (n != UINT64_MAX && nc < sizeof cand / sizeof cand[0]) {
              cand[nc].k = k;
              cand[nc++].n = n;
            }
          }
    }
    /* 2. last resort: the entries themselves */
    for (uint64_t d = 0; d <= 1; d++)
      for (int sgn = 0; sgn < (d ? 2 : 1); sgn++) {
        uint64_t k = sgn ? h->k - d : h->k + d;
        if (k >= 1 && nc < sizeof cand / sizeof cand[0]) {
          cand[nc].k = k;
          cand[nc++].n = 0;
        }
      }
    /* 3. replays: the first window that shows the same finding */
    int found = 0;
    /* a crash, hang or deadlock of a multi-threaded run may not happen in
     * a single-threaded replay at all: fewer tries for those */
    size_t tries =
        h->inside && strcmp(f->kind, SS_KIND_REENTRANCY) != 0 && !anywhere
            ? 2
            : SS_MAX_TRIES;
    for (size_t j = 0; j < nc && j < tries && !found; j++) {
      w.k = cand[j].k;
      w.n = cand[j].n;
      int r = ss_try(&rp, &ts, &w, f->signature);
      if (r < 0) {
        rc = -1;
        break;
      }
      found = r;
    }
    if (rc < 0)
      break;
    if (!found) {
      SS_WARN("finding %s (%s): no instruction window reproduced it; no case "
              "written",
              f->signature, f->kind);
      continue;
    }
    char path[PATH_MAX];
    if (ss_write_case(cv, &w, f, path, sizeof path) < 0) {
      rc = -1;
      break;
    }
    f->reproducer = strdup(path);
    converted++;
  }
  for (size_t i = 0; i < ts.n; i++)
    free(ts.v[i].sigs);
  free(ts.v);
  return rc < 0 ? -1 : converted;
}
