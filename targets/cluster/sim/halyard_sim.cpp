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
//
// Programs built with Halyard's runtime are also guarded (memory_guard.h): a
// load or store outside everything the program allocated (sections, arenas,
// stacks, the allocated part of each heap), a stack pointer that leaves its
// core's stack, and a core waiting at a barrier for --barrier-timeout cycles
// (default 10 M; 0: no limit) while another core never arrives stop the run.
// Every message names the core, its PC with the function it is in, and the
// innermost region (kernel) generated code marked. --no-memory-guard turns
// the guard off.
#include <algorithm>
#include <cerrno>
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
#include "memory_guard.h"
#include "region_activity.h"
#include "sim_status.h"
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

// Exit statuses (sim_status.h). kExitCodeTooWide: a program's exit code that
// a process status cannot carry (it keeps only the low 8 bits: code 256 would
// read as 0, a pass); the full value is printed and in the JSON report.
using namespace halyard::sim;
const char *const kUsage =
    "usage: halyard-sim [--max-cycles N] [--barrier-timeout N] [--no-memory-guard] [--json report.json]\n"
    "                   [--timeline trace.json [--timeline-min-slice N]] [--trace]\n"
    "                   [--fst f.fst --fst-from C --fst-to C] [--quiet] prog.elf\n";  // the memory guard or the barrier timeout stopped the run

int process_status(int code) { return code >= 0 && code <= 255 ? code : kExitCodeTooWide; }
constexpr int kNumPerf = HALYARD_PERF_COUNTERS;

// The NPU's geometry in cluster.target must be one the RTL builds.
static_assert(HALYARD_NPU_MACS_PER_CYCLE == HALYARD_NPU_PE_COLS * HALYARD_NPU_PE_LANES,
              "cluster.target: npu.macs_per_cycle must equal npu.pe_cols x npu.pe_lanes");
static_assert(HALYARD_NPU_PE_COLS % 4 == 0, "cluster.target: npu.pe_cols must be a multiple of 4");
static_assert(HALYARD_NPU_PORT_BYTES == 4, "cluster.target: npu.port_bytes must be 4 (a TCDM word)");
// The weight memory's window and port are checked where cluster.target is
// read (TargetDescription::load); its port is whole words.
static_assert(HALYARD_NPU_WEIGHT_MEM_PORT_BYTES % 4 == 0, "cluster.target: npu.weight_mem_port_bytes must be whole words");
constexpr uint64_t kWmBase = HALYARD_NPU_WEIGHT_MEM_BASE, kWmBytes = HALYARD_NPU_WEIGHT_MEM_BYTES;
static_assert(HALYARD_NPU_JOB_QUEUE >= 1, "cluster.target: npu.job_queue must be >= 1");
// The TCDM banks, the cores' and the NPU's ports are 32-bit words; the DMA's
// beat is split into them (halyard_dma.sv).
static_assert(HALYARD_DMA_MAX_OUTSTANDING <= 32, "cluster.target: dma.max_outstanding must be <= 32 (STATUS is one word)");
static_assert(HALYARD_L1_BANK_BYTES == 4, "cluster.target: l1.bank_bytes must be 4 (the RTL's TCDM word)");
static_assert(HALYARD_DMA_BYTES_PER_CYCLE % HALYARD_L1_BANK_BYTES == 0,
              "cluster.target: dma.bytes_per_cycle must be a multiple of l1.bank_bytes (one TCDM port per word)");

