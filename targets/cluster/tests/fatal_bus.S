# A load from an address outside every memory stops the simulation.
  .section .text.init, "ax"
  .globl _start
_start:
  csrr t0, mhartid
1:bnez t0, 1b
  li t1, 0x40000000
  lw t2, 8(t1)
2:j 2b
