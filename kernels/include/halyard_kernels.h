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

/* One step of 4 k of the 4x2 block: 8 pv.sdotsp.b of A's words in t0-t3
 * with B's in t4-t5 into the asm operands s00..s31 (the hardware loop's body
 * and the straight-line K = 4 path). */
#define HY_SDOT_4X2                                  \
    ".insn r 0x57, 1, 0x5C, %[s00], t0, t4\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s01], t0, t5\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s10], t1, t4\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s11], t1, t5\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s20], t2, t4\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s21], t2, t5\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s30], t3, t4\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s31], t3, t5\n\t"

/* One step of 4 k of the 1x4 block: A's word in t0 against B's in t1-t4
 * into s00..s03. */
#define HY_SDOT_1X4                                  \
    ".insn r 0x57, 1, 0x5C, %[s00], t0, t1\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s01], t0, t2\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s02], t0, t3\n\t"     \
    ".insn r 0x57, 1, 0x5C, %[s03], t0, t4\n\t"

/* A word of four int8 that may alias any element type. */
#if defined(__GNUC__)
typedef uint32_t __attribute__((may_alias)) hy_s8x4_t;
#else
typedef uint32_t hy_s8x4_t;
#endif

/* acc + the dot product of two words of four int8: pv.dotsp.b when acc is a
 * compile-time zero (no copy of the zero into the accumulator), else
 * pv.sdotsp.b. */
#if defined(__GNUC__)
#define HY_DOT_ACC(acc, x, y) \
    ((__builtin_constant_p(acc) && (acc) == 0) ? hl_dotsp_b((x), (y)) : hl_sdotsp_b((acc), (x), (y)))
