#pragma once
#include "Halide.h"
#include "halyard/backend.h"
#include "halyard/npu_jobs.h"

namespace halyard {

struct NpuReport {
    std::vector<std::string> lines;
    std::set<std::string> headers;          // C headers of the calls printed
    std::set<std::string> stages_on_npu;    // algorithm stage names mapped
};

// The NPU pass. For each stage the schedule maps to the NPU (`npu acc`), the
// stage's loop nest is checked, Exo-style, against one NPU job (the registry
// entry npu_gemm, halyard/npu_jobs.h) before it is replaced: the init must
// store 0 to exactly the elements the update accumulates; the update must be
// acc[c] = acc[c] + int32(A[a]) * int32(B[b]) with indices affine in the
// loops, A k-contiguous, B [K, N] or B^T, the accumulator rows dense; the
// innermost loops become one job (M, N, K from their extents), loops around
// them stay and submit one job per iteration. When the consumer stage (Y)
// right after is a loop nest over the same elements whose store equals the
// algorithm's bias + RequantShift (rebuilt from its RequantParams and
// compared after simplification), it is fused into the job (8-bit output).
// Every operand must be in L1 (a staged copy), K <= npu.max_k, strides and
// addresses multiples of npu.port_bytes, the nest outside parallel loops (one
// core submits). Anything else stays on the cores and the report says why.
Halide::Internal::Stmt map_npu_jobs(const Halide::Internal::Stmt &s, const Algorithm &algo, const SchedulePlan &plan,
                                    const TargetDescription &target, const ArenaPlan &arenas, NpuReport *report);

}  // namespace halyard
