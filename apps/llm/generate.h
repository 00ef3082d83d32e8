// Greedy generation with the float reference, as llama2.c's generate() does
// it: the prompt's tokens are forced, then each next token is the argmax of
// the logits; a BOS token ends the text.
#pragma once

#include <functional>
#include <vector>

#include "llm/float_model.h"

namespace halyard::llm {

// The index of the largest value (the first of equal ones).
int argmax(const std::vector<float> &values);

// Runs positions 0 .. steps-1 (steps <= 0 or > seq_len: seq_len) starting
// from prompt[0] (usually BOS; prompt must not be empty). Returns the whole
// sequence, prompt included: at most steps + 1 tokens. `on_token(prev, next)`
// is called for each token after the first as soon as it is known.
std::vector<int> generate_greedy(FloatModel &model, const std::vector<int> &prompt, int steps,
                                 const std::function<void(int prev, int next)> &on_token = {});

}  // namespace halyard::llm
