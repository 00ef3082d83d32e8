// Each op the network compiler maps, as a small graph in both of its ONNX
// forms (attributes in older opsets, constant inputs in newer ones), through
// halyard-run on the host (and on the cluster model when the build has it),
// bit-exact against the independent reference's graph runner
// (tests/reference). Shapes are awkward (odd, prime, 4-D with batch 1).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>

#include "halyard/harness/harness.h"
#include "halyard/io/npz.h"
#include "halyard/network/runner.h"
#include "halyard_ref/graph_runner.h"
#include "model_builder.h"

using namespace halyard;
using halyard_test::ModelBuilder;

// A test that runs on the cluster model: without one it fails under CI=true
// (a missing tool must not pass unnoticed), else it is skipped.
#define REQUIRE_CLUSTER_MODEL()                                                                   \
    do {                                                                                          \
        if (!harness::have_cluster()) {                                                           \
            const char *ci = std::getenv("CI");                                                   \
            if (ci && std::string(ci) == "true") FAIL() << "CI=true but this build has no cluster model"; \
            GTEST_SKIP() << "no cluster model in this build";                                     \
        }                                                                                         \
    } while (0)

namespace {

uint32_t seed() {
    const char *s = std::getenv("HALYARD_TEST_SEED");
    return s ? (uint32_t)std::strtoul(s, nullptr, 0) : 20261201u;
}

// Runs `b` (graph input "x" of `shape`, random int8 values) through the
// reference and through halyard-run on `target`; returns the result.
network::RunResult run_case(const ModelBuilder &b, const std::vector<int64_t> &shape, const std::string &target,
                            decltype(network::RunOptions::schedule_provider) provider = {}, bool prefetch_weights = true) {
    std::mt19937 rng(seed());
    std::uniform_int_distribution<int> v(-128, 127);
    int64_t n = 1;
    for (auto d : shape) n *= d;
    std::vector<int64_t> x(n);
    for (auto &e : x) e = v(rng);
    x[0] = -128;  // the type is int8 whatever the draw
    const std::string bytes = b.bytes();
    const io::OnnxGraph g = io::parse_onnx(std::vector<uint8_t>(bytes.begin(), bytes.end()), "case.onnx");
    auto values = halyard_ref::run_graph(g, {{"x", halyard_ref::Tensor(shape, x)}});
    const std::string dir = harness::scratch_dir();
    std::ofstream(dir + "/network.onnx", std::ios::binary) << bytes;
    io::NpzFile in, out;
    in.arrays.push_back(io::make_npy("arr_0", io::DType::Int64, shape, x));
    for (size_t k = 0; k < g.outputs.size(); k++) {
        const auto &t = values.at(g.outputs[k].name);
        out.arrays.push_back(io::make_npy("arr_" + std::to_string(k), io::DType::Int64, t.shape, t.data));
    }
    io::write_npz(dir + "/inputs.npz", in);
    io::write_npz(dir + "/outputs.npz", out);
    network::RunOptions o;
    o.dir = dir;
    o.target = target;
    o.schedule_provider = provider;
    // These cases test the cores' paths (weight prefetch, attention kernels,
    // DMA): no NPU unless the case passes the NPU's provider.
    o.use_npu = false;
    o.prefetch_weights = prefetch_weights;
    return network::run_test_folder(o);
}

void check(const std::string &what, const std::function<ModelBuilder()> &make, const std::vector<int64_t> &shape) {
    SCOPED_TRACE(what + " (seed " + std::to_string(seed()) + ")");
    std::vector<std::string> targets = {"host"};
    if (harness::have_cluster()) targets.push_back("cluster");
    for (const auto &t : targets) {
        network::RunResult r = run_case(make(), shape, t);
        EXPECT_EQ(r.errors, 0) << t << ": " << r.first_mismatch;
        EXPECT_GT(r.total, 0);
        EXPECT_GE(r.program.steps.size(), 1u);
    }
}

// x -> <node> -> y
ModelBuilder one_node(const std::vector<int64_t> &shape, const std::string &op, std::vector<std::string> inputs,
                      const std::function<void(ModelBuilder &, onnx::NodeProto *)> &configure) {
    ModelBuilder b;
    b.input("x", shape).output("y");
    inputs.insert(inputs.begin(), "x");
    auto *n = b.node(op, op + "_0", inputs, {"y"});
    configure(b, n);
    return b;
}

}  // namespace

