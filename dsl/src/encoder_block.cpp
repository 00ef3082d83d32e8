// A pre-norm encoder block (iLayerNorm, attention, iGELU FFN) composed from
// the integer ops as one algorithm (one arena plan for the block).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace {

// Deeploy's iLayerNorm of the int8 rows x(e, s) with weight w(e), bias b(e):
// stages <prefix>sum, <prefix>sumsq, <prefix>std, <out>.
Func layernorm_stages(const std::string &prefix, const std::string &out, Func x, std::function<Expr(Expr)> w,
                      std::function<Expr(Expr)> b, int S, int E, int log2d, std::vector<Stage> &stages) {
    Var s("s"), e("e");
    Func sum(prefix + "sum"), sumsq(prefix + "sumsq"), sd(prefix + "std"), y(out);
    RDom r(0, E, "e");
    sum(s) = 0;
    sum(s) = sum(s) + cast<int32_t>(x(r.x, s));
    Expr mean = div_round_to_zero(sum(s), E);
    RDom r2(0, E, "e");
    sumsq(s) = 0;
    Expr dv = cast<int32_t>(x(r2.x, s)) - mean;
    sumsq(s) = sumsq(s) + dv * dv;
    RDom rb(0, 9, "b");
    sd(s) = 0;
    Expr cand = sd(s) | (Expr(1) << (8 - rb.x));
    sd(s) = select(cand * cand <= sumsq(s) / E + 1, cand, sd(s));
    Expr v = (div_round_to_zero((cast<int32_t>(x(e, s)) - mean) * w(e), sd(s)) + b(e)) >> log2d;
    y(e, s) = cast<int8_t>(clamp(v, -128, 127));
    stages.push_back(make_stage(prefix + "sum", sum, {"s"}, {S}, "e", r, E));
    stages.push_back(make_stage(prefix + "sumsq", sumsq, {"s"}, {S}, "e", r2, E));
    stages.push_back(make_stage(prefix + "std", sd, {"s"}, {S}, "b", rb, 9));
    stages.push_back(make_stage(out, y, {"s", "e"}, {S, E}));
    return y;
}

}  // namespace

