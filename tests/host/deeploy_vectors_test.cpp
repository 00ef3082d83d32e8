// Deeploy's own test vectors (Kernels/Integer/{GEMM, MatMul, Add, Softmax,
// RMSNorm, Hardswish, TrueIntegerDiv, Concat, iNoNorm}, and the microLlama
// models) run through
// Halyard: each ONNX node (Gemm, MatMul, Add, Mul, iHardswish, iGELU fused with a
// following RequantShift; the Transformer ops; standalone RequantShift;
// TrueIntegerDiv folded into its RequantShift as Deeploy's
// MergeTrueIntegerDivRequantShiftPass does) becomes a Halyard library generated
// for the host, compiled as C99 and run; the graph outputs must equal
// outputs.npz bit for bit. The data directory is HALYARD_DATA_DIR (a build
// option, overridable by the environment); missing data skips, or fails under
// CI=true.
#include <sys/stat.h>

#include <list>

#include "halyard/dsl/transformer_ops.h"
#include "halyard/io/npz.h"
#include "halyard/io/onnx_graph.h"
#include "halyard_ref/graph_runner.h"
#include "op_harness.h"

using namespace halyard;
using namespace halyard_test;
using halyard::io::OnnxGraph;
using halyard::io::OnnxNode;
using halyard_ref::Tensor;

