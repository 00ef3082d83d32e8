// Halyard's data and reduction ops with Deeploy's integer semantics: Sub,
// ReduceSum, ReduceMean, IntegerMean, ITAPartialMax, Slice, Pad, Gather.
// Each op follows Deeploy's Generic target (the file is named per op; the
// formulas are in docs/transformer-ops.md, "Data and reduction ops"). Where
// Deeploy's Generic kernel handles only a special case (equal shapes, one
// gather index, 3-D/4-D pads, ascending contiguous slice axes) Halyard
// implements the ONNX op in general and gives the same bits on that case.
// Values are true values (a uint8 tensor holds 0..255).
#pragma once

#include <optional>

#include "halyard/dsl/ops.h"

namespace halyard {

// ONNX Sub: Y = A - B with numpy broadcasting, computed in int32; int32
// result, saturated to `output_type`, or requantized (a following
// RequantShift fused in). Deeploy: Generic/Templates/SubTemplate.py
// (`out[i] = in1[i] - in2[i]` over equal shapes, int32 out like Add).
// Inputs: A, B[, mul, add].
struct SubSpec {
    TensorType a{"A", ElemType::Int8, {16}};
    TensorType b{"B", ElemType::Int8, {16}};
    std::optional<RequantParams> requant;
    std::optional<ElemType> output_type;  // without requant: default int32
};
Algorithm sub(const SubSpec &spec);

// ReduceSum / ReduceMean / IntegerMean over `axes` (negative counts from the
// end; no duplicates, at least one), `keepdims` as in ONNX. When every axis
// is reduced and keepdims is 0 the (scalar) result has shape [1].
// Stages: acc (int32 sum over the reduced axes, reduction loop k over their
// flattened extent L), Y. Input X: int8, uint8, int16 or int32.
struct ReduceSpec {
    Shape shape{1, 16, 64};
    ElemType type = ElemType::Int8;
    std::vector<int> axes{-1};
    bool keepdims = true;
};
// Deeploy ReduceSumTemplate.py: Y = sum (int32 accumulator, int32 output).
Algorithm reduce_sum(const ReduceSpec &spec);
// Deeploy ReduceMeanTemplate.py: acc = sum (int32), output element type = X's, and
//   keepdims = 1:                 Y = trunc_div(acc + sgn(acc) * (L >> 1), L)   (half away from zero)
//   keepdims = 0, L = 2^s, s > 0: Y = (acc + 2^(s-1)) >> s                      (half up)
//   keepdims = 0, otherwise:      as keepdims = 1 (L = 1: Y = acc)
// with sgn(acc) = +1 for acc >= 0, -1 otherwise.
Algorithm reduce_mean(const ReduceSpec &spec);
// QuantLib's IntegerMean: Deeploy's Generic target maps it to the ReduceMean
// layer (Platform.py: 'IntegerMean': ReduceMeanLayer([ReduceMeanMapper])),
// so it is reduce_mean under its own op name.
Algorithm integer_mean(const ReduceSpec &spec);

// Deeploy's ITAPartialMax (Softmax_s8.c, ITAPartialMax_s8): ITAMax computed
// group_width columns at a time over the last axis of an int8 tensor, with a
// running max and a running sum shifted right by (new_max - old_max + 16) >> 5
// when the max grows; output scale (n_levels/2 - 1) * 256 / sum, unsigned
// (uint8, 0..127 for n_levels = 256). Columns past the last full group are
// normalized but not summed (as in the kernel). Stages: cmax (group max),
// runmax (running max), expsum (group sum), sum (running sum), Y.
struct ITAPartialMaxSpec {
    Shape shape{16, 64};
    int group_width = 16;
    int64_t n_levels = 256;
};
Algorithm itapartialmax(const ITAPartialMaxSpec &spec);

// ONNX Slice (Deeploy SliceTemplate.py): for each listed axis, output index i
// reads input index start + i * step. ONNX rules: negative starts/ends count
// from the end, then starts/ends are clamped ([0, dim] for step > 0,
// [0, dim-1] / [-1, dim-1] for step < 0); extent max(0, ceil((end-start)/step)).
// `axes` empty: 0..len(starts)-1; `steps` empty: all 1. Unlisted axes are kept.
// An empty result is an error. Deeploy's kernel handles the special case of
// ascending, contiguous axes, positive steps and in-range starts/ends.
struct SliceSpec {
    Shape shape{1, 16, 64};
    ElemType type = ElemType::Int8;
    std::vector<int64_t> starts{0}, ends{32}, axes{-1}, steps{};
};
Algorithm slice(const SliceSpec &spec);

// ONNX Pad, mode "constant" (Deeploy PadTemplate.py: memset to `value`, then the
// input copied in): pads = [begin_0 .. begin_{r-1}, end_0 .. end_{r-1}], every
// pad >= 0; Y.shape[d] = X.shape[d] + begin_d + end_d, elements outside X are
// `value` (which must fit X's type). Deeploy's Generic kernel covers 3-D
// (last-axis pads) and 4-D NCHW (H, W pads) inputs only.
struct PadSpec {
    Shape shape{1, 8, 16, 16};
    ElemType type = ElemType::Int8;
    std::vector<int> pads{0, 0, 1, 1, 0, 0, 1, 1};
    int64_t value = 0;
    std::string mode = "constant";
};
Algorithm pad(const PadSpec &spec);

// ONNX Gather with constant indices (Deeploy GatherTemplate.py / GatherParser:
// the index is a constant initializer, baked into the code; Deeploy supports
// exactly one index): Y[pre, idx..., post] = X[pre, indices[idx...], post] on
// `axis` (negative counts from the end); negative indices count from the end;
// an index outside [-dim, dim-1] is an error. indices_shape empty = a scalar
// index (the axis disappears); otherwise its element count must equal
// indices.size(). A rank-0 result has shape [1].
struct GatherSpec {
    Shape shape{16, 64};
    ElemType type = ElemType::Int8;
    int axis = 0;
    std::vector<int64_t> indices{3};
    Shape indices_shape{};  // {}: scalar index
};
Algorithm gather(const GatherSpec &spec);

}  // namespace halyard
