// Halyard's integer-only ops. Each function builds an Algorithm from a spec;
// the semantics follow Deeploy's Generic target (docs/deeploy-semantics.md).
// Values are true values: a uint8 tensor holds 0..255 (Deeploy stores such
// tensors shifted into int8 and undoes the shift with its *_offset terms,
// which Halyard therefore does not need).
#pragma once

#include <optional>

#include "halyard/dsl/algorithm.h"

namespace halyard {

// y = requant(x) elementwise; x is int8/uint8/int16/int32 of any rank.
struct RequantShiftSpec {
    TensorType input{"x", ElemType::Int32, {16, 16}};
    RequantParams requant;
};
Algorithm requant_shift(const RequantShiftSpec &spec);

// Y[M, N] = alpha * sum_k A[M, K] * B[K, N] + beta * C   (int32 accumulate),
// A given as [K, M] when trans_a, B as [N, K] when trans_b; C (int32) of shape
// [N], [1, N] or [M, N]; optional fused requantization to int8/uint8.
struct GemmSpec {
    int M = 16, N = 16, K = 16;
    ElemType a_type = ElemType::Int8, b_type = ElemType::Int8;
    bool trans_a = false, trans_b = false;
    std::optional<Shape> bias_shape;  // none: no C input
    int alpha = 1, beta = 1;
    std::optional<RequantParams> requant;
};
Algorithm gemm(const GemmSpec &spec);

// Batched Y[..., M, N] = A[..., M, K] x B[..., K, N] with numpy broadcasting
// of the batch dimensions; int32 output or fused requantization.
// With trans_b, B is given as [..., N, K] (e.g. attention scores Q x K^T).
struct MatMulSpec {
    Shape a_shape{1, 16, 16};
    Shape b_shape{1, 16, 16};
    bool trans_b = false;
    ElemType a_type = ElemType::Int8, b_type = ElemType::Int8;
    std::optional<RequantParams> requant;
};
Algorithm matmul(const MatMulSpec &spec);

// Y = A + B with numpy broadcasting, computed in int32; the result is int32,
// or requantized (`requant`), or saturated to `output_type` when given.
struct AddSpec {
    TensorType a{"A", ElemType::Int8, {16}};
    TensorType b{"B", ElemType::Int8, {16}};
    std::optional<RequantParams> requant;
    std::optional<ElemType> output_type;  // without requant: default int32
    // A RequantShift of an operand before the sum (Deeploy's graphs requantize
    // attention scores, the mask and residual branches just before their Add):
    // inputs a_mul, a_add (b_mul, b_add), broadcast to that operand's shape.
    std::optional<RequantParams> a_requant, b_requant;
    // The requantizations done by table (an int8/uint8 operand's, and the
    // sum's when both addends are bytes; per-tensor mul and add only) read
    // their tables from inputs (Algorithm::table_inputs) instead of filling them.
    bool requant_tables_as_inputs = false;
};
Algorithm add(const AddSpec &spec);

// Broadcast `shape` (outermost first) against `to` with numpy rules; throws
// UserError naming `what` when they are incompatible.
Shape broadcast_shapes(const Shape &a, const Shape &b, const std::string &what);

}  // namespace halyard
