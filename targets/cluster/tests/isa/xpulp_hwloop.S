# Hardware loops: one-instruction bodies, long and short setup forms,
# register and immediate counts, nesting, a branch inside the body and
# right after the loop end, and the hwloop CSRs.
#include "riscv_test.h"
#include "test_macros.h"
#include "xpulp_macros.h"

RVTEST_CODE_BEGIN

  # 1: lp.setupi, one-instruction body
  li gp, 1
  li x5, 0
  lp_setupi 0, 10, 1f
  addi x5, x5, 1
1:li x7, 10
  bne x5, x7, fail

  # 2: lp.setup with a register count, three-instruction body
  li gp, 2
  li x5, 0
  li x6, 0
  li x8, 100
  lp_setup 0, 8, 1f
  addi x5, x5, 1
  addi x6, x6, 2
  add x6, x6, x5
1:li x7, 100
  bne x5, x7, fail
  li x7, 5250
  bne x6, x7, fail

  # 3: nested loops: outer (1) x5 times, inner (0) x7 times, 1-instruction inner body
  li gp, 3
  li x5, 0
  li x6, 0
  li x8, 5
  lp_setup 1, 8, 2f
  lp_setupi 0, 7, 1f
  addi x5, x5, 1
1:addi x6, x6, 1
2:li x7, 35
  bne x5, x7, fail
  li x7, 5
  bne x6, x7, fail

  # 4: long form lp.starti / lp.endi / lp.counti, and lp.count
  li gp, 4
  li x5, 0
  lp_starti 1, 3f
  lp_endi 1, 4f
  lp_counti 1, 9
  nop
3:addi x5, x5, 3
  addi x5, x5, -1
4:li x7, 18
  bne x5, x7, fail
  li gp, 5
  li x5, 0
  li x8, 4
  lp_starti 0, 3f
  lp_endi 0, 4f
  lp_count 0, x8
3:addi x5, x5, 1
4:li x7, 4
  bne x5, x7, fail

  # 6: a branch inside the body that skips to the last instruction, and a
  # branch right after the loop end
  li gp, 6
  li x5, 0
  li x9, 0
  lp_setupi 0, 20, 2f
  andi x8, x5, 1
  beqz x8, 1f
  addi x9, x9, 1
1:addi x5, x5, 1
2:beq x5, x0, fail
  li x7, 20
  bne x5, x7, fail
  li x7, 10
  bne x9, x7, fail

  # 7: count 1 runs the body once; the counter CSR reads 0 afterwards
  li gp, 7
  li x5, 0
  lp_setupi 0, 1, 1f
  addi x5, x5, 1
1:li x7, 1
  bne x5, x7, fail
  csrr x7, 0x7B2
  bnez x7, fail

  # 8: the loop CSRs hold start/end as set up
  li gp, 8
  lp_setupi 1, 2, 2f
1:nop
2:la x7, 1b
  csrr x8, 0x7B4
  bne x7, x8, fail
  la x7, 2b
  csrr x8, 0x7B5
  bne x7, x8, fail

  # 9: a loop body that is a post-increment load and an sdot (the kernel shape)
  li gp, 9
  la x10, vec
  li x11, 0
  li x12, 0x01010101
  lp_setupi 0, 4, 1f
  .insn i 0x0B, 2, x13, 4(x10)
  pv_op 0x5C, 1, x11, x13, x12
1:li x7, (1+2+3+4)+(5+6+7+8)+(-1-2-3-4)+(100+100+100+100)
  bne x11, x7, fail
  la x7, vec + 16
  bne x10, x7, fail

  TEST_PASSFAIL

DEFAULT_USER_TRAP

RVTEST_CODE_END

  RVTEST_DATA_BEGIN
vec:
  .byte 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xfe, 0xfd, 0xfc, 100, 100, 100, 100
  RVTEST_DATA_END
