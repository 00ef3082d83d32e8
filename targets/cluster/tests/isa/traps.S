# Machine-mode traps: illegal instruction, ecall, ebreak, misaligned jump
# target (misaligned loads/stores do not trap); mepc/mcause/mtval, mret,
# mscratch, mstatus, and the counters. The handler records mcause/mepc/mtval and resumes at mepc + 4.
#include "riscv_test.h"
#include "test_macros.h"

#define EXPECT_NO_TRAP(n, code...) \
  li gp, n;                           \
  li s2, -1;                          \
  code;                               \
  li t0, -1;                          \
  bne s2, t0, fail;

#define EXPECT_TRAP(n, cause, code...) \
  li gp, n;                           \
  li s2, -1;                          \
  la s5, 1f;                          \
1:code;                               \
  li t0, cause;                       \
  bne s2, t0, fail;                   \
  bne s3, s5, fail;

RVTEST_CODE_BEGIN
  # The riscv_test trap vector sends ecall to tohost; take over mtvec here.
  la t0, handler
  csrw mtvec, t0
  csrr t1, mtvec
  bne t0, t1, fail

  EXPECT_TRAP(2, 2, .word 0x00000000)
  li t0, 0
  bne s4, t0, fail                  # mtval = the instruction bits
  EXPECT_TRAP(3, 2, .word 0xffffffff)
  EXPECT_TRAP(4, 11, ecall)
  EXPECT_TRAP(5, 3, ebreak)
  bne s4, s5, fail                  # ebreak: mtval = pc
  # 6-9: misaligned loads and stores do not trap: done in hardware (two
  # accesses when they cross a word), values as if byte by byte.
  la s6, misal
  li t0, 0x44332211
  sw t0, 0(s6)
  li t0, 0x88776655
  sw t0, 4(s6)
  EXPECT_NO_TRAP(6, lw t1, 1(s6))
  li t0, 0x55443322
  bne t1, t0, fail
  EXPECT_NO_TRAP(7, lh t1, 3(s6))
  li t0, 0x5544
  bne t1, t0, fail
  EXPECT_NO_TRAP(8, sw t1, 2(s6))       # bytes 11 22 44 55 00 00 77 88
  lw t0, 4(s6)
  li t2, 0x88770000
  bne t0, t2, fail
  EXPECT_NO_TRAP(9, sh t1, 1(s6))       # bytes 11 44 55 55 00 00 77 88
  lw t0, 0(s6)
  li t2, 0x55554411
  bne t0, t2, fail
  EXPECT_TRAP(10, 2, csrr t1, 0x7ff)      # unknown CSR
  EXPECT_TRAP(11, 2, csrw mhartid, t1)    # read-only CSR
  EXPECT_TRAP(12, 2, .word 0x0000707b)    # hwloop funct3 111
  EXPECT_TRAP(13, 2, .word 0x02007057)    # SIMD funct3 111 (not implemented)

  # 14: a jump to a misaligned (2-byte) target traps with mtval = target.
  li gp, 14
  li s2, -1
  la s5, 1f
  la t1, 2f
  addi t1, t1, 2
1:jalr x0, 0(t1)
  li t0, 0
  bne s2, t0, fail
  bne s3, s5, fail
  bne s4, t1, fail
  j 3f
2:nop
  nop
3:
  # 15: loads do not complete when they trap (rd unchanged): ld t1, 0(s6)
  # (funct3 011) is illegal on RV32
  li gp, 15
  li t1, 1234
  .word 0x000b3303
  li t0, 1234
  bne t1, t0, fail

  # 16: mscratch, mstatus MIE/MPIE round trip, misa
  li gp, 16
  li t0, 0x5a5a
  csrw mscratch, t0
  csrr t1, mscratch
  bne t0, t1, fail
  csrsi mstatus, 8
  csrr t1, mstatus
  andi t1, t1, 8
  beqz t1, fail
  csrci mstatus, 8
  csrr t1, misa
  li t0, 0x40001100
  bne t0, t1, fail

  # 17: mcycle and minstret advance; minstret counts exactly
  li gp, 17
  csrr t0, minstret
  nop
  nop
  csrr t1, minstret
  sub t1, t1, t0
  li t2, 3
  bne t1, t2, fail
  csrr t0, mcycle
  csrr t1, mcycle
  beq t0, t1, fail
  csrr t0, mcycleh
  bnez t0, fail
  csrr t0, mhartid
  bnez t0, fail

  # Restore the test vector so that ecall reports through tohost.
  la t0, trap_vector
  csrw mtvec, t0
  TEST_PASSFAIL

  .align 2
handler:
  li t5, 93                         # RVTEST_PASS/FAIL: report through tohost
  beq a7, t5, write_tohost
  csrr s2, mcause
  csrr s3, mepc
  csrr s4, mtval
  addi t6, s3, 4
  csrw mepc, t6
  mret

DEFAULT_USER_TRAP

RVTEST_CODE_END

  RVTEST_DATA_BEGIN
  .align 3
misal: .word 0, 0
  RVTEST_DATA_END
