#pragma once
#include "Halide.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace halyard {

struct CoreSplitReport {
    std::vector<std::string> lines;
};

// The Cores pass. Loops the schedule marks parallel (stage + loop name, found
// in Halide's names "<stage>.s<k>.<...>.<loop>") are split over the target's
// cores. On single-core targets (host, rv32) the loop stays serial and the
// report says so; a target with several cores but no fork/join runtime in this
// backend is rejected rather than silently run on one core.
Halide::Internal::Stmt split_loops_over_cores(const Halide::Internal::Stmt &s, const SchedulePlan &plan,
                                              const TargetDescription &target, CoreSplitReport *report);

// Does Halide loop name `halide_name` belong to loop `loop` of stage `stage`?
bool loop_matches(const std::string &halide_name, const std::string &stage, const std::string &loop);

}  // namespace halyard
