// Deeploy's own test vectors (deeploy-tests/Kernels/Integer/*) run through the
// plain C++ reference, node by node, compared bit-exactly with outputs.npz.
//
// Data directory: env HALYARD_DATA_DIR, else the compile definition
// HALYARD_DATA_DIR (CMake cache variable, default ../shared). When the data is
// missing each test says why and is skipped; with env CI=true it fails instead.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "halyard/frontend/graph.h"
#include "halyard/io/npz.h"
#include "halyard/io/onnx_graph.h"
#include "halyard_ref/graph_runner.h"
#include "halyard_ref/ops.h"

#ifndef HALYARD_DATA_DIR
#define HALYARD_DATA_DIR "../shared"
#endif

namespace fs = std::filesystem;
using namespace halyard_ref;
namespace hio = halyard::io;

namespace {

std::string data_dir() {
    if (const char *e = std::getenv("HALYARD_DATA_DIR"); e && *e) return e;
    return HALYARD_DATA_DIR;
}

bool under_ci() {
    const char *e = std::getenv("CI");
    if (!e) return false;
    std::string v = e;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    return v == "true" || v == "1" || v == "yes";
}

fs::path kernels_dir() { return fs::path(data_dir()) / "deeploy-tests" / "Kernels" / "Integer"; }

// Skip (or fail under CI=true) when a needed path is missing.
#define REQUIRE_DATA(where)                                                                                      \
    do {                                                                                                          \
        const fs::path p_ = (where);                                                                             \
        if (!fs::exists(p_)) {                                                                                    \
            const std::string msg_ = "Deeploy test data not found at " + p_.string() +                           \
                                     " (set HALYARD_DATA_DIR, env or CMake cache, to the directory holding "     \
                                     "deeploy-tests/)";                                                           \
            if (under_ci()) FAIL() << msg_ << " [CI=true: missing data is a failure]";                            \
            GTEST_SKIP() << msg_;                                                                                 \
        }                                                                                                         \
    } while (0)

struct CaseOutcome {
    bool unsupported = false;
    std::string why;                  // unsupported reason
    std::vector<std::string> errors;  // mismatches
    size_t outputs_checked = 0;
    size_t activations_checked = 0;
    size_t activation_entries = 0;    // entries in activations.npz (0: none, or no file)
};

// Deeploy's activations.npz names intermediate tensors after QuantLib modules,
// lower-cased with '.'/'::' folded to '_'. Normalize both sides the same way.
std::string norm_name(const std::string &s) {
    std::string r;
    for (char c : s) r += (std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(c)) : '_');
    return r;
}

std::string first_mismatches(const Tensor &got, const Tensor &want, size_t max_report = 5) {
    std::ostringstream o;
    size_t bad = 0;
    for (size_t i = 0; i < want.data.size(); ++i) {
        if (got.data[i] != want.data[i]) {
            if (bad < max_report) o << " [" << i << "] got " << got.data[i] << " want " << want.data[i] << ";";
            ++bad;
        }
    }
    return std::to_string(bad) + "/" + std::to_string(want.data.size()) + " differ:" + o.str();
}

