/* replay.c: one run under the out-of-process injector (see replay.h). */
#include "replay.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int ss_replay_once(const ss_replayer *rp, ss_pt_plan *plan, long index,
                   ss_replay_result *res, ss_run *run_out, char *err,
                   size_t errlen) {
  memset(res, 0, sizeof *res);
  ss_report_init(&res->rep);
  struct ss_schedule sched;
  memset(&sched, 0, sizeof sched);
  char text[1024] = "";
  size_t off = 0;
  for (size_t i = 0; i < plan->nw && off < sizeof text; i++) {
    const ss_pt_window *w = &plan->w[i];
    char sb[24];
    int n = snprintf(text + off, sizeof text - off,
                     "%ssig=%s at=%s%s%s#%llu+%llui%s%s", i ? "; " : "",
                     ss_signal_name(w->sig, sb), w->module ? w->module : "",
                     w->module ? ":" : "", w->func, (unsigned long long)w->k,
                     (unsigned long long)w->n, w->thread ? "@" : "",
                     w->thread ? w->thread : "");
    if (n > 0)
      off += (size_t)n;
  }
  snprintf(sched.text, sizeof sched.text, "%s", text);
  ss_run_opts o = {
      .runtime = rp->runtime,
      .argv = rp->argv,
      .sched = &sched,
      .shm_flags = SS_F_NO_INJECT,
      .timeout_ns = rp->timeout_ns,
      .stall_ns = rp->stall_ns,
      .hang_ns = rp->hang_ns,
      .clean_env = 1,
      .env_extra = rp->env,
      .stdin_path = rp->stdin_path,
      .ptrace = plan,
      .glibc_checks = rp->glibc_checks,
      .heap_check = rp->heap_check,
  };
  ss_run run;
  plan->err[0] = '\0';
  plan->input_error = 0;
  if (ss_run_start(&run, &o, err, errlen) < 0) {
    int input = plan->input_error;
    ss_run_free(&run);
    return input ? -2 : -1;
  }
  while (!run.done) {
    ss_run *one[1] = {&run};
    if (ss_runs_wait(one, 1, 100) == 0)
      break;
    if (ss_interrupted) {
      ss_run_kill(&run);
      snprintf(err, errlen, "interrupted");
      ss_run_free(&run);
      return -1;
    }
  }
  if (plan->traced_timeout) {
    char d[32];
    ss_format_duration(rp->timeout_ns, d, sizeof d);
    snprintf(err, errlen,
             "the windows were not reached within the timeout (%s) while "
             "traced (each entry into a window's function costs tens of "
             "microseconds under ptrace; raise --timeout or pick a smaller "
             "K)",
             d);
    ss_run_free(&run);
    return -2;
  }
  ss_run_ctx ctx = {rp->sym, &sched, text, index,
                    rp->glibc_checks > 1 ? "glibc-debug"
                    : rp->glibc_checks   ? "glibc"
                                         : NULL};
  ss_run_summary sum;
  if (ss_collect_run(&ctx, &run, &res->rep, &sum) < 0) {
    snprintf(err, errlen, "out of memory");
    ss_run_free(&run);
    return -1;
  }
  res->end = run.end;
  res->code = run.code;
  res->term_sig = run.term_sig;
  res->attached = sum.attached;
  res->violations = sum.violations;
  res->rep.runs = 1;
  res->rep.signals_fired = 0;
  for (size_t i = 0; i < plan->nw; i++)
    res->rep.signals_fired += plan->out[i].delivered != 0;
  res->rep.signals_handled = sum.handled;
  if (run_out)
    *run_out = run;
  else
    ss_run_free(&run);
  return 0;
}

void ss_replay_result_free(ss_replay_result *res) {
  ss_report_free(&res->rep);
}

static int ss_field_ok(const char *want, const char *got) {
  if (!want || strcmp(want, "*") == 0)
    return 1;
  return got && strcmp(want, got) == 0;
}

