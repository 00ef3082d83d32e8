// halyard-sim's activity-based energy model. Every cycle of every core is an
// event (an instruction of some class, a stall, sleep), plus the core's
// granted L1 (TCDM) and L2 data accesses, the bytes the DMA moves, the NPU's
// MACs, TCDM words and weight-memory bytes, and the cluster's cycles; each kind of event costs the energy the target
// description gives under energy.* (femtojoules, integers; the published
// figures they are calibrated against are written beside them in
// cluster.target and in docs/energy.md).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "activity.h"

namespace halyard::sim {

// Classes of retired instructions, by opcode.
enum InstrClass : uint8_t { kAlu, kMulDiv, kDotp, kLoadStore, kBranchJump, kNumInstrClasses };
InstrClass classify(uint32_t instr);

class EnergyModel {
public:
    explicit EnergyModel(int cores);
    void core_cycle(int core, Activity a, uint32_t instr, bool l1_access, bool l2_access);
    // The report: event counts, energy per kind in uJ and the total, for
    // `cycles` cluster cycles and `dma_bytes` moved by the DMA.
    nlohmann::json report(uint64_t cycles, uint64_t dma_bytes) const;
    // The NPU's totals for the report: useful MACs, 32-bit TCDM accesses and
    // bytes read from its weight memory.
    void npu_totals(uint64_t macs, uint64_t tcdm_words, uint64_t weight_mem_bytes) {
        npu_macs_ = macs;
        npu_words_ = tcdm_words;
        npu_wm_bytes_ = weight_mem_bytes;
    }

private:
    struct PerCore {
        std::array<uint64_t, kNumInstrClasses> instr{};
        uint64_t stall = 0, sleep = 0, l1 = 0, l2 = 0;
    };
    std::vector<PerCore> cores_;
    uint64_t npu_macs_ = 0, npu_words_ = 0, npu_wm_bytes_ = 0;
};

}  // namespace halyard::sim
