/* rt_fuzz_wd.c: the fuzz runtime's per-input watchdog, and the text every
 * fuzz report shares (schedule lines, the FINDING line).
 *
 * The engine runs with -timeout=0 (its SIGALRM timer would run the
 * program's own SIGALRM handler), so an input whose schedule makes the
 * target deadlock or spin would stop the campaign for good. The injector
 * thread (started at the first input, so after AFL++'s fork server) calls
 * ss_fuzz_watchdog() between its shots: when one input has run longer than
 * SIGSTORM_FUZZ_TIMEOUT ms (default 1000, 0 off) it looks at the program's
 * threads twice, 20 ms apart (/proc/self/task/T/stat and syscall, the
 * lock table, each thread's TLS: handler depth, the interposed functions it
 * is inside, its progress count), and names
 *   - a deadlock: a thread asleep in a futex wait, without progress, while
 *     inside the runtime's pthread_mutex_lock/timedlock or an rwlock lock,
 *     or inside an interposed function its signal handler called (malloc's
 *     arena lock, a stdio stream's lock, ...);
 *   - a hang otherwise: no thread is blocked in a lock; the workload spins.
 * Then, with raw system calls only (another thread may hold the arena
 * lock, so nothing here may allocate): one report to stderr, the input
 * saved as $SIGSTORM_FUZZ_ARTIFACTS/timeout-<FNV-1a 64 of the input, 16 hex
 * digits>, and SIGABRT at its default action: AFL++ records a crash, and
 * libFuzzer's crash handler (which allocates) does not run.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"
#include "sigstorm_fuzz.h"

#define SS_WD_DEFAULT_MS 1000
#define SS_WD_SAMPLE_NS 20000000ull /* between the two looks */

static uint64_t ss_wd_ns = SS_WD_DEFAULT_MS * 1000000ull;
static char ss_wd_dir[512] = ".";

/* ---- async-signal-safe text ------------------------------------------------
 */
void ss_o_str(struct ss_out *o, const char *s) {
  while (s && *s && o->n + 1 < sizeof o->b)
    o->b[o->n++] = *s++;
  o->b[o->n] = '\0';
}

void ss_o_dec(struct ss_out *o, uint64_t v) {
  char t[24];
  int k = 0;
  do {
    t[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  char r[24];
  int j = 0;
  while (k)
    r[j++] = t[--k];
  r[j] = '\0';
  ss_o_str(o, r);
}

void ss_o_hex(struct ss_out *o, uint64_t v, int width) {
  char t[17];
  int k = 16;
  t[16] = '\0';
  do {
    t[--k] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while ((v || 16 - k < width) && k > 0);
  ss_o_str(o, t + k);
}

void ss_o_sig(struct ss_out *o, int sig) {
  const char *sn = sig > 0 ? sigabbrev_np(sig) : NULL; /* a table lookup */
  if (!sn) {
    ss_o_str(o, "-");
    return;
  }
  ss_o_str(o, "SIG");
  ss_o_str(o, sn);
}

void ss_o_flush(struct ss_out *o) {
  size_t off = 0;
  while (off < o->n) {
    long w = syscall(SYS_write, 2, o->b + off, o->n - off);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  o->n = 0;
  o->b[0] = '\0';
}

/* ---- symbols: the executable's .symtab, mapped at the first report --------
 * Static functions (most signal handlers) are in no dynamic symbol table;
 * the fuzz runtime is linked into the executable, so __ehdr_start is its
 * ELF header and gives the load bias. */
extern const ElfW(Ehdr) __ehdr_start
    __attribute__((weak, visibility("hidden")));
static const ElfW(Sym) * ss_sy_tab;
static size_t ss_sy_n;
static const char *ss_sy_str;
static size_t ss_sy_strsz;
static uintptr_t ss_sy_bias;

static void ss_sym_load(void) {
  if (!&__ehdr_start)
    return;
  const ElfW(Ehdr) *me = &__ehdr_start;
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)me + me->e_phoff);
  uintptr_t first = 0;
  for (int i = 0; i < me->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
      first = ph[i].p_vaddr;
      break;
    }
  ss_sy_bias = (uintptr_t)me - first;
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/exe",
                        O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  struct stat st;
  void *p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(ElfW(Ehdr)))
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  syscall(SYS_close, fd);
  if (p == MAP_FAILED)
    return;
  size_t size = (size_t)st.st_size;
  const ElfW(Ehdr) *eh = p;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
      eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff > size ||
      (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size - eh->e_shoff)
    return;
  const ElfW(Shdr) *sh = (const ElfW(Shdr) *)((const char *)p + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
      continue;
    const ElfW(Shdr) *ss = &sh[sh[i].sh_link];
    if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset ||
        ss->sh_offset > size || ss->sh_size > size - ss->sh_offset)
      return;
    ss_sy_str = (const char *)p + ss->sh_offset;
    ss_sy_strsz = ss->sh_size;
    ss_sy_n = sh[i].sh_size / sizeof(ElfW(Sym));
    ss_sy_tab = (const ElfW(Sym) *)((const char *)p + sh[i].sh_offset);
    return;
  }
}

