#!/usr/bin/env bash
# Precise instruction windows: sweep finds the offsets of malloc that
# corrupt the heap, replay reproduces a case every time (and its fixed twin
# never), a time-based finding of stress becomes a case that replays, the
# corpus passes regress, threads are followed and fork children let go,
# and bad case files get one line naming file, line and problem, exit 2.
. "$(dirname "$0")/lib.sh"
m="$TARGETS/malloc_in_handler"

# -- sweep: which offsets of the first malloc after the handler corrupt
run_rc 1 "$SS" sweep --signal SIGUSR1 --function malloc --calls 1-1 \
  --offsets 118-126 --report "$T/sw" -- "$m"
grep -q '^malloc#1+118i ' "$T/out" || fail "sweep: no row for malloc#1+118i"
[ "$(grep -c '^malloc#1+' "$T/out")" = 9 ] || fail "sweep: not 9 rows"
grep -q '^malloc#1+12[0-6]i .*SIGABRT .*heap-corruption' "$T/out" ||
  fail "sweep: no heap-corruption window in malloc#1+118..126i"
grep -q '^malloc#1+118i .*exit 0 .*reentrancy' "$T/out" ||
  fail "sweep: malloc#1+118i should re-enter without corrupting"
jq_true "$T/sw/report.json" '.mode == "sweep" and .injector == "ptrace" and .runs == 9' \
  "sweep report: mode/injector/runs"
hc=$(grep -l '^expect heap-corruption' "$T"/sw/cases/*.case | head -1)
[ -n "$hc" ] || fail "sweep wrote no heap-corruption case"

# -- replay: 100 out of 100; the fixed twin 0 out of 100
run_rc 1 "$SS" replay --times 100 "$hc"
grep -qx 'reproduced 100/100' "$T/out" || fail "replay: $(tail -1 "$T/out")"
run_rc 0 "$SS" replay --fixed --times 100 "$hc"
grep -qx 'reproduced 0/100' "$T/out" || fail "replay --fixed: $(tail -1 "$T/out")"
grep -q 'delivered at' "$T/err" || fail "replay --fixed: the window was not reached"

# -- a time-based finding of stress becomes a case that replays
run_rc 1 "$SS" stress --runs 200 --jobs 2 --seed 1 --report "$T/st" -- "$TARGETS/regresshion"
jq_true "$T/st/report.json" \
  '[.findings[] | select(.kind == "reentrancy" and (.reproducer // "" | endswith(".case")))] | length > 0' \
  "stress: no reentrancy finding with a reproducer"
rc=$(jq -r '[.findings[] | select(.kind == "reentrancy" and .reproducer)][0].reproducer' "$T/st/report.json")
grep -q '^signal SIGALRM at=[a-z_]*#[0-9]*+[0-9]*i' "$rc" || fail "converted case has no instruction window: $(cat "$rc")"
grep -q "^expect reentrancy handler=grace_alarm_handler" "$rc" || fail "converted case: expect line"
run_rc 1 "$SS" replay --times 20 "$rc"
grep -qx 'reproduced 20/20' "$T/out" || fail "converted case: $(tail -1 "$T/out")"
grep -q 'reproduce: sigstorm replay' "$T/st/report.txt" || fail "report.txt does not point at the case"

# -- the corpus: every case reproduces, every fixed twin is clean
run_rc 0 "$SS" regress --junit "$T/junit.xml" "$SRC/corpus"
grep -q 'failures="0"' "$T/junit.xml" || fail "junit: failures"
n=$(grep -c '<testcase ' "$T/junit.xml")
[ "$n" -ge 6 ] || fail "junit: only $n test cases"
# a case whose expectation is wrong fails regress (exit 1)
mkdir -p "$T/bad"
sed 's/^expect heap-corruption.*/expect deadlock/' "$hc" >"$T/bad/wrong.case"
run_rc 1 "$SS" regress "$T/bad"
grep -q 'FAIL' "$T/out" || fail "regress: a wrong expectation did not fail"

# -- threads and forks: a window on the thread named worker; a window after
# the main thread forked (the child must not inherit breakpoints; the
# program's own SIGUSR2 must reach it)
cat >"$T/w.case" <<'EOF'
sigstorm-case 1
target tests/threadsig
signal SIGUSR1 at=malloc#50+3i@worker
expect unsafe-call handler=on_usr1 callee=malloc
EOF
run_rc 1 "$SS" replay --target-dir "$BUILD" --report "$T/tw" "$T/w.case"
jq_true "$T/tw/report.json" \
  '[.findings[] | select(.kind == "unsafe-call") | .stacks.interrupted | map(.function) | index("worker")] | all(. != null)' \
  "@worker: the signal did not land in the worker thread"
jq_true "$T/tw/report.json" '.exit.code == 0' "threadsig under ptrace did not exit 0"
sed -i 's/malloc#50+3i@worker/malloc#150+3i@main/' "$T/w.case"
run_rc 1 "$SS" replay --target-dir "$BUILD" --report "$T/tm" "$T/w.case"
jq_true "$T/tm/report.json" '.exit.code == 0' \
  "threadsig: fork child or own signal broken under ptrace (exit $(jq .exit.code "$T/tm/report.json"))"

# -- bad case files: one line with file and line, exit 2
bad() { # NAME EXPECTED-MESSAGE-REGEX, case text on stdin
  cat >"$T/$1.case"
  run_rc 2 "$SS" replay --target-dir "$BUILD" "$T/$1.case"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: not one line: $(cat "$T/err")"
  grep -Eq "$2" "$T/err" || fail "$1: message '$(cat "$T/err")' does not match '$2'"
}
bad version "$T/version.case:1: unknown version 2" <<'EOF'
sigstorm-case 2
target targets/regresshion
signal SIGALRM at=malloc#1+0i
EOF
bad keyword "$T/keyword.case:3: unknown keyword 'tagret'" <<'EOF'
sigstorm-case 1
# comment
tagret targets/regresshion
signal SIGALRM at=malloc#1+0i
EOF
bad nofunc "$T/nofunc.case:3: .*no_such_function_xyz.*not found" <<'EOF'
sigstorm-case 1
target targets/regresshion
signal SIGALRM at=no_such_function_xyz#1+0i
EOF
bad kzero "$T/kzero.case:3: .*K must be" <<'EOF'
sigstorm-case 1
target targets/regresshion
signal SIGALRM at=malloc#0+1i
EOF
bad nbig "$T/nbig.case:3: .*N .*(out of range|must be)" <<'EOF'
sigstorm-case 1
target targets/regresshion
signal SIGALRM at=malloc#1+99999999i
EOF
bad kbig "$T/kbig.case:4: at=malloc#900000000\+0i: out of range .*only [0-9]+ time" <<'EOF'
sigstorm-case 1
target targets/stdio_in_handler
args --records 100
signal SIGINT at=malloc#900000000+0i
EOF
bad noinput "$T/noinput.case:3: input 'missing.bin'" <<'EOF'
sigstorm-case 1
target targets/regresshion
input missing.bin
signal SIGALRM at=malloc#1+0i
EOF
bad notarget "$T/notarget.case:2: target 'targets/nope' not found" <<'EOF'
sigstorm-case 1
target targets/nope
signal SIGALRM at=malloc#1+0i
EOF
run_rc 2 "$SS" regress "$T/no-such-dir"
run_rc 2 "$SS" sweep --signal SIGUSR1 --function malloc --calls 0-3 -- "$m"
echo "replay: ok"
