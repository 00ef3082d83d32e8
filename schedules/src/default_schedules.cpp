// One default schedule per (op, target), chosen from the algorithm's shapes.
#include <algorithm>
#include <optional>

#include "halyard/dsl/internal_error.h"
#include "halyard/micro_kernels.h"
#include "halyard/npu_jobs.h"
#include "halyard/schedule.h"

namespace halyard {

namespace {

// The outermost pure loop of `out` with at least one iteration per core (batch
// axes of extent 1, as in [1, heads, rows, cols], are skipped); failing that,
// the longest one with at least two iterations (a [4 heads, 2 rows, n]
// attention tensor keeps 4 cores busy instead of one); "" if none.
// The innermost loop only for 1-D outputs or when `innermost_ok` (elementwise
// ops; row-wise ops reduce along it).
std::string loop_with_work_for_every_core(const Stage &out, const TargetDescription &target,
                                          bool innermost_ok = false) {
    // One core with a DMA still walks the loop that would be split, so that
    // its slices go through L1 (a fair 1-core baseline); without DMA there
    // is nothing to gain from it.
    if (target.cores() < 2 && !target.has_dma()) return "";
    const int want = std::max(target.cores(), 2);
    const size_t n = out.pure_loops.size();
    std::string longest;
    int longest_extent = 1;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 == n && n > 1 && !innermost_ok) break;
        const int e = out.extents.at(out.pure_loops[i]);
        if (e >= want) return out.pure_loops[i];
        if (e > longest_extent) {
            longest = out.pure_loops[i];
            longest_extent = e;
        }
    }
    return longest;
}

// Cycles to program one DMA transfer and wait for it (the cost model's estimate).
int64_t dma_setup_cycles(const TargetDescription &target) {
    return target.has("cost.dma_setup_cycles") ? target.get_int("cost.dma_setup_cycles") : 0;
}

// A per-tensor scalar (mul, add) of an elementwise or row-wise op is read once
// per run of its innermost loop (hoist_invariant_loads), not per element:
// staged only when each core runs that loop often enough for the L2 latency
// to outweigh a transfer's set-up (a decode step's [16, 1, 129] RequantShift
// runs it twice per core; each transfer before the fork is waited for
// serially). Kernel loops make calls, so their loads stay per tile: GEMMs
// always stage theirs (stage_epilogue_inputs).
bool scalar_worth_staging(const Algorithm &algo, const TargetDescription &target) {
    const Stage &out = algo.output_stage();
    int64_t runs = 1;
    for (size_t i = 0; i + 1 < out.pure_loops.size(); i++) runs *= out.extents.at(out.pure_loops[i]);
    runs = (runs + target.cores() - 1) / target.cores();
    return runs * target.l2_latency_cycles() > dma_setup_cycles(target);
}

// Bytes of each contiguous run a concat copies from its largest input: the
// input's trailing axes up to the first that differs from the output's (the
// concat axis), inclusive.
int64_t bulk_concat_run_bytes(const Algorithm &algo) {
    const TensorType *bulk = nullptr;
    for (const auto &in : algo.inputs) {
        if (!bulk || in.type.bytes() > bulk->bytes()) bulk = &in.type;
    }
    HL_INTERNAL_ASSERT(bulk, "a concat without inputs");
    int64_t run = 1;
    for (size_t d = bulk->shape.size(); d-- > 0;) {
        run *= bulk->shape[d];
        if (bulk->shape[d] != algo.output.shape[d]) break;
    }
    return run * elem_bytes(bulk->type);
}

// On a target with DMA, elementwise and row-wise ops read and write every
// element through L2 otherwise (l2.latency cycles each: a RequantShift over a
// KV cache, 39 cycles per element). Instead, each iteration of the parallel
// loop `par` copies its slice of the inputs into L1 by DMA and its slice of
// the output back. An input of the output's rank and extent along `par` is
// sliced; a small one (per-channel parameters, a broadcast scalar) is copied
// once at root; any other stays in L2. Only where `par` is the outermost loop
// with work (so a slice is a dense block), for each tensor whose slice saves
// more L2 latency than one transfer's set-up (cost.dma_setup_cycles) costs.
// When every core's slices do not fit half the L1 data budget (a prefill's
// [1, 16 heads, 64, 64] scores: 8 KB per head and core), the loop inside
// `par` is tiled and its chunks are staged instead: `chunk_loop` of the output
// split by `chunk`, slices staged at `at` (its outer part). When the arenas
// still overflow, the network compiler falls back to a schedule without staging.
struct L1Slices {
    std::string at;          // loop of the output stage the slices are staged at
    std::string chunk_loop;  // "" or the loop inside `par` tiled by `chunk`
    int chunk = 0;
    bool double_buffer = false;  // the sliced inputs, chunk by chunk
    bool out_staged = false;
    std::vector<std::string> sliced, whole;
};

size_t computing_stages(const Algorithm &algo);  // the stages that are not tables (below)

