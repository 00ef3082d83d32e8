// ONNX Gather with constant indices. Deeploy: Deeploy/Targets/Generic/Templates/GatherTemplate.py
// (for each of the `batch` = prod(shape[:axis]) outer blocks, memcpy of the
// axis_length = prod(shape[axis+1:]) elements at `index`) with GatherParser
// (Deeploy/Targets/Generic/Parsers.py: attribute axis, default 0; the indices
// input is a constant of exactly one element, baked into the code). Halyard
// bakes in any number of constant indices (ONNX output shape: shape[:axis] +
// indices_shape + shape[axis+1:]); negative indices count from the end and
// out-of-range ones are rejected.
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm gather(const GatherSpec &spec) {
    const std::string op = "gather";
    check_shape(op, "X", spec.shape);
    const int rank = (int)spec.shape.size();
    const int axis = spec.axis < 0 ? spec.axis + rank : spec.axis;
    if (axis < 0 || axis >= rank) {
        throw UserError(op + ": axis " + std::to_string(spec.axis) + " is outside the rank " + std::to_string(rank) +
                        " of X " + shape_str(spec.shape));
    }
    if (spec.indices.empty()) throw UserError(op + ": indices is empty");
    if (!spec.indices_shape.empty()) check_shape(op, "indices", spec.indices_shape);
    const int64_t count = spec.indices_shape.empty() ? 1 : num_elements(spec.indices_shape);
    if ((int64_t)spec.indices.size() != count) {
        throw UserError(op + ": indices has " + std::to_string(spec.indices.size()) + " values, indices_shape " +
                        (spec.indices_shape.empty() ? std::string("(scalar)") : shape_str(spec.indices_shape)) + " has " +
                        std::to_string(count));
    }
    const int dim = spec.shape[axis];
    std::vector<int> idx;
    for (int64_t i : spec.indices) {
        if (i < -dim || i >= dim) {
            throw UserError(op + ": indices value " + std::to_string(i) + " is outside [" + std::to_string(-dim) + ", " +
                            std::to_string(dim - 1) + "] for axis " + std::to_string(axis) + " of X " + shape_str(spec.shape));
        }
        idx.push_back((int)(i < 0 ? i + dim : i));
    }
    Shape out_shape(spec.shape.begin(), spec.shape.begin() + axis);
    out_shape.insert(out_shape.end(), spec.indices_shape.begin(), spec.indices_shape.end());
    out_shape.insert(out_shape.end(), spec.shape.begin() + axis + 1, spec.shape.end());
    const bool scalar_out = out_shape.empty();
    if (scalar_out) out_shape.push_back(1);

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(out_shape.size());
    const int ki = (int)spec.indices_shape.size();
    // Flat position in the indices tensor from the output's index axes.
    Expr pos = 0;
    for (int i = 0; i < ki; i++) pos = pos * spec.indices_shape[i] + ax.vars[axis + i];
    Expr sel;
    if (idx.size() == 1) {
        sel = Expr(idx[0]);
    } else {
        // A select chain over the positions (the C backend has no lookup tables).
        sel = Expr(idx.back());
        for (int i = (int)idx.size() - 2; i >= 0; i--) sel = select(pos == i, idx[i], sel);
    }
    std::vector<Expr> in(rank);
    for (int d = 0; d < rank; d++) {
        if (d < axis) in[d] = ax.vars[d];
        else if (d == axis) in[d] = sel;
        else in[d] = ax.vars[d - 1 + ki];
    }
    finish_copy(a, spec.type, ax, in, out_shape);
    return a;
}

}  // namespace halyard
