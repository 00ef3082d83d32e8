/* Misaligned loads and stores, done in hardware (README "Misaligned
   accesses"): lh/lhu/lw/sh/sw and the post-increment p.lw/p.sw at every byte
   offset, in L1 and in L2, including a word that crosses from bank 15 into
   bank 0. Checks the value (and that neighbouring bytes are untouched), the
   post-incremented pointer, the cycles and the extra cycle's perf counter. */
#include "halyard_rt.h"

#define BUF 128
static volatile uint8_t l1_buf[BUF] __attribute__((aligned(64))) HL_L1_BSS;
static volatile uint8_t l2_buf[BUF] __attribute__((aligned(64)));
static int failures;

enum op { LH, LHU, LW, PLW, SH, SW, PSW };
static const char *const names[] = {"lh", "lhu", "lw", "p.lw", "sh", "sw", "p.sw"};
static const int sizes[] = {2, 2, 4, 4, 2, 4, 4};

/* One access at p; returns its cycles (mcycle before and after, minus the
   second read) and the loaded value / the post-incremented pointer. */
static uint32_t run(enum op op, volatile uint8_t *p, uint32_t v, uint32_t *out, volatile uint8_t **next) {
    uint32_t t0, t1, r = 0;
    volatile uint8_t *q = p;
    switch (op) {
    case LH:
        __asm__ volatile("csrr %0, mcycle\n\tlh %2, 0(%3)\n\tcsrr %1, mcycle" : "=&r"(t0), "=&r"(t1), "=&r"(r) : "r"(p) : "memory");
        break;
    case LHU:
        __asm__ volatile("csrr %0, mcycle\n\tlhu %2, 0(%3)\n\tcsrr %1, mcycle" : "=&r"(t0), "=&r"(t1), "=&r"(r) : "r"(p) : "memory");
        break;
    case LW:
        __asm__ volatile("csrr %0, mcycle\n\tlw %2, 0(%3)\n\tcsrr %1, mcycle" : "=&r"(t0), "=&r"(t1), "=&r"(r) : "r"(p) : "memory");
        break;
    case PLW:  /* p.lw rd, 4(rs1!) */
        __asm__ volatile("csrr %0, mcycle\n\t.insn i 0x0B, 2, %2, 4(%3)\n\tcsrr %1, mcycle"
                         : "=&r"(t0), "=&r"(t1), "=&r"(r), "+r"(q) : : "memory");
        break;
    case SH:
        __asm__ volatile("csrr %0, mcycle\n\tsh %2, 0(%3)\n\tcsrr %1, mcycle" : "=&r"(t0), "=&r"(t1) : "r"(v), "r"(p) : "memory");
        break;
    case SW:
        __asm__ volatile("csrr %0, mcycle\n\tsw %2, 0(%3)\n\tcsrr %1, mcycle" : "=&r"(t0), "=&r"(t1) : "r"(v), "r"(p) : "memory");
        break;
    case PSW:  /* p.sw rs2, 4(rs1!) */
        __asm__ volatile("csrr %0, mcycle\n\t.insn s 0x2B, 2, %3, 4(%2)\n\tcsrr %1, mcycle"
                         : "=&r"(t0), "=&r"(t1), "+r"(q) : "r"(v) : "memory");
        break;
    }
    *out = r;
    *next = q;
    return t1 - t0 - 1;
}

static void fill(volatile uint8_t *buf) {
    for (int i = 0; i < BUF; i++) buf[i] = (uint8_t)(0x80 + 7 * i);
}

static void check(const char *mem, enum op op, volatile uint8_t *buf, int at) {
    const int size = sizes[op], off = at & 3;
    const int split = (size == 4 && off != 0) || (size == 2 && off == 3);
    const int l2 = buf == l2_buf;
    const uint32_t v = 0xA1B2C3D4u;
    uint32_t got, want = 0, cycles, want_cycles;
    volatile uint8_t *next;
    fill(buf);
    const uint32_t mc0 = hl_perf_read(HL_PERF_MULTICYCLE);
    cycles = run(op, buf + at, v, &got, &next);
    const uint32_t extra = hl_perf_read(HL_PERF_MULTICYCLE) - mc0;
    int bad = 0;
    if (op <= PLW) {
        for (int i = size - 1; i >= 0; i--) want = (want << 8) | buf[at + i];
        if (op == LH) want = (uint32_t)(int32_t)(int16_t)want;
        if (got != want) bad = 1;
        if (op == PLW && next != buf + at + 4) bad = 1;
        /* A load takes l2.latency in L2; split, its two parts one after the other. */
        want_cycles = (l2 ? HALYARD_L2_LATENCY : 1) * (split ? 2 : 1);
    } else {
        for (int i = 0; i < BUF; i++) {
            uint8_t e = (uint8_t)(0x80 + 7 * i);
            if (i >= at && i < at + size) e = (uint8_t)(v >> (8 * (i - at)));
            if (buf[i] != e) bad = 1;
        }
        if (op == PSW && next != buf + at + 4) bad = 1;
        want_cycles = split ? 2 : 1;  /* stores are posted in L2 too */
    }
    if (cycles != want_cycles || extra != (uint32_t)split) bad = 1;
    if (bad) {
        failures++;
        hl_printf("FAIL %s %-4s at +%d: value 0x%08lx (want 0x%08lx), %lu cycles (want %lu), %lu extra (want %d)\n",
                  mem, names[op], at, got, want, cycles, want_cycles, extra, split);
    }
}

int main(void) {
    int n = 0;
    for (int op = LH; op <= PSW; op++) {
        /* every byte offset of a word, inside bank 1..2 and across bank 15 -> 0 */
        for (int at = 4; at < 8; at++, n += 2) {
            check("L1", (enum op)op, l1_buf, at);
            check("L2", (enum op)op, l2_buf, at);
        }
        for (int at = 60; at < 64; at++, n++) check("L1", (enum op)op, l1_buf, at);
    }
    /* A split word in L1 and its timing, printed for the README. */
    uint32_t r;
    volatile uint8_t *next;
    fill(l1_buf);
    hl_printf("lw at +1: L1 %lu cycles,", run(LW, l1_buf + 1, 0, &r, &next));
    hl_printf(" L2 %lu cycles; sw at +1: L1 %lu,", run(LW, l2_buf + 1, 0, &r, &next), run(SW, l1_buf + 1, 0, &r, &next));
    hl_printf(" L2 %lu\n", run(SW, l2_buf + 1, 0, &r, &next));
    hl_printf("misaligned: %d accesses, %d failures\n", n, failures);
    return failures != 0;
}