int ss_expect_matches(const ss_case_expect *e, const ss_report *rep) {
  for (size_t i = 0; i < rep->nfindings; i++) {
    const ss_finding_info *f = &rep->findings[i];
    if (strcmp(f->kind, e->kind) != 0)
      continue;
    if (!ss_field_ok(e->handler, f->handler))
      continue;
    /* callee: the call made, or the handler's outer call (syslog) */
    if (!ss_field_ok(e->callee, f->callee) && !ss_field_ok(e->callee, f->via))
      continue;
    if (!ss_field_ok(e->interrupted, f->interrupted))
      continue;
    if (e->sig && f->signal != e->sig)
      continue;
    return 1;
  }
  return 0;
}

void ss_finding_short(const ss_finding_info *f, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "%s", f->kind);
  if (n < 0 || (size_t)n >= cap)
    return;
  size_t off = (size_t)n;
  if (f->handler || f->callee)
    off += (size_t)snprintf(buf + off, cap - off, " %s%s%s",
                            f->handler ? f->handler : "?",
                            f->callee ? "->" : "", f->callee ? f->callee : "");
  if (off < cap && f->interrupted)
    snprintf(buf + off, cap - off, " in %s", f->interrupted);
}

void ss_plan_from_case(const ss_case *c, ss_pt_window *w, ss_pt_plan *plan) {
  memset(plan, 0, sizeof *plan);
  for (int i = 0; i < c->nsig && i < SS_PT_MAX_WINDOWS; i++) {
    w[i].sig = c->sig[i].sig;
    w[i].module = c->sig[i].module;
    w[i].func = c->sig[i].func;
    w[i].k = c->sig[i].k;
    w[i].n = c->sig[i].n;
    w[i].thread = c->sig[i].thread;
  }
  plan->w = w;
  plan->nw =
      (size_t)(c->nsig < SS_PT_MAX_WINDOWS ? c->nsig : SS_PT_MAX_WINDOWS);
}

int ss_write_finding_case(const char *dir, const char *prog_given, char **args,
                          int nargs, const ss_pt_window *w,
                          const ss_finding_info *f, const char *how, char *path,
                          size_t pathcap) {
  if (ss_mkdir_p(dir) < 0) {
    SS_ERR("cases folder '%s': %s", dir, strerror(errno));
    return -1;
  }
  ss_case c;
  memset(&c, 0, sizeof c);
  c.target = (char *)prog_given;
  char fixed[PATH_MAX];
  snprintf(fixed, sizeof fixed, "%s_fixed", prog_given);
  if (access(fixed, X_OK) == 0)
    c.fixed = fixed;
  c.args = args;
  c.nargs = nargs;
  c.nsig = 1;
  c.sig[0].sig = w->sig;
  c.sig[0].module = (char *)w->module;
  c.sig[0].func = (char *)w->func;
  c.sig[0].k = w->k;
  c.sig[0].n = w->n;
  c.sig[0].thread = (char *)w->thread;
  /* as in the signature: where an unsafe call landed is not part of it */
  int anywhere = strcmp(f->kind, SS_KIND_UNSAFE_CALL) == 0 ||
                 strcmp(f->kind, SS_KIND_ERRNO_CLOBBER) == 0;
  ss_case_expect e = {.kind = f->kind,
                      .handler = f->handler,
                      .callee = f->callee,
                      .interrupted = anywhere ? NULL : f->interrupted};
  c.expect = &e;
  c.nexpect = 1;
  char note[768], day[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(day, sizeof day, "%Y-%m-%d", &tm);
  snprintf(note, sizeof note, "%s on %s, signature %s", how, day, f->signature);
  char *notes[1] = {note};
  c.notes = notes;
  c.nnotes = 1;
  const char *base = strrchr(prog_given, '/');
  base = base ? base + 1 : prog_given;
  snprintf(path, pathcap, "%s/%s-%s-%.8s.case", dir, base, f->kind,
           f->signature);
  if (ss_case_write(path, &c) < 0) {
    SS_ERR("cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
