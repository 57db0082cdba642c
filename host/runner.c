#include "runner.h"
#include "ptrace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "symbolize.h"
#include "util.h"
#include "watchdog.h"

extern char **environ;

char *ss_resolve_program(const char *prog, char *err, size_t errlen) {
  if (!prog || !*prog) {
    snprintf(err, errlen, "no program given (usage: ... -- PROG [ARGS...])");
    return NULL;
  }
  if (strchr(prog, '/')) {
    struct stat st;
    if (stat(prog, &st) < 0) {
      snprintf(err, errlen, "program '%s': %s", prog, strerror(errno));
      return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
      snprintf(err, errlen, "program '%s': not a regular file", prog);
      return NULL;
    }
    if (access(prog, X_OK) < 0) {
      snprintf(err, errlen, "program '%s': not executable", prog);
      return NULL;
    }
    return strdup(prog);
  }
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  size_t plen = strlen(prog);
  for (const char *p = path; *p;) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    char *cand = malloc(dlen + plen + 3);
    if (!cand)
      break;
    snprintf(cand, dlen + plen + 3, "%.*s/%s", (int)dlen, dlen ? p : ".", prog);
    struct stat st;
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
      return cand;
    free(cand);
    p += dlen;
    if (*p == ':')
      p++;
  }
  snprintf(err, errlen, "program '%s': not found in PATH", prog);
  return NULL;
}

static int ss_shm_create(ss_run *r, const ss_run_opts *o, char *err,
                         size_t errlen) {
  static unsigned counter;
  const char *dirs[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
  int fd = -1;
  for (size_t i = 0; i < 3 && fd < 0; i++) {
    if (!dirs[i] || access(dirs[i], W_OK) < 0)
      continue;
    snprintf(r->shm_path, sizeof r->shm_path, "%s/sigstorm.%010d.%010u",
             dirs[i], (int)getpid(), counter++);
    fd = open(r->shm_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) {
    snprintf(err, errlen, "cannot create the shared segment: %s",
             strerror(errno));
    r->shm_path[0] = '\0';
    return -1;
  }
  size_t size = sizeof(struct ss_shm);
  if (ftruncate(fd, (off_t)size) < 0) {
    snprintf(err, errlen, "cannot size the shared segment %s: %s", r->shm_path,
             strerror(errno));
    close(fd);
    return -1;
  }
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    snprintf(err, errlen, "cannot map the shared segment: %s", strerror(errno));
    return -1;
  }
  r->shm = p;
  r->shm->magic = SS_PROTO_MAGIC;
  r->shm->version = SS_PROTO_VERSION;
  r->shm->header_size = sizeof(struct ss_shm);
  r->shm->finding_size = sizeof(struct ss_finding);
  r->shm->flags = o->shm_flags | (o->heap_check ? SS_F_HEAP_CHECK : 0);
  if (o->sched)
    r->shm->sched = *o->sched;
  return 0;
}

/* Each section of type type (with fixed-size entries) of the ELF file at
 * path, to fn until it returns nonzero; that value, 0 when none did or the
 * file is no ELF. */
static int ss_elf_sections(const char *path, Elf64_Word type,
                           int (*fn)(Elf *, Elf_Data *, const GElf_Shdr *,
                                     const char *),
                           const char *arg) {
  int found = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE) {
    if (fd >= 0)
      close(fd);
    return 0;
  }
  Elf *e = elf_begin(fd, ELF_C_READ, NULL);
  Elf_Scn *scn = NULL;
  while (e && !found && (scn = elf_nextscn(e, scn))) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || !sh.sh_entsize)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d)
      found = fn(e, d, &sh, arg);
  }
  if (e)
    elf_end(e);
  close(fd);
  return found;
}

static int ss_elf_needed_in(Elf *e, Elf_Data *d, const GElf_Shdr *sh,
                            const char *prefix) {
  for (size_t i = 0; i < sh->sh_size / sh->sh_entsize; i++) {
    GElf_Dyn dyn;
    if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
      continue;
    const char *name = elf_strptr(e, sh->sh_link, dyn.d_un.d_val);
    if (name && strncmp(name, prefix, strlen(prefix)) == 0)
      return 1;
  }
  return 0;
}

