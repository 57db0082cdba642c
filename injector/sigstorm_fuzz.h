/* sigstorm_fuzz.h: the fuzz input ABI of libsigstorm_fuzz.a (docs/fuzzing.md).
 *
 * A fuzz target defines the usual
 *     int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
 * and is linked with -Wl,--wrap=LLVMFuzzerTestOneInput and the whole of
 * libsigstorm_fuzz.a. The engine then calls the runtime's wrapper, which
 * reads the first SS_FUZZ_PREFIX bytes of each input as a schedule, arms it,
 * passes the rest to the target's function, disarms, and aborts with a
 * "==sigstorm== ERROR" report when a handler made an unsafe call.
 *
 * Layout, version 2: SS_FUZZ_RECORDS records of SS_FUZZ_RECORD_SIZE bytes;
 * an input shorter than the prefix is read as if padded with zero bytes and
 * has no workload bytes. Every byte pattern is a valid schedule: each field
 * is taken modulo its range.
 *   byte 0  window kind % 5: 0 none, 1 after, 2 every, 3 rate, 4 on
 *   byte 1  signal: the (b % n)-th of the n signals the program handles when
 *           the input starts, in ascending order (none handled: no window)
 *   byte 2  thread % 2: 0 the thread running the input, 1 the caller (on:
 *           the thread that made the k-th call)
 *   byte 3  on: function (b % number of interposed functions, the order of
 *           unsafe_funcs.def); every/rate: at most 1 + b % 64 shots;
 *           after: reserved
 *   bytes 4-5 v (little-endian): after: at v*8 ns; every: period 1000+v*8 ns;
 *           rate: (v+1)*100 Hz; on: the (v+1)-th entry since the input began
 *   bytes 6-7 w (little-endian): every/rate: first shot from w*8 ns;
 *           on: w even: at the entry, raised synchronously by the thread
 *           that makes the k-th call when the window targets it (thread 1,
 *           or thread 0 and the call is made on the input's thread), inside
 *           the call (the same interruption every run); otherwise, and for
 *           w odd, sent by the injector thread w ns after the entry;
 *           after: reserved
 * Times count from the moment the schedule is armed, just before the
 * target's function is called. Version 2: w's parity for on (version 1:
 * always the injector, w ns after the entry).
 */
#ifndef SIGSTORM_FUZZ_H
#define SIGSTORM_FUZZ_H

#include <stddef.h>

#define SS_FUZZ_ABI_VERSION 2
#define SS_FUZZ_RECORDS 4
#define SS_FUZZ_RECORD_SIZE 8
#define SS_FUZZ_PREFIX ((size_t)SS_FUZZ_RECORDS * SS_FUZZ_RECORD_SIZE)
#define SS_FUZZ_MAX_SHOTS 64

enum ss_fuzz_kind {
  SS_FZ_NONE = 0,
  SS_FZ_AFTER = 1,
  SS_FZ_EVERY = 2,
  SS_FZ_RATE = 3,
  SS_FZ_ON = 4,
  SS_FZ_NKINDS = 5
};

/* Environment: SIGSTORM_FUZZ_ORACLE=unsafe-call (default: any unsafe call
 * from a handler stops the input) or window (only one made while the
 * interrupted frame was inside an interposed function: the race window);
 * SIGSTORM_FUZZ_INJECT=0 runs the workload without arming (baselines);
 * SIGSTORM_FUZZ_ICOV=0 turns interruption coverage off. */
#define SS_ENV_FUZZ_ORACLE "SIGSTORM_FUZZ_ORACLE"
#define SS_ENV_FUZZ_INJECT "SIGSTORM_FUZZ_INJECT"
#define SS_ENV_FUZZ_ICOV "SIGSTORM_FUZZ_ICOV"
/* SIGSTORM_FUZZ_TIMEOUT=ms (default 1000, 0 off): an input that runs longer
 * is a deadlock or a hang: one report, the input saved in
 * SIGSTORM_FUZZ_ARTIFACTS (default: the current directory) as
 * timeout-<FNV-1a 64 of the input, 16 hex digits>, then SIGABRT. */
#define SS_ENV_FUZZ_TIMEOUT "SIGSTORM_FUZZ_TIMEOUT"
#define SS_ENV_FUZZ_ARTIFACTS "SIGSTORM_FUZZ_ARTIFACTS"
/* SIGSTORM_FUZZ_EXECS=FILE (an existing file of at least 8 bytes): the
 * runtime maps it shared at start-up and adds 1 to its first 8 bytes (a
 * native-endian uint64_t) at every input, in every process forked from
 * this one (AFL++'s fork server children): sigstorm fuzz's live count of an
 * AFL++ job's executions, whose fuzzer_stats afl-fuzz 4.04c rewrites only
 * once a minute when not on a terminal. */
#define SS_ENV_FUZZ_EXECS "SIGSTORM_FUZZ_EXECS"

#endif
