#include "collect.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanparse.h"
#include "schedule.h"
#include "util.h"

/* glibc's malloc consistency checks print one of these, then abort(). */
static const char *const ss_glibc_heap_msgs[] = {
    "malloc(): ",
    "malloc_consolidate(): ",
    "int_mallinfo(): ",
    "free(): ",
    "realloc(): ",
    "calloc(): ",
    "munmap_chunk(): ",
    "double free or corruption",
    "corrupted size vs. prev_size",
    "corrupted double-linked list",
    "tcache_thread_shutdown(): ",
    "_int_malloc(): ",
    "_int_free(): ",
    "malloc(): unaligned tcache chunk detected",
    "*** Error in ",
    "Fatal glibc error: malloc assertion failure", /* glibc >= 2.36 */
    NULL};

static char *ss_line_at(const char *p) {
  size_t n = strcspn(p, "\n");
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

/* Finds a line of text starting with one of prefixes (after an optional
 * "==PID==" sanitizer prefix); returns a pointer into text at the match. */
static const char *ss_find_line(const char *text, const char *needle,
                                int anywhere) {
  for (const char *line = text; line && *line;) {
    const char *hit = strstr(line, needle);
    const char *eol = strchr(line, '\n');
    if (hit && (!eol || hit < eol) && (anywhere || hit == line))
      return hit;
    line = eol ? eol + 1 : NULL;
  }
  return NULL;
}

/* The function a hung thread spins in, "" when unknown (heap string). */
/* The innermost frame of the thread the watchdog named that is the
 * program's (not the runtime's trampoline, not the signal return). */
static const ss_frame *ss_watch_frame(const ss_run *run,
                                      const ss_thread_trace **tt) {
  for (size_t i = 0; run->watch_tid && i < run->ntraces; i++) {
    const ss_thread_trace *t = &run->traces[i];
    if (t->tid != run->watch_tid)
      continue;
    for (size_t k = 0; k < t->stack.n; k++) {
      const ss_frame *f = &t->stack.frames[k];
      if (!f->func || strncmp(f->func, "sigstorm_", 9) == 0 ||
          strcmp(f->func, "__restore_rt") == 0)
        continue;
      *tt = t;
      return f;
    }
  }
  return NULL;
}

static char *ss_spin_func(const ss_run *run) {
  const ss_thread_trace *t;
  const ss_frame *f = ss_watch_frame(run, &t);
  return strdup(f ? f->func : "");
}

/* A deadlock's or hang's detail: the watchdog's verdict (or the timeout),
 * where a spinning thread spins, then every thread's state. */
static char *ss_watch_detail(const ss_run *run) {
  char where[256] = "";
  const ss_thread_trace *t = NULL;
  const ss_frame *f = ss_watch_frame(run, &t);
  if (f)
    snprintf(where, sizeof where, " (%s, in %s+0x%llx)", t->name, f->func,
             (unsigned long long)f->off);
  const char *why = run->end == SS_END_TIMEOUT
                        ? "did not finish within the timeout"
                        : (run->watch ? run->watch : "stopped by the watchdog");
  const char *thr = run->threads ? run->threads : "threads unknown";
  size_t n = strlen(why) + strlen(where) + strlen(thr) + 8;
  char *d = malloc(n);
  if (!d)
    return NULL;
  /* the thread's place goes right after "thread N" when the verdict names
   * one, so the sentence reads "thread 12 (main, in spin+0x4) spins: ..." */
  char tidtxt[32];
  snprintf(tidtxt, sizeof tidtxt, "thread %d", run->watch_tid);
  const char *at = where[0] ? strstr(why, tidtxt) : NULL;
  if (at) {
    size_t pre = (size_t)(at - why) + strlen(tidtxt);
    snprintf(d, n, "%.*s%s%s; %s", (int)pre, why, where, why + pre, thr);
  } else {
    snprintf(d, n, "%s; %s", why, thr);
  }
  return d;
}

int ss_classify_end(const ss_run *run, const struct ss_schedule *sched,
                    char **kind, char **detail) {
  const char *err = run->err ? run->err : "";
  const char *hit;
  *kind = *detail = NULL;
  char sb[24], buf[256];
  /* the heap check was walking the arenas when the process ended */
  int in_check = run->shm && run->shm->heapcheck_tid != 0 &&
                 (run->end == SS_END_SIGNALED ||
                  (run->end == SS_END_STALLED && !run->deadlocked));
  char after[96] = "";
  if (in_check)
    snprintf(after, sizeof after,
             " (in sigstorm's heap check, after the %s handler returned)",
             ss_signal_name(run->shm->heapcheck_sig, sb));
  for (const char *const *m = ss_glibc_heap_msgs; *m; m++) {
    if ((hit = ss_find_line(err, *m, 0))) {
      *kind = strdup(SS_KIND_HEAP_CORRUPTION);
      char *line = ss_line_at(hit);
      if (line && in_check) {
        snprintf(buf, sizeof buf, "%s%s", line, after);
        free(line);
        line = strdup(buf);
      }
      *detail = line;
      return 1;
    }
  }
  if (in_check && run->end == SS_END_STALLED) {
    /* a bin list that is a cycle: the walk never ends */
    *kind = strdup(SS_KIND_HEAP_CORRUPTION);
    snprintf(buf, sizeof buf,
             "walking glibc's arenas never ends%s: a list is a cycle", after);
    *detail = strdup(buf);
    return 1;
  }
  if (in_check) {
    *kind = strdup(SS_KIND_HEAP_CORRUPTION);
    snprintf(buf, sizeof buf,
             "walking glibc's arenas crashed (killed by %s)%s: their lists "
             "are corrupt",
             ss_signal_name(run->term_sig, sb), after);
    *detail = strdup(buf);
    return 1;
  }
  switch (run->end) {
  case SS_END_TIMEOUT:
  case SS_END_STALLED:
    *kind = strdup(run->deadlocked ? SS_KIND_DEADLOCK : SS_KIND_HANG);
    *detail = ss_watch_detail(run);
    return 1;
  case SS_END_SIGNALED: {
    int fired = 0;
    for (uint32_t i = 0; sched && i < sched->nwindows; i++)
      if (sched->w[i].sig == run->term_sig)
        fired = 1;
    *kind = strdup(fired ? SS_KIND_DEFAULT_ACTION_DEATH : SS_KIND_CRASH);
    snprintf(buf, sizeof buf, "killed by %s",
             ss_signal_name(run->term_sig, sb));
    *detail = strdup(buf);
    return 1;
  }
  default:
    return 0;
  }
}

/* Addresses and numbers make the same bug look different: the signature
 * of an end-of-run finding uses its detail with them masked. */
static char *ss_mask_detail(const char *d) {
  char *s = strdup(d ? d : "");
  if (!s)
    return NULL;
  char *o = s;
  for (const char *p = s; *p;) {
    if (p[0] == '0' && p[1] == 'x') {
      p += 2;
      while (isxdigit((unsigned char)*p))
        p++;
      *o++ = '#';
    } else if (isdigit((unsigned char)*p)) {
      while (isdigit((unsigned char)*p))
        p++;
      *o++ = '#';
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  /* for hangs only the first clause counts, not the thread list */
  char *semi = strchr(s, ';');
  if (semi)
    *semi = '\0';
  return s;
}

static size_t ss_modules_of(const struct ss_shm *shm, int image, ss_modref *out,
                            size_t max) {
  size_t n = 0;
  uint32_t nm = shm->nmodules < SS_MAX_MODULES ? shm->nmodules : SS_MAX_MODULES;
  for (uint32_t i = 0; i < nm && n < max; i++) {
    const struct ss_module *m = &shm->modules[i];
    if (m->state != 2 || m->proc != image)
      continue;
    out[n].path = m->path;
    out[n].bias = m->bias;
    out[n].lo = m->lo;
    out[n].hi = m->hi;
    n++;
  }
  return n;
}

static char *ss_sym_name(ss_symbolizer *sym, const ss_modref *mods, size_t nm,
                         uint64_t pc) {
  ss_frame f;
  memset(&f, 0, sizeof f);
  char *name = NULL;
  if (ss_sym_lookup(sym, mods, nm, pc, &f) == 0 && f.func) {
    name = f.func;
    f.func = NULL;
  } else {
    char buf[64];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)pc);
    name = strdup(buf);
  }
  free(f.func);
  free(f.file);
  free(f.module);
  return name;
}

/* Where the record's signal landed, for converting the finding into an
 * instruction window: the interposed function the thread was inside (else
 * the one it had entered most), its count, and the pc as module + offset. */
static void ss_fill_hint(ss_symbolizer *sym, const ss_modref *mods, size_t nm,
                         const struct ss_finding *rec, ss_window_hint *h) {
  memset(h, 0, sizeof *h);
  unsigned fn = rec->interrupted;
  h->inside = fn < SS_FN_COUNT;
  if (fn >= SS_FN_COUNT) {
    uint32_t best = 0;
    for (unsigned i = 0; i < SS_FN_COUNT; i++)
      if (rec->calls[i] > best) {
        best = rec->calls[i];
        fn = i;
      }
    if (fn >= SS_FN_COUNT)
      return;
  }
  const char *name = ss_fn_name(fn);
  if (!name || !rec->calls[fn])
    return;
  h->valid = 1;
  h->inside = rec->interrupted < SS_FN_COUNT;
  h->sig = rec->sig;
  snprintf(h->fn, sizeof h->fn, "%s", name);
  h->k = rec->calls[fn];
  h->main_thread = rec->tid == rec->pid;
  uint64_t pc = rec->interrupted_pc;
  for (size_t i = 0; i < nm; i++)
    if (pc >= mods[i].lo && pc < mods[i].hi) {
      snprintf(h->module, sizeof h->module, "%s", mods[i].path);
      h->off = pc - mods[i].bias;
      ss_frame f;
      memset(&f, 0, sizeof f);
      if (ss_sym_lookup(sym, mods, nm, pc, &f) == 0 && f.func &&
          f.off <= pc - mods[i].bias)
        h->func_off = pc - f.off - mods[i].bias;
      free(f.func);
      free(f.file);
      free(f.module);
      break;
    }
}

static char *ss_sdup(const char *s) {
  return s ? strdup(s) : NULL;
}

/* A deep copy of a run's thread stacks for a finding. */
static size_t ss_threads_dup(const ss_thread_trace *src, size_t n,
                             ss_thread_trace **out) {
  *out = calloc(n, sizeof **out);
  if (!*out)
    return 0;
  for (size_t i = 0; i < n; i++) {
    ss_thread_trace *t = &(*out)[i];
    t->tid = src[i].tid;
    memcpy(t->name, src[i].name, sizeof t->name);
    t->state = src[i].state;
    t->wait = ss_sdup(src[i].wait);
    t->stack.frames = calloc(src[i].stack.n + 1, sizeof *t->stack.frames);
    if (!t->stack.frames)
      continue;
    for (size_t j = 0; j < src[i].stack.n; j++) {
      const ss_frame *a = &src[i].stack.frames[j];
      ss_frame *b = &t->stack.frames[j];
      *b = *a;
      b->func = ss_sdup(a->func);
      b->file = ss_sdup(a->file);
      b->module = ss_sdup(a->module);
    }
    t->stack.n = src[i].stack.n;
  }
  return n;
}

/* The function that made the call returning to pc, "?" when unknown. */
static void ss_caller_name(ss_symbolizer *sym, const struct ss_shm *shm,
                           int32_t pid, uint64_t pc, char *out, size_t cap) {
  ss_frame fr;
  snprintf(out, cap, "0x%llx", (unsigned long long)pc);
  if (pc && ss_collect_locate(sym, shm, pid, pc - 1, &fr) == 0 && fr.func)
    snprintf(out, cap, "%s", fr.func);
  free(fr.func);
  free(fr.file);
  free(fr.module);
}

static int ss_is_wait_frame(const char *fn) {
  return fn && (strstr(fn, "lll_lock_wait") || strstr(fn, "futex_wait") ||
                strstr(fn, "__futex_abstimed_wait"));
}

/* Below the handler's frames (towards the caller), the first function of
 * the interrupted code that is neither libc's nor the runtime's. */
static const char *ss_interrupted_user_fn(const ss_thread_trace *t,
                                          size_t tramp) {
  for (size_t i = tramp + 1; i < t->stack.n; i++) {
    const ss_frame *fr = &t->stack.frames[i];
    const char *m = fr->module ? strrchr(fr->module, '/') : NULL;
    m = m ? m + 1 : fr->module;
    if (fr->func && m && strncmp(m, "libc.so", 7) != 0 &&
        strncmp(m, "libsigstorm", 11) != 0 && strcmp(fr->func, "__restore_rt"))
      return fr->func;
  }
  return NULL;
}

/* One sentence naming the deadlock's cycle, from the runtime's lock table
 * (who holds which mutex, who waits for which) and the threads' stacks
 * (who is inside a handler, waiting where). NULL when nothing is known. */
/* Who holds mutex m: the runtime's lock table (with where it was taken),
 * else the owner glibc wrote into it when the process was stopped. */
static int ss_mutex_owner(const ss_run *run, uint64_t m,
                          const struct ss_lock **lk) {
  *lk = NULL;
  for (unsigned j = 0; j < SS_MAX_LOCKS; j++) {
    const struct ss_lock *l = &run->shm->locks[j];
    if (l->mutex == m && l->owner) {
      *lk = l;
      return l->owner;
    }
  }
  for (size_t k = 0; k < run->nglibc_owner; k++)
    if (run->glibc_owner[k].mutex == m)
      return run->glibc_owner[k].owner;
  return 0;
}

static const struct ss_waiter *ss_waiter_of(const struct ss_shm *shm, int tid) {
  for (unsigned i = 0; i < SS_MAX_WAITERS; i++)
    if (shm->waiters[i].tid == tid && shm->waiters[i].mutex)
      return &shm->waiters[i];
  return NULL;
}

static char *ss_name_cycle(ss_symbolizer *sym, const ss_run *run,
                           const ss_finding_info *f) {
  const struct ss_shm *shm = run->shm;
  char sb[24], buf[1024];
  const char *signame = f->signal ? ss_signal_name(f->signal, sb) : "signal";
  const char *handler = f->handler ? f->handler : "?";
  /* 1. mutexes: a waiter whose mutex is held (by the runtime's lock table,
   * else by the owner glibc wrote into the mutex), followed from holder to
   * what the holder waits for, until the chain closes */
  for (unsigned i = 0; i < SS_MAX_WAITERS; i++) {
    const struct ss_waiter *w = &shm->waiters[i];
    if (!w->tid || !w->mutex)
      continue;
    const struct ss_lock *l = NULL;
    int owner = ss_mutex_owner(run, w->mutex, &l);
    if (!owner)
      continue;
    char taker[128] = "?", waiter[128];
    if (l)
      ss_caller_name(sym, shm, l->pid, l->pc, taker, sizeof taker);
    ss_caller_name(sym, shm, w->pid, w->pc, waiter, sizeof waiter);
    if (owner == w->tid && l && w->depth > l->depth) {
      snprintf(buf, sizeof buf,
               "the %s handler %s on thread %d waits (in %s) for mutex "
               "0x%llx, taken in %s, which the interrupted frame of the "
               "same thread holds",
               signame, handler, w->tid, waiter, (unsigned long long)w->mutex,
               taker);
      return strdup(buf);
    }
    if (owner == w->tid && w->depth > 0 && !l) {
      snprintf(buf, sizeof buf,
               "the %s handler %s on thread %d waits (in %s) for mutex "
               "0x%llx, which the interrupted frame of the same thread holds "
               "(glibc's owner field)",
               signame, handler, w->tid, waiter, (unsigned long long)w->mutex);
      return strdup(buf);
    }
    if (owner == w->tid) {
      snprintf(buf, sizeof buf,
               "thread %d waits (in %s) for mutex 0x%llx, which it holds "
               "itself (taken in %s)",
               w->tid, waiter, (unsigned long long)w->mutex, taker);
      return strdup(buf);
    }
    size_t len = (size_t)snprintf(
        buf, sizeof buf,
        "thread %d%s%s waits (in %s) for mutex 0x%llx, held by "
        "thread %d (%s%s)",
        w->tid, w->depth ? " in the handler " : "", w->depth ? handler : "",
        waiter, (unsigned long long)w->mutex, owner,
        l ? "taken in " : "glibc's owner field", l ? taker : "");
    /* the holder's own wait, and so on */
    int seen[8] = {w->tid}, nseen = 1;
    int cur = owner;
    while (len < sizeof buf - 200 && nseen < 8) {
      const struct ss_waiter *w2 = ss_waiter_of(shm, cur);
      if (!w2)
        break;
      const struct ss_lock *l2 = NULL;
      int own2 = ss_mutex_owner(run, w2->mutex, &l2);
      char tk2[128] = "?", wt2[128];
      if (l2)
        ss_caller_name(sym, shm, l2->pid, l2->pc, tk2, sizeof tk2);
      ss_caller_name(sym, shm, w2->pid, w2->pc, wt2, sizeof wt2);
      len += (size_t)snprintf(buf + len, sizeof buf - len,
                              ", which waits (in %s) for mutex 0x%llx", wt2,
                              (unsigned long long)w2->mutex);
      if (!own2)
        break;
      len += (size_t)snprintf(
          buf + len, sizeof buf - len, ", held by thread %d (%s%s)", own2,
          l2 ? "taken in " : "glibc's owner field", l2 ? tk2 : "");
      int closed = 0;
      for (int k = 0; k < nseen; k++)
        closed |= seen[k] == own2;
      if (closed) {
        snprintf(buf + len, sizeof buf - len, ": a cycle");
        break;
      }
      seen[nseen++] = cur;
      cur = own2;
    }
    return strdup(buf);
  }
  /* 2. glibc's internal locks (stdio, malloc arenas): from the stacks */
  for (size_t i = 0; i < run->ntraces; i++) {
    const ss_thread_trace *t = &run->traces[i];
    size_t tramp = t->stack.n;
    for (size_t k = 0; k < t->stack.n; k++)
      if (t->stack.frames[k].func &&
          strcmp(t->stack.frames[k].func, "sigstorm_trampoline") == 0) {
        tramp = k;
        break;
      }
    if (tramp == t->stack.n || tramp == 0 ||
        !ss_is_wait_frame(t->stack.frames[0].func))
      continue;
    /* the lock's owner: the frame above the wait that is not a lock
     * helper (e.g. _IO_fwrite, _int_malloc) */
    const char *what = "a lock";
    for (size_t k = 1; k < tramp; k++) {
      const char *fn = t->stack.frames[k].func;
      if (!fn)
        continue;
      if (strstr(fn, "_IO_") || strstr(fn, "printf") || strstr(fn, "puts") ||
          strstr(fn, "fwrite") || strstr(fn, "fflush")) {
        what = "a stdio stream's lock";
        break;
      }
      if (strstr(fn, "malloc") || strstr(fn, "free") || strstr(fn, "arena") ||
          strstr(fn, "calloc") || strstr(fn, "realloc")) {
        what = "the malloc arena lock";
        break;
      }
    }
    const char *in = ss_interrupted_user_fn(t, tramp);
    snprintf(buf, sizeof buf,
             "the %s handler %s on thread %d waits for %s (in %s), which "
             "the interrupted frame of the same thread holds (it was "
             "interrupted in %s%s%s)",
             signame, handler, t->tid, what,
             t->stack.frames[0].func ? t->stack.frames[0].func : "?",
             f->interrupted ? f->interrupted : "?", in ? ", called from " : "",
             in ? in : "");
    return strdup(buf);
  }
  return NULL;
}

int ss_collect_locate(ss_symbolizer *sym, const struct ss_shm *shm, int32_t pid,
                      uint64_t pc, ss_frame *out) {
  static ss_modref mods[SS_MAX_MODULES];
  memset(out, 0, sizeof *out);
  out->pc = pc;
  uint32_t np = shm->nprocs < SS_MAX_PROCS ? shm->nprocs : SS_MAX_PROCS;
  int image = -1;
  for (uint32_t i = 0; i < np; i++)
    if (shm->procs[i].state == 2 && shm->procs[i].pid == pid)
      image = shm->procs[i].image;
  if (image < 0)
    return -1;
  size_t nm = ss_modules_of(shm, image, mods, SS_MAX_MODULES);
  int rc = ss_sym_lookup(sym, mods, nm, pc, out);
  if (!out->module)
    for (size_t i = 0; i < nm; i++)
      if (pc >= mods[i].lo && pc < mods[i].hi)
        out->module = strdup(mods[i].path);
  return rc;
}

static int ss_is_runtime_frame(const ss_frame *f) {
  if (!f->module)
    return 0;
  const char *b = strrchr(f->module, '/');
  b = b ? b + 1 : f->module;
  return strncmp(b, "libsigstorm", 11) == 0;
}

/* The handler side starts inside the runtime (recorder, wrapper): drop those
 * frames so #0 is the unsafe call's caller. */
static void ss_trim_runtime(ss_stack_trace *st) {
  size_t k = 0;
  while (k < st->n && ss_is_runtime_frame(&st->frames[k]))
    k++;
  if (k == 0 || k == st->n)
    return;
  for (size_t i = 0; i < k; i++) {
    free(st->frames[i].func);
    free(st->frames[i].file);
    free(st->frames[i].module);
  }
  memmove(st->frames, st->frames + k, (st->n - k) * sizeof *st->frames);
  st->n -= k;
}

static const ss_finding_info *ss_report_find(const ss_report *rep,
                                             const char *sig) {
  for (size_t i = 0; i < rep->nfindings; i++)
    if (strcmp(rep->findings[i].signature, sig) == 0)
      return &rep->findings[i];
  return NULL;
}

static const char *const ss_kind_names[] = {
    [SS_K_UNSAFE_CALL] = SS_KIND_UNSAFE_CALL,
    [SS_K_REENTRANCY] = SS_KIND_REENTRANCY,
    [SS_K_ERRNO_CLOBBER] = SS_KIND_ERRNO_CLOBBER,
};

static char *ss_dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static int ss_sig_in(char (*sigs)[17], size_t n, const char *sig) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(sigs[i], sig) == 0)
      return 1;
  return 0;
}

