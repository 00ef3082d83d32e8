// Generated kernels on the Verilator model of the cluster, bit-exact against
// the independent reference: every foundation op at awkward shapes, with
// schedules on 1 and 8 cores, L2-only and L1-tiled, single- and
// double-buffered DMA.
#include <gtest/gtest.h>

#include <random>

#include "halyard/generator.h"
#include "halyard/harness/cluster_run.h"
#include "op_harness.h"

using namespace halyard;
using namespace halyard::harness;
using namespace halyard_test;

namespace {

struct ClusterCase {
    std::string name;
    std::string family;
    std::map<std::string, std::string> params;
    std::string schedule;  // "" = the cluster default
};

// Random inputs (mul/add/bias kept in ranges that keep int32 intermediates
// exact), the reference output, and a run on the model.
void run_case(const ClusterCase &c, std::mt19937 &rng) {
    SCOPED_TRACE(c.name + ": " + c.family + " " + describe_params(c.params) + "\n" + c.schedule);
    const GeneratorFamily &f = find_generator(c.family);
    Algorithm algo = f.build(ParamMap(c.family, f.params, c.params));
    Schedule s = Schedule::parse(c.schedule, c.name);
    GeneratedLibrary lib = run_generator(c.family, c.params, TargetDescription::named("cluster"),
                                         c.schedule.empty() ? nullptr : &s, c.name);
    RefInputs in;
    std::vector<SimInput> sim_in;
    for (const auto &t : algo.inputs) {
        int64_t n = num_elements(t.type.shape);
        TypedBuffer b = t.type.name == "mul"   ? random_buffer(rng, t.type.type, n, -6, 6)
                        : t.type.name == "add" ? random_buffer(rng, t.type.type, n, -5000, 5000)
                        : t.type.type == ElemType::Int32 ? random_buffer(rng, t.type.type, n, -30000, 30000)
                                                         : random_buffer(rng, t.type.type, n);
        in[t.type.name] = to_ref(b, t.type.shape);
        sim_in.push_back({c_type_name(t.type.type), in[t.type.name].data});
    }
    const auto &p = c.params;
    auto flag = [&](const char *k) { return p.count(k) && p.at(k) == "1"; };
    halyard_ref::Tensor expected;
    halyard_ref::RequantParams rq;
    if (flag("requant")) rq = ref_requant(in, p);
    if (c.family == "gemm") {
        expected = halyard_ref::gemm(in.at("A"), in.at("B"), in.count("C") ? &in.at("C") : nullptr, 1, 1,
                                     flag("trans_a"), flag("trans_b"), flag("requant") ? &rq : nullptr);
    } else if (c.family == "matmul") {
        halyard_ref::Tensor b = in.at("B");
        if (flag("trans_b")) {
            std::vector<int64_t> perm;
            for (int64_t d = 0; d < b.rank(); d++) perm.push_back(d);
            std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
            b = halyard_ref::transpose(b, perm);
        }
        expected = halyard_ref::matmul(in.at("A"), b, flag("requant") ? &rq : nullptr);
    } else if (c.family == "requant_shift") {
        expected = halyard_ref::requant_shift(in.at("x"), ref_requant(in, p));
    } else {
        expected = halyard_ref::add(in.at("A"), in.at("B"), flag("requant") ? &rq : nullptr);
    }
    SimRun r = run_on_cluster(lib, sim_in, c_type_name(algo.output.type), expected.data);
    EXPECT_TRUE(r.ok) << r.log << "\nreport:\n" << lib.report;
    std::cout << "[ cluster  ] " << c.name << ": " << r.cycles << " cycles, " << r.dma_bytes << " DMA bytes\n";
}

const std::string kGemm8CoresL2 =
    "parallel Y m\ncompute_at acc Y n\nmemory acc reg\n";
const std::string kGemm8CoresL1 =
    "tile Y m 4\nparallel Y m_o\ncompute_at acc Y n\nmemory acc reg\n"
    "stage A L1 at Y m_o\nstage B L1 at Y m_o\n";
const std::string kGemm8CoresDoubleBuffered =
    "tile Y n 8\norder Y n_o m n_i\nparallel Y m\ncompute_at acc Y n_i\nmemory acc reg\n"
    "stage B L1 at Y n_o double_buffer\n";

}  // namespace

