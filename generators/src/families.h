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

// `p` plus the shared requantization parameters.
std::vector<GeneratorParam> with_requant(std::vector<GeneratorParam> p);

}  // namespace halyard
