// Concat along one axis (Deeploy's Concat; the KV-cache append). Each output
// element reads the input whose range along `axis` holds it; indices are
// clamped per input so bounds inference stays within each input, and the
// clamp is marked likely so Halide splits the loop into per-input copies.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm concat(const ConcatSpec &spec) {
    const std::string op = "concat";
    if (spec.shapes.empty()) throw UserError(op + ": needs at least one input");
    const Shape &first = spec.shapes[0];
    const int rank = (int)first.size();
    for (size_t i = 0; i < spec.shapes.size(); i++) check_shape(op, "X" + std::to_string(i), spec.shapes[i]);
    const int axis = spec.axis < 0 ? spec.axis + rank : spec.axis;
    if (axis < 0 || axis >= rank) {
        throw UserError(op + ": axis " + std::to_string(spec.axis) + " is outside the rank " + std::to_string(rank) + " of X0");
    }
    Shape out_shape = first;
    out_shape[axis] = 0;
    for (size_t i = 0; i < spec.shapes.size(); i++) {
        const Shape &s = spec.shapes[i];
        bool ok = (int)s.size() == rank;
        for (int d = 0; ok && d < rank; d++) ok = d == axis || s[d] == first[d];
        if (!ok) {
            throw UserError(op + ": input X" + std::to_string(i) + " has shape " + shape_str(s) + ", X0 has " +
                            shape_str(first) + "; all axes but " + std::to_string(axis) + " must agree");
        }
        out_shape[axis] += s[axis];
    }
    Algorithm a;
    a.op = op;
    for (size_t i = 0; i < spec.shapes.size(); i++) a.inputs.push_back(make_input("X" + std::to_string(i), spec.type, spec.shapes[i]));
    AxisVars ax(rank);
    Expr c = ax.vars[axis];
    Expr v;
    int offset = out_shape[axis];
    for (int i = (int)spec.shapes.size() - 1; i >= 0; i--) {
        const int ext = spec.shapes[i][axis];
        offset -= ext;
        std::vector<Expr> coords = ax.coords;
        // likely() on the clamped index: Halide partitions the loop over
        // `axis` into the ranges where the clamp is a no-op, so each input's
        // range becomes a plain copy loop without the select or the clamp.
        coords[axis] = clamp(likely(c - offset), 0, ext - 1);
        std::vector<Expr> args(coords.rbegin(), coords.rend());
        Expr read = a.inputs[i].param(args);
        v = v.defined() ? select(c < offset + ext, read, v) : read;
    }
    Func y("Y");
    y(ax.halide()) = v;
    a.output = {"Y", spec.type, out_shape};
    fix_output_shape(y, out_shape);
    a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
    return a;
}

}  // namespace halyard