const char *ss_fz_sym(uintptr_t a) {
  static _Atomic int tried;
  if (!atomic_exchange(&tried, 1))
    ss_sym_load(); /* system calls only, at the first report */
  if (!ss_sy_tab || a < ss_sy_bias)
    return NULL;
  uintptr_t v = a - ss_sy_bias;
  for (size_t i = 0; i < ss_sy_n; i++) {
    const ElfW(Sym) *s = &ss_sy_tab[i];
    if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF &&
        v >= s->st_value && v - s->st_value < (s->st_size ? s->st_size : 1) &&
        s->st_name < ss_sy_strsz && ss_sy_str[s->st_name])
      return ss_sy_str + s->st_name;
  }
  return NULL;
}

/* ---- the lines every fuzz report has ---------------------------------------
 */
static void ss_o_window(struct ss_out *o, const struct ss_window *w) {
  ss_o_str(o, "sig=");
  ss_o_sig(o, w->sig);
  ss_o_str(o, w->thread == SS_THR_CALLER ? " thread=caller" : " thread=main");
  switch (w->kind) {
  case SS_WIN_AFTER:
    ss_o_str(o, " after=");
    ss_o_dec(o, w->after_ns);
    ss_o_str(o, "ns");
    return;
  case SS_WIN_EVERY:
  case SS_WIN_RATE:
    if (w->kind == SS_WIN_EVERY) {
      ss_o_str(o, " every=");
      ss_o_dec(o, w->period_ns);
      ss_o_str(o, "ns");
    } else {
      ss_o_str(o, " rate=");
      ss_o_dec(o, w->rate_mhz / 1000);
      ss_o_str(o, "Hz");
    }
    ss_o_str(o, " after=");
    ss_o_dec(o, w->after_ns);
    ss_o_str(o, "ns count=");
    ss_o_dec(o, w->count);
    return;
  default:
    ss_o_str(o, " on=");
    ss_o_str(o, w->on_fn < SS_FN_COUNT ? ss_fz_fn_names[w->on_fn] : "?");
    ss_o_str(o, "#");
    ss_o_dec(o, w->on_k);
    ss_o_str(o, " +");
    ss_o_dec(o, w->delay_ns);
    ss_o_str(o, "ns");
    return;
  }
}

void ss_fz_schedule_lines(struct ss_out *o) {
  const struct ss_schedule *sc = &ss_shm->sched;
  for (uint32_t i = 0; i < sc->nwindows && i < SS_MAX_WINDOWS; i++) {
    ss_o_str(o, "==sigstorm== schedule (fuzz abi ");
    ss_o_dec(o, SS_FUZZ_ABI_VERSION);
    ss_o_str(o, ") window ");
    ss_o_dec(o, i);
    ss_o_str(o, ": ");
    ss_o_window(o, &sc->w[i]);
    ss_o_str(o, "\n");
  }
}

/* main: the process's initial thread; caller: another thread, which a
 * schedule's signal reaches only through a thread=caller window; else the
 * thread id. */
static void ss_o_thread(struct ss_out *o, int32_t tid, int sig) {
  if (tid <= 0 || tid == (int32_t)syscall(SYS_getpid)) {
    ss_o_str(o, "main");
    return;
  }
  const struct ss_schedule *sc = &ss_shm->sched;
  for (uint32_t i = 0; sig > 0 && i < sc->nwindows && i < SS_MAX_WINDOWS; i++)
    if (sc->w[i].sig == sig && sc->w[i].thread == SS_THR_CALLER) {
      ss_o_str(o, "caller");
      return;
    }
  ss_o_dec(o, (uint64_t)tid);
}

