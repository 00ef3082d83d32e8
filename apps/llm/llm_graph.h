// The quantized model's decode step as a Deeploy-dialect ONNX graph (plus
// Halyard's RoPE, iSiLU and masked iSoftmax, docs/transformer-ops.md), for a
// KV cache of `kv_len` rows. One step reads one token and its position and
// the cache, and writes the logits and the step's new keys and values; the
// caller appends those to the cache (the token loop, runtime/llm_loop.c).
//
// Inputs (entry-point order): token int32 [1], pos int32 [1], n_valid int32
// [1] (= pos + 1: the new key first, then the pos cached rows), then per
// layer l: k_cache.l, v_cache.l int8 [n_kv_heads, kv_len, head_size] (rows >=
// pos are masked). Outputs: logits int32 [1, vocab], then per layer k_new.l,
// v_new.l int8 [n_kv_heads, 1, head_size] (keys after RoPE).
#pragma once

#include <map>
#include <string>

#include "halyard/dsl/types.h"
#include "halyard/io/onnx_graph.h"
#include "llm/quantize.h"

namespace halyard::llm {

io::OnnxGraph decode_graph(const IntegerModel &model, int kv_len, const std::string &name);

// The prompt at positions 0..n-1 in one graph (the same integer model: every
// row computes what n decode steps would, bit for bit). Input: tokens int32
// [n]. Outputs: logits int32 [1, vocab] of the last token, then per layer
// k_new.l, v_new.l int8 [n_kv_heads, n, head_size] (the cache's first n rows).
// Causal attention is iSoftmax with the constant row lengths 1..n.
io::OnnxGraph prefill_graph(const IntegerModel &model, int n, const std::string &name);

// Element types of the graph inputs (for the network compiler).
std::map<std::string, ElemType> decode_input_types(const IntegerModel &model);

}  // namespace halyard::llm
