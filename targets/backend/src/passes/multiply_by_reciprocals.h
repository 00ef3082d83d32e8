#pragma once
#include "Halide.h"

namespace halyard {

// Divisions by a loop invariant as multiplications. A norm divides every
// element of a row by the row's norm (iRMSNorm: x * w / std); the cores'
// divider takes up to 35 cycles per quotient, a mulhu 5. For a loop with a
// constant trip count whose body divides (int32, rounding to zero) by a
// divisor that is not a constant (gcc handles those) and reads nothing the
// loop binds or any buffer (so it is the same on every iteration), the
// divisor's magic number is computed once before the loop
// (hy_sdiv_magic, runtime halyard_divide.h) and each division becomes
// hy_sdiv_apply: exact for every int32 dividend and divisor (a zero divisor
// gives 0). Only where the loop performs at least kMinDivisions of them
// (the magic costs about 60 cycles). *rewritten counts the loops.
Halide::Internal::Stmt multiply_by_reciprocals(const Halide::Internal::Stmt &s, int *rewritten);

// The runtime header the rewritten code needs.
constexpr const char *kReciprocalHeader = "halyard_divide.h";

}  // namespace halyard
