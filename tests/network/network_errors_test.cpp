// The network compiler on small graphs made here: bad models, vectors and
// options stop with a message naming the file, node, tensor and sizes; the
// memory plan reuses bytes; views, sorting and output copies run correctly.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "halyard/harness/harness.h"
#include "halyard/io/npz.h"
#include "halyard/network/network.h"
#include "halyard/network/runner.h"
#include "model_builder.h"

using namespace halyard;
using halyard_test::ModelBuilder;

namespace {

std::string temp_dir() { return harness::scratch_dir(); }

void write(const std::string &path, const std::string &bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// A Deeploy-format folder: network.onnx, inputs.npz, outputs.npz.
std::string folder(const ModelBuilder &b, const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> &ins,
                   const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> &outs) {
    const std::string dir = temp_dir();
    write(dir + "/network.onnx", b.bytes());
    io::NpzFile in, out;
    for (size_t i = 0; i < ins.size(); i++)
        in.arrays.push_back(io::make_npy("arr_" + std::to_string(i), io::DType::Int64, ins[i].first, ins[i].second));
    for (size_t i = 0; i < outs.size(); i++)
        out.arrays.push_back(io::make_npy("arr_" + std::to_string(i), io::DType::Int64, outs[i].first, outs[i].second));
    io::write_npz(dir + "/inputs.npz", in);
    io::write_npz(dir + "/outputs.npz", out);
    return dir;
}

std::string model_file(const ModelBuilder &b) {
    const std::string p = temp_dir() + "/network.onnx";
    write(p, b.bytes());
    return p;
}

// The message of what `f` throws (std::exception), or "" when it does not throw.
std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "";
}

network::NetworkOptions host() {
    network::NetworkOptions o;
    o.target = "host";
    return o;
}

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg) << "\nlacks: " << (part)

}  // namespace

TEST(NetworkErrors, TruncatedOnnxNamesTheFile) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y").requant("rq", "x", "y", 1, 0, 1);
    const std::string bytes = b.bytes();
    const std::string p = temp_dir() + "/cut.onnx";
    write(p, bytes.substr(0, bytes.size() / 2));
    const std::string msg = error_of([&] { network::compile_onnx(p, host()); });
    EXPECT_HAS(msg, p);
    EXPECT_HAS(msg, "truncated or corrupt");
}

TEST(NetworkErrors, UnknownOpsAreListedAllAtOnce) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("z");
    b.node("Foo", "first_bad", {"x"}, {"a"});
    b.requant("rq", "a", "b", 1, 0, 1);
    b.node("Bar", "second_bad", {"b"}, {"z"});
    const std::string p = model_file(b);
    const std::string msg = error_of([&] { network::compile_onnx(p, host()); });
    EXPECT_HAS(msg, p);
    EXPECT_HAS(msg, "2 nodes with an op type Halyard cannot compile");
    EXPECT_HAS(msg, "node 0 'first_bad' (Foo)");
    EXPECT_HAS(msg, "node 2 'second_bad' (Bar)");
}

TEST(NetworkErrors, MissingInputNamesTheTensor) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y");
    b.node("Add", "add0", {"x", "nope"}, {"y"});
    const std::string p = model_file(b);
    const std::string msg = error_of([&] { network::compile_onnx(p, host()); });
    EXPECT_HAS(msg, "node 0 'add0' (Add)");
    EXPECT_HAS(msg, "input 1 'nope' is not a graph input");
}

