// halyard-llm-float: greedy generation with the float reference on the host.
// Temporary: the cluster path (the integer model through the network compiler)
// comes later as halyard-llm.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "llm/checkpoint.h"
#include "llm/float_model.h"
#include "llm/generate.h"
#include "llm/tokenizer.h"

#ifndef HALYARD_DATA_DIR
#define HALYARD_DATA_DIR "../shared"
#endif

namespace {

const std::string kDefaultDir = std::string(HALYARD_DATA_DIR) + "/models/stories260K";

void usage(FILE *out) {
    std::fprintf(out,
                 "usage: halyard-llm-float [--checkpoint M.bin] [--tokenizer T.bin] [--prompt TEXT] [--steps N]\n"
                 "\n"
                 "Greedy (temperature 0) generation with Halyard's float32 reference of a llama2.c model,\n"
                 "on the host. This tool is temporary: generation on the cluster, with the integer model\n"
                 "built through the network compiler, comes later (halyard-llm).\n"
                 "\n"
                 "  --checkpoint M.bin  llama2.c checkpoint, legacy or ak42 version 1\n"
                 "                      (default %s/stories260K.bin)\n"
                 "  --tokenizer T.bin   llama2.c tokenizer.bin (default %s/tok512.bin)\n"
                 "  --prompt TEXT       text to continue (default: none, start from BOS)\n"
                 "  --steps N           positions to run, prompt included (default 256; 0 = seq_len)\n",
                 kDefaultDir.c_str(), kDefaultDir.c_str());
}

}  // namespace

int main(int argc, char **argv) {
    std::string checkpoint_path = kDefaultDir + "/stories260K.bin";
    std::string tokenizer_path = kDefaultDir + "/tok512.bin";
    std::string prompt;
    int steps = 256;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "halyard-llm-float: %s needs a value (or unknown option)\n", arg.c_str());
            usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        if (arg == "--checkpoint") {
            checkpoint_path = value;
        } else if (arg == "--tokenizer") {
            tokenizer_path = value;
        } else if (arg == "--prompt") {
            prompt = value;
        } else if (arg == "--steps") {
            char *end = nullptr;
            const long n = std::strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || n < 0 || n > 1000000000) {
                std::fprintf(stderr, "halyard-llm-float: --steps %s is not a non-negative integer\n", value);
                return 2;
            }
            steps = static_cast<int>(n);
        } else {
            std::fprintf(stderr, "halyard-llm-float: unknown option %s\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    try {
        using namespace halyard::llm;
        Checkpoint checkpoint = load_checkpoint(checkpoint_path);
        const Tokenizer tokenizer = Tokenizer::load(tokenizer_path, checkpoint.config.vocab_size);
        FloatModel model(std::move(checkpoint));
        const std::vector<int> prompt_tokens = tokenizer.encode(prompt, true, false);
        const auto start = std::chrono::steady_clock::now();
        const std::vector<int> tokens = generate_greedy(model, prompt_tokens, steps, [&](int prev, int next) {
            const std::string piece = tokenizer.decode(prev, next);
            if (Tokenizer::printable(piece)) std::fputs(piece.c_str(), stdout);
            std::fflush(stdout);
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("\n");
        std::fflush(stdout);
        const size_t generated = tokens.size() - 1;
        std::fprintf(stderr, "%zu tokens (%zu from the prompt) in %.3f s on the host, float reference: %.1f tok/s\n",
                     generated, prompt_tokens.size() - 1, seconds, seconds > 0 ? generated / seconds : 0.0);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "halyard-llm-float: %s\n", e.what());
        return 1;
    }
    return 0;
}