CaseOutcome run_case(const fs::path &dir, const RunOptions &opts = RunOptions()) {
    CaseOutcome r;
    const hio::OnnxGraph g = hio::load_onnx((dir / "network.onnx").string());
    const hio::NpzFile in = hio::load_npz((dir / "inputs.npz").string());
    const hio::NpzFile outs = hio::load_npz((dir / "outputs.npz").string());
    std::map<std::string, Tensor> values;
    try {
        values = run_graph(g, bind_inputs(g, in), opts);
    } catch (const Unsupported &e) {
        r.unsupported = true;
        r.why = e.what();
        return r;
    }
    if (outs.arrays.size() != g.outputs.size()) {
        r.errors.push_back("outputs.npz has " + std::to_string(outs.arrays.size()) + " arrays, graph has " +
                           std::to_string(g.outputs.size()) + " outputs");
        return r;
    }
    for (size_t i = 0; i < g.outputs.size(); ++i) {
        const Tensor want = to_tensor(outs.arrays[i]);
        const Tensor &got = values.at(g.outputs[i].name);
        ++r.outputs_checked;
        if (got.size() != want.size()) {
            r.errors.push_back("output '" + g.outputs[i].name + "': shape " + got.shape_str() + " vs golden " +
                               want.shape_str());
            continue;
        }
        if (got.data != want.data)
            r.errors.push_back("output '" + g.outputs[i].name + "': " + first_mismatches(got, want));
    }
    // Intermediate activations: a node output matches an entry by its own
    // name (normalized) or by the module name of the constants it reads
    // (halyard::frontend::deeploy_activation_name; only names one node yields).
    if (fs::exists(dir / "activations.npz")) {
        const hio::NpzFile acts = hio::load_npz((dir / "activations.npz").string());
        r.activation_entries = acts.arrays.size();
        std::map<std::string, const hio::NpyArray *> by_name;
        for (const auto &a : acts.arrays) by_name[norm_name(a.name)] = &a;
        std::map<std::string, int> uses;
        for (const auto &n : g.nodes) uses[halyard::frontend::deeploy_activation_name(n.inputs)]++;
        for (const auto &n : g.nodes)
            for (const auto &o : n.outputs) {
                auto it = by_name.find(norm_name(o));
                const std::string module = halyard::frontend::deeploy_activation_name(n.inputs);
                if (it == by_name.end() && !module.empty() && uses[module] == 1) it = by_name.find(module);
                if (it == by_name.end() || !values.count(o)) continue;
                const Tensor want = to_tensor(*it->second);
                const Tensor &got = values.at(o);
                ++r.activations_checked;
                if (got.size() != want.size() || got.data != want.data)
                    r.errors.push_back("activation '" + it->second->name + "' (output '" + o + "'): " +
                                       (got.size() != want.size() ? "size differs" : first_mismatches(got, want)));
            }
    }
    return r;
}

// The cases shipped in deeploy-tests/Kernels/Integer at the time of writing.
const std::vector<std::string> kKnownCases = {
    "Add/Regular",        "Add/Regular_RQ",       "Add/MultIO",          "Add/Large",
    "Concat",             "GEMM/Regular",         "GEMM/Batch_RQ",       "GEMM/Regular_RQPerRow",
    "GEMM/TransB_RQ",     "GEMM/Regular_RQPerColumn", "Hardswish/Regular", "Hardswish/Regular_RQ",
    "iNoNorm",            "MatMul/Regular",       "MatMul/Batch",        "MatMul/Regular_RQ",
    "MatMul/Add",         "RMSNorm",              "Softmax/Regular",     "Softmax/Large",
    "TrueIntegerDiv",
};

std::string test_name(const std::string &c) {
    std::string s;
    for (char ch : c) s += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return s;
}

class DeeployKernel : public ::testing::TestWithParam<std::string> {};

TEST_P(DeeployKernel, BitExact) {
    const fs::path dir = kernels_dir() / GetParam();
    REQUIRE_DATA(dir / "network.onnx");
    CaseOutcome r = run_case(dir);
    if (r.unsupported) GTEST_SKIP() << GetParam() << ": " << r.why;
    for (const auto &e : r.errors) ADD_FAILURE() << GetParam() << ": " << e;
    EXPECT_GT(r.outputs_checked, 0u);
    std::cout << "[ref] " << GetParam() << ": " << r.outputs_checked << " output(s)"
              << (r.activations_checked ? ", " + std::to_string(r.activations_checked) + " activation(s)" : "")
              << (r.errors.empty() ? " bit-exact" : " MISMATCH") << "\n";
}

INSTANTIATE_TEST_SUITE_P(Integer, DeeployKernel, ::testing::ValuesIn(kKnownCases),
                         [](const ::testing::TestParamInfo<std::string> &i) { return test_name(i.param); });

