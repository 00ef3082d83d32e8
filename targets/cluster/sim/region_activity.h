// What the whole cluster did while core 0 was inside each region it marked
// (hl_region_begin/end): for every region name, the calls, core 0's cycles
// inside it, and the cycles of all cores by activity class (instret, TCDM
// conflict, L2 wait, sleeping for an event such as a DMA, waiting at a
// barrier, ...). Nested regions count for each open one. halyard-sim --json
// reports it as "regions"; halyard-llm --bench reads its decode step's
// breakdown from it. Plain C++, no Verilator.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activity.h"

namespace halyard::sim {

class RegionActivity {
public:
    void begin(uint32_t name_addr, uint64_t cycle) {
        size_t id = 0;
        while (id < regions_.size() && regions_[id].addr != name_addr) id++;
        if (id == regions_.size()) regions_.push_back({name_addr});
        regions_[id].calls++;
        open_.push_back({id, cycle});
    }
    // Ends the innermost open region of that name (and any left open inside it).
    void end(uint32_t name_addr, uint64_t cycle) {
        for (size_t k = open_.size(); k-- > 0;) {
            if (regions_[open_[k].id].addr != name_addr) continue;
            for (size_t j = k; j < open_.size(); j++) regions_[open_[j].id].cycles += cycle - open_[j].since;
            open_.resize(k);
            return;
        }
    }
    // One cycle: each core's activity.
    void cycle(const Activity *acts, int cores) {
        for (const Open &o : open_)
            for (int c = 0; c < cores; c++) regions_[o.id].activity[acts[c]]++;
    }
    bool any() const { return !regions_.empty(); }

    nlohmann::json report(const std::function<std::string(uint32_t)> &name_at, uint64_t end_cycle) const {
        nlohmann::json out = nlohmann::json::array();
        for (size_t id = 0; id < regions_.size(); id++) {
            const Region &r = regions_[id];
            uint64_t cycles = r.cycles;
            for (const Open &o : open_)
                if (o.id == id) cycles += end_cycle - o.since;  // still open when the run ended
            nlohmann::json act = nlohmann::json::object();
            for (int a = 0; a < kNumActivities; a++)
                if (r.activity[a]) act[activity_name(a)] = r.activity[a];
            out.push_back({{"name", name_at(r.addr)}, {"calls", r.calls}, {"cycles", cycles}, {"core_cycles", act}});
        }
        return out;
    }

private:
    struct Region {
        uint32_t addr = 0;
        uint64_t calls = 0, cycles = 0;
        std::array<uint64_t, kNumActivities> activity{};
    };
    struct Open {
        size_t id;
        uint64_t since;
    };
    std::vector<Region> regions_;
    std::vector<Open> open_;
};

}  // namespace halyard::sim
