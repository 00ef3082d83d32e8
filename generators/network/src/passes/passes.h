// The network compiler's graph rewrites, in the order compile_network runs
// them (one per file). Each logs one line per change into graph.log.
#pragma once

#include "halyard/frontend/graph.h"

namespace halyard::network {

// Deeploy's MergeTrueIntegerDivRequantShiftPass: a TrueIntegerDiv whose only
// reader is a per-tensor RequantShift with add == 0 becomes part of that
// RequantShift (mul' = mul * floor(Delta*eta / (y*eta + eps)) * 256,
// div' = div * 256); the division is never materialized.
void merge_true_integer_div(frontend::Graph &g);

// Deeploy's SkipEmptyConcatPass: Concat inputs with no elements (an empty KV
// cache) are dropped; a Concat left with one input becomes an Identity view.
void drop_empty_concat_inputs(frontend::Graph &g);

// A Transpose swapping the last two axes whose only reader is a MatMul's B
// operand is folded into the MatMul (it reads B as [..., N, K]: trans_b).
void fold_transpose_into_matmul(frontend::Graph &g);

// A batched MatMul reading a computed B [..., K, N] with K on a matmul
// kernel's fast path (its k_multiple in the kernel registry) and at least 16
// reads B^T from a new Transpose instead, with trans_b: the
// dot-product kernels read B as [..., N, K]. Attention's context MatMul
// (probabilities x V) is the case; the transpose costs a pass over V.
// It needs B's shape, so compile_network calls it on node `i` while lowering
// (the nodes before i have their shapes); true when it inserted the Transpose
// at i (the MatMul is then i + 1).
bool transpose_matmul_operand(frontend::Graph &g, size_t i);

// MatMul with a constant 2-D weight followed by an Add of a constant bias
// (per output column or scalar) becomes one GEMM with bias (Deeploy's
// MatMulAddMergePass).
void fuse_bias(frontend::Graph &g);

// A RequantShift whose input comes from a Gemm/MatMul/Add/Mul/iHardswish/
// iGELU/iSiLU/TrueIntegerDiv/iSoftmax that nothing else reads is fused into
// that node's epilogue (Deeploy's *RequantMergePass family).
void fuse_requant(frontend::Graph &g);

// A RequantShift left after fuse_requant (its producer is requantized
// already) whose only reader is an Add is fused into that Add as the
// requantization of the operand it feeds: the Add reads the RequantShift's
// input (a_requant / b_requant of the add family). Not on a graph input or
// constant (often broadcast, as the attention mask is).
void fuse_operand_requant(frontend::Graph &g);

// An Add with an int8 requantized result whose only reader is an iSoftmax
// (the attention mask's Add, with its operands' requantizations) is folded
// into the softmax (the isoftmax family's x=add): each row of the sum is
// computed where the softmax reads it, never written to memory.
void fuse_add_into_softmax(frontend::Graph &g);

}  // namespace halyard::network
