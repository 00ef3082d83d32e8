// Elementwise Mul with numpy broadcasting (Deeploy's Mul; a following
// RequantShift fused in), e.g. the gate x up product of a gated FFN.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm mul(const MulSpec &spec) {
    const std::string op = "mul";
    check_shape(op, "A", spec.a.shape);
    check_shape(op, "B", spec.b.shape);
    for (const TensorType *t : {&spec.a, &spec.b}) {
        check_type(op, t == &spec.a ? "A" : "B", t->type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16});
    }
    return binary_elementwise(op, spec.a, spec.b, spec.requant, spec.output_type, [](Expr x, Expr y) { return x * y; });
}

}  // namespace halyard
