// The float32 reference forward pass, llama2.c's semantics: RMSNorm (eps
// 1e-5), grouped-query attention with RoPE, a SwiGLU FFN, shared or separate
// classifier, and a KV cache, one token at a time.
#pragma once

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

    const LlmConfig &config() const { return weights_.config; }
    const Checkpoint &weights() const { return weights_; }

private:
    void attention(int layer, int pos);
    void ffn(int layer);

    Checkpoint weights_;
    // Activations of the current position.
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, att_, logits_;
    // [n_layers, seq_len, kv_dim]
    std::vector<float> key_cache_, value_cache_;
};

}  // namespace halyard::llm
