#pragma once
#include "Halide.h"
#include "halyard/backend.h"

namespace halyard {

// A row reduction folded into the loop that produces its operand. A row op
// computes a per-element buffer and then reduces it in a loop of its own
// (a softmax: x[j] = ..., then xmax = max over x[j]; e[j] = ..., then
// sum = sum + e[j]), which reads every element back from L1 and pays a loop
// of its own. When the reduction's loop is the next thing after the
// producer (frees of other buffers aside) and reads only x[j] (R[c] = R[c] op f(x[j]), op one of +, max,
// min, over j in [0, n)), its update is done right after each store of the
// producer, on the stored value, and the loop goes. Only where that is the
// same program: the producer stores every index of [0, n) unconditionally
// (a sum: each exactly once, or a repeated store of an index, a shifted last
// group's, is not counted again; max and min do not mind), stores nothing
// else, and reads neither R nor anything the reduction's init reads; and R
// is in registers (`arenas`: an arena buffer's bytes are shared by scope, and
// R's scope grows to take in the producer).
Halide::Internal::Stmt fuse_row_reductions(const Halide::Internal::Stmt &s, const ArenaPlan &arenas, int *fused);

}  // namespace halyard
