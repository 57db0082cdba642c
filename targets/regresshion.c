/* regresshion: a model of CVE-2024-6387 ("regreSSHion"), OpenSSH before
 * 9.8p1.
 *
 * An sshd-like server loop parses pre-authentication packets with heavy,
 * varied use of the allocator (packet buffers, key-exchange and auth
 * request strings, a growing reply buffer). At start it arms the login
 * grace timer, alarm(LoginGraceTime), with a SIGALRM handler.
 *
 * The bug: the handler, like sshd's grace_alarm_handler -> sigdie(), logs
 * "Timeout before authentication" through syslog(). syslog() is not
 * async-signal-safe (signal-safety(7)): glibc's syslog formats with
 * malloc'd memory (open_memstream) and takes locks. When SIGALRM lands while
 * the main loop is inside malloc() or free(), the handler re-enters the
 * allocator with its internal state half-updated: heap corruption (what the
 * exploit used) or, when the process is multi-threaded, a self-deadlock on
 * the arena lock.
 *
 * The fix (OpenSSH 9.8p1): the handler only calls _exit(), which is
 * async-signal-safe. Compile with -DSS_MODEL_FIXED=1 for the fixed twin.
 *
 * Usage: regresshion [--packets N] [--seed N] [--grace SECONDS]
 *                    [--client-delay USEC] [--input F]
 *
 * --client-delay: the client's packets arrive USEC apart, and the server
 * waits for each in ppoll() as sshd's packet reader waits for the network
 * (default 0: the packets are all there, a busy loop). A real sshd spends
 * almost all of its login grace time in that wait, which is what makes the
 * race rare for a signal at a random time: with a delay, a SIGALRM sent at
 * a random moment lands inside the allocator once in thousands of tries.
 *
 * Built with -DSIGSTORM_FUZZ (docs/fuzzing.md) it has no main: it is a fuzz
 * target whose LLVMFuzzerTestOneInput serves the input's packets as --input
 * does. There the grace timer is the fuzzer's schedule, and the handler,
 * instead of ending the process (which would end the fuzzing campaign),
 * drops the connection: the flag makes the server loop stop.
 */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

struct kex_request {
  char *client_version;
  char *kex_algorithms;
  char *host_key_algorithms;
  char *ciphers;
  char *user;
  char *auth_method;
  unsigned char *cookie;
  size_t cookie_len;
};

struct reply {
  unsigned char *buf;
  size_t len, cap;
};

#ifndef SIGSTORM_FUZZ
static uint64_t rng_state;
static uint64_t next_rand(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
#endif

#ifdef SIGSTORM_FUZZ
static volatile sig_atomic_t grace_expired;
#define LEAVE() (grace_expired = 1) /* the connection is dropped */
#else
#define LEAVE() _exit(1)
#endif

#if !SS_MODEL_FIXED
static const char *remote_ip = "203.0.113.7";
static int remote_port = 52144;

/* Like OpenSSH's sigdie() -> sshlogv() -> do_log(): format the message,
 * hand it to syslog(), then leave. */
static void sigdie(const char *fmt, ...) {
  char msgbuf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msgbuf, sizeof msgbuf, fmt, ap);
  va_end(ap);
  syslog(LOG_INFO, "%.500s", msgbuf); /* BUG: not async-signal-safe */
  LEAVE();
}
#endif

static void grace_alarm_handler(int sig) {
  (void)sig;
#if SS_MODEL_FIXED
  LEAVE(); /* 9.8p1: nothing but _exit() */
#else
  sigdie("Timeout before authentication for %s port %d", remote_ip,
         remote_port);
#endif
}

static char *dup_field(const unsigned char *p, size_t n) {
  char *s = malloc(n + 1);
  if (!s)
    abort();
  for (size_t i = 0; i < n; i++)
    s[i] = (char)('a' + p[i] % 26);
  s[n] = '\0';
  return s;
}

static void reply_put(struct reply *r, const void *p, size_t n) {
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    while (cap < r->len + n)
      cap *= 2;
    unsigned char *nb = realloc(r->buf, cap);
    if (!nb)
      abort();
    r->buf = nb;
    r->cap = cap;
  }
  memcpy(r->buf + r->len, p, n);
  r->len += n;
}

/* Parses one packet into a request, builds a reply, frees everything. */
static size_t handle_packet(const unsigned char *pkt, size_t len) {
  struct kex_request *kr = calloc(1, sizeof *kr);
  if (!kr)
    abort();
  size_t off = 0;
  char **fields[] = {
      &kr->client_version, &kr->kex_algorithms, &kr->host_key_algorithms,
      &kr->ciphers,        &kr->user,           &kr->auth_method};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    size_t n = off < len ? pkt[off] % 64 : 0;
    if (off + 1 + n > len)
      n = off + 1 < len ? len - off - 1 : 0;
    *fields[i] = dup_field(pkt + (off < len ? off + 1 : len), n);
    off += 1 + n;
  }
  kr->cookie_len = 16 + (len % 48);
  kr->cookie = malloc(kr->cookie_len);
  if (!kr->cookie)
    abort();
  for (size_t i = 0; i < kr->cookie_len; i++)
    kr->cookie[i] = pkt[i % len];

  struct reply r = {0};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    char *name = strdup(*fields[i]);
    if (!name)
      abort();
    reply_put(&r, name, strlen(name));
    free(name);
  }
  reply_put(&r, kr->cookie, kr->cookie_len);
  if (len > 200) { /* a large host key blob: past the tcache sizes */
    unsigned char *blob = malloc(1024 + len * 4);
    if (!blob)
      abort();
    memset(blob, 0x5a, 1024 + len * 4);
    reply_put(&r, blob, 64);
    free(blob);
  }
  size_t out = r.len;
  free(r.buf);
  free(kr->cookie);
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    free(*fields[i]);
  free(kr);
  return out;
}