int ss_elf_needs(const char *path, const char *prefix) {
  return ss_elf_sections(path, SHT_DYNAMIC, ss_elf_needed_in, prefix);
}

static int ss_elf_sym_in(Elf *e, Elf_Data *d, const GElf_Shdr *sh,
                         const char *sym) {
  for (size_t i = 0; i < sh->sh_size / sh->sh_entsize; i++) {
    GElf_Sym s;
    if (!gelf_getsym(d, (int)i, &s) || GELF_ST_BIND(s.st_info) == STB_WEAK)
      continue;
    const char *name = elf_strptr(e, sh->sh_link, s.st_name);
    if (name && strcmp(name, sym) == 0)
      return 1;
  }
  return 0;
}

int ss_elf_names(const char *path, const char *sym) {
  return ss_elf_sections(path, SHT_SYMTAB, ss_elf_sym_in, sym) ||
         ss_elf_sections(path, SHT_DYNSYM, ss_elf_sym_in, sym);
}

/* Each sanitizer runtime the program links (gcc: shared libraries) gets
 * the options sigstorm needs, the user's own after them (the last value of
 * an option wins): ASan tolerates our preload before it and keeps the
 * program's SIGSEGV handler; TSan reports signal-unsafe calls and goes on
 * after a report; UBSan prints the stack that names the handler. */
static const struct {
  const char *lib, *var, *opts;
} ss_san_env[] = {
    {"libasan.so", "ASAN_OPTIONS",
     "verify_asan_link_order=0:detect_leaks=0:halt_on_error=1:"
     "allow_user_segv_handler=1"},
    {"libtsan.so", "TSAN_OPTIONS", "report_signal_unsafe=1:halt_on_error=0"},
    {"libubsan.so", "UBSAN_OPTIONS", "print_stacktrace=1"},
};
#define SS_NSAN_ENV (sizeof ss_san_env / sizeof ss_san_env[0])

/* environ + LD_PRELOAD (ours first, the user's kept) + SIGSTORM_SHM, the
 * sanitizers' options for those the program links, and glibc's heap checks
 * when asked. owned[] collects what the caller frees. */
