/* rt_core.c: start-up of the runtime in every process image: attach the
 * shared segment, register the process and its modules, resolve the real
 * functions, start the injector.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"

__thread struct ss_tls ss_t __attribute__((tls_model("initial-exec")));
struct ss_shm *ss_shm;
int ss_proc_idx = -1;
int ss_image_idx = -1;
uint64_t ss_start_ns;
uintptr_t ss_self_lo, ss_self_hi;
uint8_t ss_armed[SS_FN_COUNT];
uintptr_t ss_cookie;

uint64_t ss_now_ns(void) {
  struct timespec ts;
  /* clock_gettime is async-signal-safe (and a vDSO call). */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int32_t ss_gettid(void) {
  if (SS_UNLIKELY(ss_t.tid == 0))
    ss_t.tid = (int32_t)syscall(SYS_gettid);
  return ss_t.tid;
}

/* The version (GLIBC_2.2.5, ...) of the default definition of name in the
 * object lm, from its GNU hash table and version sections; NULL when it has
 * none (an unversioned object or symbol, no GNU hash). */
static const char *ss_default_version(const struct link_map *lm,
                                      const char *name) {
  const ElfW(Sym) *symtab = NULL;
  const char *strtab = NULL;
  const ElfW(Half) *versym = NULL;
  const char *verdef = NULL;
  const uint32_t *gh = NULL;
  for (const ElfW(Dyn) *d = lm->l_ld; d && d->d_tag != DT_NULL; d++) {
    /* ld.so relocates these entries in place where the section is
     * writable; elsewhere they are still offsets */
    uintptr_t v = d->d_un.d_ptr;
    if (v < lm->l_addr)
      v += lm->l_addr;
    switch (d->d_tag) {
    case DT_SYMTAB:
      symtab = (const ElfW(Sym) *)v;
      break;
    case DT_STRTAB:
      strtab = (const char *)v;
      break;
    case DT_VERSYM:
      versym = (const ElfW(Half) *)v;
      break;
    case DT_VERDEF:
      verdef = (const char *)v;
      break;
    case DT_GNU_HASH:
      gh = (const uint32_t *)v;
      break;
    default:
      break;
    }
  }
  if (!symtab || !strtab || !versym || !verdef || !gh || gh[0] == 0)
    return NULL;
  uint32_t h = 5381;
  for (const unsigned char *c = (const unsigned char *)name; *c; c++)
    h = h * 33 + *c;
  uint32_t nbuckets = gh[0], symoff = gh[1], nbloom = gh[2];
  const uint32_t *buckets =
      (const uint32_t *)((const ElfW(Addr) *)(gh + 4) + nbloom);
  const uint32_t *chain = buckets + nbuckets;
  unsigned ndx = 0;
  for (uint32_t i = buckets[h % nbuckets]; i >= symoff; i++) {
    uint32_t ch = chain[i - symoff];
    if ((ch | 1) == (h | 1) && symtab[i].st_shndx != SHN_UNDEF &&
        !(versym[i] & 0x8000) &&
        strcmp(strtab + symtab[i].st_name, name) == 0) {
      ndx = versym[i] & 0x7fff;
      break;
    }
    if (ch & 1)
      break;
  }
  if (ndx < 2) /* not found, local or the base (unversioned) */
    return NULL;
  for (const ElfW(Verdef) *vd = (const ElfW(Verdef) *)verdef;;
       vd = (const ElfW(Verdef) *)((const char *)vd + vd->vd_next)) {
    if (vd->vd_ndx == ndx) {
      const ElfW(Verdaux) *a =
          (const ElfW(Verdaux) *)((const char *)vd + vd->vd_aux);
      return strtab + a->vda_name;
    }
    if (vd->vd_next == 0)
      return NULL;
  }
}

static struct link_map *ss_map_of(const void *p) {
  Dl_info info;
  struct link_map *lm = NULL;
  if (!dladdr1(p, &info, (void **)&lm, RTLD_DL_LINKMAP))
    return NULL;
  return lm;
}

/* The definition of name that a program's call binds to, after ours.
 * dlsym(RTLD_NEXT) alone misses a definition with a non-default version:
 * libc_malloc_debug.so (glibc >= 2.34) defines its malloc, free, ... only as
 * malloc@GLIBC_2.2.5 (compat symbols, so nothing links against it), which
 * programs' versioned references bind to but an unversioned dlsym skips
 * (glibc's check_match refuses hidden versions); we would call libc's
 * malloc past it and malloc_check would never engage. So also look the
 * name up at the version of the definition dlsym found, and keep whichever
 * comes first in the search order (an unversioned interposer such as
 * libasan's malloc is found by dlsym only). dlsym may allocate; the
 * allocator wrappers serve such calls from a bootstrap arena while the
 * real functions are unknown. */
