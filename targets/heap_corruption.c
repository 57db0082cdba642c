/* heap_corruption: an order book the main loop edits, with a SIGUSR1
 * "reset" handler.
 *
 * The main loop inserts orders into a singly linked list and removes
 * filled ones (malloc/free, pointer updates). SIGUSR1 asks to reset the
 * book.
 *
 * The bug: the handler frees the whole list itself. When the signal lands
 * while the main loop is half way through an edit (it has read a node's
 * pointer, or linked a node in but not yet published it), the loop goes
 * on with nodes the handler freed: use after free, double free, a
 * corrupted free list: glibc aborts (free(): double free detected,
 * malloc(): unaligned tcache chunk, ...) or the program crashes.
 *
 * The fix: the main loop blocks SIGUSR1 with sigprocmask around each edit,
 * so the handler only ever sees the list between edits, and the handler
 * only unlinks the list (pointer moves); the main loop frees it, with the
 * signal blocked. Compile with -DSS_MODEL_FIXED=1.
 *
 * Usage: heap_corruption [--steps N] [--input FILE]
 *
 * --input FILE (and the fuzz entry point, built with -DSIGSTORM_FUZZ: see
 * docs/fuzzing.md) makes the edits the file's bytes describe instead,
 * run_input(): one edit per byte, at most 4096, on an empty book, which is
 * freed at the end. b % 4: 0 and 1 insert an order after the head (as the
 * main loop; the note's number is b), 2 fill the second order (as the main
 * loop), 3 cancel the head order (the book's head pointer moves).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SS_MODEL_FIXED
#define SS_MODEL_FIXED 0
#endif

struct order {
  struct order *next;
  unsigned long id;
  char note[40];
};

static struct order *book;
static unsigned long resets;

#if SS_MODEL_FIXED
static struct order *volatile retired; /* unlinked by the handler */
static void on_usr1(int sig) {
  (void)sig;
  /* only pointer moves; the main loop frees, and never while editing */
  if (!retired) {
    retired = book;
    book = NULL;
  }
  resets++;
}
#else
static void on_usr1(int sig) {
  (void)sig;
  while (book) { /* BUG: frees nodes the interrupted edit may hold */
    struct order *o = book;
    book = o->next;
    free(o);
  }
  resets++;
}
#endif

static void free_list(struct order *o) {
  while (o) {
    struct order *next = o->next;
    free(o);
    o = next;
  }
}

static sigset_t usr1;
static void edit_begin(void) {
#if SS_MODEL_FIXED
  sigprocmask(SIG_BLOCK, &usr1, NULL);
#endif
}
static void edit_end(void) {
#if SS_MODEL_FIXED
  struct order *r = retired;
  retired = NULL;
  free_list(r); /* the signal is still blocked: no handler in here */
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
#endif
}

static void install(void) {
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
}

#define INPUT_EDITS 4096

/* The workload of --input and of the fuzz entry point: see the top.
 * Returns the sum of the filled orders' ids; *left gets the orders left
 * in the book at the end. */
static unsigned long run_input(const unsigned char *data, size_t size,
                               unsigned long *left) {
  size_t n = size < INPUT_EDITS ? size : INPUT_EDITS;
  unsigned long sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned b = data[i];
    edit_begin();
    if (b % 4 < 2) { /* insert after the head */
      struct order *o = malloc(sizeof *o);
      if (!o)
        abort();
      o->id = i;
      snprintf(o->note, sizeof o->note, "order %zu/%u", i, b);
      if (book) {
        o->next = book->next;
        book->next = o;
      } else {
        o->next = NULL;
        book = o;
      }
    } else if (b % 4 == 2 && book) { /* fill the second order */
      struct order *head = book;
      struct order *o = head->next;
      if (o) {
        sum += o->id;
        head->next = o->next;
        free(o);
      }
    } else if (book) { /* cancel the head order */
      struct order *head = book;
      book = head->next;
      free(head);
    }
    edit_end();
  }
  edit_begin();
  *left = 0;
  for (struct order *o = book; o; o = o->next)
    (*left)++;
  free_list(book);
  book = NULL;
  edit_end();
  return sum;
}

#ifdef SIGSTORM_FUZZ
#include <stdint.h>
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  install();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned long left;
  run_input(data, size, &left);
  return 0;
}
#else
#include "model_input.h"

int main(int argc, char **argv) {
  unsigned long steps = 60000;
  if (argc > 2 && strcmp(argv[1], "--input") == 0) {
    size_t size;
    unsigned long left;
    unsigned char *data = model_read_input(argv[2], &size);
    install();
    unsigned long sum = run_input(data, size, &left);
    free(data);
    printf("input edits=%zu left=%lu resets=%lu sum=%lu\n",
           size < INPUT_EDITS ? size : INPUT_EDITS, left, resets, sum);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--steps") == 0)
    steps = strtoul(argv[2], NULL, 10);
  install();
  unsigned long sum = 0;
  for (unsigned long i = 0; i < steps; i++) {
    edit_begin();
    if (i % 3 != 2) { /* insert after the head */
      struct order *o = malloc(sizeof *o);
      if (!o)
        abort();
      o->id = i;
      snprintf(o->note, sizeof o->note, "order %lu", i);
      if (book) {
        o->next = book->next;
        book->next = o;
      } else {
        o->next = NULL;
        book = o;
      }
    } else if (book) { /* fill the second order */
      struct order *head = book;
      struct order *o = head->next;
      if (o) {
        sum += o->id;
        head->next = o->next;
        free(o);
      }
    }
    edit_end();
  }
  edit_begin();
  unsigned long left = 0;
  for (struct order *o = book; o; o = o->next)
    left++;
  free_list(book);
  book = NULL;
  edit_end();
  printf("steps=%lu left=%lu resets=%lu sum=%lu\n", steps, left, resets, sum);
  return 0;
}
#endif
