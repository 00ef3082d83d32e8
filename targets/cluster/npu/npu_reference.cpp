#include "npu_reference.h"

namespace halyard::npu {

namespace {
// int32 two's complement arithmetic, as the engine (and generated C on the
// cluster) computes it: wrap instead of overflow.
int32_t wrap(int64_t v) { return (int32_t)(uint32_t)(uint64_t)v; }
}  // namespace

int32_t requantize(int32_t v, int32_t mul, int32_t add, int shift, bool round, int32_t lo, int32_t hi) {
    int32_t x = wrap(wrap((int64_t)v * mul) + (int64_t)add);
    if (round && shift > 0) x = wrap((int64_t)x + (int64_t(1) << (shift - 1)));
    x = x >> shift;  // arithmetic on int32 (C++20, and every compiler Halyard supports)
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
}

std::vector<int32_t> run(const Job &j, const uint8_t *a, const int8_t *b, const int32_t *bias, const int32_t *mul,
                         const int32_t *add) {
    const int as = j.a_stride ? j.a_stride : j.K;
    const int bs = j.b_stride ? j.b_stride : (j.b_trans ? j.K : j.N);
    const int os = j.out_stride ? j.out_stride : j.N;
    std::vector<int32_t> out((size_t)j.M * os, 0);
    for (int m = 0; m < j.M; m++) {
        for (int n = 0; n < j.N; n++) {
            int32_t acc = 0;
            for (int k = 0; k < j.K; k++) {
                const uint8_t ab = a[(size_t)m * as + k];
                const int32_t av = j.a_unsigned ? (int32_t)ab : (int32_t)(int8_t)ab;
                const int32_t bv = j.b_trans ? b[(size_t)n * bs + k] : b[(size_t)k * bs + n];
                acc = wrap((int64_t)acc + av * bv);
            }
            if (j.has_bias) acc = wrap((int64_t)acc + bias[n]);
            if (j.requant) {
                const int c = j.per_channel ? n : 0;
                acc = requantize(acc, mul[c], add[c], j.shift, j.round, j.clip_lo, j.clip_hi);
            }
            out[(size_t)m * os + n] = acc;
        }
    }
    return out;
}

}  // namespace halyard::npu
