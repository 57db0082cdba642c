#!/usr/bin/env bash
# Every model's fuzz entry point (docs/fuzzing.md, "Built here") and its
# normal build's --input, on the same workload bytes:
# - an input whose schedule prefix fires the model's signal from 20 us into
#   the workload (8 shots, 10 us apart) makes each buggy fuzz target abort with sigstorm's report
#   naming the handler's unsafe call (the default oracle stops at the
#   handler's first unsafe call, so the deadlock models report instead of
#   deadlocking); nonatomic_flag's stays a real hang (the runtime's watchdog
#   reports it after 1 s).
#   The signal lands only if the workload runs that long: an entry point
#   that ignores its bytes gives no report;
# - the workload bytes add coverage (injection off) over an empty input;
# - every fixed twin runs the input clean (exit 0, no report);
# - `<model> --input FILE` runs the same workload: its summary line gives
#   the counts the bytes imply (computed here), `--input /dev/stdin` prints
#   the same; nonatomic_flag's buggy build hangs there too.
# Skipped (77) when the fuzz targets were not built (no clang with
# libFuzzer).
. "$(dirname "$0")/lib.sh"
MODELS=(malloc_in_handler stdio_in_handler mutex_in_handler
  malloc_lock_deadlock heap_corruption nonatomic_flag)
for m in "${MODELS[@]}"; do
  if [ ! -x "$TARGETS/$m.fuzz" ] || [ ! -x "$TARGETS/${m}_fixed.fuzz" ]; then
    echo "SKIP: no fuzz targets (clang cannot build libFuzzer targets)" >&2
    exit 77
  fi
done
# libFuzzer's own SIGALRM (-timeout) and SIGUSR1/2 handling off
LF=(-timeout=0 -handle_usr1=0 -handle_usr2=0)

# The workloads (what each model's bytes mean: the model's header comment)
# and, for each, the summary line its normal build's --input must print.
# Prefix: record 0 is kind 2 (every), signal 0 (the first the program
# handles), thread 0 (the input's), aux 7 (8 shots), v=1125 (every 10 us),
# w=2500 (the first at 20 us); records 1-3 none.
python3 - "$T" <<'PY'
import sys
d = sys.argv[1]
w = {}
# inserts, a drain every 500 steps
w['malloc_in_handler'] = bytes(0xf5 if i % 500 == 499 else (i * 37) % 0xf0
                               for i in range(4096))
w['stdio_in_handler'] = bytes((i * 37) & 255 for i in range(4096))
# mostly logged requests, some with 60 rounds of arithmetic
w['mutex_in_handler'] = bytes(242 if i % 8 == 7 else (i * 4 + i % 2) & 255
                              for i in range(4096))
# 2 pool threads, 1024 steps each
w['malloc_lock_deadlock'] = bytes([1]) + bytes((i * 37) & 255 for i in range(1024))
# the main loop's pattern: insert, insert, fill the second
w['heap_corruption'] = bytes(2 if i % 3 == 2 else (i * 4) & 255 for i in range(4096))
w['nonatomic_flag'] = bytes([7, 40, 100, 200, 3, 63, 64, 129])

exp = {}
b = w['malloc_in_handler']
ins = sum(1 for x in b if x < 0xf0)
exp['malloc_in_handler'] = 'input steps=%d inserted=%d removed=%d ' % (len(b), ins, ins)
exp['stdio_in_handler'] = 'wrote %d records' % len(w['stdio_in_handler'])
b = w['mutex_in_handler']
lines = sum({0: 1, 1: 2, 2: 1, 3: 0}[x % 4] for x in b)
exp['mutex_in_handler'] = 'input requests=%d lines=%d ' % (len(b), lines)
exp['malloc_lock_deadlock'] = 'input threads=2 steps=1024 done=3072'
n = 0
for x in w['heap_corruption']:
    if x % 4 < 2: n += 1
    elif x % 4 == 2: n -= 1 if n >= 2 else 0
    else: n -= 1 if n >= 1 else 0
exp['heap_corruption'] = 'input edits=4096 left=%d resets=0 ' % n
exp['nonatomic_flag'] = 'input batches=8 units='
pre = (bytes([2, 0, 0, 7]) + (1125).to_bytes(2, 'little') +
       (2500).to_bytes(2, 'little') + bytes(24))
for k in w:
    open('%s/%s.w' % (d, k), 'wb').write(w[k])
    open('%s/%s.in' % (d, k), 'wb').write(pre + w[k])
    open('%s/%s.exp' % (d, k), 'w').write(exp[k] + '\n')
PY

declare -A SIG=([malloc_in_handler]=SIGUSR1 [stdio_in_handler]=SIGINT
  [mutex_in_handler]=SIGUSR1 [malloc_lock_deadlock]=SIGUSR1
  [heap_corruption]=SIGUSR1)
declare -A CALLEE=([malloc_in_handler]=malloc [stdio_in_handler]=printf
  [mutex_in_handler]=pthread_mutex_lock [malloc_lock_deadlock]=malloc
  [heap_corruption]=free)

