#!/usr/bin/env bash
# The injector does what the schedule says: counts, one-shot windows,
# event windows (on=FUNC#K), thread selection, and signals only while the
# program has a handler (unless force).
. "$(dirname "$0")/lib.sh"
m="$TARGETS/malloc_in_handler_fixed" # handles SIGUSR1 safely, keeps running

fired() { jq -r '.signals_fired' "$T/r/report.json"; }
handled() { jq -r '.signals_handled' "$T/r/report.json"; }
sched_run() { # SCHEDULE: one run, report in $T/r
  rm -rf "$T/r"
  run_rc 0 "$SS" run --seed 4 --schedule "$1" --report "$T/r" -- "$m"
}

sched_run 'sig=SIGUSR1 every=200us count=7'
[ "$(fired)" = 7 ] || fail "count=7 fired $(fired)"
sched_run 'sig=SIGUSR1 after=5ms'
[ "$(fired)" = 1 ] && [ "$(handled)" = 1 ] || fail "after= fired $(fired), handled $(handled)"
sched_run 'sig=SIGUSR1 on=malloc#2000 +10us'
[ "$(fired)" = 1 ] && [ "$(handled)" = 1 ] || fail "on=malloc#2000 fired $(fired), handled $(handled)"
sched_run 'sig=SIGUSR1 on=malloc#2000; sig=SIGUSR1 on=free#3000 +5us'
[ "$(fired)" = 2 ] || fail "two on= windows fired $(fired)"
# a K beyond the run's calls never fires
sched_run 'sig=SIGUSR1 on=malloc#999999999'
[ "$(fired)" = 0 ] || fail "an unreachable on= window fired"
# until= bounds a periodic window: ~20 ms of 1 ms periods (the injector
# thread may start a few ms late on a busy machine, and late shots are not
# made up in a burst)
sched_run 'sig=SIGUSR1 every=1ms until=20ms'
f=$(fired)
[ "$f" -ge 5 ] && [ "$f" -le 21 ] || fail "every=1ms until=20ms fired $f"
# no handler for SIGUSR2: nothing is sent without force
sched_run 'sig=SIGUSR2 every=100us count=5'
[ "$(fired)" = 0 ] || fail "fired at a signal the program does not handle"
# with force it is sent, and the default action kills the program
rm -rf "$T/r"
run_rc 1 "$SS" run --seed 4 --schedule 'sig=SIGUSR2 after=2ms force' --report "$T/r" -- "$m"
jq_true "$T/r/report.json" '([.findings[] | select(.kind == "default-action-death")] | length == 1) and .exit.signal == "SIGUSR2"' \
  "force at an unhandled signal: no default-action-death"
# a Poisson window fires about rate x time once the handler is there
sched_run 'sig=SIGUSR1 rate=20kHz until=10ms'
f=$(fired)
[ "$f" -ge 20 ] && [ "$f" -le 260 ] || fail "rate=20kHz until=10ms fired $f"
# until= ends a window even when its period never advances (every=0) or the
# injector falls behind it (every=1us): bench/spin prints when its handler
# last counted a signal, in seconds from its start
for s in 'every=0' 'every=1us' 'rate=5MHz'; do
  "$SS" run --seed 4 --schedule "sig=SIGUSR1 $s until=50ms" --report "$T/r" \
    -- "$BUILD/bench/spin" --seconds 0.5 >"$T/out" 2>"$T/err" || fail "spin under $s"
  last=$(sed -n 's/.* last=\([0-9.]*\).*/\1/p' "$T/out")
  [ -n "$last" ] || fail "$s: spin printed no last= ($(cat "$T/out"))"
  awk -v l="$last" 'BEGIN { exit !(l > 0.0 && l < 0.25) }' ||
    fail "$s until=50ms: signals still arrived at ${last}s of 0.5s"
done
echo "windows: ok"