TEST(NetworkOps, SubWithBroadcastAndFusedRequant) {
    check("Sub", [] {
        ModelBuilder b = one_node({1, 3, 7, 5}, "Sub", {"c"}, [](ModelBuilder &m, onnx::NodeProto *) {
            m.constant("c", {5}, {3, -7, 100, -128, 0});
        });
        return b;
    }, {1, 3, 7, 5});
    check("Sub + RequantShift", [] {
        ModelBuilder b;
        b.input("x", {2, 9}).output("y");
        b.constant("c", {1, 9}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        b.node("Sub", "sub", {"x", "c"}, {"d"});
        b.requant("rq", "d", "y", 7, -3, 4);
        return b;
    }, {2, 9});
}

TEST(NetworkOps, ReduceSumAndMeanInBothForms) {
    check("ReduceSum axes attribute", [] {
        return one_node({1, 5, 7}, "ReduceSum", {}, [](ModelBuilder &, onnx::NodeProto *n) { ModelBuilder::ints(n, "axes", {-1}); });
    }, {1, 5, 7});
    check("ReduceSum axes input, keepdims 0", [] {
        return one_node({3, 4, 5}, "ReduceSum", {"axes"}, [](ModelBuilder &m, onnx::NodeProto *n) {
            m.constant_i64("axes", {0, 2});
            ModelBuilder::attr(n, "keepdims", 0);
        });
    }, {3, 4, 5});
    check("ReduceMean keepdims 1", [] {
        return one_node({1, 6, 5, 3}, "ReduceMean", {}, [](ModelBuilder &, onnx::NodeProto *n) { ModelBuilder::ints(n, "axes", {1, 2}); });
    }, {1, 6, 5, 3});
    check("ReduceMean keepdims 0, power-of-two count", [] {
        return one_node({7, 8}, "ReduceMean", {}, [](ModelBuilder &, onnx::NodeProto *n) {
            ModelBuilder::ints(n, "axes", {1});
            ModelBuilder::attr(n, "keepdims", 0);
        });
    }, {7, 8});
    check("IntegerMean", [] {
        return one_node({1, 4, 11}, "IntegerMean", {}, [](ModelBuilder &, onnx::NodeProto *n) {
            ModelBuilder::ints(n, "axes", {2});
            ModelBuilder::attr(n, "keepdims", 0);
        });
    }, {1, 4, 11});
}

TEST(NetworkOps, ITAPartialMax) {
    check("ITAPartialMax", [] {
        return one_node({1, 3, 13, 16}, "ITAPartialMax", {}, [](ModelBuilder &, onnx::NodeProto *n) {
            ModelBuilder::attr(n, "group_width", 4);
            ModelBuilder::attr(n, "n_levels", 256);
        });
    }, {1, 3, 13, 16});
}

TEST(NetworkOps, SliceInBothForms) {
    check("Slice inputs with steps", [] {
        return one_node({1, 9, 7}, "Slice", {"s", "e", "a", "st"}, [](ModelBuilder &m, onnx::NodeProto *) {
            m.constant_i64("s", {1, -6});
            m.constant_i64("e", {8, 1000});
            m.constant_i64("a", {1, 2});
            m.constant_i64("st", {2, 1});
        });
    }, {1, 9, 7});
    check("Slice attributes", [] {
        return one_node({5, 6}, "Slice", {}, [](ModelBuilder &, onnx::NodeProto *n) {
            ModelBuilder::ints(n, "starts", {1});
            ModelBuilder::ints(n, "ends", {4});
            ModelBuilder::ints(n, "axes", {0});
        });
    }, {5, 6});
}

TEST(NetworkOps, PadInBothForms) {
    check("Pad inputs", [] {
        return one_node({1, 3, 5, 4}, "Pad", {"p", "v"}, [](ModelBuilder &m, onnx::NodeProto *) {
            m.constant_i64("p", {0, 0, 1, 2, 0, 1, 0, 3});
            m.constant("v", {}, {-5});
        });
    }, {1, 3, 5, 4});
    check("Pad attributes", [] {
        return one_node({3, 7}, "Pad", {}, [](ModelBuilder &, onnx::NodeProto *n) {
            ModelBuilder::ints(n, "pads", {2, 0, 1, 1});
            ModelBuilder::str(n, "mode", "constant");
        });
    }, {3, 7});
}

TEST(NetworkOps, GatherWithConstantIndices) {
    check("Gather indices [3]", [] {
        return one_node({4, 6, 5}, "Gather", {"i"}, [](ModelBuilder &m, onnx::NodeProto *n) {
            m.constant_i64("i", {5, 0, -1});
            ModelBuilder::attr(n, "axis", 1);
        });
    }, {4, 6, 5});
    check("Gather scalar index", [] {
        return one_node({7, 3}, "Gather", {"i"}, [](ModelBuilder &m, onnx::NodeProto *) { m.constant_i64_shaped("i", {}, {2}); });
    }, {7, 3});
}

// Views: no kernel of their own; the RequantShift behind them reads the bytes.
TEST(NetworkOps, SqueezeUnsqueezeFlattenAreViews) {
    check("Unsqueeze -> Squeeze -> Flatten -> RequantShift", [] {
        ModelBuilder b;
        b.input("x", {3, 1, 5}).output("y");
        auto *u = b.node("Unsqueeze", "u", {"x"}, {"a"});
        ModelBuilder::ints(u, "axes", {0});
        b.constant_i64("sq_axes", {2});
        b.node("Squeeze", "s", {"a", "sq_axes"}, {"c"});
        auto *f = b.node("Flatten", "f", {"c"}, {"d"});
        ModelBuilder::attr(f, "axis", 1);
        b.requant("rq", "d", "y", 5, 2, 8);
        return b;
    }, {3, 1, 5});
}

// A batched MatMul whose B is computed as [..., K, N] reads B^T from a
// Transpose the compiler inserts (transpose_matmul_operand) when K is a
// multiple of 4 and at least 16; at K = 12 it keeps reading B as it is.
TEST(NetworkOps, ComputedMatMulOperandIsTransposedForTheKernels) {
    for (int64_t k : {20, 12}) {
        const std::vector<int64_t> shape = {1, 3, k, 7};  // x is B before a RequantShift: [1, 3, K, N]
        auto make = [k] {
            ModelBuilder b;
            b.input("x", {1, 3, k, 7}).output("y");
            std::vector<float> a(3 * 5 * k);
            for (size_t i = 0; i < a.size(); i++) a[i] = (float)((int)(i * 37 % 255) - 127);
            b.constant("a", {1, 3, 5, k}, a);
            b.requant("rq_b", "x", "b", 3, 1, 2);
            b.node("MatMul", "mm", {"a", "b"}, {"s"});
            b.requant("rq", "s", "y", 3, -5, 512);
            return b;
        };
        check("MatMul [1,3,5,K] x computed [1,3,K,7], K " + std::to_string(k), make, shape);
        network::RunResult r = run_case(make(), shape, "host");
        bool transposed = false, trans_b = false;
        for (const auto &s : r.program.steps) {
            if (s.family == "transpose") transposed = true;
            if (s.family == "matmul" && s.params.find("trans_b=1") != std::string::npos) trans_b = true;
        }
        EXPECT_EQ(transposed, k == 20) << "K " << k;
        EXPECT_EQ(trans_b, k == 20) << "K " << k;
    }
}

// The attention mask's Add (a computed operand plus a constant mask
// broadcast over the heads, requantized to int8) whose only reader is an
// iSoftmax is folded into the softmax (fuse_add_into_softmax: isoftmax
// x=add, no add kernel); an Add another node also reads stays a kernel.
// Bit-exact against the reference on the host and the cluster.
TEST(NetworkOps, MaskAddFusedIntoSoftmax) {
    const std::vector<int64_t> shape = {1, 3, 5, 37};
    auto make = [](bool shared) {
        ModelBuilder b;
        b.input("x", {1, 3, 5, 37}).output("y");
        b.requant("rq_x", "x", "q", 3, -20, 4);
        std::vector<float> mask(5 * 37);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 37; j++) mask[i * 37 + j] = j > 7 * i + 3 ? -128.f : (float)(j % 5);
        b.constant("mask", {5, 37}, mask);
        b.node("Add", "mask_add", {"q", "mask"}, {"s"});
        b.requant("rq_s", "s", "s8", 5, 1, 4);
        auto *sm = b.node("iSoftmax", "softmax", {"s8"}, {"p"});
        for (auto [k, v] : std::vector<std::pair<const char *, int64_t>>{
                 {"coeffA", 1}, {"coeffB", 22}, {"coeffC", 246}, {"log2", 16}, {"n_levels", 256}})
            ModelBuilder::attr(sm, k, v);
        b.requant("rq_p", "p", "y", 3, -200, 4);
        if (shared) {
            b.output("z");
            b.node("Add", "reuse", {"s8", "s8"}, {"z"});
        }
        return b;
    };
    for (bool shared : {false, true}) {
        const std::string what = shared ? "Add read twice" : "Add -> iSoftmax";
        check(what, [&] { return make(shared); }, shape);
        network::RunResult r = run_case(make(shared), shape, "host");
        bool fused = false, add_kernel = false, tables_constant = true;
        for (const auto &st : r.program.steps) {
            if (st.family == "isoftmax" && st.params.find("x=add") != std::string::npos) fused = true;
            if (st.family == "add" && st.params.find("b_shape=5x37") != std::string::npos) add_kernel = true;
            // 555 elements, per-tensor constant mul and add: the requantization
            // tables are constants of the program (bind_requant_tables).
            const bool has_tables = st.family == "isoftmax" || st.params.find("b_shape=5x37") != std::string::npos;
            if (has_tables && st.params.find("requant_tables=input") == std::string::npos) {
                tables_constant = false;
            }
        }
        EXPECT_EQ(fused, !shared) << what;
        EXPECT_EQ(add_kernel, shared) << what;
        EXPECT_TRUE(tables_constant) << what;
    }
}