namespace {

std::string data_root() {
    const char *env = std::getenv("HALYARD_DATA_DIR");
    return std::string(env ? env : HALYARD_DATA_DIR) + "/deeploy-tests";
}
std::string data_dir() { return data_root() + "/Kernels/Integer"; }

bool exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

std::string shape_param(const std::vector<int64_t> &s) {
    std::string out;
    for (auto d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
    return out.empty() ? "1" : out;
}

// The narrowest Halyard element type holding every value.
ElemType type_for(const Tensor &t, bool operand) {
    int64_t lo = 0, hi = 0;
    for (auto v : t.data) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (lo >= -128 && hi <= 127) return ElemType::Int8;
    if (lo >= 0 && hi <= 255) return ElemType::UInt8;
    if (operand) throw std::runtime_error("GEMM operand values outside int8/uint8");
    if (lo >= -32768 && hi <= 32767) return ElemType::Int16;
    return ElemType::Int32;
}

class HalyardGraphRunner {
public:
    // deeploy_rewrites: fold TrueIntegerDiv into the following RequantShift
    // (Deeploy's MergeTrueIntegerDivRequantShiftPass, see
    // tests/reference/include/halyard_ref/graph_runner.h); off: run it standalone.
    explicit HalyardGraphRunner(const OnnxGraph &g, bool deeploy_rewrites = true)
        : g_(g), deeploy_rewrites_(deeploy_rewrites) {}
    std::vector<std::string> kernels_run;

    std::map<std::string, Tensor> run(std::map<std::string, Tensor> values) {
        for (const auto &[name, t] : g_.initializers) {
            if (!values.count(name)) values[name] = halyard_ref::to_tensor(t);
        }
        std::set<size_t> fused;
        for (size_t i = 0; i < g_.nodes.size(); i++) {
            if (fused.count(i)) continue;
            const OnnxNode &n = g_.nodes[i];
            const OnnxNode *rq = fusable_requant(i);
            if (rq) fused.insert(rq->index);
            run_node(n, rq, values);
        }
        return values;
    }

private:
    const OnnxGraph &g_;
    bool deeploy_rewrites_ = true;
    int counter_ = 0;
    std::list<Tensor> owned_;  // constants made by rewrites (stable addresses)
    // Kernels already generated and compiled, by family and parameters (the
    // layers of a model repeat the same shapes).
    struct Compiled {
        Algorithm algo;
        std::unique_ptr<JitKernel> kernel;
    };
    std::map<std::string, Compiled> compiled_;

    // A RequantShift consuming only this node's output, which nothing else reads.
    const OnnxNode *fusable_requant(size_t i) const {
        const OnnxNode &n = g_.nodes[i];
        static const std::set<std::string> fusing = {"Gemm", "MatMul", "Add", "Mul", "iHardswish", "iGELU",
                                                     "TrueIntegerDiv"};
        if (!fusing.count(n.op_type)) return nullptr;
        const std::string &out = n.outputs[0];
        const OnnxNode *rq = nullptr;
        int readers = 0;
        for (const auto &m : g_.nodes) {
            for (const auto &in : m.inputs) {
                if (in == out) {
                    readers++;
                    if (m.op_type == "RequantShift" && m.inputs[0] == out) rq = &m;
                }
            }
        }
        for (const auto &o : g_.outputs) {
            if (o.name == out) return nullptr;
        }
        return readers == 1 ? rq : nullptr;
    }

    static void add_requant_params(const OnnxNode &rq, std::map<std::string, std::string> &p,
                                   std::map<std::string, const Tensor *> &args, std::map<std::string, Tensor> &v) {
        int64_t div = rq.attr_int("div");
        p["requant"] = "1";
        p["log2d"] = std::to_string(halyard_ref::log2_exact(div, rq.label()));
        p["n_levels"] = std::to_string(rq.has_attr("n_levels") ? rq.attr_int("n_levels") : rq.attr_int("n_levels_out"));
        p["signed"] = rq.attr_int("signed") ? "1" : "0";
        p["mul_shape"] = shape_param(v.at(rq.inputs[1]).shape);
        p["add_shape"] = shape_param(v.at(rq.inputs[2]).shape);
        args["mul"] = &v.at(rq.inputs[1]);
        args["add"] = &v.at(rq.inputs[2]);
    }

    void run_node(const OnnxNode &n, const OnnxNode *rq, std::map<std::string, Tensor> &v) {
        if (n.op_type == "Constant") {
            v[n.outputs[0]] = halyard_ref::to_tensor(n.attr_tensor("value"));
            return;
        }
        if (n.op_type == "Reshape") {
            // A dense row-major reshape moves no data: the consumer reads the same bytes.
            v[n.outputs[0]] = halyard_ref::reshape(v.at(n.inputs[0]), v.at(n.inputs[1]).data);
            kernels_run.push_back("(reshape)");
            return;
        }
        std::string family;
        std::map<std::string, std::string> p;
        std::map<std::string, const Tensor *> args;
        bool rq_done = false;  // the requant was consumed by a rewrite
        auto in = [&](size_t k) -> const Tensor & { return v.at(n.inputs[k]); };
        if (n.op_type == "Gemm") {
            family = "gemm";
            const Tensor &A = in(0), &B = in(1);
            bool ta = n.attr_int("transA", 0), tb = n.attr_int("transB", 0);
            p["trans_a"] = ta ? "1" : "0";
            p["trans_b"] = tb ? "1" : "0";
            p["M"] = std::to_string(ta ? A.dim(-1) : A.dim(-2));
            p["K"] = std::to_string(ta ? A.dim(-2) : A.dim(-1));
            p["N"] = std::to_string(tb ? B.dim(-2) : B.dim(-1));
            p["alpha"] = std::to_string(n.attr_int("alpha", 1));
            p["beta"] = std::to_string(n.attr_int("beta", 1));
            p["a_type"] = elem_type_name(type_for(A, true));
            p["b_type"] = elem_type_name(type_for(B, true));
            args["A"] = &A;
            args["B"] = &B;
            if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
                p["bias"] = shape_param(in(2).shape);
                args["C"] = &in(2);
            }
        } else if (n.op_type == "MatMul") {
            family = "matmul";
            p["a_shape"] = shape_param(in(0).shape);
            p["b_shape"] = shape_param(in(1).shape);
            p["a_type"] = elem_type_name(type_for(in(0), true));
            p["b_type"] = elem_type_name(type_for(in(1), true));
            args["A"] = &in(0);
            args["B"] = &in(1);
        } else if (n.op_type == "Add") {
            family = "add";
            p["a_shape"] = shape_param(in(0).shape);
            p["b_shape"] = shape_param(in(1).shape);
            p["a_type"] = elem_type_name(type_for(in(0), false));
            p["b_type"] = elem_type_name(type_for(in(1), false));
            args["A"] = &in(0);
            args["B"] = &in(1);
        } else if (n.op_type == "RequantShift") {
            family = "requant_shift";
            p["shape"] = shape_param(in(0).shape);
            p["in_type"] = elem_type_name(type_for(in(0), false));
            args["x"] = &in(0);
            std::map<std::string, std::string> rp;
            add_requant_params(n, rp, args, v);
            for (const char *k : {"log2d", "n_levels", "signed", "mul_shape", "add_shape"}) p[k] = rp[k];
        } else if (n.op_type == "Mul") {
            family = "mul";
            p["a_shape"] = shape_param(in(0).shape);
            p["b_shape"] = shape_param(in(1).shape);
            p["a_type"] = elem_type_name(type_for(in(0), false));
            p["b_type"] = elem_type_name(type_for(in(1), false));
            args["A"] = &in(0);
            args["B"] = &in(1);
        } else if (n.op_type == "iSoftmax") {
            family = "isoftmax";
            p["shape"] = shape_param(in(0).shape);
            for (const char *k : {"coeffA", "coeffB", "coeffC", "log2", "n_levels"}) p[k] = std::to_string(n.attr_int(k));
            args["x"] = &in(0);
        } else if (n.op_type == "ITAMax") {
            family = "itamax";
            p["shape"] = shape_param(in(0).shape);
            p["n_levels"] = std::to_string(n.attr_int("n_levels"));
            args["x"] = &in(0);
        } else if (n.op_type == "iRMSNorm" || n.op_type == "iLayerNorm") {
            family = n.op_type == "iRMSNorm" ? "irmsnorm" : "ilayernorm";
            p["shape"] = shape_param(in(0).shape);
            p["weight_type"] = elem_type_name(type_for(in(1), false));
            p["log2d"] = std::to_string(halyard_ref::log2_exact(n.attr_int("D"), n.label()));
            p["n_levels"] = std::to_string(n.attr_int("n_levels"));
            args["x"] = &in(0);
            args["weight"] = &in(1);
            if (n.op_type == "iLayerNorm") {
                p["bias_type"] = elem_type_name(type_for(in(2), false));
                args["bias"] = &in(2);
            }
        } else if (n.op_type == "iHardswish" || n.op_type == "iGELU") {
            family = n.op_type == "iHardswish" ? "ihardswish" : "igelu";
            p["shape"] = shape_param(in(0).shape);
            p["in_type"] = elem_type_name(type_for(in(0), false));
            const std::vector<const char *> keys = n.op_type == "iHardswish"
                                                       ? std::vector<const char *>{"one_over_six", "six", "three"}
                                                       : std::vector<const char *>{"b", "one"};
            for (const char *k : keys) p[k] = std::to_string(n.attr_int(k));
            args["x"] = &in(0);
        } else if (n.op_type == "TrueIntegerDiv") {
            const int64_t y = n.attr_int("y"), Delta = n.attr_int("Delta"), eps = n.attr_int("eps"), eta = n.attr_int("eta");
            const Tensor *mul = rq ? &v.at(rq->inputs[1]) : nullptr, *addv = rq ? &v.at(rq->inputs[2]) : nullptr;
            if (deeploy_rewrites_ && rq && g_.is_initializer(rq->inputs[1]) && g_.is_initializer(rq->inputs[2]) &&
                mul->size() == 1 && addv->size() == 1 && addv->data[0] == 0) {
                // Deeploy's MergeTrueIntegerDivRequantShiftPass: one RequantShift on
                // the TrueIntegerDiv input with mul' = mul * coeff and div' = div * 256.
                const int64_t coeff = true_integer_div_fold_coeff(y, Delta, eps, eta);
                family = "requant_shift";
                p["shape"] = shape_param(in(0).shape);
                p["in_type"] = elem_type_name(type_for(in(0), false));
                args["x"] = &in(0);
                std::map<std::string, std::string> rp;
                add_requant_params(*rq, rp, args, v);
                for (const char *k : {"n_levels", "signed", "mul_shape", "add_shape"}) p[k] = rp[k];
                p["log2d"] = std::to_string(std::stoi(rp["log2d"]) + 8);
                owned_.push_back(*mul);
                for (auto &m : owned_.back().data) m *= coeff;
                args["mul"] = &owned_.back();
                rq_done = true;
            } else {
                family = "true_integer_div";
                p["shape"] = shape_param(in(0).shape);
                p["in_type"] = elem_type_name(type_for(in(0), false));
                p["y"] = std::to_string(y);
                p["Delta"] = std::to_string(Delta);
                p["eps"] = std::to_string(eps);
                p["eta"] = std::to_string(eta);
                args["x"] = &in(0);
            }
        } else if (n.op_type == "iNoNorm") {
            family = "inonorm";
            p["shape"] = shape_param(in(0).shape);
            p["weight_shape"] = shape_param(in(1).shape);
            p["bias_shape"] = shape_param(in(2).shape);
            p["in_type"] = elem_type_name(type_for(in(0), false));
            p["weight_type"] = elem_type_name(type_for(in(1), false));
            p["bias_type"] = elem_type_name(type_for(in(2), false));
            p["mul"] = std::to_string(n.attr_int("mul"));
            p["log2d"] = std::to_string(halyard_ref::log2_exact(n.attr_int("D"), n.label()));
            p["n_levels"] = std::to_string(n.attr_int("n_levels"));
            args["x"] = &in(0);
            args["weight"] = &in(1);
            args["bias"] = &in(2);
        } else if (n.op_type == "Concat") {
            family = "concat";
            std::string shapes;
            ElemType t = ElemType::Int8;
            int used = 0;
            for (size_t k = 0; k < n.inputs.size(); k++) {
                if (in(k).size() == 0) continue;  // Deeploy's SkipEmptyConcatPass: an empty KV cache
                shapes += (used ? "+" : "") + shape_param(in(k).shape);
                ElemType tk = type_for(in(k), false);
                if (elem_bytes(tk) > elem_bytes(t) || (tk == ElemType::UInt8 && t == ElemType::Int8)) t = tk;
                args["X" + std::to_string(used++)] = &in(k);
            }
            if (t == ElemType::UInt8) t = ElemType::Int16;  // mixed signed/unsigned 8-bit inputs
            p["shapes"] = shapes;
            p["axis"] = std::to_string(n.attr_int("axis"));
            p["type"] = elem_type_name(t);
        } else if (n.op_type == "Transpose") {
            family = "transpose";
            p["shape"] = shape_param(in(0).shape);
            std::string perm;
            for (auto a : n.attr_ints("perm", {})) perm += (perm.empty() ? "" : ",") + std::to_string(a);
            p["perm"] = perm.empty() ? "default" : perm;
            p["type"] = elem_type_name(type_for(in(0), false));
            args["X"] = &in(0);
        } else {
            throw std::runtime_error(n.label() + ": op " + n.op_type + " is not a Halyard kernel yet");
        }
        if (rq && !rq_done) add_requant_params(*rq, p, args, v);

        std::string key = family + " " + describe_params(p);
        auto it = compiled_.find(key);
        if (it == compiled_.end()) {
            const GeneratorFamily &f = find_generator(family);
            Compiled c{f.build(ParamMap(family, f.params, p)), nullptr};
            GeneratedLibrary lib = run_generator(family, p, TargetDescription::named("host"), nullptr,
                                                 "deeploy_node" + std::to_string(counter_++));
            c.kernel = std::make_unique<JitKernel>(lib);
            it = compiled_.emplace(key, std::move(c)).first;
        }
        const Algorithm &algo = it->second.algo;
        const JitKernel &kernel = *it->second.kernel;
        std::vector<TypedBuffer> buffers;
        std::vector<void *> ptrs;
        for (const auto &t : algo.inputs) {
            buffers.push_back(from_ref(*args.at(t.type.name), t.type.type));
            ptrs.push_back(buffers.back().data());
        }
        TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
        ptrs.push_back(out.data());
        ASSERT_EQ(kernel.call(ptrs), 0);
        Tensor result = to_ref(out, algo.output.shape);
        // Keep ONNX's output rank (e.g. MatMul of [4,1,4,8]).
        v[(rq ? rq : &n)->outputs[0]] = result;
        kernels_run.push_back((n.op_type == "TrueIntegerDiv" && rq_done ? "TrueIntegerDiv->" : "") + family +
                              (rq && !rq_done ? "+requant" : ""));
    }
};

void run_case(const std::string &rel, bool deeploy_rewrites = true, const std::string &root = data_dir()) {
    const std::string dir = root + "/" + rel;
    if (!exists(dir + "/network.onnx")) {
        const char *ci = std::getenv("CI");
        if (ci && std::string(ci) == "true") {
            FAIL() << "Deeploy test vectors missing at " << dir << " (set HALYARD_DATA_DIR)";
        }
        GTEST_SKIP() << "Deeploy test vectors missing at " << dir << " (set HALYARD_DATA_DIR)";
    }
    OnnxGraph g = halyard::io::load_onnx(dir + "/network.onnx");
    auto inputs = halyard::io::load_npz(dir + "/inputs.npz");
    auto outputs = halyard::io::load_npz(dir + "/outputs.npz");
    HalyardGraphRunner runner(g, deeploy_rewrites);
    auto values = runner.run(halyard_ref::bind_inputs(g, inputs));
    ASSERT_EQ(outputs.arrays.size(), g.outputs.size());
    for (size_t i = 0; i < g.outputs.size(); i++) {
        const Tensor &got = values.at(g.outputs[i].name);
        std::vector<int64_t> want = outputs.arrays[i].to_int64();
        ASSERT_EQ((int64_t)want.size(), got.size()) << rel << " output " << g.outputs[i].name;
        int64_t mismatches = 0, first = -1;
        for (size_t k = 0; k < want.size(); k++) {
            if (want[k] != got.data[k]) {
                if (first < 0) first = (int64_t)k;
                mismatches++;
            }
        }
        EXPECT_EQ(mismatches, 0) << rel << " output " << g.outputs[i].name << ": first mismatch at " << first
                                 << " (want " << (first >= 0 ? want[first] : 0) << ", got "
                                 << (first >= 0 ? got.data[first] : 0) << ")";
    }
    std::string kernels;
    for (const auto &k : runner.kernels_run) kernels += k + " ";
    ::testing::Test::RecordProperty("kernels", kernels);
    std::cout << "[ halyard  ] " << rel << ": kernels " << kernels << "\n";
}

}  // namespace

