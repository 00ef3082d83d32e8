#include "llm/float_model.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace halyard::llm {
namespace {

// out[i] = weight[i] * x[i] / sqrt(mean(x^2) + 1e-5); out may alias x.
void rmsnorm(float *out, const float *x, const float *weight, int n) {
    float ss = 0.0f;
    for (int i = 0; i < n; ++i) ss += x[i] * x[i];
    const float scale = 1.0f / std::sqrt(ss / n + 1e-5f);
    for (int i = 0; i < n; ++i) out[i] = weight[i] * (scale * x[i]);
}

// out[rows] = W[rows, cols] x[cols]
void matvec(float *out, const float *w, const float *x, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        const float *row = w + static_cast<size_t>(r) * cols;
        float acc = 0.0f;
        for (int c = 0; c < cols; ++c) acc += row[c] * x[c];
        out[r] = acc;
    }
}

void softmax_in_place(float *x, int n) {
    float max = x[0];
    for (int i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
    float sum = 0.0f;
    for (int i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
    }
    for (int i = 0; i < n; ++i) x[i] /= sum;
}

// Rotates the pairs (v[i], v[i+1]) of each head by pos * 10000^(-i'/head_size),
// i' the index inside the head: llama2.c's RoPE, angles computed on the fly.
void rope(float *v, int n, int head_size, int pos) {
    for (int i = 0; i < n; i += 2) {
        const int in_head = i % head_size;
        const float freq = 1.0f / std::pow(10000.0f, in_head / static_cast<float>(head_size));
        const float angle = pos * freq;
        const float c = std::cos(angle), s = std::sin(angle);
        const float a = v[i], b = v[i + 1];
        v[i] = a * c - b * s;
        v[i + 1] = a * s + b * c;
    }
}

}  // namespace

FloatModel::FloatModel(Checkpoint weights) : weights_(std::move(weights)) {
    const LlmConfig &c = weights_.config;
    validate_config(c, "float model of " + weights_.path);
    const size_t L = c.n_layers, d = c.dim, h = c.hidden_dim, kv = c.kv_dim(), V = c.vocab_size;
    const std::pair<const std::vector<float> *, size_t> sizes[] = {
        {&weights_.token_embedding, V * d}, {&weights_.rms_att, L * d}, {&weights_.wq, L * d * d},
        {&weights_.wk, L * kv * d},         {&weights_.wv, L * kv * d}, {&weights_.wo, L * d * d},
        {&weights_.rms_ffn, L * d},         {&weights_.w1, L * h * d},  {&weights_.w2, L * d * h},
        {&weights_.w3, L * h * d},          {&weights_.rms_final, d},
        {&weights_.wcls, c.shared_classifier ? 0 : V * d}};
    for (const auto &[tensor, size] : sizes) {
        if (tensor->size() != size) {
            throw std::invalid_argument("float model of " + weights_.path + ": a weight tensor has " +
                                        std::to_string(tensor->size()) + " values, the config needs " +
                                        std::to_string(size));
        }
    }
    x_.assign(c.dim, 0.0f);
    xb_.assign(c.dim, 0.0f);
    xb2_.assign(c.dim, 0.0f);
    q_.assign(c.dim, 0.0f);
    k_.assign(c.kv_dim(), 0.0f);
    v_.assign(c.kv_dim(), 0.0f);
    hb_.assign(c.hidden_dim, 0.0f);
    hb2_.assign(c.hidden_dim, 0.0f);
    att_.assign(c.seq_len, 0.0f);
    logits_.assign(c.vocab_size, 0.0f);
    const size_t cache = static_cast<size_t>(c.n_layers) * c.seq_len * c.kv_dim();
    key_cache_.assign(cache, 0.0f);
    value_cache_.assign(cache, 0.0f);
}

