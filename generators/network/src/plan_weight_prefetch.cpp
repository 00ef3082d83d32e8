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

PrefetchPlan plan_weight_prefetch(const std::vector<PrefetchCandidate> &candidates, int64_t free_l1_bytes) {
    PrefetchPlan plan;
    const int64_t cap = free_l1_bytes / 2 / 8 * 8;
    std::vector<PrefetchCandidate> chosen;
    for (const auto &c : candidates) {
        if (c.bytes > 0 && c.bytes <= cap) chosen.push_back(c);
    }
    for (const auto &c : chosen) plan.slot_bytes = std::max(plan.slot_bytes, (c.bytes + 7) / 8 * 8);
    for (size_t k = 0; k < chosen.size(); k++) {
        WeightPrefetch p;
        p.call = chosen[k].call;
        p.bytes = chosen[k].bytes;
        p.slot = (int)(k % 2);
        p.issue_after = k < 2 ? -1 : chosen[k - 2].call;
        plan.prefetches.push_back(p);
    }
    return plan;
}

}  // namespace halyard::network
