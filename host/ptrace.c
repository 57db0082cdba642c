/* ptrace.c: the out-of-process injector (see ptrace.h). */
#include "ptrace.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "util.h"

#if defined(__x86_64__)

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

#define SS_PT_MAX_THREADS 1024

typedef struct ss_bp {
  uint64_t addr;
  uint8_t orig;
  int planted;
  /* the first instruction, when simple enough to do by hand (a hit then
   * costs no lift-step-plant round trip): 0 none, 1 endbr64, 2 push reg */
  int emu;
  int emu_reg; /* push: 0..15 (rax rcx rdx rbx rsp rbp rsi rdi r8..r15) */
  int emu_len;
} ss_bp;

typedef struct ss_thr {
  pid_t tid;
  uint64_t skip_pc; /* a trap here is the resumption, not an entry */
  int foreign;      /* a fork/vfork child: not ours to count */
  int vfork;        /* shares our memory until it execs */
} ss_thr;

typedef struct ss_tracer {
  pid_t pid;
  int memfd; /* /proc/PID/mem */
  ss_pt_plan *plan;
  ss_bp bp[SS_PT_MAX_WINDOWS];
  size_t nbp;
  int wbp[SS_PT_MAX_WINDOWS]; /* window -> bp index */
  ss_thr thr[SS_PT_MAX_THREADS];
  size_t nthr;
  int proc_idx; /* the target's entry in the segment's procs[], -1 unknown */
  struct ss_shm *shm;
  size_t ndone;
  uint64_t stop_lo, stop_hi; /* the plan's stop range, absolute */
  uint64_t func_lo, func_hi; /* scan: the function range, absolute */
  int ended;                 /* the process is gone; status below */
  int status;
} ss_tracer;

/* ---- memory and registers ---------------------------------------------- */

static int ss_peek8(int memfd, uint64_t a, uint8_t *b) {
  return pread(memfd, b, 1, (off_t)a) == 1 ? 0 : -1;
}
static int ss_poke8(int memfd, uint64_t a, uint8_t b) {
  return pwrite(memfd, &b, 1, (off_t)a) == 1 ? 0 : -1;
}

static uint64_t ss_getpc(pid_t t) {
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, t, 0, &r) < 0)
    return 0;
  return r.rip;
}
static uint64_t ss_getsp(pid_t t) {
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, t, 0, &r) < 0)
    return 0;
  return r.rsp;
}
static int ss_setpc(pid_t t, uint64_t pc) {
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, t, 0, &r) < 0)
    return -1;
  r.rip = pc;
  return ptrace(PTRACE_SETREGS, t, 0, &r) < 0 ? -1 : 0;
}

static uint64_t ss_reg(const struct user_regs_struct *r, int i) {
  const unsigned long long v[16] = {
      r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
      r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
  return v[i & 15];
}

/* Executes the breakpointed instruction at addr by hand (thread stopped
 * there or just after its int3). 0 done, -1 not possible. */
static int ss_emulate(int memfd, pid_t t, uint64_t addr, int emu, int reg,
                      int len) {
  if (!emu)
    return -1;
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, t, 0, &r) < 0)
    return -1;
  if (emu == 2) {
    uint64_t v = ss_reg(&r, reg);
    if (pwrite(memfd, &v, 8, (off_t)(r.rsp - 8)) != 8)
      return -1;
    r.rsp -= 8;
  }
  r.rip = addr + (uint64_t)len;
  return ptrace(PTRACE_SETREGS, t, 0, &r) < 0 ? -1 : 0;
}

/* ---- threads ---------------------------------------------------------------
 */
static ss_thr *ss_thr_find(ss_tracer *tr, pid_t tid) {
  for (size_t i = 0; i < tr->nthr; i++)
    if (tr->thr[i].tid == tid)
      return &tr->thr[i];
  return NULL;
}
static ss_thr *ss_thr_add(ss_tracer *tr, pid_t tid) {
  ss_thr *t = ss_thr_find(tr, tid);
  if (t)
    return t;
  if (tr->nthr >= SS_PT_MAX_THREADS)
    return NULL;
  t = &tr->thr[tr->nthr++];
  memset(t, 0, sizeof *t);
  t->tid = tid;
  return t;
}
static void ss_thr_del(ss_tracer *tr, pid_t tid) {
  for (size_t i = 0; i < tr->nthr; i++)
    if (tr->thr[i].tid == tid) {
      tr->thr[i] = tr->thr[--tr->nthr];
      return;
    }
}

static int ss_thread_matches(const ss_tracer *tr, pid_t tid, const char *want) {
  if (!want)
    return 1;
  if (strcmp(want, "main") == 0)
    return tid == tr->pid;
  char p[64], comm[32];
  snprintf(p, sizeof p, "/proc/%d/task/%d/comm", (int)tr->pid, (int)tid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, comm, sizeof comm - 1);
  close(fd);
  if (n <= 0)
    return 0;
  comm[n] = '\0';
  comm[strcspn(comm, "\n")] = '\0';
  return strcmp(comm, want) == 0;
}

