// A Llama-style decoder block composed from the integer ops (iRMSNorm,
// attention, requantized residual adds, gated FFN with iSiLU), as one
// algorithm: the backend plans one arena for every intermediate of the block.
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace {

// Deeploy's iRMSNorm of the int8 rows x(e, s) (E wide) with weight w(e):
// stages <prefix>sumsq, <prefix>std, <out>.
Func rmsnorm_stages(const std::string &prefix, const std::string &out, Func x, std::function<Expr(Expr)> w, int S, int E,
                    int log2d, std::vector<Stage> &stages) {
    Var s("s"), e("e");
    Func sumsq(prefix + "sumsq"), sd(prefix + "std"), y(out);
    RDom r(0, E, "e");
    sumsq(s) = 0;
    Expr xv = cast<int32_t>(x(r.x, s));
    sumsq(s) = sumsq(s) + xv * xv;
    RDom rb(0, 9, "b");
    sd(s) = 0;
    Expr cand = sd(s) | (Expr(1) << (8 - rb.x));
    sd(s) = select(cand * cand <= sumsq(s) / E + 1, cand, sd(s));
    Expr v = div_round_to_zero(cast<int32_t>(x(e, s)) * w(e), sd(s)) >> log2d;
    y(e, s) = cast<int8_t>(clamp(v, -128, 127));
    stages.push_back(make_stage(prefix + "sumsq", sumsq, {"s"}, {S}, "e", r, E));
    stages.push_back(make_stage(prefix + "std", sd, {"s"}, {S}, "b", rb, 9));
    stages.push_back(make_stage(out, y, {"s", "e"}, {S, E}));
    return y;
}

}  // namespace

Algorithm decoder_block(const DecoderSpec &spec) {
    const std::string op = "decoder_block";
    const AttentionSpec &at = spec.attn;
    check_attention(op, at);
    if (at.fused_qk) throw UserError(op + ": fused-weight attention (fused_qk) is for the attention generator only");
    if (at.bias) throw UserError(op + ": the decoder block's attention has no biases (bias=0)");
    const int S = at.S, E = at.E, H = at.H, Hkv = at.Hkv, Dh = at.Dh, T = at.past, F = spec.F;
    if (F < 1 || F > (1 << 16)) throw UserError(op + ": FFN width F=" + std::to_string(F) + " is outside 1..65536");
    if (E > 131071) throw UserError(op + ": E=" + std::to_string(E) + " would overflow the RMSNorm sum of squares");
    if (spec.norm_log2d < 0 || spec.norm_log2d > 31) throw UserError(op + ": norm_log2d outside 0..31");
    if (spec.silu_b >= 0 || 127 * spec.silu_b * spec.silu_b >= (int64_t(1) << 31)) {
        throw UserError(op + ": silu_b=" + std::to_string(spec.silu_b) + " must be negative with 128 * b^2 < 2^31");
    }
    for (const RequantConst *rq : {&spec.rq_r1, &spec.rq_g, &spec.rq_u, &spec.rq_sl, &spec.rq_m, &spec.rq_d, &spec.rq_r2}) {
        if (rq->log2d < 0 || rq->log2d > 31) throw UserError(op + ": a requantization log2d is outside 0..31");
    }
    const int QKV = (H + 2 * Hkv) * Dh;
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, {S, E}));
    a.inputs.push_back(make_input("W_in", ElemType::Int8, {E, QKV + 2 * F}));
    a.inputs.push_back(make_input("W_out", ElemType::Int8, {H * Dh + F, E}));
    a.inputs.push_back(make_input("norm_w", ElemType::Int32, {2, E}));
    if (T > 0) a.inputs.push_back(make_input("kv_cache", ElemType::Int8, {2, Hkv, T, Dh}));
    if (at.rope) a.inputs.push_back(make_input("rope_tables", ElemType::Int16, {2, at.rope_positions, Dh / 2}));
    auto in = [&](const std::string &n) { return a.find_input(n)->param; };
    const ImageParam X = in("x"), Win = in("W_in"), Wout = in("W_out"), NW = in("norm_w");

    std::vector<Stage> stages;
    Var s("s"), e("e"), f("f");
    Func x_in("x_in");
    x_in(e, s) = X(e, s);

    // Attention sub-layer with its residual.
    Func xn1 = rmsnorm_stages("n1_", "xn1", x_in, [&](Expr ee) { return NW(ee, 0); }, S, E, spec.norm_log2d, stages);
    AttentionIO io;
    io.x = xn1;
    io.Wqkv = Win;
    io.Wo = Wout;
    if (T > 0) io.kv_cache = in("kv_cache");
    if (at.rope) io.rope_tables = in("rope_tables");
    Func y_acc = attention_body(at, io, stages);
    Func hres("resid");
    hres(e, s) = rq_const(cast<int32_t>(X(e, s)) + cast<int32_t>(rq_const(y_acc(e, s), at.rq_o)), spec.rq_r1);
    stages.push_back(make_stage("resid", hres, {"s", "e"}, {S, E}));

    // Gated FFN sub-layer with its residual.
    Func xn2 = rmsnorm_stages("n2_", "xn2", hres, [&](Expr ee) { return NW(ee, 1); }, S, E, spec.norm_log2d, stages);
    auto ffn_in = [&](int col0, const std::string &acc_name, const std::string &out_name, const RequantConst &rq) {
        Func acc(acc_name), out(out_name);
        RDom r(0, E, "e");
        acc(f, s) = 0;
        acc(f, s) += cast<int32_t>(xn2(r.x, s)) * cast<int32_t>(Win(col0 + f, r.x));
        out(f, s) = rq_const(acc(f, s), rq);
        stages.push_back(make_stage(acc_name, acc, {"s", "f"}, {S, F}, "e", r, E));
        stages.push_back(make_stage(out_name, out, {"s", "f"}, {S, F}));
        return out;
    };
    Func gate = ffn_in(QKV, "g_acc", "gate", spec.rq_g);
    Func up = ffn_in(QKV + F, "u_acc", "up", spec.rq_u);
    // iSiLU (one = b^2), requantized, times up, requantized.
    const int32_t b = (int32_t)spec.silu_b, one = (int32_t)(spec.silu_b * spec.silu_b);
    Expr g = cast<int32_t>(gate(f, s));
    Expr sign = select(g > 0, 1, select(g < 0, -1, 0));
    Expr dq = cast<int32_t>(min(abs(g), cast<uint32_t>(-b))) + b;
    Expr silu = g * ((one + sign * (one - dq * dq)) >> 1);
    Func act("act");
    act(f, s) = rq_const(cast<int32_t>(rq_const(silu, spec.rq_sl)) * cast<int32_t>(up(f, s)), spec.rq_m);
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
    a.macs = int64_t(S) * E * (QKV + 3 * F) + 2 * int64_t(H) * S * (T + S) * Dh + int64_t(S) * H * Dh * E;
    return a;
}

}  // namespace halyard