// `kernel_epilogue`: the output is computed by micro-kernel calls, after
// which its per-tensor scalars are loaded again per tile (not hoisted), so
// they are always staged.
std::optional<L1Slices> plan_l1_slices(const Algorithm &algo, const std::string &par, const TargetDescription &target,
                                       int chunk_multiple = 1, bool kernel_epilogue = false) {
    const Stage &out = algo.output_stage();
    const auto &loops = out.pure_loops;
    const size_t rank = algo.output.shape.size();
    const auto at = std::find(loops.begin(), loops.end(), par);
    if (at == loops.end() || loops.size() != rank) return std::nullopt;
    // A concat whose bulk is copied in runs the DMA takes (dma.copy_min_bytes,
    // hy_copy -> hl_copy_by_dma): with L2 -> L2 DMA copies they go from input
    // to output in one pass, where staging moves every byte twice (L2 -> L1,
    // L1 -> L2) and copies it once more in L1. The other inputs' runs (a KV
    // append's new row) are copied by the cores.
    if (algo.op == "concat" && target.dma_copies_l2_to_l2() &&
        bulk_concat_run_bytes(algo) >= target.dma_copy_min_bytes()) {
        return std::nullopt;
    }
    const size_t dim = size_t(at - loops.begin());  // pure loops are in shape order, outermost first
    // Only when `par` is the outermost loop with work (the loops outside it
    // have extent 1): then an iteration's slice is the dense block of the
    // loops inside it, and there are extent(par) of them.
    int64_t slice_elems = 1;
    for (size_t i = 0; i < loops.size(); i++) {
        const int64_t e = out.extents.at(loops[i]);
        if (i < dim && e != 1) return std::nullopt;
        if (i > dim) slice_elems *= e;
    }
    const bool reduction = algo.find_stage("acc") != nullptr;
    const int64_t iters = out.extents.at(par);
    const int64_t l2_latency = target.l2_latency_cycles();
    const int64_t dma_setup = dma_setup_cycles(target);
    // A tensor goes through L1 when the L2 latency of its elements outweighs
    // one transfer's set-up.
    auto worth_it = [&](int64_t elems) { return elems * l2_latency > dma_setup; };
    // The innermost loop split over cores that do not divide it (a [129]
    // RequantShift: shares of 17 and 10): a core's trip count is then not
    // provably positive, so a per-tensor scalar stays a load per element
    // (hoist_invariant_loads), 10 cycles each from L2, 1 from L1.
    const bool uneven_shares = dim + 1 == rank && iters % target.cores() != 0;
    L1Slices plan;
    bool small_whole = false;  // an input staged whole because its slices are too small
    plan.at = par;
    plan.out_staged = worth_it(slice_elems);
    // Bytes per iteration of `par`: those that shrink with a chunk of the
    // next loop (the output's slice, an elementwise input's, a MatMul's A
    // rows) and those that do not (a MatMul's B: every row reads all of it).
    int64_t chunked = plan.out_staged ? slice_elems * elem_bytes(algo.output.type) : 0, fixed = 0, at_root = 0;
    for (const auto &in : algo.inputs) {
        const auto &shape = in.type.shape;
        if (shape.size() == rank && shape[dim] == algo.output.shape[dim]) {
            // In a MatMul every output element reads a row of each operand
            // (a head's query row is read again and again); elsewhere (a
            // Concat) an input's slice may be read once.
            const int64_t in_slice = num_elements(shape) / iters;
            if (!worth_it(reduction ? std::max(in_slice, slice_elems) : in_slice)) {
                // Slices too small for a transfer each (an elementwise op split
                // at its innermost loop, [1, 1, 256] after a GEMV): each core
                // would still read its share element by element from L2; a
                // small input goes whole into L1 once instead.
                const int64_t per_core = (num_elements(shape) + target.cores() - 1) / target.cores();
                if (in.type.bytes() <= 4096 && worth_it(per_core)) {
                    plan.whole.push_back(in.type.name);
                    at_root += in.type.bytes();
                    small_whole = true;
                }
                continue;
            }
            plan.sliced.push_back(in.type.name);
            const bool shrinks = reduction ? in.type.name == "A"
                                           : dim + 1 < rank && shape[dim + 1] == algo.output.shape[dim + 1];
            (shrinks ? chunked : fixed) += in.type.bytes() / iters;
        } else if (algo.op == "transpose" && shape.size() == rank && worth_it(num_elements(shape) / iters)) {
            // A transpose reads one iteration's slice along the permuted axis:
            // a strided block (one 2-D DMA when the innermost axis is kept).
            plan.sliced.push_back(in.type.name);
            fixed += in.type.bytes() / iters;
        } else if (in.type.bytes() <= 4096 && worth_it(num_elements(algo.output.shape)) &&
                   (num_elements(shape) > 1 || kernel_epilogue || scalar_worth_staging(algo, target) || uneven_shares)) {
            plan.whole.push_back(in.type.name);
            at_root += in.type.bytes();
        }
    }
    // Small tables and scalars alone are not worth a plan (each transfer
    // before the fork is waited for serially); an input each core would
    // read its share of from L2 is.
    if (plan.sliced.empty() && !plan.out_staged && !small_whole) return std::nullopt;
    // One slot per core (the loop runs on every core at once).
    const int64_t budget = target.l1_data_budget() / 2;
    auto fits = [&](int64_t chunked_bytes) { return (chunked_bytes + fixed) * target.cores() + at_root <= budget; };
    if (fits(chunked)) {
        // Each core walks several iterations (a decode step's 16 heads on 8
        // cores): with room for a second slot, the next iteration's slices
        // arrive while the cores compute this one. The one DMA serves the
        // cores one transfer after another, so otherwise every core waits
        // for its inputs twice, behind the other cores' transfers.
        const int64_t per_core = (iters + target.cores() - 1) / target.cores();
        const int64_t in_bytes = chunked + fixed - (plan.out_staged ? slice_elems * elem_bytes(algo.output.type) : 0);
        plan.double_buffer = per_core >= 2 && !plan.sliced.empty() && fits(chunked + in_bytes);
        return plan;
    }
    // Chunks of the next loop: the largest divisor of its extent that fits
    // (a tail chunk would be shifted inwards and recomputed). A row-wise op
    // reduces along its innermost loop, so that one is never chunked.
    if (dim + 1 >= rank || (computing_stages(algo) > 1 && !reduction && dim + 2 >= rank)) return std::nullopt;
    const std::string next = loops[dim + 1];
    // Row statistics are computed per chunk: each stage inside `par` must
    // have the chunked loop too (a norm over the last two axes has not).
    for (size_t i = 0; !reduction && i + 1 < algo.stages.size(); i++) {
        const auto &l = algo.stages[i].pure_loops;
        if (std::count(l.begin(), l.end(), par) && !std::count(l.begin(), l.end(), next)) return std::nullopt;
    }
    const int extent = out.extents.at(next);
    // Double-buffered when two chunks fit: the next chunk's inputs arrive
    // while the cores compute this one.
    for (const bool twice : {true, false}) {
        for (int f = extent / 2; f >= 1; f--) {
            if (extent % f != 0 || f % chunk_multiple != 0 || !fits(chunked / extent * f * (twice ? 2 : 1))) continue;
            if (plan.out_staged && !worth_it(slice_elems / extent * f)) return std::nullopt;
            plan.chunk_loop = next;
            plan.chunk = f;
            plan.at = next + "_o";
            plan.double_buffer = twice;
            return plan;
        }
    }
    return std::nullopt;
}