#else
#define HY_DOT_ACC(acc, x, y) hl_sdotsp_b((acc), (x), (y))
#endif

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
    if (!misaligned && steps == 1) {
        /* One step (K = 4: attention scores at head size 4): straight-line C
           on the dot-product intrinsics, no hardware-loop set-up or pointer
           walk (n is a constant where the kernel is inlined, so gcc keeps
           only this path); an accumulator known to start at zero (after
           inlining) takes pv.dotsp.b, with no register copy of the zero. */
        const uint32_t x0 = *(const hy_s8x4_t *)(const void *)a0, x1 = *(const hy_s8x4_t *)(const void *)a1;
        const uint32_t x2 = *(const hy_s8x4_t *)(const void *)a2, x3 = *(const hy_s8x4_t *)(const void *)a3;
        const uint32_t y0 = *(const hy_s8x4_t *)(const void *)b0, y1 = *(const hy_s8x4_t *)(const void *)b1;
        s00 = HY_DOT_ACC(s00, x0, y0);
        s01 = HY_DOT_ACC(s01, x0, y1);
        s10 = HY_DOT_ACC(s10, x1, y0);
        s11 = HY_DOT_ACC(s11, x1, y1);
        s20 = HY_DOT_ACC(s20, x2, y0);
        s21 = HY_DOT_ACC(s21, x2, y1);
        s30 = HY_DOT_ACC(s30, x3, y0);
        s31 = HY_DOT_ACC(s31, x3, y1);
        k = 4;
    } else if (!misaligned && steps > 0) {
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
            HY_SDOT_4X2
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

/* The 4x4 block's hardware-loop body, labels 1 to 2: per step of 4 k, B's
 * four words into t0-t3 (one pointer, +step_b three times, then back_b),
 * A's four alternately into the operands w and X, and 16 pv.sdotsp.b into
 * the fixed accumulators s1-s11, a2-a6 (row-major). Shared by
 * hy_gemm_s8_4x4 and hy_gemm_s8_4x4_rq. */
#define HY_SDOT_4X4_LOOP(X) \
    "1:\n\t" \
    ".insn r 0x0B, 7, 0x10, t0, %[pb], %[step_b]\n\t"  /* p.lw t0, step_b(pb!) */ \
    ".insn r 0x0B, 7, 0x10, t1, %[pb], %[step_b]\n\t" \
    ".insn r 0x0B, 7, 0x10, t2, %[pb], %[step_b]\n\t" \
    ".insn r 0x0B, 7, 0x10, t3, %[pb], %[back_b]\n\t" \
    ".insn r 0x0B, 7, 0x10, %[w], %[pa], %[step_a]\n\t" \
    ".insn r 0x0B, 7, 0x10, %[" #X "], %[pa], %[step_a]\n\t" \
    ".insn r 0x57, 1, 0x5C, s1, %[w], t0\n\t"  /* pv.sdotsp.b */ \
    ".insn r 0x57, 1, 0x5C, s2, %[w], t1\n\t" \
    ".insn r 0x57, 1, 0x5C, s3, %[w], t2\n\t" \
    ".insn r 0x57, 1, 0x5C, s4, %[w], t3\n\t" \
    ".insn r 0x0B, 7, 0x10, %[w], %[pa], %[step_a]\n\t" \
    ".insn r 0x57, 1, 0x5C, s5, %[" #X "], t0\n\t" \
    ".insn r 0x57, 1, 0x5C, s6, %[" #X "], t1\n\t" \
    ".insn r 0x57, 1, 0x5C, s7, %[" #X "], t2\n\t" \
    ".insn r 0x57, 1, 0x5C, s8, %[" #X "], t3\n\t" \
    ".insn r 0x0B, 7, 0x10, %[" #X "], %[pa], %[back_a]\n\t" \
    ".insn r 0x57, 1, 0x5C, s9, %[w], t0\n\t" \
    ".insn r 0x57, 1, 0x5C, s10, %[w], t1\n\t" \
    ".insn r 0x57, 1, 0x5C, s11, %[w], t2\n\t" \
    ".insn r 0x57, 1, 0x5C, a2, %[w], t3\n\t" \
    ".insn r 0x57, 1, 0x5C, a3, %[" #X "], t0\n\t" \
    ".insn r 0x57, 1, 0x5C, a4, %[" #X "], t1\n\t" \
    ".insn r 0x57, 1, 0x5C, a5, %[" #X "], t2\n\t" \
    ".insn r 0x57, 1, 0x5C, a6, %[" #X "], t3\n\t"

/* gemm_int8_sdotp_4x4: for k in [0, n): c[i][j] += a_i[k] * b_j[k]
 * (int8 x int8 -> int32), i < 4, j < 4; a_i and b_j are k-contiguous rows.
 * The 4x4 block: 8 word loads feed 16 pv.sdotsp.b (64 MACs) per step of 4,
 * 24 instructions against the 4x2 block's 14 per 32 MACs. 16 accumulators
 * leave no registers for 8 row pointers, so the fast path needs the rows of
 * each operand equally spaced (a GEMM tile's rows are: one leading dimension
 * apart) and walks them with one pointer per operand, post-incremented by a
 * register (p.lw rd, rs2(rs1!)): +stride three times, then back to row 0
 * one word on. B's four words stay in registers; A's alternate between two.
 * Rows not equally spaced or not word-aligned, or accumulators that are
 * not one contiguous tile, run as two 4x2 blocks; so does the n % 4 tail. */
static inline void hy_gemm_s8_4x4(const int8_t *a0, const int8_t *a1, const int8_t *a2, const int8_t *a3,
                                  const int8_t *b0, const int8_t *b1, const int8_t *b2, const int8_t *b3, int32_t n,
                                  int32_t *c00, int32_t *c01, int32_t *c02, int32_t *c03, int32_t *c10,
                                  int32_t *c11, int32_t *c12, int32_t *c13, int32_t *c20, int32_t *c21,
                                  int32_t *c22, int32_t *c23, int32_t *c30, int32_t *c31, int32_t *c32,
                                  int32_t *c33) {
    int32_t k = 0;
#if HL_XPULP_NATIVE
    const intptr_t sa = a1 - a0, sb = b1 - b0;
    const int equally_spaced = (a2 - a1 == sa) && (a3 - a2 == sa) && (b2 - b1 == sb) && (b3 - b2 == sb);
    const uint32_t misaligned = ((uint32_t)(uintptr_t)a0 | (uint32_t)sa | (uint32_t)(uintptr_t)b0 | (uint32_t)sb) & 3u;
    /* The generated code passes &acc[0] .. &acc[15] of one tile array: the
       fast path loads and stores them at offsets of c00 (after inlining gcc
       folds this test away). */
    const int acc_contiguous = c01 == c00 + 1 && c02 == c00 + 2 && c03 == c00 + 3 && c10 == c00 + 4 &&
                               c11 == c00 + 5 && c12 == c00 + 6 && c13 == c00 + 7 && c20 == c00 + 8 &&
                               c21 == c00 + 9 && c22 == c00 + 10 && c23 == c00 + 11 && c30 == c00 + 12 &&
                               c31 == c00 + 13 && c32 == c00 + 14 && c33 == c00 + 15;
    if (equally_spaced && !misaligned && acc_contiguous && n >= 4) {
        const int8_t *pa = a0, *pb = b0;
        const int32_t step_a = (int32_t)sa, back_a = 4 - 3 * (int32_t)sa;
        const int32_t step_b = (int32_t)sb, back_b = 4 - 3 * (int32_t)sb;
        int32_t steps = n >> 2;
        int32_t *acc = c00;
        k = steps << 2;
        /* Sixteen accumulators, eight operand words and four stride
           registers need every register there is, more than gcc's 30 asm
           operands: the accumulators are fixed registers (clobbered) loaded
           from and stored to the tile. Two operand registers serve as A's words
           once free: the loop count's after lp.count has read it, the
           tile's address after it is pushed on the stack for the loop. B's words
           live in t0-t3. */
        __asm__ volatile(
            "lw s1, 0(%[acc])\n\t"
            "lw s2, 4(%[acc])\n\t"
            "lw s3, 8(%[acc])\n\t"
            "lw s4, 12(%[acc])\n\t"
            "lw s5, 16(%[acc])\n\t"
            "lw s6, 20(%[acc])\n\t"
            "lw s7, 24(%[acc])\n\t"
            "lw s8, 28(%[acc])\n\t"
            "lw s9, 32(%[acc])\n\t"
            "lw s10, 36(%[acc])\n\t"
            "lw s11, 40(%[acc])\n\t"
            "lw a2, 44(%[acc])\n\t"
            "lw a3, 48(%[acc])\n\t"
            "lw a4, 52(%[acc])\n\t"
            "lw a5, 56(%[acc])\n\t"
            "lw a6, 60(%[acc])\n\t"
            "addi sp, sp, -16\n\t"
            "sw %[acc], 0(sp)\n\t"
            HL_LP_STARTI(0, 1f)
            HL_LP_ENDI(0, 2f)
            HL_LP_COUNT(0, "%[w]")
            HY_SDOT_4X4_LOOP(acc)
            "2:\n\t"
            "lw %[acc], 0(sp)\n\t"
            "addi sp, sp, 16\n\t"
            "sw s1, 0(%[acc])\n\t"
            "sw s2, 4(%[acc])\n\t"
            "sw s3, 8(%[acc])\n\t"
            "sw s4, 12(%[acc])\n\t"
            "sw s5, 16(%[acc])\n\t"
            "sw s6, 20(%[acc])\n\t"
            "sw s7, 24(%[acc])\n\t"
            "sw s8, 28(%[acc])\n\t"
            "sw s9, 32(%[acc])\n\t"
            "sw s10, 36(%[acc])\n\t"
            "sw s11, 40(%[acc])\n\t"
            "sw a2, 44(%[acc])\n\t"
            "sw a3, 48(%[acc])\n\t"
            "sw a4, 52(%[acc])\n\t"
            "sw a5, 56(%[acc])\n\t"
            "sw a6, 60(%[acc])\n\t"
            : [pa] "+r"(pa), [pb] "+r"(pb), [w] "+r"(steps), [acc] "+r"(acc)
            : [step_a] "r"(step_a), [back_a] "r"(back_a), [step_b] "r"(step_b), [back_b] "r"(back_b)
            : "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "a2", "a3", "a4", "a5", "a6", "t0", "t1", "t2", "t3", "memory");
    }
#endif
    /* The rest (all of it off the fast path, else the K % 4 tail): two 4x2 blocks. */
    if (k < n) {
        hy_gemm_s8_4x2(a0 + k, a1 + k, a2 + k, a3 + k, b0 + k, b1 + k, n - k, c00, c01, c10, c11, c20, c21, c30, c31);
        hy_gemm_s8_4x2(a0 + k, a1 + k, a2 + k, a3 + k, b2 + k, b3 + k, n - k, c02, c03, c12, c13, c22, c23, c32, c33);
    }
}

/* The requantization of an R x C tile (the rq kernels' portable path and
 * fallback): y[i * ldy + j] = clip(((acc[i * C + j] + bias[j]) * mul + add)
 * >> shift, lo, hi) as bytes, in int32 arithmetic that wraps (as the
 * generated epilogue's, and the Xpulp path's); bias 0: none. */
static inline void hy_requant_tile(const int32_t *acc, int rows, int cols, const int32_t *bias, int32_t mul,
                                   int32_t add, int32_t shift, int32_t lo, int32_t hi, int8_t *y, int32_t ldy) {
    int i, j;
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            const uint32_t s = (uint32_t)acc[i * cols + j] + (uint32_t)(bias ? bias[j] : 0);
            int32_t v = (int32_t)(s * (uint32_t)mul + (uint32_t)add) >> shift;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            y[i * ldy + j] = (int8_t)v;
        }
    }
}

