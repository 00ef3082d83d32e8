#pragma once
#include "Halide.h"

namespace halyard {

// Loop-invariant loads. Inside a serial loop, a load whose index does not
// change from one iteration to the next, from a buffer the loop never stores
// to, is read once before the loop (a let) instead of in every iteration: a
// requantization's per-tensor mul and add, read per element otherwise because
// the C compiler must assume the int8 output stores may alias them. Only
// loads every iteration executes (not under a select, an if or an inner
// loop), out of loops that run at least once and make no calls but to
// micro-kernels (a DMA could write the buffer; a micro-kernel writes only
// what its arguments point to); parallel loops keep theirs (their body
// becomes a task on every core). A constant added to a hoisted load is
// folded into its let ((x + add) + round -> x + (add + round)).
Halide::Internal::Stmt hoist_invariant_loads(const Halide::Internal::Stmt &s, int *hoisted);

}  // namespace halyard
