#!/usr/bin/env bash
# sigstorm fuzz (issue 5): a libFuzzer campaign on the regresshion model finds
# the race and triages it into a minimized finding with a case file that
# replays (and its fixed twin stays clean); the fixed twin's campaign finds
# nothing; a campaign killed with SIGKILL keeps every saved input, leaves no
# engine running, and resumes; folders that are not campaigns, or are
# another target's, are refused with exit 2 and left as they were;
# --promote copies the cases into a corpus that `sigstorm regress` replays.
# Skipped (77) when the libFuzzer targets were not built.
. "$(dirname "$0")/lib.sh"
if [ ! -x "$TARGETS/regresshion.fuzz" ] || [ ! -x "$TARGETS/regresshion_fixed.fuzz" ]; then
  echo "SKIP: no libFuzzer targets (clang cannot build them)" >&2
  exit 77
fi
FZ=(fuzz --engine libfuzzer --confirm 5 --minimize-time 5s)

# --- bad input: one line, exit 2, nothing written -------------------------
run_rc 2 "$SS" fuzz --engine honggfuzz regresshion
grep -q "engine 'honggfuzz'" "$T/err" || fail "no error naming the engine"
mkdir -p "$T/notcamp"
echo keep >"$T/notcamp/data"
run_rc 2 "$SS" "${FZ[@]}" --duration 2s --out "$T/notcamp" regresshion
grep -q "not a sigstorm campaign folder" "$T/err" || fail "no error for a non-campaign folder"
[ "$(ls "$T/notcamp")" = data ] && [ "$(cat "$T/notcamp/data")" = keep ] ||
  fail "the non-campaign folder was changed"
run_rc 2 "$SS" fuzz --promote
grep -q -- "--promote needs --out" "$T/err" || fail "no error for --promote without --out"
run_rc 2 "$SS" fuzz --promote --out "$T/nothing-here"
run_rc 2 "$SS" fuzz --duration 2s no_such_model_or_file
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "an unknown target's error is not one line"

# --- a campaign on the buggy model: found, triaged, a case that replays ---
run_rc 1 "$SS" "${FZ[@]}" --duration 10s --seed 1 --out "$T/c" regresshion
[ -f "$T/c/sigstorm-campaign" ] || fail "no campaign marker"
ls "$T/c/artifacts"/crash-* >/dev/null 2>&1 || fail "libFuzzer saved no crash"
ncase=0
for rj in "$T/c"/findings/*/report.json; do
  [ -f "$rj" ] || fail "no finding written"
  d=$(dirname "$rj")
  kind=$(jq -r .kind "$rj")
  case $kind in
  reentrancy-window | reentrancy) ;;
  deadlock)
    # the libFuzzer build carries ASan: the handler's malloc can block on
    # ASan's allocator lock that the interrupted malloc holds. The bug too,
    # but only in that build: no instruction window of the glibc build
    # shows it, so it has a report and an input, and no case.
    grep -q '^handler: *grace_alarm_handler' "$d/report.txt" || fail "a deadlock not in the grace handler"
    [ -s "$d/input" ] || fail "finding $d has no input"
    if [ -z "$(jq -r '.case // empty' "$rj")" ]; then
      [ "$(jq -r .asan_only "$rj")" = true ] ||
        { cat "$d/report.txt" >&2; fail "a deadlock with no case is not marked asan_only"; }
      grep -q "shown only under ASan's allocator" "$d/report.txt" ||
        { cat "$d/report.txt" >&2; fail "report.txt does not say the deadlock is ASan's"; }
    fi
    continue ;;
  *) fail "finding of kind $kind" ;;
  esac
  [ -s "$d/input" ] || fail "finding $d has no input"
  [ -f "$d/workload.bin" ] || fail "finding $d has no workload.bin"
  grep -q "^kind: *$kind" "$d/report.txt" || fail "report.txt does not give the kind"
  c=$(jq -r '.case // empty' "$rj")
  [ -n "$c" ] || { cat "$d/report.txt" >&2; fail "finding $d has no case"; }
  ncase=$((ncase + 1))
  grep -q '^args --input /dev/stdin$' "$d/$c" || fail "the case does not read stdin"
  grep -q '^input workload.bin$' "$d/$c" || fail "the case does not name its workload"
  grep -q '^expect reentrancy handler=grace_alarm_handler' "$d/$c" || fail "the case expects no reentrancy"
  [ "$(jq -r .replay_reproduced "$rj")" = 5 ] || fail "triage's replays: $(jq -r .replay_reproduced "$rj")/5"
  [ "$(jq -r .fixed_reproduced "$rj")" = 0 ] || fail "the fixed twin reproduced the case"
  # the minimized input is not larger than the first one
  first=$(jq -r .artifact "$rj")
  [ "$(stat -c %s "$d/input")" -le "$(stat -c %s "$first")" ] || fail "the minimized input grew"
  run_rc 1 "$SS" replay --times 10 "$d/$c"
  grep -q "reproduced 10/10" "$T/out" "$T/err" || fail "the case does not replay 10/10"
  run_rc 0 "$SS" replay --fixed --times 5 "$d/$c"
done
[ "$ncase" -ge 1 ] || fail "no case"
# triage state is kept: a second --triage run classifies nothing again
run_rc 1 "$SS" fuzz --triage --out "$T/c"
grep -q "new finding" "$T/err" && fail "--triage re-classified saved inputs"

# --- another target in this folder: refused --------------------------------
run_rc 2 "$SS" "${FZ[@]}" --duration 2s --out "$T/c" regresshion_fixed
grep -q "a campaign of target 'regresshion'" "$T/err" || fail "no error for another target's folder"

# --- the fixed twin: nothing ------------------------------------------------
run_rc 0 "$SS" "${FZ[@]}" --duration 6s --seed 1 --out "$T/f" regresshion_fixed
grep -q "^no findings" "$T/out" || fail "the fixed twin's campaign reported something"
[ -z "$(ls "$T/f/artifacts")" ] || fail "the fixed twin's campaign saved an input"

# --- SIGKILL mid-run, then resume -------------------------------------------
"$SS" "${FZ[@]}" --oracle unsafe-call --duration 60s --seed 3 --out "$T/k" \
  regresshion >"$T/k.out" 2>"$T/k.err" &
pid=$!
for _ in $(seq 1 150); do
  ls "$T/k/artifacts"/crash-* >/dev/null 2>&1 && break
  sleep 0.1
done
ls "$T/k/artifacts"/crash-* >/dev/null 2>&1 || fail "no crash saved before the kill"
sleep 0.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.5
before=$(ls "$T/k/artifacts" | sort)
if pgrep -f "$T/k/corpus" >/dev/null; then
  pgrep -fa "$T/k/corpus" >&2
  fail "an engine outlived the killed campaign"
fi
run_rc 1 "$SS" "${FZ[@]}" --oracle unsafe-call --duration 3s --out "$T/k" regresshion
grep -q "resuming campaign regresshion" "$T/err" || fail "the second run did not resume"
after=$(ls "$T/k/artifacts" | sort)
comm -23 <(echo "$before") <(echo "$after") | grep -q . && fail "saved inputs were lost"
ls "$T/k"/findings/*/report.json >/dev/null 2>&1 || fail "the resumed campaign wrote no finding"

