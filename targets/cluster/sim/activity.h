// What a core did in a cycle, as the RTL reports it (halyard_pkg::activity_e,
// the cluster's core_activity_o): the same attribution as its perf counters.
#pragma once

#include <cstdint>

namespace halyard::sim {

enum Activity : uint8_t {
    kActHalted = 0,
    kActRetire = 1,
    kActTrap = 2,
    kActBranch = 3,
    kActLoadUse = 4,
    kActMulticycle = 5,
    kActTcdm = 6,
    kActL2 = 7,
    kActSleep = 8,
    kActBarrier = 9,  // kActSleep while the event unit holds a barrier arrival (set by halyard-sim)
    kNumActivities = 10
};

// The JSON names of the activities (perf counter names where there is one).
inline const char *activity_name(int a) {
    static const char *names[kNumActivities] = {"halted",          "instret",    "trap",
                                                "branch_penalty",  "load_use",   "multicycle",
                                                "tcdm_conflict",   "l2_wait",    "sleep_event",
                                                "sleep_barrier"};
    return a >= 0 && a < kNumActivities ? names[a] : "unknown";
}

}  // namespace halyard::sim
