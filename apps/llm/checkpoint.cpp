#include "llm/checkpoint.h"

#include <cctype>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace halyard::llm {
namespace {

constexpr uint32_t kAk42Magic = 0x616b3432;  // "ak42" as a little-endian uint32
constexpr uint64_t kLegacyHeaderBytes = 7 * 4;
constexpr uint64_t kAk42HeaderBytes = 256;
constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

// Sizes are computed from untrusted header values: saturate instead of wrapping.
uint64_t mul(uint64_t a, uint64_t b) {
    if (a != 0 && b > kSaturated / a) return kSaturated;
    return a * b;
}
uint64_t add(uint64_t a, uint64_t b) { return a > kSaturated - b ? kSaturated : a + b; }

std::string bytes_text(uint64_t n) {
    return n == kSaturated ? std::string("more than 2^64 bytes") : std::to_string(n) + " bytes";
}

[[noreturn]] void fail(const std::string &what, const std::string &message) {
    throw CheckpointError(what + ": " + message);
}

std::vector<unsigned char> read_all(const std::string &path, const std::string &what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(what, "cannot open the file");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail(what, "read error");
    return bytes;
}

int32_t int_at(const std::vector<unsigned char> &bytes, size_t offset) {
    int32_t v;
    std::memcpy(&v, bytes.data() + offset, 4);
    return v;
}

std::string header_text(const LlmConfig &c) {
    std::ostringstream os;
    os << "dim " << c.dim << ", hidden_dim " << c.hidden_dim << ", n_layers " << c.n_layers << ", n_heads "
       << c.n_heads << ", n_kv_heads " << c.n_kv_heads << ", vocab_size " << c.vocab_size << ", seq_len "
       << c.seq_len << ", " << (c.shared_classifier ? "shared classifier" : "separate classifier");
    return os.str();
}

// One tensor to read: its destination and its element count.
struct Tensor {
    std::vector<float> *dst;
    uint64_t count;
};

// The weights in file order for `format` (nullptr dst: skipped, the legacy RoPE tables).
std::vector<Tensor> file_order(Checkpoint &ck) {
    const LlmConfig &c = ck.config;
    const uint64_t L = c.n_layers, d = c.dim, h = c.hidden_dim, kv = c.kv_dim(), V = c.vocab_size;
    Tensor emb{&ck.token_embedding, mul(V, d)};
    Tensor att{&ck.rms_att, mul(L, d)};
    Tensor ffn{&ck.rms_ffn, mul(L, d)};
    Tensor fin{&ck.rms_final, d};
    Tensor wq{&ck.wq, mul(L, mul(d, d))};
    Tensor wk{&ck.wk, mul(L, mul(kv, d))};
    Tensor wv{&ck.wv, mul(L, mul(kv, d))};
    Tensor wo{&ck.wo, mul(L, mul(d, d))};
    Tensor w1{&ck.w1, mul(L, mul(h, d))};
    Tensor w2{&ck.w2, mul(L, mul(d, h))};
    Tensor w3{&ck.w3, mul(L, mul(h, d))};
    std::vector<Tensor> order;
    if (ck.format == CheckpointFormat::Legacy) {
        const uint64_t rope = mul(c.seq_len, c.head_size() / 2);  // freq_cis_real, then _imag
        order = {emb, att, wq, wk, wv, wo, ffn, w1, w2, w3, fin, {nullptr, rope}, {nullptr, rope}};
    } else {
        order = {att, ffn, fin, emb, wq, wk, wv, wo, w1, w2, w3};
    }
    if (!c.shared_classifier) order.push_back({&ck.wcls, mul(V, d)});
    return order;
}

void read_weights(Checkpoint &ck, const std::vector<unsigned char> &bytes, uint64_t header_bytes,
                  const std::string &what) {
    std::vector<Tensor> order = file_order(ck);
    uint64_t expected = header_bytes;
    for (const Tensor &t : order) expected = add(expected, mul(4, t.count));
    if (expected != bytes.size()) {
        fail(what, "file size " + std::to_string(bytes.size()) + " bytes disagrees with the " +
                       format_name(ck.format) + " header (" + header_text(ck.config) + "): expected " +
                       bytes_text(expected) + ", actual " + std::to_string(bytes.size()) + " bytes");
    }
    size_t offset = header_bytes;
    for (const Tensor &t : order) {
        if (t.dst) {
            t.dst->resize(t.count);
            std::memcpy(t.dst->data(), bytes.data() + offset, t.count * 4);
        }
        offset += t.count * 4;
    }
}

bool looks_like_text(const std::vector<unsigned char> &bytes) {
    for (int i = 0; i < 4; ++i)
        if (!std::isalnum(bytes[i])) return false;
    return true;
}

Checkpoint load_legacy(const std::vector<unsigned char> &bytes, Checkpoint ck, const std::string &what) {
    if (bytes.size() < kLegacyHeaderBytes) {
        fail(what, "truncated: the file has " + std::to_string(bytes.size()) +
                       " bytes, the legacy header needs 28 (7 int32: dim, hidden_dim, n_layers, n_heads, "
                       "n_kv_heads, vocab_size, seq_len)");
    }
    LlmConfig &c = ck.config;
    c.dim = int_at(bytes, 0);
    c.hidden_dim = int_at(bytes, 4);
    c.n_layers = int_at(bytes, 8);
    c.n_heads = int_at(bytes, 12);
    c.n_kv_heads = int_at(bytes, 16);
    const int32_t vocab = int_at(bytes, 20);
    c.seq_len = int_at(bytes, 24);
    c.shared_classifier = vocab > 0;
    c.vocab_size = vocab == INT32_MIN ? 0 : (vocab < 0 ? -vocab : vocab);
    if (vocab == 0 || vocab == INT32_MIN) {
        fail(what, "header field vocab_size = " + std::to_string(vocab) +
                       " must be non-zero (negative: separate classifier)");
    }
    validate_config(c, what);
    read_weights(ck, bytes, kLegacyHeaderBytes, what);
    return ck;
}

Checkpoint load_ak42(const std::vector<unsigned char> &bytes, Checkpoint ck, const std::string &what) {
    ck.format = CheckpointFormat::Ak42V1;
    if (bytes.size() < 8) {
        fail(what, "truncated: the file has " + std::to_string(bytes.size()) +
                       " bytes, too few for the ak42 magic and version");
    }
    const int32_t version = int_at(bytes, 4);
    if (version != 1) {
        fail(what, "header field version = " + std::to_string(version) +
                       " is unsupported (ak42 magic 0x616b3432; this reader takes version 1, fp32 weights)");
    }
    if (bytes.size() < kAk42HeaderBytes) {
        fail(what, "truncated: the file has " + std::to_string(bytes.size()) +
                       " bytes, the ak42 version 1 header needs 256");
    }
    LlmConfig &c = ck.config;
    c.dim = int_at(bytes, 8);
    c.hidden_dim = int_at(bytes, 12);
    c.n_layers = int_at(bytes, 16);
    c.n_heads = int_at(bytes, 20);
    c.n_kv_heads = int_at(bytes, 24);
    c.vocab_size = int_at(bytes, 28);
    c.seq_len = int_at(bytes, 32);
    const unsigned shared = bytes[36];
    if (shared > 1) {
        fail(what, "header field shared_classifier = " + std::to_string(shared) + " must be 0 or 1");
    }
    c.shared_classifier = shared == 1;
    validate_config(c, what);
    read_weights(ck, bytes, kAk42HeaderBytes, what);
    return ck;
}

}  // namespace