/* ---- breakpoints -------------------------------------------------------- */
static ss_bp *ss_bp_at(ss_tracer *tr, uint64_t a) {
  for (size_t i = 0; i < tr->nbp; i++)
    if (tr->bp[i].addr == a)
      return &tr->bp[i];
  return NULL;
}
static int ss_bp_plant(ss_tracer *tr, ss_bp *b) {
  if (b->planted)
    return 0;
  static const uint8_t endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
  uint8_t ins[4];
  b->emu = 0;
  if (pread(tr->memfd, ins, 4, (off_t)b->addr) == 4) {
    if (memcmp(ins, endbr64, 4) == 0) {
      b->emu = 1;
      b->emu_len = 4;
    } else if (ins[0] >= 0x50 && ins[0] <= 0x57) {
      b->emu = 2;
      b->emu_reg = ins[0] - 0x50;
      b->emu_len = 1;
    } else if (ins[0] == 0x41 && ins[1] >= 0x50 && ins[1] <= 0x57) {
      b->emu = 2;
      b->emu_reg = 8 + ins[1] - 0x50;
      b->emu_len = 2;
    }
  }
  if (ss_peek8(tr->memfd, b->addr, &b->orig) < 0 ||
      ss_poke8(tr->memfd, b->addr, 0xcc) < 0)
    return -1;
  b->planted = 1;
  return 0;
}
static void ss_bp_lift(ss_tracer *tr, ss_bp *b) {
  if (b->planted && ss_poke8(tr->memfd, b->addr, b->orig) == 0)
    b->planted = 0;
}

/* Removes the breakpoints from a fork child's copy of our memory. */
static void ss_bp_clean_child(ss_tracer *tr, pid_t child) {
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/mem", (int)child);
  int fd = open(p, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return;
  for (size_t i = 0; i < tr->nbp; i++)
    if (tr->bp[i].planted)
      ss_poke8(fd, tr->bp[i].addr, tr->bp[i].orig);
  close(fd);
}

/* ---- symbols ------------------------------------------------------------
 */
static const Dwfl_Callbacks ss_pt_cb = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

struct ss_symq {
  const char *module, *func, *exe;
  int pass;     /* 0: exe, 1: libraries */
  int local_ok; /* accept STB_LOCAL */
  uint64_t addr;
  char path[256];
  int ifunc;
  int module_seen;
};

static const char *ss_base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static int ss_symq_mod(Dwfl_Module *m, void **ud, const char *name,
                       Dwarf_Addr lo, void *arg) {
  (void)ud;
  (void)lo;
  struct ss_symq *q = arg;
  if (!name)
    return DWARF_CB_OK;
  int is_exe = q->exe && strcmp(name, q->exe) == 0;
  if (q->module) {
    if (strcmp(name, q->module) != 0 && strcmp(ss_base(name), q->module) != 0)
      return DWARF_CB_OK;
    q->module_seen = 1;
  } else {
    if (q->pass == 0 && !is_exe)
      return DWARF_CB_OK;
    if (q->pass == 1 && is_exe)
      return DWARF_CB_OK;
    if (strncmp(ss_base(name), "libsigstorm", 11) == 0)
      return DWARF_CB_OK; /* ours: never a user's function */
  }
  int n = dwfl_module_getsymtab(m);
  for (int i = 1; i < n; i++) {
    GElf_Sym sym;
    GElf_Addr addr;
    const char *sn =
        dwfl_module_getsym_info(m, i, &sym, &addr, NULL, NULL, NULL);
    /* the debug file's symtab names versioned symbols func@@GLIBC_x (the
     * default) or func@GLIBC_x (an old one): take the plain name or the
     * default version */
    size_t fl = strlen(q->func);
    if (!sn || strncmp(sn, q->func, fl) != 0 ||
        (sn[fl] && strncmp(sn + fl, "@@", 2) != 0) ||
        sym.st_shndx == SHN_UNDEF || addr == 0)
      continue;
    int type = GELF_ST_TYPE(sym.st_info);
    int bind = GELF_ST_BIND(sym.st_info);
    if (type == STT_GNU_IFUNC) {
      q->ifunc = 1;
      continue;
    }
    if (type != STT_FUNC)
      continue;
    if (bind == STB_LOCAL && !q->local_ok)
      continue;
    q->addr = addr;
    snprintf(q->path, sizeof q->path, "%s", name);
    return DWARF_CB_ABORT;
  }
  return DWARF_CB_OK;
}

/* Resolutions are cached by (exe, module, func) as (module path, offset
 * from the module's lowest mapping): loading glibc's debuginfo for every
 * window of a sweep would cost more than the run. */
#define SS_RCACHE 32
static struct ss_rcache {
  char key[768];
  char path[256];
  uint64_t off;
} ss_rcache[SS_RCACHE];
static size_t ss_nrcache;

/* Lowest address at which path is mapped in pid, 0 when not mapped. */
static uint64_t ss_map_base(pid_t pid, const char *path_given) {
  /* maps shows the canonical path (/usr/lib/... where the loader said
   * /lib/...) */
  char canon[4096];
  const char *path = realpath(path_given, canon) ? canon : path_given;
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(p, "re");
  if (!f)
    return 0;
  char line[4096];
  uint64_t base = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long long lo;
    int pos = 0;
    if (sscanf(line, "%llx-%*x %*s %*x %*x:%*x %*u %n", &lo, &pos) < 1 || !pos)
      continue;
    char *name = line + pos;
    name[strcspn(name, "\n")] = '\0';
    if (strcmp(name, path) == 0 && (!base || lo < base))
      base = lo;
  }
  fclose(f);
  return base;
}