void ss_fz_finding_line(struct ss_out *o, const char *kind, int sig,
                        uintptr_t handler, unsigned callee,
                        unsigned interrupted, int32_t tid) {
  ss_o_str(o, "==sigstorm== FINDING kind=");
  ss_o_str(o, kind);
  ss_o_str(o, " sig=");
  ss_o_sig(o, sig);
  ss_o_str(o, " handler=");
  const char *h = handler ? ss_fz_sym(handler) : "-";
  ss_o_str(o, h ? h : "?");
  ss_o_str(o, " callee=");
  ss_o_str(o, callee < SS_FN_COUNT ? ss_fz_fn_names[callee] : "-");
  ss_o_str(o, " interrupted=");
  ss_o_str(o, interrupted < SS_FN_COUNT ? ss_fz_fn_names[interrupted] : "-");
  ss_o_str(o, " thread=");
  ss_o_thread(o, tid, sig);
  ss_o_str(o, "\n");
}

/* ---- the program's threads -------------------------------------------------
 * Each registers its TLS on its first interposed call (or first handler),
 * so the watchdog can read its handler frames and the interposed functions
 * it is inside. An entry is trusted only for a thread /proc lists. */
#define SS_FZ_THREADS 256
static struct {
  _Atomic int32_t tid;
  struct ss_tls *_Atomic t;
} ss_fz_thr[SS_FZ_THREADS];
static _Atomic uint32_t ss_fz_thr_next;

void ss_fuzz_thread(struct ss_tls *t) {
  int32_t tid = ss_gettid();
  unsigned slot = SS_FZ_THREADS;
  for (unsigned i = 0; i < SS_FZ_THREADS && slot == SS_FZ_THREADS; i++) {
    int32_t cur = atomic_load(&ss_fz_thr[i].tid);
    /* a dead thread's entry: its tid came back, or its TLS block did */
    if (cur == tid || (cur && atomic_load(&ss_fz_thr[i].t) == t))
      slot = i;
  }
  for (unsigned i = 0; i < SS_FZ_THREADS && slot == SS_FZ_THREADS; i++) {
    int32_t zero = 0;
    if (atomic_compare_exchange_strong(&ss_fz_thr[i].tid, &zero, -1))
      slot = i;
  }
  if (slot == SS_FZ_THREADS)
    slot = atomic_fetch_add(&ss_fz_thr_next, 1) % SS_FZ_THREADS;
  atomic_store(&ss_fz_thr[slot].t, t);
  atomic_store(&ss_fz_thr[slot].tid, tid);
}

static struct ss_tls *ss_fz_tls_of(int32_t tid) {
  for (unsigned i = 0; i < SS_FZ_THREADS; i++)
    if (atomic_load(&ss_fz_thr[i].tid) == tid)
      return atomic_load(&ss_fz_thr[i].t);
  return NULL;
}

/* reads a small /proc file with raw system calls */
static long ss_rd(const char *path, char *buf, size_t cap) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  long n = syscall(SYS_read, fd, buf, cap - 1);
  syscall(SYS_close, fd);
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

static void ss_task_path(struct ss_out *o, int32_t tid, const char *leaf) {
  o->n = 0;
  ss_o_str(o, "/proc/self/task/");
  ss_o_dec(o, (uint64_t)tid);
  ss_o_str(o, "/");
  ss_o_str(o, leaf);
}

#define SS_WD_MAXT 128
struct ss_wd_thr {
  int32_t tid;
  char state;    /* R, S, D, ... */
  long sysno;    /* the system call it is in, -1 running or none */
  uint64_t prog; /* its interposed calls */
  struct ss_tls *t;
  int blocked; /* futex wait both times, no progress */
};

