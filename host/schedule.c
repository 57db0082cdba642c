#include "schedule.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const ss_fn_names[SS_FN_COUNT] = {
#define SS_EACH(name, fam) [SS_FN_##name] = #name,
#include "injector/unsafe_funcs_each.h"
};

const char *ss_fn_name(unsigned fn) {
  return fn < SS_FN_COUNT ? ss_fn_names[fn] : NULL;
}

const char *ss_fn_display(unsigned fn) {
  static char names[SS_FN_COUNT][32];
  const char *n = ss_fn_name(fn);
  if (!n)
    return NULL;
  size_t len = strlen(n);
  if (len > 6 && strncmp(n, "__", 2) == 0 && strcmp(n + len - 4, "_chk") == 0) {
    if (!names[fn][0])
      snprintf(names[fn], sizeof names[fn], "%.*s", (int)(len - 6), n + 2);
    return names[fn];
  }
  return n;
}

int ss_fn_lookup(const char *name) {
  for (unsigned i = 0; i < SS_FN_COUNT; i++)
    if (strcmp(ss_fn_names[i], name) == 0)
      return (int)i;
  return -1;
}

static const char *const ss_thread_names[] = {"main", "any", "all", "caller"};

#define SS_TOK_MAX 128

struct ss_pstate {
  char *err;
  size_t errlen;
  int window; /* 1-based */
};

static int ss_fail(struct ss_pstate *p, const char *tok, const char *why) {
  snprintf(p->err, p->errlen, "schedule: window %d: bad token '%s': %s",
           p->window, tok, why);
  return -1;
}

/* One window: tokens already split. */
static int ss_parse_window(struct ss_pstate *p, char **toks, int ntok,
                           struct ss_window *w) {
  int have_after = 0, have_every = 0, have_rate = 0, have_on = 0;
  int have_jitter = 0, have_delay = 0, have_thread = 0;
  memset(w, 0, sizeof *w);
  w->sig = SS_SIG_HANDLED;
  for (int i = 0; i < ntok; i++) {
    char *t = toks[i];
    char *eq = strchr(t, '=');
    if (t[0] == '+') {
      if (ss_parse_duration(t + 1, &w->delay_ns) < 0)
        return ss_fail(p, t, "expected a delay like +3us");
      have_delay = 1;
      continue;
    }
    if (strcmp(t, "force") == 0) {
      w->flags |= SS_WF_FORCE;
      continue;
    }
    if (!eq)
      return ss_fail(p, t, "expected key=value, +DELAY or force");
    *eq = '\0';
    const char *k = t, *v = eq + 1;
    int bad = 0;
    const char *why = NULL;
    if (strcmp(k, "sig") == 0 || strcmp(k, "signal") == 0) {
      if (strcasecmp(v, "handled") == 0)
        w->sig = SS_SIG_HANDLED;
      else if (!(w->sig = ss_signal_parse(v)))
        bad = 1, why = "unknown signal";
      else if (w->sig == SIGKILL || w->sig == SIGSTOP)
        bad = 1, why = "SIGKILL and SIGSTOP cannot be handled";
    } else if (strcmp(k, "after") == 0) {
      bad = ss_parse_duration(v, &w->after_ns) < 0, have_after = 1;
      why = "expected a duration like 250us";
    } else if (strcmp(k, "every") == 0) {
      bad = ss_parse_duration(v, &w->period_ns) < 0, have_every = 1;
      why = "expected a duration like 40us";
    } else if (strcmp(k, "jitter") == 0) {
      char *end;
      long pct = strtol(v, &end, 10);
      bad = end == v || (*end && strcmp(end, "%") != 0) || pct < 0 || pct > 100;
      why = "expected a percentage 0%..100%";
      w->jitter_pct = (uint32_t)pct;
      have_jitter = 1;
    } else if (strcmp(k, "rate") == 0) {
      bad = ss_parse_freq(v, &w->rate_mhz) < 0, have_rate = 1;
      why = "expected a frequency like 20kHz";
    } else if (strcmp(k, "on") == 0) {
      char fn[64];
      const char *hash = strchr(v, '#');
      size_t n = hash ? (size_t)(hash - v) : 0;
      have_on = 1;
      if (!hash || n == 0 || n >= sizeof fn) {
        bad = 1, why = "expected FUNC#K, e.g. malloc#37";
      } else {
        memcpy(fn, v, n);
        fn[n] = '\0';
        int id = ss_fn_lookup(fn);
        if (id < 0)
          bad = 1, why = "not an interposed function (see sigstorm help "
                         "schedule)";
        else if (ss_parse_u64(hash + 1, &w->on_k) < 0 || w->on_k == 0)
          bad = 1, why = "K must be a positive integer";
        w->on_fn = (uint32_t)(id < 0 ? 0 : id);
      }
    } else if (strcmp(k, "delay") == 0) {
      bad = ss_parse_duration(v, &w->delay_ns) < 0, have_delay = 1;
      why = "expected a duration like 3us";
    } else if (strcmp(k, "count") == 0) {
      bad = ss_parse_u64(v, &w->count) < 0 || w->count == 0;
      why = "expected a positive integer";
    } else if (strcmp(k, "until") == 0) {
      bad = ss_parse_duration(v, &w->until_ns) < 0 || w->until_ns == 0;
      why = "expected a positive duration";
    } else if (strcmp(k, "thread") == 0) {
      bad = 1, why = "expected main, any, all or caller";
      for (unsigned j = 0; j < 4; j++)
        if (strcmp(v, ss_thread_names[j]) == 0)
          w->thread = j, bad = 0, have_thread = 1;
    } else {
      *eq = '=';
      return ss_fail(p, t, "unknown key");
    }
    if (bad) {
      *eq = '=';
      return ss_fail(p, t, why);
    }
    *eq = '=';
  }
  int kinds = have_every + have_rate + have_on;
  if (kinds > 1 || (have_on && have_after))
    return ss_fail(p, toks[0],
                   "a window has one trigger: after=, every=, rate= or on=");
  if (have_on)
    w->kind = SS_WIN_ON;
  else if (have_every)
    w->kind = SS_WIN_EVERY;
  else if (have_rate)
    w->kind = SS_WIN_RATE;
  else if (have_after)
    w->kind = SS_WIN_AFTER;
  else
    return ss_fail(p, ntok ? toks[0] : "",
                   "no trigger: give after=, every=, rate= or on=");
  if (have_jitter && !have_every)
    return ss_fail(p, "jitter", "jitter= goes with every=");
  if (have_delay && !have_on)
    return ss_fail(p, "delay", "a delay goes with on=");
  if (w->kind == SS_WIN_EVERY && w->period_ns == 0 && !w->count && !w->until_ns)
    return ss_fail(p, "every=0", "every=0 needs count= or until=");
  if (w->kind == SS_WIN_ON && !have_thread)
    w->thread = SS_THR_CALLER;
  if (w->thread == SS_THR_CALLER && w->kind != SS_WIN_ON)
    return ss_fail(p, "thread=caller", "thread=caller goes with on=");
  return 0;
}

