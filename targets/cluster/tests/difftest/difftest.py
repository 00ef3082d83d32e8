#!/usr/bin/env python3
"""Differential test: random RV32IM programs on halyard-sim and on
qemu-system-riscv32, final registers and memory compared.

Each batch is one assembly file holding many random programs. A program sets
x1..x30 to random values and a 256-byte data block (based at x31) to random
bytes, runs a random straight-line/forward-branching block of RV32IM
instructions (ALU, M, loads, stores, some of them misaligned, branches,
jal x0), then hashes x1..x30 and
the data block (FNV-1a over words) and prints the hash. The same file is
linked once for the cluster (L2, the simulator's stdout/exit registers) and
once for QEMU's virt machine (0x80000000, UART, sifive_test exit); the two
outputs must be identical. With --dump, each program prints its registers and
memory in full instead of a hash (for debugging a mismatch).

  difftest.py --sim halyard-sim --qemu qemu-system-riscv32 --cc riscv64-unknown-elf-gcc
              --ld-script halyard_cluster.ld --ld-dir <generated> --include <generated>
              [--programs 1000] [--per-batch 100] [--seed 1] [--work DIR] [--dump]
"""
import argparse
import os
import random
import subprocess
import sys

R_OPS = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and',
         'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu']
I_OPS = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi']
SH_OPS = ['slli', 'srli', 'srai']
LOADS = [('lb', 1), ('lbu', 1), ('lh', 2), ('lhu', 2), ('lw', 4)]
STORES = [('sb', 1), ('sh', 2), ('sw', 4)]
BRANCHES = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']
INTERESTING = [0, 1, -1, 0x7fffffff, -0x80000000, 2, -2, 31, 32, 0xff, 0xffff, 0x80, 0x8000]


def reg(rng):
    return 'x%d' % rng.randint(1, 30)


def src(rng):
    return 'x%d' % rng.randint(0, 30)


def value(rng):
    if rng.random() < 0.3:
        return rng.choice(INTERESTING) & 0xffffffff
    return rng.getrandbits(32)


