/* casefile.h: reproducer ("case") files, the line format of a finding that
 * replays deterministically. Versioned, human-editable, diff-friendly:
 *
 *   # a comment (whole line; '#' elsewhere is data)
 *   sigstorm-case 1                  first non-blank, non-comment line
 *   target targets/regresshion       the program (see ss_case_resolve)
 *   fixed targets/regresshion_fixed  optional: its fixed twin (must be clean)
 *   args --packets 200 "two words"   optional: words, "..." quoting, \ escapes
 *   input inputs/seed1.bin           optional: stdin, relative to the case file
 *   env NAME=VALUE                   optional, repeatable
 *   timeout 10s                      optional: wall-clock limit of one replay
 *   signal SIGALRM at=malloc#37+12i[@THREAD]   one or more (at most 8)
 *   expect reentrancy handler=H callee=C interrupted=I   zero or more
 *   note free text                   optional, repeatable, kept on rewrite
 *
 * Lines end in LF or CRLF, are at most SS_CASE_MAX_LINE bytes, and hold no
 * control character but tab; blanks (space, tab) at both ends are dropped.
 * target, fixed, args, input, timeout: at most once each. target, fixed,
 * input, timeout: the rest of the line. note: the rest of the line after
 * one blank, verbatim. env: NAME ([A-Za-z_][A-Za-z0-9_]*), '=', and the
 * rest of the line as VALUE, verbatim. args: words split at blanks; "..."
 * groups a word (inside, \" and \\ stand for " and \); outside quotes,
 * \ takes the next character as is.
 * `signal SIG at=WINDOW [thread=NAME]`: thread= is another way to write
 * @NAME (not both). SIG is a name (SIGALRM, alrm, RTMIN+3) or a number.
 *
 * Window: at=[MODULE:]FUNC#K+Ni[@THREAD]: N instructions (N >= 0, "+Ni"
 * optional, meaning 0) after the K-th (K >= 1) entry into FUNC, on the
 * thread named THREAD ("main": the initial thread; any other name: the
 * thread whose comm is THREAD; absent: any thread). MODULE is a file name
 * (libc.so.6) when FUNC is ambiguous. MODULE and FUNC: not empty, no blanks,
 * '#' or '@'; the first ':' ends MODULE. THREAD: 1 to 15 of [A-Za-z0-9_.-].
 * `expect KIND [key=value...]`: keys handler, callee, interrupted, signal
 * (each at most once); a value may be "*" (anything). KIND is a finding
 * kind: unsafe-call, reentrancy, errno-clobber, heap-corruption, sanitizer,
 * crash, deadlock, hang, default-action-death, eintr.
 */
#ifndef SIGSTORM_CASEFILE_H
#define SIGSTORM_CASEFILE_H

#include <stddef.h>
#include <stdint.h>

#define SS_CASE_VERSION 1
#define SS_CASE_MAX_SIGNALS 8
#define SS_CASE_MAX_K 1000000000ull /* K: 1..1e9 */
#define SS_CASE_MAX_N 1000000ull    /* N: 0..1e6 instructions */
#define SS_CASE_MAX_LINE 4096

typedef struct ss_case_window {
  int sig;      /* signal number */
  char *module; /* NULL, or the MODULE of MODULE:FUNC */
  char *func;   /* FUNC */
  uint64_t k;   /* 1-based entry count */
  uint64_t n;   /* instructions after the entry */
  char *thread; /* NULL: any thread; "main"; or a comm name */
  int line;     /* line number in the file (for errors) */
} ss_case_window;

typedef struct ss_case_expect {
  char *kind;
  char *handler, *callee, *interrupted; /* NULL: not given */
  int sig;                              /* 0: not given */
  int line;
} ss_case_expect;

typedef struct ss_case {
  char *path;   /* the file it was read from (NULL when built in memory) */
  char *dir;    /* its directory ("." when none) */
  char *target; /* as written */
  int target_line;
  char *fixed; /* NULL when none */
  int fixed_line;
  char **args; /* NULL-terminated; argv[1..] of the target */
  int nargs;
  char *input; /* as written, NULL when none */
  int input_line;
  char **env; /* NULL-terminated NAME=VALUE */
  int nenv;
  uint64_t timeout_ns; /* 0: not given */
  ss_case_window sig[SS_CASE_MAX_SIGNALS];
  int nsig;
  ss_case_expect *expect;
  int nexpect;
  char **notes;
  int nnotes;
} ss_case;

/* Parses text (len bytes, need not be NUL-terminated) read from path (used
 * in messages and to resolve input; may be NULL: "<case>" in messages,
 * c->path NULL, c->dir "."). On error returns -1, leaves c zeroed, and
 * writes one line "PATH:LINE: problem" into err. Never crashes on any input
 * (fuzzed: tests/fuzz). On success c->args is never NULL. */
int ss_case_parse(const char *text, size_t len, const char *path, ss_case *c,
                  char *err, size_t errlen);
/* Reads and parses a file; a missing input file is an error too
 * ("PATH:LINE: input 'x': No such file or directory"). A file that cannot
 * be read: "PATH: problem". */
int ss_case_load(const char *path, ss_case *c, char *err, size_t errlen);
void ss_case_free(ss_case *c);

/* The file's text (caller frees), parseable back to an equal case; NULL
 * with errno ENOMEM, EINVAL (a field that would not read back the same: a
 * newline in a value, no target or no signal, a bad window...) or E2BIG (a
 * line longer than SS_CASE_MAX_LINE). Comments are not kept; notes are. */
char *ss_case_format(const ss_case *c);
/* Writes the case to path through a temporary file (PATH.tmp.XXXXXX),
 * fsync and rename. -1 with errno set (see ss_case_format). */
int ss_case_write(const char *path, const ss_case *c);

/* Formats one window as "FUNC#K+Ni[@THREAD]" (with MODULE: if set). */
void ss_case_window_format(const ss_case_window *w, char *buf, size_t cap);
/* Parses "[MODULE:]FUNC#K[+Ni][@THREAD]" (the part after at=) into w
 * (strings heap-allocated; sig and line untouched). -1 with a message (no
 * file/line prefix) in err. */
int ss_case_window_parse(const char *s, ss_case_window *w, char *err,
                         size_t errlen);

/* Resolves a target path written in a case: absolute as is; otherwise the
 * first that exists of: relative to the case's directory, to the current
 * directory, then to each of dirs[0..ndirs). "Exists": executable
 * (access X_OK) and not a folder, absolute paths too. Returns a heap path
 * or NULL. */
char *ss_case_resolve(const ss_case *c, const char *p, const char *const *dirs,
                      size_t ndirs);

#endif
