// Typed buffers for generated kernels (one element type, values read and
// written as int64), and random data with awkward values.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "halyard/dsl/types.h"

namespace halyard::harness {

// A buffer of one element type holding a tensor's values.
struct TypedBuffer {
    halyard::ElemType type;
    std::vector<uint8_t> bytes;

    TypedBuffer(halyard::ElemType t, int64_t n) : type(t), bytes(n * halyard::elem_bytes(t), 0) {}
    int64_t size() const { return (int64_t)bytes.size() / halyard::elem_bytes(type); }
    void *data() { return bytes.data(); }

    int64_t get(int64_t i) const {
        switch (type) {
        case halyard::ElemType::Int8: return ((const int8_t *)bytes.data())[i];
        case halyard::ElemType::UInt8: return ((const uint8_t *)bytes.data())[i];
        case halyard::ElemType::Int16: return ((const int16_t *)bytes.data())[i];
        case halyard::ElemType::Int32: return ((const int32_t *)bytes.data())[i];
        }
        return 0;
    }
    // Every value, in order (a simulator input or an expected output).
    std::vector<int64_t> values() const {
        std::vector<int64_t> v(size());
        for (int64_t i = 0; i < size(); i++) v[i] = get(i);
        return v;
    }
    void set(int64_t i, int64_t v) {
        switch (type) {
        case halyard::ElemType::Int8: ((int8_t *)bytes.data())[i] = (int8_t)v; break;
        case halyard::ElemType::UInt8: ((uint8_t *)bytes.data())[i] = (uint8_t)v; break;
        case halyard::ElemType::Int16: ((int16_t *)bytes.data())[i] = (int16_t)v; break;
        case halyard::ElemType::Int32: ((int32_t *)bytes.data())[i] = (int32_t)v; break;
        }
    }
};

// Uniform in [lo, hi], with a 1-in-16 chance of each end (saturation cases).
inline TypedBuffer random_buffer(std::mt19937 &rng, halyard::ElemType type, int64_t n, int64_t lo, int64_t hi) {
    TypedBuffer b(type, n);
    std::uniform_int_distribution<int64_t> v(lo, hi);
    std::uniform_int_distribution<int> pick(0, 15);
    for (int64_t i = 0; i < n; i++) {
        int p = pick(rng);
        b.set(i, p == 0 ? lo : p == 1 ? hi : v(rng));
    }
    return b;
}

inline TypedBuffer random_buffer(std::mt19937 &rng, halyard::ElemType type, int64_t n) {
    return random_buffer(rng, type, n, halyard::elem_min(type), halyard::elem_max(type));
}

// Values for a layer input named `name` that keep a generated layer's outputs
// varied: small requantization multipliers ("mul"), moderate offsets ("add")
// and int32 tensors, the full range otherwise.
inline TypedBuffer random_layer_input(std::mt19937 &rng, const std::string &name, halyard::ElemType type, int64_t n) {
    if (name == "mul") return random_buffer(rng, type, n, -6, 6);
    if (name == "add") return random_buffer(rng, type, n, -5000, 5000);
    if (type == halyard::ElemType::Int32) return random_buffer(rng, type, n, -30000, 30000);
    return random_buffer(rng, type, n);
}

}  // namespace halyard::harness