static int ss_wd_sample(struct ss_wd_thr *th, int max) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[2048];
  int n = 0;
  long got;
  int32_t self = ss_inject_tid();
  while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < got;) {
      struct ss_dirent {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (struct ss_dirent *)(buf + off);
      off += d->reclen;
      int32_t tid = 0;
      const char *p = d->name;
      if (*p < '0' || *p > '9')
        continue;
      for (; *p >= '0' && *p <= '9'; p++)
        tid = tid * 10 + (*p - '0');
      if (tid == self || n >= max)
        continue;
      th[n].tid = tid;
      th[n].t = ss_fz_tls_of(tid);
      th[n].prog = th[n].t ? *(volatile uint64_t *)&th[n].t->nprog : 0;
      n++;
    }
  }
  syscall(SYS_close, fd);
  for (int i = 0; i < n; i++) {
    struct ss_out path;
    char text[512];
    th[i].state = '?';
    th[i].sysno = -1;
    ss_task_path(&path, th[i].tid, "stat");
    if (ss_rd(path.b, text, sizeof text) > 0) {
      const char *r = strrchr(text, ')'); /* after the name, which may
                                             itself hold a ')' */
      if (r && r[1] == ' ')
        th[i].state = r[2];
    }
    ss_task_path(&path, th[i].tid, "syscall");
    if (ss_rd(path.b, text, sizeof text) > 0 && text[0] >= '0' &&
        text[0] <= '9') {
      long s = 0;
      for (const char *p = text; *p >= '0' && *p <= '9'; p++)
        s = s * 10 + (*p - '0');
      th[i].sysno = s;
    }
  }
  return n;
}

/* What a blocked thread waits for, when it is a lock. */
struct ss_wd_wait {
  int in_handler;
  const struct ss_hframe *f;
  unsigned fn;      /* the interposed function it waits in */
  unsigned callee;  /* the handler's outermost unsafe call, or fn */
  unsigned intr;    /* what the handler interrupted */
  const char *what; /* "mutex", "the allocator's arena lock", ... */
  uint64_t mutex;   /* the mutex, when known */
  int32_t holder;   /* its owner in the lock table, 0 unknown */
};

static const uint8_t ss_wd_family[SS_FN_COUNT] = {
#define SS_EACH(name, fam) [SS_FN_##name] = SS_FAM_##fam,
#include "unsafe_funcs_each.h"
};

/* AddressSanitizer's (weak: absent without it): true from the moment it
 * found an error. Its report (symbolized by a child llvm-symbolizer, maybe
 * for seconds) then ends the process: not a hang of the input (ss_wd_fire).
 * Linked in, its allocator (and its lock) serve malloc. */
int __asan_report_present(void) __attribute__((weak));

static const char *ss_fam_lock(unsigned fam) {
  switch (fam) {
  case SS_FAM_ALLOC:
    return __asan_report_present ? "AddressSanitizer's allocator lock"
                                 : "the allocator's arena lock";
  case SS_FAM_STDIO:
    return "a stdio stream's lock";
  case SS_FAM_SYSLOG:
    return "syslog's lock";
  case SS_FAM_TIME:
    return "the time zone lock";
  case SS_FAM_EXIT:
    return "the exit handlers' lock";
  case SS_FAM_DL:
    return "the dynamic loader's lock";
  default:
    return "a lock";
  }
}

static unsigned ss_intr_of(const struct ss_hframe *f) {
  if (!f || f->intr_in_runtime)
    return SS_FN_NONE;
  for (unsigned i = 0; i < SS_FAM_COUNT; i++)
    if (f->fam_at[i] && i != SS_FAM_FORMAT)
      return f->fn_at[i];
  return SS_FN_NONE;
}

