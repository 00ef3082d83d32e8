#include "plan_weight_prefetch.h"

#include <algorithm>

namespace halyard::network {

std::optional<Schedule> with_input_in_l1(const Schedule &s, const std::string &input) {
    Schedule out;
    bool staged = false;
    std::string text;
    for (const auto &d : s.directives()) {
        if (d.verb == "stage" && !d.args.empty() && d.args[0] == input) {
            staged = true;
            continue;
        }
        if (d.verb == "memory" && !d.args.empty() && d.args[0] == input) return std::nullopt;  // placed already
        text += d.str() + "\n";
    }
    if (!staged) return std::nullopt;
    text += "memory " + input + " L1\n";
    return Schedule::parse(text, "default schedule, " + input + " prefetched into L1");
}

namespace {
int64_t round8(int64_t b) { return (b + 7) / 8 * 8; }
}  // namespace

PrefetchPlan plan_weight_prefetch(const std::vector<PrefetchCandidate> &candidates, int64_t free_l1_bytes,
                                  int max_transfer_ids) {
    PrefetchPlan plan;
    const int64_t ring = free_l1_bytes / 8 * 8;
    if (ring <= 0 || max_transfer_ids <= 0) return plan;
    struct Placed {
        int call;
        int64_t begin, end;  // bytes of the ring
    };
    std::vector<Placed> placed;
    std::vector<int> id_user;  // transfer id -> the call whose transfer last took it (-1: none)
    id_user.assign(max_transfer_ids, -1);
    int64_t cursor = 0;
    int next_id = 0;
    for (const auto &c : candidates) {
        int64_t bytes = 0;
        for (int64_t b : c.pieces) bytes += round8(b);
        // A call whose constants take the whole ring still gains: its copy
        // overlaps the calls since the ring's last reader returned.
        if (c.pieces.empty() || (int)c.pieces.size() > max_transfer_ids || bytes <= 0) continue;
        if (c.in_ring && bytes > ring) continue;
        if (c.in_ring && cursor + bytes > ring) cursor = 0;
        WeightPrefetch p;
        p.call = c.call;
        p.in_ring = c.in_ring;
        // Its bytes are free once every earlier call placed over them has returned.
        for (const auto &q : placed) {
            if (c.in_ring && q.begin < cursor + bytes && cursor < q.end) p.issue_after = std::max(p.issue_after, q.call);
        }
        int64_t at = c.in_ring ? cursor : 0;
        for (int64_t b : c.pieces) {
            const int id = next_id;
            next_id = (next_id + 1) % max_transfer_ids;
            // Its id is free once the call that used it last has waited for it.
            p.issue_after = std::max(p.issue_after, id_user[id]);
            id_user[id] = c.call;
            p.pieces.push_back({at, b, id});
            plan.transfer_ids = std::max(plan.transfer_ids, id + 1);
            if (c.in_ring) at += round8(b);
        }
        if (c.in_ring) {
            placed.push_back({c.call, cursor, cursor + bytes});
            cursor += bytes;
            plan.region_bytes = std::max(plan.region_bytes, cursor);
        }
        plan.prefetches.push_back(std::move(p));
    }
    return plan;
}

}  // namespace halyard::network
