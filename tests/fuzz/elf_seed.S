# Seed for the ELF fuzz target: a riscv-tests style program (text, data with
# the "tohost" symbol, bss), the shape of what halyard-sim loads.
    .text
    .globl _start
_start:
    la t0, tohost
    li t1, 1
    sw t1, 0(t0)
1:  j 1b

    .data
    .balign 4
    .globl tohost
tohost: .word 0

    .bss
    .balign 4
scratch: .space 64