/* 1 when thread th, blocked, waits in a lock: fills w */
static int ss_wd_lockwait(const struct ss_wd_thr *th, struct ss_wd_wait *w) {
  memset(w, 0, sizeof *w);
  w->fn = w->callee = w->intr = SS_FN_NONE;
  const struct ss_tls *t = th->t;
  if (!t)
    return 0;
  uint32_t depth = *(volatile const uint32_t *)&t->depth;
  if (depth > SS_MAX_DEPTH)
    depth = SS_MAX_DEPTH;
  const struct ss_hframe *f = depth ? &t->frames[depth - 1] : NULL;
  w->in_handler = f != NULL;
  w->f = f;
  w->intr = ss_intr_of(f);
  if (f && f->outer != SS_FN_NONE)
    w->callee = f->outer;
  /* the runtime's pthread_mutex_lock wrapper: the waiter table */
  for (unsigned i = 0; i < SS_MAX_WAITERS; i++) {
    const struct ss_waiter *wt = &ss_shm->waiters[i];
    if (atomic_load((_Atomic int32_t *)&wt->tid) != th->tid)
      continue;
    uint64_t m = atomic_load((_Atomic uint64_t *)&wt->mutex);
    if (!m)
      break;
    w->fn = SS_FN_pthread_mutex_lock;
    w->mutex = m;
    w->what = "mutex";
    for (unsigned j = 0; j < SS_MAX_LOCKS; j++)
      if (atomic_load((_Atomic uint64_t *)&ss_shm->locks[j].mutex) == m)
        w->holder = atomic_load((_Atomic int32_t *)&ss_shm->locks[j].owner);
    if (w->callee == SS_FN_NONE)
      w->callee = w->fn;
    return 1;
  }
  /* inside an interposed function of a family: the handler's own call
   * (deeper than what it interrupted), or, outside a handler, an rwlock
   * lock or the allocator (waiting for a lock another thread holds) */
  for (unsigned fam = 0; fam < SS_FAM_COUNT; fam++) {
    unsigned at = f ? f->fam_at[fam] : 0;
    if (fam == SS_FAM_FORMAT || t->fam[fam] <= at)
      continue;
    /* the handler's own call when it is of this family; else the
     * family's outermost (the handler's when it interrupted none) */
    unsigned fn = t->fam_fn[fam];
    if (f && f->outer < SS_FN_COUNT && ss_wd_family[f->outer] == fam)
      fn = f->outer;
    if (fam == SS_FAM_LOCK && fn != SS_FN_pthread_rwlock_rdlock &&
        fn != SS_FN_pthread_rwlock_wrlock && fn != SS_FN_pthread_mutex_lock &&
        fn != SS_FN_pthread_mutex_timedlock)
      continue; /* a condition wait is not a lock */
    if (!f && fam != SS_FAM_LOCK && fam != SS_FAM_ALLOC)
      continue;
    w->fn = fn;
    w->what = fam == SS_FAM_LOCK ? "an rwlock" : ss_fam_lock(fam);
    if (w->callee == SS_FN_NONE)
      w->callee = fn;
    return 1;
  }
  return 0;
}

/* ---- report, saved input, SIGABRT ------------------------------------------
 */
static void ss_wd_save(struct ss_out *o, const char *prefix,
                       const uint8_t *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 0x100000001b3ull;
  struct ss_out path = {0};
  ss_o_str(&path, ss_wd_dir);
  ss_o_str(&path, "/");
  ss_o_str(&path, prefix);
  ss_o_hex(&path, h, 16);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path.b,
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  size_t off = 0;
  while (fd >= 0 && off < size) {
    long w = syscall(SYS_write, fd, data + off, size - off);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  if (fd >= 0)
    syscall(SYS_close, fd);
  ss_o_str(o, "==sigstorm== ");
  if (fd >= 0 && off == size) {
    ss_o_str(o, "input saved as ");
    ss_o_str(o, path.b);
    ss_o_str(o, " (");
    ss_o_dec(o, size);
    ss_o_str(o, " bytes)");
  } else {
    ss_o_str(o, "could not save the input as ");
    ss_o_str(o, path.b);
  }
  ss_o_str(o, "\n");
}

static __attribute__((noreturn)) void ss_wd_abort(void) {
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } dfl = {0}; /* the kernel's struct: SIG_DFL */
  syscall(SYS_rt_sigaction, SIGABRT, &dfl, NULL, 8);
  uint64_t m = 1ull << (SIGABRT - 1);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, NULL, 8);
  syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid), SIGABRT);
  for (;;)
    syscall(SYS_exit_group, 128 + SIGABRT);
}

static void ss_o_who(struct ss_out *o, int32_t tid) {
  ss_o_str(o, "thread ");
  ss_o_dec(o, (uint64_t)tid);
  struct ss_out path;
  char comm[64];
  ss_task_path(&path, tid, "comm");
  long n = ss_rd(path.b, comm, sizeof comm);
  while (n > 0 && (comm[n - 1] == '\n' || comm[n - 1] == '\r'))
    comm[--n] = '\0';
  ss_o_str(o, " (");
  if (tid == (int32_t)syscall(SYS_getpid))
    ss_o_str(o, "main, ");
  ss_o_str(o, n > 0 ? comm : "?");
  ss_o_str(o, ")");
}