// RequantShifts the compiler fuses into the node beside them: after an
// iSoftmax (its out_requant), and before an Add on either operand (a_requant,
// b_requant) when that operand is computed. Awkward rows (37) and a
// per-channel multiplier on one of them.
TEST(NetworkOps, RequantShiftsFusedIntoSoftmaxAndAddOperands) {
    const std::vector<int64_t> shape = {1, 3, 5, 37};
    auto make = [](bool b_side) {
        ModelBuilder b;
        b.input("x", {1, 3, 5, 37}).output("y");
        auto *sm = b.node("iSoftmax", "softmax", {"x"}, {"p"});
        for (auto [k, v] : std::vector<std::pair<const char *, int64_t>>{
                 {"coeffA", 1}, {"coeffB", 345}, {"coeffC", 62395}, {"log2", 255}, {"n_levels", 256}})
            ModelBuilder::attr(sm, k, v);
        b.requant("rq_p", "p", "q", 3, -200, 4);  // uint8 probabilities -> int8
        // h: computed (requantized already), then requantized again before the Add.
        std::vector<float> c(37);
        for (int i = 0; i < 37; i++) c[i] = (float)(i * 7 % 50 - 25);
        b.constant("c", {37}, c);
        b.node("Add", "add_c", {"q", "c"}, {"h0"});
        b.requant("rq_h0", "h0", "h", 5, 3, 4);
        b.constant("rq_h.mul", {37}, c);
        b.constant("rq_h.add", {}, {11.f});
        auto *rq = b.node("RequantShift", "rq_h", {"h", "rq_h.mul", "rq_h.add"}, {"r"});
        ModelBuilder::attr(rq, "div", 32);
        ModelBuilder::attr(rq, "n_levels", 256);
        ModelBuilder::attr(rq, "signed", 1);
        if (b_side) {
            b.node("Add", "add", {"q", "r"}, {"s"});
        } else {
            b.node("Add", "add", {"r", "q"}, {"s"});
        }
        b.requant("rq_s", "s", "y", 9, 1, 16);
        return b;
    };
    for (bool b_side : {false, true}) {
        check(std::string("iSoftmax -> RequantShift, Add of a requantized ") + (b_side ? "B" : "A"),
              [&] { return make(b_side); }, shape);
        network::RunResult r = run_case(make(b_side), shape, "host");
        bool softmax_rq = false, operand_rq = false;
        for (const auto &s : r.program.steps) {
            if (s.family == "isoftmax" && s.params.find("out_requant=1") != std::string::npos) softmax_rq = true;
            if (s.family == "add" && s.params.find(b_side ? "b_requant=1" : "a_requant=1") != std::string::npos) {
                operand_rq = true;
            }
        }
        EXPECT_TRUE(softmax_rq);
        EXPECT_TRUE(operand_rq);
    }
}

