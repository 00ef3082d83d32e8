#include "llm/quantize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "halyard/dsl/transformer_ops.h"
#include "llm/float_model.h"

namespace halyard::llm {
namespace {

constexpr int64_t kInt32Max = (int64_t(1) << 31) - 1;

// Max |value| seen at each (layer, point) of the float model.
struct Ranges {
    std::map<std::string, double> max_abs;
    double get(const std::string &key) const {
        auto it = max_abs.find(key);
        if (it == max_abs.end()) throw std::logic_error("internal: no calibration range for " + key);
        return it->second;
    }
};

std::string key(int layer, const std::string &what) { return std::to_string(layer) + "." + what; }

// The int8 scale that covers max |x| (never 0: a constant-zero tensor gets 1).
double scale_for(double max_abs) { return max_abs > 0 ? max_abs / 127.0 : 1.0; }

int64_t round_clip(double v, int64_t lo, int64_t hi) {
    return std::min<int64_t>(hi, std::max<int64_t>(lo, (int64_t)std::llround(v)));
}

// Per-output-channel int8 weights of W [rows, cols]; scales out.
std::vector<int64_t> quantize_rows(const float *w, int rows, int cols, std::vector<double> &scales) {
    std::vector<int64_t> q((size_t)rows * cols);
    scales.assign(rows, 1.0);
    for (int r = 0; r < rows; r++) {
        double m = 0;
        for (int c = 0; c < cols; c++) m = std::max(m, (double)std::fabs(w[(size_t)r * cols + c]));
        scales[r] = scale_for(m);
        for (int c = 0; c < cols; c++) q[(size_t)r * cols + c] = round_clip(w[(size_t)r * cols + c] / scales[r], -127, 127);
    }
    return q;
}

// One scale for the whole tensor.
std::vector<int64_t> quantize_tensor(const float *w, size_t n, double &scale) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = std::max(m, (double)std::fabs(w[i]));
    scale = scale_for(m);
    std::vector<int64_t> q(n);
    for (size_t i = 0; i < n; i++) q[i] = round_clip(w[i] / scale, -127, 127);
    return q;
}

// RequantShift realizing y = x * ratio[c] for accumulators |x| <= bound[c]:
// the largest D <= 31 for which x * mul + 2^(D-1) stays inside Deeploy's
// int32 intermediate for every channel.
RequantConsts requant_for(const std::vector<double> &ratio, const std::vector<double> &bound) {
    RequantConsts rq;
    int D = 31;
    for (; D > 0; D--) {
        bool ok = true;
        for (size_t c = 0; c < ratio.size() && ok; c++) {
            const double mul = std::round(ratio[c] * std::ldexp(1.0, D));
            ok = mul <= (double)kInt32Max && mul * bound[c] + std::ldexp(1.0, D - 1) <= (double)kInt32Max;
        }
        if (ok) break;
    }
    rq.div = int64_t(1) << D;
    for (double r : ratio) rq.mul.push_back((int64_t)std::round(r * std::ldexp(1.0, D)));
    rq.add.assign(1, 0);
    return rq;
}

RequantConsts requant_for(double ratio, double bound) { return requant_for(std::vector<double>{ratio}, {bound}); }

// Accumulator bounds of an int8 GEMM with weights [rows, cols] and inputs |x| <= in_max.
std::vector<double> gemm_bounds(const std::vector<int64_t> &w, int rows, int cols, double in_max) {
    std::vector<double> b(rows);
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) s += std::abs(w[(size_t)r * cols + c]);
        b[r] = std::max(1.0, s * in_max);
    }
    return b;
}

// Requantization of a GEMM accumulator (input scale s_in, per-row weight scales) to s_out.
RequantConsts gemm_requant(const std::vector<int64_t> &w, const std::vector<double> &w_scales, int rows, int cols,
                           double s_in, double s_out) {
    std::vector<double> ratio(rows);
    for (int r = 0; r < rows; r++) ratio[r] = s_in * w_scales[r] / s_out;
    return requant_for(ratio, gemm_bounds(w, rows, cols, 127));
}

// iRMSNorm weight g / s_out in Q D, D as large as int32 products with int8 x allow.
std::vector<int64_t> rmsnorm_weight(const float *g, int n, double s_out, int64_t &div) {
    double gmax = 0;
    for (int i = 0; i < n; i++) gmax = std::max(gmax, (double)std::fabs(g[i]));
    int D = 24;
    while (D > 0 && gmax / s_out * std::ldexp(1.0, D) * 127 > (double)kInt32Max / 2) D--;
    div = int64_t(1) << D;
    std::vector<int64_t> w(n);
    for (int i = 0; i < n; i++) w[i] = (int64_t)std::llround(g[i] / s_out * std::ldexp(1.0, D));
    return w;
}

}  // namespace

