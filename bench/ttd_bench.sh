#!/usr/bin/env bash
# Time to detection (TTD) of each model's race, per way of looking for it
# (issue 5): the naive kill loop with a crash oracle and with sigstorm's
# detectors loaded, plain libFuzzer/AFL++ without injection, sigstorm's
# builtin engine, sigstorm with libFuzzer and AFL++, with and without
# interruption coverage. Median over seeds, a run that does not find within
# the cap counts as the cap. What each config means: bench/README.md.
#
#   bench/ttd_bench.sh [--build DIR] [--models LIST] [--configs LIST]
#                      [--seeds N] [--cap S] [--par P] [--naive-hang S]
#                      [--fuzz-timeout MS] [--accept MODEL=KINDS]
#                      [--naive-args MODEL=ARGS] [--out DIR]
#
# LIST: comma-separated. --accept (repeatable) replaces what counts as a
# model's race, KINDS separated by '|' (malloc_lock_deadlock=deadlock|
# reentrancy-window, say); runs that found something else list it (other=).
# --naive-args (repeatable) gives the naive configs' normal build of MODEL
# these arguments instead of its defaults. regresshion's are
# '--client-delay 1000' unless given: the server waits 1 ms for each
# packet, as sshd waits for the network (its grace alarm fires after 120 s
# spent mostly waiting); 'regresshion=' runs the model's busy loop (packets
# back to back, in the allocator much of the time). The fuzz builds have
# no such wait: their packets are all in the input. Whatever the build lacks (a .fuzz, .afl, .sfuzz
# binary, afl-fuzz) is skipped with "n/a: <binary> not built". Nothing here
# asserts a time: figures are read, not tested.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

ALL_CONFIGS="naive-crash,naive-detect,libfuzzer-plain,afl-plain,builtin,libfuzzer,libfuzzer-nocov,afl,afl-nocov"
build="$root/build"
models=""
configs="$ALL_CONFIGS"
seeds=5
cap=120
par=1
naive_hang=10
fuzz_timeout_ms=1000
out=""
declare -A ACCEPT NARGS
NARGS[regresshion]='--client-delay 1000'

usage() {
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --build) build=$2; shift 2 ;;
  --models) models=$2; shift 2 ;;
  --configs) configs=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --cap) cap=$2; shift 2 ;;
  --par) par=$2; shift 2 ;;
  --naive-hang) naive_hang=$2; shift 2 ;;
  --fuzz-timeout) fuzz_timeout_ms=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --accept) ACCEPT[${2%%=*}]=${2#*=}; shift 2 ;;
  --naive-args) NARGS[${2%%=*}]=${2#*=}; shift 2 ;;
  -h | --help) usage ;;
  *) echo "ttd_bench: unknown option '$1'" >&2; usage ;;
  esac
done
for v in "$seeds" "$cap" "$par" "$naive_hang" "$fuzz_timeout_ms"; do
  case "$v" in '' | *[!0-9]*) echo "ttd_bench: '$v' is not a whole number" >&2; exit 2 ;; esac
done
build=$(cd "$build" && pwd) || { echo "ttd_bench: no build folder '$build' (run ci/build)" >&2; exit 2; }
command -v jq >/dev/null || { echo "ttd_bench: needs jq (ci/deps installs it)" >&2; exit 2; }
T="$build/targets"
SIGSTORM="$build/bin/sigstorm"

# The models, their race kind and signal, from targets/models.def:
# "name kind SIG" per line.
model_table() {
  tr '\n' ' ' <"$root/targets/models.def" | sed 's,/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/,,g' |
    awk 'BEGIN { RS = "SS_MODEL\\(" } NR > 1 {
      name = $0; sub(/,.*/, "", name); gsub(/[ \t]/, "", name)
      n = 0; s = $0
      while (match(s, /"[^"]*"/)) { q[++n] = substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) }
      print name, q[2], q[3] }'
}
declare -A KIND SIGNAME
all_models=""
while read -r n k s; do
  KIND[$n]=$k
  SIGNAME[$n]=${s#SIG}
  all_models="$all_models${all_models:+,}$n"
done < <(model_table)
[ -n "$models" ] || models=$all_models
for m in ${models//,/ }; do
  [ -n "${KIND[$m]:-}" ] || { echo "ttd_bench: unknown model '$m' (targets/models.def: $all_models)" >&2; exit 2; }
done
for c in ${configs//,/ }; do
  case ",$ALL_CONFIGS," in *",$c,"*) ;; *) echo "ttd_bench: unknown config '$c' ($ALL_CONFIGS)" >&2; exit 2 ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ttd_bench.XXXXXX")
mkdir -p "$tmp/pg" # one file per live process group of ours
cleanup() {
  local p
  trap - EXIT INT TERM
  # each run is a job with its own process group (set -m below), each
  # engine a session of its own, each naive target a group of its own
  # (naive_storm kills it on SIGTERM)
  for p in $(jobs -p); do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "$tmp"/pg/*; do [ -e "$p" ] && kill -TERM -- "-${p##*/}" 2>/dev/null || true; done
  sleep 0.3
  for p in "$tmp"/pg/*; do [ -e "$p" ] && kill -KILL -- "-${p##*/}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The naive sender: a C helper (bench/naive_storm.c), built here.
