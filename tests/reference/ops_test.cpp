// Hand-checked unit tests of the reference ops themselves (small cases worked
// out on paper from Deeploy's formulas), so the oracle is tested too.
#include <gtest/gtest.h>

#include "halyard_ref/ops.h"

using namespace halyard_ref;

namespace {
RequantParams rq(int64_t mul, int64_t add, int64_t log2D, int64_t n_levels = 256, bool is_signed = true) {
    RequantParams p;
    p.mul = Tensor({}, std::vector<int64_t>{mul});
    p.add = Tensor({}, std::vector<int64_t>{add});
    p.log2D = log2D;
    p.n_levels = n_levels;
    p.is_signed = is_signed;
    return p;
}
}  // namespace

TEST(RefRequantShift, RoundsHalfUpAndFloorsNegatives) {
    // x/2 with rounding: (x + 1) >> 1 -> -3 -> -1, -2 -> -1, -1 -> 0, 1 -> 1, 3 -> 2
    Tensor x({5}, {-3, -2, -1, 1, 3});
    EXPECT_EQ(requant_shift(x, rq(1, 0, 1)).data, (std::vector<int64_t>{-1, -1, 0, 1, 2}));
    RequantParams nr = rq(1, 0, 1);
    nr.rounding = false;  // plain floor
    EXPECT_EQ(requant_shift(x, nr).data, (std::vector<int64_t>{-2, -1, -1, 0, 1}));
}

TEST(RefRequantShift, SaturatesSignedAndUnsigned) {
    Tensor x({4}, {-100000, -1, 1, 100000});
    EXPECT_EQ(requant_shift(x, rq(1, 0, 0)).data, (std::vector<int64_t>{-128, -1, 1, 127}));
    EXPECT_EQ(requant_shift(x, rq(1, 0, 0, 256, false)).data, (std::vector<int64_t>{0, 0, 1, 255}));
    EXPECT_EQ(requant_shift(x, rq(1, 0, 0, 16, true)).data, (std::vector<int64_t>{-8, -1, 1, 7}));
}

TEST(RefRequantShift, PerChannelBroadcast) {
    // x [2,3], mul/add per row [2,1]
    Tensor x({2, 3}, {1, 2, 3, 4, 5, 6});
    RequantParams p = rq(1, 0, 2);
    p.mul = Tensor({2, 1}, {4, 8});
    p.add = Tensor({2, 1}, {0, -4});
    // row0: (4x + 2) >> 2 = x ; row1: (8x - 4 + 2) >> 2 = floor((8x-2)/4)
    EXPECT_EQ(requant_shift(x, p).data, (std::vector<int64_t>{1, 2, 3, 7, 9, 11}));
    p.mul = Tensor({3}, {1, 2, 3});
    EXPECT_THROW(p.mul = Tensor({3}, {1, 2}), std::invalid_argument);
}

TEST(RefRequantShift, RejectsNonPowerOfTwoDiv) { EXPECT_THROW(log2_exact(3), std::invalid_argument); }

TEST(RefGemm, TransposesBiasAlphaBeta) {
    Tensor A({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor B({3, 2}, {1, 0, 0, 1, 1, 1});
    Tensor C({2}, {10, 20});
    // A@B = [[4,5],[10,11]]
    EXPECT_EQ(gemm(A, B, nullptr).data, (std::vector<int64_t>{4, 5, 10, 11}));
    EXPECT_EQ(gemm(A, B, &C, 2, 3).data, (std::vector<int64_t>{38, 70, 50, 82}));
    Tensor At = transpose(A, {1, 0}), Bt = transpose(B, {1, 0});
    EXPECT_EQ(gemm(At, Bt, nullptr, 1, 1, true, true).data, (std::vector<int64_t>{4, 5, 10, 11}));
    RequantParams p = rq(1, 0, 1);
    EXPECT_EQ(gemm(A, B, nullptr, 1, 1, false, false, &p).data, (std::vector<int64_t>{2, 3, 5, 6}));
}

TEST(RefGemm, Int32AccumulationK4096) {
    Tensor A({1, 4096}, std::vector<int64_t>(4096, -128));
    Tensor B({4096, 1}, std::vector<int64_t>(4096, -128));
    EXPECT_EQ(gemm(A, B, nullptr).data[0], int64_t(4096) * 128 * 128);
}

TEST(RefMatMul, BatchBroadcast) {
    Tensor A({2, 1, 2}, {1, 2, 3, 4});
    Tensor B({2, 1}, {10, 1});
    Tensor y = matmul(A, B);
    EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 1, 1}));
    EXPECT_EQ(y.data, (std::vector<int64_t>{12, 34}));
    EXPECT_THROW(matmul(Tensor({2, 3}, 1), Tensor({2, 3}, 1)), std::invalid_argument);
}

TEST(RefAdd, BroadcastAndRequant) {
    Tensor a({2, 2}, {1, 2, 3, 4});
    Tensor b({2}, {10, 20});
    EXPECT_EQ(add(a, b).data, (std::vector<int64_t>{11, 22, 13, 24}));
    RequantParams p = rq(1, 0, 1);
    EXPECT_EQ(add(a, b, &p).data, (std::vector<int64_t>{6, 11, 7, 12}));
}

TEST(RefConcat, NegativeAxis) {
    Tensor a({1, 2, 2}, {1, 2, 3, 4});
    Tensor b({1, 1, 2}, {5, 6});
    Tensor y = concat({a, b}, -2);
    EXPECT_EQ(y.shape, (std::vector<int64_t>{1, 3, 2}));
    EXPECT_EQ(y.data, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(RefNonlinear, HandCheckedSmallCases) {
    // iHardswish: x * clip(x + 3, 0, 6) * 1 with one_over_six = 1.
    EXPECT_EQ(ihardswish(Tensor({4}, {-5, -1, 1, 5}), 1, 6, 3).data, (std::vector<int64_t>{0, -2, 4, 30}));
    // ITAMax of a constant row: every shift 0, sum = 256 n, inv = 255*256/(256 n).
    EXPECT_EQ(itamax(Tensor({1, 4}, {7, 7, 7, 7}), 256).data, (std::vector<int64_t>{63, 63, 63, 63}));
    // ITAPartialMax with one group equals ITAMax with half the scale.
    EXPECT_EQ(itapartialmax(Tensor({1, 4}, {7, 7, 7, 7}), 4, 256).data, (std::vector<int64_t>{31, 31, 31, 31}));
    // TrueIntegerDiv floors: Delta*eta*x / (eta*y + eps) with Delta=eta=1, eps=0, y=2.
    EXPECT_EQ(true_integer_div(Tensor({3}, {-3, 3, 4}), 2, 1, 0, 1).data, (std::vector<int64_t>{-2, 1, 2}));
    // IntegerDiv rounds half away from zero.
    EXPECT_EQ(integer_div(Tensor({3}, {-3, 3, 4}), Tensor({}, std::vector<int64_t>{2}), 1, 0, 1).data,
              (std::vector<int64_t>{-2, 2, 2}));
    // iRMSNorm of a constant row of 4s: ms = 16 + 1 = 17, std = 4, y = 4 * w / 4 >> 0 = w.
    EXPECT_EQ(irmsnorm(Tensor({1, 3}, {4, 4, 4}), Tensor({3}, {1, -2, 100}), 0, 256).data,
              (std::vector<int64_t>{1, -2, 100}));
}
