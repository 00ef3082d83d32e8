// Transpose as a materialized copy (ONNX Transpose). A consumer can instead
// fold the permutation into its own indexing and skip the copy.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm transpose(const TransposeSpec &spec) {
    const std::string op = "transpose";
    check_shape(op, "X", spec.shape);
    const int rank = (int)spec.shape.size();
    std::vector<int> perm = spec.perm;
    if (perm.empty()) {  // ONNX default: reverse the axes
        for (int i = rank - 1; i >= 0; i--) perm.push_back(i);
    }
    std::vector<bool> seen(rank, false);
    bool ok = (int)perm.size() == rank;
    for (int p : perm) {
        ok = ok && p >= 0 && p < rank && !seen[p];
        if (ok) seen[p] = true;
    }
    if (!ok) {
        std::string ps;
        for (int p : spec.perm) ps += (ps.empty() ? "" : ",") + std::to_string(p);
        throw UserError(op + ": perm [" + ps + "] is not a permutation of the " + std::to_string(rank) +
                        " axes of X " + shape_str(spec.shape));
    }
    Shape out_shape(rank);
    for (int i = 0; i < rank; i++) out_shape[i] = spec.shape[perm[i]];
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("X", spec.type, spec.shape));
    AxisVars ax(rank);
    std::vector<Expr> in_coords(rank);
    for (int i = 0; i < rank; i++) in_coords[perm[i]] = ax.vars[i];
    finish_copy(a, spec.type, ax, in_coords, out_shape);
    return a;
}

}  // namespace halyard