// A job the NPU refused (halyard_npu_regs' check): the field, by register
// order (halyard_npu_pkg::npu_field_e), and what it must be.
const char *npu_field_name(int f) {
    static const char *names[16] = {"A_PTR", "B_PTR",  "BIAS_PTR", "OUT_PTR", "A_STRIDE", "B_STRIDE",
                                    "OUT_STRIDE", "M", "K", "N", "MUL", "ADD", "SHIFT", "CONF", "CLIP_LO", "CLIP_HI"};
    return f >= 0 && f < 16 ? names[f] : "?";
}
// `value` is the refused field's value: a weight operand pointing into the
// weight memory failed there (misaligned, or its span runs past the window).
std::string npu_field_rule(int f, uint32_t value) {
    char l1[96], wm[64];
    std::snprintf(l1, sizeof l1, "word aligned, and the operand it spans inside L1 (0x%08x..0x%08x)",
                  (unsigned)HALYARD_L1_BASE, (unsigned)(HALYARD_L1_BASE + HALYARD_L1_SIZE - 1));
    std::snprintf(wm, sizeof wm, "the weight memory (0x%08x..0x%08x)", (unsigned)kWmBase,
                  (unsigned)(kWmBase + kWmBytes - 1));
    const bool weight_operand = f == 1 || f == 2 || f == 10 || f == 11;  // B_PTR, BIAS_PTR, MUL, ADD
    const bool in_wm = kWmBytes != 0 && value >= kWmBase && value - kWmBase < kWmBytes;
    if (weight_operand && in_wm)
        return (value & 3) ? std::string("must be word aligned (in ") + wm + ")"
                           : std::string("must lie wholly in L1 or wholly in the weight memory: operand spans beyond ") + wm;
    if (weight_operand && kWmBytes != 0) return std::string("must be ") + l1 + " or inside " + wm;
    if ((f == 0 || f == 3) && in_wm) return std::string("must be ") + l1 + ": the engine reads A and writes the output in L1 only";
    switch (f) {
    case 0: case 1: case 2: case 3: case 10: case 11: return std::string("must be ") + l1;
    case 4: case 5: case 6: return "must be a multiple of 4";
    case 7: case 9: return "must be 1..65535";
    case 8: return "must be 1..npu.max_k (" + std::to_string(HALYARD_NPU_MAX_K) + ")";
    case 12: return "must be 0..31";
    case 14: return "must be -128..255";
    case 15: return "must be >= CLIP_LO and fit int8 (-128..127) or uint8 (0..255) with CLIP_LO";
    default: return "is invalid";
    }
}
constexpr uint64_t kHangCycles = 20000;

const char *kPerfNames[kNumPerf] = {"cycles",        "instret",     "load_use_stalls",
                                    "tcdm_conflict_stalls", "l2_wait_cycles", "branch_penalty_cycles",
                                    "sleep_cycles",  "multicycle_stalls"};

