// One default schedule per (op, target), chosen from the algorithm's shapes.
#include "halyard/schedule.h"

namespace halyard {

namespace {

// GEMM-like ops (gemm, matmul): accumulate each output tile in core-local
// registers, reduction loop innermost.
Schedule reduction_default(const Algorithm &algo, const TargetDescription &target) {
    Schedule s;
    const Stage &out = algo.output_stage();
    const int n_extent = out.extents.at("n");
    const std::string inner = out.pure_loops.back();  // "n"
    if (n_extent >= 4) {
        s.tile("Y", "n", 4);
        s.compute_at("acc", "Y", "n_o");
        s.tile("acc", "n", 4);
        // Reduction outside the 4 accumulators: each A element is loaded once
        // per 4 outputs.
        std::vector<std::string> order(out.pure_loops.begin(), out.pure_loops.end() - 1);
        order.insert(order.end(), {"n_o", "k", "n_i"});
        s.order("acc", order);
        s.unroll("acc", "n_i");
    } else {
        s.compute_at("acc", "Y", inner);
    }
    s.memory("acc", MemLevel::Reg);
    if (target.cores() > 1 && out.extents.at(out.pure_loops.front()) >= target.cores()) {
        s.parallel("Y", out.pure_loops.front());
    }
    return s;
}

}  // namespace

Schedule default_schedule(const Algorithm &algo, const TargetDescription &target) {
    if (algo.op == "gemm" || algo.op == "matmul") return reduction_default(algo, target);
    // Elementwise ops: one loop nest in the output's own order.
    Schedule s;
    const Stage &out = algo.output_stage();
    if (target.cores() > 1 && out.extents.at(out.pure_loops.front()) >= target.cores()) {
        s.parallel(out.name, out.pure_loops.front());
    }
    return s;
}

}  // namespace halyard
