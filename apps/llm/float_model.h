// The float32 reference forward pass, llama2.c's semantics: RMSNorm (eps
// 1e-5), grouped-query attention with RoPE, a SwiGLU FFN, shared or separate
// classifier, and a KV cache, one token at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "llm/checkpoint.h"

namespace halyard::llm {

class FloatModel {
public:
    explicit FloatModel(Checkpoint weights);

    // Runs `token` at position `pos` (positions 0..pos-1 must have run before,
    // their keys and values are in the cache) and returns the logits
    // [vocab_size], valid until the next call. Throws std::invalid_argument for
    // a token outside the vocabulary or a position outside [0, seq_len).
    const std::vector<float> &forward(int token, int pos);

    // Sees every intermediate vector of forward() (for calibration): `what`
    // is one of x (a layer's input), xn_att, q, k, v (projections), q_rot,
    // k_rot (after RoPE), scores (one head's scaled scores over positions
    // 0..pos), ctx (attention output before Wo), attn_out, h (after the first
    // residual), xn_ffn, g (W1 x), u (W3 x), silu, m (silu * u), ffn_out,
    // x_out (after the second residual), xn_final, logits; `layer` is -1
    // outside the layers.
    using Probe = std::function<void(const std::string &what, int layer, const float *v, int n)>;
    void set_probe(Probe probe) { probe_ = std::move(probe); }

    const LlmConfig &config() const { return weights_.config; }
    const Checkpoint &weights() const { return weights_; }

private:
    void attention(int layer, int pos);
    void ffn(int layer);

    void probe(const char *what, int layer, const float *v, int n) const {
        if (probe_) probe_(what, layer, v, n);
    }

    Checkpoint weights_;
    Probe probe_;
    // Activations of the current position.
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, att_, logits_;
    // [n_layers, seq_len, kv_dim]
    std::vector<float> key_cache_, value_cache_;
};

}  // namespace halyard::llm