static int ss_pt_resolve_uncached(pid_t pid, const char *module,
                                  const char *func, uint64_t *addr,
                                  char *modpath, size_t modcap, char *err,
                                  size_t errlen);

int ss_pt_resolve(pid_t pid, const char *module, const char *func,
                  uint64_t *addr, char *modpath, size_t modcap, char *err,
                  size_t errlen) {
  char lp[64], exe[512];
  snprintf(lp, sizeof lp, "/proc/%d/exe", (int)pid);
  ssize_t el = readlink(lp, exe, sizeof exe - 1);
  exe[el > 0 ? el : 0] = '\0';
  char key[768];
  snprintf(key, sizeof key, "%s|%s|%s", exe, module ? module : "", func);
  for (size_t i = 0; i < ss_nrcache; i++)
    if (strcmp(ss_rcache[i].key, key) == 0) {
      uint64_t base = ss_map_base(pid, ss_rcache[i].path);
      if (!base)
        break;
      *addr = base + ss_rcache[i].off;
      snprintf(modpath, modcap, "%s", ss_rcache[i].path);
      return 0;
    }
  if (ss_pt_resolve_uncached(pid, module, func, addr, modpath, modcap, err,
                             errlen) < 0)
    return -1;
  uint64_t base = ss_map_base(pid, modpath);
  if (base && *addr >= base) {
    struct ss_rcache *c =
        &ss_rcache[ss_nrcache < SS_RCACHE ? ss_nrcache++ : SS_RCACHE - 1];
    snprintf(c->key, sizeof c->key, "%s", key);
    snprintf(c->path, sizeof c->path, "%s", modpath);
    c->off = *addr - base;
  }
  return 0;
}

