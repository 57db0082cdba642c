/* sigstorm: fuzz and stress harness for signal-handler races. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"

uint64_t ss_random_seed(void);

static const char ss_usage[] =
    "usage: sigstorm COMMAND [OPTIONS] -- PROG [ARGS...]\n"
    "\n"
    "commands:\n"
    "  run      run PROG once under the runtime and report what went wrong\n"
    "  stress   run PROG many times with random signal schedules\n"
    "  sweep    try every instruction window of a function (ptrace), one "
    "by one\n"
    "  replay   replay a reproducer (.case file) deterministically\n"
    "  regress  replay every case of a corpus folder; compare with 'expect'\n"
    "  fuzz     coverage-guided schedule fuzzing (libFuzzer, AFL++, builtin)\n"
    "  help     help on a command, or 'help schedule' for the schedule "
    "syntax\n"
    "  version  print the version\n"
    "\n"
    "exit status: 0 no findings, 1 findings, 2 usage or input error, 3 "
    "internal error\n";

static void ss_on_signal(int sig) {
  (void)sig;
  ss_interrupted = 1;
}

static void ss_host_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ss_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* orphans of the target become ours, so nothing escapes the cleanup */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void ss_help_schedule(void) {
  printf(
      "schedule syntax (--schedule SPEC or --schedule @FILE)\n"
      "\n"
      "  SPEC   := WINDOW ( ';' WINDOW )*    in a FILE: one window per line,\n"
      "                                      '#' starts a comment\n"
      "  WINDOW := TOKEN ( ' ' | ',' TOKEN )*\n"
      "\n"
      "  sig=NAME|NUM|handled  signal to send (default: handled = any "
      "signal\n"
      "                        the process has installed a handler for)\n"
      "  after=DUR             one shot DUR after the process started; with\n"
      "                        every=/rate=: when they begin\n"
      "  every=DUR jitter=P%%   periodic, period varied by +-P%% (uniform)\n"
      "  rate=FREQ             Poisson process, e.g. rate=20kHz\n"
      "  on=FUNC#K [+DUR]      DUR after the K-th entry into FUNC (below)\n"
      "  count=N               at most N shots from this window\n"
      "  until=DUR             no shot after DUR\n"
      "  thread=main|any|all|caller   target thread (default main; for on=,\n"
      "                        caller = the thread that made the K-th call)\n"
      "  force                 also fire when the process has no handler\n"
      "                        (finds default-action deaths)\n"
      "\n"
      "  DUR: 250us, 1.5ms, 2s, 100ns    FREQ: 500Hz, 20kHz, 1MHz\n"
      "\n"
      "examples:\n"
      "  sig=SIGALRM after=250us\n"
      "  sig=SIGUSR1 every=40us jitter=50%%; sig=SIGTERM after=5ms\n"
      "  sig=SIGALRM on=malloc#37 +3us\n"
      "\n"
      "functions for on= (the interposed async-signal-unsafe functions):\n ");
  for (unsigned i = 0; i < SS_FN_COUNT; i++)
    printf(" %s", ss_fn_name(i));
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(ss_usage, stderr);
    return SS_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"run", ss_cmd_run},         {"stress", ss_cmd_stress},
              {"sweep", ss_cmd_sweep},     {"replay", ss_cmd_replay},
              {"regress", ss_cmd_regress}, {"fuzz", ss_cmd_fuzz}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(cmd, cmds[i].name) == 0) {
      ss_host_signals();
      return cmds[i].fn(argc - 1, argv + 1);
    }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
      strcmp(cmd, "-h") == 0) {
    if (argc > 2 && strcmp(argv[2], "schedule") == 0) {
      ss_help_schedule();
      return SS_EXIT_CLEAN;
    }
    for (size_t i = 0; argc > 2 && i < sizeof cmds / sizeof cmds[0]; i++)
      if (strcmp(argv[2], cmds[i].name) == 0) {
        char *hargv[] = {argv[2], "--help", NULL};
        return cmds[i].fn(2, hargv);
      }
    fputs(ss_usage, stdout);
    return SS_EXIT_CLEAN;
  }
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("sigstorm 0.1.0\n");
    return SS_EXIT_CLEAN;
  }
  SS_ERR("unknown command '%s' (commands: run, stress, sweep, replay, regress, "
         "fuzz, "
         "help, version)",
         cmd);
  return SS_EXIT_USAGE;
}
