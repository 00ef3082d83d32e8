// Generator families, grouped by file. To add a family, add it to one of
// these lists (or a new list registered in generator_families()).
#pragma once

#include "halyard/generator.h"

namespace halyard {

// families.cpp: requant_shift, gemm, matmul, add.
std::vector<GeneratorFamily> core_op_families();
// transformer_families.cpp: the Transformer layer ops (issue 5).
std::vector<GeneratorFamily> transformer_families();
// data_op_families.cpp: sub, reduce_sum, reduce_mean, integer_mean, itapartialmax,
// slice, pad, gather.
std::vector<GeneratorFamily> data_op_families();

// `p` plus the shared requantization parameters (named after `prefix`).
std::vector<GeneratorParam> with_requant(std::vector<GeneratorParam> p, const std::string &prefix = "");

// A binary elementwise op with numpy broadcasting (add, sub): a_shape,
// b_shape, a_type, b_type, out_type and the requantization parameters...
std::vector<GeneratorParam> elementwise_params();
// ...read into a spec with AddSpec's fields (a, b, requant, output_type),
// each parameter's name after `prefix`.
template <typename Spec>
Spec elementwise_spec(const ParamMap &p, const std::string &prefix = "") {
    Spec s;
    s.a = {"A", p.elem_type(prefix + "a_type"), p.shape(prefix + "a_shape")};
    s.b = {"B", p.elem_type(prefix + "b_type"), p.shape(prefix + "b_shape")};
    s.requant = p.requant(prefix);
    if (!s.requant) s.output_type = p.elem_type(prefix + "out_type");
    return s;
}

// The add family's parameters (elementwise_params and the operands'
// requantizations a_*, b_*), each name after `prefix`, and the AddSpec they
// give: the add family's, and an Add that another family fuses (isoftmax x_*).
std::vector<GeneratorParam> add_params(const std::string &prefix = "");
AddSpec add_spec(const ParamMap &p, const std::string &prefix = "");
// "requant_tables" (compute | input): the families whose requantizations may
// be tables (add, isoftmax) read them from inputs when it is "input".
GeneratorParam requant_tables_param();
bool requant_tables_as_inputs(const ParamMap &p);

}  // namespace halyard
