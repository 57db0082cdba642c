/* treeprog: a program that does what makes in-target tools lose events:
 * it forks, closes every inherited fd, re-execs itself and then sandboxes
 * itself (chroot into an empty directory when allowed, and it can no longer
 * open any file). Each stage installs a handler that makes an unsafe call
 * and raises the signal at itself, so the test knows which findings each
 * process must contribute. Output is deterministic.
 *
 *   usage: treeprog [EMPTY_DIR]   (the jail for stage 2)
 *   stage 1 (first image): SIGUSR1 handler calls malloc; fork a child that
 *     raises SIGUSR1; wait; close all fds >= 3; re-exec as stage 2.
 *   stage 2 (re-exec'd image): sandbox; SIGUSR2 handler calls printf;
 *     raise SIGUSR2.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) {
  (void)sig;
  char *volatile p = malloc(64); /* the bug stage 1 contributes */
  free(p);
}

static void on_usr2(int sig) {
  printf("stage 2 handler: signal %d\n", sig); /* stage 2's bug */
  fflush(stdout);
}

static void close_all_fds(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
    return;
#endif
  for (int fd = 3; fd < 1024; fd++)
    close(fd);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "stage2") == 0) {
    const char *jail = argc > 2 ? argv[2] : NULL;
    /* chroot needs root; without it the run still checks the rest */
    int jailed = jail && chroot(jail) == 0 && chdir("/") == 0;
    if (jailed && open("/proc/self/exe", O_RDONLY) >= 0)
      printf("stage 2: the sandbox leaks\n");
    signal(SIGUSR2, on_usr2);
    raise(SIGUSR2);
    printf("stage 2: done\n");
    return 0;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, on_usr1);
  pid_t child = fork();
  if (child == 0) {
    raise(SIGUSR1);
    _exit(0);
  }
  int st = 0;
  waitpid(child, &st, 0);
  printf("stage 1: child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close_all_fds();
  char *args[] = {argv[0], "stage2", argc > 1 ? argv[1] : NULL, NULL};
  execv("/proc/self/exe", args);
  perror("execv");
  return 1;
}