TEST(DeeployVectors, GEMM_Regular) { run_case("GEMM/Regular"); }
TEST(DeeployVectors, GEMM_Batch_RQ) { run_case("GEMM/Batch_RQ"); }
TEST(DeeployVectors, GEMM_Regular_RQPerRow) { run_case("GEMM/Regular_RQPerRow"); }
TEST(DeeployVectors, GEMM_Regular_RQPerColumn) { run_case("GEMM/Regular_RQPerColumn"); }
TEST(DeeployVectors, GEMM_TransB_RQ) { run_case("GEMM/TransB_RQ"); }
TEST(DeeployVectors, MatMul_Regular) { run_case("MatMul/Regular"); }
TEST(DeeployVectors, MatMul_Batch) { run_case("MatMul/Batch"); }
TEST(DeeployVectors, MatMul_Regular_RQ) { run_case("MatMul/Regular_RQ"); }
TEST(DeeployVectors, MatMul_Add) { run_case("MatMul/Add"); }
TEST(DeeployVectors, Add_Regular) { run_case("Add/Regular"); }
TEST(DeeployVectors, Add_Large) { run_case("Add/Large"); }
TEST(DeeployVectors, Add_MultIO) { run_case("Add/MultIO"); }
TEST(DeeployVectors, Add_Regular_RQ) { run_case("Add/Regular_RQ"); }
TEST(DeeployVectors, Softmax_Regular) { run_case("Softmax/Regular"); }
TEST(DeeployVectors, Softmax_Large) { run_case("Softmax/Large"); }
TEST(DeeployVectors, RMSNorm) { run_case("RMSNorm"); }
TEST(DeeployVectors, Hardswish_Regular) { run_case("Hardswish/Regular"); }
TEST(DeeployVectors, Hardswish_Regular_RQ) { run_case("Hardswish/Regular_RQ"); }
TEST(DeeployVectors, TrueIntegerDiv) { run_case("TrueIntegerDiv"); }
TEST(DeeployVectors, TrueIntegerDiv_Unfolded) { run_case("TrueIntegerDiv", /*deeploy_rewrites=*/false); }
TEST(DeeployVectors, Concat) { run_case("Concat"); }
TEST(DeeployVectors, iNoNorm) { run_case("iNoNorm"); }

// Deeploy's microLlama decoder stacks (8 layers, KV cache of 1, 2 and 16
// tokens) end to end through Halyard kernels, node by node (every kernel
// generated, compiled as C99 and run; identical nodes share a kernel).
TEST(DeeployVectors, microLlama1) { run_case("microLlama/INT8/microLlama1", true, data_root() + "/Models"); }
TEST(DeeployVectors, microLlama2) { run_case("microLlama/INT8/microLlama2", true, data_root() + "/Models"); }
TEST(DeeployVectors, microLlama16) { run_case("microLlama/INT8/microLlama16", true, data_root() + "/Models"); }
// Has a score x V MatMul with K = 1 ([1,16,1,1] x [1,16,1,4]).
TEST(DeeployVectors, microLlama1_parallel) {
    run_case("microLlama/INT8/microLlama1_parallel", true, data_root() + "/Models");
}
TEST(DeeployVectors, microLlama2_parallel) {
    run_case("microLlama/INT8/microLlama2_parallel", true, data_root() + "/Models");
}