// The directives of a plan (the chunk's tile first: the staging names its loop).
void stage_slices_in_l1(Schedule &s, const Algorithm &algo, const L1Slices &plan) {
    const std::string &out = algo.output_stage().name;
    for (const auto &n : plan.sliced) s.stage_input(n, MemLevel::L1, out, plan.at, plan.double_buffer);
    for (const auto &n : plan.whole) s.stage_input(n, MemLevel::L1, "root", "", false);
    if (plan.out_staged) s.stage_input(algo.output.name, MemLevel::L1, out, plan.at, false);
}

// Elements per iteration of an elementwise op's innermost loop on the cluster.
constexpr int kElementwiseUnroll = 4;

// Loop `loop` of `stage` (extent `extent`) in groups of kElementwiseUnroll,
// the group unrolled: the loop's increments and taken branch are paid once per
// group. Only where the groups divide the loop, unless `may_recompute`: the
// last group is then shifted inwards and recomputes a few elements, which is
// only right where the op reads other buffers than it writes (an in-place op
// would read elements it has already overwritten).
void unroll_in_groups(Schedule &s, const std::string &stage, const std::string &loop, int64_t extent,
                      bool may_recompute = false) {
    if ((extent % kElementwiseUnroll != 0 && !may_recompute) || extent < 2 * kElementwiseUnroll) return;
    s.tile(stage, loop, kElementwiseUnroll).unroll(stage, loop + "_i");
}

// A GEMM with fewer output columns than this keeps the generic schedule: a
// few kernel tiles per row block do not repay the blocking and staging.
constexpr int kMinKernelColumns = 8;

// Row-wise ops have at most this many stages besides their tables (isoftmax
// of an Add: x, xmax, e, sum, Y); composite algorithms (attention, decoder
// blocks) have more.
constexpr size_t kMaxRowOpStages = 5;

// A table: a stage without a reduction none of whose loops is the output's
// (isoftmax's exp_table, indexed by x - xmax; add's requantization tables).
bool is_table(const Stage &st, const Stage &out) {
    if (!st.reduction_loops.empty() || st.pure_loops.empty() || &st == &out) return false;
    return std::none_of(st.pure_loops.begin(), st.pure_loops.end(), [&](const std::string &l) {
        return std::find(out.pure_loops.begin(), out.pure_loops.end(), l) != out.pure_loops.end();
    });
}

// The stages of `algo` that are not tables.
size_t computing_stages(const Algorithm &algo) {
    const Stage &out = algo.output_stage();
    return std::count_if(algo.stages.begin(), algo.stages.end(), [&](const Stage &st) { return !is_table(st, out); });
}

// Row statistics of up to this many values per iteration are kept in
// registers (a core-local array the C compiler can keep in registers; more
// would crowd the 2 KiB stack).
constexpr int64_t kStatsInRegisters = 8;

// A MatMul whose B is stored [K, N], not contiguous in k (a decode step's
// probabilities x V, V [kv, head size]): the registry's one-row kernel for
// columns of such a B, where the target has its extension, the operands are
// its types and K reaches one step of its fast path; else nullptr.
const MicroKernel *b_kn_kernel_for(const Algorithm &algo, const TargetDescription &target, int N, int64_t K) {
    if (algo.operands_k_contiguous || algo.inputs.size() < 2) return nullptr;
    for (const auto &mk : micro_kernel_registry()) {
        if (!mk.b_stride_arg || mk.rows != 1 || N < mk.cols || K < mk.k_multiple ||
            !target.has_extension(mk.requires_extension) || !std::count(mk.ops.begin(), mk.ops.end(), algo.op) ||
            elem_type_name(algo.inputs[0].type.type) != mk.a.name() ||
            elem_type_name(algo.inputs[1].type.type) != mk.b.name()) {
            continue;
        }
        return &mk;
    }
    return nullptr;
}

// GEMM-like ops (gemm, matmul): accumulate each output tile in core-local
// registers, reduction loop innermost.
Schedule reduction_default(const Algorithm &algo, const TargetDescription &target) {
    Schedule s;
    const Stage &out = algo.output_stage();
    const int n_extent = out.extents.at("n");
    const std::string inner = out.pure_loops.back();  // "n"
    const MicroKernel *kn = b_kn_kernel_for(algo, target, n_extent, algo.find_stage("acc")->extents.at("k"));
    const int tile_n = kn ? kn->cols : 4;
    if (n_extent >= tile_n) {
        s.tile("Y", "n", tile_n);
        s.compute_at("acc", "Y", "n_o");
        s.tile("acc", "n", tile_n);
        // Reduction outside the 4 accumulators: each A element is loaded once
        // per 4 outputs.
        std::vector<std::string> order(out.pure_loops.begin(), out.pure_loops.end() - 1);
        order.insert(order.end(), {"n_o", "k", "n_i"});
        s.order("acc", order);
        s.unroll("acc", "n_i");
        if (kn) s.kernel("acc", kn->name);
    } else {
        s.compute_at("acc", "Y", inner);
    }
    s.memory("acc", MemLevel::Reg);
    // The tiled n loop is split (n_o, n_i); m and the batch loops keep their names.
    const std::string par = loop_with_work_for_every_core(out, target);
    const bool par_short = !par.empty() && out.extents.at(par) < target.cores();
    if (!par.empty() && !(par == inner && n_extent >= 4) && !(par_short && n_extent >= 4 * target.cores())) {
        s.parallel("Y", par);
        // A batched MatMul split over heads (attention's scores and context):
        // each head's operands and outputs through L1. Batch loops only: there
        // an input's slice is the same head of it (a GEMM's B is not sliced by m).
        if (target.has_dma() && par != "m" && par != "n") {
            if (auto plan = plan_l1_slices(algo, par, target, 1, kn != nullptr)) {
                if (!plan->chunk_loop.empty()) s.tile("Y", plan->chunk_loop, plan->chunk);
                stage_slices_in_l1(s, algo, *plan);
            }
        }
    } else if (target.cores() > 1 && n_extent >= 4 * target.cores()) {
        // A GEMV (one row): the 4-column tiles over the cores.
        s.parallel("Y", "n_o");
    }
    return s;
}

