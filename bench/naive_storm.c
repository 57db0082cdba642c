/* naive_storm: the naive baseline of bench/ttd_bench.sh, one run.
 *
 * Starts PROG in its own process group and, as soon as PROG has a handler
 * for SIG (the signal's bit in SigCgt of /proc/PID/status: earlier, the
 * signal's default action would only kill it), sends SIG with kill(2) in a
 * tight loop until PROG ends: what a user's `while kill -ALRM $pid; do :;
 * done` does, without the shell's cost per kill. With --grandchild PROG is
 * a launcher (`sigstorm run --no-inject -- TARGET ...`) and the signals go
 * to its first child, TARGET; the run ends when the launcher ends.
 *
 * Prints one line on stdout:
 *   status=exit:N|signal:N|hang sent=N storm_ms=X ms=Y
 * hang: PROG had not ended --hang MS after it started; its process groups
 * (and TARGET's) are killed. Never asserts anything: the caller decides.
 *
 * Usage: naive_storm [--hang MS] [--grandchild] [--stderr FILE] SIG -- PROG
 * [ARGS...] SIG: a number or a name (ALRM, USR1, USR2, INT, TERM, HUP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid, target_pid, quit;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void kill_all(void) {
  if (target_pid > 0) {
    kill(-target_pid, SIGKILL);
    kill(target_pid, SIGKILL);
  }
  if (child_pid > 0) {
    kill(-child_pid, SIGKILL);
    kill(child_pid, SIGKILL);
  }
}

static void on_term(int sig) {
  (void)sig;
  kill_all(); /* kill(2) only: async-signal-safe */
  quit = 1;
}

static int parse_sig(const char *s) {
  static const struct {
    const char *name;
    int sig;
  } names[] = {{"ALRM", SIGALRM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
               {"INT", SIGINT},   {"TERM", SIGTERM}, {"HUP", SIGHUP},
               {"CHLD", SIGCHLD}, {"PIPE", SIGPIPE}};
  if (strncmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(s, names[i].name) == 0)
      return names[i].sig;
  char *end;
  long v = strtol(s, &end, 10);
  return (*s && !*end && v > 0 && v < 65) ? (int)v : -1;
}

/* 1: pid has a handler for sig; 0: not yet; -1: gone */
static int caught(pid_t pid, int sig) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  int r = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "State:", 6) == 0 && strchr(line, 'Z'))
      r = -1;
    if (strncmp(line, "SigCgt:", 7) == 0) {
      unsigned long long m = strtoull(line + 7, NULL, 16);
      if (r == 0 && (m >> (sig - 1) & 1))
        r = 1;
    }
  }
  fclose(f);
  return r;
}

static pid_t first_child(pid_t pid) {
  char path[80];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  int c = 0;
  if (fscanf(f, "%d", &c) != 1)
    c = 0;
  fclose(f);
  return c;
}

static void usage(void) {
  fprintf(stderr, "usage: naive_storm [--hang MS] [--grandchild] "
                  "[--stderr FILE] SIG -- PROG [ARGS...]\n");
  exit(2);
}

int main(int argc, char **argv) {
  double hang_ms = 10000;
  int grandchild = 0, i = 1;
  const char *errpath = "/dev/null";
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--hang") == 0 && i + 1 < argc)
      hang_ms = atof(argv[++i]);
    else if (strcmp(argv[i], "--grandchild") == 0)
      grandchild = 1;
    else if (strcmp(argv[i], "--stderr") == 0 && i + 1 < argc)
      errpath = argv[++i];
    else
      break;
  }
  if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
    usage();
  int sig = parse_sig(argv[i]);
  if (sig < 0)
    usage();
  char **prog = argv + i + 2;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  double t0 = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 3;
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int in = open("/dev/null", O_RDONLY);
    int out = open("/dev/null", O_WRONLY);
    int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0)
      _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execvp(prog[0], prog);
    _exit(127);
  }
  setpgid(pid, pid);
  child_pid = pid;

  int status = 0, ended = 0, hung = 0;
  unsigned long sent = 0;
  double storm_start = 0;
  struct timespec pause = {0, 100000}; /* 100 us between /proc polls */
  pid_t tgt = grandchild ? 0 : pid;
  /* 1. find the target and wait until it has a handler for sig */
  while (!ended && !quit) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ended = 1;
      break;
    }
    if (now_ms() - t0 > hang_ms) {
      hung = 1;
      break;
    }
    if (tgt <= 0) {
      tgt = first_child(pid);
      if (tgt > 0)
        target_pid = tgt;
    }
    if (tgt > 0 && caught(tgt, sig) == 1)
      break;
    nanosleep(&pause, NULL);
  }
  /* 2. the storm */
  storm_start = now_ms();
  int sending = !ended && !hung;
  while (!ended && !hung && !quit) {
    if (sending) {
      if (kill(tgt, sig) == 0)
        sent++;
      else if (errno == ESRCH)
        sending = 0;
    } else {
      nanosleep(&pause, NULL);
    }
    if (!sending || (sent & 63) == 0) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid)
        ended = 1;
      else if (now_ms() - t0 > hang_ms)
        hung = 1;
    }
  }
  double end = now_ms();
  if (!ended) {
    kill_all();
    waitpid(pid, &status, 0);
  }
  if (quit)
    return 130;
  if (hung)
    printf("status=hang");
  else if (WIFSIGNALED(status))
    printf("status=signal:%d", WTERMSIG(status));
  else
    printf("status=exit:%d", WEXITSTATUS(status));
  printf(" sent=%lu storm_ms=%.1f ms=%.1f\n", sent,
         storm_start > 0 ? end - storm_start : 0.0, end - t0);
  return 0;
}