/* This run's runtime finding that a sanitizer's report of kind with
 * handler (NULL: unknown) and callee names too, or NULL. An unsafe call
 * matches the runtime's unsafe-call or reentrancy at the same callee (a
 * reentrancy names the handler's outer call in via: TSan sees only the
 * innermost allocator call, `malloc` for a `syslog`); an errno report the
 * runtime's errno-clobber. */
static const ss_finding_info *
ss_run_match(const ss_report *rep, char (*mine)[17], size_t nmine,
             const char *kind, const char *handler, const char *callee) {
  int unsafe = strcmp(kind, SS_KIND_UNSAFE_CALL) == 0;
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < nmine; i++) {
      const ss_finding_info *o = ss_report_find(rep, mine[i]);
      if (!o || (handler && (!o->handler || strcmp(o->handler, handler) != 0)))
        continue;
      if (unsafe && callee && o->callee && strcmp(o->callee, callee) == 0 &&
          strcmp(o->kind, pass ? SS_KIND_REENTRANCY : SS_KIND_UNSAFE_CALL) == 0)
        return o;
      if (!unsafe && strcmp(o->kind, kind) == 0)
        return o;
    }
  return NULL;
}

/* The reports in a run's stderr. When the runner dropped its middle, the
 * kept head and tail are parsed apart, so that no report is glued from
 * the two halves (a report cut at either edge is dropped). */