CC=${CC:-cc}
"$CC" -std=c11 -O2 -o "$tmp/naive_storm" "$here/naive_storm.c"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# Runs "$@" in a session of its own, stopped after $1 seconds (then
# SIGKILL 5 s later); its group is killed when it ends. Output to $2.
run_group() {
  local t=$1 log=$2 pid rc=0
  shift 2
  setsid timeout -k 5 "$t" "$@" >"$log" 2>&1 &
  pid=$!
  : >"$tmp/pg/$pid"
  wait "$pid" || rc=$?
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$tmp/pg/$pid"
  return "$rc"
}

# Kinds a log shows, one per line: sigstorm's FINDING/ERROR lines, glibc's
# allocator aborts and ASan's heap reports in the libFuzzer builds
# (heap-corruption), a SIGSEGV/SIGBUS death (segv).
log_kinds() {
  {
    grep -o 'FINDING kind=[a-z-]*' "$1" | sed 's/.*kind=//'
    grep -o '==sigstorm== ERROR: sigstorm: [a-z-]*' "$1" | sed 's/.*sigstorm: //'
    grep -Eq 'double free|free\(\): |malloc\(\): |realloc\(\): |corrupted |malloc_consolidate|unaligned (fastbin|tcache) chunk|AddressSanitizer: (heap-use-after-free|double-free|attempting double-free|attempting free|heap-buffer-overflow|bad-free)' "$1" && echo heap-corruption
    grep -Eq 'SIGSEGV|SIGBUS|Segmentation fault' "$1" && echo segv
  } 2>/dev/null | sort -u || true
}
# Is one of the kinds on stdin the race of model $1?
race_kind() {
  local want
  if [ -n "${ACCEPT[$1]:-}" ]; then
    grep -E "^(${ACCEPT[$1]})$" | head -1
    return
  fi
  case "${KIND[$1]}" in
  reentrancy) want='^(reentrancy|reentrancy-window)$' ;;
  deadlock) want='^deadlock$' ;;
  hang) want='^hang$' ;;
  heap-corruption) want='^(heap-corruption|segv)$' ;;
  *) want="^${KIND[$1]}$" ;;
  esac
  grep -E "$want" | head -1
}

fuzz_env() { # model config -> env assignments
  local e="SIGSTORM_FUZZ_ORACLE=window SIGSTORM_FUZZ_TIMEOUT=$fuzz_timeout_ms"
  case "$2" in
  *-plain) e="$e SIGSTORM_FUZZ_INJECT=0" ;;
  *-nocov) e="$e SIGSTORM_FUZZ_ICOV=0" ;;
  esac
  echo "$e"
}

binary_for() { # model config -> the binary the config runs
  case "$2" in
  naive-*) echo "$T/$1" ;;
  libfuzzer*) echo "$T/$1.fuzz" ;;
  afl*) echo "$T/$1.afl" ;;
  builtin) echo "$T/$1.sfuzz" ;;
  esac
}
missing_for() { # model config -> what is missing, or nothing
  local b
  b=$(binary_for "$1" "$2")
  [ -x "$b" ] || { echo "${b#"$build"/}"; return; }
  case "$2" in
  naive-detect) [ -x "$SIGSTORM" ] || echo "bin/sigstorm" ;;
  afl*) command -v afl-fuzz >/dev/null || echo "afl-fuzz (Debian package afl++)" ;;
  esac
}

