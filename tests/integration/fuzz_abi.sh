#!/usr/bin/env bash
# The fuzz ABI (docs/fuzzing.md) on the regresshion model's fuzz target:
# a hand-made input whose schedule prefix fires SIGALRM during the workload
# aborts with sigstorm's report (run as libFuzzer runs a file argument), the
# fixed twin runs it clean; a short libFuzzer campaign finds the handler's
# unsafe call in the race window and saves the input, the twin's finds
# nothing; a synchronous on= input shows its finding in every run;
# interruption coverage adds features. Skipped (77) when the fuzz targets were not built (no clang with
# libFuzzer).
. "$(dirname "$0")/lib.sh"
bug="$TARGETS/regresshion.fuzz"
fixed="$TARGETS/regresshion_fixed.fuzz"
if [ ! -x "$bug" ] || [ ! -x "$fixed" ]; then
  echo "SKIP: no fuzz targets (clang cannot build libFuzzer targets)" >&2
  exit 77
fi
# libFuzzer's own SIGALRM (-timeout) and SIGUSR1/2 handling off
LF=(-timeout=0 -handle_usr1=0 -handle_usr2=0)

# The schedule prefix, 4 records of 8 bytes: record 0 is kind 1 (after),
# signal 0 (the first the program handles: SIGALRM), thread 0 (main),
# v=0 (at 0 ns); records 1-3 are kind 0 (none). Then the workload: 1000
# length-prefixed packets (a length byte 199 = 200 bytes, then the bytes).
python3 - "$T/alarm.in" <<'PY'
import sys
pre = bytes([1, 0, 0, 0, 0, 0, 0, 0]) + bytes(24)
pkt = bytes([199]) + bytes((i * 7) & 255 for i in range(200))
open(sys.argv[1], "wb").write(pre + pkt * 1000)
PY

# one input, run as a file argument (up to 5 times: the first shot comes
# from an injector thread that the first input starts)
set +e
(cd "$T" && "$bug" "${LF[@]}" -runs=5 "$T/alarm.in") >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" -ne 0 ] || { tail -n 20 "$T/err" >&2; fail "the buggy model ran the alarm input clean"; }
grep -q '^==sigstorm== ERROR: sigstorm: [a-z-]*: the SIGALRM handler .* called ' "$T/err" ||
  { tail -n 30 "$T/err" >&2; fail "no sigstorm report for the alarm input"; }
grep -q 'window 0: sig=SIGALRM thread=main after=0ns' "$T/err" ||
  fail "the report does not give the schedule"
grep -q 'libFuzzer: deadly signal' "$T/err" || fail "the abort did not reach libFuzzer"
# the machine-readable line a triage tool parses
grep -Eq '^==sigstorm== FINDING kind=(unsafe-call|reentrancy-window|reentrancy) sig=SIGALRM handler=grace_alarm_handler callee=[a-z_]+ interrupted=([a-z_]+|-) thread=main$' "$T/err" ||
  { grep '==sigstorm==' "$T/err" >&2; fail "no FINDING line for the alarm input"; }

run_rc 0 "$fixed" "${LF[@]}" -runs=5 "$T/alarm.in"
! grep -q '==sigstorm==' "$T/err" || fail "the fixed twin reported: $(grep '==sigstorm==' "$T/err")"