static char **ss_child_env(const ss_run *r, const ss_run_opts *o,
                           char *owned[4 + SS_NSAN_ENV]) {
  const char *runtime = o->runtime;
  const char *prog = o->argv[0];
  char *const none[] = {NULL};
  char *const *src = o->clean_env ? none : environ;
  size_t n = 0, nx = 0;
  while (src[n])
    n++;
  while (o->env_extra && o->env_extra[nx])
    nx++;
  int linked[SS_NSAN_ENV];
  const char *old_san[SS_NSAN_ENV];
  for (size_t s = 0; s < SS_NSAN_ENV; s++) {
    linked[s] = ss_elf_needs(prog, ss_san_env[s].lib);
    old_san[s] = NULL;
  }
  char **env = calloc(n + nx + 7 + SS_NSAN_ENV, sizeof *env);
  if (!env)
    return NULL;
  size_t k = 0;
  const char *old_preload = NULL;
  const char *old_tun = NULL;
  for (size_t i = 0; i < n + nx; i++) {
    char *e = i < n ? src[i] : o->env_extra[i - n];
    int mine = 0;
    for (size_t s = 0; s < SS_NSAN_ENV; s++) {
      size_t vl = strlen(ss_san_env[s].var);
      if (linked[s] && strncmp(e, ss_san_env[s].var, vl) == 0 && e[vl] == '=') {
        old_san[s] = e + vl + 1;
        mine = 1;
      }
    }
    if (mine)
      continue;
    if (strncmp(e, "LD_PRELOAD=", 11) == 0)
      old_preload = e + 11;
    else if (o->glibc_checks && strncmp(e, "GLIBC_TUNABLES=", 15) == 0)
      old_tun = e + 15;
    else if (o->glibc_checks && (strncmp(e, "MALLOC_CHECK_=", 14) == 0 ||
                                 strncmp(e, "MALLOC_PERTURB_=", 16) == 0))
      continue;
    else if (strncmp(e, SS_ENV_SHM "=", sizeof SS_ENV_SHM) != 0)
      env[k++] = e;
  }
  int oom = 0;
  for (size_t s = 0; s < SS_NSAN_ENV; s++) {
    if (!linked[s])
      continue;
    const char *old = old_san[s] ? old_san[s] : "";
    size_t len = strlen(ss_san_env[s].var) + strlen(ss_san_env[s].opts) +
                 strlen(old) + 3;
    char *v = malloc(len);
    if (!v) {
      oom = 1;
      continue;
    }
    snprintf(v, len, "%s=%s%s%s", ss_san_env[s].var, ss_san_env[s].opts,
             *old ? ":" : "", old);
    env[k++] = owned[4 + s] = v;
  }
  /* glibc's own heap checks: perturbed fresh and freed memory, the tcache
   * off (freed chunks go through the checked bins), and at level 2
   * malloc_check (needs libc_malloc_debug.so in glibc >= 2.34, after our
   * runtime so our wrappers call its checked allocator). malloc_check runs
   * every call under the arena lock: a handler re-entering the allocator
   * then deadlocks instead of corrupting, so it is a mode of its own */
  const char *dbg = o->glibc_checks > 1 ? ":libc_malloc_debug.so.0" : "";
  char *tun = NULL;
  if (o->glibc_checks) {
    size_t tl = (old_tun ? strlen(old_tun) : 0) + 96;
    tun = malloc(tl);
    if (!tun)
      oom = 1;
    else
      snprintf(tun, tl,
               "GLIBC_TUNABLES=%s%s%sglibc.malloc.perturb="
               "165:glibc.malloc.tcache_count=0",
               old_tun ? old_tun : "", old_tun && *old_tun ? ":" : "",
               o->glibc_checks > 1 ? "glibc.malloc.check=3:" : "");
  }
  size_t len = strlen(runtime) + (old_preload ? strlen(old_preload) : 0) +
               strlen(dbg) + 16;
  char *pre = malloc(len);
  char *shm = malloc(strlen(r->shm_path) + sizeof SS_ENV_SHM + 2);
  if (!pre || !shm || oom) {
    free(pre);
    free(shm);
    free(tun);
    free(env);
    return NULL;
  }
  snprintf(pre, len, "LD_PRELOAD=%s%s%s%s", runtime, dbg,
           old_preload && *old_preload ? ":" : "",
           old_preload ? old_preload : "");
  sprintf(shm, "%s=%s", SS_ENV_SHM, r->shm_path);
  env[k++] = owned[0] = pre;
  env[k++] = owned[1] = shm;
  if (tun) {
    env[k++] = owned[3] = tun;
    if (o->glibc_checks > 1)
      env[k++] = "MALLOC_CHECK_=3";
    env[k++] = "MALLOC_PERTURB_=165";
  }
  env[k] = NULL;
  return env;
}