# Each run prints one line: found(0/1) ttd_seconds detail
# naive-crash: the normal build, default arguments, run again and again
# under the kill loop; found when it dies by another signal than the one
# sent (glibc's abort is SIGABRT) or has not ended $naive_hang s after it
# started (a hang or deadlock, found when that wait ends).
run_naive_crash() {
  local m=$1 dir=$2 t0 left hang line st n=0
  t0=$(now)
  while :; do
    left=$(( cap * 1000 - ($(now) - t0) / 1000000 ))
    [ "$left" -gt 0 ] || break
    hang=$((naive_hang * 1000))
    [ "$hang" -le "$left" ] || hang=$left
    n=$((n + 1))
    # shellcheck disable=SC2086 # the model's arguments, split as a shell would
    line=$("$tmp/naive_storm" --hang "$hang" --stderr "$dir/stderr" "${SIGNAME[$m]}" -- "$T/$m" ${NARGS[$m]:-}) || return 1
    st=${line%% *}
    st=${st#status=}
    case "$st" in
    hang)
      if [ "$hang" -eq $((naive_hang * 1000)) ]; then
        echo "1 $(secs "$t0" "$(now)") hang(${naive_hang}s),iter=$n"
        return
      fi ;;
    signal:*)
      if [ "${st#signal:}" != "$(kill -l "${SIGNAME[$m]}")" ]; then
        echo "1 $(secs "$t0" "$(now)") $st,iter=$n"
        return
      fi ;;
    esac
  done
  echo "0 $cap iter=$n"
}

# naive-detect: the same kill loop into the target run by `sigstorm run
# --no-inject` (detectors loaded, no injector); found when report.json has
# the model's race kind (heap-corruption: also a crash by SIGSEGV/SIGBUS).
run_naive_detect() {
  local m=$1 dir=$2 t0 left n=0 kinds k others=""
  t0=$(now)
  while :; do
    left=$(( cap * 1000 - ($(now) - t0) / 1000000 ))
    [ "$left" -gt 0 ] || break
    n=$((n + 1))
    rm -rf "$dir/r"
    # shellcheck disable=SC2086 # the model's arguments, split as a shell would
    "$tmp/naive_storm" --grandchild --hang $(( (naive_hang + 30) * 1000 )) "${SIGNAME[$m]}" -- \
      "$SIGSTORM" run --no-inject --no-cases --timeout "${naive_hang}s" -r "$dir/r" -- "$T/$m" ${NARGS[$m]:-} >/dev/null || return 1
    [ -f "$dir/r/report.json" ] || continue
    kinds=$(jq -r '(.exit.signal // "") as $x | .findings[]? | if .kind == "crash" and ($x | test("SIGSEGV|SIGBUS")) then "segv" else .kind end' "$dir/r/report.json" 2>/dev/null || true)
    k=$(race_kind "$m" <<<"$kinds" || true)
    others=$(printf '%s\n%s\n' "$others" "$kinds" | grep -v '^$' | sort -u || true)
    if [ -n "$k" ]; then
      local t
      t=$(secs "$t0" "$(now)")
      if awk -v t="$t" -v c="$cap" 'BEGIN { exit !(t <= c) }'; then
        echo "1 $t $k,iter=$n"
        return
      fi
      break
    fi
  done
  echo "0 $cap iter=$n${others:+,other=$(paste -sd'|' <<<"$others")}"
}

# Re-runs one saved input of a fuzz binary (up to 3 times: a time-based
# schedule may not land the same way) and prints the race kind it shows.
classify_input() {
  local m=$1 c=$2 bin=$3 input=$4 dir=$5 i k extra=""
  case "$c" in libfuzzer*) extra="-handle_segv=0 -handle_bus=0 -timeout=0 -handle_usr1=0 -handle_usr2=0" ;; esac
  for i in 1 2 3; do
    local rc=0
    mkdir -p "$dir/rerun"
    # shellcheck disable=SC2046,SC2086
    env $(fuzz_env "$m" "$c") SIGSTORM_FUZZ_ARTIFACTS="$dir/rerun" \
      timeout -k 2 $((fuzz_timeout_ms / 1000 + 20)) "$bin" $extra "$input" >"$dir/rerun.log" 2>&1 || rc=$?
    case "$rc" in 135 | 139) echo "died by SIGSEGV/SIGBUS" >>"$dir/rerun.log" ;; esac
    k=$(log_kinds "$dir/rerun.log" | race_kind "$m" || true)
    [ -z "$k" ] || { echo "$k"; return; }
  done
}

