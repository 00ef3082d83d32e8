/* Assembler macros for the XpulpV2 instructions Halyard's core implements,
   in the classic CV32E40P v1.0.0 encodings (binutils 2.40 has no xcv
   mnemonics). lp_setup takes the count register as a number (8 for x8). Hardware loop end labels point just after the last body
   instruction; needs -mno-relax. */
#ifndef HALYARD_XPULP_MACROS_H
#define HALYARD_XPULP_MACROS_H
.macro lp_setupi L, count, end
  .word 0x7B | (5 << 12) | (\L << 7) | ((((\end - .) >> 1) & 0x1F) << 15) | ((\count) << 20)
.endm
.macro lp_setup L, regnum, end
  .word 0x7B | (4 << 12) | (\L << 7) | (\regnum << 15) | ((((\end - .) >> 1) & 0xFFF) << 20)
.endm
.macro lp_starti L, target
  .word 0x7B | (0 << 12) | (\L << 7) | ((((\target - .) >> 1) & 0xFFF) << 20)
.endm
.macro lp_endi L, target
  .word 0x7B | (1 << 12) | (\L << 7) | ((((\target - .) >> 1) & 0xFFF) << 20)
.endm
.macro lp_count L, reg
  .insn i 0x7B, 2, x\L, \reg, 0
.endm
.macro lp_counti L, n
  .insn i 0x7B, 3, x\L, x0, \n
.endm
/* pv.sdotsp.b rd, rs1, rs2 etc. */
.macro pv_op f7, f3, rd, rs1, rs2
  .insn r 0x57, \f3, \f7, \rd, \rs1, \rs2
.endm
#endif
