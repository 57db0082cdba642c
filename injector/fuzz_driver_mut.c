/* fuzz_driver_mut.c: the builtin engine's mutations, aware of the input ABI
 * (sigstorm_fuzz.h): the 32-byte schedule prefix is mutated record by
 * record (a record's kind, signal, thread, aux, small steps and new values
 * of its 16-bit v and w, a record copied from another input), the workload
 * bytes as bytes (flips, interesting values, chunks inserted, deleted,
 * duplicated, spliced from another input). A few of them stacked per input,
 * as AFL's havoc does.
 */
#include <string.h>

#include "fuzz_driver.h"
#include "sigstorm_fuzz.h"

uint64_t fd_rand(struct fd_rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* a value spread over the magnitudes: small ones as likely as large ones */
static uint32_t fd_logrand(struct fd_rng *r, unsigned bits) {
  unsigned b = 1 + fd_below(r, bits);
  return (uint32_t)(fd_rand(r) & ((1ull << b) - 1));
}

static uint16_t fd_get16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

static void fd_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* ---- the schedule prefix --------------------------------------------------
 */
enum {
  M_KIND,
  M_SIGNAL,
  M_THREAD,
  M_AUX,
  M_V_STEP,
  M_V_NEW,
  M_W_STEP,
  M_W_NEW,
  M_COPY_RECORD,
  M_SWAP_RECORDS,
  M_CLEAR_RECORD,
  M_PREFIX_OPS
};

static void fd_mut_prefix(struct fd_rng *r, uint8_t *buf, const uint8_t *other,
                          uint32_t other_len) {
  unsigned rec = fd_below(r, SS_FUZZ_RECORDS);
  uint8_t *b = buf + rec * SS_FUZZ_RECORD_SIZE;
  unsigned op = fd_below(r, M_PREFIX_OPS);
  /* a record that fires nothing: give it a kind first, mostly */
  if (b[0] % SS_FZ_NKINDS == SS_FZ_NONE && op != M_COPY_RECORD &&
      fd_below(r, 4))
    op = M_KIND;
  switch (op) {
  case M_KIND:
    b[0] = (uint8_t)(1 + fd_below(r, SS_FZ_NKINDS - 1));
    break;
  case M_SIGNAL: /* indexes the handled signals: a handful */
    b[1] = (uint8_t)(fd_below(r, 4) ? fd_below(r, 4) : fd_rand(r));
    break;
  case M_THREAD:
    b[2] ^= 1;
    break;
  case M_AUX: /* on: the function; every/rate: the shots */
    b[3] = (uint8_t)(fd_below(r, 2) ? fd_rand(r) : b[3] + 1 + fd_below(r, 3));
    break;
  case M_V_STEP:
  case M_W_STEP: {
    uint8_t *p = b + (op == M_V_STEP ? 4 : 6);
    int d = 1 + (int)fd_logrand(r, 8);
    uint32_t v = fd_get16(p);
    fd_put16(p, fd_below(r, 2) ? v + (uint32_t)d : v - (uint32_t)d);
    break;
  }
  case M_V_NEW:
  case M_W_NEW:
    fd_put16(b + (op == M_V_NEW ? 4 : 6), fd_logrand(r, 16));
    break;
  case M_COPY_RECORD:
    if (other && other_len >= SS_FUZZ_PREFIX) {
      unsigned from = fd_below(r, SS_FUZZ_RECORDS);
      memcpy(b, other + from * SS_FUZZ_RECORD_SIZE, SS_FUZZ_RECORD_SIZE);
    } else {
      b[0] = (uint8_t)(1 + fd_below(r, SS_FZ_NKINDS - 1));
    }
    break;
  case M_SWAP_RECORDS: {
    uint8_t t[SS_FUZZ_RECORD_SIZE];
    uint8_t *c = buf + fd_below(r, SS_FUZZ_RECORDS) * SS_FUZZ_RECORD_SIZE;
    memcpy(t, b, sizeof t);
    memmove(b, c, sizeof t);
    memcpy(c, t, sizeof t);
    break;
  }
  default: /* fewer windows */
    b[0] = SS_FZ_NONE;
    break;
  }
}

/* ---- the workload bytes ---------------------------------------------------
 */
static const int64_t fd_interesting[] = {
    0,         1,          -1,           2,    3,     4,     7,
    8,         16,         31,           32,   63,    64,    100,
    127,       128,        255,          256,  512,   1000,  1024,
    4096,      32767,      32768,        -128, 65535, 65536, -32768,
    100663045, 2147483647, -2147483648LL};

enum {
  W_BITFLIP,
  W_BYTE_NEW,
  W_BYTE_STEP,
  W_INTERESTING,
  W_INSERT,
  W_DELETE,
  W_DUPLICATE,
  W_SPLICE,
  W_COPY_OTHER,
  W_OPS
};

static void fd_mut_work(struct fd_rng *r, uint8_t *buf, uint32_t *len,
                        uint32_t max, const uint8_t *other,
                        uint32_t other_len) {
  uint8_t *w = buf + SS_FUZZ_PREFIX;
  uint32_t n = *len - SS_FUZZ_PREFIX, cap = max - SS_FUZZ_PREFIX;
  const uint8_t *ow =
      other && other_len > SS_FUZZ_PREFIX ? other + SS_FUZZ_PREFIX : NULL;
  uint32_t on = ow ? other_len - SS_FUZZ_PREFIX : 0;
  unsigned op = fd_below(r, W_OPS);
  if (n == 0 && op != W_COPY_OTHER && op != W_SPLICE)
    op = W_INSERT; /* nothing to change yet: grow */
  switch (op) {
  case W_BITFLIP:
    w[fd_below(r, n)] ^= (uint8_t)(1u << fd_below(r, 8));
    break;
  case W_BYTE_NEW:
    w[fd_below(r, n)] = (uint8_t)fd_rand(r);
    break;
  case W_BYTE_STEP: {
    uint32_t i = fd_below(r, n);
    w[i] = (uint8_t)(w[i] + (fd_below(r, 2) ? 1 : -1) * (1 + fd_below(r, 8)));
    break;
  }
  case W_INTERESTING: {
    int64_t v = fd_interesting[fd_below(r, sizeof fd_interesting /
                                               sizeof fd_interesting[0])];
    unsigned width = 1u << fd_below(r, 3); /* 1, 2 or 4 bytes, LE */
    if (width > n)
      width = 1;
    uint32_t i = fd_below(r, n - width + 1);
    for (unsigned k = 0; k < width; k++)
      w[i + k] = (uint8_t)((uint64_t)v >> (8 * k));
    break;
  }
  case W_INSERT: {
    uint32_t k = 1 + fd_logrand(r, 7);
    if (k > cap - n)
      k = cap - n;
    if (!k)
      break;
    uint32_t at = fd_below(r, n + 1);
    memmove(w + at + k, w + at, n - at);
    if (fd_below(r, 2)) {
      for (uint32_t i = 0; i < k; i++)
        w[at + i] = (uint8_t)fd_rand(r);
    } else {
      memset(w + at, (int)(fd_below(r, 2) ? fd_rand(r) : 0), k);
    }
    n += k;
    break;
  }
  case W_DELETE: {
    uint32_t k = 1 + fd_logrand(r, 7);
    if (k >= n)
      k = n > 1 ? n - 1 : n;
    uint32_t at = fd_below(r, n - k + 1);
    memmove(w + at, w + at + k, n - at - k);
    n -= k;
    break;
  }
  case W_DUPLICATE: { /* a chunk copied, inserted elsewhere */
    uint32_t k = 1 + fd_logrand(r, 8);
    if (k > n)
      k = n;
    if (k > cap - n)
      k = cap - n;
    if (!k)
      break;
    uint32_t from = fd_below(r, n - k + 1), at = fd_below(r, n + 1);
    uint8_t tmp[256];
    memcpy(tmp, w + from, k);
    memmove(w + at + k, w + at, n - at);
    memcpy(w + at, tmp, k);
    n += k;
    break;
  }
  case W_SPLICE: /* this one's head, the other's tail */
    if (on) {
      uint32_t at = fd_below(r, n + 1), from = fd_below(r, on);
      uint32_t k = on - from;
      if (k > cap - at)
        k = cap - at;
      memcpy(w + at, ow + from, k);
      n = at + k;
    }
    break;
  default: /* a chunk of the other input, inserted */
    if (on) {
      uint32_t k = 1 + fd_logrand(r, 8);
      uint32_t from = fd_below(r, on);
      if (k > on - from)
        k = on - from;
      if (k > cap - n)
        k = cap - n;
      uint32_t at = fd_below(r, n + 1);
      memmove(w + at + k, w + at, n - at);
      memcpy(w + at, ow + from, k);
      n += k;
    }
    break;
  }
  *len = SS_FUZZ_PREFIX + n;
}

void fd_mutate(struct fd_rng *r, uint8_t *buf, uint32_t *len, uint32_t max,
               const uint8_t *other, uint32_t other_len) {
  if (max < SS_FUZZ_PREFIX)
    max = SS_FUZZ_PREFIX;
  if (*len < SS_FUZZ_PREFIX) { /* read as zero-padded: make it so */
    memset(buf + *len, 0, SS_FUZZ_PREFIX - *len);
    *len = SS_FUZZ_PREFIX;
  }
  if (*len > max)
    *len = max;
  unsigned stack = 1u << fd_below(r, 4); /* 1, 2, 4 or 8 changes */
  /* the schedule is what this engine is for: half the changes there */
  for (unsigned i = 0; i < stack; i++) {
    if (fd_below(r, 2))
      fd_mut_prefix(r, buf, other, other_len);
    else
      fd_mut_work(r, buf, len, max, other, other_len);
  }
}
