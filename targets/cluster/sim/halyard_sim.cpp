// halyard-sim: runs an RV32 ELF on the Verilator model of the cluster.
//
//   halyard-sim [--max-cycles N] [--json report.json] [--timeline trace.json
//               [--timeline-min-slice N]] [--trace] [--quiet] prog.elf
//
// --json writes the run's figures: cycles, each core's perf counters, DMA and
// TCDM figures and the energy of the run (energy.h: per-event energies from
// cluster.target). --timeline writes a Chrome/Perfetto trace of every core's
// state, each DMA transfer and the regions generated code marks (timeline.h).
//
// --trace prints every retired (or trapping) instruction to stderr as
// "cycle core pc instr". halyard-sim-fst (built on request: target
// halyard-sim-fst) also takes --fst out.fst [--fst-from C] [--fst-to C] and
// writes a waveform of that cycle window.
// Prints what the program writes to the stdout register and returns its exit
// code (the exit register, or the riscv-tests "tohost" convention: 1 = pass,
// (n << 1) | 1 = test n failed). A fatal error (illegal instruction without a
// trap handler, an access outside every memory, a fetch outside L2, a bad DMA
// transfer), a hang (every core asleep and the DMA idle) or the cycle limit
// ends the run with a message naming the core, its PC and the address.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Vhalyard_cluster.h"
#include "elf_loader.h"
#include "energy.h"
#include "timeline.h"
#include "halyard_target_params.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

namespace {

using halyard::sim::Elf;
using halyard::sim::Segment;
using halyard::sim::load_elf;

constexpr int kExitFatal = 101;
constexpr int kExitHang = 102;
constexpr int kExitTimeout = 103;
constexpr int kExitUsage = 104;
// A program's exit code that a process status cannot carry (it keeps only the
// low 8 bits: code 256 would read as 0, a pass). The full value is printed
// and in the JSON report.
constexpr int kExitCodeTooWide = 105;

int process_status(int code) { return code >= 0 && code <= 255 ? code : kExitCodeTooWide; }
constexpr int kNumPerf = HALYARD_PERF_COUNTERS;
constexpr uint64_t kHangCycles = 20000;

const char *kPerfNames[kNumPerf] = {"cycles",        "instret",     "load_use_stalls",
                                    "tcdm_conflict_stalls", "l2_wait_cycles", "branch_penalty_cycles",
                                    "sleep_cycles",  "multicycle_stalls"};

const char *fatal_name(int cause) {
    switch (cause) {
    case 1: return "illegal instruction (no trap handler)";
    case 2: return "instruction fetch outside L2";
    case 3: return "load/store outside every memory";
    case 4: return "misaligned access (no trap handler)";
    case 5: return "ecall (no trap handler)";
    case 6: return "ebreak (no trap handler)";
    case 7: return "DMA transfer not between L1 and L2";
    default: return "unknown fatal error";
    }
}

bool in_range(uint32_t a, uint64_t base, uint64_t size) { return a >= base && a - base < size; }

// Bit fields of a Verilator port, whatever its width (the port widths follow
// the core count in cluster.target).
template <typename T> uint32_t field(const T &v, int lsb, int width) {
    return (uint32_t)(((uint64_t)v >> lsb) & ((1ull << width) - 1));
}
template <std::size_t N> uint32_t field(const VlWide<N> &v, int lsb, int width) {
    return (v[lsb / 32] >> (lsb % 32)) & (uint32_t)((1ull << width) - 1);  // fields never straddle words
}

}  // namespace

