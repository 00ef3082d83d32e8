// Deeploy's fused nodes (produced by its graph rewrites) against the unfused
// node chains they replace, on random data: RequantizedAdd vs RQS,RQS->Add->RQS
// (rounding folded into add), RQGemm vs Gemm->RQS, RQMatMul vs MatMul->RQS,
// RequantizediHardswish vs iHardswish->RQS (add = 0).
#include <gtest/gtest.h>

#include <random>

#include "halyard_ref/graph_runner.h"

using namespace halyard_ref;
namespace hio = halyard::io;

namespace {

hio::OnnxAttribute int_attr(const std::string &name, int64_t v) {
    hio::OnnxAttribute a;
    a.name = name;
    a.kind = hio::AttrKind::Int;
    a.i = v;
    return a;
}

hio::OnnxNode node(const std::string &op, std::vector<std::string> in, std::vector<std::string> out,
                   std::vector<hio::OnnxAttribute> attrs = {}) {
    hio::OnnxNode n;
    n.op_type = op;
    n.name = op;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attributes = std::move(attrs);
    return n;
}

std::vector<hio::OnnxAttribute> rqs_attrs(int64_t div) {
    return {int_attr("div", div), int_attr("n_levels", 256), int_attr("signed", 1)};
}

Tensor random_tensor(std::mt19937 &rng, std::vector<int64_t> shape, int64_t lo, int64_t hi) {
    Tensor t(std::move(shape));
    std::uniform_int_distribution<int64_t> d(lo, hi);
    for (auto &v : t.data) v = d(rng);
    return t;
}

Tensor scalar(int64_t v) { return Tensor({}, std::vector<int64_t>{v}); }

// Run a graph made of `nodes` on `values` and return the value named `out`.
Tensor run(const std::vector<hio::OnnxNode> &nodes, std::map<std::string, Tensor> values, const std::string &out) {
    hio::OnnxGraph g;
    g.nodes = nodes;
    for (auto &n : g.nodes) run_node(g, n, values);
    return values.at(out);
}

}  // namespace

TEST(RefFused, RequantizedAddEqualsRqsAddRqs) {
    std::mt19937 rng(1);
    for (int trial = 0; trial < 50; ++trial) {
        const std::vector<int64_t> shape = {1, 1 + int64_t(rng() % 7), 1 + int64_t(rng() % 13)};
        std::map<std::string, Tensor> v;
        v["a"] = random_tensor(rng, shape, -128, 127);
        v["b"] = random_tensor(rng, shape, -128, 127);
        int64_t mul[3], add[3], sh[3];
        for (int k = 0; k < 3; ++k) {
            mul[k] = 1 + int64_t(rng() % 4000);
            add[k] = int64_t(rng() % 20001) - 10000;
            sh[k] = 4 + int64_t(rng() % 12);
        }
        v["m1"] = scalar(mul[0]); v["a1"] = scalar(add[0]);
        v["m2"] = scalar(mul[1]); v["a2"] = scalar(add[1]);
        v["mo"] = scalar(mul[2]); v["ao"] = scalar(add[2]);
        const Tensor unfused = run({node("RequantShift", {"a", "m1", "a1"}, {"ra"}, rqs_attrs(int64_t(1) << sh[0])),
                                    node("RequantShift", {"b", "m2", "a2"}, {"rb"}, rqs_attrs(int64_t(1) << sh[1])),
                                    node("Add", {"ra", "rb"}, {"s"}),
                                    node("RequantShift", {"s", "mo", "ao"}, {"y"}, rqs_attrs(int64_t(1) << sh[2]))},
                                   v, "y");
        std::vector<hio::OnnxAttribute> attrs;
        const char *prefix[3] = {"rqs1", "rqs2", "rqsOut"};
        for (int k = 0; k < 3; ++k) {
            attrs.push_back(int_attr(std::string(prefix[k]) + "_mul", mul[k]));
            attrs.push_back(int_attr(std::string(prefix[k]) + "_add", add[k] + (int64_t(1) << sh[k]) / 2));
            attrs.push_back(int_attr(std::string(prefix[k]) + "_shift", sh[k]));
        }
        const Tensor fused = run({node("RequantizedAdd", {"a", "b"}, {"y"}, attrs)}, v, "y");
        ASSERT_EQ(fused.data, unfused.data) << "trial " << trial;
    }
}

TEST(RefFused, RQGemmAndRQMatMulEqualUnfused) {
    std::mt19937 rng(2);
    for (int trial = 0; trial < 30; ++trial) {
        const int64_t M = 1 + rng() % 9, N = 1 + rng() % 17, O = 1 + rng() % 11;
        const bool tB = rng() % 2;
        std::map<std::string, Tensor> v;
        v["A"] = random_tensor(rng, {M, N}, -128, 127);
        v["B"] = random_tensor(rng, tB ? std::vector<int64_t>{O, N} : std::vector<int64_t>{N, O}, -128, 127);
        v["C"] = random_tensor(rng, {O}, -5000, 5000);
        v["mul"] = random_tensor(rng, {M, 1}, 1, 300);
        v["add"] = random_tensor(rng, {M, 1}, -100000, 100000);
        const int64_t div = int64_t(1) << (10 + rng() % 8);
        std::vector<hio::OnnxAttribute> gemm_attrs = {int_attr("transB", tB), int_attr("alpha", 1), int_attr("beta", 1)};
        const Tensor unfused = run({node("Gemm", {"A", "B", "C"}, {"g"}, gemm_attrs),
                                    node("RequantShift", {"g", "mul", "add"}, {"y"}, rqs_attrs(div))},
                                   v, "y");
        auto fused_attrs = gemm_attrs;
        for (auto &a : rqs_attrs(div)) fused_attrs.push_back(a);
        const Tensor fused = run({node("RQGemm", {"A", "B", "C", "add", "mul"}, {"y"}, fused_attrs)}, v, "y");
        ASSERT_EQ(fused.data, unfused.data) << "RQGemm trial " << trial;

        if (!tB) {
            const Tensor mm = run({node("MatMul", {"A", "B"}, {"g"}),
                                   node("RequantShift", {"g", "mul", "add"}, {"y"}, rqs_attrs(div))},
                                  v, "y");
            const Tensor rqmm = run({node("RQMatMul", {"A", "B", "add", "mul"}, {"y"}, rqs_attrs(div))}, v, "y");
            ASSERT_EQ(rqmm.data, mm.data) << "RQMatMul trial " << trial;
        }
    }
}

TEST(RefFused, RequantizediHardswishEqualsUnfusedWhenAddIsZero) {
    std::mt19937 rng(3);
    std::map<std::string, Tensor> v;
    v["x"] = random_tensor(rng, {1, 3, 37}, -128, 127);
    v["mul"] = scalar(3);
    v["zero"] = scalar(0);
    std::vector<hio::OnnxAttribute> hs = {int_attr("one_over_six", 33), int_attr("six", 1530), int_attr("three", 765)};
    const Tensor unfused = run({node("iHardswish", {"x"}, {"h"}, hs),
                                node("RequantShift", {"h", "mul", "zero"}, {"y"}, rqs_attrs(int64_t(1) << 14))},
                               v, "y");
    auto fused_attrs = hs;
    fused_attrs.push_back(int_attr("mul", 3));
    fused_attrs.push_back(int_attr("add", 0));
    fused_attrs.push_back(int_attr("shift", 14));
    const Tensor fused = run({node("RequantizediHardswish", {"x"}, {"y"}, fused_attrs)}, v, "y");
    EXPECT_EQ(fused.data, unfused.data);
}
