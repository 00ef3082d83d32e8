// Stages mapped onto the NPU (`npu acc`, map_npu_jobs) on the Verilator
// model, bit-exact against the independent reference (tests/reference), at
// random and awkward shapes (M, N, K not multiples of 16/8/4, N < 16, K = 1),
// int32 output and fused bias + requant; the report must say the stage went
// to the NPU (no silent fallback to the cores) and halyard-sim must have run
// NPU jobs.
#include <gtest/gtest.h>

#include <random>

#include "halyard/generator.h"
#include "halyard/harness/cluster_run.h"
#include "halyard/npu_jobs.h"
#include "npu_reference.h"
#include "op_harness.h"

using namespace halyard;
using namespace halyard::harness;
using namespace halyard_test;

namespace {

// The int32 GEMM: operands staged into L1 once, acc in L1 (the NPU writes
// it), Y copied out by the cores.
const std::string kInt32 = "stage A L1 at root\nstage B L1 at root\nmemory acc L1\nnpu acc\n";

// Fused bias + requant: a job per tile of `rows` rows of Y, A's tile
// double-buffered into L1, Y's tile computed in L1 and written back.
std::string fused(int rows) {
    const std::string r = std::to_string(rows);
    return "tile Y m " + r + "\ncompute_at acc Y m_o\nmemory acc L1\nstage A L1 at Y m_o double_buffer\n"
           "stage B L1 at root\nstage Y L1 at Y m_o\nnpu acc\n";
}

std::string stage_epilogue(const std::map<std::string, std::string> &p) {
    std::string s;
    if (p.count("bias")) s += "stage C L1 at root\n";
    if (p.count("mul_shape") && p.at("mul_shape") != "1") s += "stage mul L1 at root\n";
    if (p.count("add_shape") && p.at("add_shape") != "1") s += "stage add L1 at root\n";
    return s;
}

// Generates, checks the report, runs on the model against the reference.
void run_npu_case(const std::string &name, const std::string &family, const std::map<std::string, std::string> &p,
                  const std::string &schedule, const std::string &must_report, std::mt19937 &rng,
                  bool all_on_npu = true) {
    SCOPED_TRACE(name + ": " + family + " " + describe_params(p) + "\n" + schedule);
    const GeneratorFamily &f = find_generator(family);
    Algorithm algo = f.build(ParamMap(family, f.params, p));
    Schedule s = Schedule::parse(schedule, name);
    GeneratedLibrary lib = run_generator(family, p, TargetDescription::named("cluster"), &s, name);
    EXPECT_NE(lib.report.find(must_report), std::string::npos) << lib.report;
    if (all_on_npu) EXPECT_EQ(lib.report.find("kept on the cores"), std::string::npos) << lib.report;
    RefInputs in;
    std::vector<SimInput> sim_in;
    for (const auto &t : algo.inputs) {
        const int64_t n = num_elements(t.type.shape);
        TypedBuffer b = t.type.name == "mul"   ? random_buffer(rng, t.type.type, n, -6, 6)
                        : t.type.name == "add" ? random_buffer(rng, t.type.type, n, -5000, 5000)
                        : t.type.type == ElemType::Int32 ? random_buffer(rng, t.type.type, n, -30000, 30000)
                                                         : random_buffer(rng, t.type.type, n);
        in[t.type.name] = to_ref(b, t.type.shape);
        sim_in.push_back({c_type_name(t.type.type), in[t.type.name].data});
    }
    auto flag = [&](const char *k) { return p.count(k) && p.at(k) == "1"; };
    halyard_ref::RequantParams rq;
    if (flag("requant")) rq = ref_requant(in, p);
    halyard_ref::Tensor expected;
    if (family == "gemm") {
        expected = halyard_ref::gemm(in.at("A"), in.at("B"), in.count("C") ? &in.at("C") : nullptr, 1, 1, false,
                                     flag("trans_b"), flag("requant") ? &rq : nullptr);
    } else {
        expected = halyard_ref::matmul(in.at("A"), in.at("B"), flag("requant") ? &rq : nullptr);
    }
    SimRun r = run_on_cluster(lib, sim_in, c_type_name(algo.output.type), expected.data);
    EXPECT_TRUE(r.ok) << r.log << "\nreport:\n" << lib.report;
    EXPECT_NE(r.log.find("halyard-sim: npu: "), std::string::npos) << r.log;
    std::cout << "[ npu      ] " << name << ": " << r.cycles << " cycles\n";
}

std::string dim(std::mt19937 &rng, int lo, int hi) { return std::to_string(std::uniform_int_distribution<int>(lo, hi)(rng)); }

}  // namespace

