# No trap handler (mtvec = 0): the simulator stops on the illegal instruction
# and names the core, the pc and the instruction bits.
  .section .text.init, "ax"
  .globl _start
_start:
  csrr t0, mhartid
1:bnez t0, 1b
  nop
  .word 0xffffffff
