// Running a generated library on the Verilator model of the cluster. The
// program embeds the inputs and the expected output, calls the library
// between two cycle-timer reads, compares, prints the figures and exits with
// the number of mismatching elements (at most 100). Built with
// build_cluster_program and run with simulate (harness.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "halyard/backend.h"

namespace halyard::harness {

struct SimRun {
    bool ok = false;            // built, ran, exited 0 (bit-exact)
    std::string log;            // compiler + simulator output
    int exit_code = -1;         // halyard-sim's status: the program's code, or sim_status.h
    uint64_t cycles = 0;        // cycles of the library call (cycle timer)
    uint64_t dma_bytes = 0;
};

struct SimInput {
    std::string c_type;              // "int8_t", ...
    std::vector<int64_t> values;
    bool npu_weights = false;        // defined HL_NPU_WEIGHTS: in the NPU weight memory
};

// `inputs` in entry-point order; `expected` typed as `out_c_type`.
SimRun run_on_cluster(const halyard::GeneratedLibrary &lib, const std::vector<SimInput> &inputs,
                      const std::string &out_c_type, const std::vector<int64_t> &expected,
                      uint64_t max_cycles = 200000000);

// A file written next to the library for run_on_cluster_cxx; `path` is
// relative to the build directory (sub-directories are created).
struct ExtraFile {
    std::string path;
    std::string text;
};

// Like run_on_cluster, for a library implemented (partly) in C++, e.g.
// Halide's compile_to_c output plus glue: `files` are written into the build
// directory, each one ending in ".cpp" is compiled with the rv32 g++
// (compile_cluster_cxx: the cluster flags, then `cxx_flags`) and linked with
// main.c, lib.c_source and the cluster runtime. `lib.header` declares the C
// entry point main.c calls.
SimRun run_on_cluster_cxx(const halyard::GeneratedLibrary &lib, const std::vector<ExtraFile> &files,
                          const std::string &cxx_flags, const std::vector<SimInput> &inputs,
                          const std::string &out_c_type, const std::vector<int64_t> &expected,
                          uint64_t max_cycles = 200000000);

}  // namespace halyard::harness
