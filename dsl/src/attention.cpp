// Multi-head self-attention (grouped-query heads, optional KV cache, causal
// mask) composed from the integer ops: RQ projections, RQ scores, Deeploy's
// iSoftmax, RQ context, RQ output projection. Every intermediate is a named
// stage, so a schedule can choose between layer-by-layer (the default: each
// stage at root in L2) and depth-first (the attention map one row at a time).
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace detail {

Expr rq_const(Expr v, const RequantConst &rq) {
    RequantParams p;
    p.log2d = rq.log2d;
    return requant(v, Expr(rq.mul), Expr(rq.add), p);
}

namespace {

void check_rq(const std::string &op, const std::string &name, const RequantConst &rq) {
    if (rq.log2d < 0 || rq.log2d > 31) {
        throw UserError(op + ": requantization " + name + " has log2d=" + std::to_string(rq.log2d) + " outside 0..31");
    }
}

}  // namespace

void check_attention(const std::string &op, const AttentionSpec &spec) {
    const int S = spec.S, E = spec.E, H = spec.H, Hkv = spec.Hkv, Dh = spec.Dh, T = spec.past;
    if (S < 1 || E < 1 || H < 1 || Hkv < 1 || Dh < 1 || T < 0) {
        throw UserError(op + ": S, E, H, Hkv, Dh must be >= 1 and past >= 0 (got S=" + std::to_string(S) + ", E=" +
                        std::to_string(E) + ", H=" + std::to_string(H) + ", Hkv=" + std::to_string(Hkv) + ", Dh=" +
                        std::to_string(Dh) + ", past=" + std::to_string(T) + ")");
    }
    if (H % Hkv) {
        throw UserError(op + ": H=" + std::to_string(H) + " query heads must be a multiple of Hkv=" + std::to_string(Hkv));
    }
    const int L = T + S;
    if (E > (1 << 16) || H * Dh > (1 << 16) || L > (1 << 16)) {
        throw UserError(op + ": E, H*Dh and past+S must be <= 65536 (int32 accumulators)");
    }
    for (auto [name, rq] : {std::pair<const char *, RequantConst>{"rq_q", spec.rq_q}, {"rq_k", spec.rq_k}, {"rq_v", spec.rq_v},
                           {"rq_s", spec.rq_s}, {"rq_c", spec.rq_c}, {"rq_o", spec.rq_o}}) {
        check_rq(op, name, rq);
    }
    if (spec.rope) {
        if (spec.fused_qk || spec.bias) throw UserError(op + ": RoPE attention supports neither fused_qk nor biases");
        if (Dh % 2) throw UserError(op + ": RoPE needs an even head width, not Dh=" + std::to_string(Dh));
        if (spec.rope_positions < T + S || spec.rope_positions < 2) {
            throw UserError(op + ": rope_positions=" + std::to_string(spec.rope_positions) +
                            " must cover the positions 0..past+S-1 (past+S=" + std::to_string(T + S) + ") and be >= 2");
        }
        if (spec.rope_frac_bits < 1 || spec.rope_frac_bits > 14) throw UserError(op + ": rope_frac_bits outside 1..14");
    }
    if (spec.fused_qk && (spec.past > 0 || spec.bias)) {
        throw UserError(op + ": fused-weight attention (fused_qk) supports neither a KV cache (past=" +
                        std::to_string(spec.past) + ") nor biases");
    }
    const ISoftmaxSpec &sm = spec.softmax;
    if (sm.log2 < 1 || sm.n_levels < 2 || sm.n_levels > 256) {
        throw UserError(op + ": softmax log2=" + std::to_string(sm.log2) + " must be >= 1 and n_levels=" +
                        std::to_string(sm.n_levels) + " in 2..256");
    }
}

Func attention_body(const AttentionSpec &spec, const AttentionIO &io, std::vector<Stage> &stages) {
    const int S = spec.S, E = spec.E, H = spec.H, Hkv = spec.Hkv, Dh = spec.Dh, T = spec.past;
    const int L = T + S, group = H / Hkv;
    const ISoftmaxSpec &sm = spec.softmax;
    Var h("h"), s("s"), d("d"), i("i"), j("j"), e("e");

    // Projections: acc[h, s, d] = sum_e x[s, e] W[e, h*Dh + d] (+ b), then requantized.
    // `col0`: the first column of this projection in Wqkv / bqkv.
    // `width` columns per head (Dh; E for the fused query-key weight).
    auto projection = [&](int col0, int heads, int width, const RequantConst &rq, const std::string &acc_name,
                          const std::string &out_name) {
        Func acc(acc_name), out(out_name);
        RDom r(0, E, "e");
        const ImageParam &W = io.Wqkv;
        acc(d, s, h) = io.bqkv ? (*io.bqkv)(col0 + h * width + d) : Expr(0);
        acc(d, s, h) += cast<int32_t>(io.x(r.x, s)) * cast<int32_t>(W(col0 + h * width + d, r.x));
        out(d, s, h) = rq_const(acc(d, s, h), rq);
        stages.push_back(make_stage(acc_name, acc, {"h", "s", "d"}, {heads, S, width}, "e", r, E));
        stages.push_back(make_stage(out_name, out, {"h", "s", "d"}, {heads, S, width}));
        return out;
    };
    // Fused-weight self-attention: Q is x Wqk[h] (E wide) and the keys are x itself.
    const int qk_width = spec.fused_qk ? E : Dh;
    Func Q = projection(0, H, qk_width, spec.rq_q, "q_acc", "Q");
    if (spec.rope) {
        Q = rope_heads(Q, "Q_rope", Dh, T, spec.rope_positions, spec.rope_frac_bits, spec.rope_interleaved,
                       *io.rope_tables);
    }
    Func Knew, Vnew;
    if (spec.fused_qk) {
        Knew = Func("K");
        Knew(d, s, h) = io.x(d, s);  // every head reads x (inlined)
        Vnew = projection(H * E, Hkv, Dh, spec.rq_v, "v_acc", "V");
    } else {
        Knew = projection(H * Dh, Hkv, Dh, spec.rq_k, "k_acc", "K");
        if (spec.rope) {
            Knew = rope_heads(Knew, "K_rope", Dh, T, spec.rope_positions, spec.rope_frac_bits, spec.rope_interleaved,
                              *io.rope_tables);
        }
        Vnew = projection((H + Hkv) * Dh, Hkv, Dh, spec.rq_v, "v_acc", "V");
    }

    // Keys/values over the whole attended sequence (cache first).
    auto full = [&](Func fresh, int which) {
        if (T == 0) return Expr(fresh(d, j, h));
        Expr past = (*io.kv_cache)(d, clamp(j, 0, T - 1), h, which);
        return select(j < T, past, fresh(d, clamp(j - T, 0, S - 1), h));
    };
    Func Kall("K_all"), Vall("V_all");
    Kall(d, j, h) = full(Knew, 0);
    Vall(d, j, h) = full(Vnew, 1);  // inlined into their consumers

    // scores[h, i, j] = rq_s(Q[h, i, :] . K[h / group, j, :])
    Func s_acc("s_acc"), scores("scores");
    RDom rd(0, qk_width, "k");
    s_acc(j, i, h) = 0;
    s_acc(j, i, h) += cast<int32_t>(Q(rd.x, i, h)) * cast<int32_t>(Kall(rd.x, j, h / group));
    scores(j, i, h) = rq_const(s_acc(j, i, h), spec.rq_s);
    stages.push_back(make_stage("s_acc", s_acc, {"h", "i", "j"}, {H, S, L}, "k", rd, qk_width));
    stages.push_back(make_stage("scores", scores, {"h", "i", "j"}, {H, S, L}));

    // iSoftmax over the keys, masked when causal (query i sits at position T + i).
    auto valid = [&](const Expr &i_, const Expr &j_) { return spec.causal ? j_ <= i_ + T : Halide::Internal::const_true(); };
    Func xmax("xmax"), ssum("ssum"), P("P");
    RDom rj(0, L, "j");
    xmax(i, h) = cast<int32_t>(-128);
    xmax(i, h) = select(valid(i, rj.x), max(xmax(i, h), cast<int32_t>(scores(rj.x, i, h))), xmax(i, h));
    auto exp_at = [&](const Expr &j_) {
        return isoftmax_exp(cast<int32_t>(scores(j_, i, h)), xmax(i, h), sm.coeffA, sm.coeffB, sm.coeffC, sm.log2);
    };
    RDom rs(0, L, "j");
    ssum(i, h) = cast<uint32_t>(0);
    ssum(i, h) = ssum(i, h) + select(valid(i, rs.x), exp_at(rs.x), cast<uint32_t>(0));
    P(j, i, h) = select(valid(i, j),
                        cast<uint8_t>((exp_at(j) * cast<uint32_t>((int32_t)sm.n_levels - 1)) / ssum(i, h)),
                        cast<uint8_t>(0));
    stages.push_back(make_stage("xmax", xmax, {"h", "i"}, {H, S}, "j", rj, L));
    stages.push_back(make_stage("ssum", ssum, {"h", "i"}, {H, S}, "j", rs, L));
    stages.push_back(make_stage("P", P, {"h", "i", "j"}, {H, S, L}));

    // ctx[h, i, d] = rq_c(sum_j P[h, i, j] V[h / group, j, d])
    Func c_acc("c_acc"), ctx("ctx");
    RDom rc(0, L, "j");
    c_acc(d, i, h) = 0;
    c_acc(d, i, h) += cast<int32_t>(P(rc.x, i, h)) * cast<int32_t>(Vall(d, rc.x, h / group));
    ctx(d, i, h) = rq_const(c_acc(d, i, h), spec.rq_c);
    stages.push_back(make_stage("c_acc", c_acc, {"h", "i", "d"}, {H, S, Dh}, "j", rc, L));
    stages.push_back(make_stage("ctx", ctx, {"h", "i", "d"}, {H, S, Dh}));

    // y_acc[s, e] = sum_k ctx[k / Dh, s, k % Dh] Wo[k, e] + bo[e]
    Func y_acc("y_acc");
    RDom rk(0, H * Dh, "k");
    y_acc(e, s) = io.bo ? (*io.bo)(e) : Expr(0);
    y_acc(e, s) += cast<int32_t>(ctx(rk.x % Dh, s, rk.x / Dh)) * cast<int32_t>(io.Wo(e, io.wo_row0 + rk.x));
    stages.push_back(make_stage("y_acc", y_acc, {"s", "e"}, {S, E}, "k", rk, H * Dh));
    return y_acc;
}


Func rope_heads(Func f, const std::string &name, int Dh, int pos0, int positions, int frac_bits, bool interleaved,
                const ImageParam &tables) {
    Var d("d"), s("s"), h("h");
    const int half = Dh / 2;
    Expr first, i, partner;
    if (interleaved) {
        first = d % 2 == 0;
        i = d / 2;
        partner = select(first, d + 1, d - 1);
    } else {
        first = d < half;
        i = select(first, d, d - half);
        partner = select(first, d + half, d - half);
    }
    i = clamp(i, 0, half - 1);
    partner = clamp(partner, 0, Dh - 1);
    Expr p = clamp(s + pos0, 0, positions - 1);
    Expr self = cast<int32_t>(f(d, s, h)), other = cast<int32_t>(f(partner, s, h));
    Expr c = cast<int32_t>(tables(i, p, 0)), sn = cast<int32_t>(tables(i, p, 1));
    Expr v = select(first, self * c - other * sn, other * sn + self * c);
    v = (v + (1 << (frac_bits - 1))) >> frac_bits;
    Func out(name);
    out(d, s, h) = cast<int8_t>(clamp(v, -128, 127));
    return out;
}

}  // namespace detail