int __cxa_atexit(void (*)(void *), void *, void *);
/* glibc's atexit is not in libc.so (it comes from libc_nonshared.a, linked
 * into each program): a runtime linked into the program (the fuzz runtime)
 * finds no next definition, so it does what glibc's does. */
static int ss_atexit_fallback(void (*f)(void)) {
  return __cxa_atexit((void (*)(void *))f, NULL, NULL);
}

void *ss_resolve(const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  if (!p && strcmp(name, "atexit") == 0)
    return (void *)(uintptr_t)ss_atexit_fallback;
  struct link_map *lp = p ? ss_map_of(p) : NULL;
  const char *ver = lp ? ss_default_version(lp, name) : NULL;
  void *q = ver ? dlvsym(RTLD_NEXT, name, ver) : NULL;
  if (!q || q == p)
    return p;
  struct link_map *lq = ss_map_of(q);
  for (const struct link_map *l = lq; l && lq != lp; l = l->l_next)
    if (l == lp)
      return q; /* q's object precedes p's */
  return p;
}

static void ss_copy_str(char *dst, const char *src, size_t cap) {
  size_t i = 0;
  for (; src && src[i] && i + 1 < cap; i++)
    dst[i] = src[i];
  dst[i] = '\0';
}

/* ---- processes ------------------------------------------------------------
 */
static int ss_proc_register(uint32_t kind, int image) {
  if (!ss_shm)
    return -1;
  uint32_t idx = atomic_fetch_add_explicit((_Atomic uint32_t *)&ss_shm->nprocs,
                                           1, memory_order_relaxed);
  if (idx >= SS_MAX_PROCS) {
    atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->procs_dropped, 1,
                              memory_order_relaxed);
    return -1;
  }
  struct ss_proc *p = &ss_shm->procs[idx];
  atomic_store_explicit((_Atomic uint32_t *)&p->state, 1, memory_order_relaxed);
  p->kind = kind;
  p->pid = (int32_t)syscall(SYS_getpid);
  p->ppid = (int32_t)syscall(SYS_getppid);
  p->image = image < 0 ? (int32_t)idx : image;
  p->start_ns = ss_now_ns();
  p->injector_tid = 0;
  if (kind != SS_PROC_FORK) {
    ssize_t n = readlink("/proc/self/exe", p->exe, sizeof p->exe - 1);
    p->exe[n > 0 ? n : 0] = '\0';
  } else if (image >= 0) {
    memcpy(p->exe, ss_shm->procs[image].exe, sizeof p->exe);
  }
  atomic_store_explicit((_Atomic uint32_t *)&p->state, 2, memory_order_release);
  return (int)idx;
}

/* Where this thread publishes its progress. The injector thread and a
 * runtime without a segment publish into a sink nobody reads. */
static struct ss_tslot ss_progress_sink;
struct ss_tslot *ss_progress_slot(struct ss_tls *t) {
  if (!ss_shm || t->exempt)
    return &ss_progress_sink;
#ifdef SS_FUZZ_BUILD
  ss_fuzz_thread(t); /* the fuzz watchdog reads its handler frames */
#endif
  int32_t tid = ss_gettid();
  int32_t pid = ss_proc_idx >= 0 ? ss_shm->procs[ss_proc_idx].pid : 0;
  for (unsigned i = 0; i < SS_MAX_TSLOTS; i++) {
    struct ss_tslot *s = &ss_shm->tslots[i];
    int32_t zero = 0;
    if (atomic_load_explicit((_Atomic int32_t *)&s->tid,
                             memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong((_Atomic int32_t *)&s->tid, &zero,
                                       tid)) {
      s->pid = pid;
      return s;
    }
  }
  ss_shm->tslot_overflow.tid = -1;
  return &ss_shm->tslot_overflow;
}

static void ss_atfork_child(void) {
  /* The child shares the segment (MAP_SHARED) and the parent's image. It
   * gets its own injector thread, as a re-exec'd image would, unless fork()
   * was called from a signal handler (then only async-signal-safe work is
   * allowed here) or the host asked for the first process only. glibc has
   * already reset its allocator locks when this runs. */
  ss_t.tid = 0;
  ss_t.slot = NULL; /* a slot of its own, not the parent thread's */
  ss_t.nprog = 0;
  if (!ss_shm)
    return;
  ss_proc_idx = ss_proc_register(SS_PROC_FORK, ss_image_idx);
  ss_start_ns = ss_now_ns();
  if (ss_proc_idx >= 0 && ss_t.depth == 0 &&
      !(ss_shm->flags & (SS_F_NO_INJECT | SS_F_NO_FORK_INJECT)) &&
      ss_shm->sched.nwindows > 0)
    ss_injector_start();
}

/* ---- modules --------------------------------------------------------------
 */
static int ss_module_known(uintptr_t bias, const char *path) {
  uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&ss_shm->nmodules,
                                    memory_order_acquire);
  if (n > SS_MAX_MODULES)
    n = SS_MAX_MODULES;
  for (uint32_t i = 0; i < n; i++) {
    const struct ss_module *m = &ss_shm->modules[i];
    if (m->proc == ss_image_idx && m->bias == bias &&
        strncmp(m->path, path, SS_PATH_MAX - 1) == 0)
      return 1;
  }
  return 0;
}