TEST(NetworkErrors, NpzShapeMismatchNamesArrayAndInput) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y").requant("rq", "x", "y", 1, 0, 1);
    const std::string dir = folder(b, {{{5}, {1, 2, 3, 4, 5}}}, {{{4, 8}, std::vector<int64_t>(32, 0)}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    const std::string msg = error_of([&] { network::run_test_folder(o); });
    EXPECT_HAS(msg, dir + "/inputs.npz");
    EXPECT_HAS(msg, "'arr_0'");
    EXPECT_HAS(msg, "graph input 'x' is [4,8]");
}

TEST(NetworkErrors, NpzNonIntegerValuesNameTheEntry) {
    ModelBuilder b;
    b.input("x", {2}).output("y").requant("rq", "x", "y", 1, 0, 1);
    const std::string dir = folder(b, {{{2}, {1, 2}}}, {{{2}, {1, 2}}});
    io::NpzFile bad;
    io::NpyArray a = io::make_npy("arr_0", io::DType::Float32, {2}, {1, 2});
    const float half = 0.5f;
    std::memcpy(a.data.data(), &half, 4);
    bad.arrays.push_back(a);
    io::write_npz(dir + "/inputs.npz", bad);
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    const std::string msg = error_of([&] { network::run_test_folder(o); });
    EXPECT_HAS(msg, "inputs.npz: array 'arr_0': float32 value 0.5 at element 0 is not an integer");
}

TEST(NetworkErrors, OutputsNpzOfTheWrongShape) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y").requant("rq", "x", "y", 1, 0, 1);
    const std::string dir = folder(b, {{{4, 8}, std::vector<int64_t>(32, 1)}}, {{{3}, {1, 1, 1}}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    const std::string msg = error_of([&] { network::run_test_folder(o); });
    EXPECT_HAS(msg, dir + "/outputs.npz");
    EXPECT_HAS(msg, "graph output 'y' [4,8]");
}

TEST(NetworkErrors, ModelTooLargeForL2NamesTheLargestTensors) {
    ModelBuilder b;
    const int64_t K = 2048, N = 1100;  // 2.2 MB of int8 weights
    b.input("x", {1, K}).output("y");
    b.constant("W", {K, N}, std::vector<float>(K * N, 1.0f));
    b.node("MatMul", "big_matmul", {"x", "W"}, {"y"});
    const std::string p = model_file(b);
    network::NetworkOptions o;  // cluster
    const std::string msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, p);
    EXPECT_HAS(msg, "bytes of L2 data but target cluster has 2097152");
    EXPECT_HAS(msg, "'W__nk' 2252800 B");
}

TEST(NetworkErrors, ScheduleNeedingMoreL1ThanTheBudget) {
    ModelBuilder b;
    b.input("x", {16, 64}).output("y");
    b.constant("W", {64, 64}, std::vector<float>(64 * 64, 1.0f));
    b.node("MatMul", "proj", {"x", "W"}, {"y"});
    const std::string p = model_file(b);
    const std::string sched = temp_dir();
    std::ofstream(sched + "/proj.sched") << "stage B L1 at root\n";
    network::NetworkOptions o;
    o.schedules_dir = sched;
    o.l1_budget = 1024;
    const std::string msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, "node 0 'proj' (MatMul)");
    EXPECT_HAS(msg, sched + "/proj.sched");
    EXPECT_HAS(msg, "bytes of L1");
    EXPECT_HAS(msg, "l1.budget = 1024");
    // The default schedule falls back to operands in L2 instead.
    o.schedules_dir.clear();
    o.l1_budget = 0;
    network::NetworkProgram prog = network::compile_onnx(p, o);
    EXPECT_EQ(prog.l1_bytes, 0);
}

TEST(NetworkErrors, BadOptionsNameTheValue) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y").requant("rq", "x", "y", 1, 0, 1);
    const std::string p = model_file(b);
    network::NetworkOptions o;
    o.l1_budget = 100000000;
    std::string msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, "--l1 100000000");
    EXPECT_HAS(msg, "bytes of L1 for data");
    o = network::NetworkOptions();
    o.cores = 9;
    msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, "--cores 9");
    o = host();
    o.input_types["nosuch"] = ElemType::Int8;
    msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, "'nosuch', which is not a graph input (inputs: x)");
    o = host();
    o.name = "9lives";
    msg = error_of([&] { network::compile_onnx(p, o); });
    EXPECT_HAS(msg, "network name '9lives' must be a C identifier");
}

TEST(NetworkErrors, KernelInputOfTheWrongTypeNamesNodeAndTypes) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y");
    b.requant("rq", "x", "u", 1, 0, 1, /*signed=*/false);  // uint8
    auto *n = b.node("iSoftmax", "softmax", {"u"}, {"y"});
    for (auto [k, v] : std::vector<std::pair<const char *, int64_t>>{
             {"coeffA", 1}, {"coeffB", 345}, {"coeffC", 62395}, {"log2", 255}, {"n_levels", 256}})
        ModelBuilder::attr(n, k, v);
    const std::string p = model_file(b);
    const std::string msg = error_of([&] { network::compile_onnx(p, host()); });
    EXPECT_HAS(msg, "node 1 'softmax' (iSoftmax)");
    EXPECT_HAS(msg, "'u' is uint8 but the kernel reads int8");
}

TEST(NetworkErrors, RequantDivMustBeAPowerOfTwo) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y").requant("rq", "x", "y", 1, 0, 3);
    const std::string p = model_file(b);
    const std::string msg = error_of([&] { network::compile_onnx(p, host()); });
    EXPECT_HAS(msg, "node 0 'rq' (RequantShift)");
    EXPECT_HAS(msg, "div");
    EXPECT_HAS(msg, "=3 must be a positive power of two");
}

