// Deeploy's iLayerNorm (Layernorm_s8_s8), row-wise over the last axis:
//   mean = trunc_div(sum x, n), var = sum((x - mean)^2) / n + 1, std = floor(sqrt(var)),
//   y = clip((trunc_div((x - mean) * w, std) + b) >> log2d).
// Deeploy stores through an unchecked int8 cast; Halyard clips (as the reference).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm ilayernorm(const ILayerNormSpec &spec) {
    const std::string op = "ilayernorm";
    check_row_op(op, spec.shape);
    check_type(op, "weight", spec.weight_type, {ElemType::Int8, ElemType::Int16, ElemType::Int32});
    check_type(op, "bias", spec.bias_type, {ElemType::Int8, ElemType::Int16, ElemType::Int32});
    if (spec.log2d < 0 || spec.log2d > 31) throw UserError(op + ": log2d=" + std::to_string(spec.log2d) + " is outside 0..31");
    if (spec.n_levels < 2 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 2..256");
    }
    const Shape &shape = spec.shape;
    const int n = shape.back();
    if (n > 33025) throw UserError(op + ": last dimension " + std::to_string(n) + " would overflow the int32 variance sum (max 33025)");
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, shape));
    a.inputs.push_back(make_input("weight", spec.weight_type, {n}));
    a.inputs.push_back(make_input("bias", spec.bias_type, {n}));
    const ImageParam &X = a.inputs[0].param, &W = a.inputs[1].param, &B = a.inputs[2].param;
    AxisVars ax(shape.size());
    auto rows = ax.row_halide();
    std::vector<Expr> row_args(rows.begin(), rows.end());
    Shape row_shape(shape.begin(), shape.end() - 1);

    Func sum("sum");
    RDom rj(0, n, "j");
    sum(rows) = 0;
    sum(row_args) = sum(row_args) + cast<int32_t>(X(ax.at_last(rj.x)));
    Expr mean = div_round_to_zero(sum(row_args), n);

    Func sumsq("sumsq");
    RDom rk(0, n, "j");
    sumsq(rows) = 0;
    Expr dj = cast<int32_t>(X(ax.at_last(rk.x))) - mean;
    sumsq(row_args) = sumsq(row_args) + dj * dj;

    Expr var = sumsq(row_args) / n + 1;  // sum >= 0: floor == C's truncation
    Stage s_std = isqrt_stage("std", ax, shape, var, 9);  // var <= 65026

    Expr d = cast<int32_t>(X(ax.halide())) - mean;
    Expr v = (div_round_to_zero(d * cast<int32_t>(W(ax.vars.back())), s_std.func(row_args)) +
              cast<int32_t>(B(ax.vars.back()))) >> spec.log2d;
    const int32_t lo = (int32_t)(-(spec.n_levels / 2)), hi = (int32_t)(spec.n_levels / 2 - 1);
    Func y("Y");
    y(ax.halide()) = cast<int8_t>(clamp(v, lo, hi));
    a.output = {"Y", ElemType::Int8, shape};
    fix_output_shape(y, shape);
    a.stages = {make_stage("sum", sum, ax.row_names(), row_shape, "j", rj, n),
                make_stage("sumsq", sumsq, ax.row_names(), row_shape, "j", rk, n), s_std,
                make_stage("Y", y, ax.names, shape)};
    return a;
}

}  // namespace halyard
