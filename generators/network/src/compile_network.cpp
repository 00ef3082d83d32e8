// The network compiler's driver: rewrites, lowering of every node to a kernel
// (types and shapes inferred through the op builders), kernel generation with
// sharing, the memory plan, and the program text.
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <functional>
#include <tuple>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include "bind_requant_tables.h"
#include "emit_network.h"
#include "halyard/dsl/internal_error.h"
#include "halyard/generator.h"
#include "halyard/network/network.h"
#include "halyard/npu_jobs.h"
#include "lower_ops.h"
#include "passes/passes.h"
#include "plan_memory.h"
#include "plan_weight_prefetch.h"

namespace halyard::network {

using frontend::Graph;
using frontend::GraphNode;
using frontend::TensorRole;

std::set<std::string> supported_op_types() {
    std::set<std::string> s;
    for (const auto &[op, fn] : op_lowerings()) s.insert(op);
    return s;
}

namespace {

// FNV-1a over the type and the values: the name of a shared constant, so
// identical weights in several networks are one symbol.
std::string content_hash(ElemType type, const std::vector<int64_t> &values) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](uint64_t v) {
        for (int b = 0; b < 8; b++) {
            h ^= (v >> (8 * b)) & 0xff;
            h *= 1099511628211ull;
        }
    };
    mix((uint64_t)type);
    mix(values.size());
    for (auto v : values) mix((uint64_t)v);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return buf;
}

bool file_exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

TargetDescription make_target(const NetworkOptions &o) {
    TargetDescription t = o.target.find('/') != std::string::npos || o.target.find(".target") != std::string::npos
                              ? TargetDescription::load(o.target)
                              : TargetDescription::named(o.target);
    if (o.cores != 0) {
        if (o.cores < 1 || o.cores > t.cores()) {
            throw UserError("--cores " + std::to_string(o.cores) + ": target " + t.name() + " has " +
                            std::to_string(t.cores()) + " cores (use 1.." + std::to_string(t.cores()) + ")");
        }
        t = t.with("cores", std::to_string(o.cores));
    }
    if (o.l1_budget) {
        const int64_t most = t.l1_data_budget();
        if (*o.l1_budget < 0 || *o.l1_budget > most) {
            throw UserError("--l1 " + std::to_string(*o.l1_budget) + ": target " + t.name() + " has " +
                            std::to_string(most) + " bytes of L1 for data (L1 " + std::to_string(t.l1_size()) +
                            " minus the cores' stacks); give 0.." + std::to_string(most));
        }
        t = t.with("l1.budget", std::to_string(*o.l1_budget));
    }
    return t;
}

std::string describe(const std::map<std::string, std::string> &p) {
    std::string s;
    for (const auto &[k, v] : p) s += (s.empty() ? "" : " ") + k + "=" + v;
    return s;
}

bool fits(ElemType t, const std::vector<int64_t> &v) {
    return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x >= elem_min(t) && x <= elem_max(t); });
}

// Lossless widening of a graph input (its C type is ours to choose).
bool widens(ElemType from, ElemType to) { return elem_min(to) <= elem_min(from) && elem_max(to) >= elem_max(from); }

// `s` without the `stage` directive of the largest tensor it stages into L1
// (that tensor is then read from L2); nullopt when nothing is staged. Used to
// fit a default schedule into the L1 budget one tensor at a time.
std::optional<std::pair<Schedule, std::string>> without_largest_staging(const Schedule &s, const Algorithm &algo) {
    auto bytes = [&](const std::string &t) -> int64_t {
        if (const InputTensor *in = algo.find_input(t)) return in->type.bytes();
        return t == algo.output.name ? algo.output.bytes() : 0;
    };
    const Directive *largest = nullptr;
    for (const auto &d : s.directives()) {
        if (d.verb == "stage" && !d.args.empty() && (!largest || bytes(d.args[0]) > bytes(largest->args[0]))) largest = &d;
    }
    if (!largest) return std::nullopt;
    std::string text;
    for (const auto &d : s.directives()) {
        if (&d != largest) text += d.str() + "\n";
    }
    return std::make_pair(Schedule::parse(text, "default schedule, " + largest->args[0] + " left in L2"), largest->args[0]);
}

int64_t dma_bytes_of(const std::string &report) {
    const std::string key = "DMA transfers per call: ";
    auto at = report.find(key);
    if (at == std::string::npos) return 0;
    auto open = report.find('(', at);
    return open == std::string::npos ? 0 : std::stoll(report.substr(open + 1));
}

struct Step {
    size_t node;
    Lowered lowered;
    int kernel = -1;
    std::vector<std::string> arg_tensors;   // algorithm inputs then output
    std::vector<std::string> arg_inputs;    // the algorithm's name of each input
    std::vector<ElemType> arg_types;
    // A Concat [X0 | X1] the program does by DMA instead of a kernel: per
    // outer row, row0 bytes of X0 then row1 of X1; input `bulk` (the cache)
    // in the background ahead of the call, the other at the call.
    struct ByDma {
        int64_t outer = 0, row0 = 0, row1 = 0;
        int bulk = 0;
        int64_t row(int k) const { return k == 0 ? row0 : row1; }
        int64_t at(int k) const { return k == 0 ? 0 : row0; }  // its bytes' offset in a row of Y
    };
    std::optional<ByDma> by_dma;
};

