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
// ...read into a spec with AddSpec's fields (a, b, requant, output_type).
template <typename Spec>
Spec elementwise_spec(const ParamMap &p) {
    Spec s;
    s.a = {"A", p.elem_type("a_type"), p.shape("a_shape")};
    s.b = {"B", p.elem_type("b_type"), p.shape("b_shape")};
    s.requant = p.requant();
    if (!s.requant) s.output_type = p.elem_type("out_type");
    return s;
}

}  // namespace halyard
