/* Division by a divisor that is the same for many dividends (a row's norm in
 * iRMSNorm/iLayerNorm), as a multiplication: the cores' divider takes up to
 * 35 cycles per quotient, a mulhu 5. The backend's multiply_by_reciprocals
 * pass computes hy_sdiv_magic(d) once before the loop and calls
 * hy_sdiv_apply(n, magic) for each n / d in it.
 *
 * The method is Granlund and Montgomery's for unsigned 32-bit division
 * (PLDI 1994, "Division by invariant integers using multiplication", fig.
 * 4.1), on |n| and |d| with the sign put back: for 1 <= d < 2^32 and
 * l = ceil(log2 d), m = floor(2^32 (2^l - d) / d) + 1 (it fits in 32 bits),
 * t = mulhu(m, u), u / d = (t + ((u - t) >> min(l, 1))) >> max(l - 1, 0),
 * exact for every 32-bit u. The quotient rounds to zero (C's / on int32);
 * a divisor of 0 gives 0 (Halide's rule for division by zero). */
#ifndef HALYARD_DIVIDE_H
#define HALYARD_DIVIDE_H

#include <stdint.h>

/* The packed magic of d: m in bits 0-31, min(l, 1) in bit 32, max(l - 1, 0)
 * in bits 40-44, d's sign in bit 63. */
static inline uint64_t hy_sdiv_magic(int32_t d) {
    const uint32_t ad = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    uint32_t l = 0, m, sh1, sh2;
    if (ad == 0) return (uint64_t)1 << 32 | (uint64_t)31 << 40; /* m = 0: (u >> 1) >> 31 = 0 */
    while (l < 32 && ((uint64_t)1 << l) < ad) l++;
    {
        const uint32_t r = (uint32_t)(((uint64_t)1 << l) - ad); /* < ad */
        if (ad < 0x10000u) {
            /* floor(r 2^32 / ad) in two 16-bit steps of 32-bit division. */
            const uint32_t q1 = (r << 16) / ad, r1 = (r << 16) - q1 * ad;
            const uint32_t q0 = (r1 << 16) / ad;
            m = (q1 << 16 | q0) + 1u;
        } else {
            m = (uint32_t)((((uint64_t)r) << 32) / ad) + 1u;
        }
    }
    sh1 = l < 1 ? l : 1;
    sh2 = l > 1 ? l - 1 : 0;
    return (uint64_t)m | (uint64_t)sh1 << 32 | (uint64_t)sh2 << 40 | (uint64_t)(d < 0) << 63;
}

/* n / d, rounded to zero, with magic = hy_sdiv_magic(d). Inside a loop the
 * unpacking is the same every time (gcc moves it out). */
static inline int32_t hy_sdiv_apply(int32_t n, uint64_t magic) {
    const uint32_t m = (uint32_t)magic, sh1 = (uint32_t)(magic >> 32) & 1u, sh2 = (uint32_t)(magic >> 40) & 31u;
    const uint32_t d_neg = 0u - (uint32_t)(magic >> 63);
    const uint32_t n_neg = (uint32_t)(n >> 31);
    const uint32_t u = ((uint32_t)n ^ n_neg) - n_neg;
    const uint32_t t = (uint32_t)(((uint64_t)m * u) >> 32);
    const uint32_t q = (t + ((u - t) >> sh1)) >> sh2;
    const uint32_t s = n_neg ^ d_neg;
    return (int32_t)((q ^ s) - s);
}

#endif
