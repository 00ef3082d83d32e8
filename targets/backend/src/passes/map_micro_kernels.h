#pragma once
#include "Halide.h"
#include "halyard/backend.h"
#include "halyard/micro_kernels.h"

namespace halyard {

struct KernelReport {
    std::vector<std::string> lines;
    std::set<std::string> kernels_used;  // registry names, e.g. "gemm_int8_sdotp_4x2"
    std::set<std::string> headers;       // the C headers of the kernels used
};

// The Micro-kernels pass. For a stage the schedule maps to a kernel, every
// reduction loop over k of that stage is checked, Exo-style, to compute
// exactly the kernel's reference semantics (its registry entry,
// halyard/micro_kernels.h) before it is replaced by a call: for an R x C
// kernel the loop body must be R*C accumulations
// acc[c_ij] = acc[c_ij] + int32(A[a_i + k]) * int32(B[b_j + k]) over R
// distinct rows a_i and C distinct rows b_j of the entry's element types, the
// entry's stride in k, the accumulator indices independent of k and pairwise
// distinct. Anything else keeps its plain loop, and the report says why. Only
// on targets with the kernel's extension.
Halide::Internal::Stmt map_micro_kernels(const Halide::Internal::Stmt &s, const Algorithm &algo,
                                         const SchedulePlan &plan, const TargetDescription &target,
                                         KernelReport *report);

}  // namespace halyard