static int ss_phdr_cb(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  const char *path = info->dlpi_name;
  if (!path || !path[0])
    path = ss_shm->procs[ss_image_idx].exe; /* the executable */
  if (strncmp(path, "linux-vdso", 10) == 0 ||
      strncmp(path, "linux-gate", 10) == 0)
    return 0;
  if (ss_module_known(info->dlpi_addr, path))
    return 0;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uint64_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < lo)
      lo = a;
    if (a + ph->p_memsz > hi)
      hi = a + ph->p_memsz;
  }
  uint32_t idx = atomic_fetch_add_explicit(
      (_Atomic uint32_t *)&ss_shm->nmodules, 1, memory_order_relaxed);
  if (idx >= SS_MAX_MODULES) {
    atomic_fetch_add_explicit((_Atomic uint64_t *)&ss_shm->modules_dropped, 1,
                              memory_order_relaxed);
    return 0;
  }
  struct ss_module *m = &ss_shm->modules[idx];
  m->proc = ss_image_idx;
  m->bias = info->dlpi_addr;
  m->lo = lo;
  m->hi = hi;
  ss_copy_str(m->path, path, sizeof m->path);
  atomic_store_explicit((_Atomic uint32_t *)&m->state, 2, memory_order_release);
  return 0;
}

void ss_modules_snapshot(void) {
  if (ss_shm && ss_image_idx >= 0)
    dl_iterate_phdr(ss_phdr_cb, NULL);
}

static int ss_self_cb(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  uintptr_t me = (uintptr_t)arg;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= a &&
        me < a + ph->p_memsz) {
      ss_self_lo = a;
      ss_self_hi = a + ph->p_memsz;
      return 1;
    }
  }
  return 0;
}

/* ---- attaching -------------------------------------------------------------
 */
static struct ss_shm *ss_attach(void) {
#ifdef SS_FUZZ_BUILD
  /* linked into a fuzz binary: a private segment, no host */
  return ss_fuzz_segment();
#endif
  const char *path = getenv(SS_ENV_SHM);
  if (!path || !path[0])
    return NULL;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  void *p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct ss_shm))
    p = mmap(NULL, sizeof(struct ss_shm), PROT_READ | PROT_WRITE, MAP_SHARED,
             fd, 0);
  close(fd); /* the mapping is all we keep: the program may close any fd */
  if (p == MAP_FAILED)
    return NULL;
  struct ss_shm *s = p;
  if (s->magic != SS_PROTO_MAGIC || s->version != SS_PROTO_VERSION ||
      s->header_size != sizeof(struct ss_shm) ||
      s->finding_size != sizeof(struct ss_finding)) {
    munmap(p, sizeof(struct ss_shm));
    return NULL;
  }
  return s;
}

__attribute__((constructor(101))) static void ss_init(void) {
  static int done;
  if (done++)
    return;
  ss_resolve_all();
  ss_start_ns = ss_now_ns();
  ss_cookie = (uintptr_t)(ss_start_ns * 0x9e3779b97f4a7c15ull) | 1;
  dl_iterate_phdr(ss_self_cb, (void *)(uintptr_t)&ss_init);
  ss_shm = ss_attach();
  if (!ss_shm)
    return; /* pass-through: no handler is wrapped, nothing recorded */
  uint32_t kind = atomic_load_explicit((_Atomic uint32_t *)&ss_shm->nprocs,
                                       memory_order_relaxed) == 0
                      ? SS_PROC_START
                      : SS_PROC_EXEC;
  ss_proc_idx = ss_proc_register(kind, -1);
  ss_image_idx = ss_proc_idx;
  if (ss_proc_idx < 0) {
    ss_shm = NULL;
    return;
  }
  ss_modules_snapshot();
  ss_signal_init();
#ifdef SS_FUZZ_BUILD
  /* this thread's calls before the segment existed (dlsym's, a
   * constructor's) gave it the sink: claim a real slot at the next one,
   * and register with the fuzz watchdog */
  ss_t.slot = NULL;
  ss_t.owner = SS_OWNER_PROGRAM; /* the process's first thread */
#endif
  pthread_atfork(NULL, NULL, ss_atfork_child);
  if (!(ss_shm->flags & SS_F_NO_INJECT) && ss_shm->sched.nwindows > 0)
    ss_injector_start();
}
