// The op families: one generator each, with its parameters and defaults.
#include "families.h"

namespace halyard {

std::vector<GeneratorParam> with_requant(std::vector<GeneratorParam> p, const std::string &prefix) {
    auto r = requant_params(prefix);
    p.insert(p.end(), r.begin(), r.end());
    return p;
}

std::vector<GeneratorParam> elementwise_params() {
    return with_requant({{"a_shape", "16", "shape of A"},
                         {"b_shape", "16", "shape of B"},
                         {"a_type", "int8", "element type of A"},
                         {"b_type", "int8", "element type of B"},
                         {"out_type", "int32", "output type without requant (saturating when narrower)"}});
}

std::vector<GeneratorParam> add_params(const std::string &prefix) {
    std::vector<GeneratorParam> p = with_requant(with_requant(elementwise_params(), "a_"), "b_");
    for (auto &g : p) g.name = prefix + g.name;
    return p;
}

AddSpec add_spec(const ParamMap &p, const std::string &prefix) {
    AddSpec s = elementwise_spec<AddSpec>(p, prefix);
    s.a_requant = p.requant(prefix + "a_");
    s.b_requant = p.requant(prefix + "b_");
    return s;
}

GeneratorParam requant_tables_param() {
    return {"requant_tables", "compute",
            "compute (the requantizations done by table fill their tables every call, or inline them) or input "
            "(each table is an input named after it, of the requantization's output type, as "
            "requant_table_values gives it: a network's constants)"};
}

bool requant_tables_as_inputs(const ParamMap &p) {
    const std::string v = p.str("requant_tables");
    if (v != "compute" && v != "input") p.bad("requant_tables", "expected compute or input");
    return v == "input";
}

namespace {

GeneratorFamily requant_shift_family() {
    return {"requant_shift",
            "y = clamp((x * mul + add + round) >> log2d) (Deeploy RequantShift), per tensor or per channel",
            {{"shape", "16x16", "shape of x"},
             {"in_type", "int32", "element type of x: int8, uint8, int16, int32"},
             {"mul_shape", "1", "shape of mul (1: per tensor, C: per channel over the last axis)"},
             {"add_shape", "1", "shape of add"},
             {"log2d", "0", "right shift"},
             {"n_levels", "256", "output levels"},
             {"signed", "1", "signed output"},
             {"rounding", "1", "round half up before shifting"}},
            [](const ParamMap &p) {
                RequantShiftSpec s;
                s.input = {"x", p.elem_type("in_type"), p.shape("shape")};
                s.requant.mul_shape = p.shape("mul_shape");
                s.requant.add_shape = p.shape("add_shape");
                s.requant.log2d = p.integer("log2d", 0, 31);
                s.requant.n_levels = p.int64("n_levels", 2, int64_t(1) << 32);
                s.requant.signed_output = p.boolean("signed");
                s.requant.rounding = p.boolean("rounding");
                return requant_shift(s);
            }};
}

GeneratorFamily gemm_family() {
    return {"gemm",
            "Y[M,N] = alpha * A x B + beta * C, int32 accumulate, optional fused requantization",
            with_requant({{"M", "16", "rows of Y"},
                          {"N", "16", "columns of Y"},
                          {"K", "16", "reduction length"},
                          {"a_type", "int8", "int8 or uint8"},
                          {"b_type", "int8", "int8 or uint8"},
                          {"trans_a", "0", "A given as [K, M]"},
                          {"trans_b", "0", "B given as [N, K]"},
                          {"bias", "none", "shape of the int32 bias C: none, N, 1xN, Mx1, MxN or 1"},
                          {"alpha", "1", "integer scale of A x B"},
                          {"beta", "1", "integer scale of C"}}),
            [](const ParamMap &p) {
                GemmSpec s;
                s.M = p.integer("M", 1, 1 << 16);
                s.N = p.integer("N", 1, 1 << 16);
                s.K = p.integer("K", 1, 1 << 16);
                s.a_type = p.elem_type("a_type");
                s.b_type = p.elem_type("b_type");
                s.trans_a = p.boolean("trans_a");
                s.trans_b = p.boolean("trans_b");
                s.bias_shape = p.optional_shape("bias");
                s.alpha = p.integer("alpha", -(1 << 30), 1 << 30);
                s.beta = p.integer("beta", -(1 << 30), 1 << 30);
                s.requant = p.requant();
                return gemm(s);
            }};
}

GeneratorFamily matmul_family() {
    return {"matmul",
            "batched Y[..., M, N] = A[..., M, K] x B[..., K, N] with broadcast batch axes, int32 or requantized",
            with_requant({{"a_shape", "1x16x16", "shape of A"},
                          {"b_shape", "1x16x16", "shape of B ([..., N, K] with trans_b)"},
                          {"trans_b", "0", "B given as [..., N, K]"},
                          {"a_type", "int8", "int8 or uint8"},
                          {"b_type", "int8", "int8 or uint8"}}),
            [](const ParamMap &p) {
                MatMulSpec s;
                s.a_shape = p.shape("a_shape");
                s.b_shape = p.shape("b_shape");
                s.trans_b = p.boolean("trans_b");
                s.a_type = p.elem_type("a_type");
                s.b_type = p.elem_type("b_type");
                s.requant = p.requant();
                return matmul(s);
            }};
}

GeneratorFamily add_family() {
    return {"add",
            "Y = A + B elementwise with numpy broadcasting; int32, saturated or requantized; each operand optionally "
            "requantized first (a_requant, b_requant)",
            [] {
                auto params = add_params();
                params.push_back(requant_tables_param());
                return params;
            }(),
            [](const ParamMap &p) {
                AddSpec s = add_spec(p);
                s.requant_tables_as_inputs = requant_tables_as_inputs(p);
                return add(s);
            }};
}

}  // namespace

std::vector<GeneratorFamily> core_op_families() {
    return {requant_shift_family(), gemm_family(), matmul_family(), add_family()};
}

const std::vector<GeneratorFamily> &generator_families() {
    // Each file of families contributes a list (see families.h).
    static const std::vector<GeneratorFamily> families = [] {
        std::vector<GeneratorFamily> all;
        for (auto list : {core_op_families(), transformer_families(), data_op_families()}) all.insert(all.end(), list.begin(), list.end());
        return all;
    }();
    return families;
}

const GeneratorFamily &find_generator(const std::string &name) {
    std::string names;
    for (const auto &f : generator_families()) {
        if (f.name == name) return f;
        names += (names.empty() ? "" : ", ") + f.name;
    }
    throw UserError("unknown generator '" + name + "' (generators: " + names + ")");
}

GeneratedLibrary run_generator(const std::string &family, const std::map<std::string, std::string> &params,
                               const TargetDescription &target, const Schedule *schedule, const std::string &name,
                               const LibraryOptions &options) {
    const GeneratorFamily &f = find_generator(family);
    ParamMap p(family, f.params, params);
    return generate_library(f.build(p), schedule, target, name, options);
}

}  // namespace halyard
