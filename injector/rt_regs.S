/* ss_capture_regs(struct ss_regs *r): the caller's registers in DWARF
 * numbering, as if this call had returned: pc = return address, sp = the
 * caller's sp. struct ss_regs is {u32 arch; u32 nregs; u64 r[33];}. */
#if defined(__x86_64__)
        .text
        .globl  ss_capture_regs
        .hidden ss_capture_regs
        .type   ss_capture_regs, @function
ss_capture_regs:
        .cfi_startproc
        movl    $62, 0(%rdi)
        movl    $17, 4(%rdi)
        movq    %rax, 8(%rdi)
        movq    %rdx, 16(%rdi)
        movq    %rcx, 24(%rdi)
        movq    %rbx, 32(%rdi)
        movq    %rsi, 40(%rdi)
        movq    %rdi, 48(%rdi)
        movq    %rbp, 56(%rdi)
        leaq    8(%rsp), %rax
        movq    %rax, 64(%rdi)
        movq    %r8, 72(%rdi)
        movq    %r9, 80(%rdi)
        movq    %r10, 88(%rdi)
        movq    %r11, 96(%rdi)
        movq    %r12, 104(%rdi)
        movq    %r13, 112(%rdi)
        movq    %r14, 120(%rdi)
        movq    %r15, 128(%rdi)
        movq    (%rsp), %rax
        movq    %rax, 136(%rdi)
        ret
        .cfi_endproc
        .size   ss_capture_regs, .-ss_capture_regs
#elif defined(__aarch64__)
        .text
        .globl  ss_capture_regs
        .hidden ss_capture_regs
        .type   ss_capture_regs, %function
ss_capture_regs:
        .cfi_startproc
        mov     w9, #183
        str     w9, [x0]
        mov     w9, #33
        str     w9, [x0, #4]
        stp     x0, x1, [x0, #8]
        stp     x2, x3, [x0, #24]
        stp     x4, x5, [x0, #40]
        stp     x6, x7, [x0, #56]
        stp     x8, x9, [x0, #72]
        stp     x10, x11, [x0, #88]
        stp     x12, x13, [x0, #104]
        stp     x14, x15, [x0, #120]
        stp     x16, x17, [x0, #136]
        stp     x18, x19, [x0, #152]
        stp     x20, x21, [x0, #168]
        stp     x22, x23, [x0, #184]
        stp     x24, x25, [x0, #200]
        stp     x26, x27, [x0, #216]
        stp     x28, x29, [x0, #232]
        str     x30, [x0, #248]
        mov     x9, sp
        str     x9, [x0, #256]
        str     x30, [x0, #264]
        ret
        .cfi_endproc
        .size   ss_capture_regs, .-ss_capture_regs
#endif
        .section .note.GNU-stack,"",@progbits
