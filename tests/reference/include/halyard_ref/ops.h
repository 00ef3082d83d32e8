// Halyard's independent, plainly written C++ reference for Deeploy's integer
// operators. No Halide, no tiling, no cleverness: loops over int64 values.
// Semantics follow Deeploy's Generic target; docs/deeploy-semantics.md gives
// the formulas and the Deeploy files each one was read from.
//
// All arithmetic is done in int64 (Deeploy's kernels use int32 intermediates;
// where a Deeploy kernel could overflow int32 the reference does not wrap, see
// the doc). Every function throws std::invalid_argument on inconsistent shapes
// or parameters, with a message naming the op.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halyard_ref {

// A tiny dense tensor: row-major int64 values + shape (empty shape = scalar).
struct Tensor {
    std::vector<int64_t> shape;
    std::vector<int64_t> data;

    Tensor() = default;
    Tensor(std::vector<int64_t> s, std::vector<int64_t> d);
    explicit Tensor(std::vector<int64_t> s, int64_t fill = 0);  // zero-filled by default

    int64_t size() const;            // number of elements
    int64_t rank() const { return int64_t(shape.size()); }
    int64_t dim(int64_t i) const;    // negative i counts from the end
    std::string shape_str() const;   // "[2,3,4]"
};

// numpy broadcasting of two shapes; throws if incompatible.
std::vector<int64_t> broadcast_shapes(const std::vector<int64_t> &a, const std::vector<int64_t> &b,
                                      const std::string &op = "broadcast");
// Materialize `t` broadcast to `shape` (numpy rules).
Tensor broadcast_to(const Tensor &t, const std::vector<int64_t> &shape, const std::string &op = "broadcast");

// Output range of an n_levels quantizer: signed [-n/2, n/2-1], unsigned [0, n-1].
int64_t qmin(int64_t n_levels, bool is_signed);
int64_t qmax(int64_t n_levels, bool is_signed);
int64_t clip(int64_t v, int64_t lo, int64_t hi);

// ---------------------------------------------------------------- RequantShift
// y = clip( (x * mul + add + (rounding && log2D > 0 ? 2^(log2D-1) : 0)) >> log2D,
//           qmin(n_levels, signed), qmax(n_levels, signed) )
// `>>` is an arithmetic shift (floor division by 2^log2D). mul and add are
// broadcast against x with numpy rules (scalar = per-tensor, e.g. [C,1] or
// [1,C,1,1] = per-channel/per-row). Deeploy always passes rounding = true.
struct RequantParams {
    Tensor mul;              // broadcastable to x
    Tensor add;              // broadcastable to x
    int64_t log2D = 0;       // div = 2^log2D (ONNX attribute `div`)
    int64_t n_levels = 256;  // ONNX attribute `n_levels` or `n_levels_out`
    bool is_signed = true;   // ONNX attribute `signed`
    bool rounding = true;
};
Tensor requant_shift(const Tensor &x, const RequantParams &rq);
// div -> log2D; throws unless div is a positive power of two.
int64_t log2_exact(int64_t div, const std::string &op = "RequantShift");

// ----------------------------------------------------------------------- Gemm
// Y[b] = alpha * (op(A[b]) @ op(B[b])) + beta * C[b], op = transpose when
// transA/transB. A is [..., M, N] ([..., N, M] if transA), B is [..., N, O]
// ([..., O, N] if transB); leading (batch) dims broadcast with numpy rules,
// C (optional, pass nullptr) broadcasts to the [..., M, O] result. If `rq` is
// given, the result is requantized (Deeploy's RQGemm = Gemm + RequantShift).
// Deeploy offsets for unsigned operands (A_offset, B_offset, C_offset,
// Y_offset) are not modelled: tensors here hold the true (offset-free) values.
Tensor gemm(const Tensor &A, const Tensor &B, const Tensor *C, int64_t alpha = 1, int64_t beta = 1,
            bool transA = false, bool transB = false, const RequantParams *rq = nullptr);

// --------------------------------------------------------------------- MatMul
// ONNX/numpy MatMul on integers: A [..., M, N] x B [..., N, O] -> [..., M, O],
// batch dims broadcast (rank-1 operands are promoted as numpy does). With `rq`:
// RQMatMul (MatMul followed by RequantShift on the int32 accumulator).
Tensor matmul(const Tensor &A, const Tensor &B, const RequantParams *rq = nullptr);

// ------------------------------------------------------------------------ Add
// y = a + b (numpy broadcasting). With `rq`: y = RequantShift(a + b).
Tensor add(const Tensor &a, const Tensor &b, const RequantParams *rq = nullptr);

// Add with requantized inputs and output (QuantLib's RQS,RQS -> Add -> RQS
// chain, and Deeploy's fused RequantizedAdd):
//   y = requant_shift(requant_shift(a, *rq_a) + requant_shift(b, *rq_b), *rq_out)
// Each RequantParams carries its own rounding flag and clip range; any may be
// null (identity). Deeploy's fused kernel = rounding folded into add
// (add + 2^(log2D-1), rounding = false) and every stage clipped to int8.
Tensor rq_add(const Tensor &a, const Tensor &b, const RequantParams *rq_a, const RequantParams *rq_b,
              const RequantParams *rq_out);

// ----------------------------------------------------------------- Elementwise
Tensor mul(const Tensor &a, const Tensor &b, const RequantParams *rq = nullptr);

