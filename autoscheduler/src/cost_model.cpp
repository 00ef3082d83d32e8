#include "halyard/autoscheduler/cost_model.h"

#include "halyard/micro_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

namespace halyard::autoschedule {

using namespace Halide::Internal;

std::string CostBreakdown::str() const {
    std::ostringstream os;
    os << (int64_t)total << " cycles (compute " << (int64_t)compute << ", exposed DMA " << (int64_t)dma
       << ", serial " << (int64_t)serial << ")";
    return os.str();
}

CostModel::CostModel(const TargetDescription &target) : target_(target) {
    cores_ = target.cores();
    l2_latency_ = key("l2.latency");
    dma_bytes_per_cycle_ = key("dma.bytes_per_cycle");
    dma_setup_ = key("cost.dma_setup_cycles");
    fork_join_ = key("cost.fork_join_cycles");
    tile_overhead_ = key("cost.tile_overhead_cycles");
    conflict_ = key("cost.l1_conflict_permille") / 1000.0;
    store_ = key("cost.store_cycles");
    op_ = key("cost.op_cycles");
    div_ = key("core.div_min_cycles") + key("cost.div_extra_cycles");
    scalar_mac_ = key("cost.scalar_mac_cycles");
    l2_store_ = key("cost.l2_store_cycles");
    acc_tile_ = key("cost.acc_tile_cycles");
}

double CostModel::key(const std::string &name) const {
    if (!target_.has(name)) {
        throw TargetError("target " + target_.name() + " (" + target_.source() + "): the autoscheduler's cost model needs key '" +
                          name + "' (see autoscheduler/README.md)");
    }
    return (double)target_.get_int(name);
}

CostBreakdown CostModel::predict(const SearchSpace &space, const Candidate &c) const {
    CostBreakdown b = space.gemm_like() ? predict_gemm(space, c) : predict_other(space, c);
    b.total = b.compute + b.dma + b.serial;
    return b;
}

namespace {

// Cores a candidate keeps busy and the imbalance of its split.
struct Split {
    int cores = 1;
    double imbalance = 1;  // busiest core's share x cores
    double forks = 1;      // the team is forked once per iteration of the loops around the parallel one
};

Split split_of(const std::vector<SearchSpace::Loop> &outer, int parallel, int cores) {
    Split s;
    if (parallel < 0 || cores < 2) return s;
    for (int i = 0; i < parallel; i++) s.forks *= outer[i].extent;
    const int e = outer[parallel].extent;
    s.cores = std::min(cores, e);
    s.imbalance = double((e + cores - 1) / cores) * s.cores / e;
    return s;
}

// Iterations of outer loops 0..at (the number of copies a staging at `at` makes).
double iterations_through(const std::vector<SearchSpace::Loop> &outer, int at) {
    double n = 1;
    for (int i = 0; i <= at && i < (int)outer.size(); i++) n *= outer[i].extent;
    return n;
}

// Arithmetic nodes, divisions and loads of input tensors in an expression.
class OpCounter : public IRVisitor {
public:
    double ops = 0, divs = 0;
    std::map<std::string, double> input_loads;  // by tensor name
    std::set<std::string> inputs;               // names an input is called by
    double func_loads = 0;

private:
    using IRVisitor::visit;
#define HALYARD_COUNT(T) \
    void visit(const T *op) override { ops++; IRVisitor::visit(op); }
    HALYARD_COUNT(Add) HALYARD_COUNT(Sub) HALYARD_COUNT(Mul) HALYARD_COUNT(Min) HALYARD_COUNT(Max)
    HALYARD_COUNT(EQ) HALYARD_COUNT(NE) HALYARD_COUNT(LT) HALYARD_COUNT(LE) HALYARD_COUNT(GT) HALYARD_COUNT(GE)
    HALYARD_COUNT(And) HALYARD_COUNT(Or) HALYARD_COUNT(Not) HALYARD_COUNT(Select)
#undef HALYARD_COUNT
    // By a constant: a shift or a multiply; by a variable: the divider.
    void visit(const Div *op) override { (is_const(op->b) ? ops : divs)++; IRVisitor::visit(op); }
    void visit(const Mod *op) override { (is_const(op->b) ? ops : divs)++; IRVisitor::visit(op); }
    void visit(const Call *op) override {
        if (op->call_type == Call::Image || op->param.defined() || inputs.count(op->name)) input_loads[op->name]++;
        else if (op->call_type == Call::Halide) func_loads++;
        else if (op->is_intrinsic(Call::div_round_to_zero) || op->is_intrinsic(Call::mod_round_to_zero)) {
            (is_const(op->args[1]) ? ops : divs)++;
        } else ops++;  // shifts, abs, saturating casts: one instruction or two
        IRVisitor::visit(op);
    }
};

// The DMA of one candidate: root copies before the parallel part, tiles per
// loop iteration (a core's share of them), hidden behind compute when
// double-buffered except the first.
struct DmaTally {
    double setup, bytes_per_cycle;
    double serial = 0, overlapped = 0, exposed = 0, total_bytes = 0;

