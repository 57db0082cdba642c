#!/usr/bin/env bash
# The builtin fuzzing engine (docs/fuzzing.md "The builtin engine") on the
# regresshion model built with gcc only (regresshion[_fixed].sfuzz):
#   - a campaign under the race-window oracle finds the handler's unsafe
#     call while the interrupted frame was inside the allocator, exits
#     non-zero, saves crash-<16 hex> and crash-<16 hex>.txt with the report;
#     run as a file argument, the saved input makes the target die by
#     SIGABRT with sigstorm's report;
#   - the fixed twin finds nothing in 5 s;
#   - a second campaign on the same corpus folder loads the first one's
#     files (its status line counts them);
#   - the supervisor (tests/integration/fuzz_spin.c: no handlers, so
#     nothing is fired; the workload starts after the 32-byte prefix): an
#     input that spins is killed after -timeout and saved as timeout-*, one
#     that faults as crash-* (which, run, dies by SIGSEGV);
#     -ignore_crashes=1 -ignore_timeouts=1 saves both and goes on with new
#     workers; a supervisor killed with SIGKILL takes its worker along and
#     leaves no half-written file.
# Skipped (77) when the .sfuzz targets were not built (no gcc).
. "$(dirname "$0")/lib.sh"
bug="$TARGETS/regresshion.sfuzz"
fixed="$TARGETS/regresshion_fixed.sfuzz"
if [ ! -x "$bug" ] || [ ! -x "$fixed" ]; then
  echo "SKIP: no builtin-engine fuzz targets" >&2
  exit 77
fi

# 1. Find the race window from an empty corpus (seed 1: about 0.1 s).
mkdir -p "$T/c" "$T/a"
set +e
SIGSTORM_FUZZ_ORACLE=window "$bug" -seed=1 -max_total_time=15 \
  -artifact_prefix="$T/a/" -print_final_stats=1 "$T/c" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 77 ] || { tail -n 20 "$T/err" >&2; fail "exit $rc after a crash, want 77"; }
grep -q '^==sigstorm== ERROR: sigstorm: reentrancy[a-z-]*: the SIGALRM handler .* interrupted=\([a-z_]*alloc\|free\|malloc\)' "$T/err" ||
  { grep '==sigstorm' "$T/err" >&2; fail "the finding is not in the allocator's window"; }
grep -q '^==[0-9]*== ERROR: sigstorm-fuzz: deadly signal SIGABRT$' "$T/err" ||
  fail "no 'deadly signal' line"
crash=$(sed -n "s|^artifact_prefix='$T/a/'; Test unit written to \(.*\)$|\1|p" "$T/err")
[ -n "$crash" ] && [ -f "$crash" ] || fail "no 'Test unit written to' line or file"
case "$(basename "$crash")" in
crash-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
*) fail "artifact name $(basename "$crash")" ;;
esac
[ "$(ls "$T/a" | wc -l)" -eq 2 ] || fail "artifacts: $(ls "$T/a")"
grep -q '^==sigstorm-fuzz== crash: deadly signal SIGABRT' "$crash.txt" ||
  fail "the .txt does not say how the worker died"
grep -q '^==sigstorm== ERROR: sigstorm: reentrancy' "$crash.txt" ||
  fail "the .txt lacks the report"
grep -q '^stat::number_of_executed_units: [1-9]' "$T/err" || fail "no final stats"
grep -q '^#[0-9]*	INITED cov: [0-9]* ft: [0-9]* corp: 1/' "$T/err" ||
  fail "no INITED status line"
echo "found: $(grep -m1 '^==sigstorm== ERROR' "$T/err")"
echo "       $(grep stat::number_of_executed_units "$T/err")"

# The saved input, run as a file (up to 1000 times: whether and where a
# signal lands is a race, and the saved input may be a short one whose
# window fires one run in hundreds): the handler's unsafe call is reported
# and the process dies by SIGABRT. Default oracle: the race window itself
# is nanoseconds wide, which re-running seldom hits again (an instruction
# window from the case-file conversion replays it).
set +e
"$bug" -runs=1000 "$crash" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 134 ] || { tail -n 20 "$T/err" >&2; fail "the crash file ran with exit $rc, want death by SIGABRT (134)"; }
grep -q '^==sigstorm== ERROR: sigstorm: [a-z-]*: the SIGALRM handler .* called ' "$T/err" ||
  fail "no report when the crash file runs"
run_rc 0 "$fixed" -runs=1000 "$crash"
! grep -q '==sigstorm==' "$T/err" || fail "the fixed twin reported on the crash file"

# 2. The fixed twin: nothing in 5 s.
mkdir -p "$T/fc" "$T/fa"
run_rc 0 env SIGSTORM_FUZZ_ORACLE=window "$fixed" -seed=1 -max_total_time=5 \
  -artifact_prefix="$T/fa/" -print_final_stats=1 "$T/fc"
[ -z "$(ls "$T/fa")" ] || fail "the fixed twin saved $(ls "$T/fa")"
grep -q '^#[0-9]*	DONE ' "$T/err" || fail "no DONE status line"
grep -q '^#[0-9]*	\(NEW\|pulse\) *cov: ' "$T/err" || fail "no per-second status line"
n1=$(ls "$T/fc" | wc -l)
[ "$n1" -gt 10 ] || fail "the campaign kept only $n1 inputs"
! ls -a "$T/fc" | grep -q '^\.tmp-' || fail "temporary files left in the corpus"
echo "fixed twin, 5 s: $(grep -m1 '	DONE ' "$T/err")"

