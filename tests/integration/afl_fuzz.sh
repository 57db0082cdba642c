#!/usr/bin/env bash
# AFL++ on the regresshion model's .afl target (docs/fuzzing.md, "AFL++"):
# the binary runs in persistent mode with shared-memory test cases; a
# campaign from one seed with an empty schedule (32 zero bytes, then
# packets), under the race-window oracle, saves the race in
# out/default/crashes/ within 60 s, and the child's report (stderr) names
# the reentrancy; the fixed twin saves nothing in 10 s; interruption
# coverage reaches AFL++'s map (map indices past the program's own edges).
# Skipped (77) without afl-fuzz or the .afl targets.
. "$(dirname "$0")/lib.sh"
bug="$TARGETS/regresshion.afl"
fixed="$TARGETS/regresshion_fixed.afl"
command -v afl-fuzz >/dev/null 2>&1 || { echo "SKIP: no afl-fuzz" >&2; exit 77; }
if [ ! -x "$bug" ] || [ ! -x "$fixed" ]; then
  echo "SKIP: no .afl targets (afl-clang-fast missing at configure time)" >&2
  exit 77
fi
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1
mkdir -p "$T/seeds"
python3 - "$T/seeds/seed0" <<'PY'
import sys
body = b"".join(bytes([n]) + bytes((i * 13 + n) & 255 for i in range(n))
                for n in (23, 31, 7, 40, 12, 19, 33, 5))
open(sys.argv[1], "wb").write(bytes(32) + body)
PY

set +e
SIGSTORM_FUZZ_ORACLE=window AFL_BENCH_UNTIL_CRASH=1 AFL_DEBUG_CHILD=1 \
  timeout 90 afl-fuzz -s 1 -V 60 -i "$T/seeds" -o "$T/out" -- "$bug" \
  >"$T/afl.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || { tail -n 20 "$T/afl.log" >&2; fail "afl-fuzz exited $rc"; }
st="$T/out/default/fuzzer_stats"
[ -f "$st" ] || fail "no fuzzer_stats"
grep -q '^target_mode *: persistent shmem_testcase deferred' "$st" ||
  fail "not persistent, shared-memory, deferred: $(grep target_mode "$st")"
crash=$(ls "$T/out/default/crashes"/id:* 2>/dev/null | head -n 1 || true)
[ -n "$crash" ] || { grep -E 'execs_done|saved_crashes' "$st" >&2; fail "60 s of AFL++ found nothing in regresshion"; }
echo "first crash: $(basename "$crash")"

# the child's stderr (AFL_DEBUG_CHILD) shows what the crash was: the
# handler's call in the allocator's window. (A saved input replays only by
# chance: its windows are times, not instructions; triage makes it exact.)
grep -a -q '^==sigstorm== ERROR: sigstorm: reentrancy[a-z-]*: the SIGALRM handler .* interrupted=[a-z_]*' "$T/afl.log" ||
  { grep -a '==sigstorm==' "$T/afl.log" | head -n 5 >&2; fail "the crash is not sigstorm's reentrancy report"; }

set +e
SIGSTORM_FUZZ_ORACLE=window timeout 40 afl-fuzz -s 1 -V 10 -i "$T/seeds" \
  -o "$T/fout" -- "$fixed" >"$T/fafl.log" 2>&1
set -e
fst="$T/fout/default/fuzzer_stats"
[ -f "$fst" ] || { tail -n 20 "$T/fafl.log" >&2; fail "the fixed twin's campaign did not run"; }
grep -q '^saved_crashes *: 0$' "$fst" || fail "the fixed twin saved crashes"
! ls "$T/fout/default/crashes"/id:* >/dev/null 2>&1 || fail "crashes/ of the fixed twin is not empty"

# interruption coverage: the twin's queue, mapped with it on and off, plus
# inputs whose one signal surely lands while they run: a synchronous on=
# record (fuzz ABI 2: even w), raised by the thread itself at its 5th
# malloc (a queue entry's time windows may all fall after its workload
# ended: then no signal belongs to that input, and it adds no feature)
mkdir -p "$T/q"
cp "$T/fout/default/queue"/id:* "$T/q/"
python3 - "$T/q/long" <<'PY'
import sys
# record 0: on (4), signal 0, the caller, malloc (0), 5th entry (v=4), w=0
pre = bytes([4, 0, 1, 0, 4, 0, 0, 0]) + bytes(24)
pkt = bytes([199]) + bytes((i * 7) & 255 for i in range(200))
for k in range(3):
    open(sys.argv[1] + str(k), "wb").write(pre + pkt * 10 + bytes([k]))
PY
# (up to 3 tries, as before synchronous on= records: some afl-showmap
# invocations landed no time-window shot in any input)
extra=0
for _ in 1 2 3; do
  for ic in 1 0; do
    SIGSTORM_FUZZ_ICOV=$ic afl-showmap -q -i "$T/q" \
      -o "$T/map$ic" -- "$fixed" >/dev/null 2>&1 || true
  done
  own=$(cat "$T/map0"/* | cut -d: -f1 | sort -n | tail -n 1)
  extra=$(cat "$T/map1"/* | awk -F: -v m="$own" '$1 > m { print $1 }' | sort -u | wc -l)
  [ "$extra" -eq 0 ] || break
done
[ "$extra" -gt 0 ] || fail "no interruption coverage in AFL++'s map (highest edge $own)"

# Run outside afl-fuzz (a user's `./target.afl crash-file`), an input runs
# as it ran in the campaign: AFL++'s SIGTERM handler (it _exits) is the
# engine's, not a handler the schedule picks. Record 0: on (4), signal
# index 1, the input's thread, malloc, 5th entry, synchronous. Under
# afl-fuzz the program handles one signal (index 1 is SIGALRM); were
# AFL++'s SIGTERM counted, index 1 would be SIGTERM and the process would
# exit 0 with no report.
python3 - "$T/sig1" <<'PY'
import sys
pre = bytes([4, 1, 0, 0, 4, 0, 0, 0]) + bytes(24)
pkt = bytes([199]) + bytes((i * 7) & 255 for i in range(200))
open(sys.argv[1], "wb").write(pre + pkt * 10)
PY
set +e
SIGSTORM_FUZZ_ORACLE=window "$bug" "$T/sig1" >"$T/sig1.out" 2>"$T/sig1.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || { tail -n 5 "$T/sig1.err" >&2; fail "the .afl binary run alone exited 0 on the sig1 input"; }
grep -q '^==sigstorm== FINDING kind=reentrancy-window sig=SIGALRM handler=grace_alarm_handler callee=vsnprintf interrupted=malloc thread=main$' "$T/sig1.err" ||
  { grep '==sigstorm==' "$T/sig1.err" >&2; fail "the .afl binary run alone did not show the SIGALRM race"; }
echo "ok: AFL++ found the race, the twin nothing; $extra interruption features in the map; a direct run replays the campaign's signal"
