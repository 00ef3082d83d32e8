#include "llm/generate.h"

#include <stdexcept>

#include "llm/tokenizer.h"

namespace halyard::llm {

int argmax(const std::vector<float> &values) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(values.size()); ++i)
        if (values[i] > values[best]) best = i;
    return best;
}

std::vector<int> generate_greedy(FloatModel &model, const std::vector<int> &prompt, int steps,
                                 const std::function<void(int, int)> &on_token) {
    if (prompt.empty()) throw std::invalid_argument("generate_greedy: the prompt has no tokens (at least BOS)");
    const int seq_len = model.config().seq_len;
    if (steps <= 0 || steps > seq_len) steps = seq_len;
    std::vector<int> sequence{prompt[0]};
    for (int pos = 0; pos < steps; ++pos) {
        const std::vector<float> &logits = model.forward(sequence.back(), pos);
        const int next = pos + 1 < static_cast<int>(prompt.size()) ? prompt[pos + 1] : argmax(logits);
        if (next == Tokenizer::kBos) break;  // llama2.c: BOS delimits sequences
        if (on_token) on_token(sequence.back(), next);
        sequence.push_back(next);
    }
    return sequence;
}

}  // namespace halyard::llm
