#pragma once
#include "Halide.h"
#include "halyard/backend.h"

namespace halyard {

// The Memory-levels pass. Every Allocate is placed by the level its schedule
// gave it: L1 and L2 buffers get offsets in one static arena per level, and
// buffers whose scopes do not overlap share space (a scope-ordered stack, so
// siblings reuse the same bytes); reg buffers become core-local arrays.
// Double-buffered staging copies take two slots. Fails, naming every buffer and
// its size, when an arena exceeds what the target has.
// Buffers inside a Parallel loop get one slot per core. `already_doubled`
// names buffers the DMA pass already gave two slots; `extra_levels` places
// buffers that passes introduced.
ArenaPlan plan_memory_arenas(const Halide::Internal::Stmt &s, const SchedulePlan &plan,
                             const TargetDescription &target, const std::string &op,
                             const std::set<std::string> &already_doubled = {},
                             const std::map<std::string, MemLevel> &extra_levels = {});

}  // namespace halyard