static void ss_o_handler(struct ss_out *o, const struct ss_hframe *f) {
  ss_o_str(o, "the ");
  ss_o_sig(o, f->sig);
  ss_o_str(o, " handler ");
  const char *h = ss_fz_sym(f->handler);
  if (h) {
    ss_o_str(o, h);
  } else {
    ss_o_str(o, "0x");
    ss_o_hex(o, f->handler, 0);
  }
}

static void ss_wd_fire(uint32_t seq, uint64_t ran_ns) {
  static struct ss_wd_thr a[SS_WD_MAXT], b[SS_WD_MAXT];
  if (__asan_report_present && __asan_report_present())
    return;
  int na = ss_wd_sample(a, SS_WD_MAXT);
  struct timespec ts = {0, (long)SS_WD_SAMPLE_NS};
  syscall(SYS_nanosleep, &ts, NULL);
  int nb = ss_wd_sample(b, SS_WD_MAXT);
  if (atomic_load(&ss_fz_in.seq) != seq)
    return; /* it ended after all */
  int culprit = -1, culprit_h = 0;
  struct ss_wd_wait w, cw;
  memset(&cw, 0, sizeof cw);
  for (int i = 0; i < nb; i++) {
    const struct ss_wd_thr *x = NULL;
    for (int j = 0; j < na; j++)
      if (a[j].tid == b[i].tid)
        x = &a[j];
    b[i].blocked = x && x->sysno == SYS_futex && b[i].sysno == SYS_futex &&
                   x->state != 'R' && b[i].state != 'R' && x->prog == b[i].prog;
    if (!b[i].blocked || !ss_wd_lockwait(&b[i], &w))
      continue;
    /* a handler that waits is the cause; the others pile up behind it */
    if (culprit < 0 || (w.in_handler && !culprit_h)) {
      culprit = i;
      culprit_h = w.in_handler;
      cw = w;
    }
  }
  struct ss_out o = {0};
  uint64_t ms = ran_ns / 1000000ull;
  int sig = 0;
  uintptr_t handler = 0;
  int32_t tid = 0;
  if (culprit >= 0) {
    tid = b[culprit].tid;
    ss_o_str(&o, "==sigstorm== ERROR: sigstorm: deadlock: ");
    if (cw.f) {
      ss_o_handler(&o, cw.f);
      sig = cw.f->sig;
      handler = cw.f->handler;
      ss_o_str(&o, " on ");
    }
    ss_o_who(&o, tid);
    ss_o_str(&o, " waits in ");
    ss_o_str(&o, cw.fn < SS_FN_COUNT ? ss_fz_fn_names[cw.fn] : "?");
    ss_o_str(&o, " for ");
    ss_o_str(&o, cw.what);
    if (cw.mutex) {
      ss_o_str(&o, " 0x");
      ss_o_hex(&o, cw.mutex, 0);
      if (cw.holder) {
        ss_o_str(&o, cw.holder == tid ? ", which the interrupted frame of "
                                        "the same thread holds"
                                      : ", held by thread ");
        if (cw.holder != tid)
          ss_o_dec(&o, (uint64_t)cw.holder);
      }
    }
    if (cw.f) {
      ss_o_str(&o, ", interrupted=");
      ss_o_str(&o, cw.intr < SS_FN_COUNT ? ss_fz_fn_names[cw.intr] : "none");
    } else {
      ss_o_str(&o, ", not in a signal handler");
    }
  } else {
    int run = -1;
    for (int i = 0; i < nb; i++)
      if (b[i].state == 'R' &&
          (run < 0 || b[i].tid == (int32_t)syscall(SYS_getpid)))
        run = i;
    if (run < 0)
      for (int i = 0; i < nb; i++)
        if (b[i].tid == (int32_t)syscall(SYS_getpid))
          run = i;
    ss_o_str(&o, "==sigstorm== ERROR: sigstorm: hang: no thread is blocked "
                 "in a lock; ");
    const struct ss_hframe *f = NULL;
    if (run >= 0) {
      tid = b[run].tid;
      const struct ss_tls *t = b[run].t;
      uint32_t depth = t ? *(volatile const uint32_t *)&t->depth : 0;
      if (depth > SS_MAX_DEPTH)
        depth = SS_MAX_DEPTH;
      f = depth ? &t->frames[depth - 1] : NULL;
      ss_o_who(&o, tid);
      ss_o_str(&o, b[run].state == 'R' ? " runs" : " sleeps");
      if (f) {
        ss_o_str(&o, " in ");
        ss_o_handler(&o, f);
        sig = f->sig;
        handler = f->handler;
      } else {
        ss_o_str(&o, ", not in a signal handler");
      }
    } else {
      ss_o_str(&o, "no program thread found");
    }
    if (!sig && ss_shm->sched.nwindows)
      sig = ss_shm->sched.w[0].sig;
  }
  ss_o_str(&o, "; the input did not end within ");
  ss_o_dec(&o, ms);
  ss_o_str(&o, " ms (SIGSTORM_FUZZ_TIMEOUT)\n");
  ss_o_flush(&o);
  ss_fz_schedule_lines(&o);
  ss_fz_finding_line(&o, culprit >= 0 ? "deadlock" : "hang", sig, handler,
                     culprit >= 0 ? cw.callee : SS_FN_NONE,
                     culprit >= 0 ? cw.intr : SS_FN_NONE, tid);
  ss_o_flush(&o);
  ss_wd_save(&o, "timeout-", ss_fz_in.data, ss_fz_in.size);
  ss_o_str(&o, "==sigstorm== ending with SIGABRT\n");
  ss_o_flush(&o);
  ss_wd_abort();
}