// A Concat of two inputs that the program can do by DMA: one of them ready
// at the start of the run (a graph input or a constant: a KV cache, before or
// after the new rows), one element type throughout; nullopt otherwise. (An
// output in the arena is kept live from the copy's start: storage, step 4.)
std::optional<Step::ByDma> concat_by_dma(const Graph &g, const Step &st) {
    if (st.lowered.family != "concat" || st.arg_tensors.size() != 3) return std::nullopt;
    const std::string &x0 = st.arg_tensors[0], &x1 = st.arg_tensors[1], &y = st.arg_tensors[2];
    auto ready = [&](const std::string &t) {
        const TensorRole r = g.tensor(t).role;
        return r == TensorRole::Input || r == TensorRole::Constant;
    };
    if (!ready(x0) && !ready(x1)) return std::nullopt;
    if (st.arg_types[0] != st.arg_types[1] || st.arg_types[0] != st.arg_types[2]) return std::nullopt;
    const std::vector<int64_t> &s0 = g.tensor(x0).shape, &s1 = g.tensor(x1).shape, &sy = g.tensor(y).shape;
    if (s0.size() != sy.size() || s1.size() != sy.size() || sy.empty()) return std::nullopt;
    int64_t axis = std::stoll(st.lowered.params.at("axis"));
    if (axis < 0) axis += (int64_t)sy.size();
    if (axis < 0 || axis >= (int64_t)sy.size()) return std::nullopt;
    int64_t outer = 1, inner = elem_bytes(st.arg_types[0]);
    for (int64_t d = 0; d < axis; d++) outer *= sy[d];
    for (size_t d = axis + 1; d < sy.size(); d++) inner *= sy[d];
    if (s0[axis] + s1[axis] != sy[axis] || s0[axis] == 0 || s1[axis] == 0) return std::nullopt;
    Step::ByDma d{outer, s0[axis] * inner, s1[axis] * inner, 0};
    // The larger of the ready inputs goes in the background.
    d.bulk = !ready(x0) || (ready(x1) && d.row1 > d.row0) ? 1 : 0;
    return d;
}

// What the constant prefetch reads and changes: the kernels built so far,
// per kernel where its schedule came from and the default text it was built
// with ("" when a schedule file or provider chose).
struct KernelSet {
    std::vector<GeneratedLibrary> &kernels;
    std::vector<std::string> &schedule_notes;
    std::vector<std::string> &default_texts;
};

struct PrefetchedInput {
    std::string input, tensor;
    int64_t row_bytes = 0, row_pitch = 0;  // a row of the constant; its start to the next's in L1
};

struct ConstantPrefetch {
    PrefetchPlan plan;
    int64_t offset = 0;  // of the ring in the shared L1 region
    std::map<int, std::vector<PrefetchedInput>> inputs;  // call -> its pieces, in plan order
};

