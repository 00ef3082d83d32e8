// llama2.c tokenizers (tokenizer.bin: int32 max_token_length, then per token
// float32 score, int32 length, bytes) with llama2.c's BPE encoder (dummy
// space prefix, UTF-8 code points, byte fallback to <0xXX>, merges by score)
// and its decoder.
#pragma once

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace halyard::llm {

// A file that cannot be read as a tokenizer, or text that cannot be encoded;
// what() names the file, the field and the value.
class TokenizerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Tokenizer {
public:
    static constexpr int kBos = 1;  // <s>
    static constexpr int kEos = 2;  // </s>
    static constexpr int kFirstByteToken = 3;  // <0x00> .. <0xFF> follow <unk>, <s>, </s>

    // Reads exactly `vocab_size` tokens (the checkpoint's vocab_size). Throws
    // TokenizerError for a missing or truncated file, a bad length, or a file
    // holding a different number of tokens.
    static Tokenizer load(const std::string &path, int vocab_size);
    // From pieces and scores (tests, generated vocabularies).
    Tokenizer(std::vector<std::string> pieces, std::vector<float> scores, int max_token_length,
              std::string name = "tokenizer");

    // llama2.c's encoder: optional BOS, a dummy " " before non-empty text,
    // one token per UTF-8 code point (or its bytes as <0xXX> tokens), then
    // repeatedly the highest-scoring merge of two neighbours (the first of equal
    // scores); optional EOS.
    std::vector<int> encode(const std::string &text, bool bos, bool eos) const;
    // The bytes `token` stands for after `prev`: the leading space of a piece
    // after BOS is dropped, and <0xXX> pieces are the raw byte.
    std::string decode(int prev, int token) const;
    // Whether llama2.c would print the piece: not empty, and a single byte
    // only when it is printable or white space.
    static bool printable(const std::string &piece);

    int vocab_size() const { return static_cast<int>(pieces_.size()); }
    int max_token_length() const { return max_token_length_; }
    const std::string &piece(int token) const { return pieces_.at(token); }
    float score(int token) const { return scores_.at(token); }
    // The first token whose piece is `piece`, or -1.
    int lookup(const std::string &piece) const;

private:
    std::string name_;
    std::vector<std::string> pieces_;
    std::vector<float> scores_;
    int max_token_length_ = 0;
    std::unordered_map<std::string, int> index_;
};

}  // namespace halyard::llm