uint64_t ss_fuzz_watchdog(uint64_t now) {
  if (!ss_wd_ns)
    return UINT64_MAX;
  uint32_t seq = atomic_load_explicit(&ss_fz_in.seq, memory_order_acquire);
  if (!(seq & 1)) /* between inputs: the next one may start any time */
    return now + ss_wd_ns / 4;
  uint64_t start =
      atomic_load_explicit(&ss_fz_in.start_ns, memory_order_relaxed);
  if (atomic_load_explicit(&ss_fz_in.seq, memory_order_acquire) != seq)
    return now; /* moved on while read */
  if (now < start + ss_wd_ns)
    return start + ss_wd_ns;
  ss_wd_fire(seq, now - start);
  return now + ss_wd_ns;
}

/* A crash in the input (glibc's heap checks abort, a SIGSEGV) goes to the
 * engine's handler, which saves the input with the allocator, maybe the
 * one the crash found corrupt: the input is saved first, with system calls,
 * when SIGSTORM_FUZZ_ARTIFACTS names where. Once per process. */
static int ss_wd_dir_set;
void ss_fuzz_fatal(int sig) {
  static _Atomic int once;
  if (!ss_wd_dir_set || !ss_fuzz_engine_sig(sig))
    return;
  if (sig != SIGABRT && sig != SIGSEGV && sig != SIGBUS && sig != SIGILL &&
      sig != SIGFPE)
    return;
  if (!(atomic_load(&ss_fz_in.seq) & 1) || atomic_exchange(&once, 1))
    return;
  struct ss_out o = {0};
  ss_o_str(&o, "==sigstorm== ");
  ss_o_sig(&o, sig);
  ss_o_str(&o, " in the input (before the engine's handler):\n");
  ss_wd_save(&o, "crash-", ss_fz_in.data, ss_fz_in.size);
  ss_o_flush(&o);
}

void ss_fuzz_wd_init(void) {
  const char *t = getenv(SS_ENV_FUZZ_TIMEOUT);
  if (t && *t) {
    char *end;
    unsigned long long ms = strtoull(t, &end, 10);
    if (!*end)
      ss_wd_ns = ms * 1000000ull;
  }
  const char *d = getenv(SS_ENV_FUZZ_ARTIFACTS);
  if (d && *d && strlen(d) < sizeof ss_wd_dir) {
    memcpy(ss_wd_dir, d, strlen(d) + 1);
    ss_wd_dir_set = 1;
  }
}
