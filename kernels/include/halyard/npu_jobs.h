// The NPU's entry in the kernel registry (docs/npu.md): what one job computes,
// as data, for the `npu` schedule checks (schedules/), the matcher
// (targets/backend/src/passes/map_npu_jobs.cpp) and the C printer. The
// engine's limits are not written here: they are the target description's
// npu.* keys, read through npu_limits().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "halyard/micro_kernels.h"
#include "halyard/target_description.h"

namespace halyard {

// The limits of one job on a target (its npu.* keys).
struct NpuLimits {
    int64_t max_k = 0;           // npu.max_k: K per job (no int32 accumulate-in across jobs)
    int64_t max_mn = 0;          // M and N per job (NpuJobEntry::max_mn: the register fields)
    int64_t pe_cols = 0;         // npu.pe_cols: output columns per panel (N below it leaves PEs idle)
    int64_t macs_per_cycle = 0;  // npu.macs_per_cycle: peak
    int64_t job_queue = 0;       // npu.job_queue: jobs queued, the running one included
    int64_t stride_align = 4;    // bytes: operand addresses and row strides (npu.port_bytes)
    int64_t weight_mem_bytes = 0;  // npu.weight_mem_bytes: resident weight memory (0: none)
};

// One job, the semantics the matcher proves a loop nest equal to:
//   for m < M, n < N:  v = sum_k int32(A[m*a_stride + k]) * int32(B[k*b_stride + n])   (B^T: B[n*b_stride + k])
//                      v += bias[n]                                   (with bias)
//                      out[m*out_stride + n] = v                      (int32 out)
//                      out[...] = clip((v * mul[n|0] + add[n|0] + round) >> shift, lo, hi)   (requant, 8-bit out)
// A int8 or uint8, B int8, every operand in L1 (the engine does not read L2);
// B, bias and per-column mul/add may instead be in the NPU weight memory,
// addresses and row strides multiples of NpuLimits::stride_align bytes,
// 1 <= M, N <= max_mn, 1 <= K <= max_k. Requant is per tensor or per output
// column only (no per-row mul/add), bias is [N] only.
struct NpuJobEntry {
    std::string name;              // "npu_gemm"
    std::string header;            // C header of the calls (kernels/include)
    std::string submit_symbol;     // program + trigger one job, returns its id
    std::string wait_symbol;       // sleep until job id is done
    std::string wait_last_symbol;  // sleep until the last job submitted is done (all are: jobs finish in order)
    std::string address_symbol;    // the printer's "32-bit address of this element"
    std::string requires_key;      // a target has the NPU when it has this key
    std::vector<std::string> ops;  // op families whose stages it fits
    std::vector<KernelElem> a_types, b_types;
    KernelElem acc{32, true};
    std::vector<KernelElem> requant_out_types;  // 8-bit outputs of the requantizer
    // The job register's CONF bits (halyard_npu_pkg.sv; HL_NPU_CONF_* in halyard_npu.h).
    struct ConfBits {
        uint32_t requant = 1u << 0, per_channel = 1u << 1, a_unsigned = 1u << 2, b_trans = 1u << 3, round = 1u << 4;
    } conf;
    int64_t max_mn = 65535;  // M and N are 16-bit job fields (halyard_npu_pkg.sv), not a target key

    std::string computes() const;  // one line for messages and the report
    bool accepts_a(const KernelElem &t) const;
    bool accepts_b(const KernelElem &t) const;

    // The reference loop nest of one job (the semantics above); element
    // strides; a_unsigned reads A as uint8. Returns out values as int32.
    struct Job {
        int M = 1, K = 1, N = 1;
        int a_stride = 0, b_stride = 0, out_stride = 0;  // in elements
        bool a_unsigned = false, b_trans = false, requant = false, per_channel = false, round = true;
        int shift = 0;
        int32_t clip_lo = -128, clip_hi = 127;
    };
    std::vector<int32_t> reference(const Job &job, const uint8_t *a, const int8_t *b, const int32_t *bias,
                                   const int32_t *mul, const int32_t *add) const;
};

const NpuJobEntry &npu_job_entry();
// The target's limits (TargetError naming the key when one is missing).
NpuLimits npu_limits(const TargetDescription &target);
bool target_has_npu(const TargetDescription &target);

}  // namespace halyard
