// Generator families for the Transformer layer ops (integer softmaxes, norms,
// activations, Mul, data movement, SiLU and RoPE).
#include <algorithm>

#include "families.h"
#include "halyard/dsl/transformer_ops.h"

namespace halyard {

namespace {

const int64_t kInt32Max = (int64_t(1) << 31) - 1;

GeneratorFamily isoftmax_family() {
    std::vector<GeneratorParam> params = with_requant(
        {{"shape", "16x16", "shape of x"},
         {"in_type", "int8", "element type of x: int8 (Deeploy's) or int16 (no narrowing casts)"},
         {"coeffA", "1", "polynomial coefficient A"},
         {"coeffB", "345", "polynomial coefficient B"},
         {"coeffC", "62395", "polynomial coefficient C"},
         {"log2", "255", "integer ln(2) in input units"},
         {"n_levels", "256", "output levels (<= 256)"},
         {"lengths", "none", "shape of an int32 input of valid row lengths (broadcast to the rows; masks j >= L), or none"},
         {"exp_table", "compute", "int8 x: compute (a stage fills the exp table every call) or input (read from the "
                                  "int32[256] input exp_table: the uint32 values' bits, as isoftmax_exp_table gives them)"},
         {"x", "input", "input (x is an input) or add (x = x_A + x_B as the add family computes it, from the "
                        "add family's parameters named x_*: x_a_shape, x_b_shape, x_requant, x_a_requant, ...; "
                        "shape must be their broadcast, in_type their output type)"}},
        "out_");
    const auto fused_add = add_params("x_");
    params.insert(params.end(), fused_add.begin(), fused_add.end());
    params.push_back(requant_tables_param());  // the output's and the fused Add's
    return {"isoftmax",
            "Deeploy iSoftmax over the last axis: int8 in, unsigned n_levels out (I-BERT integer exp), or requantized; "
            "x an input or an Add",
            params,
            [](const ParamMap &p) {
                ISoftmaxSpec s;
                const std::string x = p.str("x");
                if (x != "input" && x != "add") p.bad("x", "expected input or add");
                s.requant_tables_as_inputs = requant_tables_as_inputs(p);
                if (x == "add") {
                    s.input_add = add_spec(p, "x_");
                    s.input_add->requant_tables_as_inputs = s.requant_tables_as_inputs;
                }
                s.requant = p.requant("out_");
                const std::string table = p.str("exp_table");
                if (table != "compute" && table != "input") p.bad("exp_table", "expected compute or input");
                s.exp_table_input = table == "input";
                if (p.str("lengths") != "none") s.lengths = p.shape("lengths");
                s.input_type = p.elem_type("in_type");
                s.shape = p.shape("shape");
                s.coeffA = p.int64("coeffA", -kInt32Max, kInt32Max);
                s.coeffB = p.int64("coeffB", -kInt32Max, kInt32Max);
                s.coeffC = p.int64("coeffC", -kInt32Max, kInt32Max);
                s.log2 = p.int64("log2", 1, 32767);
                s.n_levels = p.int64("n_levels", 2, 256);
                return isoftmax(s);
            }};
}

GeneratorFamily itamax_family() {
    return {"itamax",
            "Deeploy ITAMax over the last axis: int8 in, unsigned n_levels out (shift-based softmax)",
            {{"shape", "16x16", "shape of x"}, {"n_levels", "256", "output levels (<= 256)"}},
            [](const ParamMap &p) {
                ITAMaxSpec s;
                s.shape = p.shape("shape");
                s.n_levels = p.int64("n_levels", 2, 256);
                return itamax(s);
            }};
}

GeneratorFamily irmsnorm_family() {
    return {"irmsnorm",
            "Deeploy iRMSNorm over the last axis: int8 x, weight[lastDim], y = (x*w / isqrt(mean(x^2)+1)) >> log2d",
            {{"shape", "16x64", "shape of x"},
             {"weight_type", "int32", "element type of weight: int8, int16, int32"},
             {"log2d", "16", "log2 of Deeploy's D"},
             {"n_levels", "256", "output levels (<= 256, signed)"}},
            [](const ParamMap &p) {
                IRMSNormSpec s;
                s.shape = p.shape("shape");
                s.weight_type = p.elem_type("weight_type");
                s.log2d = p.integer("log2d", 0, 31);
                s.n_levels = p.int64("n_levels", 2, 256);
                return irmsnorm(s);
            }};
}

GeneratorFamily ilayernorm_family() {
    return {"ilayernorm",
            "Deeploy iLayerNorm over the last axis: int8 x, weight and bias [lastDim]",
            {{"shape", "16x64", "shape of x"},
             {"weight_type", "int32", "element type of weight: int8, int16, int32"},
             {"bias_type", "int32", "element type of bias: int8, int16, int32"},
             {"log2d", "16", "log2 of Deeploy's D"},
             {"n_levels", "256", "output levels (<= 256, signed)"}},
            [](const ParamMap &p) {
                ILayerNormSpec s;
                s.shape = p.shape("shape");
                s.weight_type = p.elem_type("weight_type");
                s.bias_type = p.elem_type("bias_type");
                s.log2d = p.integer("log2d", 0, 31);
                s.n_levels = p.int64("n_levels", 2, 256);
                return ilayernorm(s);
            }};
}

GeneratorFamily igelu_family() {
    return {"igelu",
            "Deeploy iGELU (I-BERT polynomial): int32 out, or a following RequantShift fused in",
            with_requant({{"shape", "16x64", "shape of x"},
                          {"in_type", "int8", "element type of x: int8, uint8, int16"},
                          {"b", "-23", "clip point (negative)"},
                          {"one", "512", "integer one of the polynomial"},
                          requant_tables_param()}),
            [](const ParamMap &p) {
                IGeluSpec s;
                s.shape = p.shape("shape");
                s.input_type = p.elem_type("in_type");
                s.b = p.int64("b", -32768, -1);
                s.one = p.int64("one", 0, int64_t(1) << 30);
                s.requant = p.requant();
                s.requant_tables_as_inputs = requant_tables_as_inputs(p);
                return igelu(s);
            }};
}

GeneratorFamily isilu_family() {
    return {"isilu",
            "Halyard integer SiLU (iGELU form fitted to x*sigmoid(x), one = b^2): int32 out or requantized",
            with_requant({{"shape", "16x64", "shape of x"},
                          {"in_type", "int8", "element type of x: int8, uint8, int16"},
                          {"b", "-70", "-round(4.39 / scale_x) (default: scale_x = 1/16)"},
                          requant_tables_param()}),
            [](const ParamMap &p) {
                ISiluSpec s;
                s.shape = p.shape("shape");
                s.input_type = p.elem_type("in_type");
                s.b = p.int64("b", -32768, -1);
                s.requant = p.requant();
                s.requant_tables_as_inputs = requant_tables_as_inputs(p);
                return isilu(s);
            }};
}

GeneratorFamily ihardswish_family() {
    return {"ihardswish",
            "Deeploy iHardswish: y = x * clip(x + three, 0, six) * one_over_six, int32 or requantized",
            with_requant({{"shape", "16x64", "shape of x"},
                          {"in_type", "int8", "element type of x: int8, uint8, int16"},
                          {"one_over_six", "33", "integer 1/6"},
                          {"six", "1530", "integer 6"},
                          {"three", "765", "integer 3"},
                          requant_tables_param()}),
            [](const ParamMap &p) {
                IHardswishSpec s;
                s.shape = p.shape("shape");
                s.input_type = p.elem_type("in_type");
                s.one_over_six = p.int64("one_over_six", -(1 << 20), 1 << 20);
                s.six = p.int64("six", 0, 1 << 20);
                s.three = p.int64("three", -(1 << 20), 1 << 20);
                s.requant = p.requant();
                s.requant_tables_as_inputs = requant_tables_as_inputs(p);
                return ihardswish(s);
            }};
}

GeneratorFamily true_integer_div_family() {
    return {"true_integer_div",
            "QuantLib TrueIntegerDiv: floor(Delta*eta*x / (y*eta + eps)), int32 or requantized",
            with_requant({{"shape", "16x64", "shape of x"},
                          {"in_type", "int8", "element type of x: int8, uint8, int16, int32"},
                          {"y", "2", "the constant divisor"},
                          {"Delta", "16384", "Delta attribute"},
                          {"eps", "1", "eps attribute"},
                          {"eta", "200000", "eta attribute"}}),
            [](const ParamMap &p) {
                TrueIntegerDivSpec s;
                s.shape = p.shape("shape");
                s.input_type = p.elem_type("in_type");
                s.y = p.int64("y", -kInt32Max, kInt32Max);
                s.Delta = p.int64("Delta", -kInt32Max, kInt32Max);
                s.eps = p.int64("eps", -kInt32Max, kInt32Max);
                s.eta = p.int64("eta", -kInt32Max, kInt32Max);
                s.requant = p.requant();
                return true_integer_div(s);
            }};
}

GeneratorFamily inonorm_family() {
    return {"inonorm",
            "Deeploy iNoNorm: y = clip(((x*w + b) * mul) >> log2d), weight/bias broadcast to x",
            {{"shape", "1x128x128", "shape of x"},
             {"weight_shape", "128x128", "shape of weight (broadcast to x)"},
             {"bias_shape", "128", "shape of bias (broadcast to x)"},
             {"in_type", "int8", "element type of x: int8, uint8"},
             {"weight_type", "int8", "element type of weight: int8, uint8, int16"},
             {"bias_type", "int32", "element type of bias: int8, int16, int32"},
             {"mul", "425", "integer multiplier"},
             {"log2d", "16", "log2 of Deeploy's D"},
             {"n_levels", "256", "output levels (<= 256, signed)"}},
            [](const ParamMap &p) {
                INoNormSpec s;
                s.shape = p.shape("shape");
                s.weight_shape = p.shape("weight_shape");
                s.bias_shape = p.shape("bias_shape");
                s.input_type = p.elem_type("in_type");
                s.weight_type = p.elem_type("weight_type");
                s.bias_type = p.elem_type("bias_type");
                s.mul = p.int64("mul", -32768, 32768);
                s.log2d = p.integer("log2d", 0, 31);
                s.n_levels = p.int64("n_levels", 2, 256);
                return inonorm(s);
            }};
}

GeneratorFamily mul_family() {
    return {"mul",
            "Y = A * B elementwise with numpy broadcasting; int32, saturated or requantized",
            with_requant({{"a_shape", "16", "shape of A"},
                          {"b_shape", "16", "shape of B"},
                          {"a_type", "int8", "element type of A: int8, uint8, int16"},
                          {"b_type", "int8", "element type of B: int8, uint8, int16"},
                          {"out_type", "int32", "output type without requant (saturating when narrower)"}}),
            [](const ParamMap &p) {
                MulSpec s;
                s.a = {"A", p.elem_type("a_type"), p.shape("a_shape")};
                s.b = {"B", p.elem_type("b_type"), p.shape("b_shape")};
                s.requant = p.requant();
                if (!s.requant) s.output_type = p.elem_type("out_type");
                return mul(s);
            }};
}

GeneratorFamily concat_family() {
    return {"concat",
            "Concat of inputs X0, X1, ... along one axis (KV-cache append)",
            {{"shapes", "1x16x16x64+1x16x8x64", "input shapes separated by +"},
             {"axis", "-2", "concatenation axis (negative counts from the end)"},
             {"type", "int8", "element type of every tensor"}},
            [](const ParamMap &p) {
                ConcatSpec s;
                s.shapes = p.shape_list("shapes");
                s.axis = p.integer("axis", -64, 63);
                s.type = p.elem_type("type");
                return concat(s);
            }};
}

GeneratorFamily transpose_family() {
    return {"transpose",
            "Materialized transpose: Y.shape[i] = X.shape[perm[i]] (a consumer may fold it instead)",
            {{"shape", "16x64", "shape of X"},
             {"perm", "default", "axis permutation, e.g. 0,2,1,3 (default: reversed)"},
             {"type", "int8", "element type"}},
            [](const ParamMap &p) {
                TransposeSpec s;
                s.shape = p.shape("shape");
                s.perm = p.int_list("perm");
                s.type = p.elem_type("type");
                return transpose(s);
            }};
}

GeneratorFamily reshape_family() {
    return {"reshape",
            "Materialized reshape (row-major order kept); in a dense layout a consumer can read X reshaped instead",
            {{"shape", "16x64", "shape of X"}, {"out_shape", "1024", "shape of Y (same element count)"}, {"type", "int8", "element type"}},
            [](const ParamMap &p) {
                ReshapeSpec s;
                s.shape = p.shape("shape");
                s.out_shape = p.shape("out_shape");
                s.type = p.elem_type("type");
                return reshape(s);
            }};
}

GeneratorFamily embedding_family() {
    return {"embedding",
            "Embedding lookup: Y[t, :] = table[clamp(ids[t]), :], table [vocab, dim], int32 ids",
            {{"vocab", "256", "table rows"},
             {"dim", "64", "embedding width"},
             {"tokens", "16", "number of ids"},
             {"table_type", "int8", "element type of the table"}},
            [](const ParamMap &p) {
                EmbeddingSpec s;
                s.vocab = p.integer("vocab", 1, 1 << 20);
                s.dim = p.integer("dim", 1, 1 << 16);
                s.tokens = p.integer("tokens", 1, 1 << 16);
                s.table_type = p.elem_type("table_type");
                return embedding(s);
            }};
}

GeneratorFamily rope_family() {
    return {"rope",
            "Halyard integer rotary position embedding: x [..., T, D] int8, pos [T], Q-format cos/sin tables",
            {{"shape", "1x16x4", "shape of x ([..., T, D], D even)"},
             {"max_positions", "128", "rows of the cos/sin tables"},
             {"frac_bits", "14", "fraction bits of the tables"},
             {"interleaved", "0", "pairs (2i, 2i+1) instead of (i, i + D/2)"}},
            [](const ParamMap &p) {
                RopeSpec s;
                s.shape = p.shape("shape");
                s.max_positions = p.integer("max_positions", 1, 1 << 20);
                s.frac_bits = p.integer("frac_bits", 1, 14);
                s.interleaved = p.boolean("interleaved");
                return rope(s);
            }};
}

// "mul,add,log2d" -> RequantConst.
RequantConst rq_const(const ParamMap &p, const std::string &key) {
    std::vector<int> v = p.int_list(key);
    if (v.size() != 3 || v[2] < 0 || v[2] > 31) p.bad(key, "expected mul,add,log2d with log2d in 0..31");
    return RequantConst{v[0], v[1], v[2]};
}

std::vector<GeneratorParam> attention_params() {
    return {{"S", "4", "new tokens (prefill: prompt length; decode: 1)"},
             {"E", "64", "model width"},
             {"H", "4", "query heads"},
             {"Hkv", "4", "key/value heads (divides H)"},
             {"Dh", "16", "head width"},
             {"past", "0", "cached tokens (0: no k_cache/v_cache inputs)"},
             {"causal", "1", "mask keys after each query's position"},
             {"bias", "0", "int32 biases bq, bk, bv, bo"},
             {"fused_qk", "0", "fused-weight self-attention: one [E, E] query-key weight per head (no cache, no bias)"},
             {"rope", "0", "integer RoPE on Q and K (input rope_tables [2, rope_positions, Dh/2] int16)"},
             {"rope_positions", "0", "rows of the RoPE tables (>= past + S, >= 2; 0: max(2, past + S))"},
             {"rope_frac_bits", "14", "fraction bits of the RoPE tables"},
             {"rope_interleaved", "0", "RoPE pairs (2i, 2i+1) instead of (i, i + Dh/2)"},
             {"rq_q", "1,0,8", "Q requantization mul,add,log2d"},
             {"rq_k", "1,0,8", "K requantization"},
             {"rq_v", "1,0,8", "V requantization"},
             {"rq_s", "1,0,6", "score requantization"},
             {"rq_c", "1,0,8", "context requantization"},
             {"rq_o", "1,0,9", "output requantization"},
             {"coeffA", "1", "iSoftmax coefficient A"},
             {"coeffB", "345", "iSoftmax coefficient B"},
             {"coeffC", "62395", "iSoftmax coefficient C"},
             {"log2", "255", "iSoftmax log2"}};
}

// The attention parameters shared by attention, the blocks and kv_cache_update.
AttentionSpec attention_spec(const ParamMap &p, const std::string &family) {
    AttentionSpec s;
    s.S = p.integer("S", 1, 1 << 16);
    s.E = p.integer("E", 1, 1 << 16);
    s.H = p.integer("H", 1, 1 << 10);
    s.Hkv = p.integer("Hkv", 1, 1 << 10);
    s.Dh = p.integer("Dh", 1, 1 << 12);
    s.past = p.integer("past", 0, 1 << 16);
    s.causal = p.boolean("causal");
    s.bias = family == "attention" && p.boolean("bias");
    s.fused_qk = family != "kv_cache_update" && p.boolean("fused_qk");
    s.rope = p.boolean("rope");
    s.rope_positions = p.integer("rope_positions", 0, 1 << 20);
    if (s.rope_positions == 0) s.rope_positions = std::max(2, s.past + s.S);
    s.rope_frac_bits = p.integer("rope_frac_bits", 1, 14);
    s.rope_interleaved = p.boolean("rope_interleaved");
    s.rq_q = rq_const(p, "rq_q");
    s.rq_k = rq_const(p, "rq_k");
    s.rq_v = rq_const(p, "rq_v");
    s.rq_s = rq_const(p, "rq_s");
    s.rq_c = rq_const(p, "rq_c");
    s.rq_o = rq_const(p, "rq_o");
    s.softmax.coeffA = p.int64("coeffA", -kInt32Max, kInt32Max);
    s.softmax.coeffB = p.int64("coeffB", -kInt32Max, kInt32Max);
    s.softmax.coeffC = p.int64("coeffC", -kInt32Max, kInt32Max);
    s.softmax.log2 = p.int64("log2", 1, 32767);
    return s;
}

GeneratorFamily attention_family() {
    return {"attention",
            "multi-head self-attention: RQ projections, RQ scores, iSoftmax (causal), RQ context, RQ output; GQA, KV cache",
            attention_params(), [](const ParamMap &p) { return attention(attention_spec(p, "attention")); }};
}

// A block's parameters: attention's without `bias`, then `more`.
std::vector<GeneratorParam> block_params(const std::vector<GeneratorParam> &more) {
    std::vector<GeneratorParam> params = attention_params();
    params.erase(std::remove_if(params.begin(), params.end(), [](const GeneratorParam &g) { return g.name == "bias"; }),
                 params.end());
    params.insert(params.end(), more.begin(), more.end());
    return params;
}

GeneratorFamily decoder_block_family() {
    std::vector<GeneratorParam> params = block_params({{"F", "256", "FFN hidden width"},
                                                      {"norm_log2d", "16", "log2 of both iRMSNorms' D"},
                                                      {"silu_b", "-70", "iSiLU b (one = b^2)"},
                                                      {"rq_r1", "1,0,1", "attention residual requantization"},
                                                      {"rq_g", "1,0,8", "gate projection requantization"},
                                                      {"rq_u", "1,0,8", "up projection requantization"},
                                                      {"rq_sl", "1,0,12", "iSiLU output requantization"},
                                                      {"rq_m", "1,0,7", "gate x up requantization"},
                                                      {"rq_d", "1,0,9", "down projection requantization"},
                                                      {"rq_r2", "1,0,1", "FFN residual requantization"}});
    return {"decoder_block",
            "Llama-style decoder block: iRMSNorm, attention (GQA, KV cache), residual, iRMSNorm, gated iSiLU FFN, residual",
            params, [](const ParamMap &p) {
                DecoderSpec s;
                s.attn = attention_spec(p, "decoder_block");
                s.F = p.integer("F", 1, 1 << 16);
                s.norm_log2d = p.integer("norm_log2d", 0, 31);
                s.silu_b = p.int64("silu_b", -4000, -1);
                s.rq_r1 = rq_const(p, "rq_r1");
                s.rq_g = rq_const(p, "rq_g");
                s.rq_u = rq_const(p, "rq_u");
                s.rq_sl = rq_const(p, "rq_sl");
                s.rq_m = rq_const(p, "rq_m");
                s.rq_d = rq_const(p, "rq_d");
                s.rq_r2 = rq_const(p, "rq_r2");
                return decoder_block(s);
            }};
}

GeneratorFamily encoder_block_family() {
    std::vector<GeneratorParam> params = block_params({{"F", "256", "FFN hidden width"},
                                                      {"norm_log2d", "16", "log2 of both iLayerNorms' D"},
                                                      {"gelu_b", "-41", "iGELU b"},
                                                      {"gelu_one", "1773", "iGELU one"},
                                                      {"rq_r1", "1,0,1", "attention residual requantization"},
                                                      {"rq_up", "1,0,8", "FFN up projection requantization"},
                                                      {"rq_gl", "1,0,11", "iGELU output requantization"},
                                                      {"rq_d", "1,0,9", "FFN down projection requantization"},
                                                      {"rq_r2", "1,0,1", "FFN residual requantization"}});
    for (auto &g : params) {
        if (g.name == "causal") g.default_value = "0";
    }
    return {"encoder_block",
            "pre-norm encoder block: iLayerNorm, attention, residual, iLayerNorm, iGELU FFN, residual",
            params, [](const ParamMap &p) {
                EncoderSpec s;
                s.attn = attention_spec(p, "encoder_block");
                s.F = p.integer("F", 1, 1 << 16);
                s.norm_log2d = p.integer("norm_log2d", 0, 31);
                s.gelu_b = p.int64("gelu_b", -32768, -1);
                s.gelu_one = p.int64("gelu_one", 0, int64_t(1) << 30);
                s.rq_r1 = rq_const(p, "rq_r1");
                s.rq_up = rq_const(p, "rq_up");
                s.rq_gl = rq_const(p, "rq_gl");
                s.rq_d = rq_const(p, "rq_d");
                s.rq_r2 = rq_const(p, "rq_r2");
                return encoder_block(s);
            }};
}

GeneratorFamily kv_cache_update_family() {
    std::vector<GeneratorParam> params = attention_params();
    params.erase(std::remove_if(params.begin(), params.end(), [](const GeneratorParam &g) { return g.name == "fused_qk"; }),
                 params.end());
    std::vector<GeneratorParam> more = {{"weight_cols", "0", "columns of the packed weight W (0: (H + 2 Hkv) Dh)"},
                                        {"rmsnorm", "0", "apply iRMSNorm(x, norm_w) first (the decoder block's input)"},
                                        {"norm_log2d", "16", "log2 of the iRMSNorm's D"}};
    params.insert(params.end(), more.begin(), more.end());
    return {"kv_cache_update",
            "KV-cache update: the new tokens' requantized K and V appended to the cache [2, Hkv, past + S, Dh]",
            params, [](const ParamMap &p) {
                KvCacheUpdateSpec s;
                s.attn = attention_spec(p, "kv_cache_update");
                s.attn.bias = p.boolean("bias");
                s.weight_cols = p.integer("weight_cols", 0, 1 << 20);
                s.rmsnorm = p.boolean("rmsnorm");
                s.norm_log2d = p.integer("norm_log2d", 0, 31);
                return kv_cache_update(s);
            }};
}

}  // namespace

std::vector<GeneratorFamily> transformer_families() {
    return {isoftmax_family(), itamax_family(),  irmsnorm_family(),         ilayernorm_family(),
            igelu_family(),    isilu_family(),   ihardswish_family(),       true_integer_div_family(),
            inonorm_family(),  mul_family(),     concat_family(),           transpose_family(),       reshape_family(),
            embedding_family(), rope_family(),      attention_family(),        decoder_block_family(),
            encoder_block_family(), kv_cache_update_family()};
}

}  // namespace halyard