const char *fatal_name(int cause) {
    switch (cause) {
    case 1: return "illegal instruction (no trap handler)";
    case 2: return "instruction fetch outside L2";
    case 3: return "load/store outside every memory";
    case 4: return "misaligned jump/branch target (no trap handler)";
    case 5: return "ecall (no trap handler)";
    case 6: return "ebreak (no trap handler)";
    case 7: return "bad DMA transfer";
    case 8: return "misaligned load/store not within one memory (both words in L1, both in L2 or both in the NPU weight memory)";
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

// The value of a numeric option; exits with usage status on anything else.
bool parse_count(const char *opt, const char *text, uint64_t *out) {
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 0);
    if (!*text || *end || errno || text[0] == '-') {
        std::fprintf(stderr, "halyard-sim: %s '%s': not a non-negative number\n", opt, text);
        return false;
    }
    *out = v;
    return true;
}

const char *dma_cause(uint32_t cause) {
    switch (cause) {
    case 1: return "its source and destination are not one in L1 and one in L2 (nor both in L2, with dma.l2_to_l2)";
    case 2: return "its source runs past the end of its memory";
    case 3: return "its destination runs past the end of its memory";
    default: return "unknown cause";
    }
}

int main(int argc, char **argv) {
    uint64_t max_cycles = 100000000ull;
    uint64_t barrier_timeout = 10000000ull;
    bool guard_memory = true;
    std::string json_path, elf_path, timeline_path;
    uint64_t timeline_min_slice = 16;
    bool quiet = false, trace = false;
    std::string fst_path;
    uint64_t fst_from = 0, fst_to = ~0ull;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--max-cycles" && i + 1 < argc) {
            if (!parse_count("--max-cycles", argv[++i], &max_cycles)) return kExitUsage;
        } else if (a == "--barrier-timeout" && i + 1 < argc) {
            if (!parse_count("--barrier-timeout", argv[++i], &barrier_timeout)) return kExitUsage;
        } else if (a == "--no-memory-guard") guard_memory = false;
        else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
        else if (a == "--timeline" && i + 1 < argc) timeline_path = argv[++i];
        else if (a == "--timeline-min-slice" && i + 1 < argc) {
            if (!parse_count("--timeline-min-slice", argv[++i], &timeline_min_slice)) return kExitUsage;
        }
        else if (a == "--quiet") quiet = true;
        else if (a == "--trace") trace = true;
        else if (a == "--fst" && i + 1 < argc) fst_path = argv[++i];
        else if (a == "--fst-from" && i + 1 < argc) {
            if (!parse_count("--fst-from", argv[++i], &fst_from)) return kExitUsage;
        } else if (a == "--fst-to" && i + 1 < argc) {
            if (!parse_count("--fst-to", argv[++i], &fst_to)) return kExitUsage;
        }
        else if (!a.empty() && a[0] != '-' && elf_path.empty()) elf_path = a;
        else {
            std::cerr << kUsage;
            return kExitUsage;
        }
    }
    if (elf_path.empty()) {
        std::cerr << kUsage;
        return kExitUsage;
    }
    Elf elf;
    try {
        elf = load_elf(elf_path, (uint64_t)HALYARD_L1_SIZE + HALYARD_L2_SIZE + kWmBytes);
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
    halyard::sim::MemoryGuard guard(elf, {HALYARD_L1_BASE, HALYARD_L1_SIZE, HALYARD_L2_BASE, HALYARD_L2_SIZE,
                                          HALYARD_CORES, HALYARD_STACK_SIZE, (uint32_t)kWmBase, (uint32_t)kWmBytes});
    const bool guarded = guard_memory && guard.enabled();

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
        bool wm = in_range(s.addr, kWmBase, kWmBytes) && end <= kWmBase + kWmBytes;  // .npu_weights
        if (!l1 && !l2 && !wm) {
            std::fprintf(stderr, "halyard-sim: segment at 0x%08x (%zu bytes) is outside L1, L2 and the NPU weight memory\n",
                         s.addr, s.bytes.size());
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

    uint64_t cycle = 0;
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
    // The regions (kernels) generated code marked, open on each core: the
    // name addresses of hl_region_begin, innermost last.
    std::vector<std::vector<uint32_t>> open_regions(HALYARD_CORES);
    halyard::sim::RegionActivity region_activity;  // core 0's regions, for --json
    // "core 3 pc 0x1c000abc (halyard_k+0x24, in region 'attn')"
    auto where = [&](int c, uint32_t pc) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "core %d pc 0x%08x (", c, pc);
        std::string w = buf + elf.function_at(pc);
        if (!open_regions[c].empty()) w += ", in region '" + name_at(open_regions[c].back()) + "'";
        return w + ")";
    };
    auto core_where = [&](int c) { return where(c, field(top.core_pc_o, 32 * c, 32)); };
    // A background transfer (ROWS bit 31) runs in pieces: it yields to
    // foreground transfers at row boundaries and resumes later, and while it
    // is resumed the DMA shows the part left (next row's src/dst, rows left).
    // dma_begun: ids whose transfer has started and not finished (a start of
    // one of them is a resumed piece).
    constexpr uint32_t kRowsBackground = 1u << 31;
    uint32_t dma_begun = 0;
    bool dma_resumed = false;  // the running piece is a resumed one
    // The DMA transfer running now, for messages: "transfer 3 of core 0 (src
    // .., dst .., len .., rows .., src_stride .., dst_stride ..)", and where
    // its issuer is.
    auto running_transfer = [&]() {
        const bool background = top.dma_active_rows_o & kRowsBackground;
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "%stransfer %u of core %d (src 0x%08x, dst 0x%08x, len %u, rows %u, src_stride %u, dst_stride %u%s)",
                      background ? "background " : "", top.dma_active_id_o, top.dma_active_owner_o,
                      top.dma_active_src_o, top.dma_active_dst_o, top.dma_active_len_o,
                      top.dma_active_rows_o & ~kRowsBackground, top.dma_active_src_stride_o,
                      top.dma_active_dst_stride_o,
                      dma_resumed ? "; resumed: src, dst and rows are the part left" : "");
        return std::string(buf);
    };
    auto transfer_issuer = [&]() {
        const int owner = top.dma_active_owner_o;
        return "issued by " + (owner < HALYARD_CORES ? core_where(owner) : std::string("?"));
    };
    // What each core is doing, for hang and barrier messages.
    auto core_states = [&]() {
        std::string all;
        for (int c = 0; c < HALYARD_CORES; c++) {
            const auto act = (halyard::sim::Activity)field(top.core_activity_o, 4 * c, 4);
            const char *state = field(top.barrier_wait_o, c, 1) ? "waiting at a barrier"
                                : act == halyard::sim::kActSleep ? "asleep, waiting for an event"
                                                                  : "running";
            all += (c ? "; " : "") + core_where(c) + " " + state;
        }
        return all;
    };
    bool dma_was_active = false;
    uint32_t dma_last_id = 0;
    std::vector<uint64_t> barrier_since(HALYARD_CORES, 0);
    uint32_t last_sp[HALYARD_CORES] = {};
    bool sp_checked[HALYARD_CORES] = {};
    std::vector<bool> at_barrier(HALYARD_CORES, false);
    auto stop_guard = [&](const std::string &what) {
        flush_lines();
        std::fprintf(stderr, "halyard-sim: cycle %llu: %s\n", (unsigned long long)cycle, what.c_str());
    };

    int exit_code = 0;
    std::string reason = "exit";
    uint64_t asleep_since = 0;
    bool asleep = false;
    auto t0 = std::chrono::steady_clock::now();
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
        // Before any message can name the running transfer (a bad one stops
        // the run in the cycle it starts).
        dma_begun &= top.dma_status_o;  // a finished transfer's STATUS bit is clear for a cycle at least
        const bool dma_starts = top.dma_active_o && (!dma_was_active || top.dma_active_id_o != dma_last_id);
        if (dma_starts) {
            dma_resumed = (dma_begun >> top.dma_active_id_o) & 1u;
            dma_begun |= 1u << top.dma_active_id_o;
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
            if (top.fatal_core_o == 0xff) {
                // The DMA: the transfer, its issuer and where the issuer is.
                std::fprintf(stderr, "halyard-sim: cycle %llu: %s: %s: %s; %s\n", (unsigned long long)cycle,
                             fatal_name(top.fatal_cause_o), running_transfer().c_str(),
                             dma_cause(top.dma_error_cause_o), transfer_issuer().c_str());
            } else {
                // What the second value is depends on the cause.
                const int cause = top.fatal_cause_o;
                const char *what = cause == 1 ? "instruction" : (cause >= 2 && cause <= 4) || cause == 8 ? "address" : "value";
                std::fprintf(stderr, "halyard-sim: cycle %llu: core %d: %s at pc 0x%08x, %s 0x%08x (%s)\n",
                             (unsigned long long)cycle, top.fatal_core_o, fatal_name(cause), top.fatal_pc_o, what,
                             top.fatal_addr_o, where(top.fatal_core_o, top.fatal_pc_o).c_str());
            }
            exit_code = kExitFatal;
            reason = "fatal";
            break;
        }
        if (top.npu_error_o) {
            flush_lines();
            // Pointers in hex, numbers in decimal (and hex).
            const int f = top.npu_error_field_o;
            const bool ptr = f <= 3 || f == 10 || f == 11;
            char value[48];
            if (ptr) std::snprintf(value, sizeof value, "0x%08x", top.npu_error_value_o);
            else std::snprintf(value, sizeof value, "%d (0x%08x)", (int)top.npu_error_value_o, top.npu_error_value_o);
            std::fprintf(stderr, "halyard-sim: cycle %llu: NPU job %u: field %s = %s %s\n", (unsigned long long)cycle,
                         top.npu_error_job_o, npu_field_name(f), value, npu_field_rule(f, top.npu_error_value_o).c_str());
            exit_code = kExitFatal;
            reason = "fatal";
            break;
        }
        // Regions and heap tops the program wrote this cycle (kept for messages).
        if (top.mark_valid_o | top.heap_valid_o) {
            for (int c = 0; c < HALYARD_CORES; c++) {
                const uint32_t data = field(top.mark_data_o, 32 * c, 32);
                if (field(top.heap_valid_o, c, 1)) guard.set_heap_top(field(top.heap_l2_o, c, 1), data);
                if (!field(top.mark_valid_o, c, 1)) continue;
                auto &open = open_regions[c];
                if (c == 0 && energy) {
                    if (field(top.mark_end_o, c, 1)) region_activity.end(data, cycle);
                    else region_activity.begin(data, cycle);
                }
                if (!field(top.mark_end_o, c, 1)) {
                    open.push_back(data);
                } else {
                    auto it = std::find(open.rbegin(), open.rend(), data);
                    if (it != open.rend()) open.resize(open.size() - 1 - (it - open.rbegin()));
                }
            }
        }
        if (guarded) {
            std::string fault;
            for (int c = 0; c < HALYARD_CORES && fault.empty(); c++) {
                if (field(top.core_acc_valid_o, c, 1)) {
                    if (auto f = guard.check_access(field(top.core_acc_addr_o, 32 * c, 32), field(top.core_acc_we_o, c, 1)))
                        fault = "core " + std::to_string(c) + ": " + *f + "; at " + core_where(c);
                }
                // check_sp gives the same answer for the same stack pointer
                // until it reports (then the run stops): only changes are checked.
                const uint32_t sp = field(top.core_sp_o, 32 * c, 32);
                if (sp_checked[c] && sp == last_sp[c]) continue;
                sp_checked[c] = true;
                last_sp[c] = sp;
                if (auto f = guard.check_sp(c, sp))
                    fault = "core " + std::to_string(c) + ": " + *f + "; at " + core_where(c);
            }
            if (!fault.empty()) {
                stop_guard(fault);
                exit_code = kExitGuard;
                reason = "memory guard";
                break;
            }
        }
        if (guarded && dma_starts) {
            // A transfer (or a resumed piece of one: the part left) starts:
            // both sides must lie in allocated memory.
            const uint32_t rows = top.dma_active_rows_o & ~kRowsBackground, len = top.dma_active_len_o;
            auto f = guard.check_transfer(top.dma_active_src_o, len, rows, top.dma_active_src_stride_o, false);
            if (!f) f = guard.check_transfer(top.dma_active_dst_o, len, rows, top.dma_active_dst_stride_o, true);
            if (f) {
                stop_guard("DMA " + running_transfer() + ": " + *f + "; " + transfer_issuer());
                exit_code = kExitGuard;
                reason = "memory guard";
                break;
            }
        }
        dma_was_active = top.dma_active_o;
        dma_last_id = top.dma_active_id_o;
        if (barrier_timeout && top.barrier_wait_o) {
            // A core that never reaches the barrier: the others wait there
            // for --barrier-timeout cycles while it runs (or sleeps) elsewhere.
            bool late = false;
            uint64_t since = cycle;
            for (int c = 0; c < HALYARD_CORES; c++) {
                const bool waiting = field(top.barrier_wait_o, c, 1);
                if (waiting && !at_barrier[c]) barrier_since[c] = cycle;
                at_barrier[c] = waiting;
                if (waiting) {
                    since = std::min(since, barrier_since[c]);
                    if (cycle - barrier_since[c] >= barrier_timeout) late = true;
                }
            }
            if (late) {
                stop_guard("barrier timeout: cores have waited at a barrier since cycle " + std::to_string(since) + " (" +
                           std::to_string(cycle - since) + " cycles, --barrier-timeout " +
                           std::to_string(barrier_timeout) + ") for a core that never arrived: " + core_states());
                exit_code = kExitGuard;
                reason = "barrier timeout";
                break;
            }
        } else if (barrier_timeout) {
            std::fill(at_barrier.begin(), at_barrier.end(), false);
        }
        if (top.all_asleep_o) {
            if (!asleep) asleep_since = cycle;
            asleep = true;
            if (cycle - asleep_since > kHangCycles) {
                flush_lines();
                std::fprintf(stderr, "halyard-sim: hang: every core asleep and the DMA idle since cycle %llu: %s\n",
                             (unsigned long long)asleep_since, core_states().c_str());
                exit_code = kExitHang;
                reason = "hang";
                break;
            }
        } else {
            asleep = false;
        }
        if (cycle >= max_cycles) {
            flush_lines();
            std::fprintf(stderr, "halyard-sim: timeout after %llu cycles (--max-cycles): %s\n", (unsigned long long)cycle,
                         core_states().c_str());
            exit_code = kExitTimeout;
            reason = "timeout";
            break;
        }
        // This cycle counts (the run did not end in it): sample what the
        // cores and the DMA did, for the timeline and the energy model.
        if (timeline || energy) {
            halyard::sim::Activity acts[HALYARD_CORES];
            for (int c = 0; c < HALYARD_CORES; c++) {
                auto act = (halyard::sim::Activity)field(top.core_activity_o, 4 * c, 4);
                if (act == halyard::sim::kActSleep && field(top.barrier_wait_o, c, 1)) act = halyard::sim::kActBarrier;
                acts[c] = act;
                if (timeline) timeline->core_cycle(c, act);
                if (energy)
                    energy->core_cycle(c, act, field(top.core_instr_o, 32 * c, 32), field(top.core_l1_access_o, c, 1),
                                       field(top.core_l2_access_o, c, 1));
            }
            if (energy) region_activity.cycle(acts, HALYARD_CORES);
            if (timeline) {
                timeline->npu_cycle(cycle, top.npu_active_o, top.npu_active_id_o, top.npu_active_owner_o, top.npu_macs_o);
                timeline->dma_cycle(cycle, top.dma_active_o, top.dma_active_id_o, top.dma_active_owner_o,
                                    top.dma_active_src_o, top.dma_active_dst_o, top.dma_bytes_o,
                                    top.dma_active_rows_o & kRowsBackground, dma_resumed);
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
        timeline->dma_cycle(cycle, false, 0, 0, 0, 0, top.dma_bytes_o, false, false);
        timeline->npu_cycle(cycle, false, 0, 0, top.npu_macs_o);
        timeline->write(timeline_file, cycle, elf_path);
        timeline_file.close();
        if (!timeline_file) std::cerr << "halyard-sim: --timeline " << timeline_path << ": write failed\n";
    }
    flush_lines();
#if VM_TRACE
    if (!fst_path.empty()) fst.close();
#endif
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
        // The NPU's counters, when a job ran (the share of its peak while busy).
        const uint64_t macs = top.npu_macs_o, busy = top.npu_busy_cycles_o;
        if (!quiet && top.npu_finished_o)
            std::fprintf(stderr,
                         "halyard-sim: npu: %u jobs, %llu MACs in %u busy cycles (%.1f MAC/cycle, %.1f%% of peak %d), "
                         "%u TCDM stall cycles, %u TCDM words%s\n",
                         top.npu_finished_o, (unsigned long long)macs, top.npu_busy_cycles_o,
                         busy ? double(macs) / busy : 0.0,
                         busy ? 100.0 * double(macs) / (double(busy) * HALYARD_NPU_MACS_PER_CYCLE) : 0.0,
                         (int)HALYARD_NPU_MACS_PER_CYCLE, top.npu_stall_cycles_o, top.npu_tcdm_words_o,
                         top.npu_wm_bytes_o ? (", " + std::to_string(top.npu_wm_bytes_o) + " weight memory bytes").c_str() : "");
    }
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
        r["npu"] = {{"jobs_finished", top.npu_finished_o},
                    {"busy_cycles", top.npu_busy_cycles_o},
                    {"tcdm_stall_cycles", top.npu_stall_cycles_o},
                    {"macs", (uint64_t)top.npu_macs_o},
                    {"tcdm_words", top.npu_tcdm_words_o},
                    {"weight_mem_bytes", top.npu_wm_bytes_o},
                    {"peak_macs_per_cycle", HALYARD_NPU_MACS_PER_CYCLE}};
        energy->npu_totals(top.npu_macs_o, top.npu_tcdm_words_o, top.npu_wm_bytes_o);
        r["energy"] = energy->report(cycle, top.dma_bytes_o);
        r["regions"] = region_activity.report(name_at, cycle);
        std::ofstream js(json_path);
        js << r.dump(2) << "\n";
        if (!js) std::cerr << "halyard-sim: --json " << json_path << ": cannot write the file\n";
    }
    return process_status(exit_code);
}