// Step 3b of compile_network (plan_weight_prefetch.h): the constants a
// default kernel stages into L1 (weights, biases, tables) come into L1 by
// background DMA while the kernels before it run; the kernel, recompiled as
// a variant, reads them in place. Core 0 holds the transfer ids the kernels
// leave. Switches the calls to their variants and drops kernels no call uses.
ConstantPrefetch prefetch_constants(Graph &g, std::vector<Step> &steps, KernelSet ks,
                                    const std::set<std::string> &weight_tensors, const TargetDescription &target,
                                    const NetworkOptions &opt, const LibraryOptions &lib_opts) {
    ConstantPrefetch out;
    const int kernel_transfer_ids = 3 * target.cores();
    const int free_transfer_ids = target.dma_max_outstanding() - kernel_transfer_ids;
    const bool can_prefetch =
        opt.prefetch_weights && target.has_cluster_runtime() && target.has_dma() && free_transfer_ids >= 2;
    if (opt.prefetch_weights && target.has_cluster_runtime() && target.has_dma() && !can_prefetch) {
        g.log.push_back("constant prefetch: off, target " + target.name() + " has dma.max_outstanding " +
                        std::to_string(target.dma_max_outstanding()) + " < 3 x cores + 2 transfer ids");
    }
    if (can_prefetch) {
        int64_t kernels_l1 = 0;
        for (const auto &k : ks.kernels) kernels_l1 = std::max(kernels_l1, k.arenas.l1_bytes);
        const int64_t free_l1 = target.l1_data_budget() - (kernels_l1 + 7) / 8 * 8;
        // Pieces smaller than this are left to the kernel: a background
        // transfer costs core 0 about as much to program as it saves.
        constexpr int64_t kMinPieceBytes = 32;
        // Two calls' transfers may be outstanding at once.
        const int max_pieces = free_transfer_ids / 2;
        // The variant of a kernel that reads the given inputs in place (one per
        // kernel and set of inputs, shared by its calls), compiled first: its
        // row padding sets the bytes each takes in L1.
        std::map<std::pair<int, std::vector<std::string>>, int> variant_of;
        std::map<int, int> variants_of_kernel;
        auto variant = [&](const Step &st, const std::vector<std::string> &inputs) {
            const auto key = std::make_pair(st.kernel, inputs);
            auto v = variant_of.find(key);
            if (v != variant_of.end()) return v->second;
            const int kk = st.kernel;
            std::optional<Schedule> s = Schedule::parse(ks.default_texts[kk], "default");
            std::string names;
            for (const auto &in : inputs) {
                s = with_input_in_l1(*s, in);
                HL_INTERNAL_ASSERT(s, "constant prefetch: kernel " + ks.kernels[kk].name + " no longer stages " + in);
                names += (names.empty() ? "" : ", ") + in;
            }
            const int nth = ++variants_of_kernel[kk];
            const std::string vname = ks.kernels[kk].name + "_pf" + (nth > 1 ? std::to_string(nth) : "");
            GeneratedLibrary lib = run_generator(st.lowered.family, st.lowered.params, target, &*s, vname, lib_opts);
            lib.report = "Network " + opt.name + ": " + g.nodes[st.node].label() + "; schedule: default, " + names +
                         " prefetched into L1 by the network\n\n" + lib.report;
            const int index = (int)ks.kernels.size();
            variant_of[key] = index;
            ks.kernels.push_back(std::move(lib));
            ks.schedule_notes.push_back("default, " + names + " prefetched into L1");
            ks.default_texts.push_back(s->to_text());
            return index;
        };
        std::vector<PrefetchCandidate> candidates;
        std::map<int, std::vector<std::string>> inputs_of;  // call -> the inputs its variant reads in place
        for (size_t s = 0; s < steps.size(); s++) {
            // A KV-cache append (Concat of a graph input and a new row into a
            // graph output): the cache's bytes go across in the background
            // from the start of the run, the call copies the new rows.
            if (target.dma_copies_l2_to_l2()) {
                if (auto d = concat_by_dma(g, steps[s])) {
                    steps[s].by_dma = d;
                    const int k = d->bulk;
                    candidates.push_back({(int)s, {d->outer * d->row(k)}, false});
                    out.inputs[(int)s] = {{"X" + std::to_string(k), steps[s].arg_tensors[k], d->row(k), d->row0 + d->row1}};
                    continue;
                }
            }
            const Step &st = steps[s];
            if (ks.default_texts[st.kernel].empty()) continue;  // a schedule file or provider chose
            const Schedule def = Schedule::parse(ks.default_texts[st.kernel], "default");
            // Its staged constants, the largest first.
            std::vector<std::tuple<int64_t, std::string, size_t>> staged;  // bytes, input, arg index
            for (size_t a = 0; a + 1 < st.arg_tensors.size(); a++) {
                const std::string &tn = st.arg_tensors[a];
                if (g.tensor(tn).role != TensorRole::Constant || weight_tensors.count(tn)) continue;
                const std::string &in = st.arg_inputs[a];
                if (!with_input_in_l1(def, in)) continue;
                const int64_t bytes = g.tensor(tn).num_elements() * elem_bytes(st.arg_types[a]);
                if (bytes >= kMinPieceBytes) staged.emplace_back(bytes, in, a);
            }
            std::sort(staged.begin(), staged.end(), [](const auto &x, const auto &y) { return std::get<0>(x) > std::get<0>(y); });
            if ((int)staged.size() > max_pieces) staged.resize(max_pieces);
            if (staged.empty()) continue;
            int64_t total = 0;
            for (const auto &p : staged) total += std::get<0>(p);
            if (total > free_l1) continue;  // cannot fit the ring even unpadded
            std::vector<std::string> inputs;
            for (const auto &p : staged) inputs.push_back(std::get<1>(p));
            int vi = -1;
            try {
                vi = variant(st, inputs);
            } catch (const UserError &e) {
                g.log.push_back("constant prefetch: not for " + g.nodes[st.node].label() + ": " + e.what());
                continue;
            }
            const GeneratedLibrary &v = ks.kernels[vi];
            PrefetchCandidate c;
            c.call = (int)s;
            std::vector<PrefetchedInput> pieces;
            for (const auto &[bytes, in, a] : staged) {
                const std::string &tn = st.arg_tensors[a];
                const int elem = elem_bytes(st.arg_types[a]);
                const std::vector<int64_t> &shape = g.tensor(tn).shape;
                const int64_t row = (shape.empty() ? 1 : shape.back()) * elem;
                auto pitch = v.l1_input_row_elems.find(in);
                const int64_t pitch_bytes = pitch == v.l1_input_row_elems.end() ? row : pitch->second * elem;
                c.pieces.push_back(bytes / row * pitch_bytes);
                pieces.push_back({in, tn, row, pitch_bytes});
            }
            candidates.push_back(c);
            inputs_of[(int)s] = inputs;
            out.inputs[(int)s] = pieces;
        }
        out.plan = plan_weight_prefetch(candidates, free_l1, free_transfer_ids);
        std::map<int, std::vector<PrefetchedInput>> planned;
        for (const auto &p : out.plan.prefetches) {
            if (!steps[p.call].by_dma) steps[p.call].kernel = variant(steps[p.call], inputs_of.at(p.call));
            planned[p.call] = out.inputs.at(p.call);
        }
        out.inputs = std::move(planned);
        for (size_t s = 0; s < steps.size(); s++) {
            if (steps[s].by_dma && !out.inputs.count((int)s)) steps[s].by_dma.reset();  // not planned: its kernel
            if (steps[s].by_dma) {
                const int k = steps[s].by_dma->bulk;
                g.log.push_back("KV append by DMA: call " + std::to_string(s) + " (" + g.nodes[steps[s].node].label() +
                                "): '" + steps[s].arg_tensors[k] + "' copied into '" + steps[s].arg_tensors.back() +
                                "' in the background, '" + steps[s].arg_tensors[1 - k] + "' at the call");
            }
        }
        // Drop kernels no call uses any more.
        std::vector<int> used(ks.kernels.size(), 0), new_index(ks.kernels.size(), -1);
        for (const auto &st : steps) {
            if (!st.by_dma) used[st.kernel] = 1;
        }
        std::vector<GeneratedLibrary> kept;
        std::vector<std::string> kept_schedule;
        for (size_t k = 0; k < ks.kernels.size(); k++) {
            if (!used[k]) continue;
            new_index[k] = (int)kept.size();
            kept.push_back(std::move(ks.kernels[k]));
            kept_schedule.push_back(ks.schedule_notes[k]);
        }
        ks.kernels = std::move(kept);
        ks.schedule_notes = std::move(kept_schedule);
        for (auto &st : steps) st.kernel = st.by_dma ? -1 : new_index[st.kernel];
        int64_t l1_after = 0;
        for (const auto &k : ks.kernels) l1_after = std::max(l1_after, k.arenas.l1_bytes);
        out.offset = (l1_after + 7) / 8 * 8;
        HL_INTERNAL_ASSERT(out.plan.prefetches.empty() || out.offset + out.plan.region_bytes <= target.l1_data_budget(),
                           "constant prefetch: the ring does not fit the L1 budget");
        for (const auto &p : out.plan.prefetches) {
            if (steps[p.call].by_dma) continue;
            std::string what;
            const auto &ins = out.inputs.at(p.call);
            for (size_t j = 0; j < p.pieces.size(); j++) {
                what += (j ? ", " : "") + ins[j].input + " '" + ins[j].tensor + "' (" + std::to_string(p.pieces[j].bytes) +
                        " B at L1 +" + std::to_string(out.offset + p.pieces[j].offset) + ")";
            }
            g.log.push_back("constant prefetch: call " + std::to_string(p.call) + " (" + g.nodes[steps[p.call].node].label() +
                            ") reads " + what + " in place, copied in the background from " +
                            (p.issue_after < 0 ? std::string("the start of the run") : "the end of call " + std::to_string(p.issue_after)));
        }
    }

    return out;
}

}  // namespace