# libfuzzer*, builtin: the engine stops at its first artifact. If that one
# is not the race (a timeout on a reentrancy model, say), the campaign goes
# on from its corpus with the time left (seed + 1000 per restart).
run_stop_engine() {
  local m=$1 c=$2 seed=$3 dir=$4 bin t0 left k=0 log kinds r a others=""
  bin=$(binary_for "$m" "$c")
  mkdir -p "$dir/corpus" "$dir/art"
  t0=$(now)
  while :; do
    left=$(( cap - ($(now) - t0) / 1000000000 ))
    [ "$left" -gt 0 ] || break
    log="$dir/engine.$k.log"
    local flags
    if [ "$c" = builtin ]; then
      flags="-seed=$((seed + 1000 * k)) -max_total_time=$left -timeout=$((fuzz_timeout_ms / 1000 + 1)) -artifact_prefix=$dir/art/"
    else
      flags="-timeout=0 -handle_usr1=0 -handle_usr2=0 -seed=$((seed + 1000 * k)) -max_total_time=$left -artifact_prefix=$dir/art/"
    fi
    # shellcheck disable=SC2046,SC2086
    run_group $((left + 5)) "$log" env $(fuzz_env "$m" "$c") SIGSTORM_FUZZ_ARTIFACTS="$dir/art" \
      "$bin" $flags "$dir/corpus" || true
    r=$(secs "$t0" "$(now)")
    kinds=$(log_kinds "$log")
    a=$(ls "$dir/art" 2>/dev/null | head -1 || true)
    if [ -z "$a" ]; then
      # no artifact: the campaign ran its time, or the engine failed; when
      # its log shows a finding (glibc's abort, say, whose corrupted heap
      # the engine's crash handler could not save the input from), that
      # is no detection by the definition, but it is listed and the
      # campaign goes on
      if [ -n "$kinds" ]; then
        others="$others${others:+|}$(paste -sd'+' <<<"$kinds")(no input saved)"
        k=$((k + 1))
        continue
      fi
      grep -q 'max_total_time\|Done [0-9]* runs' "$log" || echo "engine log: $(tail -c 300 "$log" | tr '\n' ' ')" >"$dir/error"
      break
    fi
    local kk
    kk=$(race_kind "$m" <<<"$kinds" || true)
    [ -n "$kk" ] || kk=$(classify_input "$m" "$c" "$bin" "$dir/art/$a" "$dir")
    if [ -n "$kk" ] && awk -v t="$r" -v c="$cap" 'BEGIN { exit !(t <= c) }'; then
      echo "1 $r $kk,restarts=$k"
      return
    fi
    case "|$others|" in *"|${kinds//$'\n'/+}|"*) ;; *) others="$others${others:+|}$(paste -sd'+' <<<"${kinds:-?}")" ;; esac
    mkdir -p "$dir/other"
    mv "$dir/art/"* "$dir/other/" 2>/dev/null || true
    k=$((k + 1))
  done
  echo "0 $cap restarts=$k${others:+,other=$others}"
}