# A synchronous on= window (fuzz ABI 2): record 0 is kind 4 (on), signal 0,
# thread 0 (the input's thread), function 0 (malloc), v=4 (the 5th entry),
# w=0 (even: raised by the calling thread inside that malloc call). The
# same input must show the same finding in every run, each a process of
# its own; the fixed twins never.
python3 - "$T/onsync.in" "$T/onsync_mih.in" <<'PY'
import struct, sys
pre = bytes([4, 0, 0, 0]) + struct.pack("<HH", 4, 0) + bytes(24)
pkt = bytes([199]) + bytes((i * 7) & 255 for i in range(200))
open(sys.argv[1], "wb").write(pre + pkt * 50)
open(sys.argv[2], "wb").write(pre + bytes(range(200)))
PY
onsync() { # MODEL INPUT FINDING-REGEX: 50 runs, each must show it
  local bin=$TARGETS/$1.fuzz fix=$TARGETS/$1_fixed.fuzz i k=0
  [ -x "$bin" ] && [ -x "$fix" ] || fail "no fuzz targets for $1"
  for i in $(seq 50); do
    set +e
    (cd "$T" && SIGSTORM_FUZZ_ORACLE=window "$bin" "${LF[@]}" -runs=1 "$2") \
      >"$T/out" 2>"$T/err"
    set -e
    if grep -Eq "$3" "$T/err"; then
      k=$((k + 1))
    else
      grep '==sigstorm==' "$T/err" >&2 || tail -n 5 "$T/err" >&2
    fi
  done
  [ "$k" -eq 50 ] || fail "$1: the synchronous on=malloc#5 input showed its finding in $k of 50 runs"
  grep -q 'schedule (fuzz abi 2) window 0: sig=SIG[A-Z0-9]* thread=main on=malloc#5 +0ns' "$T/err" ||
    fail "$1: the report does not give the on= window"
  run_rc 0 env SIGSTORM_FUZZ_ORACLE=window "$fix" "${LF[@]}" -runs=50 "$2"
  ! grep -q '==sigstorm==' "$T/err" || fail "$1_fixed reported: $(grep '==sigstorm==' "$T/err")"
  echo "$1: synchronous on=malloc#5: the finding in 50 of 50 runs, the fixed twin clean"
}
onsync regresshion "$T/onsync.in" \
  '^==sigstorm== FINDING kind=reentrancy-window sig=SIGALRM handler=grace_alarm_handler callee=vsnprintf interrupted=malloc thread=main$'
if [ -x "$TARGETS/malloc_in_handler.fuzz" ]; then
  onsync malloc_in_handler "$T/onsync_mih.in" \
    '^==sigstorm== FINDING kind=reentrancy sig=SIGUSR1 handler=stats_handler callee=malloc interrupted=malloc thread=main$'
fi

# Only the program's calls count for on= windows. A synchronous
# on=calloc#1 window on thread=caller with no workload: regresshion makes
# no calloc, so nothing may fire. libFuzzer's RSS thread (started after
# LLVMFuzzerInitialize, on by default) callocs in ASan's thread start-up;
# when it started late that was the first input's calloc#1, its handler
# ran there, and this input showed "interrupted=calloc" in about half the
# processes (triage then minimized a finding's workload away). 10
# processes of 500 runs each, the RSS thread on.
python3 - "$T/engine_calloc.in" <<'PY'
import sys
open(sys.argv[1], "wb").write(bytes([4, 0, 1, 2, 0, 0, 0, 0]) + bytes(24))
PY
for i in $(seq 10); do
  run_rc 0 env SIGSTORM_FUZZ_ORACLE=window "$bug" "${LF[@]}" -rss_limit_mb=2048 \
    -runs=500 "$T/engine_calloc.in"
  ! grep -q '==sigstorm==' "$T/err" ||
    fail "process $i: an engine thread's calloc fired the input's on=calloc#1: $(grep -m1 '==sigstorm== FINDING' "$T/err")"
done
echo "on=calloc#1 thread=caller, no workload: clean in 10 processes (engine threads do not count)"

# A short campaign from an empty corpus, with the race-window oracle: the
# handler's unsafe call made while the interrupted frame was inside the
# allocator (or another interposed function).
mkdir -p "$T/c" "$T/a" "$T/fc" "$T/fa"
start=$(date +%s%N)
set +e
SIGSTORM_FUZZ_ORACLE=window "$bug" "${LF[@]}" -seed=1 -max_total_time=20 \
  -artifact_prefix="$T/a/" "$T/c" >"$T/out" 2>"$T/err"
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -ne 0 ] || fail "20 s of fuzzing found nothing in regresshion"
grep -q '^==sigstorm== ERROR: sigstorm: reentrancy[a-z-]*: the SIGALRM handler .* interrupted=[a-z_]*alloc\|^==sigstorm== ERROR: sigstorm: reentrancy[a-z-]*: the SIGALRM handler .* interrupted=free' "$T/err" ||
  { grep '==sigstorm==' "$T/err" >&2; fail "the finding is not in the allocator's window"; }
ls "$T/a"/crash-* >/dev/null 2>&1 || fail "libFuzzer saved no crash file"
grep -Eq '^==sigstorm== FINDING kind=reentrancy[a-z-]* sig=SIGALRM handler=grace_alarm_handler callee=[a-z_]+ interrupted=[a-z_]+ thread=main$' "$T/err" ||
  fail "no FINDING line for the window finding"
echo "regresshion: found in ${ms} ms: $(grep -m1 '^==sigstorm== ERROR' "$T/err")"

