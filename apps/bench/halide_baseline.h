// Row (b) of the benchmark: what a user of plain Halide gets. The layer's
// Halide algorithm (the same halyard::gemm / halyard::matmul Funcs Halyard
// starts from) with a plain Halide schedule goes through Halide's own
// compile_to_c; the C++ it prints is compiled for the rv32 cluster with a
// small glue file: a raw-pointer entry point that wraps the arrays in
// halide_buffer_t, and halide_do_par_for on the cluster runtime's hl_fork.
#pragma once

#include <string>
#include <vector>

#include "halyard/backend.h"
#include "halyard/dsl/algorithm.h"
#include "halyard/harness/cluster_run.h"

namespace halyard_bench {

struct HalideBaseline {
    // name/header: `int <name>(const <in0> *, const <in1> *, ..., <out> *)`,
    // the signature run_on_cluster calls; c_source is empty (all of the
    // implementation is C++, in `files`).
    halyard::GeneratedLibrary lib;
    // <name>_halide.cpp/.h (Halide's output, unmodified) and <name>_glue.cpp.
    std::vector<halyard::harness::ExtraFile> files;
    // Flags for the rv32 g++ on top of the cluster's (see halide_baseline.cpp);
    // they name a directory of four one-line C++ headers Halide's output
    // includes (the rv32 toolchain has no libstdc++), written next to
    // Halide's output in a scratch directory.
    std::string cxx_flags;
    std::string schedule;  // one line, for the report
};

// `algo` fresh from halyard::gemm / halyard::matmul (int32 output, no
// requantization), unscheduled. `autoscheduler` empty: the plain hand
// schedule below; otherwise one of halide_autoscheduler_names() (bench_rows.h; the plugins
// of Debian's libhalide14-0-dev), given the
// shapes as estimates and the cluster as MachineParams (cores, L1 size).
// Throws halyard::UserError if Halide fails.
HalideBaseline halide_baseline(const halyard::Algorithm &algo, const std::string &name,
                               const std::string &autoscheduler = "", int cores = 8, int64_t l1_bytes = 0);

}  // namespace halyard_bench