int ss_schedule_parse(const char *spec, struct ss_schedule *out, char *err,
                      size_t errlen) {
  struct ss_pstate p = {err, errlen, 0};
  uint64_t seed = out->seed;
  memset(out, 0, sizeof *out);
  out->seed = seed;
  size_t len = strlen(spec);
  char *buf = malloc(len + 1);
  if (!buf) {
    snprintf(err, errlen, "schedule: out of memory");
    return -1;
  }
  memcpy(buf, spec, len + 1);
  /* comments run to the end of their line */
  for (char *c = buf; (c = strchr(c, '#'));) {
    if (c == buf || c[-1] == ' ' || c[-1] == '\t' || c[-1] == '\n' ||
        c[-1] == ';') {
      while (*c && *c != '\n')
        *c++ = ' ';
    } else {
      c++; /* malloc#37 */
    }
  }
  int rc = 0;
  char *save = NULL;
  for (char *win = strtok_r(buf, ";\n", &save); win;
       win = strtok_r(NULL, ";\n", &save)) {
    char *toks[SS_TOK_MAX];
    int ntok = 0;
    char *s2 = NULL;
    for (char *t = strtok_r(win, " \t\r,", &s2); t;
         t = strtok_r(NULL, " \t\r,", &s2)) {
      if (ntok == SS_TOK_MAX) {
        p.window = (int)out->nwindows + 1;
        rc = ss_fail(&p, t, "too many tokens");
        goto done;
      }
      toks[ntok++] = t;
    }
    if (ntok == 0)
      continue;
    p.window = (int)out->nwindows + 1;
    if (out->nwindows == SS_MAX_WINDOWS) {
      rc = ss_fail(&p, toks[0], "too many windows (at most 16)");
      goto done;
    }
    if ((rc = ss_parse_window(&p, toks, ntok, &out->w[out->nwindows])) < 0)
      goto done;
    out->nwindows++;
  }
  if (out->nwindows == 0) {
    snprintf(err, errlen,
             "schedule: empty: give at least one window, e.g. "
             "'sig=SIGALRM after=1ms'");
    rc = -1;
    goto done;
  }
  ss_schedule_format(out, out->text, sizeof out->text);
done:
  free(buf);
  return rc;
}

static __attribute__((noinline)) void
ss_append(char *buf, size_t cap, size_t *n, const char *fmt, const char *val) {
  if (*n >= cap)
    return;
  int w = snprintf(buf + *n, cap - *n, fmt, val);
  if (w > 0)
    *n += (size_t)w;
  if (*n >= cap)
    *n = cap - 1;
}

