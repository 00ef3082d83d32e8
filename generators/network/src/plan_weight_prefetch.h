// Weight prefetch: a GEMM/MatMul kernel's weight B (a constant only it reads)
// is copied into L1 by a background DMA transfer while the kernels before it
// run, so the kernel reads it in place (schedule: memory B L1) instead of
// streaming it from L2 while the cores wait. Two L1 slots after the kernels'
// shared L1 region, used in turn: the weight of the k-th prefetched call goes
// to slot k % 2 and is issued when the call two before it has returned (the
// first two at the start of the run); the call waits for its own transfer.
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
    int call = 0;            // index of the kernel call
    int64_t bytes = 0;       // of its weight
};

struct WeightPrefetch {
    int call = 0;            // the call that reads the weight
    int slot = 0;            // 0 or 1
    int issue_after = -1;    // the call after which the transfer starts (-1: at the start of the run)
    int64_t bytes = 0;       // in L1 (rows padded to row_pitch)
    int64_t row_bytes = 0, row_pitch = 0;  // filled by the caller: a row of the weight, and in L1
};

struct PrefetchPlan {
    int64_t slot_bytes = 0;  // each slot, a multiple of 8
    std::vector<WeightPrefetch> prefetches;  // in call order
};

// Chooses among `candidates` (in call order) the weights that fit two slots
// in `free_l1_bytes` (the L1 budget the kernels leave) and when each
// transfer starts.
PrefetchPlan plan_weight_prefetch(const std::vector<PrefetchCandidate> &candidates, int64_t free_l1_bytes);

}  // namespace halyard::network
