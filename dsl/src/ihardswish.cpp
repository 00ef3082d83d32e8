// Deeploy's iHardswish (iHardswish_s8_s32): y = x * (clip(x + three, 0, six) * one_over_six),
// int32, or requantized (Deeploy's RequantizediHardswish with the add already normalized).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm ihardswish(const IHardswishSpec &spec) {
    const std::string op = "ihardswish";
    check_shape(op, "x", spec.shape);
    check_type(op, "x", spec.input_type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16});
    if (spec.six < 0 || spec.three < -(1 << 20) || spec.three > (1 << 20) || spec.six > (1 << 20) ||
        spec.one_over_six < -(1 << 20) || spec.one_over_six > (1 << 20)) {
        throw UserError(op + ": one_over_six=" + std::to_string(spec.one_over_six) + ", six=" + std::to_string(spec.six) +
                        ", three=" + std::to_string(spec.three) + " must lie in +-2^20 (six >= 0)");
    }
    if (spec.one_over_six == 0 || spec.six == 0) {
        throw UserError(op + ": one_over_six=" + std::to_string(spec.one_over_six) + ", six=" + std::to_string(spec.six) +
                        ": the output would be 0 whatever x is");
    }
    const int64_t worst = elem_max(spec.input_type) * spec.six * std::abs(spec.one_over_six);
    if (worst >= (int64_t(1) << 31)) {
        throw UserError(op + ": |x| * six * one_over_six = " + std::to_string(worst) + " overflows int32");
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", spec.input_type, spec.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, spec.shape);
    AxisVars ax(spec.shape.size());
    const auto hardswish = [spec](Expr x) {
        return x * (clamp(x + (int32_t)spec.three, 0, (int32_t)spec.six) * (int32_t)spec.one_over_six);
    };
    finish_activation(a, op, hardswish, ax, spec.shape, spec.requant, spec.requant_tables_as_inputs);
    return a;
}

}  // namespace halyard