void FloatModel::attention(int l, int pos) {
    const LlmConfig &c = weights_.config;
    const int dim = c.dim, kv_dim = c.kv_dim(), hs = c.head_size();
    const int group = c.n_heads / c.n_kv_heads;  // query heads per KV head
    const Checkpoint &w = weights_;

    probe("x", l, x_.data(), dim);
    rmsnorm(xb_.data(), x_.data(), w.rms_att.data() + static_cast<size_t>(l) * dim, dim);
    probe("xn_att", l, xb_.data(), dim);
    matvec(q_.data(), w.wq.data() + static_cast<size_t>(l) * dim * dim, xb_.data(), dim, dim);
    matvec(k_.data(), w.wk.data() + static_cast<size_t>(l) * kv_dim * dim, xb_.data(), kv_dim, dim);
    matvec(v_.data(), w.wv.data() + static_cast<size_t>(l) * kv_dim * dim, xb_.data(), kv_dim, dim);
    probe("q", l, q_.data(), dim);
    probe("k", l, k_.data(), kv_dim);
    probe("v", l, v_.data(), kv_dim);
    rope(q_.data(), dim, hs, pos);
    rope(k_.data(), kv_dim, hs, pos);
    probe("q_rot", l, q_.data(), dim);
    probe("k_rot", l, k_.data(), kv_dim);

    float *keys = key_cache_.data() + static_cast<size_t>(l) * c.seq_len * kv_dim;
    float *values = value_cache_.data() + static_cast<size_t>(l) * c.seq_len * kv_dim;
    std::memcpy(keys + static_cast<size_t>(pos) * kv_dim, k_.data(), kv_dim * sizeof(float));
    std::memcpy(values + static_cast<size_t>(pos) * kv_dim, v_.data(), kv_dim * sizeof(float));

    const float sqrt_hs = std::sqrt(static_cast<float>(hs));
    for (int h = 0; h < c.n_heads; ++h) {
        const float *q = q_.data() + h * hs;
        const int kv_off = (h / group) * hs;
        for (int t = 0; t <= pos; ++t) {
            const float *k = keys + static_cast<size_t>(t) * kv_dim + kv_off;
            float score = 0.0f;
            for (int i = 0; i < hs; ++i) score += q[i] * k[i];
            att_[t] = score / sqrt_hs;
        }
        probe("scores", l, att_.data(), pos + 1);
        softmax_in_place(att_.data(), pos + 1);
        float *out = xb_.data() + h * hs;
        std::memset(out, 0, hs * sizeof(float));
        for (int t = 0; t <= pos; ++t) {
            const float *v = values + static_cast<size_t>(t) * kv_dim + kv_off;
            for (int i = 0; i < hs; ++i) out[i] += att_[t] * v[i];
        }
    }
    probe("ctx", l, xb_.data(), dim);
    matvec(xb2_.data(), w.wo.data() + static_cast<size_t>(l) * dim * dim, xb_.data(), dim, dim);
    probe("attn_out", l, xb2_.data(), dim);
    for (int i = 0; i < dim; ++i) x_[i] += xb2_[i];
    probe("h", l, x_.data(), dim);
}

void FloatModel::ffn(int l) {
    const LlmConfig &c = weights_.config;
    const int dim = c.dim, hidden = c.hidden_dim;
    const Checkpoint &w = weights_;
    const size_t off = static_cast<size_t>(l) * dim * hidden;

    rmsnorm(xb_.data(), x_.data(), w.rms_ffn.data() + static_cast<size_t>(l) * dim, dim);
    probe("xn_ffn", l, xb_.data(), dim);
    matvec(hb_.data(), w.w1.data() + off, xb_.data(), hidden, dim);
    matvec(hb2_.data(), w.w3.data() + off, xb_.data(), hidden, dim);
    probe("g", l, hb_.data(), hidden);
    probe("u", l, hb2_.data(), hidden);
    for (int i = 0; i < hidden; ++i) {
        const float g = hb_[i];
        hb_[i] = g * (1.0f / (1.0f + std::exp(-g)));  // SiLU
    }
    probe("silu", l, hb_.data(), hidden);
    for (int i = 0; i < hidden; ++i) hb_[i] *= hb2_[i];
    probe("m", l, hb_.data(), hidden);
    matvec(xb_.data(), w.w2.data() + off, hb_.data(), dim, hidden);
    probe("ffn_out", l, xb_.data(), dim);
    for (int i = 0; i < dim; ++i) x_[i] += xb_[i];
    probe("x_out", l, x_.data(), dim);
}

const std::vector<float> &FloatModel::forward(int token, int pos) {
    const LlmConfig &c = weights_.config;
    if (token < 0 || token >= c.vocab_size) {
        throw std::invalid_argument("float model: token " + std::to_string(token) +
                                    " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
    }
    if (pos < 0 || pos >= c.seq_len) {
        throw std::invalid_argument("float model: position " + std::to_string(pos) + " is outside [0, seq_len " +
                                    std::to_string(c.seq_len) + ")");
    }
    std::memcpy(x_.data(), weights_.token_embedding.data() + static_cast<size_t>(token) * c.dim,
                c.dim * sizeof(float));
    for (int l = 0; l < c.n_layers; ++l) {
        attention(l, pos);
        ffn(l);
    }
    rmsnorm(x_.data(), x_.data(), weights_.rms_final.data(), c.dim);
    probe("xn_final", -1, x_.data(), c.dim);
    matvec(logits_.data(), weights_.classifier(), x_.data(), c.vocab_size, c.dim);
    probe("logits", -1, logits_.data(), c.vocab_size);
    return logits_;
}

}  // namespace halyard::llm
