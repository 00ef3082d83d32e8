// Elementwise Sub with numpy broadcasting and optional requantization or
// saturation (Deeploy's Generic Sub: Deeploy/Targets/Generic/Templates/SubTemplate.py,
// out[i] = in1[i] - in2[i] + offset over equal shapes, int32 result as Add's
// binding; the offset is the unsigned-storage bookkeeping, zero for true values).
// Shares mul's builder (binary_elementwise).
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm sub(const SubSpec &spec) {
    const std::string op = "sub";
    check_shape(op, "A", spec.a.shape);
    check_shape(op, "B", spec.b.shape);
    return binary_elementwise(op, spec.a, spec.b, spec.requant, spec.output_type, [](Expr x, Expr y) { return x - y; });
}

}  // namespace halyard