static long ss_san_parse_run(const ss_run *run, ss_san_report **out) {
  const char *err = run->err ? run->err : "";
  *out = NULL;
  if (!run->err_dropped || run->err_len <= SS_ERRBUF / 2)
    return ss_san_parse(err, out);
  char *head = strndup(err, SS_ERRBUF / 2);
  if (!head)
    return -1;
  ss_san_report *a = NULL, *b = NULL;
  long na = ss_san_parse(head, &a);
  free(head);
  long nb = na < 0 ? -1 : ss_san_parse(err + SS_ERRBUF / 2, &b);
  if (na < 0 || nb < 0) {
    ss_san_reports_free(a, na > 0 ? (size_t)na : 0);
    return -1;
  }
  if (nb == 0) {
    *out = a;
    return na;
  }
  ss_san_report *all = realloc(a, (size_t)(na + nb) * sizeof *all);
  if (!all) {
    ss_san_reports_free(a, (size_t)na);
    ss_san_reports_free(b, (size_t)nb);
    return -1;
  }
  memcpy(all + na, b, (size_t)nb * sizeof *b);
  free(b);
  *out = all;
  return na + nb;
}

static char *ss_take(char **s) {
  char *v = *s;
  *s = NULL;
  return v;
}

/* The sanitizers' reports in the run's stderr (sanparse.h), each a finding
 * in the model: a report that does not name the program's handler (TSan's
 * stack loses the frame that called an uninstrumented wrapper; ASan's
 * freed-by stack stops at the runtime's wrappers unless
 * fast_unwind_on_malloc=0) takes it from the runtime's record of the same
 * call in the same run, else from the run's cause, as end-of-run findings
 * do. Reports of one finding in one run count as one run. */
