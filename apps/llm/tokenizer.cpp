#include "llm/tokenizer.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace halyard::llm {
namespace {

[[noreturn]] void fail(const std::string &what, const std::string &message) {
    throw TokenizerError(what + ": " + message);
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// llama2.c reads "<0x%02hhX>": "<0x" then one or two hex digits.
bool byte_piece(const std::string &piece, unsigned char *byte) {
    if (piece.size() < 4 || piece.compare(0, 3, "<0x") != 0) return false;
    int v = hex_digit(piece[3]);
    if (v < 0) return false;
    if (piece.size() > 4 && hex_digit(piece[4]) >= 0) v = v * 16 + hex_digit(piece[4]);
    *byte = static_cast<unsigned char>(v);
    return true;
}

}  // namespace

Tokenizer::Tokenizer(std::vector<std::string> pieces, std::vector<float> scores, int max_token_length,
                     std::string name)
    : name_(std::move(name)), pieces_(std::move(pieces)), scores_(std::move(scores)),
      max_token_length_(max_token_length) {
    if (pieces_.size() != scores_.size()) {
        fail(name_, std::to_string(pieces_.size()) + " pieces but " + std::to_string(scores_.size()) + " scores");
    }
    for (size_t i = 0; i < pieces_.size(); ++i) index_.emplace(pieces_[i], static_cast<int>(i));
}

Tokenizer Tokenizer::load(const std::string &path, int vocab_size) {
    const std::string what = "tokenizer " + path;
    if (vocab_size <= 0) fail(what, "vocab_size = " + std::to_string(vocab_size) + " must be positive");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(what, "cannot open the file");
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t size = bytes.size();
    auto int_at = [&](size_t offset) {
        int32_t v;
        std::memcpy(&v, bytes.data() + offset, 4);
        return v;
    };
    if (size < 4) {
        fail(what, "truncated: the file has " + std::to_string(size) +
                       " bytes, too few for the header field max_token_length (int32)");
    }
    const int32_t max_len = int_at(0);
    if (max_len <= 0) fail(what, "header field max_token_length = " + std::to_string(max_len) + " must be positive");

    std::vector<std::string> pieces;
    std::vector<float> scores;
    size_t offset = 4;
    const std::string of = " of " + std::to_string(vocab_size);
    for (int i = 0; i < vocab_size; ++i) {
        const std::string token = "token " + std::to_string(i);
        if (offset == size) {
            fail(what, "vocabulary size mismatch: the file holds " + std::to_string(i) +
                           " tokens, the checkpoint's vocab_size is " + std::to_string(vocab_size));
        }
        if (size - offset < 8) {
            fail(what, "truncated in " + token + of + ": field " + (size - offset < 4 ? "score" : "len") +
                           " at byte " + std::to_string(offset) + " runs past the end of the file (" +
                           std::to_string(size) + " bytes)");
        }
        float score;
        std::memcpy(&score, bytes.data() + offset, 4);
        const int32_t len = int_at(offset + 4);
        if (len < 0) fail(what, token + ": field len = " + std::to_string(len) + " is negative");
        if (len > max_len) {
            fail(what, token + ": field len = " + std::to_string(len) + " exceeds max_token_length = " +
                           std::to_string(max_len));
        }
        offset += 8;
        if (size - offset < static_cast<size_t>(len)) {
            fail(what, "truncated in " + token + of + ": its " + std::to_string(len) + " bytes at byte " +
                           std::to_string(offset) + " run past the end of the file (" + std::to_string(size) +
                           " bytes)");
        }
        pieces.emplace_back(bytes.begin() + offset, bytes.begin() + offset + len);
        scores.push_back(score);
        offset += len;
    }
    if (offset != size) {
        // Count what follows, to say how many tokens the file really holds.
        int extra = 0;
        size_t o = offset;
        while (size - o >= 8) {
            const int32_t len = int_at(o + 4);
            if (len < 0 || static_cast<size_t>(len) > size - o - 8) break;
            o += 8 + len;
            ++extra;
        }
        fail(what, "vocabulary size mismatch: the file holds " +
                       (o == size ? std::to_string(vocab_size + extra) : "more than " + std::to_string(vocab_size)) +
                       " tokens (" + std::to_string(size - offset) + " bytes after token " +
                       std::to_string(vocab_size - 1) + "), the checkpoint's vocab_size is " +
                       std::to_string(vocab_size));
    }
    return Tokenizer(std::move(pieces), std::move(scores), max_len, what);
}

int Tokenizer::lookup(const std::string &piece) const {
    auto it = index_.find(piece);
    return it == index_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(const std::string &text, bool bos, bool eos) const {
    // A vocabulary of 1 or 2 has no <s> / </s>: their ids would index past it.
    if ((bos && kBos >= vocab_size()) || (eos && kEos >= vocab_size())) {
        fail(name_, "vocab_size = " + std::to_string(vocab_size()) + " has no " + (bos && kBos >= vocab_size() ? "<s>" : "</s>") +
                        " token (ids: <s> " + std::to_string(kBos) + ", </s> " + std::to_string(kEos) + ")");
    }
    std::vector<int> tokens;
    if (bos) tokens.push_back(kBos);
    if (!text.empty()) {
        const int space = lookup(" ");
        if (space < 0) fail(name_, "no token for the dummy prefix \" \" that starts every encoded text");
        tokens.push_back(space);
    }
    // One token per UTF-8 code point (at most 4 bytes), else one per byte.
    std::string point;
    for (size_t i = 0; i < text.size(); ++i) {
        point += text[i];
        const bool more = i + 1 < text.size() && is_continuation(text[i + 1]);
        if (more && point.size() < 4) continue;
        const int id = lookup(point);
        if (id >= 0) {
            tokens.push_back(id);
        } else {
            for (unsigned char b : point) {
                const int byte_token = kFirstByteToken + b;
                if (byte_token >= vocab_size()) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02X", b);
                    fail(name_, std::string("byte ") + hex + " at offset " + std::to_string(i + 1 - point.size()) +
                                    " of the text has no token and no byte-fallback token " +
                                    std::to_string(byte_token) + " (vocab_size " + std::to_string(vocab_size()) +
                                    ")");
                }
                tokens.push_back(byte_token);
            }
        }
        point.clear();
    }
    // Merge the best-scoring neighbouring pair until none is in the vocabulary.
    while (true) {
        float best_score = -1e10f;
        int best_id = -1;
        size_t best_at = 0;
        for (size_t i = 0; i + 1 < tokens.size(); ++i) {
            const int id = lookup(pieces_[tokens[i]] + pieces_[tokens[i + 1]]);
            if (id >= 0 && scores_[id] > best_score) {
                best_score = scores_[id];
                best_id = id;
                best_at = i;
            }
        }
        if (best_id < 0) break;
        tokens[best_at] = best_id;
        tokens.erase(tokens.begin() + best_at + 1);
    }
    if (eos) tokens.push_back(kEos);
    return tokens;
}

std::string Tokenizer::decode(int prev, int token) const {
    if (token < 0 || token >= vocab_size()) {
        throw std::out_of_range(name_ + ": token " + std::to_string(token) + " is outside the vocabulary (size " +
                                std::to_string(vocab_size()) + ")");
    }
    std::string piece = pieces_[token];
    if (prev == kBos && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
    unsigned char byte;
    if (byte_piece(piece, &byte)) return std::string(1, static_cast<char>(byte));
    return piece;
}

bool Tokenizer::printable(const std::string &piece) {
    if (piece.empty()) return false;
    if (piece.size() == 1) {
        const unsigned char c = piece[0];
        return std::isprint(c) || std::isspace(c);
    }
    return true;
}

}  // namespace halyard::llm
