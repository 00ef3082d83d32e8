// Halyard's network compiler: a Deeploy-dialect ONNX graph (through the front
// end, dsl/frontend) becomes one program: a kernel library per distinct
// (fused) node, a whole-network static memory plan, and network.c/.h with one
// entry point `<name>_run(inputs..., outputs...)` (plain C99, no heap).
//
//   import (dsl/frontend)  ->  rewrites (src/passes, one per file)
//   -> lower each node to a generator family (src/lower_ops.cpp)
//   -> schedule + generate each kernel (default, or --schedules DIR)
//   -> plan memory (src/plan_memory.cpp)  ->  print network.c/.h (src/emit_network.cpp)
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <functional>
#include <vector>

#include "halyard/backend.h"
#include "halyard/frontend/graph.h"

namespace halyard::network {

struct NetworkOptions {
    std::string name = "network";            // C prefix: <name>_run, <name>.h
    std::string target = "cluster";          // target description name, or a path to a .target file
    int cores = 0;                           // 0: the target's
    std::optional<int64_t> l1_budget;        // bytes of L1 for data (default: L1 minus stacks)
    std::string schedules_dir;               // schedule files chosen per node name or op (see README)
    std::map<std::string, ElemType> input_types;  // element type per graph input (default int8)
    bool fuse = true;                        // Deeploy's merges (off: one kernel per node)
    // Cluster: GEMM/MatMul weights copied into L1 by background DMA while the
    // kernels before them run (off: each kernel streams its weights itself).
    bool prefetch_weights = true;
    // Several networks in one program (e.g. one decode step per KV-cache
    // length) that never run at the same time: with a prefix P, the network
    // does not define its regions but uses the application's `P_l1_arena`,
    // `P_l2_scratch` and `P_arena` (int64_t arrays at least l1_bytes,
    // l2_scratch_bytes and arena_bytes long, placed in L1 / L2), and its
    // constants are named by their content (`P_c<hash>`, weak definitions),
    // so the networks share one copy of every weight.
    std::string shared_prefix;
    // Chooses a kernel's schedule when schedules_dir has no file for it
    // (halyard-deploy --autoschedule: the autoscheduler and its cache):
    // (family, parameters, the target with cores and L1 budget applied, the
    // kernel inputs bound to constants no other node reads: those a schedule
    // may keep in the NPU weight memory) -> schedule text and a note for the
    // report, or nullopt for the default.
    std::function<std::optional<std::pair<std::string, std::string>>(
        const std::string &family, const std::map<std::string, std::string> &params, const TargetDescription &target,
        const std::set<std::string> &own_constant_inputs)>
        schedule_provider;
    // The default on a target with an NPU (the cluster): without a
    // schedule_provider, GEMM/MatMul kernels go to the NPU where
    // npu_schedule_for_kernel says it wins (off, --no-npu: all on the cores).
    bool use_npu = true;
};

// A schedule provider that puts GEMM/MatMul kernels on the NPU where it wins
// (the cost model predicts the NPU's jobs faster than the cores' default, and
// the kernel has at least npu.pe_cols rows per batch entry or its weights
// resident in the weight memory) and the backend proves the mapping
// (halyard::npu_schedule; the library's GeneratedLibrary::stages_on_npu holds
// the output stage: the requantization is fused into the jobs); every other
// kernel keeps the defaults. NetworkOptions::use_npu's default.
// With an NPU weight memory (npu.weight_mem_bytes > 0), the weights among
// `own_constant_inputs` (B, bias, per-column mul/add) stay there (memory X
// npu_weights) and every GEMM/GEMV the backend maps goes to the NPU: its
// weights then need no DMA.
std::optional<std::pair<std::string, std::string>> npu_schedule_for_kernel(
    const std::string &family, const std::map<std::string, std::string> &params, const TargetDescription &target,
    const std::set<std::string> &own_constant_inputs);

// One call of a kernel in the program.
struct NodeStep {
    std::string node;        // label of the (fused) node
    std::string op;          // its op type, with "+requant" / "+bias" when fused
    std::string kernel;      // library name, "" for a view
    std::string family;
    std::string params;      // "key=value ..."
    std::vector<std::string> args;   // tensor names in entry-point order (output last)
    std::string schedule;    // "default" or the file it came from
    int64_t macs = 0;
};

struct TensorPlacement {
    std::string name;
    std::string where;       // "input 0", "output 1", "arena+1024", "const", "view of x"
    int64_t bytes = 0;
    ElemType type = ElemType::Int8;
    std::vector<int64_t> shape;
    int first = -1, last = -1;  // steps it is live (arena tensors)
};

struct NetworkProgram {
    std::string name;
    std::vector<GeneratedLibrary> kernels;   // distinct kernels (shared between identical nodes)
    std::string source;                      // <name>.c
    std::string header;                      // <name>.h
    std::string report;                      // <name>.report.txt
    std::vector<NodeStep> steps;
    std::vector<TensorPlacement> tensors;
    struct Io {
        std::string tensor, c_name;
        ElemType type;
        std::vector<int64_t> shape;
    };
    std::vector<Io> inputs, outputs;         // entry-point order: inputs, then outputs
    int64_t arena_bytes = 0;                 // activations, planned (peak)
    int64_t arena_naive_bytes = 0;           // every activation its own buffer
    int64_t const_bytes = 0;                 // weights and other constants (in L2)
    int64_t npu_weight_bytes = 0;            // constants in the NPU weight memory
    int64_t l1_bytes = 0;                    // the shared L1 region (largest kernel, then the prefetch slots)
    int64_t prefetched_weight_bytes = 0;     // weights copied into L1 in the background, per run
    int64_t l2_scratch_bytes = 0;            // the shared L2 scratch (largest kernel)
    int64_t dma_bytes_per_run = 0;           // from the kernel reports
    // With NetworkOptions::shared_prefix: the constants, which <name>.c only
    // declares; shared_constants_source() defines them once for a program.
    struct SharedConstant {
        std::string symbol, tensor;
        ElemType type;
        std::vector<int64_t> values;
        bool npu_weights = false;  // defined HL_NPU_WEIGHTS
    };
    std::vector<SharedConstant> shared_constants;
};

// The C source defining the shared constants of `programs`, each symbol once.
std::string shared_constants_source(const std::vector<const NetworkProgram *> &programs);

// Compile an imported graph. Throws UserError (naming the file, node, op,
// tensor and sizes) for anything the model or the options get wrong.
NetworkProgram compile_network(frontend::Graph graph, const NetworkOptions &options);

// The op types compile_network accepts (for frontend::ImportOptions).
std::set<std::string> supported_op_types();

// Import + compile in one step.
NetworkProgram compile_onnx(const std::string &onnx_path, const NetworkOptions &options);

// Write <dir>/<name>.c/.h/.report.txt and every kernel's .c/.h/.report.txt.
void write_program(const NetworkProgram &program, const std::string &dir);

}  // namespace halyard::network
