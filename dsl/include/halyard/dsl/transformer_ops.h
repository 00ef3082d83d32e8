// Halyard's Transformer layer ops: Deeploy's integer softmaxes, norms and
// activations, elementwise Mul, data movement (Concat, Transpose, embedding
// lookup), and two ops Deeploy does not define (integer SiLU and RoPE, see
// docs/transformer-ops.md). Semantics: docs/deeploy-semantics.md section 5.
// Row-wise ops (softmaxes, norms) work over the last axis. Values are true
// values (a uint8 output holds 0..255).
#pragma once

#include <optional>

#include "halyard/dsl/ops.h"

namespace halyard {

// Deeploy's iSoftmax (I-BERT exp polynomial) over the last axis of an int8
// tensor; output unsigned in [0, n_levels-1] (uint8 for n_levels <= 256).
// Stages: xmax (row max), sum (row sum of the exps), Y.
// With `lengths` (Halyard's extension, docs/transformer-ops.md): an int32
// input whose shape broadcasts (numpy rules) against the row shape
// shape[:-1]; in a row of length L only entries j < L count (they take part
// in max and sum, the rest are 0), so an attention step masks the unused
// rows of a fixed-size KV cache at run time. A row with L <= 0 is all zeros.
// `input_type` Int16 (Halyard's extension) takes int16 x, for scores whose
// range needs more than 8 bits at a resolution the exp polynomial can use:
// the max starts at -32768 and z, p are computed in int32 (no narrowing).
struct ISoftmaxSpec {
    Shape shape{16, 16};
    ElemType input_type = ElemType::Int8;
    int64_t coeffA = 1, coeffB = 345, coeffC = 62395, log2 = 255;
    int64_t n_levels = 256;
    std::optional<Shape> lengths;
    // A RequantShift of the uint8 probabilities fused into Y (the int8
    // operand attention's context MatMul reads): inputs out_mul, out_add.
    std::optional<RequantParams> requant;
    // int8 input: the exp table (exp at x - xmax = -i, i < 256) read from an
    // input "exp_table" (int32[256] holding the uint32 values' bits, as
    // isoftmax_exp_table gives them) instead of computed at every call.
    bool exp_table_input = false;
    // x is the Add of two tensors instead of an input (Deeploy's graphs add
    // the attention mask just before the softmax): inputs x_A, x_B and the
    // Add's requantizations (x_mul, x_add, x_a_mul, ...), a stage "x" the
    // schedule computes per row. Its output type must be input_type and its
    // broadcast shape `shape`.
    std::optional<AddSpec> input_add;
    // The output requantization (per tensor: a table over the byte p) reads
    // its table from an input (Algorithm::table_inputs); input_add has its own flag.
    bool requant_tables_as_inputs = false;
};
Algorithm isoftmax(const ISoftmaxSpec &spec);
// The exp table of an int8 iSoftmax, evaluated at generation time from the
// same expression the stage computes (Halide's simplifier folds it).
std::vector<int64_t> isoftmax_exp_table(const ISoftmaxSpec &spec);

// Deeploy's ITAMax (shift-based softmax of the ITA accelerator) over the last
// axis of an int8 tensor; output unsigned in [0, n_levels-1]. Stages: xmax, sum, Y.
struct ITAMaxSpec {
    Shape shape{16, 16};
    int64_t n_levels = 256;
};
Algorithm itamax(const ITAMaxSpec &spec);

// Deeploy's iRMSNorm over the last axis: x int8, weight [lastDim]
// (int8/int16/int32), y = clip(trunc_div(x * w, isqrt(mean(x^2) + 1)) >> log2d).
// Stages: sumsq, std (integer square root, 9 bit steps), Y.
struct IRMSNormSpec {
    Shape shape{16, 64};
    ElemType weight_type = ElemType::Int32;
    int log2d = 16;
    int64_t n_levels = 256;
};
Algorithm irmsnorm(const IRMSNormSpec &spec);

// Deeploy's iLayerNorm over the last axis: x int8, weight and bias
// [lastDim]. Stages: sum, sumsq, std, Y.
struct ILayerNormSpec {
    Shape shape{16, 64};
    ElemType weight_type = ElemType::Int32;
    ElemType bias_type = ElemType::Int32;
    int log2d = 16;
    int64_t n_levels = 256;
};
Algorithm ilayernorm(const ILayerNormSpec &spec);

// Deeploy's iGELU: y = x * ((one + L) >> 1), L = sgn(x) (one - (min(|x|, -b) + b)^2),
// int32 output, or requantized (a following RequantShift fused in).
struct IGeluSpec {
    Shape shape{16, 64};
    ElemType input_type = ElemType::Int8;
    int64_t b = -23, one = 512;
    std::optional<RequantParams> requant;
    // A byte input with a per-tensor requantization: the whole op is a
    // 256-entry table (filled per call, or an input, Algorithm::table_inputs).
    bool requant_tables_as_inputs = false;
};
Algorithm igelu(const IGeluSpec &spec);

// Halyard's integer SiLU for gated FFNs (docs/transformer-ops.md): the iGELU
// form with tanh(x/2) in place of erf(x/sqrt2), i.e.
//   y = x * ((one + L) >> 1), L = sgn(x) (one - (min(|x|, -b) + b)^2), one = b^2,
// so y * scale_x / one ~ x * sigmoid(x). `b = -round(c / scale_x)` with the
// knee c = isilu_knee(). int32 output or requantized.
struct ISiluSpec {
    Shape shape{16, 64};
    ElemType input_type = ElemType::Int8;
    int64_t b = -70;  // -round(c / scale_x) with c = 4.39 and scale_x = 1/16
    std::optional<RequantParams> requant;
    // A byte input with a per-tensor requantization: the whole op is a
    // 256-entry table (filled per call, or an input, Algorithm::table_inputs).
    bool requant_tables_as_inputs = false;
};
Algorithm isilu(const ISiluSpec &spec);
// The real-valued knee c of the SiLU polynomial (4.39: minimizes the worst
// absolute error of x * sigmoid(x) over the reals); b = -round(c / scale_x).
double isilu_knee();

// Deeploy's iHardswish: y = x * (clip(x + three, 0, six) * one_over_six),
// int32 output, or requantized.
struct IHardswishSpec {
    Shape shape{16, 64};
    ElemType input_type = ElemType::Int8;
    int64_t one_over_six = 33, six = 1530, three = 765;
    std::optional<RequantParams> requant;
    // A byte input with a per-tensor requantization: the whole op is a
    // 256-entry table (filled per call, or an input, Algorithm::table_inputs).
    bool requant_tables_as_inputs = false;
};
Algorithm ihardswish(const IHardswishSpec &spec);

// QuantLib's TrueIntegerDiv (division by the constant y):
//   out = floor(Delta * eta * x / (y * eta + eps))   (int64 intermediate, int32 out)
// or requantized. Deeploy folds it into the following RequantShift instead
// (see true_integer_div_fold); both match Deeploy's vector.
struct TrueIntegerDivSpec {
    Shape shape{16, 64};
    ElemType input_type = ElemType::Int8;
    int64_t y = 2, Delta = 16384, eps = 1, eta = 200000;
    std::optional<RequantParams> requant;
};
Algorithm true_integer_div(const TrueIntegerDivSpec &spec);
// Deeploy's MergeTrueIntegerDivRequantShiftPass: RequantShift(TrueIntegerDiv(x), mul, 0, 2^log2d)
// becomes RequantShift(x, mul * coeff, 0, 2^(log2d + 8)) with
// coeff = floor(Delta*eta / (y*eta + eps)) * 256. Returns coeff.
int64_t true_integer_div_fold_coeff(int64_t y, int64_t Delta, int64_t eps, int64_t eta);

// Deeploy's iNoNorm: y = clip(((x * w + b) * mul) >> log2d) with weight and
// bias broadcast to x (numpy rules).
struct INoNormSpec {
    Shape shape{1, 128, 128};
    Shape weight_shape{128, 128};
    Shape bias_shape{128};
    ElemType input_type = ElemType::Int8;
    ElemType weight_type = ElemType::Int8;
    ElemType bias_type = ElemType::Int32;
    int64_t mul = 425;
    int log2d = 16;
    int64_t n_levels = 256;
};
Algorithm inonorm(const INoNormSpec &spec);

// Y = A * B elementwise with numpy broadcasting, int32 product; int32 out,
// requantized, or saturated to output_type.
struct MulSpec {
    TensorType a{"A", ElemType::Int8, {16}};
    TensorType b{"B", ElemType::Int8, {16}};
    std::optional<RequantParams> requant;
    std::optional<ElemType> output_type;
};
Algorithm mul(const MulSpec &spec);

// Concat of inputs X0, X1, ... along `axis` (negative counts from the end);
// all other axes must agree. A KV-cache append is Concat(cache, new) on the
// sequence axis.
struct ConcatSpec {
    std::vector<Shape> shapes{{1, 16, 16, 64}, {1, 16, 8, 64}};
    int axis = -2;
    ElemType type = ElemType::Int8;
};
Algorithm concat(const ConcatSpec &spec);

// Materialized transpose: Y.shape[i] = X.shape[perm[i]] (ONNX Transpose).
// A consumer can instead fold the permutation into its own indexing.
struct TransposeSpec {
    Shape shape{16, 64};
    std::vector<int> perm{1, 0};
    ElemType type = ElemType::Int8;
};
Algorithm transpose(const TransposeSpec &spec);

// Materialized reshape (ONNX Reshape): the same elements in row-major order
// under `out_shape`. In a dense layout a reshape moves no data, so a consumer
// normally just reads X with the new shape; this copy is for schedules that
// want the result in its own buffer.
struct ReshapeSpec {
    Shape shape{16, 64};
    Shape out_shape{1024};
    ElemType type = ElemType::Int8;
};
Algorithm reshape(const ReshapeSpec &spec);

// Embedding lookup: Y[t, :] = table[clamp(ids[t], 0, vocab-1), :]; table
// [vocab, dim] (int8), ids [tokens] int32. Out-of-range ids are clamped.
struct EmbeddingSpec {
    int vocab = 256, dim = 64, tokens = 16;
    ElemType table_type = ElemType::Int8;
};
Algorithm embedding(const EmbeddingSpec &spec);

// Halyard's integer rotary position embedding (docs/transformer-ops.md):
// x [..., T, D] int8 (D even), pos [T] int32, cos and sin [P, D/2] int16
// tables in Q`frac_bits` (rope_tables). Each pair (x1, x2) of axis -1 (halves
// [i, i + D/2], or [2i, 2i+1] when interleaved) at position p = clamp(pos[t], 0, P-1):
//   y1 = clip((x1 * c - x2 * s + 2^(F-1)) >> F),  y2 = clip((x1 * s + x2 * c + 2^(F-1)) >> F)
// with c = cos[p, i], s = sin[p, i], clipped to int8.
struct RopeSpec {
    Shape shape{1, 16, 4};
    int max_positions = 128;
    int frac_bits = 14;
    bool interleaved = false;
};
Algorithm rope(const RopeSpec &spec);
// cos/sin tables [max_positions, head_dim/2] in Q`frac_bits`:
// round(2^F cos(p * base^(-2i/head_dim))), computed offline (compile time).
struct RopeTables {
    std::vector<int16_t> cos, sin;
};
RopeTables rope_tables(int max_positions, int head_dim, double base, int frac_bits);

// A per-tensor requantization with constants baked into the code:
// clip((v * mul + add + 2^(log2d-1)) >> log2d) to int8 (Deeploy's RequantShift, rounding).
struct RequantConst {
    int32_t mul = 1, add = 0;
    int log2d = 0;
};

// Multi-head self-attention, integer-only, as one algorithm (Deeploy's
// microLlama attention: projections as RQMatMul, iSoftmax, RQMatMul):
//   x [S, E] int8; Wqkv [E, (H + 2 Hkv) Dh] int8 (the Q, K and V weights side
//   by side: columns [0, H Dh) for Q, then Hkv Dh for K, then Hkv Dh for V);
//   Wo [H*Dh, E] int8; optional int32 biases bqkv [(H + 2 Hkv) Dh], bo [E];
//   Q = rq_q(x Wq + bq), K = rq_k(x Wk + bk), V = rq_v(x Wv + bv)   (int8, per head)
//   with a KV cache (past > 0): K, V = concat(kv_cache[0], K), concat(kv_cache[1], V)
//   on the sequence axis; kv_cache [2, Hkv, past, Dh] int8
//   scores[h, i, j] = rq_s(Q[h, i, :] . K[h / (H/Hkv), j, :])           (int8)
//   P = iSoftmax over j (Deeploy's coefficients; causal: keys j <= past + i only,
//       masked entries get 0 and take no part in max or sum)           (uint8)
//   ctx[h, i, :] = rq_c(sum_j P[h, i, j] V[h / (H/Hkv), j, :])         (int8)
//   Y[s, :] = rq_o(concat_h ctx[h, s, :] Wo + bo)                        (int8)
// Grouped-query attention when Hkv < H (H a multiple of Hkv). Stages:
// q_acc, Q, k_acc, K, v_acc, V, s_acc, scores, xmax, ssum, P, c_acc, ctx, y_acc, Y.
struct AttentionSpec {
    int S = 4;       // new tokens (prefill: the prompt; decode: 1)
    int E = 64;      // model width
    int H = 4;       // query heads
    int Hkv = 4;     // key/value heads
    int Dh = 16;     // head width
    int past = 0;    // cached tokens (0: no cache inputs)
    bool causal = true;
    bool bias = false;
    // Fused-weight self-attention (Jung et al. 2024): Wq_h Wk_h^T folded offline
    // into one [E, E] weight per head, so Wqkv is [E, H E + Hkv Dh] (Wqk_0 ..
    // Wqk_{H-1}, then V) and scores[h,i,j] = rq_s(rq_q(x_i Wqk_h) . x_j); rq_k
    // is unused. No KV cache, no biases.
    bool fused_qk = false;
    // Integer RoPE (as `rope`) on Q and on the new K rows after their
    // requantization, at absolute positions past + s; the cache holds rotated
    // keys. Input rope_tables [2, rope_positions, Dh/2] int16 (cos, sin in
    // Q`rope_frac_bits`, see rope_tables()); rope_positions >= past + S. No biases.
    bool rope = false;
    int rope_positions = 0;
    int rope_frac_bits = 14;
    bool rope_interleaved = false;
    RequantConst rq_q, rq_k, rq_v, rq_s, rq_c, rq_o;
    ISoftmaxSpec softmax;  // coefficients and n_levels (shape ignored)
};
Algorithm attention(const AttentionSpec &spec);
// The KV-cache update of a decode (or prefill) step: the new tokens' keys and
// values appended to the cache, out [2, Hkv, past + S, Dh] int8:
//   out[0] = concat(kv_cache[0], rq_k(xn Wk + bk)), out[1] = concat(kv_cache[1], rq_v(xn Wv + bv))
// with xn = x, or iRMSNorm(x, norm_w) (D = 2^norm_log2d) when `rmsnorm` (the
// decoder block's attention input). The K and V weights are read from the
// packed matrix W [E, weight_cols] at columns H*Dh and (H+Hkv)*Dh, so the
// attention's Wqkv (weight_cols = (H + 2 Hkv) Dh) or the decoder block's W_in
// (weight_cols = (H + 2 Hkv) Dh + 2F) is passed as is. With attn.rope the new
// keys are rotated (positions past..past+S-1). Inputs: x, W, [bqkv],
// [norm_w [E] int32], [kv_cache], [rope_tables].
struct KvCacheUpdateSpec {
    AttentionSpec attn;    // S, E, H, Hkv, Dh, past, bias, rq_k, rq_v
    int weight_cols = 0;   // 0: (H + 2 Hkv) Dh
    bool rmsnorm = false;
    int norm_log2d = 16;
};
Algorithm kv_cache_update(const KvCacheUpdateSpec &spec);

// Weights (and biases) of `attention(spec)`: Wqkv + Wo (+ bqkv + bo).
int64_t attention_parameters(const AttentionSpec &spec);

// A Llama-style decoder block as one algorithm (one memory plan for the block):
//   xn1 = iRMSNorm(x, norm_w[0])                                  (D = 2^norm_log2d)
//   h   = rq_r1(x + attention(xn1))      stage "resid"             (attention without biases)
//   xn2 = iRMSNorm(h, norm_w[1])
//   g   = rq_g(xn2 Wg), u = rq_u(xn2 Wu)                           [S, F]
//   m   = rq_m(rq_sl(iSiLU_b(g)) * u)                              gated FFN
//   Y   = rq_r2(h + rq_d(m Wd))
// Inputs: x [S, E] int8; W_in [E, (H + 2 Hkv) Dh + 2F] int8 (Q | K | V | Wg | Wu
// columns); W_out [H Dh + F, E] int8 (Wo rows, then Wd rows); norm_w [2, E]
// int32; kv_cache [2, Hkv, past, Dh] when attn.past > 0; rope_tables when
// attn.rope. Output Y [S, E] int8.
struct DecoderSpec {
    AttentionSpec attn;
    int F = 256;
    int norm_log2d = 16;
    int64_t silu_b = -70;
    RequantConst rq_r1, rq_g, rq_u, rq_sl, rq_m, rq_d, rq_r2;
};
Algorithm decoder_block(const DecoderSpec &spec);

// A pre-norm encoder block (LayerNorm, attention, GELU FFN) as one algorithm:
//   xn1 = iLayerNorm(x, norm[0], norm[1]);  h = rq_r1(x + attention(xn1))   stage "resid"
//   xn2 = iLayerNorm(h, norm[2], norm[3]);  u = rq_up(xn2 W1)               [S, F]
//   Y   = rq_r2(h + rq_d(rq_gl(iGELU_{b,one}(u)) W2))
// Inputs: x [S, E] int8; W_in [E, (H + 2 Hkv) Dh + F] (Q | K | V | W1 columns);
// W_out [H Dh + F, E] (Wo rows, then W2 rows); norm [4, E] int32 (weight 1,
// bias 1, weight 2, bias 2); kv_cache when attn.past > 0. Attention without biases.
struct EncoderSpec {
    AttentionSpec attn;  // usually causal = false
    int F = 256;
    int norm_log2d = 16;
    int64_t gelu_b = -41, gelu_one = 1773;
    RequantConst rq_r1, rq_up, rq_gl, rq_d, rq_r2;
};
Algorithm encoder_block(const EncoderSpec &spec);

}  // namespace halyard
