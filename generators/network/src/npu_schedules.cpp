// The network compiler's NPU choice (the cluster default; --no-npu turns it
// off): a GEMM/MatMul kernel takes npu_schedule() when the cost model
// predicts it faster there than the cores' default and the backend maps its
// accumulation onto the NPU (it proves the loop nest equal to the job's
// semantics), else the default; with an NPU weight memory, its weights stay
// there.
#include <cstdint>

#include "halyard/autoscheduler/cost_model.h"
#include "halyard/autoscheduler/search_space.h"
#include "halyard/dsl/internal_error.h"
#include "halyard/generator.h"
#include "halyard/network/network.h"
#include "halyard/npu_jobs.h"
#include "halyard/schedule.h"

namespace halyard::network {

std::optional<std::pair<std::string, std::string>> npu_schedule_for_kernel(
    const std::string &family, const std::map<std::string, std::string> &params, const TargetDescription &target,
    const std::set<std::string> &own_constant_inputs) {
    if ((family != "gemm" && family != "matmul") || !target_has_npu(target)) return std::nullopt;
    const GeneratorFamily &fam = find_generator(family);
    const Algorithm algo = fam.build(ParamMap(family, fam.params, params));
    const NpuLimits lim = npu_limits(target);
    // With a weight memory the kernel's own weights live there: B, the bias
    // and per-column mul/add (per-tensor ones are read by value by core 0).
    std::set<std::string> resident;
    if (lim.weight_mem_bytes > 0) {
        for (const auto &in : algo.inputs) {
            const std::string &n = in.type.name;
            const bool weight = n == "B" || n == "C" || ((n == "mul" || n == "add") && num_elements(in.type.shape) > 1);
            if (weight && own_constant_inputs.count(n)) resident.insert(n);
        }
    }
    // Where the NPU wins, by the cost model (autoscheduler CostModel, every
    // number from the target description): the jobs npu_schedule would run
    // (operands through L1 by DMA from core 0 alone, B read in place when
    // resident) against the cores' default (the search space's seed). The
    // cores' side overestimates the attention shapes (one row per head, N
    // not a multiple of 4: up to 4.6x), so a kernel also needs B resident or
    // at least pe_cols rows per job's batch entry, the shapes where the
    // NPU's measured wins are (README "Whole networks"): a decode step's
    // scores and context (one row per head, not resident) stay on the cores.
    const Stage &out = algo.output_stage();
    if (!(resident.count("B") || out.extents.at("m") >= lim.pe_cols)) return std::nullopt;
    std::set<std::string> placed = resident;
    std::optional<NpuJobPlan> plan = npu_job_plan(algo, target, placed);
    if (!plan && !placed.empty()) {
        placed.clear();
        plan = npu_job_plan(algo, target);
    }
    if (!plan) return std::nullopt;
    const autoschedule::CostModel model(target);
    const autoschedule::SearchSpace space(algo, target);
    const double on_npu = model.predict_npu(algo, *plan).total;
    const double on_cores = model.predict(space, space.seed()).total;
    if (on_npu >= on_cores) return std::nullopt;
    std::optional<Schedule> s = npu_schedule(algo, target, placed);
    HL_INTERNAL_ASSERT(s.has_value(), "npu_schedule gave nothing where npu_job_plan planned jobs");
    // Generate it once here: a stage the backend keeps on the cores would run
    // on core 0 alone (NPU schedules have no parallel loop), so a kernel whose
    // output stage (its requantization) is not fused into the jobs keeps the
    // default; so do schedules whose tiles do not fit.
    try {
        const GeneratedLibrary lib = run_generator(family, params, target, &*s, "npu_probe");
        if (!lib.stages_on_npu.count(algo.output_stage().name)) return std::nullopt;
    } catch (const UserError &) {
        return std::nullopt;
    }
    const std::string estimate = ", estimated " + std::to_string((int64_t)on_npu) + " cycles against " +
                                 std::to_string((int64_t)on_cores) + " on the cores";
    return std::make_pair(s->to_text(), std::string(placed.empty() ? "npu (npu_schedule" + estimate + ")"
                                                                   : "npu (npu_schedule, weights in the NPU weight memory" +
                                                                         estimate + ")"));
}

}  // namespace halyard::network