# afl*: afl-fuzz goes on after a crash. AFL_DEBUG_CHILD=1 lets the
# target's stderr through: sigstorm's report lines (and glibc's aborts) are
# stamped with the time they appear. Found at the first report of the race,
# once afl-fuzz has saved a crash or hang (or the runtime a timeout-*);
# saved inputs that no report line explains (a SIGSEGV) are re-run.
REPORT_RE='==sigstorm== (FINDING|ERROR)|double free|free\(\): |malloc\(\): |realloc\(\): |corrupted |malloc_consolidate|unaligned (fastbin|tcache)|AddressSanitizer: '
run_afl() {
  local m=$1 c=$2 seed=$3 dir=$4 bin t0 pid f k seen=" " nlines=0 ts line found_ms="" afl_other=""
  bin=$(binary_for "$m" "$c")
  mkdir -p "$dir/seeds" "$dir/art"
  { head -c 32 /dev/zero; printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; } >"$dir/seeds/seed0"
  : >"$dir/reports.log"
  t0=$(now)
  # shellcheck disable=SC2046
  setsid env $(fuzz_env "$m" "$c") SIGSTORM_FUZZ_ARTIFACTS="$dir/art" \
    AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 AFL_DEBUG_CHILD=1 RE="$REPORT_RE" \
    bash -c 'timeout -k 5 "$1" afl-fuzz -i "$2/seeds" -o "$2/afl" -s "$3" -V "$4" -t "$5" -- "$6" 2>&1 |
      tee "$2/engine.log" | grep -a --line-buffered -E "$RE" |
      while IFS= read -r l; do printf "%s %s\n" "$(date +%s%N)" "$l"; done >>"$2/reports.log"' \
    afl "$((cap + 30))" "$dir" "$seed" "$cap" "$((fuzz_timeout_ms * 2 + 1000))" "$bin" >/dev/null 2>&1 &
  pid=$!
  : >"$tmp/pg/$pid"
  saved() { ls "$dir"/afl/default/crashes/id:* "$dir"/afl/default/hangs/id:* "$dir"/art/timeout-* "$dir"/art/crash-* 2>/dev/null; }
  while :; do
    local alive=1
    kill -0 "$pid" 2>/dev/null || alive=0
    # report lines
    if [ -z "$found_ms" ]; then
      while IFS= read -r line; do
        ts=${line%% *}
        printf '%s\n' "${line#* }" >"$dir/line"
        k=$(log_kinds "$dir/line" | race_kind "$m" || true)
        [ -n "$k" ] || afl_other="$afl_other $(log_kinds "$dir/line" | paste -sd'+')"
        if [ -n "$k" ]; then
          found_ms=$(( (ts - t0) / 1000000 ))
          found_kind=$k
          break
        fi
      done < <(tail -n +$((nlines + 1)) "$dir/reports.log")
      nlines=$(wc -l <"$dir/reports.log")
    fi
    if [ -n "$found_ms" ] && [ -n "$(saved)" ]; then
      break
    fi
    # saved inputs no report explains: re-run them
    if [ -z "$found_ms" ]; then
      for f in $(saved); do
        case "$seen" in *" $f "*) continue ;; esac
        seen="$seen$f "
        k=$(classify_input "$m" "$c" "$bin" "$f" "$dir")
        [ -n "$k" ] || continue
        found_kind="$k(re-run)"
        found_ms=$(sed -n 's/.*,time:\([0-9]*\).*/\1/p' <<<"${f##*/}")
        [ -n "$found_ms" ] || found_ms=$(( ($(stat -c %Y "$f") * 1000000000 - t0) / 1000000 ))
        break
      done
      [ -z "$found_ms" ] || break
    fi
    [ "$alive" -eq 1 ] || break
    sleep 0.5
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  sleep 0.2
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$tmp/pg/$pid"
  if [ -n "$found_ms" ] && [ "$found_ms" -le $((cap * 1000)) ]; then
    echo "1 $(awk -v ms="$found_ms" 'BEGIN { printf "%.3f", ms / 1000 }') $found_kind"
    return
  fi
  [ -s "$dir/afl/default/fuzzer_stats" ] || echo "engine log: $(grep -av '^$' "$dir/engine.log" | tail -c 300 | tr '\n' ' ')" >"$dir/error"
  afl_other=$(tr ' ' '\n' <<<"$afl_other" | grep -v '^$' | sort -u | paste -sd'|' || true)
  echo "0 $cap${afl_other:+ other=$afl_other}"
}

run_one() { # model config seed -> "found ttd detail"
  local m=$1 c=$2 s=$3 dir="$tmp/run/$1.$2.$3"
  mkdir -p "$dir"
  case "$c" in
  naive-crash) run_naive_crash "$m" "$dir" ;;
  naive-detect) run_naive_detect "$m" "$dir" ;;
  afl*) run_afl "$m" "$c" "$s" "$dir" ;;
  *) run_stop_engine "$m" "$c" "$s" "$dir" ;;
  esac
  if [ -f "$dir/error" ]; then
    echo "   (note: $m $c seed $s: $(cat "$dir/error"))" >&2
  fi
  rm -rf "$dir"
}