# --- your own program (README's worked example): sigstorm-cc --fuzz builds
# the fuzz target, the normal build makes the case ------------------------
"$BUILD/bin/sigstorm-cc" --fuzz libfuzzer -O2 -o "$T/own.fuzz" "$SRC/targets/regresshion.c"
gcc -O2 -g -o "$T/own" "$SRC/targets/regresshion.c"
cd "$T" # the default campaign folder: ./fuzz-own
run_rc 1 "$SS" "${FZ[@]}" --duration 8s --seed 2 --program "$T/own" "$T/own.fuzz"
ls "$T"/fuzz-own/findings/*/own-*.case >/dev/null 2>&1 ||
  { cat "$T"/fuzz-own/findings/*/report.txt >&2; fail "no case for the program's own build"; }
grep -q "^target $T/own$" "$T"/fuzz-own/findings/*/own-*.case || fail "the case does not name the program"

# --- the AFL++ engine (when built): found, triaged into a case -------------
if [ -x "$TARGETS/regresshion.afl" ] && command -v afl-fuzz >/dev/null; then
  run_rc 1 "$SS" fuzz --engine afl --confirm 3 --minimize-time 4s --duration 20s \
    --seed 1 --out "$T/a" regresshion
  ls "$T/a/afl/main/crashes"/id:* >/dev/null 2>&1 || fail "afl-fuzz saved no crash"
  # the live status line counts AFL++'s executions as they happen (afl-fuzz
  # rewrites fuzzer_stats once a minute: it said "execs 15" at 0:58)
  st=$(grep -m1 '^\[0:1[0-9]/' "$T/err" || true)
  ex=$(printf '%s\n' "$st" | sed -n 's/.* execs \([0-9.]*[kM]*\) .*/\1/p')
  case $ex in
  *k | *M) ;;
  *) [ "${ex:-0}" -ge 1000 ] 2>/dev/null || fail "the status line after 10 s counts $ex executions: '$st'" ;;
  esac
  ls "$T"/a/findings/*/regresshion-*.case >/dev/null 2>&1 ||
    { cat "$T"/a/findings/*/report.txt >&2; fail "no case from the AFL++ campaign"; }
  jq -e -s 'map(select(.case != null and .replay_reproduced == 3 and .fixed_reproduced == 0)) | length > 0' \
    "$T"/a/findings/*/report.json >/dev/null || fail "the AFL++ finding's case does not replay 3/3 (twin 0/3)"
else
  echo "no AFL++ build: the afl engine is not tested" >&2
fi

# --- promote into a corpus, and replay it -----------------------------------
run_rc 0 "$SS" fuzz --promote --out "$T/c" --corpus "$T/corpus"
ls "$T/corpus/regresshion"/fuzz-*.case >/dev/null 2>&1 || fail "nothing promoted"
for c in "$T/corpus/regresshion"/fuzz-*.case; do
  b=$(sed -n 's/^input //p' "$c")
  [ -f "$T/corpus/regresshion/$b" ] || fail "promoted case without its workload"
done
run_rc 0 "$SS" fuzz --promote --out "$T/c" --corpus "$T/corpus"
grep -q "0 case(s) promoted" "$T/err" || fail "a second --promote copied again"
run_rc 0 "$SS" regress --times 3 --target-dir "$BUILD" "$T/corpus"
echo "PASS"