// REQUANT=0, no bias: int32 out into acc, at awkward and random shapes.
TEST(NpuOnCluster, GemmInt32AwkwardShapes) {
    std::mt19937 rng(test_seed() + 40);
    const std::vector<std::map<std::string, std::string>> shapes = {
        {{"M", "7"}, {"N", "13"}, {"K", "33"}},
        {{"M", "5"}, {"N", "3"}, {"K", "1"}},
        {{"M", "1"}, {"N", "21"}, {"K", "17"}, {"trans_b", "1"}},
        {{"M", dim(rng, 2, 40)}, {"N", dim(rng, 1, 40)}, {"K", dim(rng, 2, 70)}, {"a_type", "uint8"}},
        {{"M", dim(rng, 2, 40)}, {"N", dim(rng, 1, 40)}, {"K", dim(rng, 2, 70)}, {"trans_b", "1"}},
    };
    for (size_t i = 0; i < shapes.size(); i++) {
        run_npu_case("npu_i32_" + std::to_string(i), "gemm", shapes[i], kInt32, "stage acc: on the NPU", rng);
    }
}

// int32 out without requant: the job writes Y's L1 tile directly (with the
// bias when there is one), the DMA writes it back.
TEST(NpuOnCluster, GemmInt32IntoTheOutputTile) {
    std::mt19937 rng(test_seed() + 45);
    const std::vector<std::map<std::string, std::string>> cases = {
        {{"M", "12"}, {"N", "20"}, {"K", "30"}, {"trans_b", "1"}},
        {{"M", "6"}, {"N", "5"}, {"K", "11"}, {"bias", "5"}},
    };
    for (size_t i = 0; i < cases.size(); i++) {
        run_npu_case("npu_i32_tile_" + std::to_string(i), "gemm", cases[i], fused(3) + stage_epilogue(cases[i]),
                     "stages acc + Y: on the NPU, int32 out written into Y's L1 tile", rng);
    }
}

// Bias + RequantShift fused into the job (8-bit out), a job per tile of Y
// rows with A's tiles double-buffered: per column and per tensor, signed and
// unsigned output, B and B^T, N < 16, K = 1.
TEST(NpuOnCluster, GemmFusedRequantTiles) {
    std::mt19937 rng(test_seed() + 42);
    struct Case {
        std::map<std::string, std::string> p;
        int rows;
    };
    const std::vector<Case> cases = {
        {{{"M", "24"}, {"N", "20"}, {"K", "45"}, {"bias", "20"}, {"requant", "1"}, {"log2d", "6"},
          {"mul_shape", "20"}, {"add_shape", "20"}}, 8},
        {{{"M", "9"}, {"N", "12"}, {"K", "1"}, {"requant", "1"}, {"log2d", "0"}}, 3},
        {{{"M", "10"}, {"N", "36"}, {"K", "70"}, {"trans_b", "1"}, {"bias", "36"}, {"requant", "1"}, {"log2d", "9"},
          {"signed", "0"}, {"a_type", "uint8"}}, 5},
        {{{"M", "4"}, {"N", "8"}, {"K", dim(rng, 2, 130)}, {"bias", "8"}, {"requant", "1"}, {"log2d", "7"},
          {"rounding", "0"}, {"mul_shape", "8"}, {"add_shape", "8"}}, 2},
    };
    for (size_t i = 0; i < cases.size(); i++) {
        run_npu_case("npu_rq_" + std::to_string(i), "gemm", cases[i].p, fused(cases[i].rows) + stage_epilogue(cases[i].p),
                     "requant fused: one job per", rng);
    }
}

