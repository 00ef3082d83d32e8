// ReduceSum and ReduceMean over a set of axes (Deeploy's Generic target:
// Deeploy/Targets/Generic/Templates/ReduceSumTemplate.py and
// ReduceMeanTemplate.py; attributes axes and keepdims as ReduceParser in
// Deeploy/Targets/Generic/Parsers.py reads them; output types from
// Bindings.py: ReduceSum int32, ReduceMean the input's type).
//
// One int32 accumulator stage "acc" sums the reduced axes, flattened into one
// reduction loop k of extent L (row-major over the reduced axes; integer sums
// do not depend on the order). ReduceMean's rounding is the template's:
//   keepdims = 1:                 trunc_div(acc + sgn(acc) * (L >> 1), L)
//   keepdims = 0 and L = 2^s > 1: (acc + 2^(s-1)) >> s
//   keepdims = 0 otherwise:       trunc_div(acc + sgn(acc) * (L >> 1), L)
// with sgn(acc) = -(acc < 0) + (acc >= 0). (Deeploy's keepdims branch uses
// the sign variable the other branch declares; L = 1 is left to
// RemoveOnlySingletonReduceMeanPass, here it is the identity.)
#include <set>

#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;

namespace detail {

Algorithm reduce_op(const std::string &op, const ReduceSpec &spec, bool mean) {
    check_shape(op, "X", spec.shape);
    check_type(op, "X", spec.type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16, ElemType::Int32});
    const int rank = (int)spec.shape.size();
    if (spec.axes.empty()) throw UserError(op + ": axes is empty; give at least one axis of X " + shape_str(spec.shape));
    std::vector<bool> reduced(rank, false);
    for (int axis : spec.axes) {
        const int d = axis < 0 ? axis + rank : axis;
        if (d < 0 || d >= rank) {
            throw UserError(op + ": axes value " + std::to_string(axis) + " is outside the rank " + std::to_string(rank) +
                            " of X " + shape_str(spec.shape));
        }
        if (reduced[d]) throw UserError(op + ": axes names axis " + std::to_string(d) + " twice");
        reduced[d] = true;
    }
    Shape out_shape;
    int64_t L = 1;
    for (int d = 0; d < rank; d++) {
        if (reduced[d]) {
            L *= spec.shape[d];
            if (spec.keepdims) out_shape.push_back(1);
        } else {
            out_shape.push_back(spec.shape[d]);
        }
    }
    if (out_shape.empty()) out_shape.push_back(1);  // every axis reduced, keepdims = 0: a scalar

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(out_shape.size());
    RDom k(0, (int)L, "k");
    std::vector<Expr> in(rank);
    // Reduced axes from the flat index, the innermost fastest.
    Expr rem = k.x;
    int outermost_reduced = -1;
    for (int d = 0; d < rank; d++) {
        if (reduced[d]) {
            outermost_reduced = d;
            break;
        }
    }
    for (int d = rank - 1; d >= 0; d--) {
        if (!reduced[d]) continue;
        if (d == outermost_reduced) {
            in[d] = rem;
        } else {
            in[d] = rem % spec.shape[d];
            rem = rem / spec.shape[d];
        }
    }
    for (int d = 0, o = 0; d < rank; d++) {
        if (!reduced[d]) in[d] = ax.vars[spec.keepdims ? d : o++];
    }
    std::vector<Expr> in_args(in.rbegin(), in.rend());
    std::vector<Expr> out_args(ax.coords.rbegin(), ax.coords.rend());

    Func acc("acc");
    acc(ax.halide()) = cast<int32_t>(0);
    acc(out_args) = acc(out_args) + cast<int32_t>(a.inputs[0].param(in_args));

    Func y("Y");
    if (!mean) {
        y(ax.halide()) = acc(out_args);
        a.output = {"Y", ElemType::Int32, out_shape};
    } else {
        Expr s = acc(out_args);
        int shift = 0;
        while ((int64_t(1) << shift) < L) shift++;
        const bool pow2 = (int64_t(1) << shift) == L;
        Expr m;
        if (L == 1) {
            m = s;
        } else if (!spec.keepdims && pow2) {
            m = (s + (1 << (shift - 1))) >> shift;
        } else {
            Expr sgn = select(s >= 0, 1, -1);
            m = div_round_to_zero(s + sgn * (int32_t)(L >> 1), Expr((int32_t)L));
        }
        y(ax.halide()) = cast(halide_type(spec.type), m);
        a.output = {"Y", spec.type, out_shape};
    }
    fix_output_shape(y, out_shape);
    a.stages.push_back(make_stage("acc", acc, ax.names, out_shape, "k", k, (int)L));
    a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
    return a;
}

}  // namespace detail

Algorithm reduce_sum(const ReduceSpec &spec) { return detail::reduce_op("reduce_sum", spec, false); }

Algorithm reduce_mean(const ReduceSpec &spec) { return detail::reduce_op("reduce_mean", spec, true); }

}  // namespace halyard
