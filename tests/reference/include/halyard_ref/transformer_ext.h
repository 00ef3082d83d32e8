// Reference for the Transformer ops Deeploy does not define: Halyard's integer
// SiLU and integer RoPE (docs/transformer-ops.md), and the embedding lookup.
// Header-only, plain loops over int64 values, like ops.h.
#pragma once

#include <stdexcept>

#include "halyard_ref/ops.h"

namespace halyard_ref {

// Integer SiLU: iGELU's polynomial form with one = b^2 (the quadratic reaches
// `one` at |x| = -b), L = sgn(x) * (one - (min(|x|, -b) + b)^2),
// y = x * ((one + L) >> 1). y * scale_x / one ~ x * sigmoid(x * scale_x) / scale_x.
inline Tensor isilu(const Tensor &x, int64_t b) {
    if (b >= 0) throw std::invalid_argument("iSiLU: b must be negative");
    const int64_t one = b * b;
    Tensor y(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i) {
        const int64_t v = x.data[i];
        const int64_t sign = v > 0 ? 1 : v < 0 ? -1 : 0;
        int64_t q = v < 0 ? -v : v;
        if (q > -b) q = -b;
        const int64_t d = q + b;
        const int64_t L = sign * (one - d * d);
        y.data[i] = v * ((one + L) >> 1);  // arithmetic shift (floor)
    }
    return y;
}

// Integer rotary position embedding. x [..., T, D] (D even), pos [T],
// cos/sin [P, D/2] in Q`frac_bits`. Pairs are (i, i + D/2), or (2i, 2i+1)
// when `interleaved`; p = clamp(pos[t], 0, P-1); results clipped to int8:
//   y1 = (x1 c - x2 s + 2^(F-1)) >> F,  y2 = (x1 s + x2 c + 2^(F-1)) >> F.
inline Tensor rope(const Tensor &x, const Tensor &pos, const Tensor &cos, const Tensor &sin, int64_t frac_bits,
                   bool interleaved) {
    if (x.rank() < 2) throw std::invalid_argument("RoPE: x needs rank >= 2");
    const int64_t T = x.dim(-2), D = x.dim(-1), half = D / 2;
    if (D % 2 != 0) throw std::invalid_argument("RoPE: odd head dimension");
    if (pos.size() != T) throw std::invalid_argument("RoPE: pos must have T entries");
    if (cos.rank() != 2 || cos.dim(1) != half || sin.shape != cos.shape)
        throw std::invalid_argument("RoPE: cos/sin must be [P, D/2]");
    const int64_t P = cos.dim(0);
    Tensor y(x.shape);
    const int64_t round = int64_t(1) << (frac_bits - 1);
    for (int64_t base = 0; base < x.size(); base += T * D) {
        for (int64_t t = 0; t < T; ++t) {
            const int64_t p = clip(pos.data[size_t(t)], 0, P - 1);
            for (int64_t i = 0; i < half; ++i) {
                const int64_t i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
                const int64_t x1 = x.data[size_t(base + t * D + i1)], x2 = x.data[size_t(base + t * D + i2)];
                const int64_t c = cos.data[size_t(p * half + i)], s = sin.data[size_t(p * half + i)];
                y.data[size_t(base + t * D + i1)] = clip((x1 * c - x2 * s + round) >> frac_bits, -128, 127);
                y.data[size_t(base + t * D + i2)] = clip((x1 * s + x2 * c + round) >> frac_bits, -128, 127);
            }
        }
    }
    return y;
}

// Embedding lookup: y[t, :] = table[clamp(ids[t], 0, V-1), :].
inline Tensor embedding(const Tensor &table, const Tensor &ids) {
    if (table.rank() != 2) throw std::invalid_argument("Embedding: table must be [vocab, dim]");
    const int64_t V = table.dim(0), D = table.dim(1);
    Tensor y({ids.size(), D});
    for (int64_t t = 0; t < ids.size(); ++t) {
        const int64_t row = clip(ids.data[size_t(t)], 0, V - 1);
        for (int64_t d = 0; d < D; ++d) y.data[size_t(t * D + d)] = table.data[size_t(row * D + d)];
    }
    return y;
}

}  // namespace halyard_ref
