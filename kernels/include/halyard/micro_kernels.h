// The micro-kernel registry: every hand-written kernel in halyard_kernels.h is
// one entry here, with what a loop nest must be for the backend to call it.
// The schedule checks (schedules/), the matcher (map_micro_kernels) and the C
// printer read these entries; tests/kernels runs every entry's C code against
// its reference loop nest. Adding a kernel means adding it to
// halyard_kernels.h and one entry in micro_kernels.cpp, nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halyard {

// An element type of a kernel operand.
struct KernelElem {
    int bits = 8;
    bool is_signed = true;
    std::string name() const { return std::string(is_signed ? "int" : "uint") + std::to_string(bits); }
};

// A register-blocked dot-product tile:
//   for k in [0, K): c[i][j] += int32(a_i[k]) * int32(b_j[k * sb]),  i < rows, j < cols
// where a_i (i < rows) are rows contiguous in k (stride k_stride elements),
// b_j (j < cols) rows with stride sb = k_stride in k, or, for a kernel with
// b_stride_arg, columns of a B stored [K, N] with any constant stride sb the
// loop nest has (its leading dimension), and the c[i][j] are pairwise
// distinct accumulators whose addresses do not depend on k. The C function takes
//   (a_0 .. a_{rows-1}, b_0 .. b_{cols-1}, K, [sb,] &c[0][0], &c[0][1], .., &c[rows-1][cols-1]).
struct MicroKernel {
    std::string name;                // the schedule's name: "kernel acc gemm_int8_sdotp_4x2"
    std::string c_symbol;            // the C function in `header`
    std::string header;              // in kernels/include
    std::string requires_extension;  // of the target ("xpulpv2"); other targets run the plain loop nest
    std::vector<std::string> ops;    // op families whose reduction stage it fits
    int rows = 1, cols = 1;          // output tile: A rows x B rows
    KernelElem a{8, true}, b{8, true}, acc{32, true};
    int k_stride = 1;                // operand stride in k, in elements
    // B's stride in k is the C function's argument after K (any constant of
    // the loop nest): B stored [K, N], its rows of k not contiguous.
    bool b_stride_arg = false;
    // K its fast path consumes per step (one word of int8 per row); another K
    // runs the scalar path for the tail, and schedules avoid the kernel then.
    int k_multiple = 4;
    // The smallest K at which schedules prefer this kernel to a smaller
    // block: below it the per-tile cost outweighs the loop's gain.
    int min_k = 0;
    std::string implementation;      // one line: how it computes (for the report and kernels/README)
    // Its requantizing variant ("" if none): the tile from zero accumulators,
    // then, in registers, a GEMM's bias and RequantShift on each output:
    //   y[i * ldy + j] = clip(((acc_ij + bias[j]) * mul + add) >> shift, lo, hi)
    // (int32 arithmetic that wraps, an arithmetic shift of 0..31, bias null:
    // none), stored as bytes (int8 or uint8). The C function takes
    //   (a_0 .. a_{rows-1}, b_0 .. b_{cols-1}, K, bias, mul, add, shift, lo, hi, y, ldy).
    // fuse_requant_epilogues calls it where it proves a tile's consumer is exactly that.
    std::string requant_c_symbol;

    // "int32 acc[i][j] += int8 A_i[k] * int8 B_j[k], 4x2 tile"
    std::string computes() const;
    int macs_per_k() const { return rows * cols; }
    bool fast_for_k(int64_t k) const { return k % k_multiple == 0; }
    // Whether it reads both operands contiguous in k (the dot-product GEMM
    // kernels) rather than B stored [K, N].
    bool k_contiguous() const { return !b_stride_arg && k_stride == 1; }

    // The reference loop nest the kernel must equal (the semantics above),
    // on rows given as pointers; acc in row-major tile order; b_stride: B's
    // stride in k where b_stride_arg (else k_stride).
    void reference(const std::vector<const int8_t *> &a_rows, const std::vector<const int8_t *> &b_rows, int32_t k,
                   const std::vector<int32_t *> &acc_tile, int32_t b_stride = 0) const;
    // The requantizing variant's reference (requant_c_symbol's semantics above).
    void reference_requant(const std::vector<const int8_t *> &a_rows, const std::vector<const int8_t *> &b_rows,
                           int32_t k, const int32_t *bias, int32_t mul, int32_t add, int32_t shift, int32_t lo,
                           int32_t hi, int8_t *y, int32_t ldy) const;
};

// Every kernel, in the order the README lists them.
const std::vector<MicroKernel> &micro_kernel_registry();
// The entry named `name`, or nullptr.
const MicroKernel *find_micro_kernel(const std::string &name);
// The entry named `name` where the compiler's own code names it (schedules,
// the autoscheduler, the cost model): its absence is an internal error.
const MicroKernel &micro_kernel(const std::string &name);
// The entry whose C function (or requantizing variant) is `c_symbol`, or nullptr.
const MicroKernel *find_micro_kernel_by_symbol(const std::string &c_symbol);
// "gemm_int8_sdotp_4x2, gemm_int8_sdotp_1x4" (for messages).
std::string micro_kernel_names();

}  // namespace halyard