// A chain of four RequantShifts: at most two activations are live at once.
TEST(NetworkProgram, MemoryPlanReusesBytes) {
    ModelBuilder b;
    b.input("x", {16, 16}).output("y");
    b.requant("r0", "x", "a", 1, 1, 1).requant("r1", "a", "b", 1, 1, 1).requant("r2", "b", "c", 1, 1, 1);
    b.requant("r3", "c", "d", 1, 1, 1).requant("r4", "d", "y", 1, 1, 1);
    network::NetworkProgram p = network::compile_onnx(model_file(b), host());
    EXPECT_EQ(p.steps.size(), 5u);
    EXPECT_EQ(p.arena_naive_bytes, 4 * 256);
    EXPECT_EQ(p.arena_bytes, 2 * 256);
    EXPECT_NE(p.report.find("Memory:"), std::string::npos);
}

// Out-of-order nodes, a Reshape and an Unsqueeze (views: no kernel), and a
// graph output that is a view of a graph input (copied) run bit-exactly.
TEST(NetworkProgram, SortedViewsAndCopiesRunOnTheHost) {
    ModelBuilder b;
    b.input("x", {2, 8}).output("y").output("x_view");
    b.constant_i64("shape", {4, 4});
    b.requant("rq", "r", "y", 3, 2, 2);            // reads r before it is produced
    b.node("Reshape", "reshape", {"x", "shape"}, {"r0"});
    auto *u = b.node("Unsqueeze", "unsq", {"r0"}, {"r"});
    auto *a = u->add_attribute();
    a->set_name("axes");
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(0);
    b.node("Identity", "same", {"x"}, {"x_view"});
    std::vector<int64_t> x(16), y(16);
    for (int i = 0; i < 16; i++) {
        x[i] = i * 7 - 50;
        const int64_t v = (x[i] * 3 + 2 + 1) >> 1;  // round half up, div 2
        y[i] = std::max<int64_t>(-128, std::min<int64_t>(127, v));
    }
    const std::string dir = folder(b, {{{2, 8}, x}}, {{{1, 4, 4}, y}, {{2, 8}, x}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    network::RunResult r = network::run_test_folder(o);
    EXPECT_EQ(r.errors, 0) << r.first_mismatch;
    EXPECT_EQ(r.total, 32);
    EXPECT_EQ(r.program.steps.size(), 1u);  // only the RequantShift is a kernel
    EXPECT_NE(r.program.report.find("sorted"), std::string::npos);
    EXPECT_NE(r.program.source.find("is a view of another tensor: copy"), std::string::npos);
}

// The rewrites: MatMul + bias Add + RequantShift is one GEMM kernel call.
TEST(NetworkProgram, MatMulBiasRequantIsOneKernel) {
    ModelBuilder b;
    b.input("x", {1, 3, 8}).output("y");
    std::vector<float> w(8 * 5), bias(5);
    for (int i = 0; i < 40; i++) w[i] = (float)((i * 5) % 7 - 3);
    for (int j = 0; j < 5; j++) bias[j] = (float)(j * 10 - 20);
    b.constant("W", {8, 5}, w).constant("bias", {5}, bias);
    b.node("MatMul", "mm", {"x", "W"}, {"m"});
    b.node("Add", "badd", {"bias", "m"}, {"a"});
    b.requant("rq", "a", "y", 5, 3, 4);
    std::vector<int64_t> x(24), y(15);
    for (int i = 0; i < 24; i++) x[i] = (i * 37) % 255 - 127;
    for (int r = 0; r < 3; r++)
        for (int j = 0; j < 5; j++) {
            int64_t acc = (int64_t)bias[j];
            for (int k = 0; k < 8; k++) acc += x[r * 8 + k] * (int64_t)w[k * 5 + j];
            const int64_t v = (acc * 5 + 3 + 2) >> 2;  // div 4
            y[r * 5 + j] = std::max<int64_t>(-128, std::min<int64_t>(127, v));
        }
    const std::string dir = folder(b, {{{1, 3, 8}, x}}, {{{1, 3, 5}, y}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    network::RunResult r = network::run_test_folder(o);
    EXPECT_EQ(r.errors, 0) << r.first_mismatch;
    ASSERT_EQ(r.program.steps.size(), 1u);
    EXPECT_EQ(r.program.steps[0].op, "MatMul+bias+requant");
    EXPECT_EQ(r.program.steps[0].family, "gemm");
    o.fuse = false;
    r = network::run_test_folder(o);
    EXPECT_EQ(r.errors, 0) << r.first_mismatch;
    EXPECT_EQ(r.program.steps.size(), 3u);
}

// RequantShift with mul == div and add 0 on an int8 input is exactly the
// identity: a view (no kernel), here a copy into the graph output.
TEST(NetworkProgram, IdentityRequantShiftIsAView) {
    ModelBuilder b;
    b.input("x", {3, 7}).output("y");
    b.requant("rescale", "x", "y", 65536, 0, 65536);
    std::vector<int64_t> x(21);
    for (int i = 0; i < 21; i++) x[i] = i * 12 - 128;
    const std::string dir = folder(b, {{{3, 7}, x}}, {{{3, 7}, x}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    network::RunResult r = network::run_test_folder(o);
    EXPECT_EQ(r.errors, 0) << r.first_mismatch;
    EXPECT_EQ(r.program.steps.size(), 0u);
    EXPECT_NE(r.program.report.find("identity: mul == div"), std::string::npos);
    // Unsigned output on a signed input is not the identity: a kernel.
    ModelBuilder u;
    u.input("x", {3, 7}).output("y");
    u.requant("rescale", "x", "y", 65536, 0, 65536, /*signed=*/false);
    network::NetworkProgram p = network::compile_onnx(model_file(u), host());
    EXPECT_EQ(p.steps.size(), 1u);
}

// A Transpose that moves only axes of extent 1 keeps every element where it
// is: a view, no kernel. One that reorders two axes of other extents is a kernel.
TEST(NetworkProgram, TransposeOfUnitAxesIsAView) {
    ModelBuilder b;
    b.input("x", {1, 1, 5, 3}).output("y");
    ModelBuilder::ints(b.node("Transpose", "heads", {"x"}, {"t"}), "perm", {0, 2, 1, 3});
    b.requant("rq", "t", "y", 3, 1, 2);
    std::vector<int64_t> x(15), y(15);
    for (int i = 0; i < 15; i++) {
        x[i] = i * 17 - 128;
        y[i] = std::max<int64_t>(-128, std::min<int64_t>(127, (x[i] * 3 + 1 + 1) >> 1));  // RequantShift rounds: + div / 2
    }
    const std::string dir = folder(b, {{{1, 1, 5, 3}, x}}, {{{1, 5, 1, 3}, y}});
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    network::RunResult r = network::run_test_folder(o);
    EXPECT_EQ(r.errors, 0) << r.first_mismatch;
    EXPECT_EQ(r.program.steps.size(), 1u);  // the RequantShift only
    EXPECT_NE(r.program.report.find("Transpose (of axes of extent 1 only)"), std::string::npos) << r.program.report;
    // [1, 5, 3] -> [1, 3, 5] moves data: a kernel.
    ModelBuilder k;
    k.input("x", {1, 5, 3}).output("y");
    ModelBuilder::ints(k.node("Transpose", "swap", {"x"}, {"y"}), "perm", {0, 2, 1});
    network::NetworkProgram p = network::compile_onnx(model_file(k), host());
    EXPECT_EQ(p.steps.size(), 1u);
}

// The cluster default's NPU choice (npu_schedule_for_kernel) on the
// microLlama shapes, by the cost model alone (no timing is asserted; the
// predictions against the model are in docs/npu.md): a decode GEMV whose
// weights are resident and a prefill GEMM go to the NPU; a decode step's
// attention scores (one row per head), a GEMV whose weights are not
// resident, and a MatMul whose requantization the backend cannot fuse into
// the jobs stay on the cores; a target without an NPU never offers it.
TEST(NetworkProgram, DefaultNpuChoiceFollowsTheCostModel) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    const std::map<std::string, std::string> rq = {{"requant", "1"}, {"log2d", "16"}};
    auto with = [&](std::map<std::string, std::string> p) {
        p.insert(rq.begin(), rq.end());
        return p;
    };
    const auto gemv = with({{"M", "1"}, {"K", "64"}, {"N", "256"}, {"bias", "256"}, {"trans_b", "1"}});
    auto on_npu = network::npu_schedule_for_kernel("gemm", gemv, cluster, {"B", "C"});
    ASSERT_TRUE(on_npu.has_value());
    EXPECT_NE(on_npu->second.find("weights in the NPU weight memory, estimated"), std::string::npos) << on_npu->second;
    EXPECT_FALSE(network::npu_schedule_for_kernel("gemm", gemv, cluster, {}).has_value());
    const auto gemm = with({{"M", "64"}, {"K", "64"}, {"N", "64"}, {"bias", "64"}, {"trans_b", "1"}});
    EXPECT_TRUE(network::npu_schedule_for_kernel("gemm", gemm, cluster, {}).has_value());
    const auto scores = with({{"a_shape", "1x16x1x4"}, {"b_shape", "1x16x129x4"}, {"trans_b", "1"}});
    EXPECT_FALSE(network::npu_schedule_for_kernel("matmul", scores, cluster, {}).has_value());
    // [1, 1, 16, 4] x [1, 1, 4, 4]: the job's int32 out would be requantized by core 0 alone.
    const auto rope = with({{"a_shape", "1x1x16x4"}, {"b_shape", "1x1x4x4"}});
    EXPECT_FALSE(network::npu_schedule_for_kernel("matmul", rope, cluster, {}).has_value());
    EXPECT_FALSE(network::npu_schedule_for_kernel("gemm", gemm, TargetDescription::named("rv32"), {}).has_value());
}
