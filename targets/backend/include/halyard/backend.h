// Halyard's backend: lowers a scheduled algorithm through Halyard's passes and
// prints one plain-C99 source and header per library (no Halide runtime, no
// halide_buffer_t, no heap; intermediate buffers live in static arenas).
#pragma once

#include <map>
#include <set>
#include <string>

#include "halyard/dsl/algorithm.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace halyard {

struct ArenaBuffer {
    std::string name;     // Halide buffer name
    MemLevel level;
    int64_t offset = 0;   // bytes from the arena base (reg buffers: 0)
    int64_t bytes = 0;    // one copy
    int copies = 1;       // 2 when double-buffered
    int per_core = 1;     // slots for a team of cores (inside a parallel loop)
    int64_t align = 1;    // slots start at multiples of this: the target's arena_align_bytes()
    // One core's slot: its copies, each rounded up to `align`.
    int64_t slot_bytes() const { return (bytes + align - 1) / align * align * copies; }
};

struct ArenaPlan {
    std::vector<ArenaBuffer> buffers;
    int64_t l1_bytes = 0;  // peak of the L1 arena
    int64_t l2_bytes = 0;  // peak of the L2 arena
    int64_t reg_bytes = 0; // largest core-local buffer
    const ArenaBuffer *find(const std::string &name) const;
};

struct GeneratedLibrary {
    std::string name;        // C entry point and file stem
    std::string c_source;    // <name>.c
    std::string header;      // <name>.h
    std::string report;      // <name>.report.txt: loop nest, arenas, DMA, kernels
    ArenaPlan arenas;
    // Stages whose loop nests became NPU jobs (map_npu_jobs); empty when the
    // schedule maps none or the backend kept them on the cores.
    std::set<std::string> stages_on_npu;
    // Inputs the caller must place in the NPU weight memory (the schedule's
    // `memory X npu_weights`; HL_NPU_WEIGHTS on the cluster).
    std::set<std::string> npu_weight_inputs;
    // Inputs the caller passes in L1 (the schedule's `memory X L1`).
    std::set<std::string> l1_inputs;
    // Of those, the ones whose rows the caller pads (elements from one row's
    // start to the next's): rows a multiple of the banks' span would start in
    // the same bank.
    std::map<std::string, int64_t> l1_input_row_elems;
};

// The schedule's buffers do not fit a memory level (L1 budget or L2). A
// UserError; its own type so a caller (the network compiler) can fall back
// to a schedule that needs less.
struct MemoryOverflowError : UserError {
    using UserError::UserError;
    MemLevel level = MemLevel::L1;
};

// How a library is printed, beyond the schedule and the target.
struct LibraryOptions {
    // Symbols of arenas the library shares with others that run one after
    // another (a network's kernels): when set, the library declares
    // `extern int64_t <symbol>[];` and places its L1 / L2 buffers there
    // instead of in an arena of its own. The program defines the symbol, sized
    // for its largest user (GeneratedLibrary::arenas says how much each needs).
    std::string shared_l1_arena;
    std::string shared_l2_arena;
};

// Lower `algo` (already scheduled: `plan` came from apply_schedule) for
// `target` and print the library. Throws UserError for anything the user can
// fix (e.g. L1 overflow), naming the buffers and sizes.
GeneratedLibrary compile_library(const Algorithm &algo, const SchedulePlan &plan, const TargetDescription &target,
                                 const std::string &name, const LibraryOptions &options = {});

// Convenience: algorithm + schedule (default when null) + target -> library.
GeneratedLibrary generate_library(Algorithm algo, const Schedule *schedule, const TargetDescription &target,
                                  const std::string &name, const LibraryOptions &options = {});

}  // namespace halyard
