/* symbolize.c: offline symbolization and unwinding with elfutils' libdwfl.
 *
 * Lookups use one Dwfl per ELF file, the file reported at bias 0, so a pc
 * is looked up as pc - bias whatever the run's address layout was: a
 * campaign opens each file (and its separate debuginfo) once. Unwinding
 * needs every module at its real address, so it builds a Dwfl per module
 * set (a few are cached: findings of one run share one) and attaches a
 * thread state whose registers and memory come from the runtime's record.
 */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SS_UNWIND_CACHE 4

struct ss_file {
  char *path;
  Dwfl *dwfl; /* NULL when the file could not be opened */
  Dwfl_Module *mod;
};

struct ss_unwinder {
  uint64_t key; /* hash of the module set, 0 = empty slot */
  Dwfl *dwfl;
  int attached;
  uint64_t last_use;
};

/* What the thread callbacks read: set before each unwind. */
struct ss_uctx {
  const struct ss_regs *regs;
  const struct ss_stack *stack;
};

struct ss_symbolizer {
  struct ss_file *files;
  size_t nfiles, cap;
  struct ss_unwinder unw[SS_UNWIND_CACHE];
  struct ss_uctx uctx;
  uint64_t clock;
};

static char *ss_debuginfo_path;
static const Dwfl_Callbacks ss_offline_cb = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &ss_debuginfo_path,
};

ss_symbolizer *ss_sym_new(void) {
  return calloc(1, sizeof(ss_symbolizer));
}

void ss_sym_free(ss_symbolizer *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->nfiles; i++) {
    if (s->files[i].dwfl)
      dwfl_end(s->files[i].dwfl);
    free(s->files[i].path);
  }
  free(s->files);
  for (int i = 0; i < SS_UNWIND_CACHE; i++)
    if (s->unw[i].dwfl)
      dwfl_end(s->unw[i].dwfl);
  free(s);
}

static struct ss_file *ss_file_get(ss_symbolizer *s, const char *path) {
  for (size_t i = 0; i < s->nfiles; i++)
    if (strcmp(s->files[i].path, path) == 0)
      return &s->files[i];
  if (s->nfiles == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    struct ss_file *nf = realloc(s->files, cap * sizeof *nf);
    if (!nf)
      return NULL;
    s->files = nf;
    s->cap = cap;
  }
  struct ss_file *f = &s->files[s->nfiles];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (!f->path)
    return NULL;
  s->nfiles++;
  f->dwfl = dwfl_begin(&ss_offline_cb);
  if (f->dwfl) {
    dwfl_report_begin(f->dwfl);
    const char *base = strrchr(path, '/');
    f->mod =
        dwfl_report_elf(f->dwfl, base ? base + 1 : path, path, -1, 0, false);
    dwfl_report_end(f->dwfl, NULL, NULL);
    if (!f->mod) {
      dwfl_end(f->dwfl);
      f->dwfl = NULL;
    }
  }
  return f;
}

static const ss_modref *ss_mod_of(const ss_modref *mods, size_t n,
                                  uint64_t pc) {
  for (size_t i = 0; i < n; i++)
    if (pc >= mods[i].lo && pc < mods[i].hi)
      return &mods[i];
  return NULL;
}

/* lookup_pc: the pc to look up (pc - 1 for a return address). */
static int ss_lookup_at(ss_symbolizer *s, const ss_modref *mods, size_t nmods,
                        uint64_t pc, uint64_t lookup_pc, ss_frame *out) {
  memset(out, 0, sizeof *out);
  out->pc = pc;
  const ss_modref *m = ss_mod_of(mods, nmods, lookup_pc);
  if (!m)
    return -1;
  out->module = strdup(m->path);
  struct ss_file *f = ss_file_get(s, m->path);
  if (!f || !f->dwfl)
    return -1;
  Dwarf_Addr rel = lookup_pc - m->bias;
  Dwfl_Module *mod = f->mod;
  GElf_Off off = 0;
  GElf_Sym sym;
  const char *name =
      dwfl_module_addrinfo(mod, rel, &off, &sym, NULL, NULL, NULL);
  Dwfl_Line *line = dwfl_module_getsrc(mod, rel);
  if (line) {
    int lineno = 0;
    const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
    if (file && lineno > 0) {
      out->file = strdup(file);
      out->line = lineno;
    }
  }
  if (!name)
    return -1;
  out->func = strdup(name);
  out->off = off + (pc - lookup_pc);
  return 0;
}

int ss_sym_lookup(ss_symbolizer *s, const ss_modref *mods, size_t nmods,
                  uint64_t pc, ss_frame *out) {
  return ss_lookup_at(s, mods, nmods, pc, pc, out);
}

/* ---- unwinding --------------------------------------------------------------
 */

static pid_t ss_next_thread(Dwfl *dwfl, void *arg, void **thread_argp) {
  (void)dwfl;
  if (*thread_argp)
    return 0;
  *thread_argp = arg;
  return 1;
}

