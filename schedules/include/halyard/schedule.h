// Schedules: how an algorithm runs on a target, kept apart from what it
// computes. A schedule is a list of directives, written in code or read from a
// schedule file (one directive per line, see schedules/README.md):
//
//   tile Y m 16               split loop m of stage Y into m_o (outer) and m_i (16)
//   order Y m_o n_o m_i n_i   loop order, outermost first
//   parallel Y m_o            split loop m_o over the cluster's cores
//   compute_at acc Y n_o      compute stage acc inside loop n_o of stage Y ("root": once)
//   compute_at t inline       no buffer: every use of pure stage t evaluates its expression
//   memory acc L1             where a stage's buffer lives: L2, L1 or reg (core-local)
//   memory B npu_weights      input B is the caller's buffer in the NPU's resident weight
//                             memory (npu.weight_mem_*): not staged, the NPU reads it there
//   memory B L1               input B is the caller's buffer, already in L1 (a network's
//                             prefetched weight): not staged, read in place
//   stage A L1 at Y m_o double_buffer    copy the tile of input A that loop m_o
//                                        reads into L1 (DMA on the cluster)
//   stage B L1 at root        copy all of input B into L1 once, before any loop
//   stage Y L1 at Y m_o       compute the output's m_o tile in L1, then write it back
//   kernel acc gemm_int8_4x2  map the stage's inner loop nest onto a micro-kernel
//   npu acc                   map the reduction stage onto the NPU (a job per tile; Y's
//                             bias + requant fused when it matches; docs/npu.md)
//   unroll Y n_i              unroll a (constant-extent) loop
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "halyard/dsl/algorithm.h"
#include "halyard/target_description.h"

namespace halyard {

enum class MemLevel { L2, L1, Reg };
const char *mem_level_name(MemLevel m);
MemLevel parse_mem_level(const std::string &s);  // throws UserError

struct Directive {
    std::string verb;
    std::vector<std::string> args;
    std::string where;  // "file:line" or "code"
    std::string str() const;
};

class Schedule {
public:
    Schedule() = default;
    // Parse schedule text; `origin` names it in error messages.
    static Schedule parse(const std::string &text, const std::string &origin);
    static Schedule load(const std::string &path);

    // Builder API, one call per directive.
    Schedule &tile(const std::string &stage, const std::string &loop, int factor);
    Schedule &order(const std::string &stage, const std::vector<std::string> &loops_outermost_first);
    Schedule &parallel(const std::string &stage, const std::string &loop);
    Schedule &compute_at(const std::string &stage, const std::string &consumer, const std::string &loop);
    Schedule &compute_root(const std::string &stage);
    Schedule &compute_inline(const std::string &stage);  // compute_at STAGE inline
    Schedule &memory(const std::string &stage, MemLevel level);
    // consumer "root" (loop ignored): copy the whole input once. Staging the
    // output tensor computes its tiles in `level` and writes them back.
    Schedule &stage_input(const std::string &tensor, MemLevel level, const std::string &consumer,
                          const std::string &loop, bool double_buffer);
    Schedule &kernel(const std::string &stage, const std::string &kernel_name);
    Schedule &npu(const std::string &stage);
    // memory <input> npu_weights: the caller places input `tensor` in the NPU
    // weight memory (a constant, HL_NPU_WEIGHTS); NPU jobs read it in place.
    Schedule &in_npu_weights(const std::string &tensor);
    // memory <input> L1: the caller passes input `tensor` in L1 (e.g. a weight
    // the network prefetched there); it is read in place, never staged.
    Schedule &in_l1(const std::string &tensor);
    Schedule &unroll(const std::string &stage, const std::string &loop);

