// What Deeploy's deeployRunner does for a test folder (network.onnx,
// inputs.npz, outputs.npz): compile the network, build it for the host or the
// cluster, run it (on the Verilator model for the cluster), and compare every
// output with outputs.npz. `halyard-run` is this, on the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "halyard/network/network.h"

namespace halyard::network {

struct RunOptions {
    std::string dir;                     // the test folder
    std::string target = "cluster";      // host or cluster
    int cores = 0;                       // 0: the target's
    std::optional<int64_t> l1_budget;
    std::string schedules_dir;
    std::string work_dir;                // where the program is written ("" : a scratch directory)
    uint64_t max_cycles = 4000000000ull;
    // Make DIR/outputs.npz instead of checking it: the network runs on the
    // host (target host only) and its outputs are written, int64 like
    // Deeploy's. For folders Halyard makes itself (apps/networks).
    bool make_expected = false;
    // Also compare intermediate tensors with DIR/activations.npz (matched by
    // the module name of the constants each kernel reads, Deeploy's naming);
    // matching nothing is an error.
    bool activations = false;
    bool fuse = true;                    // merge nodes into fused kernels (see NetworkOptions)
    bool prefetch_weights = true;        // see NetworkOptions (--no-prefetch)
    decltype(NetworkOptions::schedule_provider) schedule_provider;  // see NetworkOptions (--autoschedule)
    bool use_npu = true;                 // see NetworkOptions (--no-npu)
};

struct CallFigure {
    std::string node, kernel, op;
    uint64_t cycles = 0;
};

struct RunResult {
    NetworkProgram program;
    int64_t errors = 0;                  // mismatching output elements
    int64_t total = 0;                   // output elements compared
    uint64_t cycles = 0;                 // the whole <name>_run call (cluster)
    std::vector<CallFigure> calls;       // per kernel call (cluster)
    std::string first_mismatch;          // "output 'x' [12]: got 3, expected 4"
    std::string work_dir;
    std::string log;                     // build + run output
    std::vector<std::string> input_types;
    struct Activation {
        std::string name;          // entry of activations.npz
        size_t call = 0;           // the kernel call whose output it is
        int64_t errors = 0;
    };
    std::vector<Activation> activations;   // matched entries (with --activations)
    size_t activation_entries = 0;         // entries in activations.npz  // "name: int8[1,64] (inferred from inputs.npz)"
};

// Throws UserError / io::FormatError (a bad folder, model or vectors) and
// std::runtime_error (the program did not build or run; the log is in the message).
RunResult run_test_folder(const RunOptions &options);

// The result as JSON (for --json).
std::string to_json(const RunResult &r, const RunOptions &o);

}  // namespace halyard::network