static int ss_pt_resolve_uncached(pid_t pid, const char *module,
                                  const char *func, uint64_t *addr,
                                  char *modpath, size_t modcap, char *err,
                                  size_t errlen) {
  Dwfl *d = dwfl_begin(&ss_pt_cb);
  if (!d) {
    snprintf(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
    return -1;
  }
  if (dwfl_linux_proc_report(d, pid) != 0 ||
      dwfl_report_end(d, NULL, NULL) != 0) {
    snprintf(err, errlen, "cannot read the modules of process %d: %s", (int)pid,
             dwfl_errmsg(-1));
    dwfl_end(d);
    return -1;
  }
  char exe[4096];
  char lp[64];
  snprintf(lp, sizeof lp, "/proc/%d/exe", (int)pid);
  ssize_t el = readlink(lp, exe, sizeof exe - 1);
  exe[el > 0 ? el : 0] = '\0';
  struct ss_symq q = {.module = module, .func = func, .exe = exe};
  /* globals in the exe, then in the libraries; then locals the same way */
  for (int local = 0; local < 2 && !q.addr; local++)
    for (int pass = 0; pass < (module ? 1 : 2) && !q.addr; pass++) {
      q.pass = pass;
      q.local_ok = local;
      dwfl_getmodules(d, ss_symq_mod, &q, 0);
    }
  dwfl_end(d);
  if (!q.addr) {
    if (module && !q.module_seen)
      snprintf(err, errlen, "module '%s' is not loaded in the target", module);
    else if (q.ifunc)
      snprintf(err, errlen,
               "function '%s' is an IFUNC (its implementation is chosen at "
               "load time): name the implementation (e.g. __%s_avx2)",
               func, func);
    else
      snprintf(err, errlen, "function '%s' not found in %s%s", func,
               module ? module : "the target or its libraries",
               module ? "" : " (is libc6-dbg installed for glibc internals?)");
    return -1;
  }
  *addr = q.addr;
  snprintf(modpath, modcap, "%s", q.path);
  return 0;
}

/* ---- waiting -------------------------------------------------------------
 */
static void ss_armed_check(ss_tracer *tr) {
  if (!tr->shm)
    return;
  if (tr->proc_idx < 0) {
    uint32_t n = atomic_load((_Atomic uint32_t *)&tr->shm->nprocs);
    for (uint32_t i = 0; i < n && i < SS_MAX_PROCS; i++)
      if (tr->shm->procs[i].pid == tr->pid) {
        tr->proc_idx = (int)i;
        break;
      }
    if (tr->proc_idx < 0)
      return;
  }
  uint64_t armed =
      atomic_load((_Atomic uint64_t *)&tr->shm->procs[tr->proc_idx].armed);
  for (size_t i = 0; i < tr->plan->nw; i++) {
    ss_pt_outcome *o = &tr->plan->out[i];
    int s = tr->plan->w[i].sig;
    if (o->hits_armed == UINT64_MAX && s >= 1 && s <= 64 &&
        (armed >> (s - 1)) & 1)
      o->hits_armed = o->hits;
  }
}

/* Single-steps t once (over a planted breakpoint if it sits on one,
 * counting it as an entry for windows other than skip_w). Returns 0, or -1
 * when the thread or process went away (tr->ended may be set). pass_sig is
 * a signal to deliver with the step (0 none). */
static int ss_step(ss_tracer *tr, pid_t t, int skip_w);

static void ss_count_hit(ss_tracer *tr, pid_t tid, uint64_t addr, int skip_w,
                         int *trigger) {
  ss_armed_check(tr);
  for (size_t i = 0; i < tr->plan->nw; i++) {
    if ((int)i == skip_w || tr->bp[tr->wbp[i]].addr != addr)
      continue;
    ss_pt_outcome *o = &tr->plan->out[i];
    if (o->delivered || !ss_thread_matches(tr, tid, tr->plan->w[i].thread))
      continue;
    o->hits++;
    if (trigger && *trigger < 0 && !tr->plan->probe &&
        o->hits == tr->plan->w[i].k)
      *trigger = (int)i;
  }
}

static int ss_wait_tid(ss_tracer *tr, pid_t t, int *st) {
  (void)tr;
  for (;;) {
    pid_t p = waitpid(t, st, __WALL);
    if (p == t)
      return 0;
    if (p < 0 && errno == EINTR)
      continue;
    return -1;
  }
}

static int ss_step(ss_tracer *tr, pid_t t, int skip_w) {
  uint64_t pc = ss_getpc(t);
  ss_bp *b = ss_bp_at(tr, pc);
  if (b && b->planted) {
    ss_count_hit(tr, t, pc, skip_w, NULL);
    if (ss_emulate(tr->memfd, t, pc, b->emu, b->emu_reg, b->emu_len) == 0)
      return 0; /* stepped by hand */
    ss_bp_lift(tr, b);
  } else {
    b = NULL;
  }
  int sig = 0;
  for (;;) {
    if (ptrace(PTRACE_SINGLESTEP, t, 0, (void *)(long)sig) < 0)
      return -1;
    int st;
    if (ss_wait_tid(tr, t, &st) < 0)
      return -1;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (t == tr->pid) {
        tr->ended = 1;
        tr->status = st;
      }
      ss_thr_del(tr, t);
      return -1;
    }
    if (!WIFSTOPPED(st))
      continue;
    int s = WSTOPSIG(st);
    if (s == SIGTRAP && (st >> 16) == 0)
      break; /* the step */
    if ((st >> 16) != 0) {
      /* an event (clone, exit) on the way: the step did not happen yet */
      unsigned long nt;
      if ((st >> 16) == PTRACE_EVENT_CLONE &&
          ptrace(PTRACE_GETEVENTMSG, t, 0, &nt) == 0)
        ss_thr_add(tr, (pid_t)nt);
      sig = 0;
      continue;
    }
    sig = s; /* a signal arrived: it goes with the next step */
  }
  if (b)
    ss_bp_plant(tr, b);
  return 0;
}

/* A fork child born while the threads are being released: at its first
 * stop its copy of the breakpoints goes (a vfork child shares ours, lifted
 * below) and it runs free. */
static void ss_release_child(ss_tracer *tr, pid_t child, int vfork) {
  int st;
  if (ss_wait_tid(tr, child, &st) < 0 || !WIFSTOPPED(st))
    return;
  if (!vfork)
    ss_bp_clean_child(tr, child);
  ptrace(PTRACE_DETACH, child, 0, 0);
}

/* Stops every other thread, lifts the breakpoints, lets them go. The
 * thread `self` is stopped; it is detached with sig. A thread the others
 * create meanwhile (their clone events come here) is added to the list and
 * released with them: left traced, it would stop at its next signal and at
 * its exit with no one to wait for it. */
static void ss_release_all(ss_tracer *tr, pid_t self, int sig) {
  for (size_t i = 0; i < tr->nthr; i++) {
    pid_t t = tr->thr[i].tid;
    if (t == self)
      continue;
    if (ptrace(PTRACE_INTERRUPT, t, 0, 0) < 0)
      continue;
  }
  for (size_t i = 0; i < tr->nthr; i++) {
    pid_t t = tr->thr[i].tid;
    if (t == self)
      continue;
    int st, pass = 0;
    for (;;) {
      if (ss_wait_tid(tr, t, &st) < 0 || !WIFSTOPPED(st)) {
        t = 0;
        break;
      }
      int ev = st >> 16;
      int s = WSTOPSIG(st);
      if (ev == PTRACE_EVENT_STOP)
        break;
      unsigned long nt;
      if (ev == PTRACE_EVENT_CLONE &&
          ptrace(PTRACE_GETEVENTMSG, t, 0, &nt) == 0)
        ss_thr_add(tr, (pid_t)nt); /* a thread born now: released below too */
      if ((ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) &&
          ptrace(PTRACE_GETEVENTMSG, t, 0, &nt) == 0)
        ss_release_child(tr, (pid_t)nt, ev == PTRACE_EVENT_VFORK);
      if (ev == 0 && s == SIGTRAP) {
        /* it hit a breakpoint just before: back to the instruction */
        uint64_t pc = ss_getpc(t);
        if (ss_bp_at(tr, pc - 1))
          ss_setpc(t, pc - 1);
      } else if (ev == 0) {
        pass = s; /* a real signal: it keeps it */
      }
      ptrace(PTRACE_CONT, t, 0, (void *)(long)pass);
      pass = 0;
      ptrace(PTRACE_INTERRUPT, t, 0, 0);
    }
    tr->thr[i].skip_pc = (uint64_t)t; /* mark: stopped and ours to detach */
  }
  for (size_t i = 0; i < tr->nbp; i++)
    ss_bp_lift(tr, &tr->bp[i]);
  for (size_t i = 0; i < tr->nthr; i++) {
    pid_t t = tr->thr[i].tid;
    if (t != self && tr->thr[i].skip_pc)
      ptrace(PTRACE_DETACH, t, 0, 0);
  }
  ptrace(PTRACE_DETACH, self, 0, (void *)(long)sig);
  tr->nthr = 0;
}

