#include "halyard/dsl/types.h"

#include <cctype>
#include <sstream>

namespace halyard {

Halide::Type halide_type(ElemType t) {
    switch (t) {
    case ElemType::Int8: return Halide::Int(8);
    case ElemType::UInt8: return Halide::UInt(8);
    case ElemType::Int16: return Halide::Int(16);
    case ElemType::Int32: return Halide::Int(32);
    }
    return Halide::Int(32);
}

const char *c_type_name(ElemType t) {
    switch (t) {
    case ElemType::Int8: return "int8_t";
    case ElemType::UInt8: return "uint8_t";
    case ElemType::Int16: return "int16_t";
    case ElemType::Int32: return "int32_t";
    }
    return "?";
}

const char *elem_type_name(ElemType t) {
    switch (t) {
    case ElemType::Int8: return "int8";
    case ElemType::UInt8: return "uint8";
    case ElemType::Int16: return "int16";
    case ElemType::Int32: return "int32";
    }
    return "?";
}

ElemType parse_elem_type(const std::string &name) {
    if (name == "int8") return ElemType::Int8;
    if (name == "uint8") return ElemType::UInt8;
    if (name == "int16") return ElemType::Int16;
    if (name == "int32") return ElemType::Int32;
    throw UserError("unknown element type '" + name + "' (expected int8, uint8, int16 or int32)");
}

int elem_bytes(ElemType t) {
    switch (t) {
    case ElemType::Int8:
    case ElemType::UInt8: return 1;
    case ElemType::Int16: return 2;
    case ElemType::Int32: return 4;
    }
    return 4;
}

int64_t elem_min(ElemType t) {
    switch (t) {
    case ElemType::Int8: return -128;
    case ElemType::UInt8: return 0;
    case ElemType::Int16: return -32768;
    case ElemType::Int32: return INT32_MIN;
    }
    return 0;
}

int64_t elem_max(ElemType t) {
    switch (t) {
    case ElemType::Int8: return 127;
    case ElemType::UInt8: return 255;
    case ElemType::Int16: return 32767;
    case ElemType::Int32: return INT32_MAX;
    }
    return 0;
}

ElemType narrowest_elem_type(int64_t lo, int64_t hi, bool allow_unsigned) {
    if (lo >= -128 && hi <= 127) return ElemType::Int8;
    if (allow_unsigned && lo >= 0 && hi <= 255) return ElemType::UInt8;
    if (lo >= -32768 && hi <= 32767) return ElemType::Int16;
    return ElemType::Int32;
}

std::string shape_str(const Shape &s) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < s.size(); i++) os << (i ? ", " : "") << s[i];
    os << "]";
    return os.str();
}

int64_t num_elements(const Shape &s) {
    int64_t n = 1;
    for (int d : s) n *= d;
    return n;
}

std::string display_name(const std::string &halide_name) {
    std::string out;
    for (size_t i = 0; i < halide_name.size(); i++) {
        if (halide_name[i] == '$') {
            while (i + 1 < halide_name.size() && std::isalnum((unsigned char)halide_name[i + 1])) i++;
            continue;
        }
        out += halide_name[i];
    }
    return out;
}

std::string TensorType::str() const {
    return name + ": " + elem_type_name(type) + shape_str(shape);
}

ElemType RequantParams::output_type() const {
    if (n_levels <= 256) return signed_output ? ElemType::Int8 : ElemType::UInt8;
    if (n_levels <= 65536 && signed_output) return ElemType::Int16;
    return ElemType::Int32;
}

int64_t RequantParams::out_min() const { return signed_output ? -(n_levels / 2) : 0; }
int64_t RequantParams::out_max() const { return signed_output ? n_levels / 2 - 1 : n_levels - 1; }

void RequantParams::validate(const std::string &op) const {
    if (log2d < 0 || log2d > 31) {
        throw UserError(op + ": requantization shift log2d=" + std::to_string(log2d) + " is outside 0..31");
    }
    if (n_levels < 2 || n_levels > (int64_t(1) << 32)) {
        throw UserError(op + ": requantization n_levels=" + std::to_string(n_levels) + " is outside 2..2^32");
    }
    if (!signed_output && n_levels > 65536) {
        throw UserError(op + ": unsigned requantization output supports n_levels up to 65536, not " +
                        std::to_string(n_levels));
    }
    for (const Shape *s : {&mul_shape, &add_shape}) {
        if (s->empty()) throw UserError(op + ": requantization mul/add shape must have rank >= 1");
        for (int d : *s) {
            if (d < 1) throw UserError(op + ": requantization mul/add shape " + shape_str(*s) + " has a non-positive dimension");
        }
    }
}

}  // namespace halyard