Algorithm encoder_block(const EncoderSpec &spec) {
    const std::string op = "encoder_block";
    const AttentionSpec &at = spec.attn;
    check_attention(op, at);
    if (at.rope) throw UserError(op + ": the encoder block has no RoPE (use learned or table position embeddings)");
    if (at.fused_qk) throw UserError(op + ": fused-weight attention (fused_qk) is for the attention generator only");
    if (at.bias) throw UserError(op + ": the encoder block's attention has no biases (bias=0)");
    const int S = at.S, E = at.E, H = at.H, Hkv = at.Hkv, Dh = at.Dh, T = at.past, F = spec.F;
    if (F < 1 || F > (1 << 16)) throw UserError(op + ": FFN width F=" + std::to_string(F) + " is outside 1..65536");
    if (E > 33025) throw UserError(op + ": E=" + std::to_string(E) + " would overflow the LayerNorm variance sum");
    if (spec.norm_log2d < 0 || spec.norm_log2d > 31) throw UserError(op + ": norm_log2d outside 0..31");
    if (spec.gelu_b >= 0 || spec.gelu_b < -32768 || spec.gelu_one < 0 ||
        128 * std::max(spec.gelu_one, spec.gelu_b * spec.gelu_b) >= (int64_t(1) << 31)) {
        throw UserError(op + ": gelu_b=" + std::to_string(spec.gelu_b) + ", gelu_one=" + std::to_string(spec.gelu_one) +
                        ": need b < 0, one >= 0 and 128 * max(one, b^2) < 2^31");
    }
    for (const RequantConst *rq : {&spec.rq_r1, &spec.rq_up, &spec.rq_gl, &spec.rq_d, &spec.rq_r2}) {
        if (rq->log2d < 0 || rq->log2d > 31) throw UserError(op + ": a requantization log2d is outside 0..31");
    }
    const int QKV = (H + 2 * Hkv) * Dh;
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, {S, E}));
    a.inputs.push_back(make_input("W_in", ElemType::Int8, {E, QKV + F}));
    a.inputs.push_back(make_input("W_out", ElemType::Int8, {H * Dh + F, E}));
    a.inputs.push_back(make_input("norm", ElemType::Int32, {4, E}));
    if (T > 0) a.inputs.push_back(make_input("kv_cache", ElemType::Int8, {2, Hkv, T, Dh}));
    auto in = [&](const std::string &n) { return a.find_input(n)->param; };
    const ImageParam X = in("x"), Win = in("W_in"), Wout = in("W_out"), NW = in("norm");

    std::vector<Stage> stages;
    Var s("s"), e("e"), f("f");
    Func x_in("x_in");
    x_in(e, s) = X(e, s);
    auto nrow = [&](int k) { return [&, k](Expr ee) { return NW(ee, k); }; };

    Func xn1 = layernorm_stages("n1_", "xn1", x_in, nrow(0), nrow(1), S, E, spec.norm_log2d, stages);
    AttentionIO io;
    io.x = xn1;
    io.Wqkv = Win;
    io.Wo = Wout;
    if (T > 0) io.kv_cache = in("kv_cache");
    Func y_acc = attention_body(at, io, stages);
    Func hres("resid");
    hres(e, s) = rq_const(cast<int32_t>(X(e, s)) + cast<int32_t>(rq_const(y_acc(e, s), at.rq_o)), spec.rq_r1);
    stages.push_back(make_stage("resid", hres, {"s", "e"}, {S, E}));

    Func xn2 = layernorm_stages("n2_", "xn2", hres, nrow(2), nrow(3), S, E, spec.norm_log2d, stages);
    Func u_acc("u_acc"), up("up");
    RDom r(0, E, "e");
    u_acc(f, s) = 0;
    u_acc(f, s) += cast<int32_t>(xn2(r.x, s)) * cast<int32_t>(Win(QKV + f, r.x));
    up(f, s) = rq_const(u_acc(f, s), spec.rq_up);
    stages.push_back(make_stage("u_acc", u_acc, {"s", "f"}, {S, F}, "e", r, E));
    stages.push_back(make_stage("up", up, {"s", "f"}, {S, F}));
    // iGELU, requantized.
    const int32_t b = (int32_t)spec.gelu_b, one = (int32_t)spec.gelu_one;
    Expr g = cast<int32_t>(up(f, s));
    Expr sign = select(g > 0, 1, select(g < 0, -1, 0));
    Expr dq = cast<int32_t>(min(abs(g), cast<uint32_t>(-b))) + b;
    Func act("act");
    act(f, s) = rq_const(g * ((one + sign * (one - dq * dq)) >> 1), spec.rq_gl);
    stages.push_back(make_stage("act", act, {"s", "f"}, {S, F}));
    Func d_acc("d_acc"), Y("Y");
    RDom rf(0, F, "f");
    d_acc(e, s) = 0;
    d_acc(e, s) += cast<int32_t>(act(rf.x, s)) * cast<int32_t>(Wout(e, H * Dh + rf.x));
    Y(e, s) = rq_const(cast<int32_t>(hres(e, s)) + cast<int32_t>(rq_const(d_acc(e, s), spec.rq_d)), spec.rq_r2);
    stages.push_back(make_stage("d_acc", d_acc, {"s", "e"}, {S, E}, "f", rf, F));
    stages.push_back(make_stage("Y", Y, {"s", "e"}, {S, E}));
    a.output = {"Y", ElemType::Int8, {S, E}};
    fix_output_shape(Y, {S, E});
    a.stages = stages;
    a.macs = int64_t(S) * E * (QKV + 2 * F) + 2 * int64_t(H) * S * (T + S) * Dh + int64_t(S) * H * Dh * E;
    return a;
}

}  // namespace halyard
