#!/usr/bin/env bash
# Builds the case-file fuzz target with clang (libFuzzer, ASan, UBSan) into
# $BUILD/fuzz/, seeds a corpus with a few valid cases, and fuzzes for
# FUZZ_SECONDS (30 by default). Exits nonzero when the fuzzer finds a crash,
# a leak, undefined behaviour or a read-back mismatch; the input that did it
# is left in $BUILD/fuzz/ (crash-*, leak-*, ...).
#   BUILD=build SRC=. tests/fuzz/run_fuzz.sh       (CTest: fuzz.casefile)
set -euo pipefail
: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=$SRC/build}"
CC_FUZZ="${CC_FUZZ:-clang}"
SECONDS_MAX="${FUZZ_SECONDS:-30}"
OUT="$BUILD/fuzz"
CORPUS="$OUT/corpus-casefile"
mkdir -p "$OUT" "$CORPUS"

# A compiler without libFuzzer or the sanitizers: skipped, not passed.
probe="$OUT/probe"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
  'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
  >"$probe.c"
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" \
  2>"$probe.log"; then
  echo "SKIP: $CC_FUZZ cannot build a libFuzzer target:" >&2
  head -n 5 "$probe.log" >&2
  exit 77
fi

"$CC_FUZZ" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$SRC" \
  "$SRC/tests/fuzz/fuzz_casefile.c" "$SRC/host/casefile.c" \
  "$SRC/host/util.c" "$SRC/reports/finding.c" \
  -lm -o "$OUT/fuzz_casefile"

# Seeds: valid cases covering every keyword, and a few windows.
cat >"$CORPUS/seed-full.case" <<'CASE'
# a reproducer
sigstorm-case 1
note found by sweep on 2024-01-01, signature 0123456789abcdef
target targets/regresshion
fixed targets/regresshion_fixed
args --packets 200 "two words" a\ b "q\"uote" "back\\slash" "" "#x"
input inputs/seed1.bin
env LANG=C
env EMPTY=
timeout 10s
signal SIGALRM at=malloc#37+12i@main
signal SIGUSR1 at=libc.so.6:free#2 thread=worker-1
signal RTMIN+3 at=syslog#1+0i
expect reentrancy handler=grace_alarm_handler callee=syslog interrupted=malloc
expect unsafe-call handler=* signal=SIGALRM
CASE
printf 'sigstorm-case 1\r\ntarget t\r\nsignal 14 at=f#1\r\n' \
  >"$CORPUS/seed-crlf.case"
printf 'sigstorm-case 1\ntarget ./prog\nsignal SIGINT at=m:ns::f#1000000000+1000000i\nexpect crash\n' \
  >"$CORPUS/seed-min.case"
printf 'libc.so.6:malloc#37+12i@main' >"$CORPUS/seed-window"

status=0
"$OUT/fuzz_casefile" -max_total_time="$SECONDS_MAX" -max_len=8192 \
  -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 -print_final_stats=1 \
  -artifact_prefix="$OUT/" "$CORPUS" 2>"$OUT/fuzz_casefile.log" || status=$?
tail -n 25 "$OUT/fuzz_casefile.log"
if [ "$status" -ne 0 ]; then
  echo "FAIL: fuzz_casefile exited $status (log: $OUT/fuzz_casefile.log)" >&2
  exit 1
fi
echo "fuzz_casefile: clean for ${SECONDS_MAX}s"