/* Scan mode: the K-th entry of window 0 on thread t; steps through the call
 * noting when the pc first enters the two ranges. 0, or -1 when the
 * process went away. */
static int ss_scan_call(ss_tracer *tr, pid_t t, uint64_t k) {
  ss_pt_plan *pl = tr->plan;
  size_t slot = (size_t)(k - pl->scan_lo);
  uint64_t sp0 = ss_getsp(t);
  uint64_t exact = UINT64_MAX, func = UINT64_MAX;
  for (uint64_t i = 0; i <= pl->w[0].n; i++) {
    uint64_t pc = ss_getpc(t);
    if (func == UINT64_MAX && pc >= tr->func_lo && pc < tr->func_hi)
      func = i;
    if (pc >= tr->stop_lo && pc < tr->stop_hi) {
      exact = i;
      break;
    }
    if (i > 0 && ss_getsp(t) > sp0)
      break; /* returned */
    if (i == pl->w[0].n)
      break;
    if (ss_step(tr, t, i == 0 ? 0 : -1) < 0)
      return -1;
  }
  pl->scan_exact[slot] = exact;
  pl->scan_func[slot] = func;
  return 0;
}

/* The K-th entry of window w just happened on thread t (stopped at the
 * function's entry, pc fixed). Steps N instructions, then delivers. Returns
 * 1 when the tracer is done (everything released), 0 to go on, -1 when the
 * process went away. */
static int ss_fire(ss_tracer *tr, ss_thr *th, int w) {
  pid_t t = th->tid;
  const ss_pt_window *win = &tr->plan->w[w];
  ss_pt_outcome *o = &tr->plan->out[w];
  uint64_t i = 0;
  for (; i < win->n; i++)
    /* the entry itself is counted; nested entries on the way are */
    if (ss_step(tr, t, i == 0 ? w : -1) < 0)
      return -1;
  int sig = win->sig;
  o->steps = i;
  o->pc = ss_getpc(t);
  o->tid = t;
  o->delivered = 1;
  tr->ndone++;
  if (tr->ndone == tr->plan->nw) {
    ss_release_all(tr, t, sig);
    return 1;
  }
  if (ss_bp_at(tr, o->pc))
    th->skip_pc = o->pc;
  ptrace(PTRACE_CONT, t, 0, (void *)(long)sig);
  return 0;
}

/* ---- the traced phase -------------------------------------------------- */

/* Drains the target's stderr into the run while the tracer blocks in
 * waitpid, and enforces the wall-clock limit. */
struct ss_drain {
  ss_run *r;
  int stopfd[2];
  pthread_t th;
  _Atomic int timed_out;
};

void ss_run_take_stderr(ss_run *r); /* runner.c */

static void *ss_drain_main(void *arg) {
  struct ss_drain *d = arg;
  ss_run *r = d->r;
  for (;;) {
    struct pollfd p[2] = {{.fd = d->stopfd[0], .events = POLLIN},
                          {.fd = r->errfd, .events = POLLIN}};
    int to = 100;
    int pr = poll(p, r->errfd >= 0 ? 2 : 1, to);
    if (pr > 0 && p[0].revents)
      return NULL;
    if (pr > 0 && r->errfd >= 0 && p[1].revents)
      ss_run_take_stderr(r);
    if (r->timeout_ns && ss_mono_ns() - r->start_ns > r->timeout_ns &&
        !atomic_load(&d->timed_out)) {
      atomic_store(&d->timed_out, 1);
      kill(r->pid, SIGKILL);
    }
  }
}

static int ss_entry_of(pid_t pid, uint64_t *entry) {
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/auxv", (int)pid);
  size_t len;
  char *a = ss_read_file(p, &len);
  if (!a)
    return -1;
  int ok = -1;
  for (size_t i = 0; i + 16 <= len; i += 16) {
    uint64_t k, v;
    memcpy(&k, a + i, 8);
    memcpy(&v, a + i + 8, 8);
    if (k == 9 /* AT_ENTRY */) {
      *entry = v;
      ok = 0;
    }
  }
  free(a);
  return ok;
}