# --- plan ---------------------------------------------------------------
[ -n "$out" ] || out="$root/out/ttd"
mkdir -p "$out"
raw="$out/ttd_runs.tsv"
printf 'model\tconfig\tseed\tfound\tttd_s\tdetail\n' >"$raw"
declare -A NA
jobs_list=()
for m in ${models//,/ }; do
  for c in ${configs//,/ }; do
    miss=$(missing_for "$m" "$c")
    if [ -n "$miss" ]; then
      NA[$m.$c]=$miss
      continue
    fi
    for s in $(seq 1 "$seeds"); do jobs_list+=("$m $c $s"); done
  done
done
njobs=${#jobs_list[@]}
# a naive run may overshoot the cap by one wait for a hang, an engine run
# by its start and stop
worst=0
for j in "${jobs_list[@]}"; do
  case "$j" in *" naive-"*) worst=$((worst + cap + naive_hang)) ;; *) worst=$((worst + cap + 5)) ;; esac
done
worst=$(( (worst + par - 1) / par ))
echo "sigstorm time-to-detection bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs; build: $build"
echo "models: $models"
echo "configs: $configs"
echo "seeds: $seeds, cap: ${cap}s, runs at a time: $par (--par), naive hang: ${naive_hang}s, fuzz runtime watchdog: ${fuzz_timeout_ms}ms"
for k in "${!ACCEPT[@]}"; do echo "accept as $k's race: ${ACCEPT[$k]}"; done
for k in "${!NARGS[@]}"; do echo "naive configs run $k with: ${NARGS[$k]:-(no arguments)}"; done
for k in "${!NA[@]}"; do echo "n/a: ${NA[$k]} not built (${k%%.*} ${k#*.} skipped)"; done | sort -u
echo "$njobs runs; worst case (every run to the cap): $((worst / 60)) min $((worst % 60)) s"
echo "raw runs: $raw"
echo

# --- run ------------------------------------------------------------------
mkdir -p "$tmp/res"
set -m # each run in a process group of its own, for the cleanup
i=0
for j in "${jobs_list[@]}"; do
  i=$((i + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n || true; done
  (
    set -- $j
    r=$(run_one "$1" "$2" "$3") || r="0 $cap error"
    read -r rf rt rd <<<"$r"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$rf" "$rt" "${rd:-}" >"$tmp/res/$i"
    printf '   [%d/%d] %-22s %-16s seed %-3s %s\n' "$i" "$njobs" "$1" "$2" "$3" "$r"
  ) &
done
wait || true
for f in $(ls "$tmp/res" | sort -n); do cat "$tmp/res/$f"; done >>"$raw"

# --- table ----------------------------------------------------------------
# median TTD per model x config (not found = the cap), found/seeds
med() { # model config -> "median found n"
  local v f n
  v=$(awk -F'\t' -v m="$1" -v c="$2" '$1 == m && $2 == c { print $5 }' "$raw")
  [ -n "$v" ] || { echo "- 0 0"; return; }
  f=$(awk -F'\t' -v m="$1" -v c="$2" '$1 == m && $2 == c && $4 == 1' "$raw" | wc -l)
  n=$(wc -l <<<"$v")
  echo "$(median <<<"$v") $f $n"
}
cell() { # median found n -> "1.23 (5/5)" or ">=120 (0/5)"
  local m=$1 f=$2 n=$3
  if [ "$m" = - ]; then echo "n/a"; return; fi
  # censored: half or more of the runs did not find (the median is the cap)
  if [ $((2 * f)) -le "$n" ] && awk -v a="$m" -v c="$cap" 'BEGIN { exit !(a >= c) }'; then
    printf '>=%s (%d/%d)' "$cap" "$f" "$n"
  else
    printf '%.2f (%d/%d)' "$m" "$f" "$n"
  fi
}
echo
echo "TTD, seconds: median over seeds (found/seeds; a run not found within the cap counts as ${cap}s)"
printf '   %-22s' model
for c in ${configs//,/ }; do printf ' %16s' "$c"; done
echo
for m in ${models//,/ }; do
  printf '   %-22s' "$m"
  for c in ${configs//,/ }; do
    # shellcheck disable=SC2046
    printf ' %16s' "$(cell $(med "$m" "$c"))"
  done
  echo
done
echo
echo "speed-up against the naive baselines (baseline median / config median; '>=' where the baseline did not find, '<=' where the config did not)"
for m in ${models//,/ }; do
  read -r bc fc nc <<<"$(med "$m" naive-crash)"
  read -r bd fd nd <<<"$(med "$m" naive-detect)"
  printf '   %-22s' "$m"
  for c in ${configs//,/ }; do
    case "$c" in naive-*) continue ;; esac
    read -r x fx nx <<<"$(med "$m" "$c")"
    [ "$x" != - ] || { printf ' %s: n/a;' "$c"; continue; }
    ratio() { # base fbase nbase
      [ "$1" != - ] || { echo n/a; return; }
      local p=""
      if [ $((2 * $2)) -le "$3" ]; then p=">="; fi
      if [ $((2 * fx)) -le "$nx" ]; then p="${p:+~}${p:-<=}"; fi
      [ "$p" != "~>=" ] || p="~"
      awk -v a="$1" -v b="$x" -v p="$p" 'BEGIN { printf "%s%.1fx", p, (b > 0 ? a / b : 0) }'
    }
    printf ' %s: %s / %s;' "$c" "$(ratio "$bc" "$fc" "$nc")" "$(ratio "$bd" "$fd" "$nd")"
  done
  echo
done
echo "   (each pair: vs naive-crash / vs naive-detect)"