// The register-blocked GEMM kernel for N output columns and a reduction of
// K: of the registry's multi-row kernels whose columns divide N (no partial
// tiles), whose fast path takes K and whose min_k K reaches, the one with
// the most MACs per step (4x4 where N and K allow, else 4x2).
const MicroKernel &gemm_kernel_for(int64_t N, int64_t K) {
    const MicroKernel *best = &micro_kernel("gemm_int8_sdotp_4x2");
    for (const auto &mk : micro_kernel_registry()) {
        // Same rows as the 4x2 block: the schedules below tile rows by them.
        if (mk.rows != best->rows || N % mk.cols != 0 || !mk.fast_for_k(K) || K < mk.min_k || !mk.k_contiguous())
            continue;
        if (mk.macs_per_k() > best->macs_per_k()) best = &mk;
    }
    return *best;
}

// The GEMM kernel's accumulator tile: acc computed per rows x cols output
// tile (the registry entry's), reduction loop outside the unrolled tile.
void kernel_tile(Schedule &s, const MicroKernel &mk, const std::string &at_loop,
                 const std::vector<std::string> &outer) {
    s.compute_at("acc", "Y", at_loop).memory("acc", MemLevel::Reg);
    s.tile("acc", "m", mk.rows).tile("acc", "n", mk.cols);
    std::vector<std::string> order = outer;
    order.insert(order.end(), {"m_o", "n_o", "k", "m_i", "n_i"});
    s.order("acc", order).unroll("acc", "m_i").unroll("acc", "n_i");
    s.kernel("acc", mk.name);
}

// On a target with the Xpulp kernels (any core count; one core runs every
// tile itself): the schedule the benchmark
// harness (apps/bench) measured best. Rows of 4 over the cores when there are
// enough of them (weights in L1 once, activation rows double-buffered, output
// rows written back by DMA); otherwise columns of 8 over the cores (activations
// in L1 once, weight blocks double-buffered).
// Small per-channel tensors (bias, requantization mul/add) are read for every
// output: copy them into L1 once instead of paying the L2 latency each time.
bool is_small_epilogue_input(const InputTensor &in) {
    const std::string &n = in.type.name;
    return (n == "C" || n == "mul" || n == "add") && in.type.bytes() <= 4096;
}
void stage_epilogue_inputs(Schedule &s, const Algorithm &algo) {
    for (const auto &in : algo.inputs) {
        if (is_small_epilogue_input(in)) s.stage_input(in.type.name, MemLevel::L1, "root", "", false);
    }
}

// Batched MatMuls with fewer rows per batch than the 4x2 tile (a decode step's attention
// scores, [heads, 1, d] x [heads, kv, d]^T): per batch, the 1x4 kernel walks
// the columns (one pv.sdotsp.b per 4 k per column), batches split over the
// cores, each batch's operands staged into L1.
std::optional<Schedule> batched_gemv_default(const Algorithm &algo, const TargetDescription &target,
                                             const std::string &par, const std::vector<std::string> &batch) {
    const MicroKernel &gemv = micro_kernel("gemm_int8_sdotp_1x4");
    const int N = algo.output_stage().extents.at("n");
    const int64_t K = algo.find_stage("acc")->extents.at("k");
    if (N < gemv.cols || !gemv.fast_for_k(K)) return std::nullopt;
    Schedule s;
    s.tile("Y", "n", gemv.cols);
    std::vector<std::string> order = batch;
    order.insert(order.end(), {"m", "n_o", "n_i"});
    s.order("Y", order).unroll("Y", "n_i");
    s.compute_at("acc", "Y", "n_o").memory("acc", MemLevel::Reg);
    s.tile("acc", "n", gemv.cols);
    std::vector<std::string> acc_order = batch;
    acc_order.insert(acc_order.end(), {"m", "n_o", "k", "n_i"});
    s.order("acc", acc_order).unroll("acc", "n_i");
    s.kernel("acc", gemv.name);
    if (target.cores() > 1) s.parallel("Y", par);
    std::optional<L1Slices> slices;
    if (target.has_dma()) slices = plan_l1_slices(algo, par, target, 1, true);
    if (slices && !slices->chunk_loop.empty()) slices.reset();  // stage whole batches or none
    if (slices) stage_slices_in_l1(s, algo, *slices);
    else stage_epilogue_inputs(s, algo);
    return s;
}

// A batched int8 MatMul with k-contiguous operands (attention's scores, Q x
// K^T per head): the 4x2 kernel per head, heads over the cores, each head's
// Q rows, K and scores through L1 (in chunks of rows, a multiple of the
// kernel's 4, when a head's do not fit); fewer rows: batched_gemv_default.
std::optional<Schedule> batched_kernel_default(const Algorithm &algo, const TargetDescription &target) {
    const Stage &out = algo.output_stage();
    const size_t rank = out.pure_loops.size();
    if (algo.inputs[0].type.shape.size() != rank || algo.inputs[1].type.shape.size() != rank) return std::nullopt;
    const int M = out.extents.at("m"), N = out.extents.at("n");
    const int64_t K = algo.find_stage("acc")->extents.at("k");
    const MicroKernel &mk = gemm_kernel_for(N, K);
    const std::string par = loop_with_work_for_every_core(out, target);
    if (par.empty() || par == "m" || par == "n") return std::nullopt;
    std::vector<std::string> batch(out.pure_loops.begin(), out.pure_loops.end() - 2);
    if (M < mk.rows) return batched_gemv_default(algo, target, par, batch);
    if (N < mk.cols || !mk.fast_for_k(K) || algo.macs < 32768) return std::nullopt;
    std::optional<L1Slices> slices;
    if (target.has_dma()) slices = plan_l1_slices(algo, par, target, mk.rows, true);
    Schedule s;
    std::vector<std::string> order = batch;
    if (slices && slices->chunk_loop == "m") {
        s.tile("Y", "m", slices->chunk).tile("Y", "m_i", mk.rows).tile("Y", "n", mk.cols);
        order.insert(order.end(), {"m_o", "m_i_o", "n_o", "m_i_i", "n_i"});
    } else {
        if (slices && !slices->chunk_loop.empty()) slices.reset();  // chunks of heads: stage whole heads or none
        s.tile("Y", "m", mk.rows).tile("Y", "n", mk.cols);
        order.insert(order.end(), {"m_o", "n_o", "m_i", "n_i"});
    }
    s.order("Y", order);
    // The tile's epilogue unrolled: each accumulator is then a named value the
    // C compiler keeps in a register (an indexed acc[] lives on the stack).
    s.unroll("Y", order[order.size() - 2]).unroll("Y", order.back());
    kernel_tile(s, mk, "n_o", batch);
    if (target.cores() > 1) s.parallel("Y", par);
    if (slices) stage_slices_in_l1(s, algo, *slices);
    else stage_epilogue_inputs(s, algo);
    return s;
}