run_rc 0 env SIGSTORM_FUZZ_ORACLE=window "$fixed" "${LF[@]}" -seed=1 \
  -max_total_time=10 -artifact_prefix="$T/fa/" "$T/fc"
! ls "$T/fa"/crash-* >/dev/null 2>&1 || fail "the fixed twin's campaign saved a crash"
echo "regresshion_fixed: $(grep -m1 '^Done' "$T/err")"

# Interruption coverage (libFuzzer extra counters: the interrupted code
# region and function, per signal) makes schedules that interrupt new code
# new features; SIGSTORM_FUZZ_ICOV=0 turns it off. Same seed, same runs.
ft() { # ICOV: features after 100000 runs of the fixed twin
  rm -rf "$T/cov"
  mkdir -p "$T/cov"
  SIGSTORM_FUZZ_ICOV=$1 "$fixed" "${LF[@]}" -seed=1 -runs=100000 "$T/cov" 2>&1 |
    grep -E '^#[0-9]+.*DONE' | sed 's/.* ft: \([0-9]*\).*/\1/'
}
on=$(ft 1)
off=$(ft 0)
echo "features after 100000 runs: interruption coverage on $on, off $off"
[ -n "$on" ] && [ -n "$off" ] && [ "$on" -gt $((off + 100)) ] ||
  fail "interruption coverage adds no features (on $on, off $off)"

# The per-input watchdog (SIGSTORM_FUZZ_TIMEOUT): tests/integration/
# fuzz_stuck.c, whose SIGUSR1 handler takes a mutex. Record 0: after, the
# first handled signal (SIGUSR1), main thread, v=0xffff (at 524 us); the
# workload byte 'd' holds the mutex for 200 ms (the handler deadlocks on it;
# less than the 300 ms watchdog, more than a busy machine delays the shot),
# 'h' spins. Each must end by SIGABRT within the timeout, with the report,
# the FINDING line and the input saved as timeout-<FNV-1a 64>; libFuzzer's
# crash handler (which allocates) must not run.
stuck="$BUILD/tests/fuzz_stuck.fuzz"
[ -x "$stuck" ] || fail "no watchdog fixture $stuck"
for m in d:deadlock h:hang; do
  byte=${m%%:*}
  kind=${m#*:}
  mkdir -p "$T/wd$byte"
  fnv=$(python3 - "$T/$byte.in" "$byte" <<'PY'
import sys
data = bytes([1, 0, 0, 0, 0xff, 0xff, 0, 0]) + bytes(24) + sys.argv[2].encode()
open(sys.argv[1], "wb").write(data)
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)
PY
)
  start=$(date +%s%N)
  set +e
  (cd "$T/wd$byte" && SIGSTORM_FUZZ_ORACLE=window SIGSTORM_FUZZ_TIMEOUT=300 \
    SIGSTORM_FUZZ_ARTIFACTS="$T/wd$byte" timeout 20 "$stuck" "${LF[@]}" \
    "$T/$byte.in") >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  ms=$((($(date +%s%N) - start) / 1000000))
  [ "$rc" -eq 134 ] || { tail -n 20 "$T/err" >&2; fail "$kind input: exit $rc, not SIGABRT (134)"; }
  case $kind in
  deadlock) want='^==sigstorm== FINDING kind=deadlock sig=SIGUSR1 handler=on_usr1 callee=pthread_mutex_lock interrupted=- thread=main$' ;;
  hang) want='^==sigstorm== FINDING kind=hang sig=SIGUSR1 handler=- callee=- interrupted=- thread=main$' ;;
  esac
  grep -q "^==sigstorm== ERROR: sigstorm: $kind: " "$T/err" ||
    { cat "$T/err" >&2; fail "no $kind report"; }
  grep -Eq "$want" "$T/err" || { grep '==sigstorm==' "$T/err" >&2; fail "wrong FINDING line for the $kind"; }
  grep -q 'schedule (fuzz abi 2) window 0: sig=SIGUSR1 thread=main after=524280ns' "$T/err" ||
    fail "the $kind report does not give the schedule"
  ! grep -q 'libFuzzer: deadly signal' "$T/err" || fail "libFuzzer's crash handler ran after the $kind"
  cmp -s "$T/$byte.in" "$T/wd$byte/timeout-$fnv" ||
    { ls -l "$T/wd$byte" >&2; fail "the $kind input was not saved as timeout-$fnv"; }
  echo "watchdog: $kind reported in ${ms} ms: $(grep -m1 '^==sigstorm== FINDING' "$T/err")"
done
echo "PASS"
