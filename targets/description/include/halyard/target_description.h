// The target description: Halyard's single source of truth for hardware
// parameters. Compiler, runtime (generated C header) and RTL (generated
// SystemVerilog package) all read the same *.target file.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace halyard {

// Raised for a malformed or incomplete description; the message names the file,
// line and key.
struct TargetError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class TargetDescription {
public:
    // Reads `path` (following "include" lines relative to it).
    static TargetDescription load(const std::string &path);
    // Reads a built-in description by name ("host", "rv32", "cluster") from
    // the directory given at build time (HALYARD_TARGETS_DIR) or the
    // HALYARD_TARGETS_DIR environment variable.
    static TargetDescription named(const std::string &name);

    const std::string &name() const { return get("target"); }
    bool has(const std::string &key) const { return values_.count(key) != 0; }
    const std::string &get(const std::string &key) const;
    int64_t get_int(const std::string &key) const;
    bool has_extension(const std::string &ext) const;

    // Commonly used parameters, by name.
    int cores() const { return (int)get_int("cores"); }
    int64_t l1_size() const { return get_int("l1.size"); }
    int64_t l2_size() const { return get_int("l2.size"); }
    bool is_host() const { return get("isa") == "host"; }
    // A DMA engine that generated code drives (staged tiles become
    // transfers): key dma.present.
    bool has_dma() const { return has("dma.present") && get_int("dma.present") != 0; }
    // Generated code runs on the cluster runtime (halyard_rt.h: hl_fork,
    // DMA and NPU calls, the .l1_bss/.l2_bss sections): key runtime.
    bool has_cluster_runtime() const { return has("runtime") && get("runtime") == "halyard_rt"; }
    // Bytes the DMA moves per cycle at best, its beat: key
    // dma.bytes_per_cycle (the RTL's DMA has dma.bytes_per_cycle / l1.bank_bytes
    // TCDM ports).
    int64_t dma_beat_bytes() const { return get_int("dma.bytes_per_cycle"); }
    // Alignment of every L1/L2 arena slot: the DMA beat, so a staged tile
    // starts on a beat boundary (a bus port one beat wide, like MCHAN's 64-bit
    // one, splits a beat that crosses one). At most 8: generated arenas are
    // int64_t-aligned.
    int64_t arena_align_bytes() const;
    // Width of one L1 (TCDM) bank word, the unit of bank interleaving: key
    // l1.bank_bytes. Consecutive words go to consecutive banks.
    int64_t l1_bank_bytes() const { return get_int("l1.bank_bytes"); }
    // Number of L1 (TCDM) banks: key l1.banks; 0 on a target without one.
    int64_t l1_banks() const { return optional_int("l1.banks"); }
    // Cycles a core's load or store to L2 takes: key l2.latency; 0 on a
    // target without an L2 (the host).
    int64_t l2_latency_cycles() const { return optional_int("l2.latency"); }
    // Transfer ids the DMA has: key dma.max_outstanding; 0 without a DMA.
    int64_t dma_max_outstanding() const { return optional_int("dma.max_outstanding"); }
    // The DMA also copies L2 -> L2 (KV appends and concats go by DMA instead
    // of through L1): key dma.l2_to_l2. A core may then hold one more
    // transfer id (its copy) besides its two staging ones.
    bool dma_copies_l2_to_l2() const { return has_dma() && optional_int("dma.l2_to_l2") != 0; }
    // The shortest such copy that goes by DMA (the runtime copies shorter
    // ones by core): key dma.copy_min_bytes, required with dma.l2_to_l2.
    int64_t dma_copy_min_bytes() const { return get_int("dma.copy_min_bytes"); }
    // The NPU's resident weight memory (docs/npu.md): its window
    // [npu_weight_mem_base, + npu_weight_mem_bytes) where a job's B panels and
    // bias/mul/add may live instead of L1, and the bytes per cycle its engine
    // port reads. Keys npu.weight_mem_*; bytes 0 (or absent): none.
    int64_t npu_weight_mem_base() const { return optional_int("npu.weight_mem_base"); }
    int64_t npu_weight_mem_bytes() const { return optional_int("npu.weight_mem_bytes"); }
    int64_t npu_weight_mem_port_bytes() const { return optional_int("npu.weight_mem_port_bytes"); }
    // Bytes of each core's stack (placed in L1 by the runtime): key stack.size; 0 when absent.
    int64_t stack_bytes() const { return optional_int("stack.size"); }
    // int8 MACs one core does per cycle at best: key core.macs_per_cycle.
    int64_t core_macs_per_cycle() const { return get_int("core.macs_per_cycle"); }
    // Bytes of L1 generated code may use for data: L1 minus the cores'
    // stacks, or less when the optional key `l1.budget` says so (a network
    // compiled with `--l1 BYTES`).
    int64_t l1_data_budget() const;

    // A copy with `key` set to `value` (added when absent), e.g. an L1 budget
    // for one compilation. The source becomes "<source> + key=value".
    TargetDescription with(const std::string &key, const std::string &value) const;

    // Every key in file order after includes/overrides are applied.
    const std::vector<std::string> &keys() const { return order_; }
    const std::string &source() const { return source_; }

    // Renderings for the other consumers of the same parameters.
    std::string to_c_header() const;     // #define HALYARD_<KEY> ...
    std::string to_sv_package() const;   // package halyard_target_pkg; localparam ...
    std::string to_ld_script() const;    // PROVIDE(__halyard_<key> = ...);

private:
    int64_t optional_int(const std::string &key) const { return has(key) ? get_int(key) : 0; }
    void read_file(const std::string &path, int depth);
    // The npu.weight_mem_* keys (load()): sizes, alignment, no overlap with other windows.
    static void check_npu_weight_mem(const TargetDescription &t);
    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> where_;  // key -> "file:line"
    std::vector<std::string> order_;
    std::string source_;
};

}  // namespace halyard