static bool ss_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
                           void *arg) {
  (void)dwfl;
  const struct ss_uctx *u = arg;
  const struct ss_stack *st = u->stack;
  if (!st || st->len < sizeof(Dwarf_Word) || addr < st->base ||
      addr - st->base > st->len - sizeof(Dwarf_Word))
    return false; /* outside the copy (written so that nothing wraps) */
  memcpy(result, st->bytes + (addr - st->base), sizeof *result);
  return true;
}

static bool ss_set_initial_registers(Dwfl_Thread *thread, void *arg) {
  const struct ss_uctx *u = arg;
  const struct ss_regs *r = u->regs;
  Dwarf_Word regs[SS_NREGS];
  if (r->arch != 62 || r->nregs < 17)
    return false;
  for (int i = 0; i < 17; i++)
    regs[i] = r->r[i];
  if (!dwfl_thread_state_registers(thread, 0, 17, regs))
    return false;
  dwfl_thread_state_register_pc(thread, r->r[16]);
  return true;
}

static const Dwfl_Thread_Callbacks ss_thread_cb = {
    .next_thread = ss_next_thread,
    .memory_read = ss_memory_read,
    .set_initial_registers = ss_set_initial_registers,
};

static uint64_t ss_modset_key(const ss_modref *mods, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    for (const char *p = mods[i].path; *p; p++)
      h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    h = (h ^ mods[i].bias) * 0x100000001b3ull;
  }
  return h ? h : 1;
}

static Dwfl *ss_unwinder_get(ss_symbolizer *s, const ss_modref *mods,
                             size_t n) {
  uint64_t key = ss_modset_key(mods, n);
  struct ss_unwinder *slot = &s->unw[0];
  for (int i = 0; i < SS_UNWIND_CACHE; i++) {
    if (s->unw[i].key == key && s->unw[i].dwfl) {
      s->unw[i].last_use = ++s->clock;
      return s->unw[i].attached ? s->unw[i].dwfl : NULL;
    }
    if (s->unw[i].last_use < slot->last_use)
      slot = &s->unw[i];
  }
  if (slot->dwfl)
    dwfl_end(slot->dwfl);
  memset(slot, 0, sizeof *slot);
  slot->key = key;
  slot->last_use = ++s->clock;
  slot->dwfl = dwfl_begin(&ss_offline_cb);
  if (!slot->dwfl)
    return NULL;
  dwfl_report_begin(slot->dwfl);
  for (size_t i = 0; i < n; i++) {
    const char *base = strrchr(mods[i].path, '/');
    dwfl_report_elf(slot->dwfl, base ? base + 1 : mods[i].path, mods[i].path,
                    -1, mods[i].bias, false);
  }
  dwfl_report_end(slot->dwfl, NULL, NULL);
  slot->attached =
      dwfl_attach_state(slot->dwfl, NULL, 1, &ss_thread_cb, &s->uctx);
  return slot->attached ? slot->dwfl : NULL;
}

struct ss_walk {
  ss_symbolizer *s;
  const ss_modref *mods;
  size_t nmods;
  const char *stop_at;
  size_t max;
  ss_stack_trace *out;
  size_t cap;
  int stopped;
};

static int ss_push(struct ss_walk *w, const ss_frame *f) {
  if (w->out->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 16;
    ss_frame *nf = realloc(w->out->frames, cap * sizeof *nf);
    if (!nf)
      return -1;
    w->out->frames = nf;
    w->cap = cap;
  }
  w->out->frames[w->out->n++] = *f;
  return 0;
}

static int ss_frame_cb(Dwfl_Frame *state, void *arg) {
  struct ss_walk *w = arg;
  Dwarf_Addr pc;
  bool activation = false;
  if (!dwfl_frame_pc(state, &pc, &activation))
    return DWARF_CB_ABORT;
  ss_frame f;
  ss_lookup_at(w->s, w->mods, w->nmods, pc, activation ? pc : pc - 1, &f);
  if (w->stop_at && f.func && strcmp(f.func, w->stop_at) == 0) {
    free(f.func);
    free(f.file);
    free(f.module);
    w->stopped = 1;
    return DWARF_CB_ABORT;
  }
  if (ss_push(w, &f) < 0) {
    free(f.func);
    free(f.file);
    free(f.module);
    return DWARF_CB_ABORT;
  }
  return w->out->n >= w->max ? DWARF_CB_ABORT : DWARF_CB_OK;
}

