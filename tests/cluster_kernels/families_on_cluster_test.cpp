// Every generator family (the foundation ops and the Transformer layer
// library, default parameters) generated for the cluster with its default
// cluster schedule and run on the Verilator model, bit-exact against the same
// family generated for the host and compiled natively (which the host tests
// check bit-exactly against the independent reference).
#include <gtest/gtest.h>

#include <random>

#include "halyard/generator.h"
#include "halyard/harness/cluster_run.h"
#include "halyard/harness/jit.h"
#include "tensors.h"

using namespace halyard;
using namespace halyard::harness;
using namespace halyard_test;

namespace {

std::vector<std::string> family_names() {
    std::vector<std::string> names;
    for (const auto &f : generator_families()) names.push_back(f.name);
    return names;
}

// `family` with `params` (defaults for the rest) for `target` with its
// default schedule, on the model, bit-exact against the host build. Returns
// the cluster library (for its report) and, in `dma_bytes`, the bytes the
// DMA moved in the run.
GeneratedLibrary run_against_host(const std::string &family, const std::map<std::string, std::string> &params,
                                  const TargetDescription &target, const std::string &label,
                                  int64_t *dma_bytes = nullptr) {
    std::mt19937 rng(test_seed() + (uint32_t)std::hash<std::string>{}(label));
    const GeneratorFamily &f = find_generator(family);
    Algorithm algo = f.build(ParamMap(family, f.params, params));
    GeneratedLibrary host = run_generator(family, params, TargetDescription::named("host"), nullptr, "host_" + family);
    GeneratedLibrary cluster = run_generator(family, params, target, nullptr, "cluster_" + family);

    std::vector<TypedBuffer> buffers;
    std::vector<SimInput> sim_in;
    std::vector<void *> ptrs;
    for (const auto &in : algo.inputs) {
        TypedBuffer b = random_layer_input(rng, in.type.name, in.type.type, num_elements(in.type.shape));
        buffers.push_back(b);
    }
    for (auto &b : buffers) {
        ptrs.push_back(b.data());
        sim_in.push_back({c_type_name(b.type), b.values()});
    }
    TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
    ptrs.push_back(out.data());
    JitKernel kernel(host);
    EXPECT_EQ(kernel.call(ptrs), 0);
    const std::vector<int64_t> expected = out.values();

    SimRun r = run_on_cluster(cluster, sim_in, c_type_name(algo.output.type), expected, 100000000);
    EXPECT_TRUE(r.ok) << r.log << "\nreport:\n" << cluster.report;
    std::cout << "[ cluster  ] " << label << ": " << r.cycles << " cycles, " << r.dma_bytes << " DMA bytes\n";
    if (dma_bytes) *dma_bytes = (int64_t)r.dma_bytes;
    return cluster;
}

class FamilyOnCluster : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyOnCluster, MatchesHostBuild) {
    const std::string family = GetParam();
    run_against_host(family, {}, TargetDescription::named("cluster"), family + " (default parameters)");
}

