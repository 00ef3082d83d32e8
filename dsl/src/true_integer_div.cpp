// QuantLib's TrueIntegerDiv (division by a constant):
//   out = floor(Delta * eta * x / (y * eta + eps)),
// and Deeploy's fold of it into the following RequantShift.
#include <cmath>

#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

int64_t true_integer_div_fold_coeff(int64_t y, int64_t Delta, int64_t eps, int64_t eta) {
    const int64_t den = y * eta + eps;
    if (den <= 0) throw UserError("true_integer_div: y * eta + eps = " + std::to_string(den) + " must be > 0");
    const int64_t nom = Delta * eta;
    int64_t q = nom / den;
    if (nom % den != 0 && nom < 0) --q;  // floor
    return q * 256;
}

Algorithm true_integer_div(const TrueIntegerDivSpec &spec) {
    const std::string op = "true_integer_div";
    check_shape(op, "x", spec.shape);
    check_type(op, "x", spec.input_type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16, ElemType::Int32});
    const int64_t lim = int64_t(1) << 31;
    for (int64_t v : {spec.y, spec.Delta, spec.eps, spec.eta}) {
        if (v <= -lim || v >= lim) throw UserError(op + ": attribute " + std::to_string(v) + " is not int32");
    }
    const int64_t den = spec.y * spec.eta + spec.eps;
    if (den <= 0) throw UserError(op + ": y * eta + eps = " + std::to_string(den) + " must be > 0");
    const int64_t nom = spec.Delta * spec.eta;
    if (nom == 0) throw UserError(op + ": Delta * eta = 0: the output would be 0 whatever x is");
    const int64_t in_max = std::max(elem_max(spec.input_type), -elem_min(spec.input_type));
    if (nom != 0 && std::abs(nom) > (int64_t(1) << 62) / in_max) {
        throw UserError(op + ": Delta * eta * x overflows int64 (Delta*eta = " + std::to_string(nom) + ")");
    }
    const int64_t out_max = std::abs(nom) / den * in_max + in_max;
    if (!spec.requant && out_max >= lim) {
        throw UserError(op + ": |Delta*eta*x / (y*eta+eps)| up to " + std::to_string(out_max) + " overflows the int32 output");
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", spec.input_type, spec.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, spec.shape);
    AxisVars ax(spec.shape.size());
    Expr x = cast<int64_t>(a.inputs[0].param(ax.halide()));
    // Halide's division rounds toward -infinity for a positive divisor: floor.
    Expr v = cast<int32_t>((x * Expr(nom)) / Expr(den));
    finish_elementwise(a, op, v, ax, spec.shape, spec.requant);
    return a;
}

}  // namespace halyard