IntegerModel quantize(const Checkpoint &ckpt, const std::vector<int> &calibration) {
    const LlmConfig &c = ckpt.config;
    if (calibration.empty()) throw std::invalid_argument("quantize: the calibration text has no tokens");
    if ((int)calibration.size() > c.seq_len) {
        throw std::invalid_argument("quantize: the calibration text has " + std::to_string(calibration.size()) +
                                    " tokens, more than seq_len " + std::to_string(c.seq_len));
    }
    // 1. Ranges on the float reference.
    Ranges R;
    FloatModel fm(ckpt);
    fm.set_probe([&](const std::string &what, int layer, const float *v, int n) {
        double &m = R.max_abs[key(layer, what)];
        for (int i = 0; i < n; i++) m = std::max(m, (double)std::fabs(v[i]));
    });
    for (size_t p = 0; p < calibration.size(); p++) fm.forward(calibration[p], (int)p);

    IntegerModel q;
    q.config = c;
    q.calibration_tokens = (int)calibration.size();
    const int d = c.dim, hid = c.hidden_dim, kv = c.kv_dim(), hs = c.head_size(), V = c.vocab_size;
    // Scales cover the calibration maximum: clipping (scale from a fraction
    // of it) was measured on stories260K and lowered the top-1 agreement
    // (q/k/v at 0.9: 90.2%, 0.7: 88.3%, against 91.0% unclipped).
    auto S = [&](int layer, const std::string &what) {
        const double s = scale_for(R.get(key(layer, what)));
        q.scales[key(layer, what)] = s;
        return s;
    };

    // 2. Embedding at the first layer's input scale (the whole table's range,
    // so no token's row clips).
    double s_x = 1;
    q.embedding = quantize_tensor(ckpt.token_embedding.data(), ckpt.token_embedding.size(), s_x);
    q.scales["0.x"] = s_x;

    const RopeTables rt = rope_tables(c.seq_len, hs, 10000.0, q.rope_frac_bits);
    q.rope_cos.assign(rt.cos.begin(), rt.cos.end());
    q.rope_sin.assign(rt.sin.begin(), rt.sin.end());

    for (int l = 0; l < c.n_layers; l++) {
        IntegerLayer L;
        const size_t o_dd = (size_t)l * d * d, o_kd = (size_t)l * kv * d, o_hd = (size_t)l * hid * d;
        // Attention.
        const double s_xn = S(l, "xn_att");
        L.rms_att = rmsnorm_weight(ckpt.rms_att.data() + (size_t)l * d, d, s_xn, L.rms_att_d);
        // RoPE keeps the scale: cover the values before and after the rotation.
        const double s_q = std::max(S(l, "q"), S(l, "q_rot")), s_k = std::max(S(l, "k"), S(l, "k_rot"));
        q.scales[key(l, "q")] = s_q;
        q.scales[key(l, "k")] = s_k;
        const double s_v = S(l, "v");
        std::vector<double> sw_q, sw_k, sw_v, sw_o;
        L.wq = quantize_rows(ckpt.wq.data() + o_dd, d, d, sw_q);
        L.wk = quantize_rows(ckpt.wk.data() + o_kd, kv, d, sw_k);
        L.wv = quantize_rows(ckpt.wv.data() + o_kd, kv, d, sw_v);
        L.rq_q = gemm_requant(L.wq, sw_q, d, d, s_xn, s_q);
        L.rq_k = gemm_requant(L.wk, sw_k, kv, d, s_xn, s_k);
        L.rq_v = gemm_requant(L.wv, sw_v, kv, d, s_xn, s_v);
        // Scores are int16: their range (|q.k| / sqrt(head) reaches ~240 on
        // stories260K) at a resolution where the exp polynomial stays accurate
        // (log2 = ln2 / scale >> 1); int8 would leave log2 at 1.
        // The exp is (p + coeffB)^2 + coeffC ~ 2.79 / s^2 at the row max: one
        // entry times 255 and the row sum (seq_len + 1 entries) must fit
        // iSoftmax's uint32, which bounds the resolution from below.
        const double s_floor = std::max(std::sqrt(2.8 * 255 / 4294967295.0), std::sqrt(2.8 * (c.seq_len + 1) / 4294967295.0));
        const double s_s = std::max(s_floor, R.get(key(l, "scores")) / 32767.0);
        q.scales[key(l, "scores")] = s_s;
        L.rq_scores = requant_for(s_q * s_k / (std::sqrt((double)hs) * s_s), (double)hs * 127 * 127);
        L.rq_scores.n_levels = 65536;
        // I-BERT's second-order exp on (-ln2, 0]: 0.3585 (p + 1.353)^2 + 0.344.
        L.sm_coeffA = 1;
        L.sm_coeffB = std::max<int64_t>(1, std::llround(1.353 / s_s));
        L.sm_coeffC = std::max<int64_t>(1, std::llround(0.344 / (0.3585 * s_s * s_s)));
        L.sm_log2 = std::max<int64_t>(1, std::llround(std::log(2.0) / s_s));
        if (L.sm_coeffB > 40000 || L.sm_coeffC > kInt32Max / 2 || L.sm_log2 > 32767) {
            throw std::invalid_argument("quantize: layer " + std::to_string(l) + ": the score scale " +
                                        std::to_string(s_s) + " is too fine for iSoftmax's int32 polynomial");
        }
        const double s_c = S(l, "ctx");
        L.rq_ctx = requant_for(s_v / (255.0 * s_c), 255.0 * 127);
        L.wo = quantize_rows(ckpt.wo.data() + o_dd, d, d, sw_o);
        const double s_o = S(l, "attn_out");
        const double s_add1 = std::max(s_x, s_o);
        L.rq_o = gemm_requant(L.wo, sw_o, d, d, s_c, s_add1);
        L.rescale_x1 = s_add1 > s_x;
        if (L.rescale_x1) L.rq_x1 = requant_for(s_x / s_add1, 127);
        const double s_h = S(l, "h");
        L.rq_res1 = requant_for(s_add1 / s_h, 254);

        // FFN.
        const double s_hn = S(l, "xn_ffn");
        L.rms_ffn = rmsnorm_weight(ckpt.rms_ffn.data() + (size_t)l * d, d, s_hn, L.rms_ffn_d);
        std::vector<double> sw_1, sw_2, sw_3;
        L.w1 = quantize_rows(ckpt.w1.data() + o_hd, hid, d, sw_1);
        L.w3 = quantize_rows(ckpt.w3.data() + o_hd, hid, d, sw_3);
        L.w2 = quantize_rows(ckpt.w2.data() + o_hd, d, hid, sw_2);
        const double s_g = S(l, "g"), s_u = S(l, "u");
        L.rq_g = gemm_requant(L.w1, sw_1, hid, d, s_hn, s_g);
        L.rq_u = gemm_requant(L.w3, sw_3, hid, d, s_hn, s_u);
        L.silu_b = std::min<int64_t>(-1, -std::llround(isilu_knee() / s_g));
        const double one = (double)(L.silu_b * L.silu_b);
        const double s_sl = S(l, "silu");
        L.rq_silu = requant_for(s_g / (one * s_sl), 127 * one);
        const double s_m = S(l, "m");
        L.rq_m = requant_for(s_sl * s_u / s_m, 127.0 * 127);
        const double s_f = S(l, "ffn_out");
        const double s_add2 = std::max(s_h, s_f);
        L.rq_d = gemm_requant(L.w2, sw_2, d, hid, s_m, s_add2);
        L.rescale_h = s_add2 > s_h;
        if (L.rescale_h) L.rq_h = requant_for(s_h / s_add2, 127);
        const double s_next = S(l, "x_out");
        L.rq_res2 = requant_for(s_add2 / s_next, 254);
        q.scales[key(l + 1, "x")] = s_next;
        s_x = s_next;
        q.layers.push_back(std::move(L));
    }
    const double s_xf = S(-1, "xn_final");
    q.rms_final = rmsnorm_weight(ckpt.rms_final.data(), d, s_xf, q.rms_final_d);
    double s_wc = 1;
    q.classifier = quantize_tensor(ckpt.classifier(), (size_t)V * d, s_wc);
    q.logit_scale = s_xf * s_wc;
    return q;
}

