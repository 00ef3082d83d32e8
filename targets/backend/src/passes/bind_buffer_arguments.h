#pragma once
#include "Halide.h"
#include "halyard/dsl/algorithm.h"

namespace halyard {

// Replace every halide_buffer_t query with what the fixed-shape raw-pointer
// entry point knows at generation time: a buffer's host pointer becomes the
// argument itself, its min/extent/stride become constants. Drops the argument
// asserts (shapes are fixed, so they hold by construction).
Halide::Internal::Stmt bind_buffer_arguments(const Halide::Internal::Stmt &s, const Algorithm &algo);

}  // namespace halyard