NetworkProgram compile_network(Graph g, const NetworkOptions &opt) {
    for (char ch : opt.name) {
        if (!(std::isalnum((unsigned char)ch) || ch == '_') || std::isdigit((unsigned char)opt.name[0])) {
            throw UserError("network name '" + opt.name + "' must be a C identifier");
        }
    }
    const TargetDescription target = make_target(opt);
    NetworkProgram prog;
    prog.name = opt.name;

    // 1. Graph rewrites, each logging what it did. Empty Concat inputs are
    //    always dropped (no kernel takes an empty tensor); the merges of nodes
    //    into one kernel (Deeploy's) are optional.
    drop_empty_concat_inputs(g);
    if (opt.fuse) {
        merge_true_integer_div(g);
        fold_transpose_into_matmul(g);
        fuse_bias(g);
        fuse_requant(g);
        fuse_operand_requant(g);
        fuse_add_into_softmax(g);
    }

    // 2. Element types of the graph inputs.
    LowerContext ctx(g);
    ctx.fold_identities = opt.fuse;
    for (const auto &[name, type] : opt.input_types) {
        if (std::find(g.inputs.begin(), g.inputs.end(), name) == g.inputs.end()) {
            std::string names;
            for (const auto &i : g.inputs) names += (names.empty() ? "" : ", ") + i;
            throw UserError(g.path + ": an input type is given for '" + name + "', which is not a graph input (inputs: " +
                            names + ")");
        }
    }
    for (const auto &i : g.inputs) {
        auto it = opt.input_types.find(i);
        ctx.types[i] = it == opt.input_types.end() ? ElemType::Int8 : it->second;
        if (it == opt.input_types.end()) g.log.push_back("types: graph input '" + i + "' taken as int8 (no type given)");
    }

    // 3. Lower every node in order: a view, or a kernel (shared between
    //    identical nodes). Output shapes and types come from the algorithm.
    std::vector<Step> steps;
    std::map<std::string, int> kernel_by_key;
    std::vector<std::string> kernel_schedule;       // per kernel: where its schedule came from
    std::vector<std::string> kernel_default_text;   // per kernel: the default schedule it was built with ("" if none)
    std::map<std::string, std::string> view_of;     // tensor -> tensor it aliases
    std::set<std::string> bound_inputs;             // graph inputs a kernel already reads with their type
    const std::string region = opt.shared_prefix.empty() ? opt.name : opt.shared_prefix;
    const LibraryOptions lib_opts{region + "_l1_arena", region + "_l2_scratch"};
    // Constants kept in the NPU weight memory (npu.weight_mem_bytes): only
    // weights of kernels whose schedule reads them in place.
    const int64_t weight_mem_capacity =
        target.has("npu.weight_mem_bytes") && target.has_cluster_runtime() ? target.get_int("npu.weight_mem_bytes") : 0;
    int64_t weight_mem_used = 0;
    std::set<std::string> weight_tensors;
    // Who chooses a kernel's schedule when no file does: the caller's
    // provider, else (the default on a target with an NPU) the NPU where it wins.
    decltype(NetworkOptions::schedule_provider) provider = opt.schedule_provider;
    if (!provider && opt.use_npu && target_has_npu(target)) provider = npu_schedule_for_kernel;
    auto readers_of = [&](const std::string &t) {
        int n = 0;
        for (const auto &node : g.nodes) n += (int)std::count(node.inputs.begin(), node.inputs.end(), t);
        return n;
    };
    for (size_t ni = 0; ni < g.nodes.size(); ni++) {
        if (opt.fuse) transpose_matmul_operand(g, ni);  // may insert a Transpose at ni, lowered first
        const GraphNode &n = g.nodes[ni];
        auto lo = op_lowerings().find(n.op_type);
        if (lo == op_lowerings().end()) throw std::logic_error("internal: " + n.label() + " passed import unsupported");
        if (n.outputs.size() != 1) {
            throw UserError(g.path + ": " + n.label() + ": has " + std::to_string(n.outputs.size()) +
                            " outputs; Halyard's ops have one");
        }
        Lowered l;
        try {
            l = lo->second(n, ctx);
        } catch (const io::FormatError &e) {
            throw UserError(e.what());
        }
        auto &out = g.tensor(n.outputs[0]);
        if (l.is_view) {
            out.shape = l.out_shape;
            out.shape_known = true;
            ctx.types[out.name] = ctx.type(l.view_of);
            view_of[out.name] = l.view_of;
            g.log.push_back("views: " + n.label() + (l.op == n.op_type ? "" : " [" + l.op + "]") + " reads '" + l.view_of +
                            "' as " + out.shape_str() + " (no copy)");
            continue;
        }
        Step st;
        st.node = ni;
        const GeneratorFamily &fam = find_generator(l.family);
        Algorithm algo;
        const std::string what = g.path + ": " + n.label() + " (kernel " + l.family + " " + describe(l.params) + ")";
        try {
            algo = fam.build(ParamMap(l.family, fam.params, l.params));
            algo = bind_requant_tables(l, fam, std::move(algo), ctx);
        } catch (const UserError &e) {
            throw UserError(what + ": " + e.what());
        }
        for (const auto &ai : algo.inputs) {
            auto a = l.args.find(ai.type.name);
            if (a == l.args.end()) throw std::logic_error("internal: " + what + ": no tensor bound to input " + ai.type.name);
            const std::string &tn = a->second;
            const auto &gt = g.tensor(tn);
            if (gt.num_elements() != num_elements(ai.type.shape)) {
                throw UserError(what + ": input " + ai.type.name + " '" + tn + "' has " + std::to_string(gt.num_elements()) +
                                " elements " + gt.shape_str() + " but the kernel reads " + shape_str(ai.type.shape));
            }
            if (gt.role == TensorRole::Constant) {
                if (!fits(ai.type.type, gt.values)) {
                    throw UserError(what + ": constant '" + tn + "' has values outside " + elem_type_name(ai.type.type) +
                                    ", the type of kernel input " + ai.type.name);
                }
            } else {
                const ElemType have = ctx.type(tn);
                if (have != ai.type.type) {
                    const bool input = gt.role == TensorRole::Input && !bound_inputs.count(tn) &&
                                       !opt.input_types.count(tn) && widens(have, ai.type.type);
                    if (!input) {
                        throw UserError(what + ": input " + ai.type.name + " '" + tn + "' is " + elem_type_name(have) +
                                        " but the kernel reads " + elem_type_name(ai.type.type));
                    }
                    ctx.types[tn] = ai.type.type;
                    g.log.push_back("types: graph input '" + tn + "' widened to " +
                                    std::string(elem_type_name(ai.type.type)) + " for " + n.label());
                }
                if (gt.role == TensorRole::Input) bound_inputs.insert(tn);
            }
            st.arg_tensors.push_back(tn);
            st.arg_inputs.push_back(ai.type.name);
            st.arg_types.push_back(ai.type.type);
        }
        out.shape = l.out_shape.empty() ? std::vector<int64_t>(algo.output.shape.begin(), algo.output.shape.end())
                                        : l.out_shape;
        out.shape_known = true;
        if (out.num_elements() != num_elements(algo.output.shape)) {
            throw std::logic_error("internal: " + what + ": output shape " + out.shape_str() + " vs kernel " +
                                   shape_str(algo.output.shape));
        }
        ctx.types[out.name] = algo.output.type;
        st.arg_tensors.push_back(out.name);
        st.arg_types.push_back(algo.output.type);

        // Kernel inputs bound to constants only this node reads: a schedule
        // may keep them in the NPU weight memory (while it has room).
        std::set<std::string> own_constants;
        if (provider && weight_mem_capacity > 0) {
            int64_t bytes = 0;
            for (const auto &ai : algo.inputs) {
                const std::string &tn = l.args.at(ai.type.name);
                // (0 readers: a constant the lowering derived for this node, e.g. B^T)
                if (g.tensor(tn).role != TensorRole::Constant || readers_of(tn) > 1) continue;
                own_constants.insert(ai.type.name);
                bytes += g.tensor(tn).num_elements() * elem_bytes(ai.type.type);
            }
            if (weight_mem_used + bytes > weight_mem_capacity) own_constants.clear();
        }
        std::string key = l.family + " " + describe(l.params);
        if (!own_constants.empty()) {
            key += " | own constants";
            for (const auto &c : own_constants) key += " " + c;
        }
        auto k = kernel_by_key.find(key);
        if (k == kernel_by_key.end()) {
            std::string sched_file;
            if (!opt.schedules_dir.empty()) {
                for (const auto &cand : {opt.schedules_dir + "/" + n.name + ".sched", opt.schedules_dir + "/" + l.family + ".sched"}) {
                    if (file_exists(cand)) {
                        sched_file = cand;
                        break;
                    }
                }
            }
            // With a shared prefix, a kernel is named by what determines its code
            // (family, parameters, schedule file, target, cores, L1 budget), so
            // networks of one program share identical kernels.
            std::string lib_name = opt.name + "_k" + std::to_string(prog.kernels.size()) + "_" + l.family;
            if (!opt.shared_prefix.empty()) {
                std::vector<int64_t> id;
                for (char ch : key + "|" + sched_file + "|" + target.name() + "|" + std::to_string(opt.cores) + "|" +
                                   std::to_string(opt.l1_budget.value_or(-1)))
                    id.push_back((unsigned char)ch);
                lib_name = opt.shared_prefix + "_k" + content_hash(ElemType::Int8, id).substr(0, 12) + "_" + l.family;
            }
            GeneratedLibrary lib;
            std::string sched_note = "default";
            std::string default_text;
            std::optional<std::pair<std::string, std::string>> provided;
            if (sched_file.empty() && provider) {
                provided = provider(l.family, l.params, target, own_constants);
            }
            if (provided && !opt.shared_prefix.empty()) {
                // The kernel's name follows its schedule too.
                std::vector<int64_t> id;
                for (char ch : key + "|" + provided->first + "|" + target.name()) id.push_back((unsigned char)ch);
                lib_name = opt.shared_prefix + "_k" + content_hash(ElemType::Int8, id).substr(0, 12) + "_" + l.family;
            }
            try {
                if (provided) {
                    Schedule s = Schedule::parse(provided->first, provided->second);
                    lib = run_generator(l.family, l.params, target, &s, lib_name, lib_opts);
                    sched_note = provided->second;
                } else if (!sched_file.empty()) {
                    Schedule s = Schedule::load(sched_file);
                    lib = run_generator(l.family, l.params, target, &s, lib_name, lib_opts);
                    sched_note = sched_file;
                } else {
                    // The default; when its staged tiles exceed the L1 budget,
                    // leave the largest staged tensor in L2 and retry.
                    Algorithm a2 = fam.build(ParamMap(l.family, fam.params, l.params));
                    Schedule s = default_schedule(a2, target);
                    std::vector<std::string> left_in_l2;
                    for (;;) {
                        try {
                            lib = run_generator(l.family, l.params, target, &s, lib_name, lib_opts);
                            default_text = s.to_text();
                            break;
                        } catch (const MemoryOverflowError &) {
                            auto smaller = without_largest_staging(s, a2);
                            if (!smaller) throw;
                            s = smaller->first;
                            left_in_l2.push_back(smaller->second);
                        }
                    }
                    if (!left_in_l2.empty()) {
                        sched_note = "default with";
                        for (const auto &t : left_in_l2) sched_note += " " + t;
                        sched_note += " read from L2 (staging it exceeds the L1 budget)";
                    }
                }
            } catch (const UserError &e) {
                throw UserError(what + (sched_file.empty() ? "" : " with schedule " + sched_file) + ": " + e.what());
            }
            lib.report = "Network " + opt.name + ": first used by " + n.label() + "; schedule: " + sched_note + "\n\n" +
                         lib.report;
            kernel_by_key[key] = (int)prog.kernels.size();
            prog.kernels.push_back(std::move(lib));
            kernel_schedule.push_back(sched_note);
            kernel_default_text.push_back(sched_note == "default" ? default_text : "");
            k = kernel_by_key.find(key);
        }
        st.kernel = k->second;
        st.lowered = l;
        for (const auto &in : prog.kernels[st.kernel].npu_weight_inputs) {
            const std::string &tn = l.args.at(in);
            HL_INTERNAL_ASSERT(own_constants.count(in), "kernel " + prog.kernels[st.kernel].name + " keeps input " + in +
                                                            " in the NPU weight memory, but '" + tn + "' is not this node's constant");
            if (weight_tensors.insert(tn).second) {
                weight_mem_used += g.tensor(tn).num_elements() * elem_bytes(algo.find_input(in)->type.type);
            }
        }
        steps.push_back(std::move(st));
    }

    // 3b. Constant prefetch (prefetch_constants above).
    const ConstantPrefetch prefetch =
        prefetch_constants(g, steps, {prog.kernels, kernel_schedule, kernel_default_text}, weight_tensors, target, opt,
                           lib_opts);

    // 4. Storage. Graph inputs/outputs are entry-point arguments, constants
    //    const arrays, every other tensor an arena slot (views share their
    //    root's bytes).
    std::function<std::string(const std::string &)> root = [&](const std::string &t) {
        auto it = view_of.find(t);
        return it == view_of.end() ? t : root(it->second);
    };
    std::set<std::string> taken = {opt.name + "_run", opt.name + "_arena"};
    for (const auto &i : g.inputs) {
        prog.inputs.push_back({i, c_identifier(i, taken), ctx.types.at(i), g.tensor(i).shape});
    }
    for (const auto &o : g.outputs) {
        if (!ctx.types.count(o)) throw UserError(g.path + ": graph output '" + o + "' is a constant; nothing to compute");
        prog.outputs.push_back({o, c_identifier(o, taken), ctx.types.at(o), g.tensor(o).shape});
    }
    std::map<std::string, Location> loc;   // roots
    for (size_t i = 0; i < g.inputs.size(); i++) loc[g.inputs[i]] = {Location::Arg, (int)i, 0, ""};
    std::vector<OutputCopy> copies;
    const auto bytes_of = [&](const std::string &t) { return g.tensor(t).num_elements() * elem_bytes(ctx.types.at(t)); };
    for (size_t o = 0; o < g.outputs.size(); o++) {
        const std::string &name = g.outputs[o];
        const std::string r = root(name);
        const Location here{Location::Arg, (int)(g.inputs.size() + o), 0, ""};
        const bool root_free = r != name && !loc.count(r) && !g.is_output(r) && g.tensor(r).role == TensorRole::Intermediate;
        if (r == name && !loc.count(name)) {
            loc[name] = here;
        } else if (root_free) {
            loc[r] = here;   // the producer writes straight into the output
        } else {
            copies.push_back({Location{}, (int)o, bytes_of(name)});
            copies.back().from.symbol = r;  // resolved below
        }
    }
    std::vector<LiveTensor> live;
    std::map<std::string, size_t> live_index;
    for (size_t s = 0; s < steps.size(); s++) {
        for (size_t a = 0; a < steps[s].arg_tensors.size(); a++) {
            const std::string r = root(steps[s].arg_tensors[a]);
            if (loc.count(r) || g.tensor(r).role == TensorRole::Constant) continue;
            auto it = live_index.find(r);
            if (it == live_index.end()) {
                live_index[r] = live.size();
                live.push_back({r, bytes_of(r), (int)s, (int)s, -1});
            } else {
                live[it->second].last = (int)s;
            }
        }
    }
    for (auto &c : copies) {
        auto it = live_index.find(c.from.symbol);
        if (it != live_index.end()) live[it->second].last = (int)steps.size();
    }
    // A Concat by DMA writes its output from the start of its background
    // copy (after call issue_after returns): live from the next call on.
    for (const auto &p : prefetch.plan.prefetches) {
        if (!steps[p.call].by_dma) continue;
        auto it = live_index.find(root(steps[p.call].arg_tensors.back()));
        if (it != live_index.end()) live[it->second].first = std::min(live[it->second].first, p.issue_after + 1);
    }
    const ArenaLayout layout = plan_arena(live);
    for (const auto &t : live) loc[t.name] = {Location::Arena, -1, t.offset, ""};
    prog.arena_bytes = layout.peak;
    prog.arena_naive_bytes = layout.naive;

    // 5. The program: constants typed per use, one call per step.
    ProgramModel m;
    m.name = opt.name;
    m.shared_prefix = opt.shared_prefix;
    m.cluster = target.has_cluster_runtime();
    std::map<std::pair<std::string, ElemType>, std::string> const_symbol;
    auto constant = [&](const std::string &t, ElemType type) {
        auto key = std::make_pair(t, type);
        auto it = const_symbol.find(key);
        if (it != const_symbol.end()) return it->second;
        const bool in_weight_mem = weight_tensors.count(t) != 0;
        // Shared constants in the weight memory get their own names: an
        // equal tensor another kernel stages by DMA must stay in L2.
        const std::string sym = opt.shared_prefix.empty()
                                    ? opt.name + (in_weight_mem ? "_w" : "_c") + std::to_string(m.constants.size())
                                    : opt.shared_prefix + (in_weight_mem ? "_w" : "_c") + content_hash(type, g.tensor(t).values);
        // Shared constants are named by content: identical tensors are one array.
        bool emitted = false;
        for (const auto &k : m.constants) emitted = emitted || k.symbol == sym;
        if (!emitted) {
            m.constants.push_back({sym, type, g.tensor(t).values, t, in_weight_mem});
            if (!opt.shared_prefix.empty()) prog.shared_constants.push_back({sym, t, type, g.tensor(t).values, in_weight_mem});
            const int64_t bytes = (int64_t)g.tensor(t).values.size() * elem_bytes(type);
            (in_weight_mem ? prog.npu_weight_bytes : prog.const_bytes) += bytes;
        }
        return const_symbol[key] = sym;
    };
    for (auto &c : copies) {
        const std::string r = c.from.symbol;
        if (g.tensor(r).role == TensorRole::Constant) c.from = {Location::Const, -1, 0, constant(r, ctx.type(r))};
        else c.from = loc.at(r);
    }
    m.copies = copies;
    m.l1_arena = region + "_l1_arena";
    std::map<int, const WeightPrefetch *> prefetch_of;  // call -> its constants' transfers
    for (const auto &p : prefetch.plan.prefetches) prefetch_of[p.call] = &p;
    m.prefetch_transfer_ids = prefetch.plan.transfer_ids;
    for (size_t s = 0; s < steps.size(); s++) {
        const Step &st = steps[s];
        const GraphNode &n = g.nodes[st.node];
        KernelCallC call;
        call.kernel = st.by_dma ? "" : prog.kernels[st.kernel].name;
        NodeStep ns;
        ns.node = n.label();
        ns.op = st.lowered.op;
        ns.kernel = st.by_dma ? "(DMA)" : call.kernel;
        ns.family = st.lowered.family;
        ns.params = describe(st.lowered.params);
        ns.schedule = !st.by_dma ? kernel_schedule[st.kernel]
                      : st.by_dma->bulk == 0 ? "by DMA: X0 in the background ahead of the call, X1's rows at the call"
                                             : "by DMA: X1 in the background ahead of the call, X0's rows at the call";
        std::string comment = n.label() + " -> " + call.kernel;
        auto pf = prefetch_of.find((int)s);
        for (size_t a = 0; a < st.arg_tensors.size(); a++) {
            const std::string &tn = st.arg_tensors[a];
            const std::string r = root(tn);
            CallArg ca;
            ca.type = st.arg_types[a];
            ca.is_output = a + 1 == st.arg_tensors.size();
            ca.loc = g.tensor(r).role == TensorRole::Constant ? Location{Location::Const, -1, 0, constant(r, ca.type)}
                                                               : loc.at(r);
            if (pf != prefetch_of.end() && !ca.is_output && !st.by_dma) {
                const WeightPrefetch &p = *pf->second;
                const auto &ins = prefetch.inputs.at(p.call);
                for (size_t j = 0; j < ins.size(); j++) {
                    if (ins[j].input != st.arg_inputs[a]) continue;
                    const PrefetchPiece &piece = p.pieces[j];
                    const int64_t at = prefetch.offset + piece.offset;
                    const Location ring{Location::L1, -1, at, ""};
                    m.prefetches.push_back({p.call, piece.transfer_id, p.issue_after, ring, ca.loc, 0, ins[j].row_bytes,
                                            piece.bytes / ins[j].row_pitch, ins[j].row_pitch, ins[j].row_bytes});
                    ca.loc = ring;
                    ns.schedule += " (" + ins[j].input + " prefetched into L1 +" + std::to_string(at) + ")";
                }
            }
            call.args.push_back(ca);
            ns.args.push_back(tn);
        }
        if (st.by_dma) {
            // The bulk input -> Y in the background (planned), the other's rows at the call.
            const Step::ByDma &d = *st.by_dma;
            const WeightPrefetch &p = *pf->second;
            const int k = d.bulk, o = 1 - k;
            const Location &y = call.args[2].loc;
            m.prefetches.push_back({p.call, p.pieces[0].transfer_id, p.issue_after, y, call.args[k].loc, d.at(k), d.row(k),
                                    d.outer, d.row0 + d.row1, d.row(k)});
            call.copy = RowCopyC{y, call.args[o].loc, d.at(o), d.row(o), d.outer, d.row0 + d.row1, d.row(o)};
            comment = n.label() + " -> by DMA";
        }
        call.comment = comment;
        for (const auto &mname : n.merged) call.comment += "; merged " + mname;
        for (auto &ch : call.comment) {
            if (ch == '*' || ch == '/') ch = '_';  // keep the C comment closed
        }
        m.calls.push_back(call);
        m.step_names.push_back(n.name.empty() ? n.label() : n.name);
        prog.steps.push_back(ns);
    }
    for (const auto &k : prog.kernels) {
        prog.l1_bytes = std::max(prog.l1_bytes, k.arenas.l1_bytes);
        prog.l2_scratch_bytes = std::max(prog.l2_scratch_bytes, k.arenas.l2_bytes);
    }
    // The prefetch ring follows the kernels' part of the shared L1 region.
    if (!prefetch.plan.prefetches.empty()) prog.l1_bytes = prefetch.offset + prefetch.plan.region_bytes;
    prog.prefetched_weight_bytes = 0;
    for (const auto &p : prefetch.plan.prefetches) {
        if (steps[p.call].by_dma) continue;
        for (const auto &piece : p.pieces) prog.prefetched_weight_bytes += piece.bytes;
    }
    for (const auto &st : steps) {
        prog.dma_bytes_per_run += st.by_dma ? st.by_dma->outer * (st.by_dma->row0 + st.by_dma->row1)
                                            : dma_bytes_of(prog.kernels[st.kernel].report);
    }

    // 6. Does it fit? Data in L2: constants, activations, kernel scratch, and
    //    the caller's inputs and outputs (code comes on top).
    int64_t io_bytes = 0;
    for (const auto &io : prog.inputs) io_bytes += bytes_of(io.tensor);
    for (const auto &io : prog.outputs) io_bytes += bytes_of(io.tensor);
    const int64_t l2_data = prog.const_bytes + prog.arena_bytes + prog.l2_scratch_bytes + io_bytes;
    if (l2_data > target.l2_size()) {
        std::vector<const LiveTensor *> big;
        for (const auto &t : live) {
            if (t.first <= layout.peak_step && layout.peak_step <= t.last) big.push_back(&t);
        }
        std::sort(big.begin(), big.end(), [](const LiveTensor *a, const LiveTensor *b) { return a->bytes > b->bytes; });
        std::ostringstream msg;
        msg << g.path << ": the network needs " << l2_data << " bytes of L2 data but target " << target.name() << " has "
            << target.l2_size() << " (constants " << prog.const_bytes << ", activations " << prog.arena_bytes
            << " planned, kernel scratch " << prog.l2_scratch_bytes << ", inputs/outputs " << io_bytes
            << "); largest live tensors at call " << layout.peak_step << ":";
        for (size_t i = 0; i < std::min<size_t>(big.size(), 5); i++) msg << " '" << big[i]->name << "' " << big[i]->bytes << " B";
        std::vector<std::pair<int64_t, std::string>> consts;
        for (const auto &c : m.constants) consts.push_back({(int64_t)c.values.size() * elem_bytes(c.type), c.tensor});
        std::sort(consts.rbegin(), consts.rend());
        msg << "; largest constants:";
        for (size_t i = 0; i < std::min<size_t>(consts.size(), 3); i++) msg << " '" << consts[i].second << "' " << consts[i].first << " B";
        throw UserError(msg.str());
    }

    // Placements for the report.
    for (const auto &[name, t] : g.tensors) {
        if (t.role == TensorRole::Constant || !ctx.types.count(name)) continue;
        TensorPlacement p;
        p.name = name;
        p.type = ctx.types.at(name);
        p.shape = t.shape;
        p.bytes = bytes_of(name);
        const std::string r = root(name);
        if (r != name) p.where = "view of '" + r + "'";
        else if (loc.count(r) && loc.at(r).kind == Location::Arg) {
            const int a = loc.at(r).arg, ni = (int)prog.inputs.size();
            p.where = a < ni ? "input " + std::to_string(a) : "output " + std::to_string(a - ni);
        } else if (loc.count(r)) {
            p.where = "arena+" + std::to_string(loc.at(r).offset);
            p.first = live[live_index.at(r)].first;
            p.last = live[live_index.at(r)].last;
        } else {
            p.where = "unused";
        }
        prog.tensors.push_back(p);
    }

    emit_network(m, prog);

    std::ostringstream r;
    r << "Halyard network " << opt.name << " from " << g.path << " for target " << target.name() << " ("
      << target.cores() << " cores"
      << (opt.l1_budget ? ", L1 budget " + std::to_string(*opt.l1_budget) + " B" : std::string()) << ")\n\n"
      << "Front end and rewrites:\n";
    for (const auto &line : g.log) r << "  " << line << "\n";
    r << "\nMemory:\n  activation arena " << prog.arena_bytes << " B planned (" << prog.arena_naive_bytes
      << " B without reuse; peak live " << layout.peak_live << " B at call " << layout.peak_step << ")\n"
      << "  constants " << prog.const_bytes << " B"
      << (prog.npu_weight_bytes ? " in L2, " + std::to_string(prog.npu_weight_bytes) + " B in the NPU weight memory" : "")
      << ", shared L1 region " << prog.l1_bytes << " B, shared L2 scratch "
      << prog.l2_scratch_bytes << " B, inputs/outputs " << io_bytes << " B\n"
      << "  L2 data total " << l2_data << " of " << target.l2_size() << " B\n"
      << "  DMA per run (kernel reports, upper bound) " << prog.dma_bytes_per_run << " B"
      << (prog.prefetched_weight_bytes ? ", + " + std::to_string(prog.prefetched_weight_bytes) +
                                             " B of constants prefetched into L1 in the background"
                                       : std::string())
      << "\n";
    r << "\nCalls (" << prog.steps.size() << ", " << prog.kernels.size() << " distinct kernels):\n";
    for (size_t s = 0; s < prog.steps.size(); s++) {
        const auto &ns = prog.steps[s];
        r << "  [" << s << "] " << ns.node << " as " << ns.op << " -> " << ns.kernel << " (" << ns.family << " " << ns.params
          << "; schedule " << ns.schedule << ")\n      args:";
        for (const auto &a : ns.args) {
            const std::string rt = root(a);
            r << " " << a << "@";
            if (g.tensor(rt).role == TensorRole::Constant) r << "const";
            else if (loc.at(rt).kind == Location::Arg) r << "arg" << loc.at(rt).arg;
            else r << "arena+" << loc.at(rt).offset;
        }
        r << "\n";
    }
    r << "\nTensors:\n";
    for (const auto &p : prog.tensors) {
        r << "  " << p.name << ": " << elem_type_name(p.type) << "[";
        for (size_t i = 0; i < p.shape.size(); i++) r << (i ? "," : "") << p.shape[i];
        r << "] " << p.bytes << " B, " << p.where;
        if (p.first >= 0) r << ", live calls " << p.first << ".." << p.last;
        r << "\n";
    }
    prog.report = r.str();
    return prog;
}

NetworkProgram compile_onnx(const std::string &onnx_path, const NetworkOptions &options) {
    frontend::ImportOptions io;
    io.supported_ops = supported_op_types();
    return compile_network(frontend::import_onnx(onnx_path, io), options);
}

void write_program(const NetworkProgram &p, const std::string &dir) {
    auto write = [&](const std::string &file, const std::string &text) {
        std::ofstream f(dir + "/" + file);
        f << text;
        if (!f) throw UserError("cannot write " + dir + "/" + file);
    };
    write(p.name + ".c", p.source);
    write(p.name + ".h", p.header);
    write(p.name + ".report.txt", p.report);
    for (const auto &k : p.kernels) {
        write(k.name + ".c", k.c_source);
        write(k.name + ".h", k.header);
        write(k.name + ".report.txt", k.report);
    }
}

}  // namespace halyard::network