std::optional<Schedule> cluster_kernel_default(const Algorithm &algo, const TargetDescription &target) {
    const Stage &out = algo.output_stage();
    if (target.has_extension("xpulpv2") && algo.operands_k_contiguous && out.pure_loops.size() > 2 &&
        algo.inputs[0].type.type == ElemType::Int8 && algo.inputs[1].type.type == ElemType::Int8) {
        return batched_kernel_default(algo, target);
    }
    if (!target.has_extension("xpulpv2") || !algo.operands_k_contiguous ||
        out.pure_loops.size() != 2 || algo.inputs[0].type.type != ElemType::Int8 ||
        algo.inputs[1].type.type != ElemType::Int8) {
        return std::nullopt;
    }
    const int M = out.extents.at("m"), N = out.extents.at("n");
    const int64_t K = algo.find_stage("acc")->extents.at("k");
    // Leave room for tiles, stacks, other layers; never more than the data budget.
    const int64_t l1_budget = std::min(target.l1_size() / 4, target.l1_data_budget());
    // Small layers or K not a multiple of 4 (misaligned rows run the kernel's
    // scalar path): DMA set-up and per-tile overhead outweigh the gain.
    Schedule s;
    const MicroKernel &gemv = micro_kernel("gemm_int8_sdotp_1x4");
    const MicroKernel &gemm = gemm_kernel_for(N, K);
    if (M < gemm.rows && N >= gemv.cols * target.cores() && gemv.fast_for_k(K) && algo.macs >= 2048) {
        // Decode-step GEMV: weight rows over the cores, 1x4 kernel, each
        // core's weight block by DMA, the activation row once.
        const int cols = gemv.cols;
        // B's rows in L1 as apply_schedule lays them out (pad_rows_across_banks:
        // a row that is a multiple of the banks' span is padded by one word).
        const int64_t span = int64_t(target.l1_banks()) * target.l1_bank_bytes();
        const int64_t pitch = span > 0 && K % span == 0 ? K + target.l1_bank_bytes() : K;
        const bool blocks_share_banks = span > 0 && target.cores() > 1 && (N / target.cores()) * pitch % span == 0;
        if (blocks_share_banks && N % (cols * target.cores()) == 0) {
            // With a contiguous block of rows each, every core's block starts
            // in the same L1 bank (32 padded rows of 64: 256 x 17 words), so
            // cores in lockstep collide on every weight load. Tiles dealt to
            // the cores in turn instead (core c: tiles c, c + cores, ...) put
            // their rows in different banks (FFN-up 64 -> 256: 2394 -> 2138
            // cycles per call; blocks that start in different banks lose).
            s.tile("Y", "n", cols).tile("Y", "n_o", target.cores()).order("Y", {"n_o_i", "m", "n_o_o", "n_i"});
            s.unroll("Y", "n_i");
            s.compute_at("acc", "Y", "n_o_o").memory("acc", MemLevel::Reg);
            HL_INTERNAL_ASSERT(gemv.rows == 1, "the GEMV default needs a one-row kernel");
            s.tile("acc", "n", cols).order("acc", {"m", "n_o", "k", "n_i"}).unroll("acc", "n_i");
            s.kernel("acc", gemv.name);
            s.parallel("Y", "n_o_i");
            s.stage_input("A", MemLevel::L1, "root", "", false);
            s.stage_input("B", MemLevel::L1, "Y", "n_o_o", true);
            stage_epilogue_inputs(s, algo);
            return s;
        }
        int block = ((N + target.cores() - 1) / target.cores() + cols - 1) / cols * cols;
        // A partial last block makes Halide peel that iteration off the
        // parallel loop, so it runs on one core after the others: prefer the
        // largest multiple of the tile at most `block` that divides N (172 -> 4).
        if (N % block != 0 && N % cols == 0) {
            while (N % block != 0) block -= cols;
        }
        s.tile("Y", "n", block).tile("Y", "n_i", cols).unroll("Y", "n_i_i");
        s.compute_at("acc", "Y", "n_i_o").memory("acc", MemLevel::Reg);
        HL_INTERNAL_ASSERT(gemv.rows == 1, "the GEMV default needs a one-row kernel");
        s.tile("acc", "n", cols).order("acc", {"m", "n_o", "k", "n_i"}).unroll("acc", "n_i");
        s.kernel("acc", gemv.name);
        if (target.cores() > 1) s.parallel("Y", "n_o");
        s.stage_input("A", MemLevel::L1, "root", "", false);
        s.stage_input("B", MemLevel::L1, "Y", "n_i_o", true);
        stage_epilogue_inputs(s, algo);
        return s;
    }
    if (M < gemm.rows || N < kMinKernelColumns || !gemm.fast_for_k(K) || algo.macs < 32768) return std::nullopt;
    if ((M + gemm.rows - 1) / gemm.rows >= target.cores()) {
        // The epilogue column by column (m_i innermost): an unrolled group of
        // four stores then shares its bias C[n], read once (backend pass
        // interleave_unrolled_stores reads a group's loads first).
        s.tile("Y", "m", gemm.rows).tile("Y", "n", gemm.cols).order("Y", {"m_o", "n_o", "n_i", "m_i"});
        s.unroll("Y", "m_i").unroll("Y", "n_i");  // accumulators in registers (see batched_kernel_default)
        kernel_tile(s, gemm, "n_o", {});
        if (target.cores() > 1) s.parallel("Y", "m_o");
        if (int64_t(N) * K <= l1_budget) s.stage_input("B", MemLevel::L1, "root", "", false);
        s.stage_input("A", MemLevel::L1, "Y", "m_o", true);
        s.stage_input("Y", MemLevel::L1, "Y", "m_o", false);
        stage_epilogue_inputs(s, algo);
    } else {
        // Columns in blocks of two kernel tiles over the cores.
        s.tile("Y", "n", 2 * gemm.cols).tile("Y", "n_i", gemm.cols).tile("Y", "m", gemm.rows);
        s.order("Y", {"n_o", "m_o", "n_i_o", "m_i", "n_i_i"});
        s.unroll("Y", "m_i").unroll("Y", "n_i_i");
        kernel_tile(s, gemm, "n_i_o", {});
        if (target.cores() > 1) s.parallel("Y", "n_o");
        if (int64_t(M) * K <= l1_budget) s.stage_input("A", MemLevel::L1, "root", "", false);
        s.stage_input("B", MemLevel::L1, "Y", "n_o", true);
        stage_epilogue_inputs(s, algo);
    }
    return s;
}

}  // namespace