// Row-wise and elementwise ops whose per-core slices do not fit the L1
// budget: the default schedule stages chunks of rows (the loop inside the
// parallel one tiled), and a row-wise op computes its statistics per chunk.
// Awkward sizes: 21 rows per head (chunks of 3), rows of 37 and 40 bytes.
TEST(DefaultSchedulesOnCluster, RowChunksStagedWhenSlicesDoNotFitL1) {
    const TargetDescription small = TargetDescription::named("cluster").with("l1.budget", "8192");
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
        {"isoftmax", {{"shape", "1x10x21x40"}}},
        {"requant_shift", {{"shape", "1x12x21x37"}, {"in_type", "int8"}, {"log2d", "5"}}},
        // An elementwise op chunked along its innermost loop (rows of 520: chunks of 104).
        {"ihardswish", {{"shape", "1x16x520"}, {"requant", "1"}, {"log2d", "8"}}},
        {"add", {{"a_shape", "1x12x21x37"}, {"b_shape", "1x21x37"}, {"requant", "1"}, {"log2d", "3"}}},
        // Attention's scores: the 4x2 kernel per head, chunks of 12 rows; 21 columns (a tail of the 2-wide tile).
        {"matmul", {{"a_shape", "1x9x24x8"}, {"b_shape", "1x9x21x8"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "6"}}},
    };
    for (const auto &[family, params] : cases) {
        SCOPED_TRACE(family);
        GeneratedLibrary lib = run_against_host(family, params, small, family + " in row chunks");
        const std::string chunk = family == "matmul" ? ".m_o in [" : ".d2_o in [";
        EXPECT_NE(lib.report.find(chunk), std::string::npos) << "expected a chunked loop:\n" << lib.report;
        EXPECT_EQ(lib.report.find("DMA transfers per call: 0 "), std::string::npos) << lib.report;
        if (family == "matmul") {
            EXPECT_NE(lib.report.find("gemm_int8_sdotp_4x2 (checked"), std::string::npos) << lib.report;
        }
    }
}

// A decode step's attention: a row or two per head. The scores run the 1x4
// kernel per head with the last 4-column tile shifted inwards (37 and 23
// columns), written back through an L1 tile that this overlap still covers
// densely; elementwise and row-wise ops unroll rows of 37 in groups of 4
// with a shifted last group. All bit-exact against the host build.
TEST(DefaultSchedulesOnCluster, DecodeAttentionShapes) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> gemvs = {
        {"one row", {{"a_shape", "1x7x1x8"}, {"b_shape", "1x7x37x8"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "6"}}},
        {"two rows", {{"a_shape", "1x5x2x12"}, {"b_shape", "1x5x23x12"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "5"}}},
    };
    for (const auto &[label, params] : gemvs) {
        SCOPED_TRACE(label);
        GeneratedLibrary lib = run_against_host("matmul", params, cluster, "batched GEMV, " + label);
        EXPECT_NE(lib.report.find("gemm_int8_sdotp_1x4 (checked"), std::string::npos) << lib.report;
        EXPECT_NE(lib.report.find("output Y: each iteration of Y.s0.b1 computes a"), std::string::npos) << lib.report;
    }
    GeneratedLibrary rq = run_against_host("requant_shift", {{"shape", "1x9x1x37"}, {"in_type", "int8"}, {"log2d", "4"}},
                                           cluster, "requant_shift, rows of 37");
    EXPECT_NE(rq.report.find("unroll y d3_i"), std::string::npos) << rq.report;
    run_against_host("isoftmax", {{"shape", "1x9x1x37"}}, cluster, "isoftmax, rows of 37");
    run_against_host("add", {{"a_shape", "1x9x1x37"}, {"b_shape", "1x1x37"}, {"requant", "1"}, {"log2d", "3"}},
                     cluster, "add with a broadcast mask, rows of 37");
}

