// Quality of the integer model, measured against the float reference:
// teacher-forced next-token prediction over a fixed text.
#pragma once

#include <string>
#include <vector>

#include "llm/float_model.h"
#include "llm/llm_program.h"
#include "llm/quantize.h"

namespace halyard::llm {

struct QualityFigures {
    int predictions = 0;           // positions scored (text tokens - 1)
    int top1_agree = 0;            // integer argmax == float argmax
    double float_ppl = 0, int_ppl = 0;   // perplexity of the text's next tokens
    int float_correct = 0, int_correct = 0;  // argmax == the text's next token
};

// Runs positions 0..n-1 of `text` (BOS first) through both models, scoring
// the prediction of text[pos + 1]. The integer logits are dequantized with
// model.logit_scale for the perplexity.
QualityFigures measure_quality(FloatModel &float_model, const HostModel &int_model, const IntegerModel &model,
                               const std::vector<int> &text, int n);

std::string format_quality(const QualityFigures &q);

}  // namespace halyard::llm
