/* finding.c: the finding model: signatures, dedup, ownership. */
#include "finding.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ss_signature(const char *kind, const char *handler, const char *callee,
                  const char *interrupted, char out[17]) {
  const char *parts[4] = {kind, handler, callee, interrupted};
  if (kind && (strcmp(kind, SS_KIND_UNSAFE_CALL) == 0 ||
               strcmp(kind, SS_KIND_ERRNO_CLOBBER) == 0))
    parts[3] = NULL; /* the bug is the handler's call, wherever it lands */
  if (kind && handler && strcmp(kind, SS_KIND_HEAP_CORRUPTION) == 0)
    parts[2] = parts[3] = NULL;       /* one bug, whichever check saw it */
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
  for (int i = 0; i < 4; i++) {
    for (const char *p = parts[i] ? parts[i] : ""; *p; p++) {
      h ^= (unsigned char)*p;
      h *= 0x100000001b3ull;
    }
    h ^= 0; /* the separator: a NUL byte */
    h *= 0x100000001b3ull;
  }
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--, h >>= 4)
    out[i] = hex[h & 15];
  out[16] = '\0';
}

static const char *const ss_detector_names[SS_DET_COUNT] = {
    [SS_DET_SIGSTORM] = "sigstorm",   [SS_DET_GLIBC] = "glibc",
    [SS_DET_ASAN] = "asan",           [SS_DET_UBSAN] = "ubsan",
    [SS_DET_TSAN] = "tsan",           [SS_DET_MSAN] = "msan",
    [SS_DET_HEAPCHECK] = "heapcheck",
};

const char *ss_detector_name(int det) {
  return det >= 0 && det < SS_DET_COUNT ? ss_detector_names[det] : NULL;
}

int ss_finding_seen_by(ss_finding_info *f, int det, const char *detail) {
  if (det < 0 || det >= SS_DET_COUNT)
    return 0;
  f->detectors |= SS_DET_BIT(det);
  if (!detail)
    return 0;
  if (!f->details[det] && !(f->details[det] = strdup(detail)))
    return -1;
  if (!f->detail && !(f->detail = strdup(detail)))
    return -1;
  return 0;
}

const char *ss_signal_name(int sig, char buf[24]) {
  const char *a = sig > 0 ? sigabbrev_np(sig) : NULL;
  if (a)
    snprintf(buf, 24, "SIG%s", a);
  else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    snprintf(buf, 24, "SIGRTMIN+%d", sig - SIGRTMIN);
  else
    snprintf(buf, 24, "SIG%d", sig);
  return buf;
}

void ss_report_init(ss_report *r) {
  memset(r, 0, sizeof *r);
  r->exit_code = -1;
}

void ss_stack_free(ss_stack_trace *s) {
  for (size_t i = 0; i < s->n; i++) {
    free(s->frames[i].func);
    free(s->frames[i].file);
    free(s->frames[i].module);
  }
  free(s->frames);
  s->frames = NULL;
  s->n = 0;
}

void ss_finding_free(ss_finding_info *f) {
  free(f->kind);
  free(f->handler);
  free(f->callee);
  free(f->via);
  free(f->interrupted);
  free(f->detail);
  free(f->schedule);
  free(f->reproducer);
  free(f->cycle);
  free(f->sanitizer);
  for (int d = 0; d < SS_DET_COUNT; d++)
    free(f->details[d]);
  ss_stack_free(&f->handler_stack);
  ss_stack_free(&f->interrupted_stack);
  ss_threads_free(f->threads, f->nthreads);
  memset(f, 0, sizeof *f);
}

void ss_report_free(ss_report *r) {
  for (size_t i = 0; i < r->nfindings; i++)
    ss_finding_free(&r->findings[i]);
  free(r->findings);
  for (int i = 0; r->argv && i < r->argc; i++)
    free(r->argv[i]);
  free(r->argv);
  free(r->target);
  free(r->injector);
  free(r->mode);
  free(r->schedule);
  free(r->sanitizers);
  memset(r, 0, sizeof *r);
}

long ss_report_add(ss_report *r, ss_finding_info *f) {
  for (size_t i = 0; i < r->nfindings; i++) {
    ss_finding_info *o = &r->findings[i];
    if (strcmp(o->signature, f->signature) != 0)
      continue;
    o->count += f->count;
    o->runs += f->runs;
    o->detectors |= f->detectors;
    for (int d = 0; d < SS_DET_COUNT; d++)
      if (!o->details[d] && f->details[d]) {
        o->details[d] = f->details[d];
        f->details[d] = NULL;
      }
    if (!o->detail && f->detail) {
      o->detail = f->detail;
      f->detail = NULL;
    }
    /* keep the first run's seed and schedule; take stacks if it had none */
    if (o->handler_stack.n == 0 && f->handler_stack.n > 0) {
      ss_stack_free(&o->handler_stack);
      o->handler_stack = f->handler_stack;
      f->handler_stack.frames = NULL;
      f->handler_stack.n = 0;
    }
    if (o->interrupted_stack.n == 0 && f->interrupted_stack.n > 0) {
      ss_stack_free(&o->interrupted_stack);
      o->interrupted_stack = f->interrupted_stack;
      f->interrupted_stack.frames = NULL;
      f->interrupted_stack.n = 0;
    }
    ss_finding_free(f);
    return (long)i;
  }
  ss_finding_info *nf =
      realloc(r->findings, (r->nfindings + 1) * sizeof *r->findings);
  if (!nf) {
    ss_finding_free(f);
    return -1;
  }
  r->findings = nf;
  r->findings[r->nfindings] = *f;
  memset(f, 0, sizeof *f);
  return (long)r->nfindings++;
}

void ss_threads_free(ss_thread_trace *t, size_t n) {
  for (size_t i = 0; t && i < n; i++) {
    free(t[i].wait);
    ss_stack_free(&t[i].stack);
  }
  free(t);
}