// A decode step's attention at awkward sizes: KV length 1, 7, 33, 129, 255;
// head size 4, 6, 8, 16; head counts that the cores do not divide. The
// scores (Q x K^T) and the context (probabilities x V, V stored [kv, head
// size]: gemm_int8_sdotp_1x4_kn from K = 4 and 4 columns on, its K % 4 tail
// and a 6-column head's shifted last tile included), each head's slices
// double-buffered when a core walks several heads. Random data, bit-exact
// against the host build.
TEST(DefaultSchedulesOnCluster, DecodeAttentionAwkwardSizes) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    struct Shape {
        int heads, kv, d;
    };
    const std::vector<Shape> shapes = {{16, 1, 4},  {5, 7, 8},   {16, 129, 4}, {3, 255, 16},
                                       {9, 129, 16}, {8, 7, 4},  {16, 255, 8}, {7, 33, 6}};
    for (const Shape &sh : shapes) {
        const std::string h = std::to_string(sh.heads), kv = std::to_string(sh.kv), d = std::to_string(sh.d);
        const std::string label = h + " heads, KV " + kv + ", head size " + d;
        SCOPED_TRACE(label);
        run_against_host("matmul",
                         {{"a_shape", "1x" + h + "x1x" + d}, {"b_shape", "1x" + h + "x" + kv + "x" + d},
                          {"trans_b", "1"}, {"requant", "1"}, {"log2d", "6"}},
                         cluster, "decode scores, " + label);
        GeneratedLibrary ctx = run_against_host(
            "matmul",
            {{"a_shape", "1x" + h + "x1x" + kv}, {"b_shape", "1x" + h + "x" + kv + "x" + d}, {"requant", "1"}, {"log2d", "7"}},
            cluster, "decode context, " + label);
        if (sh.kv >= 4) {
            EXPECT_NE(ctx.report.find("gemm_int8_sdotp_1x4_kn (checked"), std::string::npos) << ctx.report;
        }
        if (sh.kv >= 4 && sh.heads > cluster.cores()) {
            EXPECT_NE(ctx.report.find("B_im_global_wrapper: DMA 1D " + std::to_string(sh.kv * sh.d) +
                                      " B from B, double-buffered"),
                      std::string::npos)
                << ctx.report;
        }
    }
    // Elementwise ops after a GEMV ([1, 1, n]: the innermost loop split over
    // the cores, slices of a few elements): their small inputs whole in L1.
    GeneratedLibrary mul = run_against_host(
        "mul", {{"a_shape", "1x1x255"}, {"b_shape", "1x1x255"}, {"requant", "1"}, {"log2d", "9"}}, cluster, "mul, [1, 1, 255]");
    EXPECT_NE(mul.report.find("stage A L1 at root"), std::string::npos) << mul.report;
    EXPECT_NE(mul.report.find("stage B L1 at root"), std::string::npos) << mul.report;
    run_against_host("requant_shift", {{"shape", "131"}, {"in_type", "int8"}, {"log2d", "4"}}, cluster,
                     "requant_shift, [131]");
}

// The attention mask's Add folded into the softmax (isoftmax x=add, as the
// network compiler maps Deeploy's Add -> iSoftmax): the Add's row computed
// per row into L1 where the max and exp passes read it, the mask broadcast
// over the heads and staged once. A prefill shape (the requantization
// tables filled once per call) and a decode shape (rows of 37, tables
// inlined), bit-exact against the host build.
TEST(DefaultSchedulesOnCluster, SoftmaxOfTheMaskAdd) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    auto params = [](const std::string &a, const std::string &b) {
        return std::map<std::string, std::string>{
            {"shape", a},          {"x", "add"},          {"x_a_shape", a},      {"x_b_shape", b},
            {"x_requant", "1"},    {"x_log2d", "4"},      {"x_a_requant", "1"},  {"x_a_log2d", "2"},
            {"out_requant", "1"},  {"out_log2d", "3"},    {"coeffB", "22"},      {"coeffC", "246"},
            {"log2", "16"}};
    };
    GeneratedLibrary prefill = run_against_host("isoftmax", params("1x8x33x40", "1x33x40"), cluster, "isoftmax of an Add, prefill");
    EXPECT_NE(prefill.report.find("compute_at x Y "), std::string::npos) << prefill.report;
    EXPECT_NE(prefill.report.find("compute_at x_requant_table root"), std::string::npos) << prefill.report;
    GeneratedLibrary decode = run_against_host("isoftmax", params("1x9x1x37", "37"), cluster, "isoftmax of an Add, decode");
    EXPECT_NE(decode.report.find("compute_at x_requant_table inline"), std::string::npos) << decode.report;
    // 8 KB of L1: the heads' rows and the mask are not staged, so a core's
    // share of x and e (16 KB) would not fit; every stage is computed per row.
    const TargetDescription small = cluster.with("l1.budget", "8192");
    GeneratedLibrary per_row = run_against_host("isoftmax", params("1x16x64x64", "1x64x64"), small, "isoftmax of an Add, 8 KB L1");
    EXPECT_NE(per_row.report.find("compute_at e Y d2\n"), std::string::npos) << per_row.report;
    // Its tables as inputs (the network compiler's constants): copied into L1
    // once per call even though nothing else is staged (read from L2, every
    // lookup would wait for it).
    auto with_tables = params("1x16x64x64", "1x64x64");
    with_tables["exp_table"] = "input";
    with_tables["requant_tables"] = "input";
    GeneratedLibrary tables = run_against_host("isoftmax", with_tables, small, "isoftmax of an Add, tables as inputs, 8 KB L1");
    for (const char *t : {"exp_table", "x_a_requant_table", "x_requant_table", "out_requant_table"}) {
        EXPECT_NE(tables.report.find(std::string("stage ") + t + " L1 at root"), std::string::npos) << t << "\n" << tables.report;
    }
}

