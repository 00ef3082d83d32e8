/* A "p"-environment in the style of riscv-tests (written for Halyard; the
   official suites are not packaged in Debian and nothing is downloaded):
   every core starts at _start, cores other than 0 park in a wfi loop, a trap
   handler turns `ecall` into a write of gp to `tohost`. gp = 1 passes,
   gp = (n << 1) | 1 fails test n. The simulator watches `tohost`. */
#ifndef HALYARD_RISCV_TEST_H
#define HALYARD_RISCV_TEST_H

#define RVTEST_CODE_BEGIN                 \
    .section .text.init, "ax";            \
    .globl _start;                        \
_start:                                   \
    csrr t0, mhartid;                     \
1:  bnez t0, 1b;                          \
    la t0, trap_vector;                   \
    csrw mtvec, t0;                       \
    li gp, 0;                             \
    j test_start;                         \
    .align 2;                             \
trap_vector:                              \
    csrr t5, mcause;                      \
    li t6, 11;                            \
    beq t5, t6, write_tohost;             \
    j user_trap;                          \
write_tohost:                             \
    la t5, tohost;                        \
    sw gp, 0(t5);                         \
2:  j 2b;                                 \
test_start:

#define RVTEST_CODE_END

#define RVTEST_PASS                       \
    fence;                                \
    li gp, 1;                             \
    li a7, 93;                            \
    ecall

#define RVTEST_FAIL                       \
    fence;                                \
1:  beqz gp, 1b;                          \
    sll gp, gp, 1;                        \
    or gp, gp, 1;                         \
    li a7, 93;                            \
    ecall

#define RVTEST_DATA_BEGIN                 \
    .section .tohost, "aw", @progbits;    \
    .align 6; .globl tohost; tohost: .word 0; .word 0; \
    .align 6; .globl fromhost; fromhost: .word 0; .word 0; \
    .data; .align 4;

#define RVTEST_DATA_END

/* A test that does not define user_trap fails on any unexpected trap. */
#define DEFAULT_USER_TRAP  \
user_trap:                 \
    li gp, 0x7ff;          \
    RVTEST_FAIL

#define TESTNUM gp
#endif