static int ss_collect_sanitizers(const ss_run_ctx *ctx, const ss_run *run,
                                 ss_report *rep, const ss_finding_info *cause,
                                 char (*mine)[17], size_t nmine,
                                 ss_run_summary *sum) {
  ss_san_report *sr = NULL;
  long n = ss_san_parse_run(run, &sr);
  if (n <= 0) {
    ss_san_reports_free(sr, 0);
    return (int)n;
  }
  size_t base = nmine;
  for (long i = 0; i < n; i++) {
    ss_san_report *r = &sr[i];
    ss_finding_info f;
    memset(&f, 0, sizeof f);
    f.kind = strdup(r->kind);
    f.handler = ss_take(&r->handler);
    f.callee = ss_take(&r->callee);
    f.interrupted = ss_take(&r->interrupted);
    int unsafe = strcmp(r->kind, SS_KIND_UNSAFE_CALL) == 0;
    int errno_k = strcmp(r->kind, SS_KIND_ERRNO_CLOBBER) == 0;
    int crash = strcmp(r->kind, SS_KIND_CRASH) == 0;
    int heap = strcmp(r->kind, SS_KIND_HEAP_CORRUPTION) == 0;
    const ss_finding_info *m = NULL;
    if (unsafe || errno_k)
      m = ss_run_match(rep, mine, base, r->kind, f.handler, f.callee);
    if (m) {
      if (!f.handler)
        f.handler = ss_dup_or_null(m->handler);
      if (unsafe && m->via) {
        free(f.callee);
        f.callee = strdup(m->via);
      }
      f.signal = m->signal;
    } else if (cause &&
               (crash || ((heap || unsafe || errno_k) && !f.handler))) {
      /* as the end-of-run kinds: the run's likely cause */
      free(f.handler);
      f.handler = ss_dup_or_null(cause->handler);
      if (crash || heap) {
        free(f.callee);
        free(f.interrupted);
        f.callee = ss_dup_or_null(cause->callee);
        f.interrupted = ss_dup_or_null(cause->interrupted);
      }
    }
    if (!f.signal && cause && f.handler && cause->handler &&
        strcmp(f.handler, cause->handler) == 0)
      f.signal = cause->signal;
    if (errno_k) {
      free(f.callee);
      f.callee = NULL;
    }
    f.handler_stack = r->handler_stack;
    f.interrupted_stack = r->interrupted_stack;
    memset(&r->handler_stack, 0, sizeof r->handler_stack);
    memset(&r->interrupted_stack, 0, sizeof r->interrupted_stack);
    f.sanitizer = ss_dup_or_null(ctx->sanitizer);
    f.seed = ctx->sched->seed;
    f.schedule = ss_dup_or_null(ctx->sched_text);
    f.first_run = ctx->run_index;
    f.pid = run->pid < 0 ? -run->pid : run->pid;
    if (unsafe || errno_k || strcmp(r->kind, SS_KIND_DATA_RACE) == 0) {
      ss_signature(f.kind, f.handler, f.callee, f.interrupted, f.signature);
    } else {
      char *masked = ss_mask_detail(r->key);
      ss_signature(f.kind, f.handler, f.callee, masked, f.signature);
      free(masked);
    }
    /* already counted in this run (the runtime's own finding, or an
     * earlier report): only the detector and its line join it */
    int seen = ss_sig_in(mine, nmine, f.signature);
    f.count = seen && ss_sig_in(mine, base, f.signature) ? 0 : 1;
    f.runs = seen ? 0 : 1;
    if (!seen) {
      if (nmine < SS_MAX_FINDINGS)
        memcpy(mine[nmine++], f.signature, 17);
      sum->findings++;
    }
    if (!f.kind || ss_finding_seen_by(&f, r->detector, r->detail) < 0 ||
        ss_report_add(rep, &f) < 0) {
      ss_finding_free(&f);
      ss_san_reports_free(sr, (size_t)n);
      return -1;
    }
  }
  ss_san_reports_free(sr, (size_t)n);
  return 0;
}

