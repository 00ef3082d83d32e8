// An algorithm: what a layer computes, as Halide Funcs, with no scheduling.
#pragma once

#include <functional>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "Halide.h"
#include "halyard/dsl/types.h"

namespace halyard {

struct InputTensor {
    TensorType type;
    Halide::ImageParam param;
    // A lookup table (a requantization or exp table the kernel reads at
    // data-dependent indices, for every element): schedules keep it close.
    bool lookup_table = false;
};

// A named stage that a schedule can refer to: a Func and, for reductions, the
// reduction domain. Loop names are the tensor's axis names (outermost first).
struct Stage {
    std::string name;
    Halide::Func func;
    std::vector<std::string> pure_loops;       // outermost first, e.g. {"m", "n"}
    std::vector<std::string> reduction_loops;  // e.g. {"k"}
    std::map<std::string, int> extents;        // loop name -> extent
    Halide::RDom rdom;                         // defined when reduction_loops is non-empty
    // A per-element intermediate a schedule may compute once (compute_at)
    // but that is inlined into its readers unless the schedule says so
    // (intermediates default to root otherwise).
    bool inline_by_default = false;
    // A table (a stage over its own index, read at data-dependent entries):
    // filling it once per call pays when the output has at least this many
    // elements per entry. An expensive expression (isoftmax's exp) pays at
    // 1; a requantization, a few instructions against a lookup's two, only
    // at many (measured: add's tables cost a decode step's mask Add 1.1 k
    // cycles at 4 elements per entry).
    int table_uses_per_entry = 1;
};

// A requantization table an algorithm reads as an input instead of filling
// it every call (its op's spec asked for that: the values are constants of a
// network): input `name`, of the requantization's output type, holds
// requant(lo + i, mul, add) for i < entries, where mul and add are the
// per-tensor inputs rq_prefix + "mul" and rq_prefix + "add".
struct TableInput {
    std::string name, rq_prefix;
    int lo = 0, entries = 0;
    RequantParams requant;
    // An elementwise op's own function of its byte input, applied before the
    // requantization: the table holds requant(pre(lo + i)). Empty: none.
    std::function<Halide::Expr(Halide::Expr)> pre;
};

struct Algorithm {
    std::string op;                    // op family: "gemm", "matmul", ...
    std::vector<InputTensor> inputs;   // in entry-point argument order
    TensorType output;
    std::vector<Stage> stages;         // producers first; the last one is the output
    int64_t macs = 0;                  // multiply-accumulates per call (0 if none)
    // GEMM-like ops: both operands are contiguous along the reduction axis
    // (A [M, K], B [N, K]), the layout dot-product micro-kernels read.
    bool operands_k_contiguous = false;
    // gemm/matmul: the output's fused RequantShift (Y = requant(acc [+ C])),
    // kept so a backend can rebuild the expression it must find before it
    // maps the stage onto hardware (map_npu_jobs).
    std::optional<RequantParams> requant;
    // Requantization tables that are inputs (see TableInput).
    std::vector<TableInput> table_inputs;

    const Stage &output_stage() const { return stages.back(); }
    const Stage *find_stage(const std::string &name) const;
    const InputTensor *find_input(const std::string &name) const;
    std::string describe() const;      // one line per tensor and stage
};

// The DSL's RequantShift expression (Deeploy's): clip((v * mul + add +
// round) >> log2d), as every op's requant builds it.
Halide::Expr requant_expr(Halide::Expr v, Halide::Expr mul, Halide::Expr add, const RequantParams &p);

// The values of a table input for per-tensor `mul` and `add`, evaluated at
// generation time from the same expression (Halide's simplifier folds it).
std::vector<int64_t> requant_table_values(const TableInput &table, int64_t mul, int64_t add);

}  // namespace halyard