static void ss_pt_fail(ss_run *r, ss_pt_plan *pl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ss_pt_fail(ss_run *r, ss_pt_plan *pl, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pl->err, sizeof pl->err, fmt, ap);
  va_end(ap);
  kill(r->pid, SIGKILL);
  kill(-r->pid, SIGKILL);
}

/* Runs the traced phase. 0 when released or ended, -1 on failure. */
static int ss_trace(ss_tracer *tr, ss_run *r) {
  ss_pt_plan *pl = tr->plan;
  int st;
  pid_t pid = tr->pid;
  /* 1. the exec stop */
  if (ss_wait_tid(tr, pid, &st) < 0 || !WIFSTOPPED(st)) {
    tr->ended = 1;
    tr->status = st;
    snprintf(pl->err, sizeof pl->err, "the program did not start");
    return -1;
  }
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
  tr->memfd = open(p, O_RDWR | O_CLOEXEC);
  uint64_t entry = 0;
  if (tr->memfd < 0 || ss_entry_of(pid, &entry) < 0) {
    ss_pt_fail(r, pl, "cannot read the memory of process %d: %s", (int)pid,
               strerror(errno));
    return -1;
  }
  ss_thr_add(tr, pid);
  /* 2. run to the entry point: the libraries are mapped and relocated */
  ss_bp eb = {.addr = entry};
  if (ss_bp_plant(tr, &eb) < 0) {
    ss_pt_fail(r, pl, "cannot plant a breakpoint at the entry point: %s",
               strerror(errno));
    return -1;
  }
  ptrace(PTRACE_CONT, pid, 0, 0);
  for (;;) {
    if (ss_wait_tid(tr, pid, &st) < 0 || WIFEXITED(st) || WIFSIGNALED(st)) {
      tr->ended = 1;
      tr->status = st;
      snprintf(pl->err, sizeof pl->err,
               "the program ended before its entry point");
      return -1;
    }
    int s = WSTOPSIG(st);
    if ((st >> 16) == 0 && s == SIGTRAP && ss_getpc(pid) == entry + 1)
      break;
    ptrace(PTRACE_CONT, pid, 0,
           (void *)(long)((st >> 16) == 0 && s != SIGTRAP ? s : 0));
  }
  ss_bp_lift(tr, &eb);
  ss_setpc(pid, entry);
  /* 3. resolve and plant */
  for (size_t i = 0; i < pl->nw; i++) {
    const ss_pt_window *w = &pl->w[i];
    ss_pt_outcome *o = &pl->out[i];
    char e[400];
    if (ss_pt_resolve(pid, w->module, w->func, &o->addr, o->module,
                      sizeof o->module, e, sizeof e) < 0) {
      pl->input_error = 1;
      ss_pt_fail(r, pl, "%s", e);
      return -1;
    }
    o->hits_armed = UINT64_MAX;
    ss_bp *b = ss_bp_at(tr, o->addr);
    if (!b) {
      b = &tr->bp[tr->nbp++];
      b->addr = o->addr;
      b->planted = 0;
    }
    tr->wbp[i] = (int)(b - tr->bp);
    if (ss_bp_plant(tr, b) < 0) {
      ss_pt_fail(r, pl, "cannot plant a breakpoint at %s (%#llx): %s", w->func,
                 (unsigned long long)o->addr, strerror(errno));
      return -1;
    }
  }
  if (pl->stop_module && pl->stop_hi > pl->stop_lo) {
    uint64_t base = ss_map_base(pid, pl->stop_module);
    if (base) {
      tr->stop_lo = base + pl->stop_lo;
      tr->stop_hi = base + pl->stop_hi;
      if (pl->func_hi > pl->func_lo) {
        tr->func_lo = base + pl->func_lo;
        tr->func_hi = base + pl->func_hi;
      }
    } else {
      tr->stop_lo = 1; /* not loaded: never reached */
      tr->stop_hi = 2;
    }
  }
  /* 4. the loop */
  ptrace(PTRACE_CONT, pid, 0, 0);
  for (;;) {
    pid_t t = waitpid(-1, &st, __WALL);
    if (t < 0) {
      if (errno == EINTR)
        continue;
      tr->ended = 1;
      return 0;
    }
    ss_thr *th = ss_thr_find(tr, t);
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (t == pid) {
        tr->ended = 1;
        tr->status = st;
        return 0;
      }
      if (th)
        ss_thr_del(tr, t);
      continue;
    }
    if (!WIFSTOPPED(st))
      continue;
    if (!th) {
      /* a new thread (its stop came before its parent's clone event) or
       * an auto-attached child process */
      th = ss_thr_add(tr, t);
      if (!th) {
        ptrace(PTRACE_DETACH, t, 0, 0);
        continue;
      }
      char tp[64];
      snprintf(tp, sizeof tp, "/proc/%d/task/%d", (int)pid, (int)t);
      if (access(tp, F_OK) != 0)
        th->foreign = 1;
    }
    int ev = st >> 16;
    int s = WSTOPSIG(st);
    if (ev == PTRACE_EVENT_CLONE) {
      unsigned long nt;
      if (ptrace(PTRACE_GETEVENTMSG, t, 0, &nt) == 0)
        ss_thr_add(tr, (pid_t)nt);
      ptrace(PTRACE_CONT, t, 0, 0);
      continue;
    }
    if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) {
      unsigned long nc;
      if (ptrace(PTRACE_GETEVENTMSG, t, 0, &nc) == 0) {
        ss_thr *c = ss_thr_add(tr, (pid_t)nc);
        if (c) {
          c->foreign = 1;
          c->vfork = ev == PTRACE_EVENT_VFORK;
        }
      }
      ptrace(PTRACE_CONT, t, 0, 0);
      continue;
    }
    if (ev == PTRACE_EVENT_EXEC) {
      if (th->foreign) { /* a child's new image: nothing of ours in it */
        ptrace(PTRACE_DETACH, t, 0, 0);
        ss_thr_del(tr, t);
        continue;
      }
      /* the target replaced itself: our windows were in the old image */
      ss_release_all(tr, t, 0);
      return 0;
    }
    if (th->foreign && !th->vfork) {
      /* a fork child at its first stop: its copy of the breakpoints goes,
       * then it runs free */
      ss_bp_clean_child(tr, t);
      ptrace(PTRACE_DETACH, t, 0,
             (void *)(long)(ev == 0 && s != SIGSTOP ? s : 0));
      ss_thr_del(tr, t);
      continue;
    }
    if (ev == PTRACE_EVENT_STOP || ev != 0) {
      ptrace(PTRACE_CONT, t, 0, 0);
      continue;
    }
    if (s != SIGTRAP) { /* the program's own signal: pass it on */
      ptrace(PTRACE_CONT, t, 0, (void *)(long)s);
      continue;
    }
    struct user_regs_struct R;
    if (ptrace(PTRACE_GETREGS, t, 0, &R) < 0) {
      ptrace(PTRACE_CONT, t, 0, (void *)(long)s);
      continue;
    }
    uint64_t pc = R.rip;
    ss_bp *b = ss_bp_at(tr, pc - 1);
    if (!b || !b->planted) { /* a SIGTRAP of its own */
      ptrace(PTRACE_CONT, t, 0, (void *)(long)s);
      continue;
    }
    R.rip = pc - 1; /* written back below, once */
    int trigger = -1, counted = 0;
    if (th->vfork) {
      /* shares our memory: step over without counting */
    } else if (th->skip_pc == pc - 1) {
      th->skip_pc = 0;
    } else {
      ss_count_hit(tr, t, pc - 1, -1, &trigger);
      counted = 1;
    }
    ptrace(PTRACE_SETREGS, t, 0, &R);
    if (pl->scan && counted) {
      uint64_t h = pl->out[0].hits;
      if (tr->bp[tr->wbp[0]].addr == pc - 1 && h >= pl->scan_lo &&
          h <= pl->scan_hi && ss_thread_matches(tr, t, pl->w[0].thread)) {
        if (ss_scan_call(tr, t, h) < 0) {
          if (tr->ended)
            return 0;
          continue;
        }
        if (h == pl->scan_hi) { /* all scanned: let it go */
          ss_release_all(tr, t, 0);
          return 0;
        }
        ptrace(PTRACE_CONT, t, 0, 0);
        continue;
      }
    }
    if (pl->probe && pl->probe_enough) {
      /* enough counted past the handler's installation: let it go */
      size_t enough = 0;
      for (size_t i = 0; i < pl->nw; i++)
        enough += pl->out[i].hits_armed != UINT64_MAX &&
                  pl->out[i].hits >= pl->out[i].hits_armed + pl->probe_enough;
      if (enough == pl->nw) {
        ss_release_all(tr, t, 0);
        return 0;
      }
    }
    if (trigger >= 0) {
      int rc = ss_fire(tr, th, trigger);
      if (rc != 0)
        return 0;
      continue;
    }
    if (ss_emulate(tr->memfd, t, b->addr, b->emu, b->emu_reg, b->emu_len) ==
        0) {
      ptrace(PTRACE_CONT, t, 0, 0);
      continue;
    }
    /* step over the breakpoint: lift, one step, plant again */
    ss_bp_lift(tr, b);
    int sst, sig = 0;
    for (;;) {
      ptrace(PTRACE_SINGLESTEP, t, 0, (void *)(long)sig);
      if (ss_wait_tid(tr, t, &sst) < 0 || WIFEXITED(sst) || WIFSIGNALED(sst)) {
        ss_bp_plant(tr, b);
        if (t == pid) {
          tr->ended = 1;
          tr->status = sst;
          return 0;
        }
        ss_thr_del(tr, t);
        t = 0;
        break;
      }
      if (WSTOPSIG(sst) == SIGTRAP && (sst >> 16) == 0)
        break;
      sig = (sst >> 16) == 0 ? WSTOPSIG(sst) : 0;
    }
    ss_bp_plant(tr, b);
    if (t)
      ptrace(PTRACE_CONT, t, 0, 0);
  }
}

