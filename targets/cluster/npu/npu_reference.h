// The NPU's reference: what one job computes, bit for bit as the engine
// (targets/cluster/rtl/halyard_npu_engine.sv) computes it. The NPU's entry in
// the kernel registry is checked against this loop nest; the cluster tests
// compare the model's output with it.
//
//   out[m][n] = y(sum_k A[m][k] * B[k][n] + bias[n])       int32, wrapping
//   y(v) = v                                                 without requant
//   y(v) = clip((v * mul[n] + add[n] + round) >> shift, lo, hi)   with it
//          (int32 two's complement; round = 2^(shift-1) when rounding and
//          shift > 0; >> arithmetic; Deeploy's RequantShift, as the DSL's
//          requant() in dsl/src/builders.cpp)
//
// Where the operands live (L1, or B / bias / mul / add in the NPU's weight
// memory, docs/npu.md) changes how fast the engine gets them, never what it
// computes: one reference for both (npu-gen's weight-memory cases use it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace halyard::npu {

struct Job {
    int M = 1, K = 1, N = 1;
    bool a_unsigned = false;  // A is uint8 (else int8); B is always int8
    bool b_trans = false;     // B stored [N, K] (else [K, N])
    int a_stride = 0, b_stride = 0, out_stride = 0;  // in elements; 0: dense (K, N or K, N)
    bool has_bias = false;
    bool requant = false;     // 8-bit output (else int32)
    bool per_channel = false; // mul/add per output column (else mul[0], add[0])
    bool round = true;
    int shift = 0;
    int32_t clip_lo = -128, clip_hi = 127;
};

// One RequantShift of an int32 value (the requantizer of one column).
int32_t requantize(int32_t v, int32_t mul, int32_t add, int shift, bool round, int32_t lo, int32_t hi);

// Runs `job`: A as bytes (int8 or uint8 by job.a_unsigned), B int8, bias
// int32[N] (when has_bias), mul/add int32[N] or [1]. Returns the output
// [M][out_stride or N] as int32 values (8-bit outputs sign- or
// zero-extended as clip_lo says); elements between rows are 0.
std::vector<int32_t> run(const Job &job, const uint8_t *a, const int8_t *b, const int32_t *bias,
                         const int32_t *mul, const int32_t *add);

}  // namespace halyard::npu
