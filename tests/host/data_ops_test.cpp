// The data and reduction ops (dsl/include/halyard/dsl/data_ops.h: sub,
// reduce_sum, reduce_mean, integer_mean, itapartialmax, slice, pad, gather),
// generated for the host, compiled and run: bit-exact against the independent
// reference (tests/reference/src/data_ops.cpp) over randomized shapes with
// awkward sizes (1, odd, primes, 4-D), parameters and values; bad specs name
// the op, the parameter and the value; the reference graph runner accepts
// both the attribute (old opset) and the input (new opset) forms.
// Seed: HALYARD_TEST_SEED.
#include <functional>

#include "halyard/dsl/data_ops.h"
#include "halyard_ref/graph_runner.h"
#include "op_harness.h"

using namespace halyard;
using namespace halyard_test;
using halyard_ref::Tensor;

namespace {

int pick(std::mt19937 &rng, std::vector<int> choices) {
    return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)];
}
int64_t uniform(std::mt19937 &rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

// 1, odd, primes, powers of two (ReduceMean's shift path).
const std::vector<int> kAwkward = {1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 37, 64};

std::string sh(const std::vector<int> &s) {
    std::string out;
    for (int d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
    return out;
}
std::string list(const std::vector<int64_t> &v) {
    std::string out;
    for (int64_t d : v) out += (out.empty() ? "" : ",") + std::to_string(d);
    return out;
}

// Rank 1..max_rank, at most max_elems elements; every fourth shape is 4-D.
std::vector<int> random_shape(std::mt19937 &rng, int iter, int max_rank = 4, int64_t max_elems = 6000) {
    for (;;) {
        int rank = iter % 4 == 3 ? max_rank : (int)uniform(rng, 1, max_rank);
        std::vector<int> s;
        int64_t n = 1;
        for (int i = 0; i < rank; i++) {
            s.push_back(pick(rng, kAwkward));
            n *= s.back();
        }
        if (n <= max_elems) return s;
    }
}

std::string pick_type(std::mt19937 &rng, std::vector<std::string> types) {
    return types[std::uniform_int_distribution<size_t>(0, types.size() - 1)(rng)];
}

TypedBuffer fill_any(const TensorType &t, std::mt19937 &r) {
    const int64_t n = num_elements(t.shape);
    if (t.type == ElemType::Int32) return random_buffer(r, t.type, n, -30000, 30000);
    return random_buffer(r, t.type, n);
}


std::string msg(const std::function<void()> &f) {
    try {
        f();
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

// ------------------------------------------------------------------ bit-exact

TEST(DataOps, SubBitExact) {
    std::mt19937 rng(test_seed() + 101);
    int cases = 0;
    for (int iter = 0; iter < 12; iter++) {
        auto shape = random_shape(rng, iter);
        std::vector<int> bshape(shape.end() - uniform(rng, 1, (int64_t)shape.size()), shape.end());
        for (auto &d : bshape) {
            if (rng() % 3 == 0) d = 1;
        }
        const bool swap = rng() % 2;
        const std::string at = pick_type(rng, {"int8", "uint8", "int16"}), bt = pick_type(rng, {"int8", "uint8", "int16"});
        std::map<std::string, std::string> p = {{"a_shape", sh(swap ? bshape : shape)}, {"b_shape", sh(swap ? shape : bshape)},
                                                {"a_type", at}, {"b_type", bt}};
        RequantChoice rq;
        const int mode = iter % 3;  // 0: int32, 1: requant, 2: saturate
        if (mode == 1) {
            rq = choose_requant(rng, 65535, rng() % 2 ? "1" : std::to_string(shape.back()), "1", rng() % 2);
            p.insert(rq.params.begin(), rq.params.end());
        } else {
            p["out_type"] = mode == 0 ? "int32" : pick_type(rng, {"int8", "uint8", "int16"});
        }
        auto fill = [&](const TensorType &t, std::mt19937 &r) {
            const int64_t n = num_elements(t.shape);
            if (t.name == "mul") return random_buffer(r, t.type, n, -rq.mul_max, rq.mul_max);
            if (t.name == "add") return random_buffer(r, t.type, n, -rq.add_max, rq.add_max);
            return random_buffer(r, t.type, n);
        };
        auto ref = [&](const RefInputs &in) {
            halyard_ref::RequantParams r;
            if (mode == 1) r = ref_requant(in, p);
            Tensor y = halyard_ref::sub(in.at("A"), in.at("B"), mode == 1 ? &r : nullptr);
            if (mode == 2) {
                ElemType t = parse_elem_type(p.at("out_type"));
                for (auto &v : y.data) v = halyard_ref::clip(v, elem_min(t), elem_max(t));
            }
            return y;
        };
        ASSERT_TRUE(run_op_case("sub", p, nullptr, fill, ref, rng, "sub" + std::to_string(iter)));
        cases++;
    }
    RecordProperty("cases", cases);
}

namespace {

// ReduceSum / ReduceMean / IntegerMean on random shapes and axis subsets.
void reduce_cases(const std::string &family, uint32_t seed_offset) {
    std::mt19937 rng(test_seed() + seed_offset);
    int cases = 0;
    for (int iter = 0; iter < 14; iter++) {
        auto shape = random_shape(rng, iter);
        const int rank = (int)shape.size();
        std::vector<int64_t> axes;
        for (int d = 0; d < rank; d++) {
            if (rng() % 2) axes.push_back(rng() % 2 ? d : d - rank);
        }
        if (axes.empty()) axes.push_back(iter % 2 ? rank - 1 : -1);
        std::shuffle(axes.begin(), axes.end(), rng);
        const bool keepdims = iter % 2 == 0;
        const std::string type = pick_type(rng, {"int8", "int8", "uint8", "int16", "int32"});
        std::map<std::string, std::string> p = {
            {"shape", sh(shape)}, {"in_type", type}, {"axes", list(axes)}, {"keepdims", keepdims ? "1" : "0"}};
        auto ref = [&](const RefInputs &in) {
            return family == "reduce_sum" ? halyard_ref::reduce_sum(in.at("X"), axes, keepdims)
                                          : halyard_ref::reduce_mean(in.at("X"), axes, keepdims);
        };
        ASSERT_TRUE(run_op_case(family, p, nullptr, fill_any, ref, rng, family + std::to_string(iter)));
        cases++;
    }
    ::testing::Test::RecordProperty("cases", cases);
}

}  // namespace

TEST(DataOps, ReduceSumBitExact) { reduce_cases("reduce_sum", 102); }
TEST(DataOps, ReduceMeanBitExact) { reduce_cases("reduce_mean", 103); }
TEST(DataOps, IntegerMeanBitExact) { reduce_cases("integer_mean", 104); }

// Rounding ties, both signs, both rounding rules of Deeploy's ReduceMean.
TEST(DataOps, ReduceMeanRoundsLikeDeeploy) {
    // Rows {-3, 0} (sum -3, L = 2) and {3, 0}: keepdims 1 rounds half away
    // from zero (-2, 2); keepdims 0 with L = 2^1 rounds half up (-1, 2).
    Tensor x({2, 2}, std::vector<int64_t>{-3, 0, 3, 0});
    EXPECT_EQ(halyard_ref::reduce_mean(x, {1}, true).data, (std::vector<int64_t>{-2, 2}));
    EXPECT_EQ(halyard_ref::reduce_mean(x, {1}, false).data, (std::vector<int64_t>{-1, 2}));
    // L = 3 (not a power of two): half away from zero either way.
    Tensor z({1, 3}, std::vector<int64_t>{-2, -2, 0});  // -4/3 -> (-4 - 1)/3 = -1
    EXPECT_EQ(halyard_ref::reduce_mean(z, {1}, false).data, (std::vector<int64_t>{-1}));
    for (bool keep : {true, false}) {
        std::map<std::string, std::string> p = {{"shape", "2x2"}, {"axes", "1"}, {"keepdims", keep ? "1" : "0"}};
        Tensor y = run_kernel("reduce_mean", p, {{"X", x}}, std::string("rmean_ties") + (keep ? "1" : "0"));
        EXPECT_EQ(y.data, halyard_ref::reduce_mean(x, {1}, keep).data) << "keepdims " << keep;
    }
}

TEST(DataOps, ITAPartialMaxBitExact) {
    std::mt19937 rng(test_seed() + 105);
    int cases = 0;
    for (int iter = 0; iter < 12; iter++) {
        auto shape = random_shape(rng, iter);
        const int n = shape.back();
        // Group widths that divide the row, and ones that leave a remainder.
        const int gw = iter % 3 == 0 ? n : (int)uniform(rng, 1, n);
        const int64_t n_levels = iter % 4 == 2 ? 64 : 256;
        std::map<std::string, std::string> p = {
            {"shape", sh(shape)}, {"group_width", std::to_string(gw)}, {"n_levels", std::to_string(n_levels)}};
        const int64_t span = pick(rng, {255, 60, 3});
        auto fill = [&](const TensorType &t, std::mt19937 &r) {
            int64_t lo = uniform(r, -128, 127 - std::min<int64_t>(span, 255));
            return random_buffer(r, t.type, num_elements(t.shape), lo, std::min<int64_t>(127, lo + span));
        };
        auto ref = [&](const RefInputs &in) { return halyard_ref::itapartialmax(in.at("x"), gw, n_levels); };
        ASSERT_TRUE(run_op_case("itapartialmax", p, nullptr, fill, ref, rng, "itapartialmax" + std::to_string(iter)));
        cases++;
    }
    RecordProperty("cases", cases);
}

TEST(DataOps, SliceBitExact) {
    std::mt19937 rng(test_seed() + 106);
    int cases = 0;
    for (int iter = 0; cases < 12 && iter < 200; iter++) {
        auto shape = random_shape(rng, cases);
        const int rank = (int)shape.size();
        std::vector<int64_t> starts, ends, axes, steps;
        for (int d = 0; d < rank; d++) {
            if (rng() % 2 && !(d == rank - 1 && axes.empty())) continue;
            const int64_t dim = shape[d];
            axes.push_back(rng() % 3 == 0 ? d - rank : d);
            const int64_t st = pick(rng, {1, 1, 2, 3, -1, -2});
            starts.push_back(uniform(rng, -dim - 2, dim + 2));
            const int e = pick(rng, {0, 0, 1, 2});
            ends.push_back(e == 1 ? (st > 0 ? INT64_MAX : INT64_MIN) : uniform(rng, -dim - 2, dim + 2));
            steps.push_back(st);
        }
        const bool default_axes = rng() % 4 == 0;  // axes = 0..n-1 instead
        if (default_axes) {
            for (size_t i = 0; i < axes.size(); i++) axes[i] = (int64_t)i;
        }
        const bool default_steps = std::all_of(steps.begin(), steps.end(), [](int64_t s) { return s == 1; });
        std::vector<int64_t> sh64(shape.begin(), shape.end());
        Tensor probe(sh64);
        Tensor po = halyard_ref::slice(probe, starts, ends, axes, steps);
        if (po.size() == 0) continue;  // empty selections are an error (tested below)
        std::map<std::string, std::string> p = {{"shape", sh(shape)},
                                                {"type", pick_type(rng, {"int8", "uint8", "int16", "int32"})},
                                                {"starts", list(starts)},
                                                {"ends", list(ends)},
                                                {"axes", default_axes ? "default" : list(axes)},
                                                {"steps", default_steps ? "default" : list(steps)}};
        auto ref = [&](const RefInputs &in) { return halyard_ref::slice(in.at("X"), starts, ends, axes, steps); };
        ASSERT_TRUE(run_op_case("slice", p, nullptr, fill_any, ref, rng, "slice" + std::to_string(cases)));
        cases++;
    }
    EXPECT_GE(cases, 12);
    RecordProperty("cases", cases);
}

TEST(DataOps, PadBitExact) {
    std::mt19937 rng(test_seed() + 107);
    int cases = 0;
    for (int iter = 0; iter < 12; iter++) {
        auto shape = random_shape(rng, iter, 4, 3000);
        const int rank = (int)shape.size();
        std::vector<int64_t> pads(2 * rank, 0);
        for (auto &v : pads) v = rng() % 2 ? uniform(rng, 0, 3) : 0;
        if (iter % 4 == 3) {  // Deeploy's 4-D NCHW case: H/W pads only
            for (int i : {0, 1, 4, 5}) pads[i] = 0;
        }
        const std::string type = pick_type(rng, {"int8", "uint8", "int16", "int32"});
        const ElemType t = parse_elem_type(type);
        const int64_t value = iter % 3 == 0 ? 0 : uniform(rng, std::max<int64_t>(elem_min(t), -100000), std::min<int64_t>(elem_max(t), 100000));
        std::map<std::string, std::string> p = {
            {"shape", sh(shape)}, {"type", type}, {"pads", list(pads)}, {"value", std::to_string(value)}};
        auto ref = [&](const RefInputs &in) { return halyard_ref::pad(in.at("X"), pads, value); };
        ASSERT_TRUE(run_op_case("pad", p, nullptr, fill_any, ref, rng, "pad" + std::to_string(iter)));
        cases++;
    }
    RecordProperty("cases", cases);
}

TEST(DataOps, GatherBitExact) {
    std::mt19937 rng(test_seed() + 108);
    int cases = 0;
    for (int iter = 0; iter < 12; iter++) {
        auto shape = random_shape(rng, iter);
        const int rank = (int)shape.size();
        const int axis = (int)uniform(rng, 0, rank - 1);
        const int64_t dim = shape[axis];
        const int form = iter % 3;  // 0: one scalar index (Deeploy's case), 1: [k], 2: [2, k]
        const int k = form == 0 ? 1 : (int)uniform(rng, 1, 4);
        std::vector<int64_t> idx;
        for (int i = 0; i < (form == 2 ? 2 * k : k); i++) idx.push_back(uniform(rng, -dim, dim - 1));
        std::vector<int64_t> ishape;
        if (form == 1) ishape = {k};
        if (form == 2) ishape = {2, k};
        if (rank == 1 && form == 0) ishape = {1};  // a rank-0 result is shape [1]; keep the reference's rank
        std::map<std::string, std::string> p = {{"shape", sh(shape)},
                                                {"type", pick_type(rng, {"int8", "uint8", "int16", "int32"})},
                                                {"axis", std::to_string(rng() % 2 ? axis : axis - rank)},
                                                {"indices", list(idx)},
                                                {"indices_shape", ishape.empty() ? "scalar" : list(ishape)}};
        auto ref = [&](const RefInputs &in) { return halyard_ref::gather(in.at("X"), Tensor(ishape, idx), axis); };
        ASSERT_TRUE(run_op_case("gather", p, nullptr, fill_any, ref, rng, "gather" + std::to_string(iter)));
        cases++;
    }
    RecordProperty("cases", cases);
}

// ------------------------------------------------------------- spec errors

TEST(DataOps, BadSpecsNameOpParameterAndValue) {
    auto has = [](const std::string &m, const std::string &part) {
        EXPECT_NE(m.find(part), std::string::npos) << "message: " << m << "\nexpected to contain: " << part;
    };
    has(msg([] { ReduceSpec s; s.shape = {2, 3}; s.axes = {3}; reduce_mean(s); }),
        "reduce_mean: axes value 3 is outside the rank 2 of X [2, 3]");
    has(msg([] { ReduceSpec s; s.shape = {2, 3}; s.axes = {1, -1}; reduce_sum(s); }), "reduce_sum: axes names axis 1 twice");
    has(msg([] { ReduceSpec s; s.axes = {-4}; integer_mean(s); }), "integer_mean: axes value -4");
    has(msg([] { PadSpec s; s.shape = {4, 5}; s.pads = {1, -1, 0, 0}; pad(s); }),
        "pad: pads [1,-1,0,0] has the negative value -1");
    has(msg([] { PadSpec s; s.shape = {4, 5}; s.pads = {1, 1}; pad(s); }), "pad: pads [1,1] has 2 values; X [4, 5] needs 4");
    has(msg([] { PadSpec s; s.value = 300; pad(s); }), "pad: value=300 does not fit the element type int8");
    has(msg([] { PadSpec s; s.mode = "reflect"; pad(s); }), "pad: mode 'reflect'");
    has(msg([] { GatherSpec s; s.shape = {16, 64}; s.indices = {16}; gather(s); }),
        "gather: indices value 16 is outside [-16, 15] for axis 0 of X [16, 64]");
    has(msg([] { GatherSpec s; s.shape = {16, 64}; s.axis = 2; gather(s); }), "gather: axis 2 is outside the rank 2");
    has(msg([] { GatherSpec s; s.indices = {1, 2, 3}; s.indices_shape = {2}; gather(s); }),
        "gather: indices has 3 values, indices_shape [2] has 2");
    has(msg([] { SubSpec s; s.a.shape = {4, 5}; s.b.shape = {3}; sub(s); }), "sub: shapes [4, 5] and [3] do not broadcast");
    has(msg([] { SliceSpec s; s.shape = {8}; s.starts = {5}; s.ends = {2}; s.axes = {0}; slice(s); }),
        "slice: starts 5, ends 2, steps 1 select no element of axis 0");
    has(msg([] { SliceSpec s; s.shape = {8, 4}; s.axes = {3}; slice(s); }), "slice: axes value 3 is outside the rank 2");
    has(msg([] { SliceSpec s; s.steps = {0}; slice(s); }), "slice: steps value 0");
    has(msg([] { ITAPartialMaxSpec s; s.shape = {4, 8}; s.group_width = 9; itapartialmax(s); }),
        "itapartialmax: group_width=9 must be in 1..last dimension 8");
    // Through the generators: parameter name and value.
    has(msg([] { run_generator("pad", {{"pads", "1,a"}}, TargetDescription::named("host"), nullptr, "bad_pad"); }),
        "generator pad: parameter pads=1,a");
    has(msg([] { run_generator("gather", {{"indices", "99"}}, TargetDescription::named("host"), nullptr, "bad_gather"); }),
        "gather: indices value 99 is outside [-16, 15]");
    has(msg([] { run_generator("reduce_sum", {{"axes", "5"}}, TargetDescription::named("host"), nullptr, "bad_rs"); }),
        "reduce_sum: axes value 5 is outside the rank 3 of X [1, 16, 64]");
}

// ------------------------------------------- reference graph runner, both opsets

namespace {

halyard::io::OnnxAttribute ints_attr(const std::string &name, std::vector<int64_t> v) {
    halyard::io::OnnxAttribute a;
    a.name = name;
    a.kind = halyard::io::AttrKind::Ints;
    a.ints = std::move(v);
    return a;
}
halyard::io::OnnxAttribute int_attr(const std::string &name, int64_t v) {
    halyard::io::OnnxAttribute a;
    a.name = name;
    a.kind = halyard::io::AttrKind::Int;
    a.i = v;
    return a;
}
halyard::io::OnnxAttribute float_attr(const std::string &name, double v) {
    halyard::io::OnnxAttribute a;
    a.name = name;
    a.kind = halyard::io::AttrKind::Float;
    a.f = v;
    return a;
}
halyard::io::OnnxAttribute string_attr(const std::string &name, const std::string &v) {
    halyard::io::OnnxAttribute a;
    a.name = name;
    a.kind = halyard::io::AttrKind::String;
    a.s = v;
    return a;
}

Tensor run1(const std::string &op, std::vector<std::string> inputs, std::vector<halyard::io::OnnxAttribute> attrs,
            std::map<std::string, Tensor> values) {
    halyard::io::OnnxGraph g;
    halyard::io::OnnxNode n;
    n.op_type = op;
    n.name = op + "_0";
    n.inputs = std::move(inputs);
    n.outputs = {"y"};
    n.attributes = std::move(attrs);
    halyard_ref::run_node(g, n, values);
    return values.at("y");
}

Tensor vec(std::vector<int64_t> v) { return Tensor({(int64_t)v.size()}, v); }

}  // namespace

TEST(DataOps, GraphRunnerOpsetForms) {
    std::vector<int64_t> d(2 * 3 * 4);
    for (size_t i = 0; i < d.size(); i++) d[i] = (int64_t)i - 7;
    const Tensor x({2, 3, 4}, d);
    // Slice: opset 1 attributes == opset 10 inputs.
    Tensor s_old = run1("Slice", {"x"}, {ints_attr("starts", {1, -3}), ints_attr("ends", {3, 100}), ints_attr("axes", {1, 2})},
                        {{"x", x}});
    Tensor s_new = run1("Slice", {"x", "s", "e", "a", "st"}, {},
                        {{"x", x}, {"s", vec({1, -3})}, {"e", vec({3, 100})}, {"a", vec({1, 2})}, {"st", vec({1, 1})}});
    EXPECT_EQ(s_old.shape, (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(s_old.data, s_new.data);
    EXPECT_EQ(s_old.data, halyard_ref::slice(x, {1, -3}, {3, 100}, {1, 2}).data);
    // Pad: opset 2 attributes == opset 11 inputs == opset 18 axes form.
    Tensor p_old = run1("Pad", {"x"}, {ints_attr("pads", {0, 0, 1, 0, 0, 2}), float_attr("value", 5), string_attr("mode", "constant")},
                        {{"x", x}});
    Tensor p_new = run1("Pad", {"x", "p", "v"}, {}, {{"x", x}, {"p", vec({0, 0, 1, 0, 0, 2})}, {"v", Tensor({}, std::vector<int64_t>{5})}});
    Tensor p_axes = run1("Pad", {"x", "p", "v", "a"}, {},
                         {{"x", x}, {"p", vec({1, 2})}, {"v", Tensor({}, std::vector<int64_t>{5})}, {"a", vec({-1})}});
    EXPECT_EQ(p_old.shape, (std::vector<int64_t>{2, 3, 7}));
    EXPECT_EQ(p_old.data, p_new.data);
    EXPECT_EQ(p_old.data, p_axes.data);
    // ReduceMean / IntegerMean: axes attribute (opset < 18) == axes input.
    Tensor m_old = run1("ReduceMean", {"x"}, {ints_attr("axes", {-1}), int_attr("keepdims", 0)}, {{"x", x}});
    Tensor m_new = run1("ReduceMean", {"x", "a"}, {int_attr("keepdims", 0)}, {{"x", x}, {"a", vec({-1})}});
    Tensor m_int = run1("IntegerMean", {"x"}, {ints_attr("axes", {2}), int_attr("keepdims", 0)}, {{"x", x}});
    EXPECT_EQ(m_old.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(m_old.data, m_new.data);
    EXPECT_EQ(m_old.data, m_int.data);
    Tensor rs = run1("ReduceSum", {"x", "a"}, {}, {{"x", x}, {"a", vec({0, 2})}});
    EXPECT_EQ(rs.shape, (std::vector<int64_t>{1, 3, 1}));
    // Squeeze / Unsqueeze (attribute and input forms), Flatten, Identity.
    const Tensor u = run1("Unsqueeze", {"x"}, {ints_attr("axes", {0, -1})}, {{"x", x}});
    EXPECT_EQ(u.shape, (std::vector<int64_t>{1, 2, 3, 4, 1}));
    const Tensor u2 = run1("Unsqueeze", {"x", "a"}, {}, {{"x", x}, {"a", vec({1})}});
    EXPECT_EQ(u2.shape, (std::vector<int64_t>{2, 1, 3, 4}));
    EXPECT_EQ(run1("Squeeze", {"u"}, {}, {{"u", u}}).shape, (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(run1("Squeeze", {"u", "a"}, {}, {{"u", u}, {"a", vec({-1})}}).shape, (std::vector<int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(run1("Squeeze", {"u"}, {ints_attr("axes", {0})}, {{"u", u}}).shape, (std::vector<int64_t>{2, 3, 4, 1}));
    EXPECT_EQ(run1("Flatten", {"x"}, {int_attr("axis", 2)}, {{"x", x}}).shape, (std::vector<int64_t>{6, 4}));
    EXPECT_EQ(run1("Flatten", {"x"}, {}, {{"x", x}}).shape, (std::vector<int64_t>{2, 12}));
    EXPECT_EQ(run1("Identity", {"x"}, {}, {{"x", x}}).data, x.data);
    // Gather (Deeploy: one constant index) and Sub.
    Tensor gth = run1("Gather", {"x", "i"}, {int_attr("axis", 1)}, {{"x", x}, {"i", Tensor({}, std::vector<int64_t>{-1})}});
    EXPECT_EQ(gth.shape, (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(gth.data[0], x.data[8]);
    EXPECT_EQ(run1("Sub", {"x", "x"}, {}, {{"x", x}}).data, std::vector<int64_t>(24, 0));
}