cov() { # FUZZ DIR: the coverage (cov:) after running DIR's inputs
  SIGSTORM_FUZZ_INJECT=0 timeout -s KILL 10 "$1" "${LF[@]}" -runs=1 "$2" \
    >/dev/null 2>"$T/cov.err" || true
  sed -n 's/.*INITED cov: \([0-9]*\) .*/\1/p' "$T/cov.err"
}
mkdir -p "$T/empty"
for m in "${MODELS[@]}"; do
  mkdir -p "$T/wdir_$m"
  # its first 100 bytes: libFuzzer's 8-bit counters wrap (a block run a
  # multiple of 256 times counts as not covered)
  head -c 100 "$T/$m.w" >"$T/wdir_$m/w"
done

for m in "${MODELS[@]}"; do
  in="$T/$m.in"
  # the buggy fuzz target, run as libFuzzer runs a file argument, up to 500
  # times: the first input starts the injector thread, and on a loaded
  # machine the injector's shots may come only after a short workload (at
  # the disarm: "interrupted=none at pthread_sigmask")
  if [ "$m" = nonatomic_flag ]; then
    # the runtime's per-input watchdog (1 s) names the hang and ends the
    # process by SIGABRT, the input saved as timeout-<fnv>
    (cd "$T" && run_rc 134 timeout -s KILL 10 "$TARGETS/$m.fuzz" "${LF[@]}" -runs=5 "$in")
    grep -q '^==sigstorm== FINDING kind=hang ' "$T/err" ||
      { tail -n 20 "$T/err" >&2; fail "$m.fuzz: the watchdog did not report a hang"; }
    ls "$T"/timeout-* >/dev/null 2>&1 || fail "$m.fuzz: the hang's input was not saved"
    echo "$m.fuzz: hang reported by the runtime's watchdog"
  else
    set +e
    (cd "$T" && timeout -s KILL 20 "$TARGETS/$m.fuzz" "${LF[@]}" -runs=500 "$in") >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    [ "$rc" -ne 0 ] || { tail -n 20 "$T/err" >&2; fail "$m.fuzz ran the input clean"; }
    grep -q "^==sigstorm== ERROR: sigstorm: [a-z-]*: the ${SIG[$m]} handler .* called ${CALLEE[$m]}, " "$T/err" ||
      { tail -n 30 "$T/err" >&2; fail "$m.fuzz: no sigstorm report of ${CALLEE[$m]} from the ${SIG[$m]} handler"; }
    grep -q 'window 0: sig=SIG[A-Z0-9]* thread=main every=10000ns after=20000ns count=8' "$T/err" ||
      fail "$m.fuzz: the report does not give the schedule"
    grep -q 'libFuzzer: deadly signal' "$T/err" || fail "$m.fuzz: the abort did not reach libFuzzer"
    echo "$m.fuzz: $(grep -m1 '^==sigstorm== ERROR' "$T/err" | cut -c1-160)"
  fi
  # The entry point runs the workload on its bytes: with injection off,
  # libFuzzer's coverage of the workload bytes is more than of an empty
  # input (a report alone does not show it: a shot may land at the disarm).
  for t in "$m" "${m}_fixed"; do
    [ "$t" != nonatomic_flag ] || continue # hangs on its own timer
    a=$(cov "$TARGETS/$t.fuzz" "$T/wdir_$m")
    b=$(cov "$TARGETS/$t.fuzz" "$T/empty")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt "$b" ] ||
      fail "$t.fuzz: the workload bytes add no coverage ($a vs $b for an empty input)"
  done
  # the fixed twin runs it clean
  run_rc 0 timeout -s KILL 10 "$TARGETS/${m}_fixed.fuzz" "${LF[@]}" -runs=5 "$in"
  ! grep -q '==sigstorm==' "$T/err" || fail "${m}_fixed.fuzz reported: $(grep '==sigstorm==' "$T/err")"

  # the normal builds' --input on the workload bytes, from a file and from
  # stdin (as a case file feeds them)
  want=$(cat "$T/$m.exp")
  for t in "$m" "${m}_fixed"; do
    if [ "$t" = nonatomic_flag ]; then
      run_rc 137 timeout -s KILL 2 "$TARGETS/$t" --input "$T/$m.w"
      continue
    fi
    run_rc 0 timeout -s KILL 10 "$TARGETS/$t" --input "$T/$m.w"
    grep -qF -- "$want" "$T/out" || fail "$t --input: no '$want' in: $(tail -n 1 "$T/out")"
    cp "$T/out" "$T/file.out"
    run_rc 0 timeout -s KILL 10 sh -c '"$1" --input /dev/stdin <"$2"' sh "$TARGETS/$t" "$T/$m.w"
    if [ "$m" = nonatomic_flag ]; then # the units depend on the timer
      grep -qF -- "$want" "$T/out" || fail "$t --input /dev/stdin: no '$want'"
    else
      cmp -s "$T/out" "$T/file.out" || fail "$t --input /dev/stdin differs from --input FILE"
    fi
  done
  if [ "$m" = stdio_in_handler ]; then # one line per record, then the total
    [ "$(wc -l <"$T/file.out")" -eq 4097 ] || fail "$m --input: not one line per record"
  fi
  echo "$m --input: $(tail -n 1 "$T/file.out")"
done
echo "PASS"
