#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

void ss_log(const char *level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("sigstorm: ", stderr);
  if (level)
    fprintf(stderr, "%s: ", level);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

uint64_t ss_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ss_splitmix(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A non-negative decimal with optional fraction, then a unit from the
 * table. The number must be finite and the result fit in uint64. */
struct ss_unit {
  const char *name;
  double scale;
};

static int ss_parse_scaled(const char *s, const struct ss_unit *units,
                           int unit_required, uint64_t *out) {
  if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
    return -1;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (errno || end == s || !isfinite(v) || v < 0)
    return -1;
  double scale = 0;
  if (*end == '\0') {
    if (unit_required && v != 0)
      return -1;
    scale = units[0].scale; /* the default unit comes first */
  } else {
    for (const struct ss_unit *u = units; u->name; u++)
      if (strcasecmp(end, u->name) == 0)
        scale = u->scale;
    if (scale == 0)
      return -1;
  }
  double r = v * scale;
  if (r >= 18446744073709551615.0)
    return -1;
  *out = (uint64_t)llround(r);
  return 0;
}

int ss_parse_duration(const char *s, uint64_t *ns) {
  static const struct ss_unit u[] = {{"s", 1e9},    {"ns", 1},    {"us", 1e3},
                                     {"ms", 1e6},   {"sec", 1e9}, {"m", 60e9},
                                     {"min", 60e9}, {NULL, 0}};
  return ss_parse_scaled(s, u, 1, ns);
}

int ss_parse_freq(const char *s, uint64_t *mhz) {
  static const struct ss_unit u[] = {
      {"hz", 1e3}, {"khz", 1e6}, {"mhz", 1e9}, {NULL, 0}};
  if (ss_parse_scaled(s, u, 0, mhz) < 0 || *mhz == 0)
    return -1;
  return 0;
}

int ss_parse_u64(const char *s, uint64_t *v) {
  if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
    return -1;
  errno = 0;
  char *end;
  unsigned long long x = strtoull(s, &end, 0);
  if (errno || *end)
    return -1;
  *v = x;
  return 0;
}

void ss_format_duration(uint64_t ns, char *buf, size_t cap) {
  if (ns == 0)
    snprintf(buf, cap, "0");
  else if (ns % 1000000000ull == 0)
    snprintf(buf, cap, "%llus", (unsigned long long)(ns / 1000000000ull));
  else if (ns % 1000000ull == 0)
    snprintf(buf, cap, "%llums", (unsigned long long)(ns / 1000000ull));
  else if (ns % 1000ull == 0)
    snprintf(buf, cap, "%lluus", (unsigned long long)(ns / 1000ull));
  else
    snprintf(buf, cap, "%lluns", (unsigned long long)ns);
}

char *ss_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
    if (cap - n - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    free(buf);
    errno = err ? EIO : ENOMEM;
    return NULL;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

int ss_signal_parse(const char *s) {
  if (!s || !*s)
    return 0;
  uint64_t v;
  if (ss_parse_u64(s, &v) == 0)
    return v > 0 && v < (uint64_t)NSIG ? (int)v : 0;
  const char *n = s;
  if (strncasecmp(n, "SIG", 3) == 0)
    n += 3;
  if (strncasecmp(n, "RTMIN", 5) == 0 || strncasecmp(n, "RTMAX", 5) == 0) {
    int base = toupper((unsigned char)n[3]) == 'I' ? SIGRTMIN : SIGRTMAX;
    long off = 0;
    if (n[5]) {
      char *end;
      errno = 0;
      off = strtol(n + 5, &end, 10);
      if (*end || (n[5] != '+' && n[5] != '-') || errno || off < -64 ||
          off > 64)
        return 0;
    }
    long sig = base + off;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? (int)sig : 0;
  }
  for (int i = 1; i < SIGRTMIN; i++) {
    const char *abbrev = sigabbrev_np(i);
    if (abbrev && strcasecmp(abbrev, n) == 0)
      return i;
  }
  return 0;
}

int ss_mkdir_p(const char *dir) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return mkdir(buf, 0777) < 0 && errno != EEXIST ? -1 : 0;
}