// A row-wise op over a single row (a decode step's [1, 1, d] RMSNorm): no
// row loop has work for the cores, and left alone its statistics would be
// read-modify-written in L2 once per element. Instead the statistics are
// computed once, on the calling core, into L1 where every core reads them;
// the row's elements are split over the cores; small inputs are copied into
// L1 once (by DMA where the target has one). Returns the parallel loop, or
// "" when the row is too short to split.
std::string one_row_over_cores(Schedule &s, const Algorithm &algo, const TargetDescription &target) {
    const Stage &out = algo.output_stage();
    const std::string inner = loop_with_work_for_every_core(out, target, true);
    if (inner.empty() || inner != out.pure_loops.back() || out.extents.at(inner) < target.cores()) return "";
    for (size_t i = 0; i + 1 < algo.stages.size(); i++) {
        const Stage &st = algo.stages[i];
        // Statistics: per-row stages, i.e. without the output's innermost loop
        // (a per-element intermediate is left inline).
        if (st.pure_loops == out.pure_loops) continue;
        if (std::find(st.pure_loops.begin(), st.pure_loops.end(), inner) != st.pure_loops.end()) return "";
    }
    s.parallel(out.name, inner);
    for (size_t i = 0; i + 1 < algo.stages.size(); i++) {
        const Stage &st = algo.stages[i];
        if (st.reduction_loops.empty()) continue;  // tables: schedule_tables
        s.memory(st.name, MemLevel::L1);
    }
    int64_t at_root = 0;
    for (const auto &in : algo.inputs) at_root += in.type.bytes();
    if (at_root <= target.l1_data_budget() / 2) {
        for (const auto &in : algo.inputs) s.stage_input(in.type.name, MemLevel::L1, "root", "", false);
    }
    return inner;
}

// Tables: an intermediate stage without a reduction whose loops are not the
// output's (isoftmax's exp_table, indexed by x - xmax; add's requantization
// tables). When the output has at least table_uses_per_entry elements per
// entry, it is computed once per call, split over the cores, and kept in L1;
// otherwise each use evaluates it (compute_at inline), which is cheaper than
// filling entries few elements read.
void schedule_tables(Schedule &s, const Algorithm &algo, const std::string &par, const TargetDescription &target) {
    const Stage &out = algo.output_stage();
    int64_t out_elems = 1;
    for (const auto &l : out.pure_loops) out_elems *= out.extents.at(l);
    for (size_t i = 0; i + 1 < algo.stages.size(); i++) {
        const Stage &st = algo.stages[i];
        if (!st.reduction_loops.empty() || st.pure_loops.empty()) continue;
        if (!par.empty() && std::find(st.pure_loops.begin(), st.pure_loops.end(), par) != st.pure_loops.end()) continue;
        if (st.pure_loops == out.pure_loops) continue;  // an elementwise intermediate, not a table
        int64_t entries = 1;
        for (const auto &l : st.pure_loops) entries *= st.extents.at(l);
        if (out_elems < entries * st.table_uses_per_entry) {
            s.compute_inline(st.name);
            continue;
        }
        s.compute_root(st.name);  // also a table that is inline unless placed (add's requant tables)
        const std::string &outer = st.pure_loops.front();
        if (target.cores() > 1 && st.extents.at(outer) >= target.cores()) s.parallel(st.name, outer);
        if (!target.is_host()) s.memory(st.name, MemLevel::L1);
    }
    // Tables that are inputs (a network's constants) are read at data-dependent
    // indices for every element: copied into L1 once per call whatever else the
    // schedule stages (on a small L1 a row op stages nothing else, and every
    // lookup would wait for L2): the smallest first, within a quarter of the
    // L1 data budget.
    if (target.is_host() || !target.has_dma()) return;
    auto staged = [&](const std::string &name) {
        return std::any_of(s.directives().begin(), s.directives().end(), [&](const Directive &d) {
            return d.verb == "stage" && !d.args.empty() && d.args[0] == name;
        });
    };
    std::vector<std::pair<int64_t, std::string>> tables;  // bytes, input
    for (const auto &in : algo.inputs) {
        if (in.lookup_table && !staged(in.type.name)) {
            tables.emplace_back(num_elements(in.type.shape) * elem_bytes(in.type.type), in.type.name);
        }
    }
    std::sort(tables.begin(), tables.end());
    int64_t left = target.l1_data_budget() / 4;
    for (const auto &[bytes, name] : tables) {
        if (bytes > left) break;
        s.stage_input(name, MemLevel::L1, "root", "", false);
        left -= bytes;
    }
}

