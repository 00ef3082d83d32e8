#pragma once
#include "Halide.h"
#include "halyard/dsl/algorithm.h"

namespace halyard {

// The lowered body of one library as Halide produces it, and its arguments.
struct HalideLowered {
    Halide::Internal::Stmt body;
    std::vector<Halide::Internal::LoweredArgument> args;
};

// Run Halide's own lowering (bounds inference, tiling, storage folding,
// simplification) for a 32-bit RISC-V target without runtime, asserts or
// bounds queries. No parallel loops reach it: Halyard splits over cores itself.
HalideLowered lower_with_halide(const Algorithm &algo, const std::string &name);

}  // namespace halyard
