// Elementwise Sub with numpy broadcasting and optional requantization or
// saturation (Deeploy's Generic Sub: Deeploy/Targets/Generic/Templates/SubTemplate.py,
// out[i] = in1[i] - in2[i] + offset over equal shapes, int32 result as Add's
// binding; the offset is the unsigned-storage bookkeeping, zero for true values).
// Built from the same pieces as add and mul (make_input, broadcast_read,
// add_requant_inputs, finish_elementwise).
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm sub(const SubSpec &spec) {
    const std::string op = "sub";
    check_shape(op, "A", spec.a.shape);
    check_shape(op, "B", spec.b.shape);
    Shape out_shape = broadcast_shapes(spec.a.shape, spec.b.shape, op);
    if (spec.requant && spec.output_type) throw UserError(op + ": give either requant or output_type, not both");
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", spec.a.type, spec.a.shape));
    a.inputs.push_back(make_input("B", spec.b.type, spec.b.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, out_shape);
    AxisVars ax(out_shape.size());
    Expr v = cast<int32_t>(broadcast_read(a.inputs[0], ax.coords)) - cast<int32_t>(broadcast_read(a.inputs[1], ax.coords));
    if (spec.output_type && *spec.output_type != ElemType::Int32) {
        ElemType t = *spec.output_type;
        Func y("Y");
        y(ax.halide()) = cast(halide_type(t), clamp(v, (int32_t)elem_min(t), (int32_t)elem_max(t)));
        a.output = {"Y", t, out_shape};
        fix_output_shape(y, out_shape);
        a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
        return a;
    }
    finish_elementwise(a, op, v, ax, out_shape, spec.requant);
    return a;
}

}  // namespace halyard