// N = 13: Y's L1 rows are 13 B apart, which the NPU cannot write; acc still
// goes to the NPU (int32 rows) and the requant stays on the cores, as the
// report says.
TEST(NpuOnCluster, GemmAwkwardNKeepsRequantOnTheCores) {
    std::mt19937 rng(test_seed() + 43);
    std::map<std::string, std::string> p = {{"M", "6"}, {"N", "13"}, {"K", "19"}, {"bias", "13"}, {"requant", "1"},
                                            {"log2d", "5"}};
    const std::string sched = fused(3) + stage_epilogue(p);
    run_npu_case("npu_rq_n13", "gemm", p, sched, "stage acc: on the NPU: one job per iteration of Y.s0.m.m_o", rng,
                 false);
    Schedule s = Schedule::parse(sched, "n13");
    const std::string r = run_generator("gemm", p, TargetDescription::named("cluster"), &s, "n13").report;
    EXPECT_NE(r.find("stage Y: kept on the cores: requant not fused into the NPU job: the rows of Y in L1 are 13 B "
                     "apart, not a multiple of 4 (npu.port_bytes)"),
              std::string::npos)
        << r;
}

// acc's own m loop tiled: the jobs of the tiles are submitted back to back
// through the job queue, one wait after the last.
TEST(NpuOnCluster, GemmJobsPerTileQueued) {
    std::mt19937 rng(test_seed() + 47);
    run_npu_case("npu_tiles_queued", "gemm", {{"M", "32"}, {"N", "20"}, {"K", "30"}, {"trans_b", "1"}},
                 "tile acc m 8\n" + kInt32, "stage acc: on the NPU: one job per iteration of acc.s1.m.m_o (M=8", rng);
}

// Batched MatMul: one job per batch, submitted back to back through the job
// queue, one wait for the last.
TEST(NpuOnCluster, MatMulBatchedJobsQueued) {
    std::mt19937 rng(test_seed() + 44);
    run_npu_case("npu_mm", "matmul", {{"a_shape", "3x5x9"}, {"b_shape", "9x7"}}, kInt32,
                 "stage acc: on the NPU: one job per iteration of acc.s1.b0 (M=5 N=7 K=9", rng);
}

// Batched MatMul with the requant fused: a job per head writes Y's L1 tile
// (A and B tiles double-buffered per head).
TEST(NpuOnCluster, MatMulFusedRequantPerHead) {
    std::mt19937 rng(test_seed() + 46);
    run_npu_case("npu_mm_rq", "matmul",
                 {{"a_shape", "3x5x9"}, {"b_shape", "3x9x12"}, {"requant", "1"}, {"log2d", "4"}},
                 "compute_at acc Y b0\nmemory acc L1\nstage A L1 at Y b0 double_buffer\n"
                 "stage B L1 at Y b0 double_buffer\nstage Y L1 at Y b0\nnpu acc\n",
                 "stages acc + Y: on the NPU, requant fused: one job per iteration of Y.s0.b0 (M=5 N=12 K=9", rng);
}

// The registry entry's reference loop nest (what the matcher proves loop
// nests equal to) equals the engine's bit-exact C++ model on random jobs.
TEST(NpuRegistry, ReferenceLoopNestEqualsTheEngineModel) {
    std::mt19937 rng(test_seed() + 41);
    auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int t = 0; t < 200; t++) {
        NpuJobEntry::Job j;
        npu::Job m;
        m.M = j.M = u(1, 9);
        m.N = j.N = u(1, 20);
        m.K = j.K = u(1, 40);
        m.a_unsigned = j.a_unsigned = u(0, 1);
        m.b_trans = j.b_trans = u(0, 1);
        m.requant = j.requant = u(0, 1);
        m.per_channel = j.per_channel = u(0, 1);
        m.round = j.round = u(0, 1);
        m.shift = j.shift = u(0, 31);
        m.has_bias = u(0, 1);
        std::vector<uint8_t> a(size_t(j.M * j.K));
        std::vector<int8_t> b(size_t(j.K * j.N));
        std::vector<int32_t> bias(size_t(j.N)), mul(size_t(j.N)), add(size_t(j.N));
        for (auto &x : a) x = uint8_t(u(0, 255));
        for (auto &x : b) x = int8_t(u(-128, 127));
        for (auto &x : bias) x = u(-100000, 100000);
        for (auto &x : mul) x = u(-70000, 70000);
        for (auto &x : add) x = u(-1 << 30, 1 << 30);
        const auto want = npu::run(m, a.data(), b.data(), m.has_bias ? bias.data() : nullptr, mul.data(), add.data());
        const auto got = npu_job_entry().reference(j, a.data(), b.data(), m.has_bias ? bias.data() : nullptr,
                                                   mul.data(), add.data());
        ASSERT_EQ(got, want) << "job " << t;
    }
}
