// Deeploy's iRMSNorm (iRMSnorm_s8_s8), row-wise over the last axis:
//   ms = sum(x^2) / n + 1, std = floor(sqrt(ms)), y = clip(trunc_div(x * w, std) >> log2d).
// The square root is exact (bit-by-bit), equal to Deeploy's binary search
// for every value an int8 row can produce.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm irmsnorm(const IRMSNormSpec &spec) {
    const std::string op = "irmsnorm";
    check_row_op(op, spec.shape);
    check_type(op, "weight", spec.weight_type, {ElemType::Int8, ElemType::Int16, ElemType::Int32});
    if (spec.log2d < 0 || spec.log2d > 31) throw UserError(op + ": log2d=" + std::to_string(spec.log2d) + " is outside 0..31");
    if (spec.n_levels < 2 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 2..256");
    }
    const Shape &shape = spec.shape;
    const int n = shape.back();
    if (n > 131071) throw UserError(op + ": last dimension " + std::to_string(n) + " would overflow the int32 sum of squares (max 131071)");
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, shape));
    a.inputs.push_back(make_input("weight", spec.weight_type, {n}));
    const ImageParam &X = a.inputs[0].param, &W = a.inputs[1].param;
    AxisVars ax(shape.size());
    auto rows = ax.row_halide();
    std::vector<Expr> row_args(rows.begin(), rows.end());
    Shape row_shape(shape.begin(), shape.end() - 1);

    Func sumsq("sumsq");
    RDom rj(0, n, "j");
    sumsq(rows) = 0;
    Expr xj = cast<int32_t>(X(ax.at_last(rj.x)));
    sumsq(row_args) = sumsq(row_args) + xj * xj;
    Stage s_sq = make_stage("sumsq", sumsq, ax.row_names(), row_shape, "j", rj, n);

    Expr ms = sumsq(row_args) / n + 1;  // sum >= 0: floor == C's truncation
    Stage s_std = isqrt_stage("std", ax, shape, ms, 9);  // ms <= 16385

    Expr x = cast<int32_t>(X(ax.halide()));
    Expr w = cast<int32_t>(W(ax.vars.back()));
    Expr v = div_round_to_zero(x * w, s_std.func(row_args)) >> spec.log2d;
    const int32_t lo = (int32_t)(-(spec.n_levels / 2)), hi = (int32_t)(spec.n_levels / 2 - 1);
    Func y("Y");
    y(ax.halide()) = cast<int8_t>(clamp(v, lo, hi));
    a.output = {"Y", ElemType::Int8, shape};
    fix_output_shape(y, shape);
    a.stages = {s_sq, s_std, make_stage("Y", y, ax.names, shape)};
    return a;
}

}  // namespace halyard