Schedule default_schedule(const Algorithm &algo, const TargetDescription &target) {
    if (algo.op == "gemm" || algo.op == "matmul") {
        if (auto s = cluster_kernel_default(algo, target)) return *s;
        return reduction_default(algo, target);
    }
    // Elementwise and row-wise ops: one loop nest in the output's own order,
    // split over the cores at the outermost loop with work for every core
    // (batch axes of extent 1, as in [1, heads, rows, cols], are skipped).
    Schedule s;
    const Stage &out = algo.output_stage();
    // An elementwise op ([1, 172] after a GEMV) may split its innermost loop;
    // its tables (add's requantization tables) do not nest in it.
    const bool elementwise = std::all_of(algo.stages.begin(), algo.stages.end() - 1, [&](const Stage &st) {
        return st.reduction_loops.empty() && st.pure_loops != out.pure_loops &&
               std::find(st.pure_loops.begin(), st.pure_loops.end(), out.pure_loops.back()) == st.pure_loops.end();
    });
    std::string par = loop_with_work_for_every_core(out, target, elementwise);
    // Composite algorithms (attention, decoder blocks) only on a loop with
    // work for every core: their inner stages need not nest in a shorter one.
    const bool row_op = computing_stages(algo) <= kMaxRowOpStages;
    if (!par.empty() && !row_op && out.extents.at(par) < target.cores()) par.clear();
    if (!par.empty()) {
        s.parallel(out.name, par);
        std::optional<L1Slices> slices;
        if (target.has_dma() && row_op) slices = plan_l1_slices(algo, par, target);
        if (slices && !slices->chunk_loop.empty()) s.tile(out.name, slices->chunk_loop, slices->chunk);
        // Row-wise ops (softmax, norms): each core computes the row statistics
        // (max, sums) of its own rows, inside its share of the loop (row by
        // row inside each chunk when the rows are staged in chunks: a row's
        // statistics then stay in registers instead of an L1 array that every
        // step of the reduction loads and stores).
        const bool chunked = slices && !slices->chunk_loop.empty();
        const std::string &split = chunked ? slices->chunk_loop : par;
        // A stage's values for one iteration of `loop`, in bytes for all cores.
        auto share_bytes = [&](const Stage &st, const std::string &loop) -> int64_t {
            const auto &loops = st.pure_loops;
            auto at = std::find(loops.begin(), loops.end(), loop);
            int64_t n = 1;
            for (auto l = at + 1; l != loops.end(); ++l) n *= st.extents.at(*l);
            return n * st.func.output_types()[0].bytes() * target.cores();
        };
        // When a stage's values for a core's whole share do not fit its part
        // of L1 (the rows were not staged in chunks, as a small L1 may not
        // take them), every stage is computed row by row inside the parallel
        // loop instead (all of them: a consumer must nest in its producer's loop).
        const auto &out_loops = out.pure_loops;
        const std::string row = out_loops.size() >= 2 ? out_loops[out_loops.size() - 2] : "";
        auto has = [](const std::vector<std::string> &loops, const std::string &l) {
            return std::find(loops.begin(), loops.end(), l) != loops.end();
        };
        bool per_row = !target.is_host() && !chunked && !row.empty() && row != split &&
                       std::find(out_loops.begin(), out_loops.end(), row) > std::find(out_loops.begin(), out_loops.end(), split);
        bool too_large = false;
        for (size_t i = 0; per_row && i + 1 < algo.stages.size(); i++) {
            const Stage &st = algo.stages[i];
            if (!has(st.pure_loops, split)) continue;
            if (!has(st.pure_loops, row)) per_row = false;  // a stage over whole shares (none of the row ops)
            else if (share_bytes(st, split) > target.l1_data_budget() / 4) too_large = true;
        }
        per_row = per_row && too_large;
        for (size_t i = 0; i + 1 < algo.stages.size(); i++) {
            const Stage &st = algo.stages[i];
            const auto &loops = st.pure_loops;
            auto at = std::find(loops.begin(), loops.end(), split);
            if (at == loops.end()) continue;
            std::string at_loop = chunked ? slices->chunk_loop + "_i" : par;
            if (per_row) {
                at_loop = row;
                at = std::find(loops.begin(), loops.end(), row);
            }
            auto elems_after = [&](std::vector<std::string>::const_iterator from) {
                int64_t n = 1;
                for (auto l = from + 1; l != loops.end(); ++l) n *= st.extents.at(*l);
                return n;
            };
            s.compute_at(st.name, out.name, at_loop);
            // Its reduction along the row unrolled like an elementwise loop;
            // a per-element intermediate (isoftmax's e) like the output
            // (a shifted last group recomputes values it wrote already).
            if (!target.is_host() && st.reduction_loops.size() == 1) {
                const std::string &j = st.reduction_loops.front();
                unroll_in_groups(s, st.name, j, st.extents.at(j));
            }
            if (!target.is_host() && st.reduction_loops.empty() && loops.back() == out.pure_loops.back() &&
                loops.back() != split) {
                unroll_in_groups(s, st.name, loops.back(), st.extents.at(loops.back()), true);
            }
            // Its values for one iteration (a row's max, sum): in registers
            // when a few, else in L1; left alone they would be placed in L2
            // and every step of the reduction would load and store them there.
            if (!target.is_host()) s.memory(st.name, elems_after(at) <= kStatsInRegisters ? MemLevel::Reg : MemLevel::L1);
        }
        if (slices) stage_slices_in_l1(s, algo, *slices);
        // The output's innermost loop in unrolled groups (unless it is split
        // over the cores or into staged chunks already).
        const std::string &inner = out.pure_loops.back();
        // With the output staged, an iteration writes its L1 tile and the
        // output only at its end (by DMA), after all its reads: a shifted
        // tail recomputes from inputs nothing has overwritten yet.
        const bool out_in_l1 = slices && slices->out_staged;
        if (!target.is_host() && inner != par && !(chunked && slices->chunk_loop == inner)) {
            unroll_in_groups(s, out.name, inner, out.extents.at(inner), out_in_l1);
        }
    } else if (algo.stages.size() > 1 && row_op && !target.is_host()) {
        par = one_row_over_cores(s, algo, target);
    }
    schedule_tables(s, algo, par, target);
    return s;
}

