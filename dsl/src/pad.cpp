// ONNX Pad, constant mode, as a materialized copy. Deeploy:
// Deeploy/Targets/Generic/Templates/PadTemplate.py (memset of the output to
// `value`, then each input row copied to its padded position) with
// PadParser / Pad1DParser / Pad2DParser in Deeploy/Targets/Generic/Parsers.py
// (attributes mode, pads, value; 3-D inputs with last-axis pads, 4-D NCHW
// inputs with H/W pads). Halyard pads any axis of any rank; on Deeploy's
// cases the bits agree (for int8; Deeploy's memset fills bytes, so a wider
// type only matches there for value 0 or -1).
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm pad(const PadSpec &spec) {
    const std::string op = "pad";
    check_shape(op, "X", spec.shape);
    const int rank = (int)spec.shape.size();
    std::string ps;
    for (int p : spec.pads) ps += (ps.empty() ? "" : ",") + std::to_string(p);
    if (spec.mode != "constant") {
        throw UserError(op + ": mode '" + spec.mode + "' is not supported (Deeploy's Pad is constant mode only)");
    }
    if ((int)spec.pads.size() != 2 * rank) {
        throw UserError(op + ": pads [" + ps + "] has " + std::to_string(spec.pads.size()) + " values; X " +
                        shape_str(spec.shape) + " needs " + std::to_string(2 * rank) + " (begins, then ends)");
    }
    for (int p : spec.pads) {
        if (p < 0) throw UserError(op + ": pads [" + ps + "] has the negative value " + std::to_string(p) + " (pads must be >= 0)");
    }
    if (spec.value < elem_min(spec.type) || spec.value > elem_max(spec.type)) {
        throw UserError(op + ": value=" + std::to_string(spec.value) + " does not fit the element type " +
                        elem_type_name(spec.type) + " of X");
    }
    Shape out_shape(rank);
    for (int d = 0; d < rank; d++) {
        const int64_t e = (int64_t)spec.shape[d] + spec.pads[d] + spec.pads[d + rank];
        if (e > (int64_t(1) << 28)) throw UserError(op + ": pads [" + ps + "] make axis " + std::to_string(d) + " too large");
        out_shape[d] = (int)e;
    }
    check_shape(op, "Y", out_shape);
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(rank);
    std::vector<Expr> in(rank);
    Expr inside = Internal::const_true();
    for (int d = 0; d < rank; d++) {
        Expr c = ax.vars[d];
        const int b = spec.pads[d], ext = spec.shape[d];
        if (b == 0 && spec.pads[d + rank] == 0) {
            in[d] = c;
            continue;
        }
        inside = inside && c >= b && c < b + ext;
        in[d] = clamp(c - b, 0, ext - 1);
    }
    std::vector<Expr> args(in.rbegin(), in.rend());
    const Type t = halide_type(spec.type);
    Func y("Y");
    y(ax.halide()) = select(inside, a.inputs[0].param(args), cast(t, Expr((int32_t)spec.value)));
    a.output = {"Y", spec.type, out_shape};
    fix_output_shape(y, out_shape);
    a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
    return a;
}

}  // namespace halyard
