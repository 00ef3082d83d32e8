// Plain loops for Sub, ReduceSum, ReduceMean (= IntegerMean), Slice, Pad and
// Gather. Deeploy sources read (pulp-platform/Deeploy, no code copied):
// Deeploy/Targets/Generic/Templates/{SubTemplate,ReduceSumTemplate,
// ReduceMeanTemplate,SliceTemplate,PadTemplate,GatherTemplate}.py and the
// parsers in Deeploy/Targets/Generic/Parsers.py. Where Deeploy's kernels cover
// only a special case, these loops implement the ONNX operator in general.
#include <algorithm>
#include <stdexcept>

#include "halyard_ref/ops.h"

namespace halyard_ref {

namespace {

[[noreturn]] void bad(const std::string &op, const std::string &what) { throw std::invalid_argument(op + ": " + what); }

std::vector<int64_t> strides_of(const std::vector<int64_t> &shape) {
    std::vector<int64_t> st(shape.size(), 1);
    for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i) st[size_t(i)] = st[size_t(i + 1)] * shape[size_t(i + 1)];
    return st;
}

// Visit every multi-index of `shape` in row-major order.
template <class F>
void for_each_index(const std::vector<int64_t> &shape, F f) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<int64_t> idx(shape.size(), 0);
    for (int64_t flat = 0; flat < n; ++flat) {
        f(idx, flat);
        for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
            if (++idx[size_t(d)] < shape[size_t(d)]) break;
            idx[size_t(d)] = 0;
        }
    }
}

std::vector<bool> reduced_axes(const Tensor &x, const std::vector<int64_t> &axes, const std::string &op) {
    std::vector<bool> red(size_t(x.rank()), axes.empty());
    for (int64_t a : axes) {
        const int64_t d = a < 0 ? a + x.rank() : a;
        if (d < 0 || d >= x.rank()) bad(op, "axis " + std::to_string(a) + " out of range for " + x.shape_str());
        if (red[size_t(d)]) bad(op, "axis " + std::to_string(a) + " given twice");
        red[size_t(d)] = true;
    }
    return red;
}

// Sums over the reduced axes; returns the sums and the number of reduced elements.
Tensor reduce_sums(const Tensor &x, const std::vector<int64_t> &axes, bool keepdims, const std::string &op,
                   int64_t *count) {
    const std::vector<bool> red = reduced_axes(x, axes, op);
    std::vector<int64_t> keep_shape, out_shape;
    int64_t L = 1;
    for (size_t d = 0; d < red.size(); ++d) {
        keep_shape.push_back(red[d] ? 1 : x.shape[d]);
        if (red[d]) L *= x.shape[d];
        if (!red[d] || keepdims) out_shape.push_back(keep_shape.back());
    }
    Tensor y(keep_shape, 0);
    const std::vector<int64_t> ost = strides_of(keep_shape);
    for_each_index(x.shape, [&](const std::vector<int64_t> &idx, int64_t flat) {
        int64_t o = 0;
        for (size_t d = 0; d < idx.size(); ++d) o += (red[d] ? 0 : idx[d]) * ost[d];
        y.data[size_t(o)] += x.data[size_t(flat)];
    });
    y.shape = out_shape;
    *count = L;
    return y;
}

}  // namespace

Tensor sub(const Tensor &a, const Tensor &b, const RequantParams *rq) {
    const std::vector<int64_t> shape = broadcast_shapes(a.shape, b.shape, "Sub");
    const Tensor A = broadcast_to(a, shape, "Sub"), B = broadcast_to(b, shape, "Sub");
    Tensor y(shape);
    for (int64_t i = 0; i < y.size(); ++i) y.data[size_t(i)] = A.data[size_t(i)] - B.data[size_t(i)];
    return rq ? requant_shift(y, *rq) : y;
}

Tensor reduce_sum(const Tensor &x, const std::vector<int64_t> &axes, bool keepdims) {
    int64_t L = 0;
    return reduce_sums(x, axes, keepdims, "ReduceSum", &L);
}

Tensor reduce_mean(const Tensor &x, const std::vector<int64_t> &axes, bool keepdims) {
    int64_t L = 0;
    Tensor y = reduce_sums(x, axes, keepdims, "ReduceMean", &L);
    int shift = 0;
    while ((int64_t(1) << shift) < L) ++shift;
    const bool pow2 = (int64_t(1) << shift) == L;
    for (int64_t &v : y.data) {
        if (L == 1) continue;
        if (!keepdims && pow2) {
            v = (v + (int64_t(1) << (shift - 1))) >> shift;  // arithmetic shift: floor
        } else {
            const int64_t sgn = v >= 0 ? 1 : -1;
            v = (v + sgn * (L >> 1)) / L;  // C division: truncates toward zero
        }
    }
    return y;
}

