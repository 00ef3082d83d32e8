// The KV-cache update of a decode step: the new tokens' requantized keys and
// values appended to the cache (the second output of Deeploy's microLlama
// attention, which Halyard's single-output attention does not produce).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm kv_cache_update(const KvCacheUpdateSpec &spec) {
    const std::string op = "kv_cache_update";
    const AttentionSpec &at = spec.attn;
    check_attention(op, at);
    if (at.fused_qk) throw UserError(op + ": fused-weight attention keeps no K/V cache");
    const int S = at.S, E = at.E, H = at.H, Hkv = at.Hkv, Dh = at.Dh, T = at.past;
    const int QKV = (H + 2 * Hkv) * Dh;
    const int cols = spec.weight_cols ? spec.weight_cols : QKV;
    if (cols < QKV) {
        throw UserError(op + ": weight_cols=" + std::to_string(cols) + " is less than the (H + 2 Hkv) Dh = " +
                        std::to_string(QKV) + " columns of Q, K and V");
    }
    if (spec.rmsnorm && (spec.norm_log2d < 0 || spec.norm_log2d > 31)) throw UserError(op + ": norm_log2d outside 0..31");
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, {S, E}));
    a.inputs.push_back(make_input("W", ElemType::Int8, {E, cols}));
    if (at.bias) a.inputs.push_back(make_input("bqkv", ElemType::Int32, {QKV}));
    if (spec.rmsnorm) a.inputs.push_back(make_input("norm_w", ElemType::Int32, {E}));
    if (T > 0) a.inputs.push_back(make_input("kv_cache", ElemType::Int8, {2, Hkv, T, Dh}));
    if (at.rope) a.inputs.push_back(make_input("rope_tables", ElemType::Int16, {2, at.rope_positions, Dh / 2}));
    auto in = [&](const std::string &n) { return a.find_input(n)->param; };
    const ImageParam X = in("x"), W = in("W");

    std::vector<Stage> stages;
    Var s("s"), e("e"), d("d"), h("h"), t("t"), w("w");
    Func xn("xn");
    if (spec.rmsnorm) {
        // Deeploy's iRMSNorm over the E values of each token.
        Func sumsq("sumsq"), sd("std");
        RDom r(0, E, "e");
        sumsq(s) = 0;
        Expr xv = cast<int32_t>(X(r.x, s));
        sumsq(s) = sumsq(s) + xv * xv;
        RDom rb(0, 9, "b");
        sd(s) = 0;
        Expr cand = sd(s) | (Expr(1) << (8 - rb.x));
        sd(s) = select(cand * cand <= sumsq(s) / E + 1, cand, sd(s));
        Expr v = div_round_to_zero(cast<int32_t>(X(e, s)) * in("norm_w")(e), sd(s)) >> spec.norm_log2d;
        xn(e, s) = cast<int8_t>(clamp(v, -128, 127));
        stages.push_back(make_stage("sumsq", sumsq, {"s"}, {S}, "e", r, E));
        stages.push_back(make_stage("std", sd, {"s"}, {S}, "b", rb, 9));
        stages.push_back(make_stage("xn", xn, {"s", "e"}, {S, E}));
    } else {
        xn(e, s) = X(e, s);  // inlined
    }
    // kv_acc[w, h, s, d]: w = 0 keys, 1 values.
    Func acc("kv_acc"), fresh("kv_new");
    RDom r(0, E, "e");
    Expr col = H * Dh + w * (Hkv * Dh) + h * Dh + d;
    acc(d, s, h, w) = at.bias ? in("bqkv")(col) : Expr(0);
    acc(d, s, h, w) += cast<int32_t>(xn(r.x, s)) * cast<int32_t>(W(col, r.x));
    fresh(d, s, h, w) = select(w == 0, rq_const(acc(d, s, h, w), at.rq_k), rq_const(acc(d, s, h, w), at.rq_v));
    stages.push_back(make_stage("kv_acc", acc, {"w", "h", "s", "d"}, {2, Hkv, S, Dh}, "e", r, E));
    stages.push_back(make_stage("kv_new", fresh, {"w", "h", "s", "d"}, {2, Hkv, S, Dh}));
    Func keys("keys");
    keys(d, s, h) = fresh(d, s, h, 0);
    if (at.rope) {
        keys = rope_heads(keys, "K_rope", Dh, T, at.rope_positions, at.rope_frac_bits, at.rope_interleaved,
                          in("rope_tables"));
    }
    Func Y("Y");
    const Expr tn = clamp(t - T, 0, S - 1);
    Expr v = select(w == 0, keys(d, tn, h), fresh(d, tn, h, 1));
    if (T > 0) v = select(t < T, in("kv_cache")(d, clamp(t, 0, T - 1), h, w), v);
    Y(d, t, h, w) = v;
    stages.push_back(make_stage("Y", Y, {"w", "h", "t", "d"}, {2, Hkv, T + S, Dh}));
    a.output = {"Y", ElemType::Int8, {2, Hkv, T + S, Dh}};
    fix_output_shape(Y, {2, Hkv, T + S, Dh});
    a.stages = stages;
    a.macs = int64_t(2) * S * E * Hkv * Dh;
    return a;
}

}  // namespace halyard
