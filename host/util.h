/* util.h: small host-side helpers: logging, number and duration parsing. */
#ifndef SIGSTORM_UTIL_H
#define SIGSTORM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes of the sigstorm CLI. */
enum {
  SS_EXIT_CLEAN = 0,
  SS_EXIT_FINDINGS = 1,
  SS_EXIT_USAGE = 2,
  SS_EXIT_INTERNAL = 3
};

void ss_log(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define SS_ERR(...) ss_log("error", __VA_ARGS__)
#define SS_WARN(...) ss_log("warning", __VA_ARGS__)
#define SS_INFO(...) ss_log(NULL, __VA_ARGS__)

uint64_t ss_mono_ns(void);
uint64_t ss_splitmix(uint64_t *state);

/* "250us", "1.5ms", "2s", "0" -> ns. Returns 0 on success, -1 if malformed. */
int ss_parse_duration(const char *s, uint64_t *ns);
/* "20kHz", "500Hz", "1.5MHz", "100" (Hz) -> milli-Hertz. */
int ss_parse_freq(const char *s, uint64_t *mhz);
/* Decimal or 0x hex, the whole string. */
int ss_parse_u64(const char *s, uint64_t *v);
/* "250us" style text for ns (exact, the largest unit that divides). */
void ss_format_duration(uint64_t ns, char *buf, size_t cap);

/* Reads a whole file (NUL-terminated), NULL with errno on failure. */
char *ss_read_file(const char *path, size_t *len);

/* The signal named "SIGALRM", "alrm", "14", "RTMIN+3"; 0 if unknown. */
int ss_signal_parse(const char *s);
/* mkdir -p: 0, or -1 with errno set. */
int ss_mkdir_p(const char *dir);
/* ss_signal_name, the reverse, is in reports/finding.h. */
#include "reports/finding.h"

#endif
