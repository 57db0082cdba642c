/* campaign.h: repeated runs of one target (run = one, stress = many). */
#ifndef SIGSTORM_CAMPAIGN_H
#define SIGSTORM_CAMPAIGN_H

#include "cli.h"

typedef struct ss_campaign {
  ss_common *c;
  char **argv; /* argv[0] resolved */
  const char *runtime;
  uint64_t runs;        /* stop after this many, or */
  uint64_t duration_ns; /* ... after this long (when runs == 0) */
  unsigned jobs;
  int single;            /* run: one interactive run with seed as given */
  int progress;          /* live progress line on stderr */
  const char *sanitizer; /* the --sanitizer mode of these runs, NULL none */
} ss_campaign;

typedef struct ss_campaign_stats {
  uint64_t attached;   /* runs where the runtime attached */
  uint64_t violations; /* unsafe calls by the runtime itself */
  uint64_t dropped;    /* records lost to full tables */
} ss_campaign_stats;

/* The seed of run `index` of a campaign with base seed `base`. */
uint64_t ss_run_seed(uint64_t base, uint64_t index);
/* 0, or -1 on an internal error (printed). */
int ss_campaign_run(ss_campaign *cp, ss_report *rep, ss_campaign_stats *st);

#endif
