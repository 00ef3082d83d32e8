/* int8 matrix-multiply micro-kernel: 4 rows of A times N columns of B, in
   4x4 register-blocked tiles (16 int32 accumulators), PULP-NN style:
   per 4-byte step of K, 8 post-increment word loads (4 of B^T, 4 of A) feed
   16 pv.sdotsp.b; the K loop is a zero-overhead hardware loop, its first
   step is peeled with pv.dotsp.b so the accumulators need no clearing.

   void mm_i8_4rows(const struct mm_args *args);
     args: a (4 rows, lda bytes apart), bt (B transposed: N rows of K bytes,
     ldb bytes apart, starting at the first tile), c (int32, ldc bytes per
     row, at the first tile), k_steps (K/4, >= 2), tiles (N/4 columns tiles
     to compute), lda, ldb, ldc.

   Register use (all 30 allocatable registers): accumulators s0-s11, a4-a7;
   B values t0-t3; A values t4, t5; A row pointers a0-a3; B row pointers
   t6, ra, gp, tp. */
#include "xpulp_macros.h"

#define F_A      60
#define F_BT     64
#define F_C      68
#define F_KM1    72
#define F_TILES  76
#define F_LDA    80
#define F_LDB    84
#define F_LDC    88
#define FRAME    96

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
  lw t0, 0(a0)
  lw t1, 4(a0)
  lw t2, 8(a0)
  lw t3, 12(a0)
  lw t4, 16(a0)
  lw t5, 20(a0)
  lw t6, 24(a0)
  lw a1, 28(a0)
  sw t0, F_A(sp)
  sw t1, F_BT(sp)
  sw t2, F_C(sp)
  addi t3, t3, -1
  sw t3, F_KM1(sp)
  sw t4, F_TILES(sp)
  sw t5, F_LDA(sp)
  sw t6, F_LDB(sp)
  sw a1, F_LDC(sp)

tile_loop:
  lw t4, F_A(sp)
  lw t5, F_LDA(sp)
  lw t0, F_BT(sp)
  lw t1, F_LDB(sp)
  mv a0, t4
  add a1, a0, t5
  add a2, a1, t5
  add a3, a2, t5
  mv t6, t0
  add ra, t6, t1
  add gp, ra, t1
  add tp, gp, t1
  add t0, tp, t1
  sw t0, F_BT(sp)

  step 0x4C                       /* pv.dotsp.b: first K step */
  lw t0, F_KM1(sp)
  lp_setup 0, 5, 1f               /* lp.setup x0, t0 (x5), 1f */
  step 0x5C                       /* pv.sdotsp.b */
1:
  lw t0, F_C(sp)
  lw t1, F_LDC(sp)
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  sw s3, 12(t0)
  add t2, t0, t1
  sw s4, 0(t2)
  sw s5, 4(t2)
  sw s6, 8(t2)
  sw s7, 12(t2)
  add t2, t2, t1
  sw s8, 0(t2)
  sw s9, 4(t2)
  sw s10, 8(t2)
  sw s11, 12(t2)
  add t2, t2, t1
  sw a4, 0(t2)
  sw a5, 4(t2)
  sw a6, 8(t2)
  sw a7, 12(t2)
  addi t0, t0, 16
  sw t0, F_C(sp)
  lw t0, F_TILES(sp)
  addi t0, t0, -1
  sw t0, F_TILES(sp)
  bnez t0, tile_loop

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