int ss_collect_run(const ss_run_ctx *ctx, const ss_run *run, ss_report *rep,
                   ss_run_summary *sum) {
  const struct ss_shm *shm = run->shm;
  memset(sum, 0, sizeof *sum);
  sum->fired = shm->signals_fired;
  sum->handled = shm->signals_handled;
  sum->attached = shm->nprocs > 0;
  sum->violations = shm->runtime_violations;
  sum->dropped =
      shm->findings_dropped + shm->modules_dropped + shm->procs_dropped;
  static ss_modref mods[SS_MAX_MODULES];
  /* the first reentrancy (else the first unsafe call) of the run explains a
   * crash, hang or corruption that follows */
  const ss_finding_info *cause = NULL;
  char cause_sig[17] = "";
  static char mine[SS_MAX_FINDINGS][17]; /* this run's signatures */
  size_t nmine = 0;
  int cause_is_reentrancy = 0;
  uint32_t nf =
      shm->nfindings < SS_MAX_FINDINGS ? shm->nfindings : SS_MAX_FINDINGS;
  for (uint32_t i = 0; i < nf; i++) {
    const struct ss_finding *rec = &shm->findings[i];
    if (rec->state != 2 || rec->kind < SS_K_UNSAFE_CALL ||
        rec->kind > SS_K_ERRNO_CLOBBER)
      continue;
    size_t nm = ss_modules_of(shm, rec->proc, mods, SS_MAX_MODULES);
    ss_finding_info f;
    memset(&f, 0, sizeof f);
    f.kind = strdup(ss_kind_names[rec->kind]);
    f.signal = rec->sig;
    f.handler = ss_sym_name(ctx->sym, mods, nm, rec->handler);
    f.callee = ss_dup_or_null(ss_fn_display(rec->callee));
    if (rec->via != rec->callee)
      f.via = ss_dup_or_null(ss_fn_display(rec->via));
    if (rec->kind == SS_K_REENTRANCY)
      f.interrupted = ss_dup_or_null(ss_fn_display(rec->interrupted));
    else
      f.interrupted = ss_sym_name(ctx->sym, mods, nm, rec->interrupted_pc);
    if (rec->kind == SS_K_ERRNO_CLOBBER) {
      char buf[128];
      snprintf(buf, sizeof buf,
               "errno was %d when the handler began, %d when "
               "it returned",
               rec->errno_before, rec->errno_after);
      f.detail = strdup(buf);
    }
    f.count = rec->count;
    f.runs = 1;
    f.detectors = SS_DET_BIT(SS_DET_SIGSTORM);
    f.sanitizer = ss_dup_or_null(ctx->sanitizer);
    f.seed = ctx->sched->seed;
    f.schedule = ss_dup_or_null(ctx->sched_text);
    f.first_run = ctx->run_index;
    f.pid = rec->pid;
    f.tid = rec->tid;
    ss_signature(f.kind, f.handler, f.callee, f.interrupted, f.signature);
    ss_fill_hint(ctx->sym, mods, nm, rec, &f.hint);
    const ss_finding_info *old = ss_report_find(rep, f.signature);
    if (!old || old->handler_stack.n == 0) {
      if (rec->handler_regs.arch) {
        ss_sym_unwind(ctx->sym, mods, nm, &rec->handler_regs,
                      &rec->handler_stack, "sigstorm_trampoline", 64,
                      &f.handler_stack);
        ss_trim_runtime(&f.handler_stack);
      }
      if (rec->intr_regs.arch)
        ss_sym_unwind(ctx->sym, mods, nm, &rec->intr_regs, &rec->intr_stack,
                      NULL, 64, &f.interrupted_stack);
    }
    /* a reentrancy explains what follows better than an unsafe call */
    if (rec->kind == SS_K_REENTRANCY && !cause_is_reentrancy) {
      memcpy(cause_sig, f.signature, sizeof cause_sig);
      cause_is_reentrancy = 1;
    } else if (rec->kind == SS_K_UNSAFE_CALL && !cause_sig[0]) {
      memcpy(cause_sig, f.signature, sizeof cause_sig);
    }
    if (nmine < SS_MAX_FINDINGS)
      memcpy(mine[nmine++], f.signature, 17);
    if (ss_report_add(rep, &f) < 0)
      return -1;
    sum->findings++;
  }
  if (cause_sig[0])
    cause = ss_report_find(rep, cause_sig);
  if (ss_collect_sanitizers(ctx, run, rep, cause, mine, nmine, sum) < 0)
    return -1;

  char *kind, *detail;
  if (ss_classify_end(run, ctx->sched, &kind, &detail)) {
    ss_finding_info f;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    f.detail = detail;
    if (cause) {
      f.hint = cause->hint;
      f.signal = cause->signal;
      f.handler = ss_dup_or_null(cause->handler);
      f.callee = ss_dup_or_null(cause->callee);
      f.interrupted = ss_dup_or_null(cause->interrupted);
    }
    f.count = 1;
    f.runs = 1;
    f.sanitizer = ss_dup_or_null(ctx->sanitizer);
    f.seed = ctx->sched->seed;
    f.schedule = ss_dup_or_null(ctx->sched_text);
    f.first_run = ctx->run_index;
    f.pid = run->pid < 0 ? -run->pid : run->pid;
    /* glibc's malloc checks printed it (in the heap check: both), else the
     * runtime or the watchdog */
    int heap = strcmp(kind, SS_KIND_HEAP_CORRUPTION) == 0;
    int checked = heap && strstr(detail, "sigstorm's heap check") != NULL;
    int glibc = heap && strncmp(detail, "walking glibc", 13) != 0;
    if ((checked && ss_finding_seen_by(&f, SS_DET_HEAPCHECK, detail) < 0) ||
        ((!checked || glibc) &&
         ss_finding_seen_by(&f, glibc ? SS_DET_GLIBC : SS_DET_SIGSTORM,
                            detail) < 0)) {
      ss_finding_free(&f);
      return -1;
    }
    if (run->ntraces && (strcmp(kind, SS_KIND_DEADLOCK) == 0 ||
                         strcmp(kind, SS_KIND_HANG) == 0))
      f.nthreads = ss_threads_dup(run->traces, run->ntraces, &f.threads);
    if (strcmp(kind, SS_KIND_DEADLOCK) == 0)
      f.cycle = ss_name_cycle(ctx->sym, run, &f);
    /* a deadlock is its handler and call, however many threads it caught;
     * a hang also where it spins */
    char *masked = strcmp(kind, SS_KIND_DEADLOCK) == 0 ? strdup("")
                   : strcmp(kind, SS_KIND_HANG) == 0   ? ss_spin_func(run)
                                                       : ss_mask_detail(detail);
    ss_signature(f.kind, f.handler, f.callee, masked, f.signature);
    free(masked);
    if (ss_report_add(rep, &f) < 0)
      return -1;
    sum->findings++;
  }
  return 0;
}
