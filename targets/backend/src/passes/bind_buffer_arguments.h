#pragma once
#include <map>
#include "Halide.h"
#include "halyard/dsl/algorithm.h"

namespace halyard {

// Replace every halide_buffer_t query with what the fixed-shape raw-pointer
// entry point knows at generation time: a buffer's host pointer becomes the
// argument itself, its min/extent/stride become constants. Drops the argument
// asserts (shapes are fixed, so they hold by construction). `row_pitch`:
// inputs whose rows lie further apart than dense (elements from one row's
// start to the next's; an input the caller passes in L1 with rows padded
// across banks, SchedulePlan::l1_input_row_elems).
Halide::Internal::Stmt bind_buffer_arguments(const Halide::Internal::Stmt &s, const Algorithm &algo,
                                             const std::map<std::string, int64_t> &row_pitch = {});

}  // namespace halyard