// Deeploy's microLlama models (Models/microLlama/INT8/*): whole decoder stacks
// (RequantShift, MatMul, Add, Mul, Transpose, Reshape, Concat, iRMSNorm,
// iSoftmax, iHardswish, TrueIntegerDiv) run node by node through the reference.
const std::vector<std::string> kKnownModels = {
    "microLlama/INT8/microLlama1",          "microLlama/INT8/microLlama2",
    "microLlama/INT8/microLlama16",         "microLlama/INT8/microLlama1_parallel",
    "microLlama/INT8/microLlama2_parallel",
};

fs::path models_dir() { return fs::path(data_dir()) / "deeploy-tests" / "Models"; }

class DeeployModel : public ::testing::TestWithParam<std::string> {};

TEST_P(DeeployModel, BitExact) {
    const fs::path dir = models_dir() / GetParam();
    REQUIRE_DATA(dir / "network.onnx");
    CaseOutcome r = run_case(dir);
    if (r.unsupported) GTEST_SKIP() << GetParam() << ": " << r.why;
    for (const auto &e : r.errors) ADD_FAILURE() << GetParam() << ": " << e;
    EXPECT_GT(r.outputs_checked, 0u);
    // Whole models name their activations after modules: some must match.
    if (r.activation_entries > 0) EXPECT_GT(r.activations_checked, 0u) << "no entry of activations.npz matched";
    std::cout << "[ref] " << GetParam() << ": " << r.outputs_checked << " output(s), " << r.activations_checked << " of "
              << r.activation_entries << " activation(s)" << (r.errors.empty() ? " bit-exact" : " MISMATCH") << "\n";
}

INSTANTIATE_TEST_SUITE_P(Models, DeeployModel, ::testing::ValuesIn(kKnownModels),
                         [](const ::testing::TestParamInfo<std::string> &i) { return test_name(i.param); });

// Any case directory that appeared after kKnownCases was written still runs here.
TEST(DeeployKernels, UnlistedCases) {
    REQUIRE_DATA(kernels_dir());
    std::set<std::string> known(kKnownCases.begin(), kKnownCases.end());
    int ran = 0;
    // Symlinked case folders count too (a user links a test tree in).
    for (const auto &e : fs::recursive_directory_iterator(kernels_dir(), fs::directory_options::follow_directory_symlink)) {
        if (e.path().filename() != "network.onnx") continue;
        const std::string rel = fs::relative(e.path().parent_path(), kernels_dir()).generic_string();
        if (known.count(rel)) continue;
        ++ran;
        CaseOutcome r;
        try {
            r = run_case(e.path().parent_path());
        } catch (const std::exception &ex) {  // one bad folder must not end the sweep
            ADD_FAILURE() << rel << ": " << ex.what();
            continue;
        }
        // A case the reference cannot model is a gap in the oracle, not a pass.
        if (r.unsupported) ADD_FAILURE() << rel << ": the reference cannot run it: " << r.why;
        for (const auto &err : r.errors) ADD_FAILURE() << rel << ": " << err;
        if (!r.unsupported && r.outputs_checked == 0) ADD_FAILURE() << rel << ": no output compared";
        if (r.activation_entries > 0 && r.activations_checked == 0)
            ADD_FAILURE() << rel << ": none of the " << r.activation_entries << " entries of activations.npz matched";
    }
    std::cout << "[ref] " << ran << " unlisted case(s)\n";
}

// Deeploy folds TrueIntegerDiv into the next RequantShift; QuantLib's own
// (floor) TrueIntegerDiv followed by the RequantShift must give the same bits.
TEST(DeeployKernels, TrueIntegerDivWithoutDeeployRewrite) {
    const fs::path dir = kernels_dir() / "TrueIntegerDiv";
    REQUIRE_DATA(dir / "network.onnx");
    RunOptions o;
    o.deeploy_rewrites = false;
    CaseOutcome r = run_case(dir, o);
    ASSERT_FALSE(r.unsupported) << r.why;
    for (const auto &e : r.errors) ADD_FAILURE() << e;
}

TEST(DeeployKernels, DataDirectoryPresent) { REQUIRE_DATA(kernels_dir()); }

}  // namespace
