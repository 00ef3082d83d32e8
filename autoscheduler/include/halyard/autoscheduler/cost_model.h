// The autoscheduler's cost model: predicted cluster cycles of a candidate,
// from the algorithm's shapes and every hardware number in the target
// description (cores, l2.latency, dma.bytes_per_cycle, core.div_min_cycles
// and the compiler-only "cost.*" keys: per-kernel loads and dot products per
// step and call overhead, fork/join, per-tile and DMA set-up overhead, TCDM
// bank conflicts). A missing key is a TargetError naming it.
#pragma once

#include <string>

#include "halyard/autoscheduler/search_space.h"
#include "halyard/schedule.h"

namespace halyard::autoschedule {

struct CostBreakdown {
    double compute = 0;   // per core, the busiest core
    double dma = 0;       // per core, not hidden behind compute
    double serial = 0;    // before/after the parallel part: root copies, fork/join
    double total = 0;
    std::string str() const;
};

class CostModel {
public:
    explicit CostModel(const TargetDescription &target);
    CostBreakdown predict(const SearchSpace &space, const Candidate &c) const;
    // The op on the NPU as npu_job_plan maps it (halyard::npu_schedule):
    // core 0 stages the operands by DMA, double-buffered against the jobs,
    // and programs each job; a job takes the longest of its PE-array cycles
    // (m rows per 16-column panel, pe_lanes of K per cycle), its TCDM words
    // over npu.tcdm_ports and its weight-memory bytes over the weight port.
    // Needs the target's npu.* keys and cost.npu.job_cycles.
    CostBreakdown predict_npu(const Algorithm &algo, const NpuJobPlan &plan) const;

private:
    double key(const std::string &name) const;
    CostBreakdown predict_gemm(const SearchSpace &space, const Candidate &c) const;
    CostBreakdown predict_other(const SearchSpace &space, const Candidate &c) const;
    const TargetDescription &target_;
    int cores_;
    double l2_latency_, dma_bytes_per_cycle_, dma_setup_, fork_join_, tile_overhead_, conflict_, store_,
        op_, div_, scalar_mac_, acc_tile_, l2_store_;
};

}  // namespace halyard::autoschedule