Tensor slice(const Tensor &x, const std::vector<int64_t> &starts, const std::vector<int64_t> &ends,
             const std::vector<int64_t> &axes_in, const std::vector<int64_t> &steps_in) {
    const std::string op = "Slice";
    if (starts.size() != ends.size()) bad(op, "starts and ends differ in length");
    std::vector<int64_t> axes = axes_in, steps = steps_in;
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size()) bad(op, "axes/steps length differs from starts");
    const int64_t r = x.rank();
    std::vector<int64_t> first(size_t(r), 0), step(size_t(r), 1), out_shape = x.shape;
    std::vector<bool> seen(size_t(r), false);
    for (size_t i = 0; i < starts.size(); ++i) {
        const int64_t d = axes[i] < 0 ? axes[i] + r : axes[i];
        if (d < 0 || d >= r || seen[size_t(d)]) bad(op, "bad axis " + std::to_string(axes[i]));
        seen[size_t(d)] = true;
        const int64_t dim = x.shape[size_t(d)], st = steps[i];
        if (st == 0) bad(op, "step 0");
        int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
        int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
        if (st > 0) {
            b = std::min(std::max<int64_t>(b, 0), dim);
            e = std::min(std::max<int64_t>(e, 0), dim);
        } else {
            b = std::min(std::max<int64_t>(b, 0), dim - 1);
            e = std::min(std::max<int64_t>(e, -1), dim - 1);
        }
        int64_t len = 0;
        if (st > 0) {
            for (int64_t k = b; k < e; k += st) ++len;
        } else {
            for (int64_t k = b; k > e; k += st) ++len;
        }
        out_shape[size_t(d)] = len;
        first[size_t(d)] = b;
        step[size_t(d)] = st;
    }
    Tensor y(out_shape);
    const std::vector<int64_t> ist = strides_of(x.shape);
    for_each_index(out_shape, [&](const std::vector<int64_t> &idx, int64_t flat) {
        int64_t o = 0;
        for (size_t d = 0; d < idx.size(); ++d) o += (first[d] + idx[d] * step[d]) * ist[d];
        y.data[size_t(flat)] = x.data[size_t(o)];
    });
    return y;
}

Tensor pad(const Tensor &x, const std::vector<int64_t> &pads, int64_t value) {
    const std::string op = "Pad";
    const size_t r = size_t(x.rank());
    if (pads.size() != 2 * r) bad(op, "pads has " + std::to_string(pads.size()) + " values for rank " + std::to_string(r));
    std::vector<int64_t> out_shape(r);
    for (size_t d = 0; d < r; ++d) {
        if (pads[d] < 0 || pads[d + r] < 0) bad(op, "negative pads are not modelled");
        out_shape[d] = x.shape[d] + pads[d] + pads[d + r];
    }
    Tensor y(out_shape, value);
    const std::vector<int64_t> ost = strides_of(out_shape);
    for_each_index(x.shape, [&](const std::vector<int64_t> &idx, int64_t flat) {
        int64_t o = 0;
        for (size_t d = 0; d < r; ++d) o += (idx[d] + pads[d]) * ost[d];
        y.data[size_t(o)] = x.data[size_t(flat)];
    });
    return y;
}

Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis_in) {
    const std::string op = "Gather";
    const int64_t r = x.rank();
    const int64_t axis = axis_in < 0 ? axis_in + r : axis_in;
    if (axis < 0 || axis >= r) bad(op, "axis " + std::to_string(axis_in) + " out of range for " + x.shape_str());
    const int64_t dim = x.shape[size_t(axis)];
    std::vector<int64_t> out_shape(x.shape.begin(), x.shape.begin() + axis);
    out_shape.insert(out_shape.end(), indices.shape.begin(), indices.shape.end());
    out_shape.insert(out_shape.end(), x.shape.begin() + axis + 1, x.shape.end());
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[size_t(d)];
    for (int64_t d = axis + 1; d < r; ++d) inner *= x.shape[size_t(d)];
    Tensor y(out_shape);
    const int64_t ni = indices.size();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t k = 0; k < ni; ++k) {
            int64_t idx = indices.data[size_t(k)];
            if (idx < -dim || idx >= dim) bad(op, "index " + std::to_string(idx) + " out of range for axis extent " + std::to_string(dim));
            if (idx < 0) idx += dim;
            for (int64_t i = 0; i < inner; ++i)
                y.data[size_t((o * ni + k) * inner + i)] = x.data[size_t((o * dim + idx) * inner + i)];
        }
    }
    return y;
}

}  // namespace halyard_ref
