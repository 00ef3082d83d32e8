// Plain loops for RequantShift, Gemm, MatMul, Add, Mul, Concat, Transpose, Reshape.
#include "halyard_ref/ops.h"

#include <algorithm>
#include <stdexcept>

namespace halyard_ref {

namespace {
[[noreturn]] void bad(const std::string &op, const std::string &what) { throw std::invalid_argument(op + ": " + what); }

std::string shp(const std::vector<int64_t> &s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
}

int64_t prod(const std::vector<int64_t> &s) {
    int64_t n = 1;
    for (int64_t d : s) n *= d;
    return n;
}
int64_t prod(const std::vector<int64_t> &s, size_t from, size_t to) {
    int64_t n = 1;
    for (size_t i = from; i < to && i < s.size(); ++i) n *= s[i];
    return n;
}
}  // namespace

Tensor::Tensor(std::vector<int64_t> s, std::vector<int64_t> d) : shape(std::move(s)), data(std::move(d)) {
    if (int64_t(data.size()) != prod(shape))
        bad("Tensor", "data has " + std::to_string(data.size()) + " values, shape " + shp(shape) + " needs " +
                          std::to_string(prod(shape)));
}

Tensor::Tensor(std::vector<int64_t> s, int64_t fill) : shape(std::move(s)), data(size_t(prod(shape)), fill) {}

int64_t Tensor::size() const { return prod(shape); }

int64_t Tensor::dim(int64_t i) const {
    if (i < 0) i += rank();
    if (i < 0 || i >= rank()) bad("Tensor", "dim " + std::to_string(i) + " out of range for shape " + shp(shape));
    return shape[size_t(i)];
}

std::string Tensor::shape_str() const { return shp(shape); }

std::vector<int64_t> broadcast_shapes(const std::vector<int64_t> &a, const std::vector<int64_t> &b,
                                      const std::string &op) {
    const size_t r = std::max(a.size(), b.size());
    std::vector<int64_t> out(r);
    for (size_t i = 0; i < r; ++i) {
        const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (da != db && da != 1 && db != 1) bad(op, "shapes " + shp(a) + " and " + shp(b) + " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

Tensor broadcast_to(const Tensor &t, const std::vector<int64_t> &shape, const std::string &op) {
    if (broadcast_shapes(t.shape, shape, op) != shape)
        bad(op, "cannot broadcast " + t.shape_str() + " to " + shp(shape));
    const size_t r = shape.size(), off = r - t.shape.size();
    // Strides of t in the output's index space (0 along broadcast dims).
    std::vector<int64_t> stride(r, 0);
    int64_t s = 1;
    for (size_t i = t.shape.size(); i-- > 0;) {
        stride[i + off] = t.shape[i] == 1 ? 0 : s;
        s *= t.shape[i];
    }
    Tensor out(shape);
    std::vector<int64_t> idx(r, 0);
    for (int64_t n = 0; n < out.size(); ++n) {
        int64_t src = 0;
        for (size_t d = 0; d < r; ++d) src += idx[d] * stride[d];
        out.data[size_t(n)] = t.data[size_t(src)];
        for (size_t d = r; d-- > 0;) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
        }
    }
    return out;
}

int64_t qmin(int64_t n_levels, bool is_signed) { return is_signed ? -(n_levels / 2) : 0; }
int64_t qmax(int64_t n_levels, bool is_signed) { return is_signed ? n_levels / 2 - 1 : n_levels - 1; }
int64_t clip(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

int64_t log2_exact(int64_t div, const std::string &op) {
    if (div <= 0 || (div & (div - 1)) != 0) bad(op, "div " + std::to_string(div) + " is not a positive power of two");
    int64_t l = 0;
    while ((int64_t(1) << l) != div) ++l;
    return l;
}

Tensor requant_shift(const Tensor &x, const RequantParams &rq) {
    const std::string op = "RequantShift";
    if (rq.log2D < 0 || rq.log2D > 62) bad(op, "log2D " + std::to_string(rq.log2D) + " out of range");
    if (rq.n_levels < 2) bad(op, "n_levels " + std::to_string(rq.n_levels) + " < 2");
    // mul/add must broadcast to x without growing it.
    const Tensor mul = broadcast_to(rq.mul, x.shape, op + " (mul " + rq.mul.shape_str() + " vs x " + x.shape_str() + ")");
    const Tensor add = broadcast_to(rq.add, x.shape, op + " (add " + rq.add.shape_str() + " vs x " + x.shape_str() + ")");
    const int64_t lo = qmin(rq.n_levels, rq.is_signed), hi = qmax(rq.n_levels, rq.is_signed);
    const int64_t half = (rq.rounding && rq.log2D > 0) ? (int64_t(1) << (rq.log2D - 1)) : 0;
    Tensor y(x.shape);
    for (size_t i = 0; i < x.data.size(); ++i) {
        int64_t acc = x.data[i] * mul.data[i] + add.data[i] + half;
        acc >>= rq.log2D;  // arithmetic shift: floor division (C++20-defined, gcc/clang always)
        y.data[i] = clip(acc, lo, hi);
    }
    return y;
}

// Batched matrix product core shared by gemm and matmul: a is [..., M, N], b is
// [..., N, O] (already transposed as needed), batch dims broadcast.
static Tensor batched_matmul(const Tensor &a, const Tensor &b, const std::string &op) {
    if (a.rank() < 2 || b.rank() < 2) bad(op, "operands must have rank >= 2, got " + a.shape_str() + " and " + b.shape_str());
    const int64_t M = a.dim(-2), N = a.dim(-1), N2 = b.dim(-2), O = b.dim(-1);
    if (N != N2) bad(op, "inner dimensions differ: " + a.shape_str() + " x " + b.shape_str());
    std::vector<int64_t> ba(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2);
    std::vector<int64_t> batch = broadcast_shapes(ba, bb, op + " batch dims");
    std::vector<int64_t> sa = batch, sb = batch;
    sa.push_back(M); sa.push_back(N);
    sb.push_back(N); sb.push_back(O);
    const Tensor A = broadcast_to(a, sa, op), B = broadcast_to(b, sb, op);
    std::vector<int64_t> so = batch;
    so.push_back(M); so.push_back(O);
    Tensor Y(so);
    const int64_t nb = prod(batch);
    for (int64_t bi = 0; bi < nb; ++bi) {
        const int64_t *pa = A.data.data() + bi * M * N;
        const int64_t *pb = B.data.data() + bi * N * O;
        int64_t *py = Y.data.data() + bi * M * O;
        for (int64_t m = 0; m < M; ++m)
            for (int64_t o = 0; o < O; ++o) {
                int64_t s = 0;
                for (int64_t n = 0; n < N; ++n) s += pa[m * N + n] * pb[n * O + o];
                py[m * O + o] = s;
            }
    }
    return Y;
}

static Tensor swap_last2(const Tensor &t, const std::string &op) {
    if (t.rank() < 2) bad(op, "cannot transpose rank-" + std::to_string(t.rank()) + " operand");
    std::vector<int64_t> perm(size_t(t.rank()));
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = int64_t(i);
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    return transpose(t, perm);
}

Tensor gemm(const Tensor &A, const Tensor &B, const Tensor *C, int64_t alpha, int64_t beta, bool transA, bool transB,
            const RequantParams *rq) {
    const std::string op = "Gemm";
    const Tensor a = transA ? swap_last2(A, op + " transA") : A;
    const Tensor b = transB ? swap_last2(B, op + " transB") : B;
    Tensor y = batched_matmul(a, b, op);
    for (auto &v : y.data) v *= alpha;
    if (C) {
        // C must broadcast to the result without changing its shape.
        const Tensor c = broadcast_to(*C, y.shape, op + " (C " + C->shape_str() + " vs Y " + y.shape_str() + ")");
        for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += beta * c.data[i];
    }
    return rq ? requant_shift(y, *rq) : y;
}

Tensor matmul(const Tensor &A, const Tensor &B, const RequantParams *rq) {
    const std::string op = "MatMul";
    Tensor a = A, b = B;
    const bool a1 = A.rank() == 1, b1 = B.rank() == 1;
    if (a1) a.shape = {1, A.shape[0]};
    if (b1) b.shape = {B.shape[0], 1};
    Tensor y = batched_matmul(a, b, op);
    if (a1) y.shape.erase(y.shape.end() - 2);
    if (b1) y.shape.erase(y.shape.end() - 1);
    return rq ? requant_shift(y, *rq) : y;
}

Tensor add(const Tensor &a, const Tensor &b, const RequantParams *rq) {
    const std::vector<int64_t> s = broadcast_shapes(a.shape, b.shape, "Add");
    const Tensor A = broadcast_to(a, s, "Add"), B = broadcast_to(b, s, "Add");
    Tensor y(s);
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = A.data[i] + B.data[i];
    return rq ? requant_shift(y, *rq) : y;
}

Tensor rq_add(const Tensor &a, const Tensor &b, const RequantParams *rq_a, const RequantParams *rq_b,
              const RequantParams *rq_out) {
    const Tensor a2 = rq_a ? requant_shift(a, *rq_a) : a;
    const Tensor b2 = rq_b ? requant_shift(b, *rq_b) : b;
    return add(a2, b2, rq_out);
}

Tensor mul(const Tensor &a, const Tensor &b, const RequantParams *rq) {
    const std::vector<int64_t> s = broadcast_shapes(a.shape, b.shape, "Mul");
    const Tensor A = broadcast_to(a, s, "Mul"), B = broadcast_to(b, s, "Mul");
    Tensor y(s);
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = A.data[i] * B.data[i];
    return rq ? requant_shift(y, *rq) : y;
}

Tensor concat(const std::vector<Tensor> &inputs, int64_t axis) {
    const std::string op = "Concat";
    if (inputs.empty()) bad(op, "no inputs");
    const int64_t r = inputs[0].rank();
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) bad(op, "axis out of range for rank " + std::to_string(r));
    std::vector<int64_t> s = inputs[0].shape;
    s[size_t(axis)] = 0;
    for (const auto &t : inputs) {
        if (t.rank() != r) bad(op, "rank mismatch: " + t.shape_str() + " vs " + inputs[0].shape_str());
        for (int64_t d = 0; d < r; ++d)
            if (d != axis && t.shape[size_t(d)] != inputs[0].shape[size_t(d)])
                bad(op, "shape mismatch off the axis: " + t.shape_str() + " vs " + inputs[0].shape_str());
        s[size_t(axis)] += t.shape[size_t(axis)];
    }
    const int64_t outer = prod(s, 0, size_t(axis)), inner = prod(s, size_t(axis) + 1, s.size());
    Tensor y(s);
    int64_t pos = 0;
    const int64_t out_row = s[size_t(axis)] * inner;
    for (const auto &t : inputs) {
        const int64_t row = t.shape[size_t(axis)] * inner;
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t k = 0; k < row; ++k) y.data[size_t(o * out_row + pos + k)] = t.data[size_t(o * row + k)];
        pos += row;
    }
    return y;
}

Tensor transpose(const Tensor &x, const std::vector<int64_t> &perm_in) {
    const std::string op = "Transpose";
    const size_t r = x.shape.size();
    std::vector<int64_t> perm = perm_in;
    if (perm.empty())
        for (size_t i = 0; i < r; ++i) perm.push_back(int64_t(r - 1 - i));
    if (perm.size() != r) bad(op, "perm size " + std::to_string(perm.size()) + " != rank " + std::to_string(r));
    std::vector<bool> seen(r, false);
    for (int64_t p : perm) {
        if (p < 0 || size_t(p) >= r || seen[size_t(p)]) bad(op, "invalid perm");
        seen[size_t(p)] = true;
    }
    std::vector<int64_t> in_stride(r, 1);
    for (size_t i = r; i-- > 1;) in_stride[i - 1] = in_stride[i] * x.shape[i];
    std::vector<int64_t> s(r);
    for (size_t i = 0; i < r; ++i) s[i] = x.shape[size_t(perm[i])];
    Tensor y(s);
    std::vector<int64_t> idx(r, 0);
    for (int64_t n = 0; n < y.size(); ++n) {
        int64_t src = 0;
        for (size_t d = 0; d < r; ++d) src += idx[d] * in_stride[size_t(perm[d])];
        y.data[size_t(n)] = x.data[size_t(src)];
        for (size_t d = r; d-- > 0;) {
            if (++idx[d] < s[d]) break;
            idx[d] = 0;
        }
    }
    return y;
}

Tensor reshape(const Tensor &x, const std::vector<int64_t> &shape_in) {
    std::vector<int64_t> s = shape_in;
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == 0) s[i] = x.dim(int64_t(i));
        if (s[i] == -1) {
            if (infer >= 0) bad("Reshape", "more than one -1");
            infer = int64_t(i);
        } else known *= s[i];
    }
    if (infer >= 0) s[size_t(infer)] = known ? x.size() / known : 0;
    if (prod(s) != x.size()) bad("Reshape", "cannot reshape " + x.shape_str() + " to " + shp(s));
    return Tensor(s, x.data);
}

}  // namespace halyard_ref
