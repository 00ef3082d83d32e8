#include "energy.h"

#include "halyard_target_params.h"

namespace halyard::sim {

InstrClass classify(uint32_t instr) {
    const uint32_t opcode = instr & 0x7f, funct7 = instr >> 25;
    switch (opcode) {
    case 0x57: return kDotp;                                    // pv.dot*/pv.sdot* (XpulpV2 SIMD)
    case 0x03: case 0x23: case 0x0B: case 0x2B: return kLoadStore;  // incl. post-increment forms
    case 0x63: case 0x67: case 0x6F: return kBranchJump;
    case 0x33: return (funct7 == 0x01 || funct7 == 0x21) ? kMulDiv : kAlu;  // M extension, p.mac/p.msu
    default: return kAlu;
    }
}

EnergyModel::EnergyModel(int cores) : cores_(cores) {}

void EnergyModel::core_cycle(int core, Activity a, uint32_t instr, bool l1_access, bool l2_access) {
    PerCore &p = cores_[core];
    switch (a) {
    case kActRetire: p.instr[classify(instr)]++; break;
    case kActSleep: case kActBarrier: p.sleep++; break;
    case kActHalted: break;
    default: p.stall++; break;  // trap entry, bubbles, load-use, mulh/div, TCDM and L2 waits
    }
    p.l1 += l1_access;
    p.l2 += l2_access;
}

nlohmann::json EnergyModel::report(uint64_t cycles, uint64_t dma_bytes) const {
    // Energies per event in fJ, from cluster.target (energy.*).
    const double e_instr[kNumInstrClasses] = {HALYARD_ENERGY_INSTR_ALU_FJ, HALYARD_ENERGY_INSTR_MULDIV_FJ,
                                              HALYARD_ENERGY_INSTR_DOTP_FJ, HALYARD_ENERGY_INSTR_LOAD_STORE_FJ,
                                              HALYARD_ENERGY_INSTR_BRANCH_FJ};
    const char *names[kNumInstrClasses] = {"alu", "mul_div", "dotp", "load_store", "branch_jump"};
    PerCore sum;
    for (const PerCore &p : cores_) {
        for (int k = 0; k < kNumInstrClasses; k++) sum.instr[k] += p.instr[k];
        sum.stall += p.stall;
        sum.sleep += p.sleep;
        sum.l1 += p.l1;
        sum.l2 += p.l2;
    }
    const double fj_to_uj = 1e-9;
    nlohmann::json events = nlohmann::json::object(), uj = nlohmann::json::object();
    double instr_fj = 0;
    for (int k = 0; k < kNumInstrClasses; k++) {
        events[std::string("instr_") + names[k]] = sum.instr[k];
        instr_fj += e_instr[k] * double(sum.instr[k]);
    }
    events["stall_cycles"] = sum.stall;
    events["sleep_cycles"] = sum.sleep;
    events["tcdm_accesses"] = sum.l1;
    events["l2_accesses"] = sum.l2;
    events["dma_bytes"] = dma_bytes;
    events["npu_macs"] = npu_macs_;
    events["npu_tcdm_words"] = npu_words_;
    events["npu_weight_mem_bytes"] = npu_wm_bytes_;
    events["cluster_cycles"] = cycles;
    uj["instructions"] = instr_fj * fj_to_uj;
    uj["stalls"] = double(HALYARD_ENERGY_STALL_CYCLE_FJ) * sum.stall * fj_to_uj;
    uj["sleep"] = double(HALYARD_ENERGY_SLEEP_CYCLE_FJ) * sum.sleep * fj_to_uj;
    uj["tcdm"] = double(HALYARD_ENERGY_TCDM_ACCESS_FJ) * sum.l1 * fj_to_uj;
    uj["l2"] = double(HALYARD_ENERGY_L2_ACCESS_FJ) * sum.l2 * fj_to_uj;
    uj["dma"] = double(HALYARD_ENERGY_DMA_BYTE_FJ) * dma_bytes * fj_to_uj;
    uj["npu_macs"] = double(HALYARD_ENERGY_NPU_MAC_FJ) * npu_macs_ * fj_to_uj;
    uj["npu_tcdm"] = double(HALYARD_ENERGY_NPU_TCDM_WORD_FJ) * npu_words_ * fj_to_uj;
    uj["npu_weight_mem"] = double(HALYARD_ENERGY_NPU_WEIGHT_MEM_BYTE_FJ) * npu_wm_bytes_ * fj_to_uj;
    uj["cluster_static"] = double(HALYARD_ENERGY_CLUSTER_CYCLE_FJ) * cycles * fj_to_uj;
    double total = 0;
    for (const auto &[k, v] : uj.items()) total += v.get<double>();
    const double seconds = double(cycles) / (double(HALYARD_CLOCK_MHZ) * 1e6);
    return {{"model", "activity-based, energies per event from cluster.target (energy.*); see docs/energy.md"},
            {"events", events},
            {"uj", uj},
            {"total_uj", total},
            {"clock_mhz", HALYARD_CLOCK_MHZ},
            {"average_mw", seconds > 0 ? total * 1e-6 / seconds * 1e3 : 0.0}};
}

}  // namespace halyard::sim