int main(int argc, char **argv) {
    uint64_t max_cycles = 100000000ull;
    std::string json_path, elf_path, timeline_path;
    uint64_t timeline_min_slice = 16;
    bool quiet = false, trace = false;
    std::string fst_path;
    uint64_t fst_from = 0, fst_to = ~0ull;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--max-cycles" && i + 1 < argc) max_cycles = std::strtoull(argv[++i], nullptr, 0);
        else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
        else if (a == "--timeline" && i + 1 < argc) timeline_path = argv[++i];
        else if (a == "--timeline-min-slice" && i + 1 < argc) timeline_min_slice = std::strtoull(argv[++i], nullptr, 0);
        else if (a == "--quiet") quiet = true;
        else if (a == "--trace") trace = true;
        else if (a == "--fst" && i + 1 < argc) fst_path = argv[++i];
        else if (a == "--fst-from" && i + 1 < argc) fst_from = std::strtoull(argv[++i], nullptr, 0);
        else if (a == "--fst-to" && i + 1 < argc) fst_to = std::strtoull(argv[++i], nullptr, 0);
        else if (!a.empty() && a[0] != '-' && elf_path.empty()) elf_path = a;
        else {
            std::cerr << "usage: halyard-sim [--max-cycles N] [--json report.json] [--timeline trace.json [--timeline-min-slice N]] [--trace] [--fst f.fst --fst-from C --fst-to C] [--quiet] prog.elf\n";
            return kExitUsage;
        }
    }
    if (elf_path.empty()) {
        std::cerr << "usage: halyard-sim [--max-cycles N] [--json report.json] [--timeline trace.json [--timeline-min-slice N]] [--trace] [--fst f.fst --fst-from C --fst-to C] [--quiet] prog.elf\n";
        return kExitUsage;
    }
    Elf elf;
    try {
        elf = load_elf(elf_path, (uint64_t)HALYARD_L1_SIZE + HALYARD_L2_SIZE);
    } catch (const std::exception &e) {
        std::cerr << "halyard-sim: " << e.what() << "\n";
        return kExitUsage;
    }

    std::ofstream timeline_file;
    if (!timeline_path.empty()) {
        timeline_file.open(timeline_path);
        if (!timeline_file) {
            std::cerr << "halyard-sim: --timeline " << timeline_path << ": cannot write the file\n";
            return kExitUsage;
        }
    }
    // A region's name: the NUL-terminated string at `addr` in the loaded image.
    auto name_at = [&elf](uint32_t addr) -> std::string {
        for (const Segment &seg : elf.segments) {
            if (addr < seg.addr || addr - seg.addr >= seg.bytes.size()) continue;
            std::string name;
            for (size_t i = addr - seg.addr; i < seg.bytes.size() && seg.bytes[i] && name.size() < 200; i++)
                name += (char)seg.bytes[i];
            return name.empty() ? "region" : name;
        }
        char buf[32];
        std::snprintf(buf, sizeof buf, "region@0x%08x", addr);
        return buf;
    };
    std::unique_ptr<halyard::sim::Timeline> timeline;
    if (!timeline_path.empty())
        timeline = std::make_unique<halyard::sim::Timeline>(HALYARD_CORES, timeline_min_slice, name_at);
    std::unique_ptr<halyard::sim::EnergyModel> energy;
    if (!json_path.empty()) energy = std::make_unique<halyard::sim::EnergyModel>(HALYARD_CORES);

    VerilatedContext ctx;
#if VM_TRACE
    if (!fst_path.empty()) ctx.traceEverOn(true);
#endif
    Vhalyard_cluster top(&ctx);
#if VM_TRACE
    VerilatedFstC fst;
    if (!fst_path.empty()) {
        top.trace(&fst, 99);
        fst.open(fst_path.c_str());
    }
#else
    if (!fst_path.empty()) {
        std::cerr << "halyard-sim: built without waveform support; build the halyard-sim-fst target\n";
        return kExitUsage;
    }