int ss_run_start(ss_run *r, const ss_run_opts *o, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  r->pid = -1;
  r->pidfd = r->errfd = -1;
  r->timeout_ns = o->timeout_ns;
  r->stall_ns = o->stall_ns;
  r->hang_ns = o->hang_ns;
  r->forward_stderr = o->interactive;
  if (ss_shm_create(r, o, err, errlen) < 0)
    return -1;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return -1;
  }
  char *owned[4 + SS_NSAN_ENV] = {NULL};
  char **env = ss_child_env(r, o, owned);
  if (o->ptrace) {
    r->errfd = pipefd[0];
    fcntl(r->errfd, F_SETFL, O_NONBLOCK);
    r->err = malloc(SS_ERRBUF + 1);
    if (r->err)
      r->err[0] = '\0';
    int rc =
        env && r->err ? ss_pt_start(r, o, env, pipefd[1], o->stdin_path) : -1;
    if (!env || !r->err)
      snprintf(o->ptrace->err, sizeof o->ptrace->err, "out of memory");
    for (size_t i = 0; i < 4 + SS_NSAN_ENV; i++)
      free(owned[i]);
    free(env);
    close(pipefd[1]);
    if (rc < 0) {
      snprintf(err, errlen, "%s", o->ptrace->err);
      return -1;
    }
    if (!r->done)
      r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
    else
      ss_run_take_stderr(r);
    return 0;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  if (!o->interactive || o->stdin_path)
    posix_spawn_file_actions_addopen(
        &fa, 0, o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY, 0);
  if (!o->interactive) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (!o->interactive) {
    posix_spawnattr_setpgroup(&at, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&at, flags);
  int rc =
      env ? posix_spawn(&r->pid, o->argv[0], &fa, &at, o->argv, env) : ENOMEM;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  for (size_t i = 0; i < 4 + SS_NSAN_ENV; i++)
    free(owned[i]);
  free(env);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    r->pid = -1;
    snprintf(err, errlen, "cannot start '%s': %s", o->argv[0], strerror(rc));
    return -1;
  }
  r->start_ns = ss_mono_ns();
  r->last_cpu_change_ns = r->start_ns;
  r->errfd = pipefd[0];
  fcntl(r->errfd, F_SETFL, O_NONBLOCK);
  r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  r->err = malloc(SS_ERRBUF + 1);
  if (!r->err) {
    snprintf(err, errlen, "out of memory");
    ss_run_kill(r);
    return -1;
  }
  r->err[0] = '\0';
  return 0;
}

/* Keeps the first half of SS_ERRBUF and a rolling last half. */
static void ss_err_append(ss_run *r, const char *buf, size_t n) {
  const size_t head = SS_ERRBUF / 2;
  for (size_t i = 0; i < n; i++) {
    if (r->err_len < SS_ERRBUF) {
      r->err[r->err_len++] = buf[i];
      continue;
    }
    /* full: shift the tail half by one (amortized by chunks below) */
    size_t shift = SS_ERRBUF / 8;
    memmove(r->err + head, r->err + head + shift, SS_ERRBUF - head - shift);
    r->err_len -= shift;
    r->err_dropped += shift;
    r->err[r->err_len++] = buf[i];
  }
  r->err[r->err_len] = '\0';
}

static void ss_drain_stderr(ss_run *r) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(r->errfd, buf, sizeof buf);
    if (n > 0) {
      if (r->forward_stderr) {
        ssize_t off = 0;
        while (off < n) {
          ssize_t w = write(2, buf + off, (size_t)(n - off));
          if (w <= 0)
            break;
          off += w;
        }
      }
      ss_err_append(r, buf, (size_t)n);
      continue;
    }
    if (n == 0) { /* every writer closed it */
      close(r->errfd);
      r->errfd = -1;
    }
    return;
  }
}

void ss_run_take_stderr(ss_run *r) {
  if (r->errfd >= 0)
    ss_drain_stderr(r);
}

/* Describes each thread at a timeout/stall and decides whether every
 * program thread is blocked on a futex (a deadlock) or not (a hang). */
