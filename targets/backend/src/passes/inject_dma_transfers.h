#pragma once
#include "Halide.h"
#include "halyard/backend.h"

namespace halyard {

struct DmaReport {
    std::vector<std::string> lines;
    // Buffers the pass gave two slots (the arena planner must not double them again).
    std::set<std::string> double_buffered;
    // Buffers the pass introduced (transfer ids), with their memory level.
    std::map<std::string, MemLevel> new_buffers;
};

// The DMA pass. On a target with a DMA engine (runtime halyard_rt), the copy
// loop nest that fills a staged input (schedule: stage <input> L1 at ...) is
// checked to be a dense 1D or 2D strided copy from an L2 tensor, and replaced
// by one hl_stage_2d transfer (halyard_rt.h) plus a wait. With double_buffer, the staging buffer
// gets two slots hoisted out of its loop: the transfer of tile i+1 is issued
// before tile i is computed and waited for at the top of iteration i+1. A copy
// that is not such a nest stays a loop, and the report says why.
Halide::Internal::Stmt inject_dma_transfers(const Halide::Internal::Stmt &s, const Algorithm &algo,
                                            const SchedulePlan &plan, const TargetDescription &target,
                                            DmaReport *report);

}  // namespace halyard