#endif
    top.clk_i = 0;
    top.rst_ni = 0;
    top.boot_addr_i = elf.entry;
    top.tohost_addr_i = elf.tohost;
    top.load_we_i = 0;
    top.eval();
    auto tick = [&]() {
        top.clk_i = 0;
        top.eval();
        top.clk_i = 1;
        top.eval();
    };
    for (const Segment &s : elf.segments) {
        uint64_t end = (uint64_t)s.addr + s.bytes.size();
        bool l1 = in_range(s.addr, HALYARD_L1_BASE, HALYARD_L1_SIZE) && end <= (uint64_t)HALYARD_L1_BASE + HALYARD_L1_SIZE;
        bool l2 = in_range(s.addr, HALYARD_L2_BASE, HALYARD_L2_SIZE) && end <= (uint64_t)HALYARD_L2_BASE + HALYARD_L2_SIZE;
        if (!l1 && !l2) {
            std::fprintf(stderr, "halyard-sim: segment at 0x%08x (%zu bytes) is outside L1 and L2\n", s.addr,
                         s.bytes.size());
            return kExitUsage;
        }
        if (s.addr & 3) {
            std::fprintf(stderr, "halyard-sim: segment at 0x%08x is not word aligned\n", s.addr);
            return kExitUsage;
        }
        for (size_t o = 0; o < s.bytes.size(); o += 4) {
            uint32_t w = 0;
            for (size_t b = 0; b < 4 && o + b < s.bytes.size(); b++) w |= (uint32_t)s.bytes[o + b] << (8 * b);
            top.load_we_i = 1;
            top.load_addr_i = s.addr + (uint32_t)o;
            top.load_data_i = w;
            tick();
        }
    }
    top.load_we_i = 0;
    tick();
    top.rst_ni = 1;
    top.eval();

    std::vector<std::string> line(HALYARD_CORES);
    auto flush_lines = [&]() {
        for (auto &l : line) {
            if (!l.empty()) {
                std::fwrite(l.data(), 1, l.size(), stdout);
                l.clear();
            }
        }
        std::fflush(stdout);
    };
    auto core_pcs = [&]() {
        std::ostringstream os;
        for (int c = 0; c < HALYARD_CORES; c++) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "%score %d pc 0x%08x", c ? ", " : "", c, field(top.core_pc_o, 32 * c, 32));
            os << buf;
        }
        return os.str();
    };

    int exit_code = 0;
    std::string reason = "exit";
    uint64_t asleep_since = 0;
    bool asleep = false;
    auto t0 = std::chrono::steady_clock::now();
    uint64_t cycle = 0;
    uint32_t last_dma_status = 0;
    for (;; cycle++) {
        top.clk_i = 0;
        top.eval();
#if VM_TRACE
        bool dump = !fst_path.empty() && cycle >= fst_from && cycle <= fst_to;
        if (dump) fst.dump(2 * cycle);
#endif
        if (top.stdout_valid_o) {
            for (int c = 0; c < HALYARD_CORES; c++) {
                if (field(top.stdout_valid_o, c, 1)) {
                    char ch = (char)field(top.stdout_data_o, 8 * c, 8);
                    line[c].push_back(ch);
                    if (ch == '\n') {
                        std::fwrite(line[c].data(), 1, line[c].size(), stdout);
                        line[c].clear();
                    }
                }
            }
        }
        if (trace && top.dma_status_o != last_dma_status) {
            std::fprintf(stderr, "%10llu dma status %08x\n", (unsigned long long)cycle, top.dma_status_o);
            last_dma_status = top.dma_status_o;
        }
        if (trace && top.core_retire_o) {
            for (int c = 0; c < HALYARD_CORES; c++) {
                if (field(top.core_retire_o, c, 1))
                    std::fprintf(stderr, "%10llu %d %08x %08x\n", (unsigned long long)cycle, c,
                                 field(top.core_pc_o, 32 * c, 32), field(top.core_instr_o, 32 * c, 32));
            }
        }
        if (top.exit_valid_o) {
            exit_code = (int)top.exit_code_o;
            break;
        }
        if (top.tohost_valid_o) {
            uint32_t v = top.tohost_data_o;
            if (v & 1) {
                exit_code = (int)(v >> 1);
                if (exit_code != 0 && !quiet) std::fprintf(stderr, "halyard-sim: tohost: FAIL test %d\n", exit_code);
                reason = "tohost";
                break;
            }
        }
        if (top.fatal_valid_o) {
            flush_lines();
            if (top.fatal_core_o == 0xff)
                std::fprintf(stderr, "halyard-sim: cycle %llu: %s\n", (unsigned long long)cycle,
                             fatal_name(top.fatal_cause_o));
            else
                std::fprintf(stderr, "halyard-sim: cycle %llu: core %d: %s at pc 0x%08x, address/value 0x%08x\n",
                             (unsigned long long)cycle, top.fatal_core_o, fatal_name(top.fatal_cause_o),
                             top.fatal_pc_o, top.fatal_addr_o);
            exit_code = kExitFatal;
            reason = "fatal";
            break;
        }
        if (top.all_asleep_o) {
            if (!asleep) asleep_since = cycle;
            asleep = true;
            if (cycle - asleep_since > kHangCycles) {
                flush_lines();
                std::fprintf(stderr, "halyard-sim: hang: every core asleep and the DMA idle since cycle %llu (%s)\n",
                             (unsigned long long)asleep_since, core_pcs().c_str());
                exit_code = kExitHang;
                reason = "hang";
                break;
            }
        } else {
            asleep = false;
        }
        if (cycle >= max_cycles) {
            flush_lines();
            std::fprintf(stderr, "halyard-sim: timeout after %llu cycles (%s)\n", (unsigned long long)cycle,
                         core_pcs().c_str());
            exit_code = kExitTimeout;
            reason = "timeout";
            break;
        }
        // This cycle counts (the run did not end in it): sample what the
        // cores and the DMA did, for the timeline and the energy model.
        if (timeline || energy) {
            for (int c = 0; c < HALYARD_CORES; c++) {
                auto act = (halyard::sim::Activity)field(top.core_activity_o, 4 * c, 4);
                if (act == halyard::sim::kActSleep && field(top.barrier_wait_o, c, 1)) act = halyard::sim::kActBarrier;
                if (timeline) timeline->core_cycle(c, act);
                if (energy)
                    energy->core_cycle(c, act, field(top.core_instr_o, 32 * c, 32), field(top.core_l1_access_o, c, 1),
                                       field(top.core_l2_access_o, c, 1));
            }
            if (timeline) {
                timeline->dma_cycle(cycle, top.dma_active_o, top.dma_active_id_o, top.dma_active_owner_o,
                                    top.dma_active_src_o, top.dma_active_dst_o, top.dma_bytes_o);
                if (top.mark_valid_o) {
                    for (int c = 0; c < HALYARD_CORES; c++) {
                        if (field(top.mark_valid_o, c, 1))
                            timeline->region_mark(cycle, c, field(top.mark_end_o, c, 1), field(top.mark_data_o, 32 * c, 32));
                    }
                }
            }
        }
        top.clk_i = 1;
        top.eval();
#if VM_TRACE
        if (dump) fst.dump(2 * cycle + 1);
#endif
    }
    if (timeline) {
        timeline->dma_cycle(cycle, false, 0, 0, 0, 0, top.dma_bytes_o);
        timeline->write(timeline_file, cycle, elf_path);
        timeline_file.close();
        if (!timeline_file) std::cerr << "halyard-sim: --timeline " << timeline_path << ": write failed\n";
    }
    flush_lines();