// --npu on a cluster with an NPU weight memory: the projections' weights are
// constants defined HL_NPU_WEIGHTS, the GEMV (one row) and the GEMM (6 rows)
// run on the NPU reading them in place, bit-exact against the reference.
TEST(NetworkOps, NpuReadsProjectionWeightsFromItsWeightMemory) {
    REQUIRE_CLUSTER_MODEL();
    for (int64_t rows : {1, 6}) {
        const std::vector<int64_t> shape = {1, rows, 64};
        auto make = [&] {
            ModelBuilder b;
            b.input("x", shape).output("y");
            std::vector<float> w(64 * 48);
            for (size_t i = 0; i < w.size(); i++) w[i] = (float)((int)(i * 53 % 251) - 125);
            b.constant("w", {64, 48}, w);
            b.node("MatMul", "proj", {"x", "w"}, {"s"});
            b.requant("rq", "s", "y", 5, 3, 4096);
            return b;
        };
        SCOPED_TRACE("rows " + std::to_string(rows));
        network::RunResult r = run_case(make(), shape, "cluster", network::npu_schedule_for_kernel);
        EXPECT_EQ(r.errors, 0) << r.first_mismatch;
        EXPECT_GT(r.total, 0);
        EXPECT_EQ(r.program.npu_weight_bytes, 64 * 48);
        EXPECT_NE(r.program.source.find("HL_NPU_WEIGHTS"), std::string::npos);
        EXPECT_NE(r.program.report.find("npu (npu_schedule, weights in the NPU weight memory, estimated"), std::string::npos)
            << r.program.report;
        bool b_resident = false;
        for (const auto &k : r.program.kernels) b_resident = b_resident || (k.npu_weight_inputs.count("B") && !k.stages_on_npu.empty());
        EXPECT_TRUE(b_resident);
    }
}

