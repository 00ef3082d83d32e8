// Test support: the product's typed buffers <-> the reference's int64
// tensors, and the test seed.
#pragma once

#include <cstdlib>
#include <cstring>
#include <random>

#include "halyard/dsl/types.h"
#include "halyard/harness/buffers.h"
#include "halyard_ref/ops.h"

namespace halyard_test {

// The product's typed buffers (halyard/harness/buffers.h).
using halyard::harness::random_buffer;
using halyard::harness::TypedBuffer;

inline halyard_ref::Tensor to_ref(const TypedBuffer &b, const halyard::Shape &shape) {
    std::vector<int64_t> s(shape.begin(), shape.end()), d(b.size());
    for (int64_t i = 0; i < b.size(); i++) d[i] = b.get(i);
    return halyard_ref::Tensor(s, d);
}

inline TypedBuffer from_ref(const halyard_ref::Tensor &t, halyard::ElemType type) {
    TypedBuffer b(type, t.size());
    for (int64_t i = 0; i < t.size(); i++) b.set(i, t.data[i]);
    return b;
}

// Seed: HALYARD_TEST_SEED or a fixed default, reported on failure.
inline uint32_t test_seed() {
    const char *s = std::getenv("HALYARD_TEST_SEED");
    return s ? (uint32_t)std::strtoul(s, nullptr, 0) : 20261121u;
}

}  // namespace halyard_test
