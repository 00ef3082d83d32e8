#include "halyard/npu_jobs.h"

#include <algorithm>

namespace halyard {

std::string NpuJobEntry::computes() const {
    return "out[M, N] = requant(int32 sum_k A[m, k] * B[k, n] + bias[n]) per job, A int8/uint8, B int8 ([K, N] or "
           "B^T), bias int32[N], requant per tensor or per column (or int32 out), operands in L1";
}

bool NpuJobEntry::accepts_a(const KernelElem &t) const {
    return std::any_of(a_types.begin(), a_types.end(),
                       [&](const KernelElem &e) { return e.bits == t.bits && e.is_signed == t.is_signed; });
}

bool NpuJobEntry::accepts_b(const KernelElem &t) const {
    return std::any_of(b_types.begin(), b_types.end(),
                       [&](const KernelElem &e) { return e.bits == t.bits && e.is_signed == t.is_signed; });
}

std::vector<int32_t> NpuJobEntry::reference(const Job &j, const uint8_t *a, const int8_t *b, const int32_t *bias,
                                            const int32_t *mul, const int32_t *add) const {
    const int as = j.a_stride ? j.a_stride : j.K;
    const int bs = j.b_stride ? j.b_stride : (j.b_trans ? j.K : j.N);
    const int os = j.out_stride ? j.out_stride : j.N;
    std::vector<int32_t> out(size_t(j.M) * size_t(os), 0);
    for (int m = 0; m < j.M; m++) {
        for (int n = 0; n < j.N; n++) {
            uint32_t v = 0;  // int32 two's complement: wraps like the engine
            for (int k = 0; k < j.K; k++) {
                const uint8_t x = a[size_t(m) * as + k];
                const int32_t av = j.a_unsigned ? int32_t(x) : int32_t(int8_t(x));
                const int32_t bv = j.b_trans ? b[size_t(n) * bs + k] : b[size_t(k) * bs + n];
                v += uint32_t(av * bv);
            }
            if (bias) v += uint32_t(bias[n]);
            if (j.requant) {
                const int c = j.per_channel ? n : 0;
                uint32_t x = v * uint32_t(mul[c]) + uint32_t(add[c]);
                if (j.round && j.shift > 0) x += uint32_t(1) << (j.shift - 1);
                int32_t y = int32_t(x) >> j.shift;
                v = uint32_t(std::min(std::max(y, j.clip_lo), j.clip_hi));
            }
            out[size_t(m) * os + n] = int32_t(v);
        }
    }
    return out;
}

const NpuJobEntry &npu_job_entry() {
    static const NpuJobEntry e = [] {
        NpuJobEntry n;
        n.name = "npu_gemm";
        n.header = "halyard_npu_jobs.h";
        n.submit_symbol = "hy_npu_submit_gemm";
        n.wait_symbol = "hy_npu_wait_job";
        n.wait_last_symbol = "hy_npu_wait_last";
        n.address_symbol = "hy_npu_address_of";
        n.requires_key = "npu.base";
        n.ops = {"gemm", "matmul"};
        n.a_types = {{8, true}, {8, false}};
        n.b_types = {{8, true}};
        n.requant_out_types = {{8, true}, {8, false}};
        return n;
    }();
    return e;
}

// The jobs are programmed through the cluster runtime's halyard_npu.h: a
// target that includes cluster.target but has no runtime (rv32) has no NPU.
bool target_has_npu(const TargetDescription &target) {
    return target.has(npu_job_entry().requires_key) && target.has_cluster_runtime();
}

NpuLimits npu_limits(const TargetDescription &target) {
    NpuLimits l;
    l.max_k = target.get_int("npu.max_k");
    l.pe_cols = target.get_int("npu.pe_cols");
    l.macs_per_cycle = target.get_int("npu.macs_per_cycle");
    l.job_queue = target.get_int("npu.job_queue");
    l.stride_align = target.get_int("npu.port_bytes");
    l.max_mn = npu_job_entry().max_mn;
    l.weight_mem_bytes = target.has("npu.weight_mem_bytes") ? target.get_int("npu.weight_mem_bytes") : 0;
    return l;
}

}  // namespace halyard
