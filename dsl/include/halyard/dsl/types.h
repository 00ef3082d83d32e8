// Quantized tensor types: what a layer's inputs and outputs are, independent
// of how they are computed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "Halide.h"

namespace halyard {

// Raised for anything a user can get wrong (a bad shape, parameter, schedule
// or model). The message names the op, the tensor or loop, and the sizes.
struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class ElemType { Int8, UInt8, Int16, Int32 };

Halide::Type halide_type(ElemType t);
const char *c_type_name(ElemType t);        // "int8_t", ...
const char *elem_type_name(ElemType t);     // "int8", ...
ElemType parse_elem_type(const std::string &name);  // throws UserError
int elem_bytes(ElemType t);
int64_t elem_min(ElemType t);
int64_t elem_max(ElemType t);
// The narrowest type holding [lo, hi]: int8, then uint8 (when allow_unsigned),
// int16, int32 (how Deeploy types constants and test inputs).
ElemType narrowest_elem_type(int64_t lo, int64_t hi, bool allow_unsigned = true);

// Shapes are written outermost-first (numpy order) and are dense row-major.
// (Halide's dimension 0 is the innermost, so dimension d of a Halide buffer is
// shape[rank - 1 - d].)
using Shape = std::vector<int>;
std::string shape_str(const Shape &s);      // "[16, 64]"
int64_t num_elements(const Shape &s);

// Halide makes names unique with "$<n>" suffixes ("acc$3", "k$x"); users see
// (and generated C uses) the names without them.
std::string display_name(const std::string &halide_name);

struct TensorType {
    std::string name;
    ElemType type = ElemType::Int8;
    Shape shape;
    std::string layout = "row_major";  // dense, last dimension contiguous

    int rank() const { return (int)shape.size(); }
    int64_t bytes() const { return num_elements(shape) * elem_bytes(type); }
    std::string str() const;            // "A: int8[16, 64]"
};

// Integer requantization with Deeploy's RequantShift semantics:
//   v   = x * mul[c] + add[c]                           (int32)
//   v  += rounding && log2d > 0 ? 1 << (log2d - 1) : 0
//   v >>= log2d                                         (arithmetic shift)
//   out = clamp(v, lo, hi)  with lo/hi = -(n/2), n/2-1 (signed) or 0, n-1 (unsigned)
// `mul` and `add` are int32 tensors broadcastable (numpy rules) to the output:
// shape {1} is per-tensor, {C} per-channel over the last axis, {M, 1} per row.
struct RequantParams {
    Shape mul_shape{1};
    Shape add_shape{1};
    int log2d = 0;
    int64_t n_levels = 256;
    bool signed_output = true;
    bool rounding = true;

    ElemType output_type() const;  // int8/uint8 when n_levels <= 256, else int16/int32
    int64_t out_min() const;
    int64_t out_max() const;
    void validate(const std::string &op) const;  // throws UserError
};

}  // namespace halyard