int ss_pt_start(ss_run *r, const ss_run_opts *o, char **envp, int errfd_w,
                const char *stdin_path) {
  ss_pt_plan *pl = o->ptrace;
  int sync[2], errp[2];
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
    snprintf(pl->err, sizeof pl->err, "pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(pl->err, sizeof pl->err, "fork: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    /* the child: async-signal-safe calls only until execve */
    if (!o->interactive) {
      setpgid(0, 0);
      int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
      int out = open("/dev/null", O_WRONLY);
      if (in >= 0)
        dup2(in, 0);
      if (out >= 0)
        dup2(out, 1);
    } else if (stdin_path) {
      int in = open(stdin_path, O_RDONLY);
      if (in >= 0)
        dup2(in, 0);
    }
    dup2(errfd_w, 2);
    sigset_t none;
    sigemptyset(&none);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < 65; s++)
      sigaction(s, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    personality(ADDR_NO_RANDOMIZE);
    char c;
    if (read(sync[0], &c, 1) != 1)
      _exit(127);
    execve(o->argv[0], o->argv, envp);
    int e = errno;
    ssize_t w = write(errp[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(sync[0]);
  close(errp[1]);
  r->pid = pid;
  r->start_ns = ss_mono_ns();
  r->last_cpu_change_ns = r->start_ns;
  if (!o->interactive)
    setpgid(pid, pid);
  if (ptrace(PTRACE_SEIZE, pid, 0,
             (void *)(long)(PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
                            PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                            PTRACE_O_EXITKILL)) < 0) {
    snprintf(pl->err, sizeof pl->err,
             "ptrace: %s (is ptrace allowed here? see "
             "/proc/sys/kernel/yama/ptrace_scope)",
             strerror(errno));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    r->pid = -pid;
    close(sync[1]);
    close(errp[0]);
    return -1;
  }
  ssize_t w = write(sync[1], "x", 1);
  (void)w;
  close(sync[1]);

  ss_tracer *tr = calloc(1, sizeof *tr);
  if (!tr) {
    kill(pid, SIGKILL);
    snprintf(pl->err, sizeof pl->err, "out of memory");
    close(errp[0]);
    return -1;
  }
  tr->pid = pid;
  tr->memfd = -1;
  tr->plan = pl;
  tr->shm = r->shm;
  tr->proc_idx = -1;
  for (size_t i = 0; i < pl->nw; i++)
    memset(&pl->out[i], 0, sizeof pl->out[i]);

  struct ss_drain d = {.r = r};
  int have_drain = pipe2(d.stopfd, O_CLOEXEC) == 0 &&
                   pthread_create(&d.th, NULL, ss_drain_main, &d) == 0;
  int rc = ss_trace(tr, r);
  if (have_drain) {
    ssize_t ww = write(d.stopfd[1], "x", 1);
    (void)ww;
    pthread_join(d.th, NULL);
    close(d.stopfd[0]);
    close(d.stopfd[1]);
  }
  /* did execve fail? */
  int e = 0;
  if (read(errp[0], &e, sizeof e) == (ssize_t)sizeof e && e) {
    snprintf(pl->err, sizeof pl->err, "cannot start '%s': %s", o->argv[0],
             strerror(e));
    rc = -1;
  }
  close(errp[0]);
  if (tr->memfd >= 0)
    close(tr->memfd);
  if (!tr->ended)
    r->start_ns = ss_mono_ns(); /* the program's own time starts now */
  if (tr->ended) {
    int s = tr->status;
    r->end_ns = ss_mono_ns();
    if (have_drain && atomic_load(&d.timed_out)) {
      r->end = SS_END_TIMEOUT;
      pl->traced_timeout = 1;
    } else if (WIFEXITED(s)) {
      r->end = SS_END_EXITED;
      r->code = WEXITSTATUS(s);
    } else if (WIFSIGNALED(s)) {
      r->end = SS_END_SIGNALED;
      r->term_sig = WTERMSIG(s);
    }
    kill(-pid, SIGKILL);
    r->pid = -pid;
    r->done = 1;
  } else if (rc < 0) {
    kill(pid, SIGKILL);
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, __WALL);
    r->pid = -pid;
    r->done = 1;
  }
  free(tr);
  return rc;
}

#else /* not x86_64 */

int ss_pt_start(ss_run *r, const ss_run_opts *o, char **envp, int errfd_w,
                const char *stdin_path) {
  (void)r;
  (void)envp;
  (void)errfd_w;
  (void)stdin_path;
  snprintf(o->ptrace->err, sizeof o->ptrace->err,
           "precise instruction windows need x86_64");
  return -1;
}
int ss_pt_resolve(pid_t pid, const char *module, const char *func,
                  uint64_t *addr, char *modpath, size_t modcap, char *err,
                  size_t errlen) {
  (void)pid;
  (void)module;
  (void)func;
  (void)addr;
  (void)modpath;
  (void)modcap;
  snprintf(err, errlen, "precise instruction windows need x86_64");
  return -1;
}
#endif
