// Shared pieces of the Transformer ops: row-wise (last-axis) loop variables,
// stage records, the integer square root. Internal to dsl/.
#pragma once

#include <functional>

#include "builders.h"
#include "halyard/dsl/transformer_ops.h"

namespace halyard::detail {

// Loop variables d0..d{r-1} of a tensor, outermost first, plus the row view
// (every axis but the last) that row-wise reductions use.
struct AxisVars {
    std::vector<std::string> names;   // "d0", "d1", ...
    std::vector<Halide::Var> vars;    // outermost first
    std::vector<Halide::Expr> coords; // the same as Exprs

    explicit AxisVars(size_t rank);
    std::vector<Halide::Var> halide() const { return halide_order(vars); }
    // Row variables (all but the last axis), Halide order.
    std::vector<Halide::Var> row_halide() const;
    std::vector<std::string> row_names() const { return {names.begin(), names.end() - 1}; }
    // Halide-order coordinates of `in` at (row, j): the row variables and `j` as the last axis.
    std::vector<Halide::Expr> at_last(const Halide::Expr &j) const;
};

// A Stage over `loops` (outermost first) with `extents`, optional reduction `r` named `rname`.
Stage make_stage(const std::string &name, Halide::Func f, const std::vector<std::string> &loops,
                 const Shape &extents, const std::string &rname = "", Halide::RDom r = Halide::RDom(),
                 int rextent = 0);

// Checks for row-wise ops: rank >= 1, positive dims.
void check_row_op(const std::string &op, const Shape &shape);

// Throws unless `t` is one of `allowed`, naming the op and tensor.
void check_type(const std::string &op, const std::string &tensor, ElemType t, std::vector<ElemType> allowed);

// floor(sqrt(v)) of a non-negative int32 `v` < 2^(2*bits) (an Expr over the
// row variables of `ax`), by setting the result's bits from the top (`bits`
// steps of an RDom update, loop "b"): a stage `name` over the row loops.
Stage isqrt_stage(const std::string &name, const AxisVars &ax, const Shape &shape, Halide::Expr v, int bits);

// Output stage Y of an elementwise op: int32 `v`, requantized when `rq`.
void finish_elementwise(Algorithm &a, const std::string &op, Halide::Expr v, const AxisVars &ax, const Shape &shape,
                        const std::optional<RequantParams> &rq);

// Output stage Y of an activation y = f(x) of the algorithm's first input x
// (int32, requantized when `rq`). With a byte input and a per-tensor
// requantization the whole op is a 256-entry table of requant(f(x)) (filled
// once per call, or the input "requant_table" when `tables_as_inputs`: a
// network's constant), one lookup per element.
void finish_activation(Algorithm &a, const std::string &op, const std::function<Halide::Expr(Halide::Expr)> &f,
                       const AxisVars &ax, const Shape &shape, const std::optional<RequantParams> &rq,
                       bool tables_as_inputs);

// Data movement: Y(out coords) = X(in_coords), in_coords outermost first
// (Halide Exprs of ax's vars); the output stage of transpose, slice, gather.
void finish_copy(Algorithm &a, ElemType type, const AxisVars &ax, const std::vector<Halide::Expr> &in_coords,
                 const Shape &out_shape);

// Y = f(A, B) elementwise with numpy broadcasting on int32 values: int32
// out, saturated to `output_type`, or requantized (mul, sub).
Algorithm binary_elementwise(const std::string &op, const TensorType &A, const TensorType &B,
                             const std::optional<RequantParams> &requant, const std::optional<ElemType> &output_type,
                             const std::function<Halide::Expr(Halide::Expr, Halide::Expr)> &f);

// Add `spec` (ops.h) as a value other ops build on: the element at `coords`
// (the broadcast output's, outermost first) in add_output_type(spec).
// Appends the Add's inputs to `a`, each name after `prefix` (A, B, mul, add,
// a_mul, ...), and its requantization tables to `tables` (stages the
// schedule fills or inlines).
Halide::Expr add_value(Algorithm &a, const AddSpec &spec, const std::vector<Halide::Expr> &coords,
                       const std::string &prefix, std::vector<Stage> &tables);
ElemType add_output_type(const AddSpec &spec);

// A requantization with per-tensor mul and add (inputs rq_prefix + "mul",
// "add" of `a`) of a value `v` known to lie in [lo, lo + entries), as a table
// of its results: a stage `name` over `i` appended to `tables`, which the
// schedule fills once per call (many elements) or inlines (few: the same
// expression as without the table). Returns the int32 lookup of `v`, or
// nothing when mul or add is not per tensor. `as_input`: the table is an
// input `name` instead (recorded in a.table_inputs). `pre`: the table is of
// requant(pre(v)) (an elementwise op's whole function of a byte input).
std::optional<Halide::Expr> requant_by_table(Algorithm &a, const std::string &name, const Halide::Expr &v, int lo,
                                             int entries, const std::string &rq_prefix, const RequantParams &rq,
                                             std::vector<Stage> &tables, bool as_input,
                                             const std::function<Halide::Expr(Halide::Expr)> &pre = {});

// Deeploy's iSoftmax exp of one element: `x` and `xmax` int32 Exprs
// (x <= xmax), result uint32 (int8/int16 narrowing and wrap-around as in C).
// `deeploy_casts = false` (Halyard's int16-input form) computes the shift and
// the remainder in int32 instead: I-BERT's algorithm without the narrowing.
Halide::Expr isoftmax_exp(Halide::Expr x, Halide::Expr xmax, int64_t coeffA, int64_t coeffB, int64_t coeffC,
                          int64_t log2, bool deeploy_casts = true);

// clip_int8((v * mul + add + 2^(log2d-1)) >> log2d) with constants.
Halide::Expr rq_const(Halide::Expr v, const RequantConst &rq);

// The pieces the attention body reads: the int8 input x(e, s), the weight
// columns/rows (Q at column 0 of Wqkv, K at H*Dh, V at (H+Hkv)*Dh; Wo rows
// from wo_row0), optional biases and cache.
struct AttentionIO {
    Halide::Func x;
    Halide::ImageParam Wqkv, Wo;
    int wo_row0 = 0;
    std::optional<Halide::ImageParam> bqkv, bo, kv_cache, rope_tables;
};
// Integer RoPE of the int8 head vectors f(d, s, h) (d < Dh) at position
// pos0 + s, with tables [2, P, Dh/2] (an inlined Func).
Halide::Func rope_heads(Halide::Func f, const std::string &name, int Dh, int pos0, int positions, int frac_bits,
                        bool interleaved, const Halide::ImageParam &tables);
void check_attention(const std::string &op, const AttentionSpec &spec);
// Appends the attention stages (q_acc ... ctx, y_acc) and returns y_acc(e, s),
// the int32 output-projection accumulator (before rq_o).
Halide::Func attention_body(const AttentionSpec &spec, const AttentionIO &io, std::vector<Stage> &stages);

}  // namespace halyard::detail