static void ss_describe_threads(ss_run *r) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)r->pid);
  DIR *d = opendir(path);
  if (!d)
    return;
  int inj = r->shm->nprocs ? r->shm->procs[0].injector_tid : 0;
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  int threads = 0, futex = 0;
  struct dirent *e;
  while (out && (e = readdir(d))) {
    int tid = atoi(e->d_name);
    if (tid <= 0)
      continue;
    char p2[96], sys[256] = "", state = '?';
    snprintf(p2, sizeof p2, "/proc/%d/task/%d/syscall", (int)r->pid, tid);
    FILE *f = fopen(p2, "r");
    if (f) {
      if (!fgets(sys, sizeof sys, f))
        sys[0] = '\0';
      fclose(f);
    }
    sys[strcspn(sys, "\n")] = '\0';
    snprintf(p2, sizeof p2, "/proc/%d/task/%d/stat", (int)r->pid, tid);
    f = fopen(p2, "r");
    if (f) {
      char line[512];
      if (fgets(line, sizeof line, f)) {
        char *rp = strrchr(line, ')');
        if (rp && rp[1])
          state = rp[2];
      }
      fclose(f);
    }
    long nr = strtol(sys, NULL, 10);
    int is_futex = (sys[0] >= '0' && sys[0] <= '9') && nr == SYS_futex;
    if (tid != inj) {
      threads++;
      futex += is_futex;
    }
    if (len + 256 > cap) {
      char *n2 = realloc(out, cap *= 2);
      if (!n2)
        break;
      out = n2;
    }
    len += (size_t)snprintf(out + len, cap - len, "%sthread %d%s: state %c, %s",
                            len ? "; " : "", tid,
                            tid == inj ? " (injector)" : "", state,
                            is_futex        ? "waiting on a futex"
                            : sys[0] == 'r' ? "running"
                                            : "in a system call");
  }
  closedir(d);
  free(r->threads);
  r->threads = out;
  r->deadlocked = threads > 0 && futex == threads;
}

static void ss_reaped(ss_run *r, int st);
static void ss_reap(ss_run *r) {
  int st;
  pid_t p = waitpid(r->pid, &st, WNOHANG);
  if (p == r->pid)
    ss_reaped(r, st);
}

/* The run's process ended with wait status st (already collected). */
static void ss_reaped(ss_run *r, int st) {
  r->end_ns = ss_mono_ns();
  if (r->end == SS_END_RUNNING) {
    if (WIFEXITED(st)) {
      r->end = SS_END_EXITED;
      r->code = WEXITSTATUS(st);
    } else {
      r->end = SS_END_SIGNALED;
      r->term_sig = WTERMSIG(st);
    }
  }
  /* whatever the target left in its group goes with it */
  kill(-r->pid, SIGKILL);
  if (r->errfd >= 0) {
    /* the write ends may live on in leftovers: read what is there */
    ss_drain_stderr(r);
    if (r->errfd >= 0) {
      close(r->errfd);
      r->errfd = -1;
    }
  }
  if (r->pidfd >= 0) {
    close(r->pidfd);
    r->pidfd = -1;
  }
  r->pid = -r->pid; /* ended; keep the number for reports */
  r->done = 1;
}

/* glibc's pthread_mutex_t: int __lock; unsigned __count; int __owner; the
 * same on every 64-bit Linux glibc supports */
#define SS_GLIBC_MUTEX_OWNER_OFF 8

/* For each mutex a thread waits for, the owner glibc wrote into it: who
 * holds it even when the runtime's lock table missed the lock (a signal
 * between the real lock and the table's update). */
static void ss_read_glibc_owners(ss_run *r) {
  r->nglibc_owner = 0;
  for (unsigned i = 0; i < SS_MAX_WAITERS; i++) {
    const struct ss_waiter *w = &r->shm->waiters[i];
    if (!w->tid || !w->mutex)
      continue;
    int32_t owner = 0;
    struct iovec local = {&owner, sizeof owner};
    struct iovec remote = {
        (void *)(uintptr_t)(w->mutex + SS_GLIBC_MUTEX_OWNER_OFF), sizeof owner};
    pid_t pid = w->pid ? w->pid : r->pid;
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof owner ||
        owner <= 0)
      continue;
    size_t k = r->nglibc_owner++;
    r->glibc_owner[k].mutex = w->mutex;
    r->glibc_owner[k].pid = pid;
    r->glibc_owner[k].owner = owner;
  }
}

