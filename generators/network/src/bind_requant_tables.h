// Requantization tables as constants of the program. A kernel whose
// requantizations are tables (the add family's byte operands and sums, the
// fused softmax's output) fills them every call, or, when it has few
// elements, evaluates the requantization per element. With per-tensor mul
// and add that are constants of the network, the tables are constants too:
// computed here from the DSL's own expression (requant_table_values), read by
// the kernel from inputs (requant_tables=input), filled never.
#pragma once

#include <string>

#include "halyard/dsl/algorithm.h"
#include "halyard/generator.h"
#include "lower_ops.h"

namespace halyard::network {

// When `algo` (built by `family` from l.params) has requantization tables,
// its output has at least as many elements as its largest table has entries,
// and every table's mul and add are constants: sets
// l.params["requant_tables"] = "input", binds each table input to a constant
// (one per distinct table, shared between kernels) and returns the algorithm
// rebuilt with them. Otherwise returns `algo` and leaves `l` unchanged.
Algorithm bind_requant_tables(Lowered &l, const GeneratorFamily &family, Algorithm algo, LowerContext &ctx);

}  // namespace halyard::network