const char *calibration_text() {
    return "Once upon a time, there was a little boy named Tom. He had a red kite that he loved very much. "
           "Every day, Tom went to the park with his mom to fly the kite. One windy day, the kite flew up high "
           "and got stuck in a big tree. Tom was sad and started to cry. His mom said, \"Don't worry, we will "
           "get it back.\" A kind man with a long ladder came to help. He climbed up the tree and got the kite. "
           "Tom smiled and said, \"Thank you!\" The man smiled too. From that day on, Tom always held his kite "
           "very tight, and he shared it with his friends at the park. They all had fun together.";
}

const char *evaluation_text() {
    return "One day, a little girl named Sue found a small cat in her garden. The cat was wet and cold. Sue "
           "wanted to help the cat, so she gave it some warm milk and a soft blanket. The cat was happy and "
           "started to purr. Sue's dad saw the cat and said, \"We can keep the cat if you take care of it.\" "
           "Sue was very happy. She named the cat Max. Every day, Sue played with Max in the garden. They ran "
           "and jumped and had lots of fun. At night, Max slept next to Sue on her bed. Sue loved Max, and Max "
           "loved Sue. One day, Max ran away into the woods. Sue looked for him everywhere. She was very sad. "
           "Then she heard a small sound. It was Max! He was stuck in a bush. Sue helped him out and hugged him. "
           "From then on, Max never ran away again, and they were best friends forever.";
}

}  // namespace halyard::llm
