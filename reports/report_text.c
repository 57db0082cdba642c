/* report_text.c: the human-readable report, for a terminal or a CI log. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"

/* Shell-quotes s for a copy-pasteable command line. */
static void put_quoted(FILE *out, const char *s) {
  int plain = *s != '\0';
  for (const char *p = s; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789-_./=:,+@%",
                *p))
      plain = 0;
  if (plain) {
    fputs(s, out);
    return;
  }
  fputc('\'', out);
  for (const char *p = s; *p; p++) {
    if (*p == '\'')
      fputs("'\\''", out);
    else
      fputc(*p, out);
  }
  fputc('\'', out);
}

static void put_stack(FILE *out, const char *title, const ss_stack_trace *st) {
  if (st->n == 0)
    return;
  fprintf(out, "    %s:\n", title);
  for (size_t i = 0; i < st->n; i++) {
    const ss_frame *f = &st->frames[i];
    fprintf(out, "      #%-2zu 0x%012llx %s", i, (unsigned long long)f->pc,
            f->func ? f->func : "??");
    if (f->func && f->off)
      fprintf(out, "+0x%llx", (unsigned long long)f->off);
    if (f->file)
      fprintf(out, " (%s:%d)", f->file, f->line);
    if (f->module) {
      const char *b = strrchr(f->module, '/');
      fprintf(out, " [%s]", b ? b + 1 : f->module);
    }
    fputc('\n', out);
  }
}