const char *format_name(CheckpointFormat format) {
    return format == CheckpointFormat::Legacy ? "legacy llama2.c" : "ak42 version 1";
}

void validate_config(const LlmConfig &c, const std::string &what) {
    const std::pair<const char *, int> fields[] = {
        {"dim", c.dim},         {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers}, {"n_heads", c.n_heads},
        {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size}, {"seq_len", c.seq_len}};
    for (const auto &[name, value] : fields) {
        if (value <= 0) fail(what, std::string("header field ") + name + " = " + std::to_string(value) + " must be positive");
    }
    if (c.n_heads % c.n_kv_heads != 0) {
        fail(what, "header field n_heads = " + std::to_string(c.n_heads) + " is not divisible by n_kv_heads = " +
                       std::to_string(c.n_kv_heads));
    }
    if (c.dim % c.n_heads != 0) {
        fail(what, "header field dim = " + std::to_string(c.dim) + " is not divisible by n_heads = " +
                       std::to_string(c.n_heads));
    }
    if (c.head_size() % 2 != 0) {
        fail(what, "header field dim = " + std::to_string(c.dim) + " gives an odd head size " +
                       std::to_string(c.head_size()) + " (dim / n_heads " + std::to_string(c.n_heads) +
                       "); RoPE rotates pairs");
    }
}

Checkpoint load_checkpoint(const std::string &path) {
    const std::string what = "checkpoint " + path;
    const std::vector<unsigned char> bytes = read_all(path, what);
    Checkpoint ck;
    ck.path = path;
    if (bytes.size() >= 4) {
        uint32_t magic;
        std::memcpy(&magic, bytes.data(), 4);
        if (magic == kAk42Magic) return load_ak42(bytes, std::move(ck), what);
        // A legacy file starts with dim; four letters or digits would be a dim
        // of at least 808 million: some other versioned format.
        if (looks_like_text(bytes)) {
            char hex[16];
            std::snprintf(hex, sizeof hex, "0x%08" PRIx32, magic);
            fail(what, std::string("header field magic = ") + hex + " ('" +
                           std::string(bytes.begin(), bytes.begin() + 4) +
                           "') is unsupported: expected the ak42 magic 0x616b3432 or a legacy header");
        }
    }
    return load_legacy(bytes, std::move(ck), what);
}

}  // namespace halyard::llm