#ifndef SIGSTORM_FUZZ
static unsigned long client_delay_us; /* --client-delay */
#endif

/* Waits for the client's next packet (the normal build's --client-delay;
 * a fuzz input's packets are all there). */
static void wait_for_packet(void) {
#ifndef SIGSTORM_FUZZ
  if (client_delay_us) {
    struct timespec ts = {(time_t)(client_delay_us / 1000000),
                          (long)(client_delay_us % 1000000) * 1000};
    ppoll(NULL, 0, &ts, NULL);
  }
#endif
}

/* Serves length-prefixed packets from data (one length byte, then up to
 * 255 bytes) until the end, or up to max packets; adds the reply bytes to
 * *total and returns the packets served. */
static unsigned long serve_input(const unsigned char *data, size_t data_len,
                                 unsigned long max, unsigned long *total) {
  unsigned char pkt[512 + 8];
  unsigned long done = 0;
  size_t in_off = 0;
  for (; done < max; done++) {
#ifdef SIGSTORM_FUZZ
    if (grace_expired)
      break;
#endif
    if (in_off >= data_len)
      break;
    size_t len = 1 + data[in_off++] % 255;
    if (len > data_len - in_off)
      len = data_len - in_off;
    if (len == 0)
      break;
    memcpy(pkt, data + in_off, len);
    in_off += len;
    wait_for_packet();
    *total += handle_packet(pkt, len);
  }
  return done;
}

/* Like sshd before a connection's grace timer is armed: the configuration
 * and the host keys are loaded, so the heap is set up and in use (the
 * first allocations of a process are where malloc makes its system calls:
 * brk, mmap). Kept for the whole run. */
static struct {
  char *config;
  unsigned char *host_key;
} server;

static void server_load(void) {
  server.config = malloc(4096);
  server.host_key = malloc(1024);
  if (!server.config || !server.host_key)
    abort();
  memset(server.config, 'c', 4096);
  memset(server.host_key, 0x4b, 1024);
}

#ifdef SIGSTORM_FUZZ
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  server_load();
  openlog("sshd", LOG_PID, LOG_AUTH);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = grace_alarm_handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned long total = 0;
  grace_expired = 0;
  serve_input(data, size, 1000, &total);
  return 0;
}
#else
static unsigned long parse_num(const char *s, const char *what) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (!*s || *end) {
    fprintf(stderr, "regresshion: bad %s '%s'\n", what, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  unsigned long packets = 50000, seed = 1, grace = 120;
  const char *input = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc)
      packets = parse_num(argv[++i], "--packets");
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      seed = parse_num(argv[++i], "--seed");
    else if (strcmp(argv[i], "--grace") == 0 && i + 1 < argc)
      grace = parse_num(argv[++i], "--grace");
    else if (strcmp(argv[i], "--client-delay") == 0 && i + 1 < argc)
      client_delay_us = parse_num(argv[++i], "--client-delay");
    else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
      input = argv[++i];
    else {
      fprintf(stderr, "usage: regresshion [--packets N] [--seed N] "
                      "[--grace SECONDS] [--client-delay USEC] "
                      "[--input FILE]\n");
      return 2;
    }
  }
  server_load();
  openlog("sshd", LOG_PID, LOG_AUTH);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = grace_alarm_handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  alarm((unsigned)grace);

  unsigned char *data = NULL;
  size_t data_len = 0;
  if (input) {
    FILE *f = fopen(input, "rb");
    if (!f) {
      perror(input);
      return 2;
    }
    size_t cap = 0;
    for (;;) {
      if (data_len == cap) {
        cap = cap ? cap * 2 : 4096;
        if (cap > (1u << 24))
          break;
        unsigned char *nb = realloc(data, cap);
        if (!nb)
          abort();
        data = nb;
      }
      size_t got = fread(data + data_len, 1, cap - data_len, f);
      if (got == 0)
        break;
      data_len += got;
    }
    fclose(f);
  }

  rng_state = seed;
  unsigned long total = 0, done = 0;
  if (input) { /* length-prefixed records; stop at the end */
    done = serve_input(data, data_len, packets, &total);
  } else {
    unsigned char pkt[512 + 8];
    for (; done < packets; done++) {
      uint64_t r = next_rand();
      size_t len = 16 + r % 400;
      for (size_t i = 0; i < len; i += 8) {
        uint64_t w = next_rand();
        memcpy(pkt + i, &w, sizeof w);
      }
      wait_for_packet();
      total += handle_packet(pkt, len);
    }
  }
  alarm(0);
  free(data);
  free(server.config);
  free(server.host_key);
  printf("processed %lu packets, %lu bytes\n", done, total);
  return 0;
}
#endif
