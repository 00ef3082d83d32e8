// Reshape as a materialized copy: output element k (row-major) is input element k.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm reshape(const ReshapeSpec &spec) {
    const std::string op = "reshape";
    check_shape(op, "X", spec.shape);
    check_shape(op, "Y", spec.out_shape);
    if (num_elements(spec.shape) != num_elements(spec.out_shape)) {
        throw UserError(op + ": X " + shape_str(spec.shape) + " has " + std::to_string(num_elements(spec.shape)) +
                        " elements, the output shape " + shape_str(spec.out_shape) + " has " +
                        std::to_string(num_elements(spec.out_shape)));
    }
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(spec.out_shape.size());
    // Flat row-major index of the output coordinate, then the input coordinate.
    Expr flat = 0;
    for (size_t i = 0; i < spec.out_shape.size(); i++) flat = flat * spec.out_shape[i] + ax.vars[i];
    std::vector<Expr> in_args;  // Halide order: innermost first
    for (int i = (int)spec.shape.size() - 1; i >= 0; i--) {
        in_args.push_back(flat % spec.shape[i]);
        flat = flat / spec.shape[i];
    }
    Func y("Y");
    y(ax.halide()) = a.inputs[0].param(in_args);
    a.output = {"Y", spec.type, spec.out_shape};
    fix_output_shape(y, spec.out_shape);
    a.stages.push_back(make_stage("Y", y, ax.names, spec.out_shape));
    return a;
}

}  // namespace halyard
