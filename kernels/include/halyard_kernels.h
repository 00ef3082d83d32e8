/* Halyard's micro-kernels: hand-written inner loops that the backend's
 * map_micro_kernels pass substitutes for loop nests it has proven equivalent
 * (targets/backend/src/passes/map_micro_kernels.cpp). Each kernel states its
 * reference semantics; the portable fallback below computes exactly that, so
 * a kernel can be checked on the host.
 */
#ifndef HALYARD_KERNELS_H
#define HALYARD_KERNELS_H

#include <stdint.h>

#include "halyard_xpulp.h"

/* gemm_int8_sdotp_4x2: for k in [0, n): c[i][j] += a_i[k] * b_j[k]
 * (int8 x int8 -> int32), i < 4, j < 2; a_i and b_j are k-contiguous rows.
 * PULP-NN's 4x2 block: 6 word loads feed 8 pv.sdotsp.b (32 MACs) per step of
 * 4, in a zero-overhead hardware loop with post-increment loads. Rows that
 * are not word-aligned, and the n % 4 tail, take the scalar path. */
static inline void hy_gemm_s8_4x2(const int8_t *a0, const int8_t *a1, const int8_t *a2, const int8_t *a3,
                                  const int8_t *b0, const int8_t *b1, int32_t n, int32_t *c00, int32_t *c01,
                                  int32_t *c10, int32_t *c11, int32_t *c20, int32_t *c21, int32_t *c30,
                                  int32_t *c31) {
    int32_t s00 = *c00, s01 = *c01, s10 = *c10, s11 = *c11, s20 = *c20, s21 = *c21, s30 = *c30, s31 = *c31;
    int32_t k = 0;
#if HL_XPULP_NATIVE
    const uint32_t misaligned =
        ((uint32_t)(uintptr_t)a0 | (uint32_t)(uintptr_t)a1 | (uint32_t)(uintptr_t)a2 | (uint32_t)(uintptr_t)a3 |
         (uint32_t)(uintptr_t)b0 | (uint32_t)(uintptr_t)b1) & 3u;
    const int32_t steps = n >> 2;
    if (!misaligned && steps > 0) {
        /* The six loaded words live in t0-t5 (clobbered) to stay within gcc's
           30 asm operands. */
        __asm__ volatile(
            HL_LP_STARTI(0, 1f)
            HL_LP_ENDI(0, 2f)
            HL_LP_COUNT(0, "%[steps]")
            "1:\n\t"
            ".insn i 0x0B, 2, t0, 4(%[a0])\n\t"   /* p.lw t0, 4(a0!) */
            ".insn i 0x0B, 2, t1, 4(%[a1])\n\t"
            ".insn i 0x0B, 2, t2, 4(%[a2])\n\t"
            ".insn i 0x0B, 2, t3, 4(%[a3])\n\t"
            ".insn i 0x0B, 2, t4, 4(%[b0])\n\t"
            ".insn i 0x0B, 2, t5, 4(%[b1])\n\t"
            ".insn r 0x57, 1, 0x5C, %[s00], t0, t4\n\t"  /* pv.sdotsp.b */
            ".insn r 0x57, 1, 0x5C, %[s01], t0, t5\n\t"
            ".insn r 0x57, 1, 0x5C, %[s10], t1, t4\n\t"
            ".insn r 0x57, 1, 0x5C, %[s11], t1, t5\n\t"
            ".insn r 0x57, 1, 0x5C, %[s20], t2, t4\n\t"
            ".insn r 0x57, 1, 0x5C, %[s21], t2, t5\n\t"
            ".insn r 0x57, 1, 0x5C, %[s30], t3, t4\n\t"
            ".insn r 0x57, 1, 0x5C, %[s31], t3, t5\n\t"
            "2:\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),
              [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [s20] "+r"(s20),
              [s21] "+r"(s21), [s30] "+r"(s30), [s31] "+r"(s31)
            : [steps] "r"(steps)
            : "t0", "t1", "t2", "t3", "t4", "t5", "memory");
        k = steps << 2;
        /* The post-increments advanced the row pointers past the k done. */
        a0 -= k;
        a1 -= k;
        a2 -= k;
        a3 -= k;
        b0 -= k;
        b1 -= k;
    }
#endif
    for (; k < n; k++) {
        const int32_t x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k], y0 = b0[k], y1 = b1[k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s30 += x3 * y0;
        s31 += x3 * y1;
    }
    *c00 = s00;
    *c01 = s01;
    *c10 = s10;
    *c11 = s11;
    *c20 = s20;
    *c21 = s21;
    *c30 = s30;
    *c31 = s31;
}

/* gemm_int8_sdotp_1x4: for k in [0, n): c[0][j] += a_0[k] * b_j[k], j < 4 —
 * one activation row against four weight rows (decode-step GEMV). Per step
 * of 4: 5 word loads feed 4 pv.sdotsp.b (16 MACs) in a hardware loop. */
static inline void hy_gemm_s8_1x4(const int8_t *a0, const int8_t *b0, const int8_t *b1, const int8_t *b2,
                                  const int8_t *b3, int32_t n, int32_t *c00, int32_t *c01, int32_t *c02,
                                  int32_t *c03) {
    int32_t s00 = *c00, s01 = *c01, s02 = *c02, s03 = *c03;
    int32_t k = 0;
#if HL_XPULP_NATIVE
    const uint32_t misaligned = ((uint32_t)(uintptr_t)a0 | (uint32_t)(uintptr_t)b0 | (uint32_t)(uintptr_t)b1 |
                                 (uint32_t)(uintptr_t)b2 | (uint32_t)(uintptr_t)b3) & 3u;
    const int32_t steps = n >> 2;
    if (!misaligned && steps > 0) {
        __asm__ volatile(
            HL_LP_STARTI(0, 1f)
            HL_LP_ENDI(0, 2f)
            HL_LP_COUNT(0, "%[steps]")
            "1:\n\t"
            ".insn i 0x0B, 2, t0, 4(%[a0])\n\t"
            ".insn i 0x0B, 2, t1, 4(%[b0])\n\t"
            ".insn i 0x0B, 2, t2, 4(%[b1])\n\t"
            ".insn i 0x0B, 2, t3, 4(%[b2])\n\t"
            ".insn i 0x0B, 2, t4, 4(%[b3])\n\t"
            ".insn r 0x57, 1, 0x5C, %[s00], t0, t1\n\t"
            ".insn r 0x57, 1, 0x5C, %[s01], t0, t2\n\t"
            ".insn r 0x57, 1, 0x5C, %[s02], t0, t3\n\t"
            ".insn r 0x57, 1, 0x5C, %[s03], t0, t4\n\t"
            "2:\n\t"
            : [a0] "+r"(a0), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [s00] "+r"(s00),
              [s01] "+r"(s01), [s02] "+r"(s02), [s03] "+r"(s03)
            : [steps] "r"(steps)
            : "t0", "t1", "t2", "t3", "t4", "memory");
        k = steps << 2;
        a0 -= k;
        b0 -= k;
        b1 -= k;
        b2 -= k;
        b3 -= k;
    }
#endif
    for (; k < n; k++) {
        const int32_t x0 = a0[k];
        s00 += x0 * b0[k];
        s01 += x0 * b1[k];
        s02 += x0 * b2[k];
        s03 += x0 * b3[k];
    }
    *c00 = s00;
    *c01 = s01;
    *c02 = s02;
    *c03 = s03;
}

#endif
