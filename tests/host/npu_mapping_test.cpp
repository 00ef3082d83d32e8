// The NPU mapping (map_npu_jobs) as the report tells it: which stages went to
// the NPU, and, for each case the NPU cannot take, the reason the loop nest
// stayed on the cores. Generation only (no simulation); the cluster runs are
// tests/cluster_kernels/npu_on_cluster_test.cpp.
#include <gtest/gtest.h>

#include "halyard/generator.h"
#include "halyard/npu_jobs.h"

using namespace halyard;

namespace {

std::string report_of(const std::map<std::string, std::string> &params, const std::string &schedule,
                      const std::string &family = "gemm") {
    Schedule s = Schedule::parse(schedule, "npu.sched");
    return run_generator(family, params, TargetDescription::named("cluster"), &s, "lib").report;
}

const std::map<std::string, std::string> kGemm = {{"M", "7"}, {"N", "13"}, {"K", "33"}};
const std::string kInt32 = "stage A L1 at root\nstage B L1 at root\nmemory acc L1\nnpu acc\n";

#define EXPECT_REPORTS(report, text) EXPECT_NE((report).find(text), std::string::npos) << (report)

}  // namespace

TEST(NpuMapping, Int32GemmGoesToTheNpu) {
    const std::string r = report_of(kGemm, kInt32);
    EXPECT_REPORTS(r, "stage acc: on the NPU: one job per call (M=7 N=13 K=33, int8 A x int8 B)");
    EXPECT_REPORTS(r, "N=13 < npu.pe_cols 16 leaves PEs idle");
    // Rows of the staged operands padded for the NPU's word strides.
    EXPECT_REPORTS(r, "input A staged with rows padded to 36 B: NPU operand rows are multiples of npu.port_bytes");
    EXPECT_REPORTS(r, "input B staged with rows padded to 16 B");
}

TEST(NpuMapping, OperandInL2StaysOnTheCores) {
    const std::string r = report_of(kGemm, "stage A L1 at root\nmemory acc L1\nnpu acc\n");
    EXPECT_REPORTS(r, "stage acc: kept on the cores: operand B (B) is the caller's buffer in L2 (stage it into L1)");
}

TEST(NpuMapping, AccumulatorInL2StaysOnTheCores) {
    const std::string r = report_of(kGemm, "stage A L1 at root\nstage B L1 at root\nnpu acc\n");
    EXPECT_REPORTS(r, "stage acc: kept on the cores: operand acc (the output) is in L2 (memory acc L1)");
}

TEST(NpuMapping, ParallelStageStaysOnTheCores) {
    const std::string r = report_of(
        kGemm, "parallel Y m\ncompute_at acc Y m\nmemory acc L1\nstage A L1 at root\nstage B L1 at root\nnpu acc\n");
    EXPECT_REPORTS(r, "stage acc: kept on the cores: it runs inside parallel loop");
    EXPECT_REPORTS(r, "NPU jobs are submitted from one core");
}

TEST(NpuMapping, SplitReductionStaysOnTheCores) {
    const std::string r = report_of({{"M", "7"}, {"N", "13"}, {"K", "32"}},
                                    "tile acc k 8\norder acc k_o m n k_i\n" + kInt32);
    EXPECT_REPORTS(r, "stage acc: kept on the cores: reduction loop acc.s1.k.k_o is split or outside the job's loops");
}

TEST(NpuMapping, TiledAccTailStaysOnTheCores) {
    const std::string r = report_of({{"M", "30"}, {"N", "20"}, {"K", "30"}}, "tile acc m 8\n" + kInt32);
    EXPECT_REPORTS(r, "stage acc: kept on the cores: its producer has 3 loop nests writing it");
    EXPECT_REPORTS(r, "tile by a factor that divides the extent");
}

TEST(NpuMapping, TransposedAStaysOnTheCores) {
    std::map<std::string, std::string> p = kGemm;
    p["trans_a"] = "1";
    const std::string r = report_of(p, kInt32);
    EXPECT_REPORTS(r, "stage acc: kept on the cores: operand A is not contiguous in k (stride 8)");
}

TEST(NpuMapping, TheRegistryEntryReadsItsLimitsFromTheTarget) {
    const NpuLimits l = npu_limits(TargetDescription::named("cluster"));
    const TargetDescription t = TargetDescription::named("cluster");
    EXPECT_EQ(l.max_k, t.get_int("npu.max_k"));
    EXPECT_EQ(l.pe_cols, t.get_int("npu.pe_cols"));
    EXPECT_EQ(l.job_queue, t.get_int("npu.job_queue"));
    EXPECT_TRUE(target_has_npu(t));
    EXPECT_FALSE(target_has_npu(TargetDescription::named("rv32")));
}

namespace {
const std::string kFused =
    "tile Y m 4\ncompute_at acc Y m_o\nmemory acc L1\nstage A L1 at Y m_o\nstage B L1 at root\nstage C L1 at root\n"
    "stage mul L1 at root\nstage add L1 at root\nstage Y L1 at Y m_o\nnpu acc\n";
}  // namespace

TEST(NpuMapping, FusedBiasRequant) {
    const std::string r = report_of({{"M", "8"}, {"N", "16"}, {"K", "20"}, {"bias", "16"}, {"requant", "1"},
                                     {"log2d", "4"}, {"mul_shape", "16"}, {"add_shape", "16"}},
                                    kFused);
    EXPECT_REPORTS(r, "stages acc + Y: on the NPU, bias + requant fused: one job per iteration of Y.s0.m.m_o (M=4 N=16 "
                      "K=20, int8 A x int8 B), int8 out, requant per column, shift 4, bias [N]");
}