# 3. Resume: a second campaign loads the first one's files.
run_rc 0 env SIGSTORM_FUZZ_ORACLE=window "$fixed" -seed=2 -runs=500 "$T/fc"
grep -q "^INFO: seed corpus: files: $n1 " "$T/err" ||
  { grep INFO "$T/err" >&2; fail "the second campaign did not load the $n1 files"; }
corp=$(sed -n 's/^#[0-9]*	INITED .* corp: \([0-9]*\)\/.*/\1/p' "$T/err")
[ -n "$corp" ] && [ "$corp" -gt 1 ] || fail "the resumed corpus has ${corp:-no} inputs"
echo "resumed: $n1 files loaded, corpus $corp after running them"

# 4. The supervisor, on a target that spins or faults on demand.
spin="$BUILD/tests/fuzz_spin.sfuzz"
[ -x "$spin" ] || fail "no $spin"
seed() { # DIR NAME WORKLOAD: a 32-byte empty schedule, then WORKLOAD
  { head -c 32 /dev/zero; printf '%s' "$3"; } >"$1/$2"
}
fnv() { # the artifact's name: FNV-1a 64 of the file, 16 hex digits
  local h=$((0xcbf29ce484222325)) b
  for b in $(od -An -v -tu1 "$1"); do
    h=$(((h ^ b) * 0x100000001b3)) # wraps at 64 bits, as the C code does
  done
  printf '%016x\n' "$h"
}
mkdir -p "$T/s1" "$T/s1a" "$T/s2" "$T/s2a" "$T/s3" "$T/s3a"
seed "$T/s1" hang spin
run_rc 70 "$spin" -timeout=1 -max_total_time=20 \
  -artifact_prefix="$T/s1a/" "$T/s1"
# (the supervisor's kill after -timeout, or the runtime's own watchdog at
# half of it, when the runtime has one)
grep -q "^==[0-9]*== ERROR: sigstorm-fuzz: timeout\( after 1 seconds$\| (the runtime's watchdog)\)" "$T/err" ||
  fail "no timeout line"
h=$(fnv "$T/s1/hang")
[ -f "$T/s1a/timeout-$h" ] && cmp -s "$T/s1a/timeout-$h" "$T/s1/hang" ||
  fail "the spinning input is not saved as timeout-$h: $(ls "$T/s1a")"
grep -q '^==sigstorm-fuzz== timeout: timeout' "$T/s1a/timeout-$h.txt" ||
  fail "the timeout's .txt"

seed "$T/s2" fault segv
run_rc 77 "$spin" -max_total_time=20 \
  -artifact_prefix="$T/s2a/" "$T/s2"
h=$(fnv "$T/s2/fault")
grep -q "^==[0-9]*== ERROR: sigstorm-fuzz: deadly signal SIGSEGV$" "$T/err" &&
  [ -f "$T/s2a/crash-$h" ] || fail "the faulting input is not saved as crash-$h"
run_rc 139 bash -c '"$1" "$2" 2>/dev/null; exit $?' _ "$spin" "$T/s2a/crash-$h" ||
  fail "the crash file does not fault"

seed "$T/s3" a-hang spin
seed "$T/s3" b-fault segv
seed "$T/s3" c-fine hello
run_rc 77 "$spin" -timeout=1 -ignore_crashes=1 \
  -ignore_timeouts=1 -runs=3000 -artifact_prefix="$T/s3a/" "$T/s3"
[ -f "$T/s3a/timeout-$(fnv "$T/s3/a-hang")" ] &&
  [ -f "$T/s3a/crash-$(fnv "$T/s3/b-fault")" ] ||
  fail "going on after findings: $(ls "$T/s3a")"
grep -q '^#[0-9]*	DONE ' "$T/err" || fail "the campaign did not go on to -runs"

# SIGKILL: the worker dies with the supervisor; no temporary file is left
mkdir -p "$T/s4" "$T/s4a"
seed "$T/s4" fine hello
"$spin" -max_total_time=20 -artifact_prefix="$T/s4a/" "$T/s4" 2>/dev/null &
sup=$!
sleep 1
worker=$(pgrep -P "$sup" || true)
[ -n "$worker" ] || fail "no worker under the supervisor"
kill -KILL "$sup"
wait "$sup" 2>/dev/null || true
for _ in 1 2 3 4 5 6 7 8 9 10; do
  kill -0 "$worker" 2>/dev/null || break
  sleep 0.2
done
! kill -0 "$worker" 2>/dev/null || fail "the worker outlived its supervisor"
! ls -a "$T/s4" | grep -q '^\.tmp-' || fail "temporary files left"
[ "$(ls "$T/s4" | wc -l)" -gt 1 ] || fail "the killed campaign saved no input"
[ -z "$(ls "$T/s4a")" ] || fail "the killed campaign saved $(ls "$T/s4a")"
echo "supervisor: timeout, crash, going on, SIGKILL: ok"
echo "PASS"
