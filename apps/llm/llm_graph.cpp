#include "llm/llm_graph.h"

#include <stdexcept>

namespace halyard::llm {
namespace {

using io::AttrKind;
using io::OnnxAttribute;
using io::OnnxElemType;

// A small writer of graph nodes and constants with unique names per layer.
struct Builder {
    io::OnnxGraph g;

    std::string constant(const std::string &name, OnnxElemType type, std::vector<int64_t> shape,
                         std::vector<int64_t> values) {
        if (g.initializers.count(name)) return name;  // shared (RoPE tables)
        io::OnnxTensor t;
        t.name = name;
        t.elem_type = (int32_t)type;
        t.shape = std::move(shape);
        t.values = std::move(values);
        g.initializers[name] = std::move(t);
        return name;
    }
    static OnnxAttribute attr(const std::string &name, int64_t v) {
        OnnxAttribute a;
        a.name = name;
        a.kind = AttrKind::Int;
        a.i = v;
        return a;
    }
    static OnnxAttribute attr_ints(const std::string &name, std::vector<int64_t> v) {
        OnnxAttribute a;
        a.name = name;
        a.kind = AttrKind::Ints;
        a.ints = std::move(v);
        return a;
    }
    std::string node(const std::string &op, const std::string &out, std::vector<std::string> inputs,
                     std::vector<OnnxAttribute> attrs = {}) {
        io::OnnxNode n;
        n.op_type = op;
        n.name = out;
        n.index = g.nodes.size();
        n.inputs = std::move(inputs);
        n.outputs = {out};
        n.attributes = std::move(attrs);
        g.nodes.push_back(std::move(n));
        return out;
    }
    std::string requant(const std::string &x, const std::string &out, const RequantConsts &rq) {
        const std::string mul = constant(out + ".mul", OnnxElemType::Int32, {(int64_t)rq.mul.size()}, rq.mul);
        const std::string add = constant(out + ".add", OnnxElemType::Int32, {(int64_t)rq.add.size()}, rq.add);
        return node("RequantShift", out, {x, mul, add},
                    {attr("div", rq.div), attr("n_levels", rq.n_levels), attr("signed", rq.is_signed ? 1 : 0)});
    }
    // Gemm(x, W^T) with W [rows, cols] int8, then its RequantShift.
    std::string linear(const std::string &x, const std::string &out, const std::vector<int64_t> &w, int rows, int cols,
                       const RequantConsts *rq) {
        const std::string wn = constant(out + ".weight", OnnxElemType::Int8, {rows, cols}, w);
        const std::string acc = node("Gemm", rq ? out + ".acc" : out, {x, wn}, {attr("transB", 1)});
        return rq ? requant(acc, out, *rq) : acc;
    }
    std::string reshape(const std::string &x, const std::string &out, std::vector<int64_t> shape) {
        const std::string s = constant(out + ".shape", OnnxElemType::Int64, {(int64_t)shape.size()}, shape);
        return node("Reshape", out, {x, s});
    }
    std::string rmsnorm(const std::string &x, const std::string &out, const std::vector<int64_t> &w, int64_t D) {
        const std::string wn = constant(out + ".weight", OnnxElemType::Int32, {(int64_t)w.size()}, w);
        return node("iRMSNorm", out, {x, wn}, {attr("D", D), attr("n_levels", 256)});
    }
    void input(const std::string &name, OnnxElemType type, std::vector<int64_t> shape) {
        io::OnnxValueInfo v;
        v.name = name;
        v.elem_type = (int32_t)type;
        v.shape = std::move(shape);
        v.has_shape = true;
        g.inputs.push_back(v);
        g.declared_inputs.push_back(name);
    }
    void output(const std::string &name, OnnxElemType type, std::vector<int64_t> shape) {
        io::OnnxValueInfo v;
        v.name = name;
        v.elem_type = (int32_t)type;
        v.shape = std::move(shape);
        v.has_shape = true;
        g.outputs.push_back(v);
    }
};

}  // namespace

std::map<std::string, ElemType> decode_input_types(const IntegerModel &m) {
    std::map<std::string, ElemType> t = {{"token", ElemType::Int32}, {"pos", ElemType::Int32}, {"n_valid", ElemType::Int32}};
    for (int l = 0; l < m.config.n_layers; l++) {
        t["k_cache." + std::to_string(l)] = ElemType::Int8;
        t["v_cache." + std::to_string(l)] = ElemType::Int8;
    }
    return t;
}

io::OnnxGraph decode_graph(const IntegerModel &m, int kv_len, const std::string &name) {
    const LlmConfig &c = m.config;
    if (kv_len < 1 || kv_len > c.seq_len) {
        throw std::invalid_argument("decode graph: kv_len " + std::to_string(kv_len) + " is outside [1, seq_len " +
                                    std::to_string(c.seq_len) + "]");
    }
    const int d = c.dim, hid = c.hidden_dim, hs = c.head_size(), H = c.n_heads, Hkv = c.n_kv_heads, V = c.vocab_size;
    const int G = H / Hkv;
    Builder b;
    b.g.path = name + ".onnx";
    b.g.graph_name = name;
    b.g.ir_version = 7;
    b.g.opset[""] = 13;
    b.input("token", OnnxElemType::Int32, {1});
    b.input("pos", OnnxElemType::Int32, {1});
    b.input("n_valid", OnnxElemType::Int32, {1});
    for (int l = 0; l < c.n_layers; l++) {
        b.input("k_cache." + std::to_string(l), OnnxElemType::Int8, {Hkv, kv_len, hs});
        b.input("v_cache." + std::to_string(l), OnnxElemType::Int8, {Hkv, kv_len, hs});
    }
    b.output("logits", OnnxElemType::Int32, {1, V});
    for (int l = 0; l < c.n_layers; l++) {
        b.output("k_new." + std::to_string(l), OnnxElemType::Int8, {Hkv, 1, hs});
        b.output("v_new." + std::to_string(l), OnnxElemType::Int8, {Hkv, 1, hs});
    }

    const std::string emb = b.constant("embedding", OnnxElemType::Int8, {V, d}, m.embedding);
    const std::string cos = b.constant("rope.cos", OnnxElemType::Int16, {c.seq_len, hs / 2}, m.rope_cos);
    const std::string sin = b.constant("rope.sin", OnnxElemType::Int16, {c.seq_len, hs / 2}, m.rope_sin);
    std::string x = b.node("Gather", "x.0", {emb, "token"}, {Builder::attr("axis", 0)});
    for (int l = 0; l < c.n_layers; l++) {
        const IntegerLayer &L = m.layers[l];
        const std::string p = "l" + std::to_string(l) + ".", ls = std::to_string(l);
        // Attention.
        const std::string xn = b.rmsnorm(x, p + "attn_norm", L.rms_att, L.rms_att_d);
        const std::string q = b.linear(xn, p + "q", L.wq, d, d, &L.rq_q);
        const std::string k = b.linear(xn, p + "k", L.wk, Hkv * hs, d, &L.rq_k);
        const std::string v = b.linear(xn, p + "v", L.wv, Hkv * hs, d, &L.rq_v);
        const std::string q3 = b.reshape(q, p + "q.heads", {H, 1, hs});
        const std::string qr = b.node("RoPE", p + "q.rope", {q3, "pos", cos, sin},
                                      {Builder::attr("frac_bits", m.rope_frac_bits), Builder::attr("interleaved", 1)});
        const std::string k3 = b.reshape(k, p + "k.heads", {Hkv, 1, hs});
        const std::string kn = b.node("RoPE", "k_new." + ls, {k3, "pos", cos, sin},
                                      {Builder::attr("frac_bits", m.rope_frac_bits), Builder::attr("interleaved", 1)});
        const std::string vn = b.reshape(v, "v_new." + ls, {Hkv, 1, hs});
        const std::string K = b.node("Concat", p + "keys", {kn, "k_cache." + ls}, {Builder::attr("axis", 1)});
        const std::string Vs = b.node("Concat", p + "values", {vn, "v_cache." + ls}, {Builder::attr("axis", 1)});
        const std::string qg = b.reshape(qr, p + "q.groups", {Hkv, G, hs});
        const std::string Kt = b.node("Transpose", p + "keys.t", {K}, {Builder::attr_ints("perm", {0, 2, 1})});
        const std::string s_acc = b.node("MatMul", p + "scores.acc", {qg, Kt});
        const std::string s = b.requant(s_acc, p + "scores", L.rq_scores);
        // The softmax sees one row per query head ([H, keys], a view), so its
        // rows spread over the cores.
        const std::string s_rows = b.reshape(s, p + "scores.rows", {H, kv_len + 1});
        const std::string P_rows = b.node("iSoftmax", p + "probs.rows", {s_rows, "n_valid"},
                                     {Builder::attr("coeffA", L.sm_coeffA), Builder::attr("coeffB", L.sm_coeffB),
                                      Builder::attr("coeffC", L.sm_coeffC), Builder::attr("log2", L.sm_log2),
                                      Builder::attr("n_levels", 256)});
        const std::string P = b.reshape(P_rows, p + "probs", {Hkv, G, kv_len + 1});
        const std::string c_acc = b.node("MatMul", p + "ctx.acc", {P, Vs});
        RequantConsts rq_ctx = L.rq_ctx;
        const std::string ctx3 = b.requant(c_acc, p + "ctx.heads", rq_ctx);
        const std::string ctx = b.reshape(ctx3, p + "ctx", {1, d});
        const std::string o = b.linear(ctx, p + "attn_out", L.wo, d, d, &L.rq_o);
        const std::string x1 = L.rescale_x1 ? b.requant(x, p + "resid1.x", L.rq_x1) : x;
        const std::string r1 = b.node("Add", p + "resid1.acc", {x1, o});
        const std::string h = b.requant(r1, p + "resid1", L.rq_res1);
        // FFN.
        const std::string hn = b.rmsnorm(h, p + "ffn_norm", L.rms_ffn, L.rms_ffn_d);
        const std::string g = b.linear(hn, p + "w1", L.w1, hid, d, &L.rq_g);
        const std::string u = b.linear(hn, p + "w3", L.w3, hid, d, &L.rq_u);
        const std::string sl_acc = b.node("iSiLU", p + "silu.acc", {g}, {Builder::attr("b", L.silu_b)});
        const std::string sl = b.requant(sl_acc, p + "silu", L.rq_silu);
        const std::string m_acc = b.node("Mul", p + "gate.acc", {sl, u});
        const std::string mm = b.requant(m_acc, p + "gate", L.rq_m);
        const std::string dn = b.linear(mm, p + "w2", L.w2, d, hid, &L.rq_d);
        const std::string h1 = L.rescale_h ? b.requant(h, p + "resid2.h", L.rq_h) : h;
        const std::string r2 = b.node("Add", p + "resid2.acc", {h1, dn});
        x = b.requant(r2, "x." + std::to_string(l + 1), L.rq_res2);
    }
    const std::string xf = b.rmsnorm(x, "final_norm", m.rms_final, m.rms_final_d);
    b.linear(xf, "logits", m.classifier, V, d, nullptr);
    return b.g;
}

io::OnnxGraph prefill_graph(const IntegerModel &m, int S, const std::string &name) {
    const LlmConfig &c = m.config;
    if (S < 1 || S > c.seq_len) {
        throw std::invalid_argument("prefill graph: " + std::to_string(S) + " tokens is outside [1, seq_len " +
                                    std::to_string(c.seq_len) + "]");
    }
    const int d = c.dim, hid = c.hidden_dim, hs = c.head_size(), H = c.n_heads, Hkv = c.n_kv_heads, V = c.vocab_size;
    const int G = H / Hkv;
    Builder b;
    b.g.path = name + ".onnx";
    b.g.graph_name = name;
    b.g.ir_version = 7;
    b.g.opset[""] = 13;
    b.input("tokens", OnnxElemType::Int32, {S});
    b.output("logits", OnnxElemType::Int32, {1, V});
    for (int l = 0; l < c.n_layers; l++) {
        b.output("k_new." + std::to_string(l), OnnxElemType::Int8, {Hkv, S, hs});
        b.output("v_new." + std::to_string(l), OnnxElemType::Int8, {Hkv, S, hs});
    }
    std::vector<int64_t> positions(S), lengths(S);
    for (int i = 0; i < S; i++) positions[i] = i, lengths[i] = i + 1;
    const std::string pos = b.constant("positions", OnnxElemType::Int32, {S}, positions);
    const std::string causal = b.constant("causal_lengths", OnnxElemType::Int32, {S}, lengths);
    const std::string emb = b.constant("embedding", OnnxElemType::Int8, {V, d}, m.embedding);
    const std::string cos = b.constant("rope.cos", OnnxElemType::Int16, {c.seq_len, hs / 2}, m.rope_cos);
    const std::string sin = b.constant("rope.sin", OnnxElemType::Int16, {c.seq_len, hs / 2}, m.rope_sin);
    auto rope = [&](const std::string &x, const std::string &out) {
        return b.node("RoPE", out, {x, pos, cos, sin},
                      {Builder::attr("frac_bits", m.rope_frac_bits), Builder::attr("interleaved", 1)});
    };
    // [S, heads * hs] -> [heads, S, hs]
    auto heads_first = [&](const std::string &x, const std::string &out, int heads) {
        const std::string r = b.reshape(x, out + ".rows", {S, heads, hs});
        return b.node("Transpose", out, {r}, {Builder::attr_ints("perm", {1, 0, 2})});
    };
    std::string x = b.node("Gather", "x.0", {emb, "tokens"}, {Builder::attr("axis", 0)});
    for (int l = 0; l < c.n_layers; l++) {
        const IntegerLayer &L = m.layers[l];
        const std::string p = "l" + std::to_string(l) + ".", ls = std::to_string(l);
        const std::string xn = b.rmsnorm(x, p + "attn_norm", L.rms_att, L.rms_att_d);
        const std::string q = b.linear(xn, p + "q", L.wq, d, d, &L.rq_q);
        const std::string k = b.linear(xn, p + "k", L.wk, Hkv * hs, d, &L.rq_k);
        const std::string v = b.linear(xn, p + "v", L.wv, Hkv * hs, d, &L.rq_v);
        const std::string qr = rope(heads_first(q, p + "q.heads", H), p + "q.rope");
        const std::string kn = rope(heads_first(k, p + "k.heads", Hkv), "k_new." + ls);
        const std::string vn = heads_first(v, "v_new." + ls, Hkv);
        // Query heads of one KV head as rows: [Hkv, G * S, hs] (a view).
        const std::string qg = b.reshape(qr, p + "q.groups", {Hkv, G * S, hs});
        const std::string Kt = b.node("Transpose", p + "keys.t", {kn}, {Builder::attr_ints("perm", {0, 2, 1})});
        const std::string s_acc = b.node("MatMul", p + "scores.acc", {qg, Kt});
        const std::string s = b.requant(s_acc, p + "scores", L.rq_scores);
        // Causal: query i sees keys 0..i (row lengths 1..S broadcast over the heads).
        const std::string s_rows = b.reshape(s, p + "scores.rows", {H, S, S});
        const std::string P_rows = b.node("iSoftmax", p + "probs.rows", {s_rows, causal},
                                          {Builder::attr("coeffA", L.sm_coeffA), Builder::attr("coeffB", L.sm_coeffB),
                                           Builder::attr("coeffC", L.sm_coeffC), Builder::attr("log2", L.sm_log2),
                                           Builder::attr("n_levels", 256)});
        const std::string P = b.reshape(P_rows, p + "probs", {Hkv, G * S, S});
        const std::string c_acc = b.node("MatMul", p + "ctx.acc", {P, vn});
        const std::string ctx3 = b.requant(c_acc, p + "ctx.heads", L.rq_ctx);
        const std::string ctx_h = b.reshape(ctx3, p + "ctx.hrows", {H, S, hs});
        const std::string ctx_t = b.node("Transpose", p + "ctx.tokens", {ctx_h}, {Builder::attr_ints("perm", {1, 0, 2})});
        const std::string ctx = b.reshape(ctx_t, p + "ctx", {S, d});
        const std::string o = b.linear(ctx, p + "attn_out", L.wo, d, d, &L.rq_o);
        const std::string x1 = L.rescale_x1 ? b.requant(x, p + "resid1.x", L.rq_x1) : x;
        const std::string h = b.requant(b.node("Add", p + "resid1.acc", {x1, o}), p + "resid1", L.rq_res1);
        const std::string hn = b.rmsnorm(h, p + "ffn_norm", L.rms_ffn, L.rms_ffn_d);
        const std::string g = b.linear(hn, p + "w1", L.w1, hid, d, &L.rq_g);
        const std::string u = b.linear(hn, p + "w3", L.w3, hid, d, &L.rq_u);
        const std::string sl = b.requant(b.node("iSiLU", p + "silu.acc", {g}, {Builder::attr("b", L.silu_b)}), p + "silu",
                                         L.rq_silu);
        const std::string mm = b.requant(b.node("Mul", p + "gate.acc", {sl, u}), p + "gate", L.rq_m);
        const std::string dn = b.linear(mm, p + "w2", L.w2, d, hid, &L.rq_d);
        const std::string h1 = L.rescale_h ? b.requant(h, p + "resid2.h", L.rq_h) : h;
        x = b.requant(b.node("Add", p + "resid2.acc", {h1, dn}), "x." + std::to_string(l + 1), L.rq_res2);
    }
    // Only the last token's logits.
    const std::string st = b.constant("last.starts", OnnxElemType::Int64, {1}, {S - 1});
    const std::string en = b.constant("last.ends", OnnxElemType::Int64, {1}, {S});
    const std::string ax = b.constant("last.axes", OnnxElemType::Int64, {1}, {0});
    const std::string last = b.node("Slice", "x.last", {x, st, en, ax});
    const std::string xf = b.rmsnorm(last, "final_norm", m.rms_final, m.rms_final_d);
    b.linear(xf, "logits", m.classifier, V, d, nullptr);
    return b.g;
}

}  // namespace halyard::llm