static const int32_t hy__no_bias[4] = {0, 0, 0, 0};

/* The fast path's parameters, read by the asm through one register. */
typedef struct {
    const int32_t *bias; /* 4 words; hy__no_bias for none */
    int32_t mul, add, shift, hi;
    int8_t *y;
    int32_t ldy;
} hy_requant_4x4_params;

/* The requantizing epilogue of the 4x4 fast path, after the hardware loop
 * (its loop registers free): each accumulator x mul + add >> shift, clipped by
 * CLIP_F3 (5: p.clipr, [-hi - 1, hi]; 6: p.clipur, [0, hi]) and stored as a
 * byte, a row of 4 at y, then y += ldy. EP holds the parameters' address. */
#define HY_REQUANT_4X4_EPILOGUE(EP, CLIP_F3)                                        \
    "lw t0, 4(%[" #EP "])\n\t"                                                      \
    "lw t1, 8(%[" #EP "])\n\t"                                                      \
    "lw t2, 12(%[" #EP "])\n\t"                                                     \
    "lw t3, 16(%[" #EP "])\n\t"                                                     \
    "lw %[pa], 20(%[" #EP "])\n\t"                                                  \
    "lw %[pb], 24(%[" #EP "])\n\t"                                                  \
    HY__RQ4(CLIP_F3, s1, s2, s3, s4)                                                \
    HY__RQ4(CLIP_F3, s5, s6, s7, s8)                                                \
    HY__RQ4(CLIP_F3, s9, s10, s11, a2)                                              \
    HY__RQ4(CLIP_F3, a3, a4, a5, a6)