#if VM_TRACE
    if (!fst_path.empty()) fst.close();
#endif
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet)
        std::fprintf(stderr, "halyard-sim: %s code %d after %llu cycles (%.2f s, %.0f cycles/s)\n", reason.c_str(),
                     exit_code, (unsigned long long)cycle, secs, secs > 0 ? cycle / secs : 0.0);
    if (process_status(exit_code) != exit_code) {  // even with --quiet: the status alone would mislead
        std::fprintf(stderr, "halyard-sim: exit code %d does not fit a process status; exiting with %d\n", exit_code,
                     kExitCodeTooWide);
    }

    if (!json_path.empty()) {
        // Written through nlohmann::json: names and paths are escaped.
        nlohmann::json r = {{"elf", elf_path},
                            {"end", reason},
                            {"exit_code", exit_code},
                            {"cycles", cycle},
                            {"sim_seconds", secs},
                            {"sim_cycles_per_second", secs > 0 ? (uint64_t)(cycle / secs) : 0},
                            {"tcdm_conflicts", top.tcdm_conflicts_o},
                            {"dma", {{"bytes", top.dma_bytes_o}, {"busy_cycles", top.dma_busy_cycles_o}}},
                            {"cores", nlohmann::json::array()}};
        for (int c = 0; c < HALYARD_CORES; c++) {
            nlohmann::json core = {{"core", c}};
            for (int i = 0; i < kNumPerf; i++) core[kPerfNames[i]] = field(top.perf_o, 32 * (c * kNumPerf + i), 32);
            r["cores"].push_back(core);
        }
        r["energy"] = energy->report(cycle, top.dma_bytes_o);
        std::ofstream js(json_path);
        js << r.dump(2) << "\n";
        if (!js) std::cerr << "halyard-sim: --json " << json_path << ": cannot write the file\n";
    }
    return process_status(exit_code);
}