static void ss_stop(ss_run *r, enum ss_run_end why) {
  ss_describe_threads(r);
  ss_read_glibc_owners(r);
  /* every thread's stack, before the process goes: the diagnosis */
  ss_thread_trace *tt = NULL;
  int n = ss_sym_live_threads(r->pid, 48, &tt);
  if (n > 0) {
    int inj = r->shm->nprocs ? r->shm->procs[0].injector_tid : 0;
    for (int i = 0; i < n; i++) {
      char p[96], sys[128] = "";
      snprintf(p, sizeof p, "/proc/%d/task/%d/syscall", (int)r->pid, tt[i].tid);
      FILE *f = fopen(p, "re");
      if (f) {
        if (!fgets(sys, sizeof sys, f))
          sys[0] = '\0';
        fclose(f);
      }
      long nr = strtol(sys, NULL, 10);
      const char *w = tt[i].tid == inj ? "sigstorm injector"
                      : sys[0] == 'r'  ? "running"
                      : (sys[0] >= '0' && sys[0] <= '9' && nr == SYS_futex)
                          ? "futex wait"
                      : sys[0] ? "in a system call"
                               : NULL;
      tt[i].wait = w ? strdup(w) : NULL;
    }
    ss_threads_free(r->traces, r->ntraces);
    r->traces = tt;
    r->ntraces = (size_t)n;
  }
  r->end = why;
  kill(r->pid, SIGKILL);
  kill(-r->pid, SIGKILL);
  /* a thread that ended while libdwfl had it attached can stay traced by
   * us after the detach: a traced zombie, which holds up the process's
   * end (and our pidfd) until its tracer waits for it. Wait for each
   * thread but the leader: ECHILD at once for those not traced by us, the
   * killed ones' ends for those that are. */
  for (size_t i = 0; i < r->ntraces; i++) {
    int st;
    if (r->traces[i].tid == r->pid)
      continue;
    while (waitpid(r->traces[i].tid, &st, __WALL) < 0 && errno == EINTR)
      ;
  }
}

/* The watchdog (see watchdog.h): no progress counter moved for stall_ns
 * with CPU time standing still and threads in untimed futex waits is a
 * deadlock; none for hang_ns with a thread spinning at unchanged registers
 * is a hang. A check that finds neither backs off, so a program that
 * computes for long without calls is sampled rarely. */
static void ss_watch(ss_run *r, uint64_t now) {
  uint64_t p = ss_watch_progress(r->shm);
  if (p != r->prog || !r->prog_ns) {
    r->prog = p;
    r->prog_ns = r->last_cpu_change_ns = now;
    r->last_cpu = r->last_io = UINT64_MAX;
    r->hang_next_ns = 0;
    r->hang_gap_ns = 0;
    return;
  }
  uint64_t idle = now - r->prog_ns;
  int inj = r->shm->nprocs ? r->shm->procs[0].injector_tid : 0;
  uint64_t first = r->stall_ns && r->stall_ns < r->hang_ns ? r->stall_ns
                   : r->hang_ns                            ? r->hang_ns
                                                           : r->stall_ns;
  if (idle < first / 2)
    return; /* not yet worth reading /proc */
  uint64_t io;
  uint64_t cpu = ss_watch_cpu(r->pid, inj, &io);
  if (r->last_cpu == UINT64_MAX) {
    /* the first look since progress stopped: count the quiet time from
     * then (a thread still computing shows at the next look) */
    r->last_cpu = cpu;
    r->last_cpu_change_ns = r->prog_ns;
  } else if (cpu != r->last_cpu) {
    r->last_cpu = cpu;
    r->last_cpu_change_ns = now;
  }
  if (io != r->last_io) { /* reads and writes are progress too */
    int first_look = r->last_io == UINT64_MAX;
    r->last_io = io;
    if (!first_look) {
      r->prog_ns = now;
      r->hang_next_ns = r->hang_gap_ns = 0;
      return;
    }
  }
  ss_watch_result w;
  if (r->stall_ns && idle >= r->stall_ns &&
      now - r->last_cpu_change_ns >= r->stall_ns &&
      ss_watch_deadlock(r->pid, inj, r->shm, &w)) {
    ss_stop(r, SS_END_STALLED);
  } else if (r->hang_ns && idle >= r->hang_ns && now >= r->hang_next_ns) {
    int hung = ss_watch_hang(r->pid, inj, r->shm, idle >= 4 * r->hang_ns, &w);
    if (w.exited) {
      ss_reaped(r, w.status);
      return;
    }
    if (!hung) {
      r->hang_gap_ns = r->hang_gap_ns ? r->hang_gap_ns * 2 : 250000000ull;
      if (r->hang_gap_ns > 4000000000ull)
        r->hang_gap_ns = 4000000000ull;
      r->hang_next_ns = ss_mono_ns() + r->hang_gap_ns;
      return;
    }
    ss_stop(r, SS_END_STALLED);
  } else {
    return;
  }
  /* ss_stop described the threads; the watchdog's verdict is the word */
  r->deadlocked = w.verdict == SS_WATCH_DEADLOCK;
  r->watch_tid = w.tid;
  r->watch_pc = w.pc;
  char buf[256];
  snprintf(buf, sizeof buf, "%s; no progress for %.1f s", w.what,
           (double)(now - r->prog_ns) / 1e9);
  free(r->watch);
  r->watch = strdup(buf);
}

