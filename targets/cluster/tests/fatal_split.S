# A misaligned word whose second half lies past the end of L1 stops the
# simulation (nothing is accessed): its two words are not in one memory.
#include "halyard_target_params.h"
  .section .text.init, "ax"
  .globl _start
_start:
  csrr t0, mhartid
1:bnez t0, 1b
  li t1, HALYARD_L1_BASE + HALYARD_L1_SIZE - 4
  lw t2, 2(t1)
2:j 2b
