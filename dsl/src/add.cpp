// Elementwise Add with numpy broadcasting and optional requantization
// (Deeploy's Add; RQAdd is Add followed by RequantShift).
#include "builders.h"
#include "halyard/dsl/ops.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Shape broadcast_shapes(const Shape &a, const Shape &b, const std::string &what) {
    Shape out(std::max(a.size(), b.size()), 1);
    for (size_t i = 0; i < out.size(); i++) {
        int da = i < a.size() ? a[a.size() - 1 - i] : 1;
        int db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1) {
            throw UserError(what + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                            " do not broadcast (axis -" + std::to_string(i + 1) + ": " + std::to_string(da) +
                            " vs " + std::to_string(db) + ")");
        }
        out[out.size() - 1 - i] = std::max(da, db);
    }
    return out;
}

Algorithm add(const AddSpec &spec) {
    const std::string op = "add";
    check_shape(op, "A", spec.a.shape);
    check_shape(op, "B", spec.b.shape);
    Shape out_shape = broadcast_shapes(spec.a.shape, spec.b.shape, op);

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", spec.a.type, spec.a.shape));
    a.inputs.push_back(make_input("B", spec.b.type, spec.b.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, out_shape);
    if (spec.a_requant) add_requant_inputs(a, op, *spec.a_requant, spec.a.shape, "a_");
    if (spec.b_requant) add_requant_inputs(a, op, *spec.b_requant, spec.b.shape, "b_");

    std::vector<std::string> names;
    for (size_t i = 0; i < out_shape.size(); i++) names.push_back("d" + std::to_string(i));
    auto vars = axis_vars(names);
    auto coords = as_exprs(vars);
    // Operand k as the sum reads it: requantized first when the spec says so.
    // Its mul/add broadcast to the operand, which broadcasts to the output, so
    // both read at the output's coordinates.
    auto operand = [&](size_t k, const std::optional<RequantParams> &rq, const std::string &prefix) {
        Expr v = cast<int32_t>(broadcast_read(a.inputs[k], coords));
        if (!rq) return v;
        return cast<int32_t>(requant(v, broadcast_read(*a.find_input(prefix + "mul"), coords),
                                     broadcast_read(*a.find_input(prefix + "add"), coords), *rq));
    };
    Expr sum = operand(0, spec.a_requant, "a_") + operand(1, spec.b_requant, "b_");

    Func out("Y");
    if (spec.requant) {
        if (spec.output_type) throw UserError(op + ": give either requant or output_type, not both");
        out(halide_order(vars)) = requant(sum, broadcast_read(*a.find_input("mul"), coords),
                                          broadcast_read(*a.find_input("add"), coords), *spec.requant);
        a.output = {"Y", spec.requant->output_type(), out_shape};
    } else {
        ElemType t = spec.output_type.value_or(ElemType::Int32);
        Expr v = sum;
        if (t != ElemType::Int32) v = cast(halide_type(t), clamp(sum, (int32_t)elem_min(t), (int32_t)elem_max(t)));
        out(halide_order(vars)) = v;
        a.output = {"Y", t, out_shape};
    }
    fix_output_shape(out, out_shape);

    Stage s;
    s.name = "Y";
    s.func = out;
    s.pure_loops = names;
    for (size_t i = 0; i < names.size(); i++) s.extents[names[i]] = out_shape[i];
    a.stages.push_back(s);
    return a;
}

}  // namespace halyard
