/* schedule.h: the schedule language, parsed on the host into the binary
 * struct ss_schedule the runtime reads from the shared segment.
 *
 *   SPEC    := WINDOW ( ';' WINDOW )*      (or one window per line in @FILE;
 *                                           '#' starts a comment)
 *   WINDOW  := TOKEN ( (' ' | ',') TOKEN )*
 *   TOKEN   := sig=NAME|NUM|handled   the signal (default: handled, i.e. any
 *                                     signal the process has a handler for)
 *            | after=DUR              one shot DUR after start; with every=
 *                                     or rate=, when they begin
 *            | every=DUR [jitter=P%]  periodic shots, period +-P% uniform
 *            | rate=FREQ              Poisson shots, FREQ in Hz/kHz/MHz
 *            | on=FUNC#K [+DUR]       DUR after the K-th entry into FUNC,
 *                                     one of the interposed functions
 *            | delay=DUR              same as +DUR
 *            | count=N                at most N shots from this window
 *            | until=DUR              no shot after DUR from start
 *            | thread=main|any|all|caller   whom to signal (default main;
 *                                     caller, the calling thread, for on=)
 *            | force                  fire even when the process has no
 *                                     handler for the signal
 *   DUR     := number with unit ns, us, ms, s (e.g. 250us, 1.5ms); 0 alone
 */
#ifndef SIGSTORM_SCHEDULE_H
#define SIGSTORM_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "injector/sigstorm_proto.h"

/* Parses spec into *out (seed untouched). On error returns -1 and writes one
 * line into err naming the offending token and window. */
int ss_schedule_parse(const char *spec, struct ss_schedule *out, char *err,
                      size_t errlen);
/* The canonical text of a parsed schedule; parses back to the same struct. */
void ss_schedule_format(const struct ss_schedule *s, char *buf, size_t cap);
/* A random schedule for one stress run, drawn from *rng, for a target whose
 * runs last about typical_ns. Fills text too. */
void ss_schedule_random(uint64_t *rng, uint64_t typical_ns,
                        struct ss_schedule *out);
/* Name of an interposed function, or NULL; and the reverse. */
const char *ss_fn_name(unsigned fn);
int ss_fn_lookup(const char *name);
/* The name a report shows: a _FORTIFY_SOURCE entry (__printf_chk) is shown
 * as the function the source called (printf). */
const char *ss_fn_display(unsigned fn);

#endif
