// Deeploy's integer nonlinear operators, written as plain loops.
// Formulas and sources: docs/deeploy-semantics.md, section "Second priority".
// Where Deeploy's C kernel relies on a narrowing cast or int32 wrap-around, the
// reference emulates it explicitly and says so; where Deeploy's kernel would
// write an out-of-range value through an int8 cast, the reference clips to the
// n_levels range instead (documented per op).
#include <stdexcept>

#include "halyard_ref/ops.h"

namespace halyard_ref {

namespace {
[[noreturn]] void bad(const std::string &op, const std::string &what) { throw std::invalid_argument(op + ": " + what); }

// Rows over the last axis: returns (rows, lastDim).
std::pair<int64_t, int64_t> rows_of(const Tensor &x, const std::string &op) {
    if (x.rank() < 1) bad(op, "needs rank >= 1");
    const int64_t n = x.dim(-1);
    if (n <= 0) bad(op, "empty last dimension");
    return {x.size() / n, n};
}

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// Deeploy's _plp_sqrt_q32 with fracBits = 0 (binary search, int32 products
// wrap like the C code on RV32/x86): floor(sqrt(number)) for number > 0 up to
// ~2^31 - 2^17, 0 for number <= 0.
int64_t deeploy_isqrt(int64_t number64) {
    const int32_t number = wrap32(number64);
    if (number <= 0) return 0;
    int32_t root = 0, start = 0, end = 46342, mid;
    while (start <= end) {
        mid = (start + end) >> 1;
        const int32_t sq = wrap32(int64_t(mid) * mid);
        if (sq == number) { root = mid; break; }
        if (sq < number) { start = mid + 1; root = mid; }
        else end = mid - 1;
    }
    return root;
}
}  // namespace

// ------------------------------------------------------------------ iSoftmax
Tensor isoftmax(const Tensor &x, int64_t coeffA, int64_t coeffB, int64_t coeffC, int64_t log2, int64_t n_levels,
                const Tensor *lengths, bool int16_input) {
    const std::string op = "iSoftmax";
    if (log2 <= 0) bad(op, "log2 must be > 0");
    const auto [rows, n] = rows_of(x, op);
    std::vector<int64_t> row_len(static_cast<size_t>(rows), n);
    if (lengths) {
        const std::vector<int64_t> row_shape(x.shape.begin(), x.shape.end() - 1);
        const Tensor lb = broadcast_to(*lengths, row_shape, op + " (lengths " + lengths->shape_str() + ")");
        for (int64_t r = 0; r < rows; ++r) row_len[size_t(r)] = clip(lb.data[size_t(r)], 0, n);
    }
    Tensor y(x.shape);
    std::vector<uint32_t> e(static_cast<size_t>(n));
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *in = x.data.data() + r * n;
        const int64_t len = row_len[size_t(r)];
        if (len == 0) {
            for (int64_t j = 0; j < n; ++j) y.data[size_t(r * n + j)] = 0;
            continue;
        }
        int64_t xmax = int16_input ? -32768 : -128;  // Deeploy starts the max search at INT8_MIN
        for (int64_t j = 0; j < len; ++j) xmax = std::max(xmax, in[j]);
        uint32_t sum = 0;
        for (int64_t j = 0; j < len; ++j) {
            const int64_t xt = in[j] - xmax;                          // <= 0
            int64_t z = -(xt / log2);                                   // C truncating division
            const bool underflow = int16_input && z > 31;               // Halyard's int16 form: exp -> 0
            if (!int16_input) z = int8_t(z);                            // Deeploy's int8 cast
            z = clip(z, 0, 31);
            const int64_t p = int16_input ? xt + z * log2 : int16_t(xt + z * log2);
            const int64_t q = p + coeffB;
            const int64_t poly = int64_t(wrap32(coeffA * wrap32(q * q))) + coeffC;
            e[size_t(j)] = underflow ? 0 : uint32_t(uint64_t(poly) >> z);
            sum += e[size_t(j)];
        }
        if (sum == 0) bad(op, "row " + std::to_string(r) + " sums to zero");
        for (int64_t j = 0; j < n; ++j)
            y.data[size_t(r * n + j)] = j < len ? int64_t(uint32_t(e[size_t(j)] * uint32_t(n_levels - 1)) / sum) : 0;
    }
    return y;
}

