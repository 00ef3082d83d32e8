#pragma once
#include <string>
#include <vector>

#include "Halide.h"

namespace halyard {

// Transfers that wait at once. Outside every loop (on the calling core,
// before and after the forks), staging is a run of "start, wait" pairs: an
// op's per-tensor scalars, bias and small inputs copied into L1 one after
// the other, each waiting out the DMA's latency alone. A run of them becomes
// all the starts, then all the waits, in the same order (at most
// `max_outstanding` at a time: the transfer ids the DMA has). Exact: between
// a start's old and new place only other starts and buffer declarations
// run, and no transfer of a run reads or writes a buffer another writes.
Halide::Internal::Stmt overlap_root_transfers(const Halide::Internal::Stmt &s, int64_t max_outstanding,
                                              int *overlapped);

}  // namespace halyard
