#pragma once
#include <set>
#include <string>

#include "Halide.h"

namespace halyard {

// The buffers an expression names: its loads (an address_of(load) argument
// points into that buffer) and its buffer pointers (handle variables). What a
// call to a kernel or a DMA transfer may touch.
std::set<std::string> buffers_named(const Halide::Expr &e);

}  // namespace halyard
