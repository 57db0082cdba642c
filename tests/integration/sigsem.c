/* sigsem: prints what the signal API tells a program, so a test can run it
 * with and without the runtime and require identical output. Covers
 * signal(), sigaction() with and without SA_SIGINFO, oldact, flags and
 * masks, SA_RESETHAND, SA_NODEFER, sysv_signal, bsd_signal, sigset,
 * siginterrupt, SIG_IGN/SIG_DFL, and delivery order. It raises signals at
 * itself: it tests the API, it is not a model of a bug.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* glibc declares it only for old X/Open levels */
extern __sighandler_t bsd_signal(int, __sighandler_t);

static volatile sig_atomic_t hits[65];
static volatile sig_atomic_t nested;
static volatile sig_atomic_t saw_info_pid;
static volatile sig_atomic_t saw_ucontext;

static void h_plain(int sig) {
  hits[sig]++;
}
static void h_info(int sig, siginfo_t *si, void *uc) {
  hits[sig]++;
  saw_info_pid = si && si->si_pid == getpid();
  saw_ucontext = uc != NULL;
}
static void h_nodefer(int sig) {
  hits[sig]++;
  if (hits[sig] == 1)
    raise(sig); /* SA_NODEFER: runs nested right now */
  else
    nested = 1;
}
static void h_errno(int sig) {
  (void)sig;
  errno = EBADF; /* the program sees what its handler did */
}

static const char *name(void (*h)(int)) {
  if (h == SIG_DFL)
    return "SIG_DFL";
  if (h == SIG_IGN)
    return "SIG_IGN";
  if (h == h_plain)
    return "h_plain";
  if (h == (void (*)(int))(void (*)(void))h_info)
    return "h_info";
  if (h == h_nodefer)
    return "h_nodefer";
  if (h == h_errno)
    return "h_errno";
  if (h == SIG_ERR)
    return "SIG_ERR";
  return "other";
}

static void show(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (sigaction(sig, NULL, &sa) != 0) {
    printf("sig %d: sigaction failed errno=%d\n", sig, errno);
    return;
  }
  int flags = sa.sa_flags & (SA_SIGINFO | SA_RESTART | SA_NODEFER |
                             SA_RESETHAND | SA_ONSTACK | SA_NOCLDSTOP);
  printf("sig %d: handler=%s flags=%#x mask:", sig, name(sa.sa_handler),
         (unsigned)flags);
  for (int s = 1; s < 32; s++)
    if (sigismember(&sa.sa_mask, s))
      printf(" %d", s);
  printf("\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* signal(): BSD semantics; return value is the previous handler */
  printf("signal -> %s\n", name(signal(SIGUSR1, h_plain)));
  printf("signal -> %s\n", name(signal(SIGUSR1, h_plain)));
  show(SIGUSR1);
  raise(SIGUSR1);
  printf("hits USR1=%d\n", hits[SIGUSR1]);

  /* sigaction with SA_SIGINFO and a mask */
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h_info;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGHUP);
  memset(&old, 0, sizeof old);
  sigaction(SIGUSR2, &sa, &old);
  printf("old USR2=%s\n", name(old.sa_handler));
  show(SIGUSR2);
  raise(SIGUSR2);
  printf("hits USR2=%d info_pid=%d ucontext=%d\n", hits[SIGUSR2], saw_info_pid,
         saw_ucontext);
  /* replacing returns the SA_SIGINFO handler in oldact */
  sa.sa_handler = h_plain;
  sa.sa_flags = 0;
  sigaction(SIGUSR2, &sa, &old);
  printf("old USR2=%s siginfo=%d\n",
         name((void (*)(int))(void (*)(void))old.sa_sigaction),
         !!(old.sa_flags & SA_SIGINFO));

  /* SA_RESETHAND: one shot, then SIG_DFL */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h_plain;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGWINCH, &sa, NULL);
  raise(SIGWINCH);
  show(SIGWINCH);

  /* SA_NODEFER: the handler nests */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h_nodefer;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGURG, &sa, NULL);
  raise(SIGURG);
  printf("nodefer hits=%d nested=%d\n", hits[SIGURG], nested);

  /* System V flavours */
  printf("sysv_signal -> %s\n", name(sysv_signal(SIGPROF, h_plain)));
  show(SIGPROF);
  raise(SIGPROF);
  show(SIGPROF);
  printf("bsd_signal -> %s\n", name(bsd_signal(SIGPROF, h_plain)));
  show(SIGPROF);
  printf("sigset -> %s\n", name(sigset(SIGVTALRM, h_plain)));
  show(SIGVTALRM);
  printf("sigset hold -> %s\n", name(sigset(SIGVTALRM, SIG_HOLD)));
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("VTALRM blocked=%d\n", sigismember(&cur, SIGVTALRM));
  printf("sigset again -> %s\n", name(sigset(SIGVTALRM, h_plain)));
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("VTALRM blocked=%d\n", sigismember(&cur, SIGVTALRM));
  siginterrupt(SIGPROF, 1);
  show(SIGPROF);
  siginterrupt(SIGPROF, 0);
  show(SIGPROF);

  /* SIG_IGN and SIG_DFL round trips */
  printf("ign -> %s\n", name(signal(SIGUSR1, SIG_IGN)));
  raise(SIGUSR1);
  printf("dfl -> %s\n", name(signal(SIGUSR1, SIG_DFL)));
  show(SIGUSR1);

  /* the program's handler may change errno: it sees the change */
  signal(SIGALRM, h_errno);
  errno = 0;
  raise(SIGALRM);
  printf("errno after handler=%d\n", errno);

  /* invalid requests fail the same way */
  errno = 0;
  printf("sigaction(SIGKILL) = %d errno=%d\n", sigaction(SIGKILL, &sa, NULL),
         errno);
  errno = 0;
  printf("signal(0) -> %s errno=%d\n", name(signal(0, h_plain)), errno);
  errno = 0;
  printf("signal(99) -> %s errno=%d\n", name(signal(99, h_plain)), errno);
  return 0;
}