// KV-cache appends by DMA (compile_network.cpp, concat_by_dma): a Concat of
// a cache that is ready at the start (a constant here) and a new row goes
// across in the background, the call copies the row. One appended cache is a
// graph output, one an intermediate a RequantShift reads (its arena bytes
// kept from the copy's start), one along the last axis (rows of 3 and 1
// bytes), one with the new row before the cache; with and without the
// prefetch, bit-exact on the model.
TEST(NetworkOps, KvAppendsAreCopiedByDma) {
    REQUIRE_CLUSTER_MODEL();
    const std::vector<int64_t> shape = {1, 5, 1, 3};
    auto make = [&] {
        ModelBuilder b;
        b.input("x", shape).output("present").output("y1").output("y2").output("y3");
        auto cache = [&](const std::string &name, std::vector<int64_t> dims, int salt) {
            int64_t n = 1;
            for (auto d : dims) n *= d;
            std::vector<float> v(n);
            for (int64_t i = 0; i < n; i++) v[i] = (float)((int)((i * (37 + salt) + 11 * salt) % 255) - 127);
            b.constant(name, dims, v);
        };
        cache("past0", {1, 5, 7, 3}, 0);
        cache("past1", {1, 5, 9, 3}, 1);
        cache("past2", {1, 5, 1, 2}, 2);
        cache("past3", {1, 5, 6, 3}, 3);
        b.requant("rq_new", "x", "new", 3, 1, 2);
        ModelBuilder::attr(b.node("Concat", "append0", {"past0", "new"}, {"present"}), "axis", 2);
        ModelBuilder::attr(b.node("Concat", "append1", {"past1", "new"}, {"kv1"}), "axis", -2);
        b.requant("rq1", "kv1", "y1", 5, 2, 4);
        ModelBuilder::attr(b.node("Concat", "append2", {"past2", "x"}, {"kv2"}), "axis", 3);
        b.requant("rq2", "kv2", "y2", 7, 0, 8);
        // The new row first, the cache after it (halyard-llm's graphs).
        ModelBuilder::attr(b.node("Concat", "append3", {"new", "past3"}, {"y3"}), "axis", 2);
        return b;
    };
    for (bool prefetch : {true, false}) {
        SCOPED_TRACE(prefetch ? "prefetch" : "no prefetch");
        network::RunResult r = run_case(make(), shape, "cluster", {}, prefetch);
        EXPECT_EQ(r.errors, 0) << r.first_mismatch;
        EXPECT_GT(r.total, 0);
        size_t n = 0;
        for (size_t at = r.program.report.find("KV append by DMA"); at != std::string::npos;
             at = r.program.report.find("KV append by DMA", at + 1)) {
            n++;
        }
        EXPECT_EQ(n, prefetch ? 4u : 0u) << r.program.report;
    }
}