std::optional<NpuJobPlan> npu_job_plan(const Algorithm &algo, const TargetDescription &target,
                                       const std::set<std::string> &in_weight_memory) {
    if ((algo.op != "gemm" && algo.op != "matmul") || !target_has_npu(target)) return std::nullopt;
    const NpuLimits lim = npu_limits(target);
    const Stage *acc = algo.find_stage("acc");
    const Stage &out = algo.output_stage();
    if (!acc || algo.inputs.size() < 2 || algo.inputs[1].type.type != ElemType::Int8) return std::nullopt;
    const int64_t K = acc->extents.at("k");
    if (K > lim.max_k) return std::nullopt;
    const int M = out.extents.at("m"), N = out.extents.at("n");
    for (const auto &t : in_weight_memory) {
        HL_INTERNAL_ASSERT(algo.find_input(t), "npu_job_plan: no input " + t + " to keep in the NPU weight memory");
    }
    if (!in_weight_memory.empty() && lim.weight_mem_bytes <= 0) return std::nullopt;
    NpuJobPlan plan;
    plan.k = K;
    // B in the weight memory (a resident weight): jobs read it in place, so
    // it takes no L1 and no DMA.
    plan.b_resident = in_weight_memory.count("B") != 0;
    const bool b_resident = plan.b_resident;
    // Bytes of one job's operands in L1 (rows padded to the port width), twice
    // for the double-buffered operand.
    auto padded = [&](int64_t row) { return (row + lim.stride_align - 1) / lim.stride_align * lim.stride_align; };
    const int64_t out_bytes = elem_bytes(algo.output.type);
    const int64_t budget = target.l1_data_budget() / 2;
    int64_t batch_entries = 1;
    for (const auto &l : out.pure_loops) {
        if (l != "m" && l != "n") batch_entries *= out.extents.at(l);
    }
    if (out.pure_loops.size() > 2) {
        // A job per batch entry (a head): its A, B and Y through L1.
        const int64_t job = 2 * (int64_t(M) * padded(K) + (b_resident ? 0 : int64_t(N) * padded(K))) +
                            int64_t(M) * padded(N * out_bytes);
        if (job > budget) return std::nullopt;
        plan.split = NpuJobPlan::Split::PerBatchEntry;
        plan.jobs = batch_entries;
        plan.m = M;
        plan.n = N;
        plan.dma_in_bytes_per_job = int64_t(M) * K + (b_resident ? 0 : int64_t(N) * K);
        plan.dma_out_bytes_per_job = int64_t(M) * N * out_bytes;
    } else if (M >= 2) {
        // B in L1 once; blocks of rows of A (a divisor of M, so no tail that
        // Halide peels off the job; at least two blocks, as Y's tile must be
        // a proper tile to be staged in L1) as large as fit, double-buffered.
        const int64_t b_bytes = b_resident ? 0 : int64_t(N) * padded(K);
        auto block = [&](int r) { return 2 * int64_t(r) * padded(K) + int64_t(r) * padded(N * out_bytes); };
        int rows = M / 2;
        while (rows > 1 && (M % rows != 0 || b_bytes + block(rows) > budget)) rows--;
        if (b_bytes + block(rows) > budget) return std::nullopt;
        plan.split = NpuJobPlan::Split::RowBlocks;
        plan.block = rows;
        plan.jobs = M / rows;
        plan.m = rows;
        plan.n = N;
        plan.dma_in_bytes_per_job = int64_t(rows) * K;
        plan.dma_out_bytes_per_job = int64_t(rows) * N * out_bytes;
        plan.dma_root_bytes = b_resident ? 0 : int64_t(N) * K;
    } else {
        // One row (a GEMV): A in L1 once, blocks of columns of B (with B
        // resident, two blocks: Y's tile must be a proper tile to be staged,
        // and the second job is queued while the first runs).
        auto block = [&](int c) { return (b_resident ? 0 : 2 * int64_t(c) * padded(K)) + padded(int64_t(c) * out_bytes); };
        int cols = N / 2;
        while (cols > 1 && (N % cols != 0 || padded(K) + block(cols) > budget)) cols--;
        if (cols < 1 || padded(K) + block(cols) > budget) return std::nullopt;
        plan.split = NpuJobPlan::Split::ColumnBlocks;
        plan.block = cols;
        plan.jobs = N / cols;
        plan.m = 1;
        plan.n = cols;
        plan.dma_in_bytes_per_job = b_resident ? 0 : int64_t(cols) * K;
        plan.dma_out_bytes_per_job = int64_t(cols) * out_bytes;
        plan.dma_root_bytes = K;
    }
    for (const auto &in : algo.inputs) {
        const std::string &n = in.type.name;
        if (!in_weight_memory.count(n) && is_small_epilogue_input(in)) plan.dma_root_bytes += in.type.bytes();
    }
    return plan;
}

std::optional<Schedule> npu_schedule(const Algorithm &algo, const TargetDescription &target,
                                     const std::set<std::string> &in_weight_memory) {
    const std::optional<NpuJobPlan> plan = npu_job_plan(algo, target, in_weight_memory);
    if (!plan) return std::nullopt;
    const Stage &out = algo.output_stage();
    Schedule s;
    switch (plan->split) {
    case NpuJobPlan::Split::PerBatchEntry: {
        // A job per batch entry (a head): its A, B and Y through L1.
        std::string at;
        for (const auto &l : out.pure_loops) {
            if (l != "m" && l != "n") at = l;
        }
        s.compute_at("acc", "Y", at).memory("acc", MemLevel::L1);
        s.stage_input("A", MemLevel::L1, "Y", at, true);
        if (!plan->b_resident) s.stage_input("B", MemLevel::L1, "Y", at, true);
        s.stage_input("Y", MemLevel::L1, "Y", at, false);
        break;
    }
    case NpuJobPlan::Split::RowBlocks:
        s.tile("Y", "m", (int)plan->block);
        s.compute_at("acc", "Y", "m_o").memory("acc", MemLevel::L1);
        s.stage_input("A", MemLevel::L1, "Y", "m_o", true);
        if (!plan->b_resident) s.stage_input("B", MemLevel::L1, "root", "", false);
        s.stage_input("Y", MemLevel::L1, "Y", "m_o", false);
        break;
    case NpuJobPlan::Split::ColumnBlocks:
        s.tile("Y", "n", (int)plan->block);
        s.compute_at("acc", "Y", "n_o").memory("acc", MemLevel::L1);
        s.stage_input("A", MemLevel::L1, "root", "", false);
        if (!plan->b_resident) s.stage_input("B", MemLevel::L1, "Y", "n_o", true);
        s.stage_input("Y", MemLevel::L1, "Y", "n_o", false);
        break;
    }
    for (const auto &in : algo.inputs) {
        const std::string &n = in.type.name;
        if (in_weight_memory.count(n)) {
            s.in_npu_weights(n);
        } else if (is_small_epilogue_input(in)) {
            s.stage_input(n, MemLevel::L1, "root", "", false);  // stage_epilogue_inputs, but for the resident ones
        }
    }
    s.npu("acc");
    return s;
}

}  // namespace halyard