void ss_schedule_format(const struct ss_schedule *s, char *buf, size_t cap) {
  size_t n = 0;
  char d[32], sb[24];
  buf[0] = '\0';
  for (uint32_t i = 0; i < s->nwindows && i < SS_MAX_WINDOWS; i++) {
    const struct ss_window *w = &s->w[i];
    if (i)
      ss_append(buf, cap, &n, "%s", "; ");
    ss_append(buf, cap, &n, "sig=%s",
              w->sig == SS_SIG_HANDLED ? "handled"
                                       : ss_signal_name(w->sig, sb));
    switch (w->kind) {
    case SS_WIN_AFTER:
      ss_format_duration(w->after_ns, d, sizeof d);
      ss_append(buf, cap, &n, " after=%s", d);
      break;
    case SS_WIN_EVERY:
      ss_format_duration(w->period_ns, d, sizeof d);
      ss_append(buf, cap, &n, " every=%s", d);
      if (w->jitter_pct) {
        snprintf(d, sizeof d, "%u%%", w->jitter_pct);
        ss_append(buf, cap, &n, " jitter=%s", d);
      }
      break;
    case SS_WIN_RATE:
      if (w->rate_mhz % 1000 == 0)
        snprintf(d, sizeof d, "%lluHz",
                 (unsigned long long)(w->rate_mhz / 1000));
      else
        snprintf(d, sizeof d, "%.3fHz", (double)w->rate_mhz / 1000.0);
      ss_append(buf, cap, &n, " rate=%s", d);
      break;
    case SS_WIN_ON:
      snprintf(d, sizeof d, "#%llu", (unsigned long long)w->on_k);
      ss_append(buf, cap, &n, " on=%s", ss_fn_name(w->on_fn));
      ss_append(buf, cap, &n, "%s", d);
      if (w->delay_ns) {
        ss_format_duration(w->delay_ns, d, sizeof d);
        ss_append(buf, cap, &n, " +%s", d);
      }
      break;
    default:
      break;
    }
    if (w->after_ns && (w->kind == SS_WIN_EVERY || w->kind == SS_WIN_RATE)) {
      ss_format_duration(w->after_ns, d, sizeof d);
      ss_append(buf, cap, &n, " after=%s", d);
    }
    if (w->count) {
      snprintf(d, sizeof d, "%llu", (unsigned long long)w->count);
      ss_append(buf, cap, &n, " count=%s", d);
    }
    if (w->until_ns) {
      ss_format_duration(w->until_ns, d, sizeof d);
      ss_append(buf, cap, &n, " until=%s", d);
    }
    if (w->thread != (w->kind == SS_WIN_ON ? SS_THR_CALLER : SS_THR_MAIN))
      ss_append(buf, cap, &n, " thread=%s", ss_thread_names[w->thread & 3]);
    if (w->flags & SS_WF_FORCE)
      ss_append(buf, cap, &n, "%s", " force");
  }
}

/* Log-uniform in [lo, hi]. */
static uint64_t ss_log_uniform(uint64_t *rng, double lo, double hi) {
  double u = (double)(ss_splitmix(rng) >> 11) * (1.0 / 9007199254740992.0);
  return (uint64_t)exp(log(lo) + u * (log(hi) - log(lo)));
}

void ss_schedule_random(uint64_t *rng, uint64_t typical_ns,
                        struct ss_schedule *out) {
  uint64_t seed = out->seed;
  memset(out, 0, sizeof *out);
  out->seed = seed;
  if (typical_ns < 1000000)
    typical_ns = 1000000;
  struct ss_window *w = &out->w[0];
  out->nwindows = 1;
  w->sig = SS_SIG_HANDLED;
  w->thread = SS_THR_MAIN;
  switch (ss_splitmix(rng) % 3) {
  case 0: /* one shot somewhere in a typical run, to the microsecond */
    w->kind = SS_WIN_AFTER;
    w->after_ns = (ss_splitmix(rng) % typical_ns) / 1000 * 1000;
    break;
  case 1: { /* Poisson, from a few per run up to 50 kHz */
    double lo = 2e9 / (double)typical_ns;
    w->kind = SS_WIN_RATE;
    /* in milli-Hertz: whole Hertz would round a slow rate down to none */
    w->rate_mhz = ss_log_uniform(rng, (lo < 100 ? lo : 100) * 1000, 50000000);
    if (w->rate_mhz < 1) /* a rate that rounds to nothing: one milli-Hertz */
      w->rate_mhz = 1;
    break;
  }
  default: /* periodic with jitter, 20 us up to half a run */
    w->kind = SS_WIN_EVERY;
    w->period_ns =
        ss_log_uniform(rng, 20000, (double)typical_ns / 2) / 1000 * 1000;
    w->jitter_pct = 50;
    break;
  }
  ss_schedule_format(out, out->text, sizeof out->text);
}
