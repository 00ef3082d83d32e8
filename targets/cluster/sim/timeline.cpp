#include "timeline.h"

#include <algorithm>
#include <array>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "halyard_target_params.h"

namespace halyard::sim {

using nlohmann::json;

namespace {

// The track a slice is drawn as: the coarse state of the timeline.
const char *state_of(int a) {
    switch (a) {
    case kActTcdm: return "stalled on TCDM";
    case kActL2: return "stalled on L2/DMA";
    case kActSleep: return "sleeping";
    case kActBarrier: return "waiting at barrier";
    case kActHalted: return "halted";
    default: return "busy";  // retiring, trap entry and the core's own pipeline bubbles
    }
}

constexpr int kRegionTidBase = 100;  // core c's regions: tid 100 + c
constexpr int kDmaTid = 200;
constexpr int kNpuTid = 300;

}  // namespace

Timeline::Timeline(int cores, uint64_t min_slice, std::function<std::string(uint32_t)> name_at)
    : cores_(cores), min_slice_(std::max<uint64_t>(1, min_slice)), name_at_(std::move(name_at)), runs_(cores),
      open_(cores) {}

void Timeline::core_cycle(int core, Activity a) {
    auto &r = runs_[core];
    if (!r.empty() && r.back().activity == a) r.back().length++;
    else r.push_back({a, 1});
}

void Timeline::dma_cycle(uint64_t cycle, bool active, uint32_t id, uint32_t owner, uint32_t src, uint32_t dst,
                         uint64_t bytes_total, bool background, bool resumed) {
    const bool same = dma_active_ && active && transfers_.back().id == id && transfers_.back().src == src &&
                      transfers_.back().dst == dst;
    if (dma_active_ && !same) {  // the running transfer ended (its last beat is counted by now)
        transfers_.back().end = cycle;
        transfers_.back().bytes = bytes_total - dma_bytes_at_start_;
    }
    if (active && !same) {
        transfers_.push_back({cycle, 0, id, owner, src, dst, 0, background, resumed});
        dma_bytes_at_start_ = bytes_total;
    }
    dma_active_ = active;
}

void Timeline::npu_cycle(uint64_t cycle, bool active, uint32_t id, uint32_t owner, uint64_t macs_total) {
    const bool same = npu_active_ && active && npu_jobs_.back().id == id;
    if (npu_active_ && !same) {
        npu_jobs_.back().end = cycle;
        npu_jobs_.back().macs = macs_total - npu_macs_at_start_;
    }
    if (active && !same) {
        npu_jobs_.push_back({cycle, 0, id, owner, 0});
        npu_macs_at_start_ = macs_total;
    }
    npu_active_ = active;
}

void Timeline::region_mark(uint64_t cycle, int core, bool end, uint32_t addr) {
    auto &open = open_[core];
    if (!end) {
        regions_.push_back({name_at_(addr), addr, cycle, 0, core, (int)open.size()});
        open.push_back(regions_.size() - 1);
        return;
    }
    // End the innermost open region of that name, and any left open inside it
    // (a kernel that returned early without its end mark).
    auto it = std::find_if(open.rbegin(), open.rend(), [&](size_t i) { return regions_[i].addr == addr; });
    if (it == open.rend()) return;  // an end without a begin: nothing to draw
    const size_t keep = open.size() - 1 - (it - open.rbegin());
    for (size_t k = keep; k < open.size(); k++) regions_[open[k]].end = cycle;
    open.resize(keep);
}

void Timeline::write(std::ostream &out, uint64_t cycles, const std::string &program) {
    for (auto &open : open_) {
        for (size_t i : open) regions_[i].end = cycles;
        open.clear();
    }
    bool first = true;
    auto emit = [&](const json &e) {
        out << (first ? "\n" : ",\n") << e.dump();
        first = false;
    };
    out << "{\"displayTimeUnit\": \"ns\", \"otherData\": " << json({{"program", program}, {"cycles", cycles},
                                                                      {"time_unit", "1 trace microsecond = 1 cluster cycle"}})
                                                                   .dump()
        << ",\n\"traceEvents\": [";
    emit({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"args", {{"name", "halyard cluster"}}}});
    for (int c = 0; c < cores_; c++) {
        emit({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", c}, {"args", {{"name", "core " + std::to_string(c)}}}});
        emit({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", c}, {"args", {{"sort_index", 2 * c}}}});
        emit({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", kRegionTidBase + c},
              {"args", {{"name", "core " + std::to_string(c) + " regions"}}}});
        emit({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", kRegionTidBase + c},
              {"args", {{"sort_index", 2 * c + 1}}}});
    }
    // The DMA executes one transfer at a time: one channel, one track. (No NPU
    // track: the cluster has no NPU yet.)
    emit({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", kDmaTid}, {"args", {{"name", "DMA channel 0"}}}});
    emit({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", kDmaTid}, {"args", {{"sort_index", 1000}}}});
    if (!npu_jobs_.empty()) {
        emit({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", kNpuTid}, {"args", {{"name", "NPU"}}}});
        emit({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", kNpuTid}, {"args", {{"sort_index", 1001}}}});
    }

    // Core tracks: slices tile [0, cycles); a run of min_slice cycles or more
    // is a slice of its own, shorter runs merge into mixed slices.
    for (int c = 0; c < cores_; c++) {
        uint64_t t = 0, start = 0, len = 0;
        std::array<uint64_t, kNumActivities> counts{};
        bool mixed = false;
        auto flush = [&]() {
            if (len == 0) return;
            int top = 0;
            for (int a = 1; a < kNumActivities; a++) {
                if (counts[a] > counts[top]) top = a;
            }
            json args = json::object();
            for (int a = 0; a < kNumActivities; a++) {
                if (counts[a]) args[activity_name(a)] = counts[a];
            }
            emit({{"name", state_of(top)}, {"cat", mixed ? "core,mixed" : "core"}, {"ph", "X"}, {"ts", start},
                  {"dur", len}, {"pid", 0}, {"tid", c}, {"args", args}});
            counts.fill(0);
            len = 0;
            mixed = false;
        };
        int pure_state = -1;  // the activity of the pure slice being built
        for (const Run &r : runs_[c]) {
            if (r.length >= min_slice_) {
                const bool continues = len && !mixed && std::string(state_of(pure_state)) == state_of(r.activity);
                if (!continues) {
                    flush();
                    start = t;
                    pure_state = r.activity;
                }
            } else {
                if (len && !mixed) flush();
                if (len == 0) start = t;
                mixed = true;
            }
            counts[r.activity] += r.length;
            len += r.length;
            t += r.length;
        }
        flush();
        if (t != cycles) {  // cores sampled every cycle: cannot happen unless sampling broke
            emit({{"name", "timeline error: core track covers " + std::to_string(t) + " cycles"}, {"ph", "i"},
                  {"ts", 0}, {"pid", 0}, {"tid", c}, {"s", "t"}});
        }
    }
    for (Transfer &x : transfers_) {
        if (x.end < x.start) x.end = cycles;  // still running when the run ended
        const bool to_l1 = x.dst - uint32_t(HALYARD_L1_BASE) < uint32_t(HALYARD_L1_SIZE);
        char name[64];
        std::snprintf(name, sizeof name, "%s %llu B%s", to_l1 ? "L2->L1" : "L1->L2", (unsigned long long)x.bytes,
                      !x.background ? "" : x.resumed ? " (background, resumed)" : " (background)");
        char src[16], dst[16];
        std::snprintf(src, sizeof src, "0x%08x", x.src);
        std::snprintf(dst, sizeof dst, "0x%08x", x.dst);
        emit({{"name", name}, {"cat", "dma"}, {"ph", "X"}, {"ts", x.start}, {"dur", x.end - x.start}, {"pid", 0},
              {"tid", kDmaTid}, {"args", {{"id", x.id}, {"core", x.owner}, {"bytes", x.bytes}, {"src", src}, {"dst", dst},
                                          {"background", x.background}, {"resumed", x.resumed}}}});
    }
    for (NpuJob &x : npu_jobs_) {
        if (x.end < x.start) x.end = cycles;  // still running when the run ended
        const uint64_t dur = x.end - x.start;
        emit({{"name", "NPU job " + std::to_string(x.id)}, {"cat", "npu"}, {"ph", "X"}, {"ts", x.start}, {"dur", dur},
              {"pid", 0}, {"tid", kNpuTid},
              {"args", {{"id", x.id}, {"core", x.owner}, {"macs", x.macs},
                        {"macs_per_cycle", dur ? double(x.macs) / double(dur) : 0.0}}}});
    }
    for (const Region &r : regions_) {
        emit({{"name", r.name}, {"cat", "region"}, {"ph", "X"}, {"ts", r.start}, {"dur", r.end - r.start}, {"pid", 0},
              {"tid", kRegionTidBase + r.core}, {"args", {{"depth", r.depth}}}});
    }
    out << "\n]}\n";
}

}  // namespace halyard::sim