TEST(NpuMapping, PerRowRequantStaysOnTheCores) {
    const std::string r = report_of({{"M", "8"}, {"N", "16"}, {"K", "20"}, {"bias", "16"}, {"requant", "1"},
                                     {"log2d", "4"}, {"mul_shape", "8x1"}, {"add_shape", "8x1"}},
                                    kFused);
    EXPECT_REPORTS(r, "stage acc: on the NPU");
    EXPECT_REPORTS(r, "stage Y: kept on the cores: requant not fused into the NPU job: mul is not per tensor or per "
                      "output column (per-row requantization is not supported by the NPU)");
}

TEST(NpuMapping, MixedPerColumnAndPerTensorStaysOnTheCores) {
    const std::string r = report_of({{"M", "8"}, {"N", "16"}, {"K", "20"}, {"bias", "16"}, {"requant", "1"},
                                     {"log2d", "4"}, {"mul_shape", "16"}},
                                    kFused);
    EXPECT_REPORTS(r, "mul is per column and add per tensor; the NPU takes both per column or both per tensor");
}

TEST(NpuMapping, BiasPerRowStaysOnTheCores) {
    const std::string r = report_of({{"M", "8"}, {"N", "16"}, {"K", "20"}, {"bias", "8x1"}, {"requant", "1"},
                                     {"log2d", "4"}},
                                    kFused);
    EXPECT_REPORTS(r, "requant not fused into the NPU job: C is not per tensor or per output column");
}

TEST(NpuMapping, OutputInL2StaysOnTheCores) {
    const std::string r = report_of({{"M", "8"}, {"N", "16"}, {"K", "20"}, {"requant", "1"}, {"log2d", "4"}},
                                    "stage A L1 at root\nstage B L1 at root\nmemory acc L1\nnpu acc\n");
    EXPECT_REPORTS(r, "stage acc: on the NPU");
    EXPECT_REPORTS(r, "stage Y: kept on the cores: requant not fused into the NPU job: this nest writes Y directly into "
                      "the caller's buffer in L2");
}

TEST(NpuMapping, HostChecksAndRunsThePlainLoops) {
    Schedule s = Schedule::parse(kInt32, "npu.sched");
    const std::string r = run_generator("gemm", kGemm, TargetDescription::named("host"), &s, "lib").report;
    EXPECT_REPORTS(r, "npu mapping of acc checked; host runs the plain loop nest");
    EXPECT_REPORTS(r, "stage acc: npu mapping checked; target host runs the plain loop nest");
}

namespace {
TargetDescription with_weight_memory() { return TargetDescription::named("cluster").with("npu.weight_mem_bytes", "65536"); }
}  // namespace

// A GEMV whose weights stay in the NPU weight memory: the jobs read B (and
// bias, per-column mul/add) in place, so nothing stages them by DMA.
TEST(NpuMapping, ResidentWeightsAreReadInPlace) {
    const std::map<std::string, std::string> p = {{"M", "1"}, {"N", "64"}, {"K", "64"}, {"trans_b", "1"},
                                                  {"bias", "64"}, {"requant", "1"}, {"log2d", "6"},
                                                  {"mul_shape", "64"}, {"add_shape", "64"}};
    const TargetDescription t = with_weight_memory();
    const GeneratorFamily &fam = find_generator("gemm");
    const Algorithm algo = fam.build(ParamMap("gemm", fam.params, p));
    const std::optional<Schedule> s = npu_schedule(algo, t, {"B", "C", "mul", "add"});
    ASSERT_TRUE(s);
    const std::string text = s->to_text();
    EXPECT_NE(text.find("memory B npu_weights\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("stage B"), std::string::npos) << text;
    EXPECT_EQ(text.find("stage C"), std::string::npos) << text;
    const GeneratedLibrary lib = run_generator("gemm", p, t, &*s, "lib");
    EXPECT_REPORTS(lib.report, "stages acc + Y: on the NPU, bias + requant fused");
    EXPECT_REPORTS(lib.report, "input B read in place from the NPU weight memory");
    EXPECT_EQ(lib.npu_weight_inputs, (std::set<std::string>{"B", "C", "add", "mul"}));
    EXPECT_REPORTS(lib.header, "B: int8[64, 64]  (in the NPU weight memory: define it HL_NPU_WEIGHTS)");
    EXPECT_EQ(lib.c_source.find("B_im_global_wrapper"), std::string::npos);  // B is never copied
    // Without a weight memory there is no such schedule.
    EXPECT_FALSE(npu_schedule(algo, TargetDescription::named("cluster").with("npu.weight_mem_bytes", "0"), {"B"}));
}

TEST(NpuMapping, ActivationInTheWeightMemoryStaysOnTheCores) {
    const std::string r = [&] {
        Schedule s = Schedule::parse("memory A npu_weights\nstage B L1 at root\nmemory acc L1\nnpu acc\n", "npu.sched");
        return run_generator("gemm", kGemm, with_weight_memory(), &s, "lib").report;
    }();
    EXPECT_REPORTS(r, "stage acc: kept on the cores: operand A (A) is in the NPU weight memory, from which the engine "
                      "reads only B, bias and per-column mul/add");
}