// -------------------------------------------------------------------- ITAMax
Tensor itamax(const Tensor &x, int64_t n_levels) {
    const std::string op = "ITAMax";
    const auto [rows, n] = rows_of(x, op);
    Tensor y(x.shape);
    std::vector<uint32_t> shift(static_cast<size_t>(n));
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *in = x.data.data() + r * n;
        int64_t xmax = -128;
        for (int64_t j = 0; j < n; ++j) xmax = std::max(xmax, in[j]);
        uint32_t exp_sum = 0;
        for (int64_t j = 0; j < n; ++j) {
            shift[size_t(j)] = uint8_t((xmax - in[j] + 16) >> 5);
            exp_sum += shift[size_t(j)] >= 32 ? 0u : (256u >> shift[size_t(j)]);
        }
        const uint32_t inv = uint32_t(n_levels - 1) * 256u / exp_sum;
        for (int64_t j = 0; j < n; ++j)
            y.data[size_t(r * n + j)] = shift[size_t(j)] >= 32 ? 0 : int64_t(inv >> shift[size_t(j)]);
    }
    return y;
}

// ------------------------------------------------------------- ITAPartialMax
Tensor itapartialmax(const Tensor &x, int64_t group_width, int64_t n_levels) {
    const std::string op = "ITAPartialMax";
    const auto [rows, n] = rows_of(x, op);
    if (group_width <= 0) bad(op, "group_width must be > 0");
    auto sh = [](int64_t diff) { return uint32_t(uint8_t((diff + 16) >> 5)); };
    auto pow_shift = [](uint32_t base, uint32_t s) { return s >= 32 ? 0u : (base >> s); };
    Tensor y(x.shape);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *in = x.data.data() + r * n;
        uint32_t partial = 0;
        int64_t gmax = -128;
        for (int64_t g = 0; g < n / group_width; ++g) {
            int64_t cmax = -128;
            for (int64_t k = 0; k < group_width; ++k) cmax = std::max(cmax, in[g * group_width + k]);
            const int64_t max_shift = (cmax - gmax + 16) >> 5;
            const int64_t shift_sum = cmax > gmax ? max_shift : 0;
            gmax = std::max(gmax, cmax);
            uint32_t exp_sum = 0;
            for (int64_t k = 0; k < group_width; ++k) exp_sum += pow_shift(256u, sh(gmax - in[g * group_width + k]));
            partial = uint32_t(shift_sum >= 32 ? 0u : (partial >> shift_sum)) + exp_sum;
        }
        if (partial == 0) bad(op, "row " + std::to_string(r) + ": empty sum (last dim < group_width?)");
        const uint32_t inv = uint32_t(n_levels / 2 - 1) * 256u / partial;
        for (int64_t j = 0; j < n; ++j) y.data[size_t(r * n + j)] = int64_t(pow_shift(inv, sh(gmax - in[j])));
    }
    return y;
}

// ------------------------------------------------------------------ iRMSNorm
Tensor irmsnorm(const Tensor &x, const Tensor &weight, int64_t log2D, int64_t n_levels) {
    const std::string op = "iRMSNorm";
    const auto [rows, n] = rows_of(x, op);
    if (weight.size() != n) bad(op, "weight has " + std::to_string(weight.size()) + " values, last dim is " + std::to_string(n));
    Tensor y(x.shape);
    const int64_t lo = qmin(n_levels, true), hi = qmax(n_levels, true);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *in = x.data.data() + r * n;
        int64_t sum = 0;
        for (int64_t j = 0; j < n; ++j) sum += int64_t(int16_t(in[j])) * int16_t(in[j]);
        sum = sum / n + 1;
        const int64_t std_ = deeploy_isqrt(sum);
        if (std_ == 0) bad(op, "zero standard deviation");
        for (int64_t j = 0; j < n; ++j) {
            const int64_t v = (in[j] * weight.data[size_t(j)]) / std_;  // C: truncating division
            y.data[size_t(r * n + j)] = clip(v >> log2D, lo, hi);      // arithmetic shift
        }
    }
    return y;
}