    void root(double bytes) {
        serial += setup + bytes / bytes_per_cycle;
        total_bytes += bytes;
    }
    void tiles(double copies, double bytes, double per_core, bool double_buffer) {
        total_bytes += copies * bytes;
        // The core programs and waits for every transfer itself; only the
        // transfer time of the next tile hides behind compute.
        const double t = per_core * bytes / bytes_per_cycle;
        exposed += per_core * setup;
        if (double_buffer && per_core > 1) {
            overlapped += t * (per_core - 1) / per_core;
            exposed += t / per_core;
        } else {
            exposed += t;
        }
    }
    // The engine is shared: never faster than its bandwidth.
    CostBreakdown finish(double compute) const {
        CostBreakdown r;
        r.compute = std::max(compute, overlapped);
        r.serial = serial;
        r.dma = std::max(exposed, total_bytes / bytes_per_cycle - r.compute - serial);
        return r;
    }
};

}  // namespace

CostBreakdown CostModel::predict_npu(const Algorithm &algo, const NpuJobPlan &plan) const {
    const double pe_cols = key("npu.pe_cols"), pe_lanes = key("npu.pe_lanes");
    const double port_bytes = key("npu.tcdm_ports") * key("npu.port_bytes");
    const double wmem_port = target_.has("npu.weight_mem_port_bytes") ? key("npu.weight_mem_port_bytes") : port_bytes;
    const double job_cycles = key("cost.npu.job_cycles");
    const double m = (double)plan.m, n = (double)plan.n, k = (double)plan.k;
    const double panels = std::ceil(n / pe_cols), out_bytes = elem_bytes(algo.output.type);
    // The PE array: per 16-column panel every row takes ceil(K / lanes)
    // cycles; the first panel's fill is not hidden.
    const double array = panels * m * std::ceil(k / pe_lanes) + k;
    // The TCDM ports: A's rows once per panel, the outputs, and B unless it
    // is in the weight memory (then the weight port brings it).
    const double b_bytes = n * k, tcdm = (panels * m * k + m * n * out_bytes + (plan.b_resident ? 0 : b_bytes)) / port_bytes;
    const double wmem = plan.b_resident ? b_bytes / wmem_port : 0;
    const double per_job = std::max({array, tcdm, wmem}) + job_cycles;
    // Core 0's DMA: a job's inputs (A's rows, B's block: one transfer each)
    // come in while the job before runs (double-buffered), its outputs go
    // out after it (Y's tile is single-buffered: the next job waits for
    // them); the root copies come before the first job.
    const bool a_and_b = plan.split == NpuJobPlan::Split::PerBatchEntry && !plan.b_resident;
    const double in_transfers = (plan.dma_in_bytes_per_job ? 1 : 0) + (a_and_b ? 1 : 0);
    const double dma_in = plan.dma_in_bytes_per_job / dma_bytes_per_cycle_ + in_transfers * dma_setup_;
    const double dma_out = plan.dma_out_bytes_per_job / dma_bytes_per_cycle_ + dma_setup_;
    CostBreakdown b;
    b.compute = plan.jobs * std::max(per_job, dma_in);
    b.dma = plan.jobs * dma_out + dma_in;
    b.serial = plan.dma_root_bytes ? plan.dma_root_bytes / dma_bytes_per_cycle_ + dma_setup_ : 0;
    b.total = b.compute + b.dma + b.serial;
    return b;
}

CostBreakdown CostModel::predict_gemm(const SearchSpace &space, const Candidate &c) const {
    const Algorithm &algo = space.algorithm();
    const Stage &out = algo.output_stage();
    const auto outer = space.outer_loops(c);
    const Split split = split_of(outer, c.parallel, cores_);
    const int M = out.extents.at("m"), N = out.extents.at("n");
    const int K = algo.find_stage("acc")->extents.at("k");
    double batch = 1;
    for (size_t i = 0; i + 2 < out.pure_loops.size(); i++) batch *= out.extents.at(out.pure_loops[i]);
    const double macs = batch * M * N * K;
    const bool all_cores = split.cores > 1;
    // A core load's cost in cycles from where the tensor lives.
    auto latency = [&](const Staging &s) { return s.at == Staging::None ? l2_latency_ : 1.0 + (all_cores ? conflict_ : 0); };
    const double lat_a = latency(c.inputs[0]), lat_b = latency(c.inputs[1]);
    double compute = 0;
    const double tiles = batch * (M / c.tile_m) * (N / c.tile_n);
    if (!c.kernel.empty()) {
        // Per k-step of the kernel's fast path: a word of each operand row
        // (rows + cols loads) and a dot product per output (registry tile);
        // the per-call cost is the target's estimate.
        const MicroKernel &mk = micro_kernel(c.kernel);
        const std::string k = "cost.kernel." + c.kernel + ".";
        const double loads = mk.rows + mk.cols, dotps = mk.macs_per_k();
        const double step = dotps + c.tile_m * lat_a + (loads - c.tile_m) * lat_b;
        compute = tiles * (key(k + "call_cycles") + (K / double(mk.k_multiple)) * step);
    } else {
        // Plain loops: a B element per MAC, an A element per register
        // tile row (reused across the tile's columns).
        compute = macs * (scalar_mac_ - 1 + lat_b + (lat_a - 1) / c.tile_n) + tiles * acc_tile_;
    }
    // Epilogue per output: store where Y is computed, bias/requant reads.
    const double outputs = batch * M * N;
    double per_output = c.output.at >= 0 ? store_ : l2_store_;
    for (size_t i = 2; i < c.inputs.size(); i++) per_output += latency(c.inputs[i]) + 2 * op_;
    compute += outputs * per_output;
    // Loop overhead: iterations of the outer and block loops.
    double loop_iters = 1;
    for (const auto &l : outer) loop_iters *= l.extent;
    loop_iters += tiles / std::max(1.0, double(c.block_m / c.tile_m) * (c.block_n / c.tile_n)) *
                  (double(c.block_m / c.tile_m) * (c.block_n / c.tile_n) > 1 ? 1 : 0);
    compute += loop_iters * tile_overhead_;
    compute = compute / split.cores * split.imbalance;

    // DMA: a staged tensor's tile per iteration of its loop.
    auto tile_bytes = [&](size_t input, int at) {
        // Dimensions of the tensor and whether an outer loop at or outside `at` fixes them.
        double rows_m = M, rows_n = N, b = batch;
        for (int i = 0; i <= at; i++) {
            const std::string &l = outer[i].name;
            if (l == "m_o") rows_m = c.block_m;
            else if (l == "m") rows_m = 1;
            else if (l == "n_o") rows_n = c.block_n;
            else if (l == "n") rows_n = 1;
            else b /= outer[i].extent;
        }
        const int eb = input == SIZE_MAX ? elem_bytes(algo.output.type) : elem_bytes(algo.inputs[input].type.type);
        if (input == 0) return b * rows_m * K * eb;
        if (input == 1) return b * rows_n * K * eb;
        return b * rows_m * rows_n * eb;  // the output tile
    };
    DmaTally dma{dma_setup_, dma_bytes_per_cycle_};
    dma.serial = split.cores > 1 ? fork_join_ * split.forks : 0;
    auto account = [&](size_t input, const Staging &s, bool is_output) {
        if (s.at == Staging::None) return;
        if (s.at == Staging::Root) return dma.root((double)algo.inputs[input].type.bytes());
        const double copies = iterations_through(outer, s.at);
        // Per core: its share of the copies.
        const double per_core = (c.parallel >= 0 && s.at >= c.parallel) ? copies / split.cores * split.imbalance : copies;
        dma.tiles(copies, tile_bytes(is_output ? SIZE_MAX : input, s.at), per_core, s.double_buffer);
    };
    for (size_t i = 0; i < c.inputs.size(); i++) account(i, c.inputs[i], false);
    account(0, c.output, true);
    return dma.finish(compute);
}

CostBreakdown CostModel::predict_other(const SearchSpace &space, const Candidate &c) const {
    const Algorithm &algo = space.algorithm();
    const Stage &out = algo.output_stage();
    const auto outer = space.outer_loops(c);
    const Split split = split_of(outer, c.parallel, cores_);
    const double outputs = (double)num_elements(algo.output.shape);
    const bool all_cores = split.cores > 1;
    // Work per output element: every stage's definitions weighted by its
    // domain (a row statistic is computed once per row, read by every element).
    double per_output = c.output.at >= 0 ? store_ : l2_store_;
    for (const Stage &st : algo.stages) {
        double domain = 1;
        for (const auto &[loop, e] : st.extents) domain *= e;
        OpCounter count;
        // An ImageParam is called through its Func "<name>_im".
        for (const auto &in : algo.inputs) count.inputs.insert(in.param.name() + "_im");
        const Halide::Internal::Function f = st.func.function();
        for (const Halide::Expr &e : f.definition().values()) e.accept(&count);
        for (const auto &u : f.updates()) {
            for (const Halide::Expr &e : u.values()) e.accept(&count);
        }
        double loads = 0;
        for (const auto &[name, n] : count.input_loads) {
            size_t i = 0;
            while (i < algo.inputs.size() && algo.inputs[i].param.name() + "_im" != name) i++;
            const bool in_l1 = i < algo.inputs.size() && c.inputs[i].at != Staging::None;
            loads += n * (in_l1 ? 1.0 + (all_cores ? conflict_ : 0) : l2_latency_);
        }
        per_output += domain / outputs * (count.ops * op_ + count.divs * div_ + loads + count.func_loads);
        if (std::getenv("HALYARD_COST_DEBUG")) {
            std::cerr << "stage " << st.name << " domain " << domain << " ops " << count.ops << " divs " << count.divs
                      << " loads " << loads << " func loads " << count.func_loads << "\n";
        }
    }
    double compute = outputs * per_output;
    double loop_iters = 1;
    for (const auto &l : outer) loop_iters *= l.extent;
    compute += loop_iters * tile_overhead_;
    compute = compute / split.cores * split.imbalance;

    DmaTally dma{dma_setup_, dma_bytes_per_cycle_};
    dma.serial = split.cores > 1 ? fork_join_ * split.forks : 0;
    auto account = [&](double tensor_bytes, double tensor_elems, const Staging &s) {
        if (s.at == Staging::None) return;
        if (s.at == Staging::Root) return dma.root(tensor_bytes);
        const double copies = iterations_through(outer, s.at);
        // A tensor shaped like the output is split with it; a broadcast one
        // (a norm's weight row) is copied whole every time.
        const double bytes = tensor_elems >= outputs ? tensor_bytes / copies : tensor_bytes;
        const double per_core = (c.parallel >= 0 && s.at >= c.parallel) ? copies / split.cores * split.imbalance : copies;
        dma.tiles(copies, bytes, per_core, s.double_buffer);
    };
    for (size_t i = 0; i < c.inputs.size(); i++) {
        account((double)algo.inputs[i].type.bytes(), (double)num_elements(algo.inputs[i].type.shape), c.inputs[i]);
    }
    account(outputs * elem_bytes(algo.output.type), outputs, c.output);
    return dma.finish(compute);
}

}  // namespace halyard::autoschedule
