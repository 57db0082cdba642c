#!/usr/bin/env bash
# The runtime watches itself: every interposed call made while its own
# signal-path code runs (trampoline, recorder, injector thread) counts as a
# violation, and sigstorm exits 3 when there is one. Storm several programs
# and require zero. Then check statically that the signal-path objects only
# import functions signal-safety(7) lists.
. "$(dirname "$0")/lib.sh"
for m in regresshion malloc_in_handler stdio_in_handler; do
  for v in "$m" "${m}_fixed"; do
    set +e
    "$SS" stress --runs 40 --jobs 2 --seed 5 --schedule 'sig=handled rate=20kHz' --no-cases --report "$T/$v" -- "$TARGETS/$v" >/dev/null 2>"$T/err"
    rc=$?
    set -e
    [ "$rc" -le 1 ] || { cat "$T/err" >&2; fail "$v: sigstorm exit $rc"; }
    jq_true "$T/$v/report.json" '.runtime_violations == 0' "$v: runtime violations"
    jq_true "$T/$v/report.json" '.signals_handled > 0' "$v: no signal handled"
  done
done
PY=$(command -v /usr/bin/python3 || command -v python3)
run_rc 0 "$SS" run --seed 5 --schedule 'sig=SIGUSR1 every=20us' --no-cases --report "$T/py" -- "$PY" -c '
import signal
signal.signal(signal.SIGUSR1, lambda s, f: None)
sum(i * i for i in range(3000000))'
jq_true "$T/py/report.json" '.runtime_violations == 0 and .signals_handled > 100' "python3 storm"

# static: what the signal-path objects import
objdir="$BUILD/injector/CMakeFiles/sigstorm_rt.dir"
allowed='^(__errno_location|getpid|getuid|gettid|memcpy|memset|memmove|syscall|sigaltstack|sigemptyset|sigaddset|sigismember|sigfillset|clock_gettime|__stack_chk_fail|_GLOBAL_OFFSET_TABLE_|dlsym|ss_[a-z_]+|real_[a-z_]+|sigstorm_trampoline|ss_t)$'
for o in rt_signal.c.o rt_record.c.o rt_wrap.c.o; do
  [ -f "$objdir/$o" ] || fail "missing $objdir/$o"
  bad=$(nm -u "$objdir/$o" | awk '{print $2}' | grep -Ev "$allowed" || true)
  [ -z "$bad" ] || fail "$o imports functions that are not async-signal-safe: $bad"
done
echo "selfcheck: ok"