// A KV append (concat along the sequence axis) on a target whose DMA copies
// L2 -> L2 (dma.l2_to_l2): no L1 staging; each head's past rows are one
// contiguous copy from X0 to Y in L2, which goes by DMA (at least
// dma.copy_min_bytes: 99 B runs into 102 B rows, so misaligned ends; a head
// per core and iteration), the new
// row is copied by the core. Runs shorter than dma.copy_min_bytes stay staged
// through L1, and so does the KV append on a target without L2 -> L2 copies.
TEST(DefaultSchedulesOnCluster, KvAppendCopiesL2ToL2ByDma) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    ASSERT_TRUE(cluster.dma_copies_l2_to_l2());
    const std::map<std::string, std::string> kv = {{"shapes", "1x9x33x3+1x9x1x3"}, {"axis", "-2"}};
    int64_t moved = 0;
    GeneratedLibrary direct = run_against_host("concat", kv, cluster, "KV append, L2 -> L2", &moved);
    EXPECT_EQ(direct.report.find("stage X0 L1"), std::string::npos) << direct.report;
    EXPECT_NE(direct.report.find("hy_copy"), std::string::npos) << direct.report;
    EXPECT_EQ(moved, 9 * 33 * 3) << "the past rows, by DMA, and nothing else";

    GeneratedLibrary shortruns = run_against_host("concat", {{"shapes", "1x10x5x2+1x10x3x2"}, {"axis", "-2"}}, cluster,
                                                  "concat of 10 and 6 B runs");
    EXPECT_NE(shortruns.report.find("stage X0 L1"), std::string::npos) << shortruns.report;

    GeneratedLibrary staged = run_against_host("concat", kv, cluster.with("dma.l2_to_l2", "0"),
                                               "KV append without dma.l2_to_l2");
    EXPECT_NE(staged.report.find("stage X0 L1"), std::string::npos) << staged.report;
}

// A transpose's per-iteration slice of X is a strided block: one 2-D DMA when
// the innermost axis is kept (attention's [tokens, heads, d] -> [heads,
// tokens, d]); a copy loop into L1 when it is not. Both bit-exact.
TEST(DefaultSchedulesOnCluster, TransposeSlicesStagedInL1) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    GeneratedLibrary kept = run_against_host("transpose", {{"shape", "1x21x10x6"}, {"perm", "0,2,1,3"}}, cluster,
                                             "transpose keeping the innermost axis");
    EXPECT_NE(kept.report.find("X_im_global_wrapper: DMA 2D 21 rows x 6 B"), std::string::npos) << kept.report;
    GeneratedLibrary moved = run_against_host("transpose", {{"shape", "1x9x13x10"}, {"perm", "0,3,2,1"}}, cluster,
                                              "transpose moving the innermost axis");
    EXPECT_NE(moved.report.find("stage X L1 at Y d1"), std::string::npos) << moved.report;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, FamilyOnCluster, ::testing::ValuesIn(family_names()),
                         [](const ::testing::TestParamInfo<std::string> &i) { return i.param; });

}  // namespace
