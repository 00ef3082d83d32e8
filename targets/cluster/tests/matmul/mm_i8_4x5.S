/* int8 matrix-multiply micro-kernel, 4x5 register blocking: 4 rows of A
   times `tiles` 5-column tiles of B (20 int32 accumulators). Per 4-byte step
   of K: 5 loads of B^T (kept) and 4 of A (streamed through two registers)
   feed 20 pv.sdotsp.b, 9 loads per 80 MACs (4x4: 8 per 64). With the strides
   known at assembly time (MM_K, MM_N: A and B^T rows K + 4 bytes apart, C
   rows 4 * N bytes apart) one pointer per matrix is enough: the first load of
   each is post-increment, the others use offsets from it. Loop 0 over K
   (first step peeled as pv.dotsp.b), loop 1 over the column tiles.

   void mm_i8_4x5_rows(const int8_t *a, const int8_t *bt, int32_t *c, uint32_t tiles);

   Registers: accumulators s0-s11, a2-a7, t5, t6; B values t0-t4; A values
   ra, gp; pointers a0 (A), a1 (B^T); C pointer on the stack. */
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

.macro row op, av, c0, c1, c2, c3, c4
  pv_op \op, 1, \c0, \av, t0
  pv_op \op, 1, \c1, \av, t1
  pv_op \op, 1, \c2, \av, t2
  pv_op \op, 1, \c3, \av, t3
  pv_op \op, 1, \c4, \av, t4
.endm
.macro step op
  .insn i 0x0B, 2, t0, 4(a1)      /* p.lw t0, 4(a1!) */
  lw t1, LDB - 4(a1)
  lw t2, 2 * LDB - 4(a1)
  lw t3, 3 * LDB - 4(a1)
  lw t4, 4 * LDB - 4(a1)
  .insn i 0x0B, 2, ra, 4(a0)      /* p.lw ra, 4(a0!): row 0 */
  lw gp, LDA - 4(a0)              /* row 1 */
  row \op, ra, s0, s1, s2, s3, s4
  lw ra, 2 * LDA - 4(a0)          /* row 2 */
  row \op, gp, s5, s6, s7, s8, s9
  lw gp, 3 * LDA - 4(a0)          /* row 3 */
  row \op, ra, s10, s11, a2, a3, a4
  row \op, gp, a5, a6, a7, t5, t6
.endm

  .text
  .globl mm_i8_4x5_rows
  .type mm_i8_4x5_rows, @function
mm_i8_4x5_rows:
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
  lp_count 1, a3
  lp_starti 1, 1f
  lp_endi 1, 4f
  lp_starti 0, 2f
  lp_endi 0, 3f
1:
  step 0x4C
  lp_counti 0, MM_K / 4 - 1
2:
  step 0x5C
3:
  lw t0, F_C(sp)
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  sw s3, 12(t0)
  sw s4, 16(t0)
  sw s5, LDC(t0)
  sw s6, LDC + 4(t0)
  sw s7, LDC + 8(t0)
  sw s8, LDC + 12(t0)
  sw s9, LDC + 16(t0)
  sw s10, 2 * LDC(t0)
  sw s11, 2 * LDC + 4(t0)
  sw a2, 2 * LDC + 8(t0)
  sw a3, 2 * LDC + 12(t0)
  sw a4, 2 * LDC + 16(t0)
  sw a5, 3 * LDC(t0)
  sw a6, 3 * LDC + 4(t0)
  sw a7, 3 * LDC + 8(t0)
  sw t5, 3 * LDC + 12(t0)
  sw t6, 3 * LDC + 16(t0)
  addi t0, t0, 20
  sw t0, F_C(sp)
  addi a0, a0, -MM_K              /* A rows back to their start */
  addi a1, a1, 5 * LDB - MM_K     /* B^T: the next 5 rows */
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
  .size mm_i8_4x5_rows, . - mm_i8_4x5_rows
