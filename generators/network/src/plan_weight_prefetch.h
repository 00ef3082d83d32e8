// Constant prefetch: the constant inputs a kernel would stage into L1 itself
// (a GEMM's weight B and bias C, a softmax's exp and requantization tables)
// are copied into L1 by background DMA transfers while the kernels before it
// run, so the kernel reads them in place (schedule: memory X L1) instead of
// copying them while the other cores wait.
//
// The copies share one L1 region after the kernels' shared L1 region, used as
// a ring: each call's constants take the bytes after the previous call's
// (from the start again when they do not fit before the end). A call's copies
// start when every earlier call whose constants had those bytes has returned,
// and when the transfer ids they take are free again (core 0 holds at most
// `transfer_ids` of them across calls); the call waits for its own copies.
// Background transfers (hl_dma_2d_background) yield the DMA to every other
// transfer, so the kernels in between are not delayed by the prefetch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "halyard/schedule.h"

namespace halyard::network {

// `s` with input `input` passed in L1 (memory X L1) instead of staged;
// nullopt when `s` does not stage it (nothing to gain).
std::optional<Schedule> with_input_in_l1(const Schedule &s, const std::string &input);

struct PrefetchCandidate {
    int call = 0;                 // index of the kernel call
    std::vector<int64_t> pieces;  // bytes in L1 of each constant it reads in place
    bool in_ring = true;          // false: a copy elsewhere (a KV cache's bulk), transfer ids only
};

struct PrefetchPiece {
    int64_t offset = 0;  // in the prefetch region, a multiple of 8
    int64_t bytes = 0;
    int transfer_id = 0;  // index into the program's array of transfer ids
};

struct WeightPrefetch {
    int call = 0;            // the call that reads the constants
    int issue_after = -1;    // the call after which the transfers start (-1: at the start of the run)
    std::vector<PrefetchPiece> pieces;  // in the candidate's order
    bool in_ring = true;     // false: pieces have no offset in the ring
};

struct PrefetchPlan {
    int64_t region_bytes = 0;  // the ring's bytes in use, a multiple of 8
    int transfer_ids = 0;      // transfer ids the program holds across calls
    std::vector<WeightPrefetch> prefetches;  // in call order
};

// Places the candidates (in call order) whose constants fit
// `free_l1_bytes` (the L1 budget the kernels leave) in the ring, with at most
// `max_transfer_ids` transfers outstanding across calls, and says when each
// call's transfers start.
PrefetchPlan plan_weight_prefetch(const std::vector<PrefetchCandidate> &candidates, int64_t free_l1_bytes,
                                  int max_transfer_ids);

}  // namespace halyard::network