// Constant prefetch (plan_weight_prefetch.h): three projections in a chain,
// each weight read by one node; their weights come into L1 by background DMA
// while the calls before run, and the kernels read them in place (rows of 64
// padded across the banks, rows of 48 and 96 not). Bit-exact with the
// prefetch and without it, one row (decode) and five.
TEST(NetworkOps, PrefetchedWeightsAreReadFromL1) {
    REQUIRE_CLUSTER_MODEL();
    for (int64_t rows : {1, 5}) {
        const std::vector<int64_t> shape = {1, rows, 64};
        auto make = [&] {
            ModelBuilder b;
            b.input("x", shape).output("y");
            const int64_t dims[] = {64, 48, 96, 64};
            std::string in = "x";
            for (int l = 0; l < 3; l++) {
                const int64_t K = dims[l], N = dims[l + 1];
                std::vector<float> w(K * N);
                for (size_t i = 0; i < w.size(); i++) w[i] = (float)((int)((i * (53 + 6 * l) + 17 * l) % 251) - 125);
                const std::string tag = std::to_string(l);
                b.constant("w" + tag, {K, N}, w);
                b.node("MatMul", "proj" + tag, {in, "w" + tag}, {"s" + tag});
                const std::string out = l == 2 ? "y" : "h" + tag;
                b.requant("rq" + tag, "s" + tag, out, 5 + l, 3, 4096);
                in = out;
            }
            return b;
        };
        SCOPED_TRACE("rows " + std::to_string(rows));
        network::RunResult on = run_case(make(), shape, "cluster");
        EXPECT_EQ(on.errors, 0) << on.first_mismatch;
        EXPECT_GT(on.total, 0);
        if (rows == 1) {
            // B^T (N x K) of each: rows of K = 64 padded to 68 B; all three
            // fit the ring at once, so every copy starts with the run.
            EXPECT_EQ(on.program.prefetched_weight_bytes, 48 * 68 + 96 * 48 + 64 * 96) << on.program.report;
            EXPECT_NE(on.program.source.find("hl_dma_2d_background"), std::string::npos);
            EXPECT_NE(on.program.report.find("constant prefetch: call 2 (node 4 'proj2' (MatMul)) reads B 'w2__nk' (6144 B at L1 +"),
                      std::string::npos)
                << on.program.report;
            EXPECT_NE(on.program.report.find("in place, copied in the background from the start of the run"), std::string::npos);
            int in_l1 = 0;
            for (const auto &k : on.program.kernels) in_l1 += (int)k.l1_inputs.count("B");
            EXPECT_EQ(in_l1, 3);
        }
        network::RunResult off = run_case(make(), shape, "cluster", {}, false);
        EXPECT_EQ(off.errors, 0) << off.first_mismatch;
        EXPECT_EQ(off.program.prefetched_weight_bytes, 0);
        EXPECT_EQ(off.program.source.find("hl_dma_2d_background"), std::string::npos);
    }
}