void ss_report_write_text(FILE *out, const ss_report *r) {
  char sb[24];
  fprintf(out, "sigstorm %s: ", r->mode ? r->mode : "report");
  for (int i = 0; i < r->argc; i++) {
    if (i)
      fputc(' ', out);
    put_quoted(out, r->argv[i]);
  }
  fprintf(out, "\n  injector %s, seed %llu, schedule %s\n",
          r->injector ? r->injector : "?", (unsigned long long)r->seed,
          r->schedule ? r->schedule : "?");
  if (r->sanitizers)
    fprintf(out, "  sanitizers: %s\n", r->sanitizers);
  if (r->heap_check)
    fprintf(out, "  heap check: %llu walks of glibc's arenas\n",
            (unsigned long long)r->heapchecks);
  fprintf(out,
          "  %llu run%s in %.1fs; signals: %llu fired, %llu handled; %llu "
          "timed out or stalled, %llu killed by a signal\n",
          (unsigned long long)r->runs, r->runs == 1 ? "" : "s", r->elapsed_s,
          (unsigned long long)r->signals_fired,
          (unsigned long long)r->signals_handled,
          (unsigned long long)r->timeouts, (unsigned long long)r->crashes);
  if (r->runs == 1 && r->mode && strcmp(r->mode, "run") == 0) {
    if (r->term_signal)
      fprintf(out, "  the target was killed by %s\n",
              ss_signal_name(r->term_signal, sb));
    else if (r->exit_code >= 0)
      fprintf(out, "  the target exited with %d\n", r->exit_code);
  }
  for (size_t i = 0; i < r->nfindings; i++) {
    const ss_finding_info *f = &r->findings[i];
    fprintf(out, "\n[%s]", f->kind);
    if (f->signal)
      fprintf(out, " %s", ss_signal_name(f->signal, sb));
    if (f->handler)
      fprintf(out, " handler=%s", f->handler);
    if (f->callee)
      fprintf(out, " callee=%s", f->callee);
    if (f->via)
      fprintf(out, " (via %s)", f->via);
    if (f->interrupted)
      fprintf(out, " interrupted=%s", f->interrupted);
    fprintf(out, "\n    count=%llu runs=%llu signature=%s\n",
            (unsigned long long)f->count, (unsigned long long)f->runs,
            f->signature);
    int ndet = 0, ndetail = 0;
    for (int d = 0; d < SS_DET_COUNT; d++) {
      ndet += (f->detectors & SS_DET_BIT(d)) != 0;
      ndetail += f->details[d] != NULL;
    }
    if (ndet) {
      fputs("    seen by:", out);
      for (int d = 0, k = 0; d < SS_DET_COUNT; d++)
        if (f->detectors & SS_DET_BIT(d))
          fprintf(out, "%s %s", k++ ? "," : "", ss_detector_name(d));
      fputc('\n', out);
    }
    if (ndetail > 1) { /* each detector's own message */
      for (int d = 0; d < SS_DET_COUNT; d++)
        if (f->details[d])
          fprintf(out, "    %s: %s\n", ss_detector_name(d), f->details[d]);
    } else if (f->detail) {
      fprintf(out, "    %s\n", f->detail);
    }
    if (f->cycle)
      fprintf(out, "    cycle: %s\n", f->cycle);
    int timed = !r->mode || strcmp(r->mode, "run") == 0 ||
                strcmp(r->mode, "stress") == 0;
    if (f->reproducer) {
      fputs("    reproduce: sigstorm replay ", out);
      put_quoted(out, f->reproducer);
      fputc('\n', out);
    }
    if (timed) {
      fprintf(out, "    %s: sigstorm run ",
              f->reproducer ? "found with" : "reproduce");
      if (f->sanitizer)
        fprintf(out, "--sanitizer %s ", f->sanitizer);
      if (r->heap_check)
        fputs("--heap-check ", out);
      fprintf(out, "--seed %llu --schedule ", (unsigned long long)f->seed);
      put_quoted(out, f->schedule ? f->schedule : "");
      fputs(" --", out);
      for (int a = 0; a < r->argc; a++) {
        fputc(' ', out);
        put_quoted(out, r->argv[a]);
      }
      fputc('\n', out);
    } else if (f->schedule && !f->reproducer) {
      fprintf(out, "    window: %s\n", f->schedule);
    }
    put_stack(out, "handler side", &f->handler_stack);
    put_stack(out, "interrupted side", &f->interrupted_stack);
    for (size_t t = 0; t < f->nthreads; t++) {
      const ss_thread_trace *th = &f->threads[t];
      char title[96];
      snprintf(title, sizeof title, "thread %d (%s)%s%s", th->tid,
               th->name[0] ? th->name : "?", th->wait ? ", " : "",
               th->wait ? th->wait : "");
      put_stack(out, title, &th->stack);
    }
  }
  uint64_t total = 0;
  for (size_t i = 0; i < r->nfindings; i++)
    total += r->findings[i].count;
  if (r->nfindings)
    fprintf(out, "\n%zu unique finding%s (%llu occurrences)\n", r->nfindings,
            r->nfindings == 1 ? "" : "s", (unsigned long long)total);
  else
    fprintf(out, "\nno findings\n");
}

/* Writes through path.tmp and a rename: a report is whole or absent. */
static int write_atomic(const char *path, const ss_report *r, int json) {
  size_t n = strlen(path) + 5;
  char *tmp = malloc(n);
  if (!tmp)
    return -1;
  snprintf(tmp, n, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    int e = errno;
    free(tmp);
    errno = e;
    return -1;
  }
  int ok = 1;
  if (json) {
    char *s = ss_report_json_string(r);
    ok = s && fputs(s, f) >= 0 && fputc('\n', f) != EOF;
    free(s);
  } else {
    ss_report_write_text(f, r);
  }
  ok = ok && !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
  int e = errno;
  if (fclose(f) != 0 && ok) {
    ok = 0;
    e = errno;
  }
  if (ok && rename(tmp, path) == 0) {
    free(tmp);
    return 0;
  }
  if (ok)
    e = errno;
  unlink(tmp);
  free(tmp);
  errno = e ? e : EIO;
  return -1;
}

int ss_report_write_text_file(const char *path, const ss_report *r) {
  return write_atomic(path, r, 0);
}

int ss_report_write_json_file(const char *path, const ss_report *r) {
  return write_atomic(path, r, 1);
}