TEST(OpsOnCluster, GemmOneCoreL2) {
    std::mt19937 rng(test_seed());
    run_case({"gemm_1core_l2", "gemm", {{"M", "7"}, {"N", "13"}, {"K", "33"}, {"bias", "13"}, {"requant", "1"},
                                         {"log2d", "6"}, {"mul_shape", "13"}},
              "compute_at acc Y n\nmemory acc reg\n"},
             rng);
}

TEST(OpsOnCluster, GemmDefaultScheduleEightCores) {
    std::mt19937 rng(test_seed() + 1);
    run_case({"gemm_default", "gemm", {{"M", "19"}, {"N", "10"}, {"K", "17"}, {"trans_b", "1"}}, ""}, rng);
}

TEST(OpsOnCluster, GemmEightCoresL2) {
    std::mt19937 rng(test_seed() + 2);
    run_case({"gemm_8core_l2", "gemm", {{"M", "21"}, {"N", "9"}, {"K", "31"}, {"trans_b", "1"}}, kGemm8CoresL2}, rng);
}

TEST(OpsOnCluster, GemmEightCoresL1TiledDma) {
    std::mt19937 rng(test_seed() + 3);
    run_case({"gemm_8core_l1", "gemm",
              {{"M", "33"}, {"N", "12"}, {"K", "20"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "5"}},
              kGemm8CoresL1},
             rng);
}

TEST(OpsOnCluster, GemmEightCoresDoubleBufferedDma) {
    std::mt19937 rng(test_seed() + 4);
    run_case({"gemm_8core_db", "gemm", {{"M", "16"}, {"N", "40"}, {"K", "24"}, {"trans_b", "1"}},
              kGemm8CoresDoubleBuffered},
             rng);
}

TEST(OpsOnCluster, MatMulBatchedEightCores) {
    std::mt19937 rng(test_seed() + 5);
    run_case({"matmul_8core", "matmul",
              {{"a_shape", "3x5x9"}, {"b_shape", "9x7"}, {"requant", "1"}, {"log2d", "4"}},
              "parallel Y m\ncompute_at acc Y n\nmemory acc reg\n"},
             rng);
}

TEST(OpsOnCluster, RequantShiftPerChannelEightCores) {
    std::mt19937 rng(test_seed() + 6);
    run_case({"rqs_8core", "requant_shift",
              {{"shape", "11x37"}, {"mul_shape", "37"}, {"add_shape", "37"}, {"log2d", "7"}}, ""},
             rng);
}

TEST(OpsOnCluster, AddBroadcastRequantEightCores) {
    std::mt19937 rng(test_seed() + 7);
    run_case({"add_8core", "add",
              {{"a_shape", "9x5x13"}, {"b_shape", "13"}, {"requant", "1"}, {"log2d", "2"}}, ""},
             rng);
}

// The 4x2 Xpulp micro-kernel substituted for the accumulation loop nest, at
// aligned and at awkward (misaligned rows, K % 4 != 0, M, N not multiples of
// the tile) shapes.
const std::string kGemmKernel4x2 =
    "tile Y m 4\ntile Y n 2\norder Y m_o n_o m_i n_i\nparallel Y m_o\ncompute_at acc Y n_o\nmemory acc reg\n"
    "tile acc m 4\ntile acc n 2\norder acc m_o n_o k m_i n_i\nunroll acc m_i\nunroll acc n_i\n"
    "kernel acc gemm_int8_sdotp_4x2\n";

