#pragma once
#include <set>

#include "Halide.h"
#include "halyard/backend.h"

namespace halyard {

// Halyard's C printer: prints a lowered, Halyard-processed Stmt as one plain
// C99 function with raw-pointer arguments. Only integer scalar IR is accepted;
// anything else (vectors, floats, extern calls, parallel loops) is a clear
// error rather than wrong C.
struct PrintedC {
    std::string source;  // the whole .c file
    std::string prototype;
};

PrintedC print_c99(const Halide::Internal::Stmt &body, const std::vector<Halide::Internal::LoweredArgument> &args,
                   const Algorithm &algo, const ArenaPlan &arenas, const TargetDescription &target,
                   const std::string &name, const std::set<std::string> &kernel_headers = {},
                   const LibraryOptions &options = {});

}  // namespace halyard
