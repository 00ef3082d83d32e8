#pragma once
#include "Halide.h"
#include "halyard/backend.h"

namespace halyard {

struct KernelReport {
    std::vector<std::string> lines;
    std::set<std::string> kernels_used;  // e.g. "gemm_int8_sdotp_4x2"
};

// The Micro-kernels pass. For a stage the schedule maps to a kernel, every
// reduction loop over k of that stage is checked, Exo-style, to compute
// exactly the kernel's reference semantics before it is replaced by a call:
// for gemm_int8_sdotp_4x2 the loop body must be 8 accumulations
// acc[c_ij] = acc[c_ij] + int32(A[a_i + k]) * int32(B[b_j + k]) over 4
// distinct int8 rows a_i and 2 distinct int8 rows b_j, unit stride in k, the
// accumulator indices independent of k and pairwise distinct. Anything else
// keeps its plain loop, and the report says why. Only on targets with the
// kernel's extension.
Halide::Internal::Stmt map_micro_kernels(const Halide::Internal::Stmt &s, const Algorithm &algo,
                                         const SchedulePlan &plan, const TargetDescription &target,
                                         KernelReport *report);

}  // namespace halyard
