#!/usr/bin/env bash
# model.sh MODEL HANDLER CALLEE_RE INTERRUPTED_RE RUNS_UNSAFE RUNS_REENTRANT
# The bug version yields, in RUNS_UNSAFE runs, an unsafe-call finding from
# HANDLER with a callee matching CALLEE_RE, and in RUNS_REENTRANT runs a
# reentrancy finding whose interrupted function matches INTERRUPTED_RE;
# exit 1. The fixed twin yields nothing in the larger budget; exit 0.
. "$(dirname "$0")/lib.sh"
model=$1 handler=$2 callee_re=$3 intr_re=$4 runs_unsafe=$5 runs_reent=$6

run_rc 1 "$SS" stress --runs "$runs_unsafe" --jobs 2 --seed 1 --no-cases --report "$T/a" -- "$TARGETS/$model"
jq_true "$T/a/report.json" "[.findings[] | select(.kind == \"unsafe-call\" and .handler == \"$handler\" and (.callee | test(\"^($callee_re)\$\")))] | length > 0" \
  "$model: no unsafe-call from $handler calling $callee_re in $runs_unsafe runs"
jq_true "$T/a/report.json" ".runs == $runs_unsafe and .signals_fired > 0 and .signals_handled > 0" \
  "$model: runs or signal counters wrong"

run_rc 1 "$SS" stress --runs "$runs_reent" --jobs 2 --seed 2 --no-cases --report "$T/b" -- "$TARGETS/$model"
jq_true "$T/b/report.json" "[.findings[] | select(.kind == \"reentrancy\" and .handler == \"$handler\" and (.interrupted | test(\"^($intr_re)\$\")))] | length > 0" \
  "$model: no reentrancy (interrupted in $intr_re) in $runs_reent runs"
# the reentrancy finding names both sides of the race in its stacks
jq_true "$T/b/report.json" "[.findings[] | select(.kind == \"reentrancy\") | select((.stacks.handler | map(.function) | index(\"$handler\")) != null and (.stacks.interrupted | length) > 1)] | length > 0" \
  "$model: reentrancy stacks do not show the handler and the interrupted side"
grep -q "reentrancy" "$T/out" || fail "$model: the text summary does not show the reentrancy"

run_rc 0 "$SS" stress --runs "$runs_reent" --jobs 2 --seed 2 --no-cases --report "$T/c" -- "$TARGETS/${model}_fixed"
jq_true "$T/c/report.json" ".findings == [] and .runs == $runs_reent and .signals_handled > 0" \
  "${model}_fixed: findings in the fixed twin, or no signal handled"
echo "model $model: ok"
