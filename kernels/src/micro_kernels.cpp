#include "halyard/micro_kernels.h"

#include <algorithm>

#include "halyard/dsl/internal_error.h"

namespace halyard {

std::string MicroKernel::computes() const {
    if (b_stride_arg) {
        return acc.name() + " acc[i][j] += " + a.name() + " A_i[k] * " + b.name() + " B[k][j], " + std::to_string(rows) +
               "x" + std::to_string(cols) + " tile (" + std::to_string(rows) + " A row(s) x " + std::to_string(cols) +
               " columns of B stored [K, N])";
    }
    return acc.name() + " acc[i][j] += " + a.name() + " A_i[k] * " + b.name() + " B_j[k], " + std::to_string(rows) +
           "x" + std::to_string(cols) + " tile (" + std::to_string(rows) + " A row(s) x " + std::to_string(cols) +
           " B rows, k-contiguous)";
}

void MicroKernel::reference(const std::vector<const int8_t *> &a_rows, const std::vector<const int8_t *> &b_rows,
                            int32_t k, const std::vector<int32_t *> &acc_tile, int32_t b_stride) const {
    const int32_t sb = b_stride_arg ? b_stride : k_stride;
    HL_INTERNAL_ASSERT(!b_stride_arg || b_stride > 0, "micro-kernel " + name + ": its reference needs B's stride in k");
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            int32_t s = *acc_tile[size_t(i * cols + j)];
            for (int32_t kk = 0; kk < k; kk++) {
                const int32_t x = a.is_signed ? int32_t(a_rows[i][kk * k_stride]) : int32_t(uint8_t(a_rows[i][kk * k_stride]));
                const int32_t y = b.is_signed ? int32_t(b_rows[j][kk * sb]) : int32_t(uint8_t(b_rows[j][kk * sb]));
                s += x * y;
            }
            *acc_tile[size_t(i * cols + j)] = s;
        }
    }
}

void MicroKernel::reference_requant(const std::vector<const int8_t *> &a_rows, const std::vector<const int8_t *> &b_rows,
                                    int32_t k, const int32_t *bias, int32_t mul, int32_t add, int32_t shift, int32_t lo,
                                    int32_t hi, int8_t *y, int32_t ldy) const {
    HL_INTERNAL_ASSERT(!requant_c_symbol.empty(), "micro-kernel " + name + " has no requantizing variant");
    HL_INTERNAL_ASSERT(shift >= 0 && shift < 32, "micro-kernel " + name + ": requant shift " + std::to_string(shift));
    std::vector<int32_t> acc(size_t(rows * cols), 0);
    std::vector<int32_t *> tile;
    for (auto &v : acc) tile.push_back(&v);
    reference(a_rows, b_rows, k, tile);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            const uint32_t s = uint32_t(acc[size_t(i * cols + j)]) + uint32_t(bias ? bias[j] : 0);
            const int64_t v = int64_t(int32_t(s * uint32_t(mul) + uint32_t(add))) >> shift;
            y[i * ldy + j] = int8_t(uint8_t(std::min<int64_t>(std::max<int64_t>(v, lo), hi)));
        }
    }
}

const std::vector<MicroKernel> &micro_kernel_registry() {
    static const std::vector<MicroKernel> kernels = [] {
        std::vector<MicroKernel> k;
        MicroKernel gemm_4x2;
        gemm_4x2.name = "gemm_int8_sdotp_4x2";
        gemm_4x2.c_symbol = "hy_gemm_s8_4x2";
        gemm_4x2.header = "halyard_kernels.h";
        gemm_4x2.requires_extension = "xpulpv2";
        gemm_4x2.ops = {"gemm", "matmul"};
        gemm_4x2.rows = 4;
        gemm_4x2.cols = 2;
        gemm_4x2.implementation =
            "per 4 k: 6 post-increment word loads + 8 pv.sdotsp.b in a hardware loop (PULP-NN's 4x2 block), "
            "straight-line when K is 4; scalar path for misaligned rows and the K % 4 tail";
        k.push_back(gemm_4x2);

        MicroKernel gemm_4x4 = gemm_4x2;
        gemm_4x4.name = "gemm_int8_sdotp_4x4";
        gemm_4x4.c_symbol = "hy_gemm_s8_4x4";
        gemm_4x4.cols = 4;
        // Its tile lives in memory (the asm loads and stores it): at K = 4
        // (attention scores, head size 4) two 4x2 blocks with the tile in
        // registers are faster (p.scores 98 k vs 128 k cycles); at K = 64 it wins by 5%.
        gemm_4x4.min_k = 32;
        gemm_4x4.requant_c_symbol = "hy_gemm_s8_4x4_rq";
        gemm_4x4.implementation =
            "per 4 k: 8 word loads (one pointer per operand, post-incremented by a register across the equally "
            "spaced rows) + 16 pv.sdotsp.b in a hardware loop; rows not equally spaced or misaligned, accumulators "
            "not one tile, and the K % 4 tail run as two 4x2 blocks";
        k.push_back(gemm_4x4);

        MicroKernel gemv_1x4 = gemm_4x2;
        gemv_1x4.name = "gemm_int8_sdotp_1x4";
        gemv_1x4.c_symbol = "hy_gemm_s8_1x4";
        gemv_1x4.rows = 1;
        gemv_1x4.cols = 4;
        gemv_1x4.implementation =
            "per 4 k: 5 post-increment word loads + 4 pv.sdotsp.b in a hardware loop, straight-line when K is 4: "
            "one activation row against 4 weight rows (decode-step GEMV)";
        k.push_back(gemv_1x4);

        MicroKernel gemv_1x4_kn = gemv_1x4;
        gemv_1x4_kn.name = "gemm_int8_sdotp_1x4_kn";
        gemv_1x4_kn.c_symbol = "hy_gemm_s8_1x4_kn";
        gemv_1x4_kn.ops = {"matmul"};
        gemv_1x4_kn.b_stride_arg = true;
        gemv_1x4_kn.implementation =
            "per 4 k: 5 word loads (B's four rows by a post-increment of its leading dimension), a byte swap "
            "per pair of rows (B halfway transposed, two k of two columns per word) and 8 pv.sdotsp.b against "
            "A's halves, in a hardware loop: one row against 4 adjacent columns of B stored [K, N] (a decode "
            "step's probabilities x V); plain C for columns not adjacent or not word-aligned and the K % 4 tail";
        k.push_back(gemv_1x4_kn);
        return k;
    }();
    return kernels;
}

const MicroKernel *find_micro_kernel(const std::string &name) {
    for (const auto &k : micro_kernel_registry())
        if (k.name == name) return &k;
    return nullptr;
}

const MicroKernel &micro_kernel(const std::string &name) {
    const MicroKernel *k = find_micro_kernel(name);
    HL_INTERNAL_ASSERT(k, "micro-kernel " + name + " is not in the registry (" + micro_kernel_names() + ")");
    return *k;
}

const MicroKernel *find_micro_kernel_by_symbol(const std::string &c_symbol) {
    for (const auto &k : micro_kernel_registry())
        if (k.c_symbol == c_symbol || (!k.requant_c_symbol.empty() && k.requant_c_symbol == c_symbol)) return &k;
    return nullptr;
}

std::string micro_kernel_names() {
    std::string s;
    for (const auto &k : micro_kernel_registry()) s += (s.empty() ? "" : ", ") + k.name;
    return s;
}

}  // namespace halyard