#define HY__RQ1(CLIP_F3, r)                                                         \
    "mul " #r ", " #r ", t0\n\t"                                                    \
    "add " #r ", " #r ", t1\n\t"                                                    \
    "sra " #r ", " #r ", t2\n\t"                                                    \
    ".insn r 0x33, " #CLIP_F3 ", 0x0A, " #r ", " #r ", t3\n\t"
#define HY__RQ4(CLIP_F3, r0, r1, r2, r3)                                            \
    HY__RQ1(CLIP_F3, r0) HY__RQ1(CLIP_F3, r1) HY__RQ1(CLIP_F3, r2) HY__RQ1(CLIP_F3, r3) \
    "sb " #r0 ", 0(%[pa])\n\t"                                                      \
    "sb " #r1 ", 1(%[pa])\n\t"                                                      \
    "sb " #r2 ", 2(%[pa])\n\t"                                                      \
    "sb " #r3 ", 3(%[pa])\n\t"                                                      \
    "add %[pa], %[pa], %[pb]\n\t"

/* The whole fast path of hy_gemm_s8_4x4_rq for one clip instruction: the
 * accumulators start at the biases (mv), the 4x4 hardware loop, the epilogue. */
#define HY__GEMM_4X4_RQ_ASM(CLIP_F3)                                                                        \
    __asm__ volatile(                                                                                       \
        "lw t0, 0(%[ep])\n\t"                                                                               \
        "lw s1, 0(t0)\n\t"                                                                                  \
        "lw s2, 4(t0)\n\t"                                                                                  \
        "lw s3, 8(t0)\n\t"                                                                                  \
        "lw s4, 12(t0)\n\t"                                                                                 \
        "mv s5, s1\n\t" "mv s6, s2\n\t" "mv s7, s3\n\t" "mv s8, s4\n\t"                                     \
        "mv s9, s1\n\t" "mv s10, s2\n\t" "mv s11, s3\n\t" "mv a2, s4\n\t"                                   \
        "mv a3, s1\n\t" "mv a4, s2\n\t" "mv a5, s3\n\t" "mv a6, s4\n\t"                                     \
        "addi sp, sp, -16\n\t"                                                                              \
        "sw %[ep], 0(sp)\n\t"                                                                               \
        HL_LP_STARTI(0, 1f)                                                                                 \
        HL_LP_ENDI(0, 2f)                                                                                   \
        HL_LP_COUNT(0, "%[w]")                                                                              \
        HY_SDOT_4X4_LOOP(ep)                                                                                \
        "2:\n\t"                                                                                            \
        "lw %[ep], 0(sp)\n\t"                                                                               \
        "addi sp, sp, 16\n\t"                                                                               \
        HY_REQUANT_4X4_EPILOGUE(ep, CLIP_F3)                                                                \
        : [pa] "+r"(pa), [pb] "+r"(pb), [w] "+r"(steps), [ep] "+r"(ep)                                      \
        : [step_a] "r"(step_a), [back_a] "r"(back_a), [step_b] "r"(step_b), [back_b] "r"(back_b)            \
        : "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "a2", "a3", "a4", "a5", "a6", \
          "t0", "t1", "t2", "t3", "memory")

/* gemm_int8_sdotp_4x4's requantizing variant: the 4x4 tile from zero
 * accumulators, then y[i * ldy + j] = clip(((acc_ij + bias[j]) * mul + add)
 * >> shift, lo, hi) (a GEMM's bias and RequantShift; bias 0: none), written
 * as bytes. The fast path (as hy_gemm_s8_4x4's: rows equally spaced and
 * word-aligned, n a positive multiple of 4, and lo = -hi - 1 or lo = 0) keeps
 * the tile in registers from the biases to the stores: 4 bias loads and 12
 * moves instead of the tile's 16 zero stores, 16 loads and 16 stores, and per
 * output mul, add, sra, p.clipr/p.clipur and sb. Otherwise hy_gemm_s8_4x4 on a
 * tile in memory and hy_requant_tile. */
static inline void hy_gemm_s8_4x4_rq(const int8_t *a0, const int8_t *a1, const int8_t *a2, const int8_t *a3,
                                     const int8_t *b0, const int8_t *b1, const int8_t *b2, const int8_t *b3,
                                     int32_t n, const int32_t *bias, int32_t mul, int32_t add, int32_t shift,
                                     int32_t lo, int32_t hi, int8_t *y, int32_t ldy) {
#if HL_XPULP_NATIVE
    const intptr_t sa = a1 - a0, sb = b1 - b0;
    const int equally_spaced = (a2 - a1 == sa) && (a3 - a2 == sa) && (b2 - b1 == sb) && (b3 - b2 == sb);
    const uint32_t misaligned = ((uint32_t)(uintptr_t)a0 | (uint32_t)sa | (uint32_t)(uintptr_t)b0 | (uint32_t)sb) & 3u;
    const int clip_signed = hi >= 0 && lo == -hi - 1, clip_unsigned = hi >= 0 && lo == 0;
    if (equally_spaced && !misaligned && n >= 4 && (n & 3) == 0 && (clip_signed || clip_unsigned)) {
        hy_requant_4x4_params p;
        const hy_requant_4x4_params *ep = &p;
        const int8_t *pa = a0, *pb = b0;
        const int32_t step_a = (int32_t)sa, back_a = 4 - 3 * (int32_t)sa;
        const int32_t step_b = (int32_t)sb, back_b = 4 - 3 * (int32_t)sb;
        int32_t steps = n >> 2;
        p.bias = bias ? bias : hy__no_bias;
        p.mul = mul;
        p.add = add;
        p.shift = shift;
        p.hi = hi;
        p.y = y;
        p.ldy = ldy;
        if (clip_signed) HY__GEMM_4X4_RQ_ASM(5);
        else HY__GEMM_4X4_RQ_ASM(6);
        return;
    }
#endif
    {
        int32_t acc[16];
        int i;
        for (i = 0; i < 16; i++) acc[i] = 0;
        hy_gemm_s8_4x4(a0, a1, a2, a3, b0, b1, b2, b3, n, &acc[0], &acc[1], &acc[2], &acc[3], &acc[4], &acc[5],
                       &acc[6], &acc[7], &acc[8], &acc[9], &acc[10], &acc[11], &acc[12], &acc[13], &acc[14], &acc[15]);
        hy_requant_tile(acc, 4, 4, bias, mul, add, shift, lo, hi, y, ldy);
    }
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
    if (!misaligned && steps == 1) {
        /* One step (K = 4, a decode step's attention scores): straight-line
           C on the dot-product intrinsics, so that gcc addresses the four B
           words at offsets of one register (the tile's rows are one pointer
           apart) and schedules the loads with the caller's epilogue; an
           accumulator known to start at zero (the tile's first step, after
           inlining) takes pv.dotsp.b, with no register copy of the zero. */
        const uint32_t x = *(const hy_s8x4_t *)(const void *)a0;
        const uint32_t y0 = *(const hy_s8x4_t *)(const void *)b0, y1 = *(const hy_s8x4_t *)(const void *)b1;
        const uint32_t y2 = *(const hy_s8x4_t *)(const void *)b2, y3 = *(const hy_s8x4_t *)(const void *)b3;
        s00 = HY_DOT_ACC(s00, x, y0);
        s01 = HY_DOT_ACC(s01, x, y1);
        s02 = HY_DOT_ACC(s02, x, y2);
        s03 = HY_DOT_ACC(s03, x, y3);
        k = 4;
    } else if (!misaligned && steps > 0) {
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
            HY_SDOT_1X4
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

/* gemm_int8_sdotp_1x4_kn: for k in [0, n): c[0][j] += a_0[k] * b_j[k * ldb],
 * j < 4 -- one row of A against four adjacent columns of a B stored [K, N]
 * with leading dimension ldb (attention's probabilities x V in a decode
 * step: V is [kv, head size], one word per key row at head size 4). The
 * SIMD dot products need four k of one column in a word, which B has in
 * four words (rows k..k+3); per step of 4 k the fast path loads them (p.lw
 * post-incremented by ldb) and transposes them halfway in registers: one
 * byte swap per pair of rows (6 ALU operations, the three-xor swap)
 * gives words holding two k of two columns, [x0j x1j x0j' x1j'], which
 * pv.sdotsp.b takes against A's two k with the other half zeroed. 5 loads,
 * 16 ALU operations and 8 pv.sdotsp.b per 16 MACs in a hardware loop,
 * against 20 loads and 16 p.mac of the plain loop. Fast path: b_j = b_0 + j,
 * b_0 and ldb word-aligned (A may be misaligned: the core splits the access);
 * otherwise, and for the n % 4 tail, plain C. */
static inline void hy_gemm_s8_1x4_kn(const int8_t *a0, const int8_t *b0, const int8_t *b1, const int8_t *b2,
                                     const int8_t *b3, int32_t n, int32_t ldb, int32_t *c00, int32_t *c01,
                                     int32_t *c02, int32_t *c03) {
    int32_t s00 = *c00, s01 = *c01, s02 = *c02, s03 = *c03;
    int32_t k = 0;
#if HL_XPULP_NATIVE
    const int adjacent = b1 == b0 + 1 && b2 == b0 + 2 && b3 == b0 + 3;
    const uint32_t misaligned = ((uint32_t)(uintptr_t)b0 | (uint32_t)ldb) & 3u;
    const int32_t steps = n >> 2;
    if (adjacent && !misaligned && steps > 0) {
        const int8_t *pa = a0, *pb = b0;
        const uint32_t bytes = 0x00FF00FFu, low = 0x0000FFFFu;
        uint32_t w, r0, r1, r2, r3, t, q0, q1, q2, q3;
        __asm__ volatile(
            HL_LP_STARTI(0, 1f)
            HL_LP_ENDI(0, 2f)
            HL_LP_COUNT(0, "%[steps]")
            "1:\n\t"
            ".insn i 0x0B, 2, %[w], 4(%[pa])\n\t"                 /* p.lw w, 4(pa!): a[k..k+3] */
            ".insn r 0x0B, 7, 0x10, %[r0], %[pb], %[ldb]\n\t"    /* p.lw r0, ldb(pb!): row k */
            ".insn r 0x0B, 7, 0x10, %[r1], %[pb], %[ldb]\n\t"
            ".insn r 0x0B, 7, 0x10, %[r2], %[pb], %[ldb]\n\t"
            ".insn r 0x0B, 7, 0x10, %[r3], %[pb], %[ldb]\n\t"
            /* rows k, k+1: r0 = [x00 x10 x02 x12], r1 = [x01 x11 x03 x13] */
            "srli %[t], %[r0], 8\n\t"
            "xor %[t], %[t], %[r1]\n\t"
            "and %[t], %[t], %[bytes]\n\t"
            "xor %[r1], %[r1], %[t]\n\t"
            "slli %[t], %[t], 8\n\t"
            "xor %[r0], %[r0], %[t]\n\t"
            /* A's two k in one half: q0 = [a0 a1 0 0], q1 = [0 0 a0 a1],
               q2 = [a2 a3 0 0], q3 = [0 0 a2 a3] */
            "and %[q0], %[w], %[low]\n\t"
            "slli %[q1], %[w], 16\n\t"
            "srli %[q2], %[w], 16\n\t"
            "xor %[q3], %[w], %[q0]\n\t"
            /* rows k+2, k+3 likewise */
            "srli %[t], %[r2], 8\n\t"
            "xor %[t], %[t], %[r3]\n\t"
            "and %[t], %[t], %[bytes]\n\t"
            "xor %[r3], %[r3], %[t]\n\t"
            "slli %[t], %[t], 8\n\t"
            "xor %[r2], %[r2], %[t]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s00], %[r0], %[q0]\n\t"   /* pv.sdotsp.b */
            ".insn r 0x57, 1, 0x5C, %[s02], %[r0], %[q1]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s01], %[r1], %[q0]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s03], %[r1], %[q1]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s00], %[r2], %[q2]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s02], %[r2], %[q3]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s01], %[r3], %[q2]\n\t"
            ".insn r 0x57, 1, 0x5C, %[s03], %[r3], %[q3]\n\t"
            "2:\n\t"
            : [pa] "+r"(pa), [pb] "+r"(pb), [s00] "+r"(s00), [s01] "+r"(s01), [s02] "+r"(s02), [s03] "+r"(s03),
              [w] "=&r"(w), [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [t] "=&r"(t),
              [q0] "=&r"(q0), [q1] "=&r"(q1), [q2] "=&r"(q2), [q3] "=&r"(q3)
            : [steps] "r"(steps), [ldb] "r"(ldb), [bytes] "r"(bytes), [low] "r"(low)
            : "memory");
        (void)w, (void)r0, (void)r1, (void)r2, (void)r3, (void)t, (void)q0, (void)q1, (void)q2, (void)q3;
        k = steps << 2;
    }
#endif
    for (; k < n; k++) {
        const int32_t x0 = a0[k];
        const int32_t o = k * ldb;
        s00 += x0 * b0[o];
        s01 += x0 * b1[o];
        s02 += x0 * b2[o];
        s03 += x0 * b3[o];
    }
    *c00 = s00;
    *c01 = s01;
    *c02 = s02;
    *c03 = s03;
}

#endif
