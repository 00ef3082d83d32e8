// Deeploy's ITAMax (the ITA accelerator's shift-based softmax), row-wise over
// the last axis of an int8 tensor.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm itamax(const ITAMaxSpec &spec) {
    const std::string op = "itamax";
    check_row_op(op, spec.shape);
    if (spec.n_levels < 2 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 2..256");
    }
    const Shape &shape = spec.shape;
    const int n = shape.back();
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, shape));
    const ImageParam &X = a.inputs[0].param;
    AxisVars ax(shape.size());
    auto rows = ax.row_halide();
    std::vector<Expr> row_args(rows.begin(), rows.end());
    Shape row_shape(shape.begin(), shape.end() - 1);

    Func xmax("xmax");
    RDom rj(0, n, "j");
    xmax(rows) = cast<int32_t>(-128);
    xmax(row_args) = max(xmax(row_args), cast<int32_t>(X(ax.at_last(rj.x))));

    // shift = uint8((xmax - x + 16) >> 5) (0..8 for int8 data); 256 >> shift.
    auto shift_at = [&](const Expr &j) {
        return cast<uint32_t>(cast<uint8_t>((xmax(row_args) - cast<int32_t>(X(ax.at_last(j))) + 16) >> 5));
    };
    Func sum("sum");
    RDom rs(0, n, "j");
    sum(rows) = cast<uint32_t>(0);
    sum(row_args) = sum(row_args) + (cast<uint32_t>(256) >> shift_at(rs.x));

    Func y("Y");
    Expr inv = (cast<uint32_t>((int32_t)spec.n_levels - 1) * cast<uint32_t>(256)) / sum(row_args);
    y(ax.halide()) = cast<uint8_t>(inv >> shift_at(ax.vars.back()));
    a.output = {"Y", ElemType::UInt8, shape};
    fix_output_shape(y, shape);

    a.stages.push_back(make_stage("xmax", xmax, ax.row_names(), row_shape, "j", rj, n));
    a.stages.push_back(make_stage("sum", sum, ax.row_names(), row_shape, "j", rs, n));
    a.stages.push_back(make_stage("Y", y, ax.names, shape));
    return a;
}

}  // namespace halyard
