// ONNX Slice as a materialized copy. Deeploy: Deeploy/Targets/Generic/Templates/SliceTemplate.py
// (loops `for (i = start; i < end; i += step)` over the listed axes, memcpy of
// the contiguous rest) with SliceParser (Deeploy/Targets/Generic/Parsers.py:
// starts, ends, axes, steps as constant inputs, opset >= 10, or starts/ends
// attributes before; missing axes = 0..rank-1, missing steps = 1). Deeploy's
// template assumes ascending contiguous axes, positive steps and in-range
// starts/ends; Halyard applies the ONNX rules (negative values, clamping,
// negative steps), which give the same elements in that case.
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace {

std::string list_str(const std::vector<int64_t> &v) {
    std::string s;
    for (int64_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return "[" + s + "]";
}

}  // namespace

Algorithm slice(const SliceSpec &spec) {
    const std::string op = "slice";
    check_shape(op, "X", spec.shape);
    const int rank = (int)spec.shape.size();
    const size_t n = spec.starts.size();
    if (n == 0) throw UserError(op + ": starts is empty");
    if (spec.ends.size() != n) {
        throw UserError(op + ": starts " + list_str(spec.starts) + " and ends " + list_str(spec.ends) +
                        " have different lengths");
    }
    std::vector<int64_t> axes = spec.axes, steps = spec.steps;
    if (axes.empty()) {
        for (size_t i = 0; i < n; i++) axes.push_back((int64_t)i);
    }
    if (steps.empty()) steps.assign(n, 1);
    if (axes.size() != n) throw UserError(op + ": axes " + list_str(axes) + " has a different length than starts " + list_str(spec.starts));
    if (steps.size() != n) throw UserError(op + ": steps " + list_str(steps) + " has a different length than starts " + list_str(spec.starts));
    Shape out_shape = spec.shape;
    std::vector<int64_t> first(rank, 0), step(rank, 1);
    std::vector<bool> seen(rank, false);
    for (size_t i = 0; i < n; i++) {
        const int64_t d = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (d < 0 || d >= rank) {
            throw UserError(op + ": axes value " + std::to_string(axes[i]) + " is outside the rank " + std::to_string(rank) +
                            " of X " + shape_str(spec.shape));
        }
        if (seen[d]) throw UserError(op + ": axes " + list_str(axes) + " names axis " + std::to_string(d) + " twice");
        seen[d] = true;
        const int64_t dim = spec.shape[d], st = steps[i];
        if (st == 0) throw UserError(op + ": steps value 0 on axis " + std::to_string(d) + " (steps must be non-zero)");
        int64_t b = spec.starts[i], e = spec.ends[i];
        if (b < 0) b += dim;
        if (e < 0) e += dim;
        if (st > 0) {
            b = std::clamp<int64_t>(b, 0, dim);
            e = std::clamp<int64_t>(e, 0, dim);
        } else {
            b = std::clamp<int64_t>(b, 0, dim - 1);
            e = std::clamp<int64_t>(e, -1, dim - 1);
        }
        const int64_t len = st > 0 ? (e - b + st - 1) / st : (b - e + (-st) - 1) / (-st);
        if (len <= 0) {
            throw UserError(op + ": starts " + std::to_string(spec.starts[i]) + ", ends " + std::to_string(spec.ends[i]) +
                            ", steps " + std::to_string(st) + " select no element of axis " + std::to_string(d) +
                            " (extent " + std::to_string(dim) + ") of X " + shape_str(spec.shape));
        }
        out_shape[d] = (int)len;
        first[d] = b;
        step[d] = st;
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(rank);
    std::vector<Expr> in(rank);
    for (int d = 0; d < rank; d++) {
        Expr v = ax.vars[d];
        if (step[d] != 1) v = v * (int32_t)step[d];
        if (first[d] != 0) v = v + (int32_t)first[d];
        in[d] = v;
    }
    finish_copy(a, spec.type, ax, in, out_shape);
    return a;
}

}  // namespace halyard