// ---------------------------------------------------------------- iLayerNorm
Tensor ilayernorm(const Tensor &x, const Tensor &weight, const Tensor &bias, int64_t log2D, int64_t n_levels) {
    const std::string op = "iLayerNorm";
    const auto [rows, n] = rows_of(x, op);
    if (weight.size() != n || bias.size() != n) bad(op, "weight/bias must have last-dim length " + std::to_string(n));
    Tensor y(x.shape);
    const int64_t lo = qmin(n_levels, true), hi = qmax(n_levels, true);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *in = x.data.data() + r * n;
        int64_t mean = 0;
        for (int64_t j = 0; j < n; ++j) mean += in[j];
        mean /= n;  // truncates toward zero, as in C
        int64_t sum = 0;
        for (int64_t j = 0; j < n; ++j) {
            const int64_t t = int16_t(in[j] - mean);
            sum += t * t;
        }
        sum = sum / n + 1;
        const int64_t std_ = deeploy_isqrt(sum);
        if (std_ == 0) bad(op, "zero standard deviation");
        for (int64_t j = 0; j < n; ++j) {
            const int64_t v = ((in[j] - mean) * weight.data[size_t(j)]) / std_ + bias.data[size_t(j)];
            y.data[size_t(r * n + j)] = clip(v >> log2D, lo, hi);
        }
    }
    return y;
}

// --------------------------------------------------------------------- iGELU
Tensor igelu(const Tensor &x, int64_t b, int64_t one) {
    Tensor y(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i) {
        const int64_t v = x.data[i];
        const int64_t sign = (v > 0) - (v < 0);
        const int64_t a = sign * v;
        const int64_t q = a > -b ? -b : a;  // min(|x|, -b)
        const int64_t d = q + b;
        const int64_t L = sign * (-(d * d) + one);
        y.data[i] = v * ((one + L) >> 1);
    }
    return y;
}

// ---------------------------------------------------------------- iHardswish
Tensor ihardswish(const Tensor &x, int64_t one_over_six, int64_t six, int64_t three) {
    Tensor y(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i) {
        const int64_t t = clip(x.data[i] + three, 0, six) * one_over_six;
        y.data[i] = x.data[i] * t;
    }
    return y;
}

// ------------------------------------------------------------ IntegerDiv
Tensor integer_div(const Tensor &A, const Tensor &B, int64_t Delta, int64_t eps, int64_t eta) {
    const std::string op = "IntegerDiv";
    const Tensor b = broadcast_to(B, A.shape, op + " (B " + B.shape_str() + " vs A " + A.shape_str() + ")");
    Tensor y(A.shape);
    for (size_t i = 0; i < A.data.size(); ++i) {
        const int64_t denom = eta * b.data[i] + eps;
        if (denom == 0) bad(op, "zero denominator at element " + std::to_string(i));
        const int64_t nom = Delta * eta * A.data[i];
        const int64_t sgn = (nom >= 0) - (nom < 0);
        y.data[i] = (nom + sgn * (denom >> 1)) / denom;  // C truncating division: rounds half away from zero
    }
    return y;
}

// ------------------------------------------------------------ TrueIntegerDiv
Tensor true_integer_div(const Tensor &x, int64_t yv, int64_t Delta, int64_t eps, int64_t eta) {
    const std::string op = "TrueIntegerDiv";
    const int64_t denom = eta * yv + eps;
    if (denom == 0) bad(op, "zero denominator eta*y + eps");
    Tensor out(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i) {
        const int64_t nom = Delta * eta * x.data[i];
        int64_t q = nom / denom;
        if ((nom % denom != 0) && ((nom < 0) != (denom < 0))) --q;  // floor
        out.data[i] = q;
    }
    return out;
}

// ------------------------------------------------------------------- iNoNorm
Tensor inonorm(const Tensor &x, const Tensor &weight, const Tensor &bias, int64_t mul, int64_t log2D, int64_t n_levels) {
    const std::string op = "iNoNorm";
    const Tensor w = broadcast_to(weight, x.shape, op + " (weight " + weight.shape_str() + " vs x " + x.shape_str() + ")");
    const Tensor b = broadcast_to(bias, x.shape, op + " (bias " + bias.shape_str() + " vs x " + x.shape_str() + ")");
    const int64_t lo = qmin(n_levels, true), hi = qmax(n_levels, true);
    Tensor y(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i)
        y.data[i] = clip(((x.data[i] * w.data[i] + b.data[i]) * mul) >> log2D, lo, hi);
    return y;
}

}  // namespace halyard_ref
