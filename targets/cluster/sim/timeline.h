// halyard-sim --timeline: records, cycle by cycle, what every core did
// (busy, stalled on TCDM or L2, asleep, waiting at a barrier), each DMA
// transfer, each NPU job and the named regions generated code marks, and writes them as a
// Chrome / Perfetto trace-event JSON file (open it in ui.perfetto.dev or
// chrome://tracing). One trace microsecond is one cluster cycle.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "activity.h"

namespace halyard::sim {

class Timeline {
public:
    // `name_at` reads a region's name (a NUL-terminated string in the ELF's
    // loaded data) from its address. Runs of one activity shorter than
    // `min_slice` cycles are merged into one slice named by the activity that
    // dominates it (its args still count every cycle by activity).
    Timeline(int cores, uint64_t min_slice, std::function<std::string(uint32_t)> name_at);

    void core_cycle(int core, Activity a);
    // The DMA's state this cycle: the running transfer (if any) and the
    // total bytes moved so far. A background transfer runs in pieces (it
    // yields to foreground ones at row ends): each piece is a slice, the
    // resumed ones marked as such (their src/dst: where the piece starts).
    void dma_cycle(uint64_t cycle, bool active, uint32_t id, uint32_t owner, uint32_t src, uint32_t dst,
                   uint64_t bytes_total, bool background, bool resumed);
    void region_mark(uint64_t cycle, int core, bool end, uint32_t name_addr);
    // The NPU's state this cycle: the running job (if any) and the MACs
    // counted so far.
    void npu_cycle(uint64_t cycle, bool active, uint32_t id, uint32_t owner, uint64_t macs_total);

    // Ends open slices, transfers and regions at `cycles` and writes the trace.
    void write(std::ostream &out, uint64_t cycles, const std::string &program);

private:
    struct Run {
        uint8_t activity;
        uint64_t length;
    };
    struct Transfer {
        uint64_t start, end;
        uint32_t id, owner, src, dst;
        uint64_t bytes;
        bool background, resumed;
    };
    struct Region {
        std::string name;
        uint32_t addr;
        uint64_t start, end;
        int core, depth;
    };
    int cores_;
    uint64_t min_slice_;
    std::function<std::string(uint32_t)> name_at_;
    std::vector<std::vector<Run>> runs_;  // per core, run-length encoded
    std::vector<Transfer> transfers_;
    struct NpuJob {
        uint64_t start, end;
        uint32_t id, owner;
        uint64_t macs;
    };
    std::vector<NpuJob> npu_jobs_;
    bool npu_active_ = false;
    uint64_t npu_macs_at_start_ = 0;
    bool dma_active_ = false;
    uint64_t dma_bytes_at_start_ = 0;
    std::vector<Region> regions_;
    std::vector<std::vector<size_t>> open_;  // per core: indices of open regions
};

}  // namespace halyard::sim