int64_t attention_parameters(const AttentionSpec &spec) {
    const int64_t E = spec.E, H = spec.H, Hkv = spec.Hkv, Dh = spec.Dh;
    const int64_t qkv = spec.fused_qk ? H * E + Hkv * Dh : (H + 2 * Hkv) * Dh;
    return E * qkv + H * Dh * E + (spec.bias ? qkv + E : 0);
}

Algorithm attention(const AttentionSpec &spec) {
    const std::string op = "attention";
    const int S = spec.S, E = spec.E, H = spec.H, Hkv = spec.Hkv, Dh = spec.Dh, T = spec.past;
    check_attention(op, spec);
    Algorithm a;
    a.op = op;
    // Fused QKV weight (one [E, (H + 2 Hkv) Dh] matrix: Q, then K, then V columns)
    // and one KV cache tensor keep the entry point at <= 7 pointers.
    const int QKV = spec.fused_qk ? H * E + Hkv * Dh : (H + 2 * Hkv) * Dh;
    a.inputs.push_back(make_input("x", ElemType::Int8, {S, E}));
    a.inputs.push_back(make_input("Wqkv", ElemType::Int8, {E, QKV}));
    a.inputs.push_back(make_input("Wo", ElemType::Int8, {H * Dh, E}));
    if (spec.bias) {
        a.inputs.push_back(make_input("bqkv", ElemType::Int32, {QKV}));
        a.inputs.push_back(make_input("bo", ElemType::Int32, {E}));
    }
    if (T > 0) a.inputs.push_back(make_input("kv_cache", ElemType::Int8, {2, Hkv, T, Dh}));
    if (spec.rope) a.inputs.push_back(make_input("rope_tables", ElemType::Int16, {2, spec.rope_positions, Dh / 2}));
    auto in = [&](const std::string &n) { return a.find_input(n)->param; };
    AttentionIO io;
    io.x = Func("x_in");
    {
        Var e("e"), s("s");
        io.x(e, s) = in("x")(e, s);
    }
    io.Wqkv = in("Wqkv");
    io.Wo = in("Wo");
    if (spec.bias) {
        io.bqkv = in("bqkv");
        io.bo = in("bo");
    }
    if (T > 0) io.kv_cache = in("kv_cache");
    if (spec.rope) io.rope_tables = in("rope_tables");
    std::vector<Stage> stages;
    Func y_acc = attention_body(spec, io, stages);
    Func Y("Y");
    {
        Var e("e"), s("s");
        Y(e, s) = rq_const(y_acc(e, s), spec.rq_o);
    }
    stages.push_back(make_stage("Y", Y, {"s", "e"}, {S, E}));

    a.output = {"Y", ElemType::Int8, {S, E}};
    fix_output_shape(Y, {S, E});
    a.stages = stages;
    a.macs = int64_t(S) * E * QKV + int64_t(H) * S * (T + S) * (spec.fused_qk ? E + Dh : 2 * Dh) +
             int64_t(S) * H * Dh * E;
    return a;
}

}  // namespace halyard
