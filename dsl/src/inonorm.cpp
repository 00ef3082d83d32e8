// Deeploy's iNoNorm (Snitch iNoNorm_s8_s8): y = clip(((x * w + b) * mul) >> log2d),
// weight and bias broadcast to x. Deeploy truncates without clipping; Halyard
// clips to the signed n_levels range (as the reference).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm inonorm(const INoNormSpec &spec) {
    const std::string op = "inonorm";
    check_shape(op, "x", spec.shape);
    check_shape(op, "weight", spec.weight_shape);
    check_shape(op, "bias", spec.bias_shape);
    check_type(op, "x", spec.input_type, {ElemType::Int8, ElemType::UInt8});
    check_type(op, "weight", spec.weight_type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16});
    check_type(op, "bias", spec.bias_type, {ElemType::Int8, ElemType::Int16, ElemType::Int32});
    for (const auto &[name, s] : {std::pair<std::string, Shape>{"weight", spec.weight_shape}, {"bias", spec.bias_shape}}) {
        if (broadcast_shapes(spec.shape, s, op) != spec.shape) {
            throw UserError(op + ": " + name + " shape " + shape_str(s) + " does not broadcast to x " + shape_str(spec.shape));
        }
    }
    if (spec.log2d < 0 || spec.log2d > 31) throw UserError(op + ": log2d=" + std::to_string(spec.log2d) + " is outside 0..31");
    if (spec.n_levels < 2 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 2..256");
    }
    if (spec.mul == 0) throw UserError(op + ": mul=0: the output would be 0 whatever x is");
    if (spec.mul < -(1 << 15) || spec.mul > (1 << 15)) {
        throw UserError(op + ": mul=" + std::to_string(spec.mul) + " is outside +-32768 (int32 headroom)");
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", spec.input_type, spec.shape));
    a.inputs.push_back(make_input("weight", spec.weight_type, spec.weight_shape));
    a.inputs.push_back(make_input("bias", spec.bias_type, spec.bias_shape));
    AxisVars ax(spec.shape.size());
    Expr x = cast<int32_t>(a.inputs[0].param(ax.halide()));
    Expr w = cast<int32_t>(broadcast_read(a.inputs[1], ax.coords));
    Expr b = cast<int32_t>(broadcast_read(a.inputs[2], ax.coords));
    // int32 as in Deeploy's kernel: (x*w + b) * mul must fit (the caller's bound).
    Expr v = ((x * w + b) * (int32_t)spec.mul) >> spec.log2d;
    const int32_t lo = (int32_t)(-(spec.n_levels / 2)), hi = (int32_t)(spec.n_levels / 2 - 1);
    Func y("Y");
    y(ax.halide()) = cast<int8_t>(clamp(v, lo, hi));
    a.output = {"Y", ElemType::Int8, spec.shape};
    fix_output_shape(y, spec.shape);
    a.stages.push_back(make_stage("Y", y, ax.names, spec.shape));
    return a;
}

}  // namespace halyard
