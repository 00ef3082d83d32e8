// halyard-sim's activity-based energy model. Every cycle of every core is an
// event (an instruction of some class, a stall, sleep), plus the core's
// granted L1 (TCDM) and L2 data accesses, the bytes the DMA moves and the
// cluster's cycles; each kind of event costs the energy the target
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

private:
    struct PerCore {
        std::array<uint64_t, kNumInstrClasses> instr{};
        uint64_t stall = 0, sleep = 0, l1 = 0, l2 = 0;
    };
    std::vector<PerCore> cores_;
};

}  // namespace halyard::sim
