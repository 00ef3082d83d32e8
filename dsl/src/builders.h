// Shared pieces for writing algorithms: fixed-shape inputs, broadcast reads,
// the requantization expression. Internal to dsl/.
#pragma once

#include "halyard/dsl/algorithm.h"

namespace halyard::detail {

// An ImageParam with every dimension's min, extent and dense row-major stride
// fixed, so generated code has shapes baked in.
InputTensor make_input(const std::string &name, ElemType type, const Shape &shape);

// Fix the output buffer of `f` to a dense row-major `shape`.
void fix_output_shape(Halide::Func f, const Shape &shape);

// Read `in` at the output coordinates `out_vars` (outermost first) with numpy
// broadcasting: trailing axes align; size-1 axes read index 0.
Halide::Expr broadcast_read(const InputTensor &in, const std::vector<Halide::Expr> &out_coords);

// Deeploy's RequantShift applied to an int32 value.
Halide::Expr requant(Halide::Expr v, Halide::Expr mul, Halide::Expr add, const RequantParams &p);

// Loop variables named after output axes, outermost first.
std::vector<Halide::Var> axis_vars(const std::vector<std::string> &names);
// Halide argument order (innermost first) of `vars` given outermost first.
std::vector<Halide::Var> halide_order(std::vector<Halide::Var> vars);
std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var> &vars);

void check_shape(const std::string &op, const std::string &tensor, const Shape &s);

// Validate fused requantization parameters against the shape they apply to
// and add the "<prefix>mul" and "<prefix>add" int32 inputs.
void add_requant_inputs(Algorithm &a, const std::string &op, const RequantParams &p, const Shape &out_shape,
                        const std::string &prefix = "");

}  // namespace halyard::detail

namespace halyard {
struct ReduceSpec;
}

namespace halyard::detail {

// ReduceSum (mean = false) or ReduceMean with Deeploy's rounding (mean =
// true) of `spec`, under the op name `op` (reduce_sum, reduce_mean,
// integer_mean share it; defined in reduce.cpp).
Algorithm reduce_op(const std::string &op, const ReduceSpec &spec, bool mean);

}  // namespace halyard::detail