size_t ss_sym_unwind(ss_symbolizer *s, const ss_modref *mods, size_t nmods,
                     const struct ss_regs *regs, const struct ss_stack *stack,
                     const char *stop_at, size_t max, ss_stack_trace *out) {
  out->frames = NULL;
  out->n = 0;
  struct ss_walk w = {s, mods, nmods, stop_at, max ? max : 64, out, 0, 0};
  uint64_t pc = regs->arch == 62    ? regs->r[16]
                : regs->arch == 183 ? regs->r[32]
                                    : 0;
  if (!pc)
    return 0;
  Dwfl *dwfl = regs->arch == 62 ? ss_unwinder_get(s, mods, nmods) : NULL;
  if (dwfl) {
    s->uctx.regs = regs;
    s->uctx.stack = stack;
    dwfl_getthread_frames(dwfl, 1, ss_frame_cb, &w);
    s->uctx.regs = NULL;
    s->uctx.stack = NULL;
  }
  if (out->n == 0 && !w.stopped) { /* at least the pc itself */
    ss_frame f;
    ss_lookup_at(s, mods, nmods, pc, pc, &f);
    if (ss_push(&w, &f) < 0) {
      free(f.func);
      free(f.file);
      free(f.module);
    }
  }
  return out->n;
}

/* ---- live processes ------------------------------------------------------
 */
static const Dwfl_Callbacks ss_live_cb = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &ss_debuginfo_path,
};

struct ss_live {
  Dwfl *dwfl;
  size_t max;
  ss_thread_trace *v;
  size_t n, cap;
};

static int ss_live_frame(Dwfl_Frame *state, void *arg) {
  struct ss_live *l = arg;
  ss_thread_trace *t = &l->v[l->n - 1];
  if (t->stack.n >= l->max)
    return DWARF_CB_ABORT;
  Dwarf_Addr pc;
  bool activation;
  if (!dwfl_frame_pc(state, &pc, &activation))
    return DWARF_CB_ABORT;
  /* a return address points after the call: look up the call itself */
  Dwarf_Addr look = activation ? pc : pc - 1;
  ss_frame f;
  memset(&f, 0, sizeof f);
  f.pc = pc;
  Dwfl_Module *m = dwfl_addrmodule(l->dwfl, look);
  if (m) {
    const char *mname =
        dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    if (mname)
      f.module = strdup(mname);
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *fn =
        dwfl_module_addrinfo(m, look, &off, &sym, NULL, NULL, NULL);
    if (fn) {
      f.func = strdup(fn);
      f.off = off + (pc - look);
    }
    Dwfl_Line *line = dwfl_module_getsrc(m, look);
    int ln = 0;
    const char *file =
        line ? dwfl_lineinfo(line, NULL, &ln, NULL, NULL, NULL) : NULL;
    if (file) {
      f.file = strdup(file);
      f.line = ln;
    }
  }
  ss_frame *nf = realloc(t->stack.frames, (t->stack.n + 1) * sizeof *nf);
  if (!nf) {
    free(f.func);
    free(f.file);
    free(f.module);
    return DWARF_CB_ABORT;
  }
  t->stack.frames = nf;
  t->stack.frames[t->stack.n++] = f;
  return DWARF_CB_OK;
}

static void ss_live_describe(pid_t pid, ss_thread_trace *t) {
  char p[96], buf[512];
  snprintf(p, sizeof p, "/proc/%d/task/%d/comm", (int)pid, t->tid);
  FILE *f = fopen(p, "re");
  if (f) {
    if (fgets(buf, sizeof buf, f)) {
      buf[strcspn(buf, "\n")] = '\0';
      snprintf(t->name, sizeof t->name, "%.15s", buf);
    }
    fclose(f);
  }
  t->state = '?';
  snprintf(p, sizeof p, "/proc/%d/task/%d/stat", (int)pid, t->tid);
  f = fopen(p, "re");
  if (f) {
    if (fgets(buf, sizeof buf, f)) {
      char *rp = strrchr(buf, ')');
      if (rp && rp[1] && rp[2])
        t->state = rp[2];
    }
    fclose(f);
  }
}

static int ss_live_thread(Dwfl_Thread *thread, void *arg) {
  struct ss_live *l = arg;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    ss_thread_trace *nv = realloc(l->v, cap * sizeof *nv);
    if (!nv)
      return DWARF_CB_ABORT;
    l->v = nv;
    l->cap = cap;
  }
  ss_thread_trace *t = &l->v[l->n++];
  memset(t, 0, sizeof *t);
  t->tid = (int)dwfl_thread_tid(thread);
  dwfl_thread_getframes(thread, ss_live_frame, l);
  return DWARF_CB_OK;
}

int ss_sym_live_threads(pid_t pid, size_t max, ss_thread_trace **out) {
  *out = NULL;
  struct ss_live l = {.max = max};
  /* state and comm first: attaching stops the threads */
  l.dwfl = dwfl_begin(&ss_live_cb);
  if (!l.dwfl)
    return -1;
  if (dwfl_linux_proc_report(l.dwfl, pid) != 0 ||
      dwfl_report_end(l.dwfl, NULL, NULL) != 0 ||
      dwfl_linux_proc_attach(l.dwfl, pid, false) != 0) {
    dwfl_end(l.dwfl);
    return -1;
  }
  dwfl_getthreads(l.dwfl, ss_live_thread, &l);
  for (size_t i = 0; i < l.n; i++)
    ss_live_describe(pid, &l.v[i]);
  dwfl_end(l.dwfl); /* detaches */
  *out = l.v;
  return (int)l.n;
}
