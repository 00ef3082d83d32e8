#pragma once
#include "Halide.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace halyard {

struct CoreSplitReport {
    std::vector<std::string> lines;
};

// The Cores pass. A loop the schedule marks parallel (stage + loop name, found
// in Halide's names "<stage>.s<k>.<...>.<loop>") becomes an outer Parallel
// loop "<loop>.core" over the team of cores and an inner serial loop over that
// core's contiguous chunk. The C printer turns the Parallel loop into a
// fork/join (hl_fork), whose join is the only barrier: a later stage never
// reads what another core is still writing. On single-core targets (host,
// rv32) the loop stays serial and the report says so.
Halide::Internal::Stmt split_loops_over_cores(const Halide::Internal::Stmt &s, const SchedulePlan &plan,
                                              const TargetDescription &target, CoreSplitReport *report);

// Does Halide loop name `halide_name` belong to loop `loop` of stage `stage`?
bool loop_matches(const std::string &halide_name, const std::string &stage, const std::string &loop);

}  // namespace halyard
