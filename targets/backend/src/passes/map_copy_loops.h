#pragma once
#include <string>
#include <vector>

#include "Halide.h"

namespace halyard {

struct CopyReport {
    std::vector<std::string> lines;  // one per loop nest replaced
};

// Copy loops. A loop nest whose body only copies elements of one buffer into
// another, contiguous in both (dst[d + i] = src[s + i] over the innermost
// loop; each outer loop advancing both by what the loops inside it copy),
// becomes one call hy_copy(dst, src, bytes), the printed prelude's word-wise
// copy, instead of a byte loop paying loop control and a taken branch per
// element (a Concat's KV-cache append: 7 instructions per byte). Exact: the
// same elements land in the same places; source and destination are distinct
// buffers (the entry point's pointers are restrict, arena slots of buffers
// live at the same time do not overlap).
Halide::Internal::Stmt map_copy_loops(const Halide::Internal::Stmt &s, CopyReport *report);

}  // namespace halyard
