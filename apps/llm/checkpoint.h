// llama2.c checkpoints: the legacy float32 format (7-int header, negative
// vocab_size = separate classifier, legacy RoPE tables) and the versioned
// "ak42" format, version 1 (256-byte header, fp32 weights).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace halyard::llm {

struct LlmConfig {
    int dim = 0;          // model width
    int hidden_dim = 0;   // FFN width
    int n_layers = 0;
    int n_heads = 0;      // query heads
    int n_kv_heads = 0;   // key/value heads (GQA: n_heads is a multiple)
    int vocab_size = 0;   // always positive here; see shared_classifier
    int seq_len = 0;      // longest context (KV-cache length)
    bool shared_classifier = true;  // the classifier is the embedding table

    int head_size() const { return dim / n_heads; }
    int kv_dim() const { return head_size() * n_kv_heads; }
};

enum class CheckpointFormat { Legacy, Ak42V1 };

const char *format_name(CheckpointFormat format);

// Row-major, llama2.c's layouts: a matrix [out, in] multiplies a vector of
// length `in`. Per-layer tensors are stacked over layers.
struct Checkpoint {
    std::string path;
    CheckpointFormat format = CheckpointFormat::Legacy;
    LlmConfig config;
    std::vector<float> token_embedding;  // [vocab_size, dim]
    std::vector<float> rms_att;          // [n_layers, dim]
    std::vector<float> wq;               // [n_layers, dim, dim]
    std::vector<float> wk;               // [n_layers, kv_dim, dim]
    std::vector<float> wv;               // [n_layers, kv_dim, dim]
    std::vector<float> wo;               // [n_layers, dim, dim]
    std::vector<float> rms_ffn;          // [n_layers, dim]
    std::vector<float> w1;               // [n_layers, hidden_dim, dim]
    std::vector<float> w2;               // [n_layers, dim, hidden_dim]
    std::vector<float> w3;               // [n_layers, hidden_dim, dim]
    std::vector<float> rms_final;        // [dim]
    std::vector<float> wcls;             // [vocab_size, dim]; empty when shared

    // The classifier matrix [vocab_size, dim] (the embedding when shared).
    const float *classifier() const {
        return config.shared_classifier ? token_embedding.data() : wcls.data();
    }
};

// A file that cannot be read as a checkpoint; what() names the file, the
// field and its value.
class CheckpointError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads either format (told apart by the ak42 magic). Throws CheckpointError.
Checkpoint load_checkpoint(const std::string &path);

// Checks a header's values (positive sizes, head divisibility, even head
// size); `what` prefixes the message (e.g. "checkpoint m.bin"). Throws
// CheckpointError.
void validate_config(const LlmConfig &config, const std::string &what);

}  // namespace halyard::llm
