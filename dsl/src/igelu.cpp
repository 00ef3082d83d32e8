// Deeploy's iGELU (GELU_s8_s32, I-BERT's second-order erf polynomial), and
// Halyard's integer SiLU, which is the same polynomial form fitted to
// tanh(x/2) (x * sigmoid(x) = x * (1 + tanh(x/2)) / 2; docs/transformer-ops.md).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace {

// y = x * ((one + L) >> 1), L = sgn(x) * (one - (min(|x|, -b) + b)^2), in int32.
Algorithm poly_activation(const std::string &op, const Shape &shape, ElemType input_type, int64_t b, int64_t one,
                          const std::optional<RequantParams> &rq, bool tables_as_inputs) {
    check_shape(op, "x", shape);
    check_type(op, "x", input_type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16});
    if (b >= 0 || b < -32768) throw UserError(op + ": b=" + std::to_string(b) + " must be in -32768..-1");
    if (one < 0 || one > (int64_t(1) << 30)) throw UserError(op + ": one=" + std::to_string(one) + " is outside 0..2^30");
    const int64_t in_max = elem_max(input_type);
    // |x| * (one + L) / 2 <= in_max * one must fit int32.
    if (in_max * std::max<int64_t>(one, b * b) >= (int64_t(1) << 31)) {
        throw UserError(op + ": |x| * one = " + std::to_string(in_max) + " * " + std::to_string(std::max<int64_t>(one, b * b)) +
                        " overflows int32");
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", input_type, shape));
    if (rq) add_requant_inputs(a, op, *rq, shape);
    AxisVars ax(shape.size());
    // (Unsigned inputs: no x < 0 test, which strict C compilers flag as always false.)
    const bool is_signed = input_type != ElemType::UInt8;
    const auto poly = [is_signed, b, one](Expr x) {
        Expr sign = is_signed ? select(x > 0, 1, select(x < 0, -1, 0)) : select(x > 0, 1, 0);
        Expr q = is_signed ? cast<int32_t>(min(abs(x), cast<uint32_t>((int32_t)-b))) : min(x, (int32_t)-b);
        Expr d = q + (int32_t)b;
        Expr L = sign * ((int32_t)one - d * d);
        return x * (((int32_t)one + L) >> 1);
    };
    finish_activation(a, op, poly, ax, shape, rq, tables_as_inputs);
    return a;
}

}  // namespace

Algorithm igelu(const IGeluSpec &spec) {
    return poly_activation("igelu", spec.shape, spec.input_type, spec.b, spec.one, spec.requant,
                           spec.requant_tables_as_inputs);
}

double isilu_knee() { return 4.39; }

Algorithm isilu(const ISiluSpec &spec) {
    if (spec.b >= 0 || spec.b < -32768) throw UserError("isilu: b=" + std::to_string(spec.b) + " must be in -32768..-1");
    return poly_activation("isilu", spec.shape, spec.input_type, spec.b, spec.b * spec.b, spec.requant,
                           spec.requant_tables_as_inputs);
}

}  // namespace halyard
