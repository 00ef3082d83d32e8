// RequantShift: Deeploy's integer requantization, elementwise.
#include "builders.h"
#include "halyard/dsl/ops.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm requant_shift(const RequantShiftSpec &spec) {
    const std::string op = "requant_shift";
    check_shape(op, "x", spec.input.shape);
    spec.requant.validate(op);
    const Shape &shape = spec.input.shape;
    broadcast_shapes(shape, spec.requant.mul_shape, op + " (x against mul)");
    broadcast_shapes(shape, spec.requant.add_shape, op + " (x against add)");
    if (broadcast_shapes(shape, spec.requant.mul_shape, op) != shape ||
        broadcast_shapes(shape, spec.requant.add_shape, op) != shape) {
        throw UserError(op + ": mul/add shapes " + shape_str(spec.requant.mul_shape) + "/" +
                        shape_str(spec.requant.add_shape) + " would broadcast x " + shape_str(shape) +
                        " to a larger shape");
    }

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", spec.input.type, shape));
    a.inputs.push_back(make_input("mul", ElemType::Int32, spec.requant.mul_shape));
    a.inputs.push_back(make_input("add", ElemType::Int32, spec.requant.add_shape));

    std::vector<std::string> names;
    for (size_t i = 0; i < shape.size(); i++) names.push_back("d" + std::to_string(i));
    auto vars = axis_vars(names);
    auto coords = as_exprs(vars);

    Func y("y");
    y(halide_order(vars)) = requant(cast<int32_t>(broadcast_read(a.inputs[0], coords)),
                                    broadcast_read(a.inputs[1], coords),
                                    broadcast_read(a.inputs[2], coords), spec.requant);
    a.output = {"y", spec.requant.output_type(), shape};
    fix_output_shape(y, shape);

    Stage s;
    s.name = "y";
    s.func = y;
    s.pure_loops = names;
    for (size_t i = 0; i < shape.size(); i++) s.extents[names[i]] = shape[i];
    a.stages.push_back(s);
    return a;
}

}  // namespace halyard
