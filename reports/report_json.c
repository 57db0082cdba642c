/* report_json.c: report.json, schema sigstorm.report/1 (reports/README.md),
 * written with json-c. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

static json_object *str_or_null(const char *s) {
  return s ? json_object_new_string(s) : NULL;
}

static json_object *frames(const ss_stack_trace *st) {
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < st->n; i++) {
    const ss_frame *f = &st->frames[i];
    json_object *o = json_object_new_object();
    char pc[32];
    snprintf(pc, sizeof pc, "0x%llx", (unsigned long long)f->pc);
    json_object_object_add(o, "pc", json_object_new_string(pc));
    json_object_object_add(o, "function", str_or_null(f->func));
    json_object_object_add(o, "offset",
                           f->func ? json_object_new_uint64(f->off) : NULL);
    json_object_object_add(o, "file", str_or_null(f->file));
    json_object_object_add(o, "line",
                           f->file && f->line > 0 ? json_object_new_int(f->line)
                                                  : NULL);
    json_object_object_add(o, "module", str_or_null(f->module));
    json_object_array_add(a, o);
  }
  return a;
}

static json_object *signal_name(int sig) {
  char buf[24];
  return sig ? json_object_new_string(ss_signal_name(sig, buf)) : NULL;
}

char *ss_report_json_string(const ss_report *r) {
  json_object *root = json_object_new_object();
  json_object_object_add(root, "schema",
                         json_object_new_string("sigstorm.report/1"));
  json_object *tool = json_object_new_object();
  json_object_object_add(tool, "name", json_object_new_string("sigstorm"));
  json_object_object_add(tool, "version", json_object_new_string("0.1.0"));
  json_object_object_add(root, "tool", tool);
  json_object_object_add(root, "mode", str_or_null(r->mode));
  json_object *target = json_object_new_object();
  json_object_object_add(target, "path", str_or_null(r->target));
  json_object *argv = json_object_new_array();
  for (int i = 0; i < r->argc; i++)
    json_object_array_add(argv, json_object_new_string(r->argv[i]));
  json_object_object_add(target, "argv", argv);
  json_object_object_add(root, "target", target);
  json_object_object_add(root, "injector", str_or_null(r->injector));
  json_object_object_add(root, "seed", json_object_new_uint64(r->seed));
  json_object_object_add(root, "schedule", str_or_null(r->schedule));
  json_object *sans = json_object_new_array();
  for (const char *p = r->sanitizers; p && *p;) {
    size_t n = strcspn(p, ",");
    json_object_array_add(sans, json_object_new_string_len(p, (int)n));
    p += n + (p[n] == ',');
  }
  json_object_object_add(root, "sanitizers", sans);
  json_object_object_add(root, "runs", json_object_new_uint64(r->runs));
  json_object_object_add(root, "signals_fired",
                         json_object_new_uint64(r->signals_fired));
  json_object_object_add(root, "heap_check",
                         json_object_new_boolean(r->heap_check));
  json_object_object_add(root, "heapchecks",
                         json_object_new_uint64(r->heapchecks));
  json_object_object_add(root, "signals_handled",
                         json_object_new_uint64(r->signals_handled));
  json_object_object_add(root, "timeouts", json_object_new_uint64(r->timeouts));
  json_object_object_add(root, "crashes", json_object_new_uint64(r->crashes));
  json_object_object_add(root, "runtime_violations",
                         json_object_new_uint64(r->runtime_violations));
  json_object_object_add(root, "elapsed_s",
                         json_object_new_double(r->elapsed_s));
  json_object *ex = json_object_new_object();
  json_object_object_add(
      ex, "code", r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
  json_object_object_add(ex, "signal", signal_name(r->term_signal));
  json_object_object_add(root, "exit", ex);
  json_object *fs = json_object_new_array();
  for (size_t i = 0; i < r->nfindings; i++) {
    const ss_finding_info *f = &r->findings[i];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", str_or_null(f->kind));
    json_object_object_add(o, "signal", signal_name(f->signal));
    json_object_object_add(o, "signal_number",
                           f->signal ? json_object_new_int(f->signal) : NULL);
    json_object_object_add(o, "handler", str_or_null(f->handler));
    json_object_object_add(o, "callee", str_or_null(f->callee));
    json_object_object_add(o, "via", str_or_null(f->via));
    json_object_object_add(o, "interrupted", str_or_null(f->interrupted));
    json_object_object_add(o, "detail", str_or_null(f->detail));
    json_object *dets = json_object_new_array();
    json_object *dd = json_object_new_object();
    for (int d = 0; d < SS_DET_COUNT; d++) {
      if (!(f->detectors & SS_DET_BIT(d)))
        continue;
      json_object_array_add(dets, json_object_new_string(ss_detector_name(d)));
      if (f->details[d])
        json_object_object_add(dd, ss_detector_name(d),
                               json_object_new_string(f->details[d]));
    }
    json_object_object_add(o, "detectors", dets);
    json_object_object_add(o, "details", dd);
    json_object_object_add(o, "sanitizer", str_or_null(f->sanitizer));
    json_object_object_add(o, "cycle", str_or_null(f->cycle));
    json_object_object_add(o, "signature",
                           json_object_new_string(f->signature));
    json_object_object_add(o, "count", json_object_new_uint64(f->count));
    json_object_object_add(o, "runs", json_object_new_uint64(f->runs));
    json_object_object_add(o, "seed", json_object_new_uint64(f->seed));
    json_object_object_add(o, "schedule", str_or_null(f->schedule));
    json_object_object_add(o, "reproducer", str_or_null(f->reproducer));
    json_object_object_add(o, "first_run", json_object_new_int64(f->first_run));
    json_object_object_add(o, "pid", json_object_new_int(f->pid));
    json_object_object_add(o, "tid", json_object_new_int(f->tid));
    json_object *stacks = json_object_new_object();
    json_object_object_add(stacks, "handler", frames(&f->handler_stack));
    json_object_object_add(stacks, "interrupted",
                           frames(&f->interrupted_stack));
    json_object_object_add(o, "stacks", stacks);
    if (f->nthreads) {
      json_object *ths = json_object_new_array();
      for (size_t t = 0; t < f->nthreads; t++) {
        const ss_thread_trace *th = &f->threads[t];
        json_object *to = json_object_new_object();
        json_object_object_add(to, "tid", json_object_new_int(th->tid));
        json_object_object_add(to, "name", json_object_new_string(th->name));
        char st[2] = {th->state, 0};
        json_object_object_add(to, "state", json_object_new_string(st));
        json_object_object_add(to, "wait", str_or_null(th->wait));
        json_object_object_add(to, "frames", frames(&th->stack));
        json_object_array_add(ths, to);
      }
      json_object_object_add(o, "threads", ths);
    }
    json_object_array_add(fs, o);
  }
  json_object_object_add(root, "findings", fs);
  const char *s = json_object_to_json_string_ext(
      root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  char *copy = s ? strdup(s) : NULL;
  json_object_put(root);
  return copy;
}
