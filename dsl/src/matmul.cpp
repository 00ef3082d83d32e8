// Batched MatMul with numpy broadcasting of the batch dimensions (Deeploy's
// MatMul and RQMatMul).
#include "builders.h"
#include "halyard/dsl/ops.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm matmul(const MatMulSpec &spec) {
    const std::string op = "matmul";
    check_shape(op, "A", spec.a_shape);
    check_shape(op, "B", spec.b_shape);
    if (spec.a_shape.size() < 2 || spec.b_shape.size() < 2) {
        throw UserError(op + ": A " + shape_str(spec.a_shape) + " and B " + shape_str(spec.b_shape) +
                        " must have rank >= 2");
    }
    for (ElemType t : {spec.a_type, spec.b_type}) {
        if (t != ElemType::Int8 && t != ElemType::UInt8) {
            throw UserError(op + ": A and B must be int8 or uint8, not " + elem_type_name(t));
        }
    }
    const int M = spec.a_shape[spec.a_shape.size() - 2];
    const int K = spec.a_shape.back();
    const int Kb = spec.trans_b ? spec.b_shape.back() : spec.b_shape[spec.b_shape.size() - 2];
    const int N = spec.trans_b ? spec.b_shape[spec.b_shape.size() - 2] : spec.b_shape.back();
    if (K != Kb) {
        throw UserError(op + ": inner dimensions differ: A " + shape_str(spec.a_shape) + " has K=" +
                        std::to_string(K) + ", B " + shape_str(spec.b_shape) + " has K=" + std::to_string(Kb));
    }
    Shape a_batch(spec.a_shape.begin(), spec.a_shape.end() - 2);
    Shape b_batch(spec.b_shape.begin(), spec.b_shape.end() - 2);
    Shape batch = broadcast_shapes(a_batch, b_batch, op + " batch dimensions");
    Shape out_shape = batch;
    out_shape.push_back(M);
    out_shape.push_back(N);

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", spec.a_type, spec.a_shape));
    a.inputs.push_back(make_input("B", spec.b_type, spec.b_shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, out_shape);

    // Loops, outermost first: b0, b1, ..., m, n; reduction k.
    std::vector<std::string> names;
    for (size_t i = 0; i < batch.size(); i++) names.push_back("b" + std::to_string(i));
    names.push_back("m");
    names.push_back("n");
    auto vars = axis_vars(names);
    RDom r(0, K, "k");

    // Operand coordinates: batch axes broadcast, then (m, k) / (k, n).
    std::vector<Expr> batch_coords(vars.begin(), vars.end() - 2);
    Expr m = vars[vars.size() - 2], n = vars.back();
    auto operand = [&](const InputTensor &t, Expr row, Expr col) {
        std::vector<Expr> coords = batch_coords;
        coords.push_back(row);
        coords.push_back(col);
        // Align only the operand's own batch axes with the output batch axes.
        return broadcast_read(t, coords);
    };
    Func acc("acc");
    acc(halide_order(vars)) = 0;
    acc(halide_order(vars)) += cast<int32_t>(operand(a.inputs[0], m, r.x)) *
                               cast<int32_t>(spec.trans_b ? operand(a.inputs[1], n, r.x)
                                                          : operand(a.inputs[1], r.x, n));
    Func out("Y");
    auto coords = as_exprs(vars);
    if (spec.requant) {
        out(halide_order(vars)) = requant(acc(halide_order(vars)), broadcast_read(*a.find_input("mul"), coords),
                                          broadcast_read(*a.find_input("add"), coords), *spec.requant);
        a.output = {"Y", spec.requant->output_type(), out_shape};
    } else {
        out(halide_order(vars)) = acc(halide_order(vars));
        a.output = {"Y", ElemType::Int32, out_shape};
    }
    fix_output_shape(out, out_shape);

    Stage s_acc;
    s_acc.name = "acc";
    s_acc.func = acc;
    s_acc.pure_loops = names;
    s_acc.reduction_loops = {"k"};
    for (size_t i = 0; i < names.size(); i++) s_acc.extents[names[i]] = out_shape[i];
    s_acc.extents["k"] = K;
    s_acc.rdom = r;
    Stage s_out;
    s_out.name = "Y";
    s_out.func = out;
    s_out.pure_loops = names;
    for (size_t i = 0; i < names.size(); i++) s_out.extents[names[i]] = out_shape[i];
    a.stages = {s_acc, s_out};
    a.requant = spec.requant;
    a.macs = num_elements(out_shape) * K;
    a.operands_k_contiguous = spec.trans_b;
    return a;
}

}  // namespace halyard
