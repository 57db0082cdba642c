/* spin: the target of the injector benchmark. A SIGUSR1 handler counts;
 * the main thread spins for --seconds S (default 1.0) and prints
 *   handled=<n> seconds=<s> first=<t> last=<t> window_handled=<n>
 * (see spin_common.h). It sends nothing itself: run it under
 *   sigstorm run --schedule 'sig=SIGUSR1 every=0 until=1s' -- bench/spin
 */
#include "spin_common.h"

int main(int argc, char **argv) {
  double secs = 1.0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      secs = spin_seconds_arg(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  spin_install();
  struct spin_result r;
  spin_run(secs, NULL, &r);
  spin_print(&r);
  return 0;
}
