#pragma once
#include "Halide.h"

namespace halyard {

// Unrolled groups of stores, in load order. An unrolled loop leaves a run of
// independent stores to one buffer (x[4i] = T2[T1[A[4i]] + B[4i]]; x[4i+1] =
// ...), each a chain of dependent loads. Printed one after the other, every
// load's value is used by the next instruction (a load-use stall per load on
// the cores), and the C compiler cannot start the next element's loads early:
// it must assume each int8 store may alias the tables. This pass reads the
// loads of up to four stores of a run first, level by level (every store's
// first loads, then the loads that index with them, ...), as lets before the
// stores. Only where that is the same program: the stored buffer is not read
// by the run, the loads are not under a select or if_then_else (they run
// unconditionally anyway), scalar and unpredicated.
Halide::Internal::Stmt interleave_unrolled_stores(const Halide::Internal::Stmt &s, int *groups);

}  // namespace halyard