// ------------------------------------------------------------- Data movement
Tensor concat(const std::vector<Tensor> &inputs, int64_t axis);
Tensor transpose(const Tensor &x, const std::vector<int64_t> &perm);
Tensor reshape(const Tensor &x, const std::vector<int64_t> &shape);  // ONNX rules: 0 copies, -1 infers

// ------------------------------------------------ Integer nonlinear operators
// Deeploy's iSoftmax (I-BERT style, Generic target Softmax_s8): over the last
// axis; coeffA/coeffB/coeffC/log2 from the ONNX node, n_levels of the output.
// Output is unsigned in [0, n_levels-1].
// With `lengths` (Halyard's masked form; numpy-broadcast against x.shape[:-1]):
// only entries j < L of a row count; the rest, and rows with L <= 0, are 0.
// `int16_input`: Halyard's int16 form (max from -32768, no narrowing casts).
Tensor isoftmax(const Tensor &x, int64_t coeffA, int64_t coeffB, int64_t coeffC, int64_t log2, int64_t n_levels,
                const Tensor *lengths = nullptr, bool int16_input = false);

// Deeploy's ITAMax (ITA accelerator's integer softmax): over the last axis,
// int8 in, unsigned n_levels out.
Tensor itamax(const Tensor &x, int64_t n_levels);

// Deeploy's ITAPartialMax: ITAMax computed group by group (group_width
// columns at a time, running max and rescaled running sum), output scale
// (n_levels/2 - 1) instead of (n_levels - 1).
Tensor itapartialmax(const Tensor &x, int64_t group_width, int64_t n_levels);

// Deeploy's iRMSNorm over the last axis: weight [lastDim], D = 2^log2D.
Tensor irmsnorm(const Tensor &x, const Tensor &weight, int64_t log2D, int64_t n_levels);

// Deeploy's iLayerNorm over the last axis: weight, bias [lastDim], D = 2^log2D.
Tensor ilayernorm(const Tensor &x, const Tensor &weight, const Tensor &bias, int64_t log2D, int64_t n_levels);

// Deeploy's iGELU (I-BERT polynomial): attributes b, one.
Tensor igelu(const Tensor &x, int64_t b, int64_t one);

// Deeploy's iHardswish: attributes one_over_six, six, three.
Tensor ihardswish(const Tensor &x, int64_t one_over_six, int64_t six, int64_t three);

// Deeploy's IntegerDiv (Generic Div_s32): B broadcast to A,
//   denom = eta*B + eps, nom = Delta*eta*A,
//   y = (nom + sgn(nom) * (denom >> 1)) / denom   (C division: round half away from zero).
Tensor integer_div(const Tensor &A, const Tensor &B, int64_t Delta, int64_t eps, int64_t eta);

// TrueIntegerDiv (QuantLib's PACTTrueIntegerDiv, a division by the constant
// attribute y): y_out = floor(Delta*eta*x / (eta*y + eps)). Deeploy never runs
// it standalone: it folds it into the following RequantShift (see
// RunOptions::deeploy_rewrites in graph_runner.h). Both forms match the
// Deeploy TrueIntegerDiv vector.
Tensor true_integer_div(const Tensor &x, int64_t y, int64_t Delta, int64_t eps, int64_t eta);

// Deeploy's iNoNorm: y = (x * weight + bias) * mul >> log2D, clipped to n_levels (signed).
Tensor inonorm(const Tensor &x, const Tensor &weight, const Tensor &bias, int64_t mul, int64_t log2D,
               int64_t n_levels);

// ----------------------------------------------- Data and reduction ops
// (src/data_ops.cpp; Deeploy files and formulas in docs/transformer-ops.md.)

// y = a - b (numpy broadcasting). With `rq`: y = RequantShift(a - b).
Tensor sub(const Tensor &a, const Tensor &b, const RequantParams *rq = nullptr);

// ONNX ReduceSum over `axes` (negative allowed; empty = every axis), keepdims
// as ONNX (a full reduction without keepdims gives a rank-0 tensor).
Tensor reduce_sum(const Tensor &x, const std::vector<int64_t> &axes, bool keepdims);

// Deeploy's integer ReduceMean (and IntegerMean), L = number of reduced elements:
//   keepdims:                 trunc_div(sum + sgn(sum) * (L >> 1), L), sgn(0) = +1
//   !keepdims, L = 2^s, s>0:  (sum + 2^(s-1)) >> s
//   !keepdims, otherwise:     trunc_div(sum + sgn(sum) * (L >> 1), L)
Tensor reduce_mean(const Tensor &x, const std::vector<int64_t> &axes, bool keepdims);

// ONNX Slice: starts/ends/axes/steps as in opset 10+ (axes empty = 0..n-1,
// steps empty = 1); negative values count from the end, then clamping.
Tensor slice(const Tensor &x, const std::vector<int64_t> &starts, const std::vector<int64_t> &ends,
             const std::vector<int64_t> &axes = {}, const std::vector<int64_t> &steps = {});

// ONNX Pad, constant mode: pads = [begins..., ends...] (2*rank values, >= 0).
Tensor pad(const Tensor &x, const std::vector<int64_t> &pads, int64_t value);

// ONNX Gather on `axis` (negative allowed): out shape = x.shape[:axis] +
// indices.shape + x.shape[axis+1:]; negative indices count from the end.
Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis);

}  // namespace halyard_ref
