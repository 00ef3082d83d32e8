// Whole-network static memory plan: every activation gets an offset in one
// arena; tensors that are never live at the same time share bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halyard::network {

struct LiveTensor {
    std::string name;
    int64_t bytes = 0;
    int first = 0, last = 0;   // steps that write / read it (inclusive)
    int64_t offset = -1;       // filled by plan_arena
};

struct ArenaLayout {
    int64_t peak = 0;          // arena size
    int64_t naive = 0;         // sum of all sizes (no reuse)
    int peak_step = 0;         // a step where the live bytes are largest
    int64_t peak_live = 0;     // bytes live at that step
};

// Offsets aligned to `align` bytes: larger tensors first, each at the lowest
// offset free during its whole lifetime.
ArenaLayout plan_arena(std::vector<LiveTensor> &tensors, int64_t align = 8);

}  // namespace halyard::network
