#!/usr/bin/env bash
# report.json is valid JSON of the documented schema, the text report says
# the same, and every finding replays with the seed and schedule it records.
. "$(dirname "$0")/lib.sh"
prog="$TARGETS/regresshion"
run_rc 1 "$SS" stress --runs 300 --jobs 2 --seed 11 --no-cases --report "$T/r" -- "$prog"
r="$T/r/report.json"
jq empty "$r" || fail "report.json is not valid JSON"
[ -s "$T/r/report.txt" ] || fail "report.txt missing"
[ ! -e "$T/r/report.json.tmp" ] || fail "temporary file left behind"
jq_true "$r" '.schema == "sigstorm.report/1" and .mode == "stress" and .injector == "thread"' "schema/mode/injector"
jq_true "$r" '(.target.path | type) == "string" and (.target.argv | type) == "array" and (.runs | type) == "number" and (.signals_fired | type) == "number"' "top-level types"
jq_true "$r" '.findings | length > 0' "no findings"
jq_true "$r" 'all(.findings[]; (.kind | type) == "string" and (.signature | test("^[0-9a-f]{16}$")) and (.count >= 1) and (.seed | type) == "number" and (.schedule | type) == "string" and (.stacks.handler | type) == "array" and (.stacks.interrupted | type) == "array")' "finding fields"
jq_true "$r" '[.findings[] | select(.kind == "unsafe-call") | .stacks.handler[] | select(.file != null and .line > 0)] | length > 0' \
  "no handler-side frame has file:line"
jq_true "$r" '.findings | map(.signature) | (unique | length) == length' "duplicate signatures"

# Replay each finding with the exact command the report gives (its own seed
# and schedule). Time windows land where they land, so a replay succeeds
# with the probability the finding had: an unsafe call replays on the first
# try; a reentrancy needs the signal in the same function again. Findings
# seen in at least 3% of the campaign's runs must replay within 400 tries
# (a miss then has odds below 1e-5); rarer ones are tried 100 times and
# reported, as the precise instruction windows of the replay issue are what
# makes those deterministic.
total=$(jq '.runs' "$r")
n=$(jq '.findings | length' "$r")
for i in $(seq 0 $((n - 1))); do
  sig=$(jq -r ".findings[$i].signature" "$r")
  seed=$(jq -r ".findings[$i].seed" "$r")
  sched=$(jq -r ".findings[$i].schedule" "$r")
  kind=$(jq -r ".findings[$i].kind" "$r")
  seen=$(jq -r ".findings[$i].runs" "$r")
  common=$(( seen * 100 >= total * 3 ))
  budget=$([ $common = 1 ] && echo 400 || echo 100)
  ok=0
  for try in $(seq 1 "$budget"); do
    rm -rf "$T/p"
    set +e
    "$SS" run --seed "$seed" --schedule "$sched" --no-cases --report "$T/p" -- "$prog" >/dev/null 2>&1
    set -e
    if jq -e --arg s "$sig" '[.findings[] | select(.signature == $s)] | length == 1' "$T/p/report.json" >/dev/null; then
      ok=1
      break
    fi
  done
  if [ "$ok" = 1 ]; then
    echo "finding $i ($kind, in $seen/$total runs): replayed on try $try"
  elif [ "$common" = 1 ]; then
    fail "finding $i ($kind $sig, in $seen/$total runs) did not replay with --seed $seed --schedule '$sched' in $budget tries"
  else
    echo "finding $i ($kind, rare: in $seen/$total runs): not replayed in $budget tries"
  fi
done
[ "$(jq '[.findings[] | select(.kind == "unsafe-call")] | length' "$r")" -ge 1 ] || fail "no unsafe-call to replay"
echo "report_replay: ok"
