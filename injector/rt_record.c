/* rt_record.c: writing findings into the shared segment from a signal
 * handler. Only atomics, plain stores, memcpy and raw syscalls.
 *
 * The first occurrence of a key gets a full record (registers and copies of
 * both stacks, for the host to unwind offline with libdw); later ones only
 * bump its count.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rt.h"

static uint64_t ss_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

/* Copies up to SS_STACK_BYTES from sp upward without faulting: the kernel
 * copies what is mapped (process_vm_readv on ourselves stops at the first
 * hole); if that syscall is not allowed (seccomp), copy nothing. */
static void ss_copy_stack(struct ss_stack *dst, uintptr_t sp) {
  dst->base = sp;
  dst->len = 0;
  if (!sp)
    return;
  struct iovec local = {dst->bytes, SS_STACK_BYTES};
  struct iovec remote = {(void *)sp, SS_STACK_BYTES};
  /* a read that crosses the end of the stack mapping copies up to it */
  long n = syscall(SYS_process_vm_readv, (long)syscall(SYS_getpid), &local, 1L,
                   &remote, 1L, 0L);
  if (n > 0)
    dst->len = (uint32_t)n;
}

static void ss_uc_regs(struct ss_regs *r, const ucontext_t *uc) {
  memset(r, 0, sizeof *r);
  if (!uc)
    return;
#if defined(__x86_64__)
  const greg_t *g = uc->uc_mcontext.gregs;
  r->arch = 62;
  r->nregs = 17;
  r->r[0] = (uint64_t)g[REG_RAX];
  r->r[1] = (uint64_t)g[REG_RDX];
  r->r[2] = (uint64_t)g[REG_RCX];
  r->r[3] = (uint64_t)g[REG_RBX];
  r->r[4] = (uint64_t)g[REG_RSI];
  r->r[5] = (uint64_t)g[REG_RDI];
  r->r[6] = (uint64_t)g[REG_RBP];
  r->r[7] = (uint64_t)g[REG_RSP];
  r->r[8] = (uint64_t)g[REG_R8];
  r->r[9] = (uint64_t)g[REG_R9];
  r->r[10] = (uint64_t)g[REG_R10];
  r->r[11] = (uint64_t)g[REG_R11];
  r->r[12] = (uint64_t)g[REG_R12];
  r->r[13] = (uint64_t)g[REG_R13];
  r->r[14] = (uint64_t)g[REG_R14];
  r->r[15] = (uint64_t)g[REG_R15];
  r->r[16] = (uint64_t)g[REG_RIP];
#elif defined(__aarch64__)
  r->arch = 183;
  r->nregs = 33;
  for (int i = 0; i < 31; i++)
    r->r[i] = uc->uc_mcontext.regs[i];
  r->r[31] = uc->uc_mcontext.sp;
  r->r[32] = uc->uc_mcontext.pc;
#endif
}

static uintptr_t ss_regs_sp(const struct ss_regs *r) {
  if (r->arch == 62)
    return (uintptr_t)r->r[7];
  if (r->arch == 183)
    return (uintptr_t)r->r[31];
  return 0;
}

static void ss_record_in(struct ss_shm *s, uint32_t kind,
                         const struct ss_hframe *f, unsigned callee,
                         unsigned via, unsigned interrupted, int errno_after);

void ss_record(uint32_t kind, const struct ss_hframe *f, unsigned callee,
               unsigned via, unsigned interrupted, int errno_after) {
  struct ss_shm *s = ss_shm;
  if (!s)
    return;
  int saved_errno = errno;
  ss_record_in(s, kind, f, callee, via, interrupted, errno_after);
  errno = saved_errno;
}

static void ss_record_in(struct ss_shm *s, uint32_t kind,
                         const struct ss_hframe *f, unsigned callee,
                         unsigned via, unsigned interrupted, int errno_after) {
  uint64_t key = ss_mix(ss_mix(ss_mix(kind, (uint64_t)f->sig), f->handler),
                        ss_mix(callee, interrupted));
  uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&s->nfindings,
                                    memory_order_acquire);
  if (n > SS_MAX_FINDINGS)
    n = SS_MAX_FINDINGS;
  for (uint32_t i = 0; i < n; i++) {
    struct ss_finding *r = &s->findings[i];
    if (atomic_load_explicit((_Atomic uint32_t *)&r->state,
                             memory_order_acquire) == 2 &&
        r->key == key && r->proc == ss_image_idx) {
      atomic_fetch_add_explicit((_Atomic uint64_t *)&r->count, 1,
                                memory_order_relaxed);
      return;
    }
  }
  uint32_t idx = atomic_fetch_add_explicit((_Atomic uint32_t *)&s->nfindings, 1,
                                           memory_order_acq_rel);
  if (idx >= SS_MAX_FINDINGS) {
    atomic_fetch_add_explicit((_Atomic uint64_t *)&s->findings_dropped, 1,
                              memory_order_relaxed);
    return;
  }
  struct ss_finding *r = &s->findings[idx];
  atomic_store_explicit((_Atomic uint32_t *)&r->state, 1, memory_order_relaxed);
  r->kind = kind;
  r->key = key;
  r->count = 1;
  r->sig = f->sig;
  r->proc = ss_image_idx;
  r->pid = (int32_t)syscall(SYS_getpid);
  r->tid = ss_gettid();
  r->handler = f->handler;
  r->interrupted_pc = f->pc;
  r->time_ns = ss_now_ns() - ss_start_ns;
  r->callee = (uint16_t)callee;
  r->via = (uint16_t)via;
  r->interrupted = (uint16_t)interrupted;
  r->depth = (uint16_t)ss_t.depth;
  r->errno_before = f->errno_before;
  r->errno_after = errno_after;
  memcpy(r->calls, ss_t.calls, sizeof r->calls);
  /* handler side: from here, through the wrapper, to the trampoline */
  if (kind != SS_K_ERRNO_CLOBBER) {
    ss_capture_regs(&r->handler_regs);
    ss_copy_stack(&r->handler_stack, ss_regs_sp(&r->handler_regs));
  } else {
    r->handler_regs.arch = 0;
    r->handler_stack.len = 0;
  }
  ss_uc_regs(&r->intr_regs, f->uc);
  ss_copy_stack(&r->intr_stack, ss_regs_sp(&r->intr_regs));
  atomic_store_explicit((_Atomic uint32_t *)&r->state, 2, memory_order_release);
  /* the proc index is that of this process, the image's for modules */
  (void)ss_proc_idx;
}
