// Fuzz target: a llama2.c tokenizer (apps/llm/tokenizer.h). The input is the
// checkpoint's vocab_size as 2 little-endian bytes, then the tokenizer file
// (Tokenizer::load reads a path, so those bytes go through a file). A
// tokenizer that loads then encodes and decodes what the app would. The only
// error allowed is TokenizerError.
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "llm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace halyard::llm;
    if (size < 2) return 0;
    const int vocab_size = data[0] | (data[1] << 8);
    const std::string path = halyard::fuzz::write_input_file("tokenizer.bin", data + 2, size - 2);
    try {
        const Tokenizer tok = Tokenizer::load(path, vocab_size);
        // Empty, one space (the dummy prefix and a merge with <s>), a prompt,
        // then a two-byte and a four-byte code point and a byte that is no
        // UTF-8 (byte fallback).
        for (const char *text : {"", " ", "Once upon a time", "caf\xc3\xa9 \xf0\x9f\x99\x82 \xff"}) {
            try {
                int prev = Tokenizer::kBos;
                for (int t : tok.encode(text, true, true)) {
                    (void)Tokenizer::printable(tok.decode(prev, t));
                    prev = t;
                }
            } catch (const TokenizerError &) {
            }
        }
    } catch (const TokenizerError &) {
    }
    return 0;
}