void ss_run_kill(ss_run *r) {
  if (r->pid > 0) {
    kill(r->pid, SIGKILL);
    kill(-r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = -r->pid;
  }
}

int ss_runs_wait(ss_run **runs, size_t n, int timeout_ms) {
  /* a run reaped by an earlier call, not yet handed out */
  for (size_t i = 0; i < n; i++)
    if (runs[i] && runs[i]->done)
      return (int)i;
  struct pollfd pfd[2 * 64];
  size_t map[2 * 64], np = 0;
  uint64_t now = ss_mono_ns();
  for (size_t i = 0; i < n && np + 2 <= 128; i++) {
    ss_run *r = runs[i];
    if (!r || r->pid <= 0)
      continue;
    /* limits */
    if (r->end == SS_END_RUNNING) {
      if (r->timeout_ns && now - r->start_ns > r->timeout_ns) {
        ss_stop(r, SS_END_TIMEOUT);
      } else if (r->stall_ns || r->hang_ns) {
        ss_watch(r, now);
        if (r->done)
          return (int)i;
      }
    }
    if (r->pidfd >= 0) {
      pfd[np].fd = r->pidfd;
      pfd[np].events = POLLIN;
      map[np++] = i;
    }
    if (r->errfd >= 0) {
      pfd[np].fd = r->errfd;
      pfd[np].events = POLLIN;
      map[np++] = i;
    }
  }
  /* check for ended runs before sleeping */
  for (size_t i = 0; i < n; i++) {
    ss_run *r = runs[i];
    if (r && r->pid > 0 && r->pidfd < 0) {
      ss_reap(r); /* no pidfd (old kernel): poll waitpid */
      if (r->done)
        return (int)i;
    }
  }
  int pr = poll(pfd, np, timeout_ms);
  if (pr <= 0)
    return -1;
  int ended = -1;
  for (size_t k = 0; k < np; k++) {
    if (!pfd[k].revents)
      continue;
    ss_run *r = runs[map[k]];
    if (pfd[k].fd == r->errfd)
      ss_drain_stderr(r);
    else if (pfd[k].fd == r->pidfd) {
      ss_reap(r);
      if (r->done && ended < 0)
        ended = (int)map[k];
    }
  }
  return ended;
}

void ss_run_free(ss_run *r) {
  ss_run_kill(r);
  if (r->errfd >= 0)
    close(r->errfd);
  if (r->pidfd >= 0)
    close(r->pidfd);
  if (r->shm)
    munmap(r->shm, sizeof(struct ss_shm));
  if (r->shm_path[0])
    unlink(r->shm_path);
  free(r->err);
  free(r->threads);
  free(r->watch);
  ss_threads_free(r->traces, r->ntraces);
  memset(r, 0, sizeof *r);
  r->errfd = r->pidfd = -1;
}
