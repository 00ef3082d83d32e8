// Linear / GEMM: int8 x int8 -> int32 accumulation, optional bias, transposed
// operands and fused requantization (Deeploy's Gemm and RQGemm).
#include "builders.h"
#include "halyard/dsl/ops.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm gemm(const GemmSpec &spec) {
    const std::string op = "gemm";
    const int M = spec.M, N = spec.N, K = spec.K;
    if (M < 1 || N < 1 || K < 1) {
        throw UserError(op + ": M, N, K must be >= 1 (got M=" + std::to_string(M) + ", N=" +
                        std::to_string(N) + ", K=" + std::to_string(K) + ")");
    }
    for (ElemType t : {spec.a_type, spec.b_type}) {
        if (t != ElemType::Int8 && t != ElemType::UInt8) {
            throw UserError(op + ": A and B must be int8 or uint8, not " + elem_type_name(t));
        }
    }
    if (K > (1 << 16)) {
        throw UserError(op + ": K=" + std::to_string(K) + " could overflow the int32 accumulator (max 65536)");
    }

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", spec.a_type, spec.trans_a ? Shape{K, M} : Shape{M, K}));
    a.inputs.push_back(make_input("B", spec.b_type, spec.trans_b ? Shape{N, K} : Shape{K, N}));
    if (spec.bias_shape) {
        const Shape &c = *spec.bias_shape;
        bool ok = (c == Shape{N}) || (c == Shape{1, N}) || (c == Shape{M, N}) || (c == Shape{1}) ||
                  (c == Shape{M, 1});
        if (!ok) {
            throw UserError(op + ": bias C has shape " + shape_str(c) + "; expected [" + std::to_string(N) +
                            "], [1, " + std::to_string(N) + "], [" + std::to_string(M) + ", 1], [" +
                            std::to_string(M) + ", " + std::to_string(N) + "] or [1]");
        }
        a.inputs.push_back(make_input("C", ElemType::Int32, c));
    }
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, Shape{M, N});

    Var m("m"), n("n");
    RDom r(0, K, "k");
    const InputTensor &A = a.inputs[0], &B = a.inputs[1];
    Expr a_mk = spec.trans_a ? A.param(m, r.x) : A.param(r.x, m);
    Expr b_kn = spec.trans_b ? B.param(r.x, n) : B.param(n, r.x);

    Func acc("acc");
    acc(n, m) = 0;
    acc(n, m) += cast<int32_t>(a_mk) * cast<int32_t>(b_kn);

    Expr y = acc(n, m);
    if (spec.alpha != 1) y = spec.alpha * y;
    if (spec.bias_shape) {
        Expr c = broadcast_read(*a.find_input("C"), {m, n});
        y = y + (spec.beta == 1 ? c : spec.beta * c);
    }
    Func out("Y");
    if (spec.requant) {
        out(n, m) = requant(y, broadcast_read(*a.find_input("mul"), {m, n}),
                            broadcast_read(*a.find_input("add"), {m, n}), *spec.requant);
        a.output = {"Y", spec.requant->output_type(), {M, N}};
    } else {
        out(n, m) = y;
        a.output = {"Y", ElemType::Int32, {M, N}};
    }
    fix_output_shape(out, {M, N});

    Stage s_acc;
    s_acc.name = "acc";
    s_acc.func = acc;
    s_acc.pure_loops = {"m", "n"};
    s_acc.reduction_loops = {"k"};
    s_acc.extents = {{"m", M}, {"n", N}, {"k", K}};
    s_acc.rdom = r;
    Stage s_out;
    s_out.name = "Y";
    s_out.func = out;
    s_out.pure_loops = {"m", "n"};
    s_out.extents = {{"m", M}, {"n", N}};
    a.stages = {s_acc, s_out};
    a.requant = spec.requant;
    a.macs = int64_t(M) * N * K;
    a.operands_k_contiguous = !spec.trans_a && spec.trans_b;
    return a;
}

}  // namespace halyard
