#!/usr/bin/env bash
# model_kind.sh MODEL KIND RUNS [STRESS OPTIONS...]
# `stress` finds a KIND finding (deadlock, hang, heap-corruption) in the
# bug version of MODEL within RUNS runs (exit 1); the fixed twin yields no
# finding at all in the same budget (exit 0).
. "$(dirname "$0")/lib.sh"
model=$1 kind=$2 runs=$3
shift 3
run_rc 1 "$SS" stress --runs "$runs" --jobs 2 --seed 1 --no-cases "$@" --report "$T/a" -- "$TARGETS/$model"
jq_true "$T/a/report.json" "[.findings[] | select(.kind == \"$kind\")] | length > 0" \
  "$model: no $kind finding in $runs runs"
run_rc 0 "$SS" stress --runs "$runs" --jobs 2 --seed 1 --no-cases "$@" --report "$T/b" -- "$TARGETS/${model}_fixed"
jq_true "$T/b/report.json" ".findings == [] and .runs == $runs" \
  "${model}_fixed: findings in the fixed twin"
echo "model $model ($kind): ok"
