// Checks halyard-sim's NPU reporting on npu_bench.elf: the "npu" fields of
// --json (MACs = 128^3, busy cycles at least MACs / peak, words), the NPU's
// energy events and their microjoules, and the --timeline NPU track (one job
// slice with the MACs), and that it read nothing from the weight memory.
//   check-npu-report report.json timeline.json
// With --weight-mem, on npu_wmem_bench.elf (its last job, 128^3 with B and
// bias in the weight memory, after a perf clear): the weight-memory bytes,
// their energy event and microjoules.
//   check-npu-report --weight-mem report.json
#include <cmath>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "halyard_target_params.h"

namespace {
int failures = 0;
void check(bool ok, const std::string &what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
    failures += !ok;
}
}  // namespace

int main(int argc, char **argv) {
    if (argc == 3 && std::string(argv[1]) == "--weight-mem") {
        nlohmann::json r;
        try {
            std::ifstream(argv[2]) >> r;
        } catch (const std::exception &e) {
            std::cerr << "check-npu-report: " << e.what() << "\n";
            return 1;
        }
        const uint64_t bytes = 128ull * 128 + 4 * 128;  // B [128, 128] int8 and bias int32[128]
        check(r["npu"]["weight_mem_bytes"] == bytes, "weight_mem_bytes = B + bias of the last job");
        check(r["energy"]["events"]["npu_weight_mem_bytes"] == bytes, "energy event npu_weight_mem_bytes");
        check(std::fabs(r["energy"]["uj"]["npu_weight_mem"].get<double>() -
                        double(bytes) * HALYARD_ENERGY_NPU_WEIGHT_MEM_BYTE_FJ * 1e-9) < 1e-9,
              "energy of the weight memory = npu_weight_mem_byte_fj x bytes");
        std::cout << (failures ? "check-npu-report: FAILED\n" : "check-npu-report: ok\n");
        return failures ? 1 : 0;
    }
    if (argc != 3) {
        std::cerr << "usage: check-npu-report [--weight-mem] report.json [timeline.json]\n";
        return 2;
    }
    nlohmann::json r, t;
    try {
        std::ifstream(argv[1]) >> r;
        std::ifstream(argv[2]) >> t;
    } catch (const std::exception &e) {
        std::cerr << "check-npu-report: " << e.what() << "\n";
        return 1;
    }
    const uint64_t macs = 128ull * 128 * 128;
    const auto &n = r["npu"];
    check(n["jobs_finished"] == 1, "one job finished");
    check(n["macs"] == macs, "MACs = 128^3");
    check(n["peak_macs_per_cycle"] == HALYARD_NPU_MACS_PER_CYCLE, "peak = npu.macs_per_cycle");
    check(n["busy_cycles"].get<uint64_t>() >= macs / HALYARD_NPU_MACS_PER_CYCLE, "busy cycles >= MACs / peak");
    check(n["tcdm_words"].get<uint64_t>() > 0 && n["tcdm_stall_cycles"] == 0, "TCDM words counted, no stalls");
    check(n["weight_mem_bytes"] == 0 && r["energy"]["events"]["npu_weight_mem_bytes"] == 0 &&
              r["energy"]["uj"]["npu_weight_mem"] == 0.0,
          "operands in L1: nothing read from the weight memory");
    const auto &e = r["energy"];
    check(e["events"]["npu_macs"] == macs && e["events"]["npu_tcdm_words"] == n["tcdm_words"], "energy events");
    check(std::fabs(e["uj"]["npu_macs"].get<double>() - double(macs) * HALYARD_ENERGY_NPU_MAC_FJ * 1e-9) < 1e-6,
          "energy of the MACs = npu_mac_fj x MACs");
    int jobs = 0;
    for (const auto &ev : t["traceEvents"]) {
        if (ev.value("cat", "") != "npu") continue;
        jobs++;
        check(ev["args"]["macs"] == macs && ev["dur"] == n["busy_cycles"], "timeline: NPU job slice, MACs and duration");
    }
    check(jobs == 1, "timeline: one NPU job");
    std::cout << (failures ? "check-npu-report: FAILED\n" : "check-npu-report: ok\n");
    return failures ? 1 : 0;
}