TEST(OpsOnCluster, GemmMicroKernel4x2Aligned) {
    std::mt19937 rng(test_seed() + 8);
    run_case({"gemm_kernel_64", "gemm", {{"M", "64"}, {"N", "64"}, {"K", "64"}, {"trans_b", "1"}}, kGemmKernel4x2},
             rng);
}

TEST(OpsOnCluster, GemmMicroKernel4x2Awkward) {
    std::mt19937 rng(test_seed() + 9);
    run_case({"gemm_kernel_awkward", "gemm",
              {{"M", "13"}, {"N", "7"}, {"K", "37"}, {"trans_b", "1"}, {"bias", "7"}, {"requant", "1"}, {"log2d", "7"}},
              kGemmKernel4x2},
             rng);
}

// The kernel reading L1: weights staged once before the fork, each core's
// activation rows staged per tile, both by DMA.
TEST(OpsOnCluster, GemmMicroKernel4x2L1Staged) {
    std::mt19937 rng(test_seed() + 10);
    run_case({"gemm_kernel_l1", "gemm", {{"M", "64"}, {"N", "64"}, {"K", "64"}, {"trans_b", "1"}},
              kGemmKernel4x2 + "stage B L1 at root\nstage A L1 at Y m_o\n"},
             rng);
}

// ... and the output computed tile by tile in L1, written back by DMA.
TEST(OpsOnCluster, GemmMicroKernel4x2L1StagedOutput) {
    std::mt19937 rng(test_seed() + 11);
    run_case({"gemm_kernel_l1_out", "gemm",
              {{"M", "64"}, {"N", "64"}, {"K", "64"}, {"trans_b", "1"}, {"bias", "64"}, {"requant", "1"},
               {"log2d", "9"}, {"mul_shape", "64"}},
              kGemmKernel4x2 + "stage B L1 at root\nstage A L1 at Y m_o\nstage Y L1 at Y m_o\n"},
             rng);
}

// One attention head per core: Q and K^T tiles staged per head (double
// buffering falls back to single transfers where the head loop has one
// iteration per core), scores written back per head.
TEST(OpsOnCluster, MatMulHeadsStagedPerCoreWithKernel) {
    std::mt19937 rng(test_seed() + 12);
    run_case({"mha_scores", "matmul", {{"a_shape", "8x12x16"}, {"b_shape", "8x10x16"}, {"trans_b", "1"}},
              "tile Y m 4\ntile Y n 2\norder Y b0 m_o n_o m_i n_i\ncompute_at acc Y n_o\nmemory acc reg\n"
              "tile acc m 4\ntile acc n 2\norder acc b0 m_o n_o k m_i n_i\nunroll acc m_i\nunroll acc n_i\n"
              "kernel acc gemm_int8_sdotp_4x2\nparallel Y b0\n"
              "stage A L1 at Y b0 double_buffer\nstage B L1 at Y b0 double_buffer\nstage Y L1 at Y b0\n"},
             rng);
}

// Decode-step GEMV: the cluster default (1x4 kernel, weight rows over cores),
// and the kernel at an awkward shape (K % 4 != 0: scalar tail, misaligned rows).
TEST(OpsOnCluster, GemvDefaultSchedule1x4Kernel) {
    std::mt19937 rng(test_seed() + 13);
    run_case({"gemv_default", "gemm", {{"M", "1"}, {"N", "256"}, {"K", "64"}, {"trans_b", "1"}}, ""}, rng);
}

TEST(OpsOnCluster, GemvKernel1x4Awkward) {
    std::mt19937 rng(test_seed() + 14);
    run_case({"gemv_awkward", "gemm",
              {{"M", "1"}, {"N", "37"}, {"K", "41"}, {"trans_b", "1"}, {"bias", "37"}, {"requant", "1"}, {"log2d", "6"}},
              "tile Y n 4\ncompute_at acc Y n_o\nmemory acc reg\ntile acc n 4\norder acc m n_o k n_i\n"
              "unroll acc n_i\nkernel acc gemm_int8_sdotp_1x4\nparallel Y n_o\n"},
             rng);
}
