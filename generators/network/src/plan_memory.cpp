#include "plan_memory.h"

#include <algorithm>

namespace halyard::network {

ArenaLayout plan_arena(std::vector<LiveTensor> &tensors, int64_t align) {
    ArenaLayout out;
    std::vector<size_t> order(tensors.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
        return tensors[a].first < tensors[b].first;
    });
    std::vector<size_t> placed;
    for (size_t i : order) {
        LiveTensor &t = tensors[i];
        const int64_t size = (t.bytes + align - 1) / align * align;
        out.naive += size;
        // Busy ranges of tensors alive at the same time, by offset.
        std::vector<std::pair<int64_t, int64_t>> busy;
        for (size_t j : placed) {
            const LiveTensor &o = tensors[j];
            if (o.first <= t.last && t.first <= o.last) busy.push_back({o.offset, o.offset + (o.bytes + align - 1) / align * align});
        }
        std::sort(busy.begin(), busy.end());
        int64_t at = 0;
        for (const auto &[b, e] : busy) {
            if (at + size <= b) break;
            at = std::max(at, e);
        }
        t.offset = at;
        out.peak = std::max(out.peak, at + size);
        placed.push_back(i);
    }
    int last_step = 0;
    for (const auto &t : tensors) last_step = std::max(last_step, t.last);
    for (int s = 0; s <= last_step; s++) {
        int64_t live = 0;
        for (const auto &t : tensors) {
            if (t.first <= s && s <= t.last) live += t.bytes;
        }
        if (live > out.peak_live) {
            out.peak_live = live;
            out.peak_step = s;
        }
    }
    return out;
}

}  // namespace halyard::network
