# The start-up sequence of the riscv-tests "p" environment, step by step (our
# own code, same CSR accesses): CSRs the core does not have (satp, PMP,
# medeleg/mideleg, mnstatus) trap and are skipped through a temporary mtvec,
# mie writes are ignored, mstatus is cleared and mret "drops" to the test
# (the model has machine mode only), and the test ends with ecall to a
# handler that accepts user, supervisor or machine ecall causes and writes
# tohost. An official rv32ui/rv32um test built against this linker script
# takes the same path.
  .section .text.init, "ax"
  .globl _start
_start:
  .irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  li x\r, 0
  .endr
  csrr a0, mhartid
1:bnez a0, 1b
  la t0, 1f
  csrw mtvec, t0
  csrwi 0x744, 8          # mnstatus
  .align 2
1:la t0, 1f
  csrw mtvec, t0
  csrwi 0x180, 0          # satp
  .align 2
1:la t0, 1f
  csrw mtvec, t0
  li t0, -1
  csrw 0x3b0, t0          # pmpaddr0
  li t0, 0x1f
  csrw 0x3a0, t0          # pmpcfg0
  .align 2
1:csrwi mie, 0
  la t0, 1f
  csrw mtvec, t0
  csrwi 0x302, 0          # medeleg
  csrwi 0x303, 0          # mideleg
  .align 2
1:li gp, 0
  la t0, trap_vector
  csrw mtvec, t0
  li a0, 1
  slli a0, a0, 31
  bltz a0, 1f             # XLEN check: rv32
  j fail
1:csrwi mstatus, 0
  la t0, 1f
  csrw mepc, t0
  csrr a0, mhartid
  mret
1:
  # the "test": one check, then pass
  li gp, 2
  li t1, 3
  li t2, 4
  add t3, t1, t2
  li t4, 7
  bne t3, t4, fail
  fence
  li gp, 1
  li a7, 93
  li a0, 0
  ecall
fail:
  fence
  slli gp, gp, 1
  ori gp, gp, 1
  li a7, 93
  mv a0, gp
  ecall

  .align 6
trap_vector:
  csrr t5, mcause
  li t6, 8
  beq t5, t6, write_tohost
  li t6, 9
  beq t5, t6, write_tohost
  li t6, 11
  beq t5, t6, write_tohost
  ori gp, gp, 1337
write_tohost:
  sw gp, tohost, t5
  sw zero, tohost + 4, t5
  j write_tohost

  .pushsection .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .size tohost, 8
  .align 6
  .globl fromhost
fromhost: .dword 0
  .size fromhost, 8
  .popsection
