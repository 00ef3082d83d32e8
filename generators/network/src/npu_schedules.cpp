// The network compiler's NPU choice (--npu): a GEMM/MatMul kernel takes
// npu_schedule() when the backend maps its accumulation onto the NPU (it
// proves the loop nest equal to the job's semantics), else the default;
// with an NPU weight memory, its weights stay there.
#include "halyard/generator.h"
#include "halyard/network/network.h"
#include "halyard/npu_jobs.h"
#include "halyard/schedule.h"

namespace halyard::network {

std::optional<std::pair<std::string, std::string>> npu_schedule_for_kernel(
    const std::string &family, const std::map<std::string, std::string> &params, const TargetDescription &target,
    const std::set<std::string> &own_constant_inputs) {
    if (family != "gemm" && family != "matmul") return std::nullopt;
    const GeneratorFamily &fam = find_generator(family);
    const Algorithm algo = fam.build(ParamMap(family, fam.params, params));
    const Stage &out = algo.output_stage();
    const int64_t rows = out.extents.at("m");
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
    // Where the NPU wins (measured on microLlama's decode step and 64-token
    // prefill, README "Whole networks"): it computes pe_cols output columns
    // at once, and each job's operands come through L1 by DMA from core 0
    // alone. A one-row GEMV (a decode projection) is bound by its weight
    // bytes, which the eight cores stream faster, unless the weights are
    // resident in the NPU's weight memory (no DMA at all). The attention
    // scores of a decode step (one row per head, K = head size 4) are faster
    // on the cores' 1x4 kernel (KV 128: 34 k cycles on the cores, 58 k on the
    // NPU). So: B resident, or at least pe_cols rows (per batch entry).
    if (!(resident.count("B") || rows >= lim.pe_cols)) return std::nullopt;
    std::optional<Schedule> s = npu_schedule(algo, target, resident);
    if (!s && !resident.empty()) s = npu_schedule(algo, target);
    if (!s) return std::nullopt;
    // Generate it once here: a stage the backend keeps on the cores would run
    // on core 0 alone (NPU schedules have no parallel loop), so those kernels
    // keep the default; so do schedules whose tiles do not fit.
    try {
        const GeneratedLibrary lib = run_generator(family, params, target, &*s, "npu_probe");
        if (lib.stages_on_npu.empty()) return std::nullopt;
    } catch (const UserError &) {
        return std::nullopt;
    }
    return std::make_pair(s->to_text(), std::string(resident.empty() ? "npu (npu_schedule)"
                                                                     : "npu (npu_schedule, weights in the NPU weight memory)"));
}

}  // namespace halyard::network
