/* int8 matrix-multiply micro-kernel: 4 rows of A times `tiles` 4-column tiles
   of B, in 4x4 register-blocked tiles (16 int32 accumulators), PULP-NN
   style: per 4-byte step of K, 8 post-increment word loads (4 of B^T, 4 of A)
   feed 16 pv.sdotsp.b. Two nested hardware loops: loop 0 over K (its first
   step peeled with pv.dotsp.b so the accumulators need no clearing), loop 1
   over the column tiles. Specialised at assembly time for MM_K, MM_N
   (strides: A and B^T rows K + 4 bytes apart, C rows 4 * N bytes apart).

   void mm_i8_4rows(const int8_t *a, const int8_t *bt, int32_t *c, uint32_t tiles);
     a: first of 4 rows of A; bt: first B^T row of the first tile; c: the
     first tile's output (row 0); tiles >= 1.

   Register use (all 30 allocatable registers): accumulators s0-s11, a4-a7;
   B values t0-t3; A values t4, t5; A row pointers a0-a3; B row pointers
   t6, ra, gp, tp. The C pointer lives on the stack. */
#include "xpulp_macros.h"

#ifndef MM_K
#define MM_K 64
#endif
#ifndef MM_N
#define MM_N 64
#endif
#define LDA (MM_K + 4)
#define LDB (MM_K + 4)
#define LDC (4 * MM_N)
#define F_C 60
#define FRAME 64

.macro plw rd, rs1
  .insn i 0x0B, 2, \rd, 4(\rs1)
.endm
.macro step op
  plw t0, t6
  plw t1, ra
  plw t2, gp
  plw t3, tp
  plw t4, a0
  plw t5, a1
  pv_op \op, 1, s0, t4, t0
  pv_op \op, 1, s1, t4, t1
  pv_op \op, 1, s2, t4, t2
  pv_op \op, 1, s3, t4, t3
  plw t4, a2
  pv_op \op, 1, s4, t5, t0
  pv_op \op, 1, s5, t5, t1
  pv_op \op, 1, s6, t5, t2
  pv_op \op, 1, s7, t5, t3
  plw t5, a3
  pv_op \op, 1, s8, t4, t0
  pv_op \op, 1, s9, t4, t1
  pv_op \op, 1, s10, t4, t2
  pv_op \op, 1, s11, t4, t3
  pv_op \op, 1, a4, t5, t0
  pv_op \op, 1, a5, t5, t1
  pv_op \op, 1, a6, t5, t2
  pv_op \op, 1, a7, t5, t3
.endm

  .text
  .globl mm_i8_4rows
  .type mm_i8_4rows, @function
mm_i8_4rows:
  addi sp, sp, -FRAME
  sw s0, 0(sp)
  sw s1, 4(sp)
  sw s2, 8(sp)
  sw s3, 12(sp)
  sw s4, 16(sp)
  sw s5, 20(sp)
  sw s6, 24(sp)
  sw s7, 28(sp)
  sw s8, 32(sp)
  sw s9, 36(sp)
  sw s10, 40(sp)
  sw s11, 44(sp)
  sw ra, 48(sp)
  sw gp, 52(sp)
  sw tp, 56(sp)
  sw a2, F_C(sp)
  sw a2, F_C(sp)
  /* Loop 1 runs over the tiles, loop 0 over K; their start and end
     addresses are set once, loop 0's count again for every tile. */
  lp_count 1, a3
  lp_starti 1, 1f
  lp_endi 1, 4f
  lp_starti 0, 2f
  lp_endi 0, 3f
  mv t6, a1
  addi ra, t6, LDB
  addi gp, ra, LDB
  addi tp, gp, LDB
  addi a1, a0, LDA
  addi a2, a1, LDA
  addi a3, a2, LDA
1:
  step 0x4C                       /* pv.dotsp.b: the first K step */
  lp_counti 0, MM_K / 4 - 1
2:
  step 0x5C                       /* pv.sdotsp.b */
3:
  lw t0, F_C(sp)
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  sw s3, 12(t0)
  sw s4, LDC(t0)
  sw s5, LDC + 4(t0)
  sw s6, LDC + 8(t0)
  sw s7, LDC + 12(t0)
  sw s8, 2 * LDC(t0)
  sw s9, 2 * LDC + 4(t0)
  sw s10, 2 * LDC + 8(t0)
  sw s11, 2 * LDC + 12(t0)
  sw a4, 3 * LDC(t0)
  sw a5, 3 * LDC + 4(t0)
  sw a6, 3 * LDC + 8(t0)
  sw a7, 3 * LDC + 12(t0)
  addi t0, t0, 16
  sw t0, F_C(sp)
  addi a0, a0, -MM_K              /* A rows back to their start */
  addi a1, a1, -MM_K
  addi a2, a2, -MM_K
  addi a3, a3, -MM_K
  addi t6, t6, 4 * LDB - MM_K     /* B^T: the next 4 rows */
  addi ra, ra, 4 * LDB - MM_K
  addi gp, gp, 4 * LDB - MM_K
  addi tp, tp, 4 * LDB - MM_K
4:
  lw s0, 0(sp)
  lw s1, 4(sp)
  lw s2, 8(sp)
  lw s3, 12(sp)
  lw s4, 16(sp)
  lw s5, 20(sp)
  lw s6, 24(sp)
  lw s7, 28(sp)
  lw s8, 32(sp)
  lw s9, 36(sp)
  lw s10, 40(sp)
  lw s11, 44(sp)
  lw ra, 48(sp)
  lw gp, 52(sp)
  lw tp, 56(sp)
  addi sp, sp, FRAME
  ret
  .size mm_i8_4rows, . - mm_i8_4rows
