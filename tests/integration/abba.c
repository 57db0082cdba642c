/* abba: two threads take two mutexes in opposite orders and deadlock, with
 * no signal and no unsafe call anywhere: only the watchdog can see it.
 * main takes the first through libc's own pthread_mutex_lock (looked up in
 * libc.so.6 itself), which sigstorm's lock table does not see: only
 * glibc's owner field tells who holds it. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void pause_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static void *other(void *arg) {
  (void)arg;
  pthread_mutex_lock(&b);
  pause_ms(50);
  pthread_mutex_lock(&a);
  pthread_mutex_unlock(&a);
  pthread_mutex_unlock(&b);
  return NULL;
}

int main(void) {
  void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  int (*libc_lock)(pthread_mutex_t *) = NULL;
  if (libc)
    *(void **)&libc_lock = dlsym(libc, "pthread_mutex_lock");
  if (!libc_lock)
    return 2;
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  libc_lock(&a);
  pause_ms(50);
  pthread_mutex_lock(&b);
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  pthread_join(t, NULL);
  puts("no deadlock this time");
  return 0;
}