    const std::vector<Directive> &directives() const { return directives_; }
    std::string to_text() const;

private:
    Schedule &add(const std::string &verb, std::vector<std::string> args, const std::string &where = "code");
    std::vector<Directive> directives_;
};

// A staged copy of an input tensor (the Halide wrapper Func holding the tile).
struct StagedInput {
    std::string tensor;        // input name, e.g. "A"
    std::string buffer;        // Halide Func name of the copy
    MemLevel level = MemLevel::L1;
    std::string consumer, loop;
    bool double_buffer = false;
};

struct KernelMapping {
    std::string stage;
    std::string kernel;
};

// What Halyard's own lowering passes need to know from the schedule, after the
// Halide-level parts (tiling, order, compute_at) were applied to the Funcs.
struct SchedulePlan {
    std::map<std::string, MemLevel> buffer_memory;   // Halide buffer name -> level
    std::vector<StagedInput> staged_inputs;
    // The output computed tile by tile into a faster memory and written back
    // (schedule: stage <output> L1 at <stage> <loop>); `buffer` is the output Func.
    std::vector<StagedInput> staged_outputs;
    std::map<std::string, std::string> parallel_loops;  // Halide Func name -> loop split over cores
    std::vector<KernelMapping> kernels;
    std::vector<std::string> npu_stages;
    // Inputs the caller keeps in the NPU's weight memory (memory X npu_weights).
    std::set<std::string> npu_weight_inputs;
    // Inputs the caller passes in L1 (memory X L1).
    std::set<std::string> l1_inputs;
    // Of those, rows the caller pads across the L1 banks: elements from one
    // row's start to the next's (the layout a staged copy would have).
    std::map<std::string, int64_t> l1_input_row_elems;
    std::map<std::string, std::vector<std::string>> loop_nest;  // stage -> loops, outermost first
    std::map<std::string, std::string> placement;     // stage -> "root" or "consumer.loop"
    std::vector<std::string> notes;                   // what a target only checked
    std::string describe() const;
};

// Validate `schedule` against `algo` and `target`, then apply it to the
// algorithm's Funcs. Throws UserError naming the op, the directive (with its
// file:line), the stage/loop/buffer and the sizes.
SchedulePlan apply_schedule(Algorithm &algo, const Schedule &schedule, const TargetDescription &target);

// The default schedule per (op, target), chosen from the algorithm's shapes.
Schedule default_schedule(const Algorithm &algo, const TargetDescription &target);

// A schedule that maps a GEMM/MatMul's accumulation onto the target's NPU
// (`npu acc`, docs/npu.md): the operands of each job staged into L1 by DMA,
// one job per batch entry (MatMul) or per block of rows (GEMM), submitted
// by core 0. nullopt when the target has no NPU or the op cannot run there
// (K beyond npu.max_k, B not int8, the operands do not fit L1). The backend
// still proves the mapping; a stage it cannot map stays on the cores.
// Inputs in `in_weight_memory` (B, bias, mul, add: constants the caller keeps
// in the NPU weight memory, npu.weight_mem_bytes > 0) are read in place
// (memory X npu_weights) instead of staged; nullopt without a weight memory.
std::optional<Schedule> npu_schedule(const Algorithm &algo, const TargetDescription &target,
                                     const std::set<std::string> &in_weight_memory = {});

// The jobs npu_schedule maps a GEMM/MatMul onto, for the cost model
// (autoscheduler CostModel::predict_npu) and the report: `jobs` jobs of
// m x n x k, per job the bytes the DMA brings into L1 (A's rows; B's block
// unless B is resident) and takes back (Y's rows), and before the first job
// the bytes staged once (B for a row-blocked GEMM, A for a GEMV, the
// epilogue inputs). nullopt exactly when npu_schedule gives nullopt.
struct NpuJobPlan {
    enum class Split { PerBatchEntry, RowBlocks, ColumnBlocks };
    Split split = Split::RowBlocks;
    int64_t block = 0;  // rows (RowBlocks) or columns (ColumnBlocks) per job
    int64_t jobs = 0, m = 0, n = 0, k = 0;
    bool b_resident = false;  // B read in place from the NPU weight memory
    int64_t dma_in_bytes_per_job = 0, dma_out_bytes_per_job = 0, dma_root_bytes = 0;
};
std::optional<NpuJobPlan> npu_job_plan(const Algorithm &algo, const TargetDescription &target,
                                       const std::set<std::string> &in_weight_memory = {});

// The micro-kernels a schedule may name are the entries of the kernel
// registry (kernels/include/halyard/micro_kernels.h).

}  // namespace halyard
