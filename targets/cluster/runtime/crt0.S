/* Startup: every core starts here at once (the cluster releases all cores
   from reset at the ELF entry). Each core takes its stack from the top of L1;
   core 0 clears .bss, then all cores meet in hardware barrier 0. Core 0 runs
   main() and exits with its return value; the others enter the fork/join
   worker loop (halyard_rt.c). */
#include "halyard_target_params.h"

  .section .text.init, "ax"
  .globl _start
_start:
  csrr  a0, mhartid
  la    sp, __stack_top
  li    t1, HALYARD_STACK_SIZE
  mul   t2, a0, t1
  sub   sp, sp, t2
  li    t3, HALYARD_EU_BASE
  bnez  a0, 2f

  la    t0, __bss_start
  la    t1, __bss_end
1:
  bgeu  t0, t1, 3f
  sw    zero, 0(t0)
  addi  t0, t0, 4
  j     1b
3:
  li    t1, (1 << HALYARD_CORES) - 1
  sw    t1, 0x40(t3)          /* barrier 0 spans every core */
2:
  lw    t1, 0x44(t3)          /* arrive at barrier 0 and sleep until all did */
  csrr  a0, mhartid
  bnez  a0, 4f
  call  hl_main_entry
4:
  call  hl_worker_loop
5:
  j     5b
