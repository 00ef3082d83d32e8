// Post-training quantization of a llama2.c model to Halyard's integer
// dialect (docs/transformer-ops.md, docs/deeploy-semantics.md):
//   - weights int8, one scale per output channel (the embedding and the
//     classifier one scale per tensor, so every token's row and logit share
//     a scale);
//   - activations int8 with one scale per tensor, calibrated on the float
//     reference (max |value| over a calibration text);
//   - RequantShift between ops (Deeploy's: per-channel mul, add, div = 2^D,
//     rounding, clip), with D chosen as large as Deeploy's int32
//     intermediate allows for the worst-case accumulator;
//   - iRMSNorm, iSoftmax (I-BERT coefficients for the score scale, masked by
//     the valid KV length, on int16 scores), Halyard's iSiLU and integer RoPE.
// The residual adds run Deeploy's QuantLib pattern: both summands at one
// scale (a RequantShift on whichever needs it), Add in int32, RequantShift.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "llm/checkpoint.h"

namespace halyard::llm {

// y = clip((x * mul + add + 2^(D-1)) >> D) with div = 2^D; mul and add hold
// one value (per tensor) or one per output channel.
struct RequantConsts {
    std::vector<int64_t> mul, add;
    int64_t div = 1;
    bool is_signed = true;
    int64_t n_levels = 256;
};

struct IntegerLayer {
    std::vector<int64_t> rms_att, rms_ffn;   // iRMSNorm weights [dim]
    int64_t rms_att_d = 1, rms_ffn_d = 1;    // their D (power of two)
    // Weights int8 in llama2.c's [out, in] layout (Gemm transB = 1).
    std::vector<int64_t> wq, wk, wv, wo, w1, w2, w3;
    RequantConsts rq_q, rq_k, rq_v;          // projections -> int8
    RequantConsts rq_scores;                 // q.k -> int16 scores (1/sqrt(head) folded in)
    int64_t sm_coeffA = 1, sm_coeffB = 0, sm_coeffC = 0, sm_log2 = 1;  // iSoftmax for the score scale
    RequantConsts rq_ctx;                    // P.V -> int8
    RequantConsts rq_o;                      // Wo -> the first residual's common scale
    bool rescale_x1 = false;                 // x needs a RequantShift to that scale
    RequantConsts rq_x1, rq_res1;            // x rescale; sum -> h
    RequantConsts rq_g, rq_u;                // W1, W3 -> int8
    int64_t silu_b = -70;                    // iSiLU knee for the scale of g
    RequantConsts rq_silu;                   // iSiLU (int32) -> int8
    RequantConsts rq_m;                      // silu * u -> int8
    RequantConsts rq_d;                      // W2 -> the second residual's common scale
    bool rescale_h = false;
    RequantConsts rq_h, rq_res2;             // h rescale; sum -> next layer's input
};

struct IntegerModel {
    LlmConfig config;
    std::vector<int64_t> embedding;          // int8 [vocab, dim] at the first layer's input scale
    std::vector<IntegerLayer> layers;
    std::vector<int64_t> rms_final;
    int64_t rms_final_d = 1;
    std::vector<int64_t> classifier;         // int8 [vocab, dim], one scale
    double logit_scale = 1.0;                // float logit = int32 logit * logit_scale
    int rope_frac_bits = 14;
    std::vector<int64_t> rope_cos, rope_sin; // int16 [seq_len, head_size / 2], Q rope_frac_bits
    std::map<std::string, double> scales;    // activation scales by "layer.point" (report)
    int calibration_tokens = 0;
};

// Calibrates on `calibration` (token ids, teacher-forced through the float
// reference from position 0) and quantizes. Throws std::invalid_argument for
// an empty calibration text or one longer than seq_len, or a token outside
// the vocabulary.
IntegerModel quantize(const Checkpoint &checkpoint, const std::vector<int> &calibration);

// A short TinyStories-style text written for Halyard (not from the training
// set), used for calibration; and a different one for the quality figures.
const char *calibration_text();
const char *evaluation_text();

}  // namespace halyard::llm
