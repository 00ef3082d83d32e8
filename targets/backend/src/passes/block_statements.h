#pragma once
#include <vector>

#include "Halide.h"

namespace halyard {

// The statements of a (nested) Block in order; a statement that is no Block
// is its own one statement. Shared by the passes that rewrite runs of
// statements (map_micro_kernels, interleave_unrolled_stores, fuse_row_reductions).
std::vector<Halide::Internal::Stmt> block_statements(const Halide::Internal::Stmt &s);

}  // namespace halyard