def mem_offset(rng, size):
    """A data-block offset for an access of size bytes: aligned, or (30% of
    halfword/word accesses) any byte offset. Both sides perform misaligned
    accesses in hardware: QEMU's TCG on RAM, the model as CV32E40P does."""
    if size > 1 and rng.random() < 0.3:
        return rng.randint(0, 256 - size)
    return size * rng.randint(0, 256 // size - 1)


def program(rng, idx, length):
    lines = ['prog_%d:' % idx]
    for r in range(1, 31):
        lines.append('  li x%d, 0x%08x' % (r, value(rng)))
    lines.append('  la x31, data_block')
    for w in range(64):
        lines.append('  li x1, 0x%08x' % rng.getrandbits(32))
        lines.append('  sw x1, %d(x31)' % (4 * w))
    lines.append('  li x1, 0x%08x' % value(rng))
    pending = []  # (label, position) of forward branch targets
    label_n = 0
    for i in range(length):
        # place labels whose target position is reached
        for lab in [l for l, pos in pending if pos == i]:
            lines.append('%s:' % lab)
        pending = [(l, pos) for l, pos in pending if pos != i]
        k = rng.random()
        if k < 0.35:
            lines.append('  %s %s, %s, %s' % (rng.choice(R_OPS), reg(rng), src(rng), src(rng)))
        elif k < 0.55:
            lines.append('  %s %s, %s, %d' % (rng.choice(I_OPS), reg(rng), src(rng), rng.randint(-2048, 2047)))
        elif k < 0.62:
            lines.append('  %s %s, %s, %d' % (rng.choice(SH_OPS), reg(rng), src(rng), rng.randint(0, 31)))
        elif k < 0.65:
            lines.append('  lui %s, 0x%x' % (reg(rng), rng.getrandbits(20)))
        elif k < 0.77:
            op, size = rng.choice(LOADS)
            lines.append('  %s %s, %d(x31)' % (op, reg(rng), mem_offset(rng, size)))
        elif k < 0.87:
            op, size = rng.choice(STORES)
            lines.append('  %s %s, %d(x31)' % (op, src(rng), mem_offset(rng, size)))
        elif k < 0.97 and i + 2 < length:
            lab = 'p%d_l%d' % (idx, label_n)
            label_n += 1
            pending.append((lab, i + rng.randint(1, min(4, length - i - 1))))
            if rng.random() < 0.15:
                lines.append('  jal x0, %s' % lab)
            else:
                lines.append('  %s %s, %s, %s' % (rng.choice(BRANCHES), src(rng), src(rng), lab))
        else:
            lines.append('  add x0, %s, %s' % (src(rng), src(rng)))
    for lab, _ in pending:
        lines.append('%s:' % lab)
    lines.append('  call dump_state')
    return lines


PROLOGUE = r'''
  .section .text.init, "ax"
  .globl _start
_start:
  csrr t0, mhartid
1:bnez t0, 1b
  la sp, stack_top
  j main_body

# putc(a0): clobbers t5/t6 only
putc:
  li t6, OUT_ADDR
#ifdef UART_16550
1:lbu t5, 5(t6)                  # LSR: wait for THR empty
  andi t5, t5, 0x20
  beqz t5, 1b
#endif
  sb a0, 0(t6)
  ret

# Hashes (or prints) x1..x30 and the data block. x1's value from before the
# call is in ra_before (stored by the program just before "call").
dump_state:
  la t6, save_area
  .irp r, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
  sw x\r, (4*\r)(t6)
  .endr
  lw t0, ra_before
  sw t0, 4(t6)
  mv s11, ra
#ifdef DUMP
  li s1, 1
2:
  la t6, save_area
  slli t0, s1, 2
  add t6, t6, t0
  lw a1, 0(t6)
  call puthex
  addi s1, s1, 1
  li t0, 31
  blt s1, t0, 2b
  li s1, 0
3:
  la t6, data_block
  slli t0, s1, 2
  add t6, t6, t0
  lw a1, 0(t6)
  call puthex
  addi s1, s1, 1
  li t0, 64
  blt s1, t0, 3b
#else
  li s2, 0x811c9dc5
  li s3, 0x01000193
  li s1, 1
2:
  la t6, save_area
  slli t0, s1, 2
  add t6, t6, t0
  lw a1, 0(t6)
  xor s2, s2, a1
  mul s2, s2, s3
  addi s1, s1, 1
  li t0, 31
  blt s1, t0, 2b
  li s1, 0
3:
  la t6, data_block
  slli t0, s1, 2
  add t6, t6, t0
  lw a1, 0(t6)
  xor s2, s2, a1
  mul s2, s2, s3
  addi s1, s1, 1
  li t0, 64
  blt s1, t0, 3b
  mv a1, s2
  call puthex
#endif
  li a0, 10
  call putc
  mv ra, s11
  ret

# puthex(a1): 8 hex digits and a space
puthex:
  mv s4, ra
  li s5, 28
4:
  srl a0, a1, s5
  andi a0, a0, 15
  li t0, 10
  blt a0, t0, 5f
  addi a0, a0, 'a' - 10 - '0'
5:
  addi a0, a0, '0'
  call putc
  addi s5, s5, -4
  bgez s5, 4b
  li a0, ' '
  call putc
  mv ra, s4
  ret

main_body:
'''

EPILOGUE = r'''
  li t6, EXIT_ADDR
  li t5, EXIT_VALUE
  sw t5, 0(t6)
9:j 9b

  .data
  .align 4
data_block: .zero 256
save_area: .zero 128
ra_before: .word 0
  .align 4
  .zero 1024
stack_top:
'''

QEMU_LD = '''OUTPUT_ARCH(riscv)
ENTRY(_start)
SECTIONS {
  . = 0x80000000;
  .text : { *(.text.init) *(.text .text.*) }
  .rodata : { *(.rodata .rodata.*) }
  .data : { *(.data .data.*) }
  .bss : { *(.bss .bss.*) }
}
'''


def write_batch(path, seed, count, first, length, dump):
    rng = random.Random(seed)
    out = ['# difftest batch: seed %d, programs %d..%d' % (seed, first, first + count - 1)]
    out.append(PROLOGUE)
    for p in range(count):
        body = program(rng, first + p, length)
        # record ra's value (x1) before "call dump_state" overwrites it
        body.insert(-1, '  la t6, ra_before')
        body.insert(-1, '  sw x1, 0(t6)')
        out.extend(body)
    out.append(EPILOGUE)
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--qemu', required=True)
    ap.add_argument('--cc', required=True)
    ap.add_argument('--ld-script', required=True)
    ap.add_argument('--ld-dir', required=True)
    ap.add_argument('--include', required=True)
    ap.add_argument('--programs', type=int, default=1000)
    ap.add_argument('--per-batch', type=int, default=125)
    ap.add_argument('--length', type=int, default=48)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--work', default='difftest-work')
    ap.add_argument('--dump', action='store_true')
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    flags = ['-misa-spec=2.2', '-march=rv32im', '-mabi=ilp32', '-mno-relax', '-nostdlib', '-nostartfiles',
             '-static', '-Wl,--no-warn-rwx-segments', '-I', args.include]
    if args.dump:
        flags.append('-DDUMP')
    with open(os.path.join(args.work, 'qemu.ld'), 'w') as f:
        f.write(QEMU_LD)
    done = 0
    batch = 0
    while done < args.programs:
        count = min(args.per_batch, args.programs - done)
        seed = args.seed * 100003 + batch
        base = os.path.join(args.work, 'batch%d' % batch)
        write_batch(base + '.S', seed, count, done, args.length, args.dump)
        sim_elf, qemu_elf = base + '.sim.elf', base + '.qemu.elf'
        subprocess.run([args.cc] + flags + ['-include', 'halyard_target_params.h',
                        '-DOUT_ADDR=HALYARD_SIM_STDOUT', '-DEXIT_ADDR=HALYARD_SIM_EXIT', '-DEXIT_VALUE=0',
                        base + '.S', '-T', args.ld_script, '-L', args.ld_dir, '-o', sim_elf], check=True)
        subprocess.run([args.cc] + flags + ['-DOUT_ADDR=0x10000000', '-DUART_16550', '-DEXIT_ADDR=0x100000', '-DEXIT_VALUE=0x5555',
                        base + '.S', '-T', os.path.join(args.work, 'qemu.ld'), '-o', qemu_elf], check=True)
        sim = subprocess.run([args.sim, '--quiet', '--max-cycles', '50000000', sim_elf],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        qemu = subprocess.run([args.qemu, '-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none',
                               '-serial', 'stdio', '-kernel', qemu_elf],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        for name, r in (('sim', sim), ('qemu', qemu)):
            with open('%s.%s.out' % (base, name), 'w') as f:
                f.write(r.stdout)
            with open('%s.%s.err' % (base, name), 'w') as f:
                f.write('exit %d\n%s' % (r.returncode, r.stderr))
        if sim.returncode != 0:
            print('halyard-sim failed on %s (code %d): %s' % (sim_elf, sim.returncode, sim.stderr))
            return 1
        a, b = sim.stdout.splitlines(), qemu.stdout.replace('\r', '').splitlines()
        if len(a) != count or len(b) != count:
            print('%s: expected %d lines, sim printed %d, qemu %d (exit %d); outputs in %s.{sim,qemu}.{out,err}' %
                  (base, count, len(a), len(b), qemu.returncode, base, base))
            print('qemu stderr:', qemu.stderr[:2000])
            return 1
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                print('MISMATCH in program %d (batch %s, seed %d):\n  sim  %s\n  qemu %s' %
                      (done + i, base + '.S', seed, x, y))
                print('rerun with --dump to see registers x1..x30 and the data block')
                return 1
        done += count
        batch += 1
    print('difftest: %d random programs identical on halyard-sim and qemu-system-riscv32' % done)
    return 0


if __name__ == '__main__':
    sys.exit(main())
