// Validates a schedule against an algorithm and a target, and applies it:
// tiling, loop order and placement go to Halide's scheduling calls; memory
// levels, staging, parallel split, kernels and NPU mapping go into the
// SchedulePlan that Halyard's lowering passes read.
#include <algorithm>
#include <sstream>

#include "halyard/micro_kernels.h"
#include "halyard/npu_jobs.h"
#include "halyard/schedule.h"

namespace halyard {

namespace {

using Halide::RVar;
using Halide::Var;
using Halide::VarOrRVar;

std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

bool contains(const std::vector<std::string> &v, const std::string &x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// What the scheduler knows about one stage while it applies directives.
struct StageState {
    Stage *stage = nullptr;
    std::vector<std::string> pure;        // pure loops, outermost first
    std::vector<std::string> all;         // update loops (pure + reduction), outermost first
    std::set<std::string> reduction;      // names that are reduction loops
    std::map<std::string, int> extent;    // loop -> extent (upper bound for split tails)
    std::map<std::string, bool> exact;    // loop extent is exact (no tail)
    std::map<std::string, std::string> halide_name;  // loop -> Halide Var/RVar name
    // Reduction loops of extent 1 (and loops split from them): Halide drops
    // them, so directives naming them are kept in the bookkeeping only.
    std::set<std::string> absent;
    bool has_update() const { return !reduction.empty(); }
};

class Applier {
public:
    Applier(Algorithm &algo, const TargetDescription &target) : algo_(algo), target_(target) {
        for (auto &s : algo_.stages) {
            StageState st;
            st.stage = &s;
            st.pure = s.pure_loops;
            st.all = s.pure_loops;
            for (const auto &l : s.pure_loops) {
                st.extent[l] = s.extents.at(l);
                st.exact[l] = true;
                st.halide_name[l] = l;
            }
            for (size_t i = 0; i < s.reduction_loops.size(); i++) {
                const auto &l = s.reduction_loops[i];
                st.all.push_back(l);
                st.reduction.insert(l);
                st.extent[l] = s.extents.at(l);
                st.exact[l] = true;
                st.halide_name[l] = s.rdom[(int)i].name();
                if (st.extent[l] == 1) st.absent.insert(l);
            }
            states_[s.name] = st;
            plan_.placement[s.name] = (&s == &algo_.stages.back()) ? "root (output)" : "root";
        }
        // Intermediate stages default to root in L2; Halide would refuse to
        // inline a reduction anyway.
        for (auto &s : algo_.stages) {
            if (&s != &algo_.stages.back() && s.inline_by_default) {
                s.func.compute_inline();
                plan_.placement[s.name] = "inline";
                inlined_.insert(s.name);  // until a compute_at places it
            } else if (&s != &algo_.stages.back()) {
                s.func.compute_root();
                plan_.buffer_memory[s.func.name()] = MemLevel::L2;
            }
        }
    }

    void apply(const Directive &d) {
        where_ = d.where;
        const auto &a = d.args;
        if (d.verb == "tile") {
            tile(state(a[0]), a[1], parse_int(a[2], "tile factor"));
        } else if (d.verb == "order") {
            order(state(a[0]), std::vector<std::string>(a.begin() + 1, a.end()));
        } else if (d.verb == "parallel") {
            parallel(state(a[0]), a[1]);
        } else if (d.verb == "compute_at") {
            compute_at(state(a[0]), a[1], a.size() > 2 ? a[2] : "");
        } else if (d.verb == "memory" && a[1] == "npu_weights") {
            in_npu_weights(a[0]);
        } else if (d.verb == "memory" && algo_.find_input(a[0]) && parse_level(a[1]) == MemLevel::L1) {
            input_in_l1(a[0]);
        } else if (d.verb == "memory") {
            memory(a[0], parse_level(a[1]));
        } else if (d.verb == "stage") {
            stage_input(a);
        } else if (d.verb == "kernel") {
            kernel(state(a[0]), a[1]);
        } else if (d.verb == "npu") {
            npu(state(a[0]));
        } else if (d.verb == "unroll") {
            unroll(state(a[0]), a[1]);
        } else {
            fail("unknown schedule directive '" + d.verb + "'");
        }
    }

    SchedulePlan finish() {
        for (auto &[name, st] : states_) plan_.loop_nest[name] = st.all;
        if (!plan_.npu_stages.empty() && target_has_npu(target_)) pad_rows_for_npu();
        return plan_;
    }

private:
    [[noreturn]] void fail(const std::string &msg) const {
        throw UserError("schedule for op " + algo_.op + " (" + where_ + "): " + msg);
    }

    int parse_int(const std::string &s, const std::string &what) const {
        try {
            size_t used = 0;
            int v = std::stoi(s, &used);
            if (used == s.size()) return v;
        } catch (...) {
        }
        fail(what + " '" + s + "' is not an integer");
    }

    MemLevel parse_level(const std::string &s) const {
        try {
            return parse_mem_level(s);
        } catch (const UserError &e) {
            fail(e.what());
        }
    }

    StageState &state(const std::string &name) {
        auto it = states_.find(name);
        if (it == states_.end()) {
            std::vector<std::string> names;
            for (const auto &s : algo_.stages) names.push_back(s.name);
            fail("unknown stage '" + name + "' (stages of " + algo_.op + ": " + join(names) + ")");
        }
        return it->second;
    }

    void require_loop(const StageState &st, const std::string &loop) const {
        if (!contains(st.all, loop)) {
            fail("unknown loop '" + loop + "' in stage " + st.stage->name + " (loops: " + join(st.all) + ")");
        }
    }

    VarOrRVar loop_var(const StageState &st, const std::string &loop) const {
        if (st.reduction.count(loop)) return RVar(st.halide_name.at(loop));
        return Var(st.halide_name.at(loop));
    }

    Halide::LoopLevel loop_level(const StageState &st, const std::string &loop) const {
        if (st.absent.count(loop)) {
            fail("loop " + loop + " of stage " + st.stage->name +
                 " is a reduction of extent 1, which does not exist after lowering; place the stage at another loop");
        }
        VarOrRVar v = loop_var(st, loop);
        return v.is_rvar ? Halide::LoopLevel(st.stage->func, v.rvar) : Halide::LoopLevel(st.stage->func, v.var);
    }

    template <typename F>
    void halide(F &&f) const {
        try {
            f();
        } catch (const Halide::Error &e) {
            fail(std::string("Halide rejected the directive: ") + e.what());
        }
    }

    void tile(StageState &st, const std::string &loop, int factor) {
        require_loop(st, loop);
        const int extent = st.extent[loop];
        if (factor < 1) fail("tile factor " + std::to_string(factor) + " for loop " + loop + " must be >= 1");
        if (factor > extent) {
            fail("tile of " + std::to_string(factor) + " for loop " + loop + " of stage " + st.stage->name +
                 " exceeds its extent " + std::to_string(extent));
        }
        const std::string o = loop + "_o", i = loop + "_i";
        const bool red = st.reduction.count(loop) != 0;
        const bool absent = st.absent.count(loop) != 0;
        VarOrRVar old_v = loop_var(st, loop);
        if (absent) {
            st.absent.insert(o);
            st.absent.insert(i);
        } else {
            halide([&] {
                if (red) {
                    st.stage->func.update().split(old_v.rvar, RVar(o), RVar(i), factor, Halide::TailStrategy::GuardWithIf);
                } else {
                    st.stage->func.split(old_v.var, Var(o), Var(i), factor);
                    if (st.has_update()) st.stage->func.update().split(old_v.var, Var(o), Var(i), factor);
                }
            });
        }
        auto replace = [&](std::vector<std::string> &v) {
            auto it = std::find(v.begin(), v.end(), loop);
            if (it == v.end()) return;
            it = v.erase(it);
            it = v.insert(it, i);
            v.insert(it, o);
        };
        replace(st.all);
        if (!red) replace(st.pure);
        st.halide_name[o] = o;
        st.halide_name[i] = i;
        st.extent[o] = (extent + factor - 1) / factor;
        st.extent[i] = factor;
        st.exact[o] = st.exact[loop] && extent % factor == 0;
        st.exact[i] = st.exact[loop];
        if (red) {
            st.reduction.insert(o);
            st.reduction.insert(i);
        }
    }

    void order(StageState &st, const std::vector<std::string> &loops) {
        for (const auto &l : loops) require_loop(st, l);
        std::vector<std::string> sorted = loops, have = st.all;
        std::sort(sorted.begin(), sorted.end());
        std::sort(have.begin(), have.end());
        if (sorted != have) {
            fail("order for stage " + st.stage->name + " must list each of its loops once: " + join(st.all) +
                 " (got " + join(loops) + ")");
        }
        std::vector<VarOrRVar> inner_first_all, inner_first_pure;
        std::vector<std::string> pure_order;
        for (auto it = loops.rbegin(); it != loops.rend(); ++it) {
            if (st.absent.count(*it)) continue;
            inner_first_all.push_back(loop_var(st, *it));
            if (!st.reduction.count(*it)) inner_first_pure.push_back(loop_var(st, *it));
        }
        for (const auto &l : loops) {
            if (!st.reduction.count(l)) pure_order.push_back(l);
        }
        halide([&] {
            if (st.has_update()) {
                if (inner_first_pure.size() > 1) st.stage->func.reorder(inner_first_pure);
                if (inner_first_all.size() > 1) st.stage->func.update().reorder(inner_first_all);
            } else if (inner_first_all.size() > 1) {
                st.stage->func.reorder(inner_first_all);
            }
        });
        st.all = loops;
        st.pure = pure_order;
    }

    void parallel(StageState &st, const std::string &loop) {
        require_loop(st, loop);
        if (inlined_.count(st.stage->name)) {
            fail("stage " + st.stage->name + " is computed inline; it has no loop " + loop + " to split over cores");
        }
        if (st.reduction.count(loop)) {
            fail("loop " + loop + " of stage " + st.stage->name +
                 " is a reduction loop; only pure loops can be split over cores");
        }
        const std::string key = st.stage->func.name();  // Halide's (possibly uniquified) name
        if (plan_.parallel_loops.count(key)) {
            fail("stage " + st.stage->name + " already has parallel loop " + plan_.parallel_loops[key]);
        }
        plan_.parallel_loops[key] = loop;
        if (target_.cores() == 1) {
            plan_.notes.push_back("parallel " + st.stage->name + "." + loop + ": target " + target_.name() +
                                  " has 1 core; runs serially");
        }
    }

    void compute_at(StageState &st, const std::string &consumer, const std::string &loop) {
        if (&st == &states_.at(algo_.output_stage().name)) {
            fail("stage " + st.stage->name + " is the output; it cannot be computed at another stage");
        }
        if (consumer == "inline") {
            // Halide substitutes the stage's expression at every use: no
            // buffer, no loops of its own (a table evaluated per element).
            if (st.has_update()) {
                fail("stage " + st.stage->name + " has a reduction; only a pure stage can be computed inline");
            }
            const std::string key = st.stage->func.name();
            if (plan_.parallel_loops.count(key)) {
                fail("stage " + st.stage->name + " has parallel loop " + plan_.parallel_loops[key] +
                     "; an inline stage has no loops to split");
            }
            halide([&] { st.stage->func.compute_inline(); });
            plan_.placement[st.stage->name] = "inline";
            plan_.buffer_memory.erase(key);
            inlined_.insert(st.stage->name);
            return;
        }
        inlined_.erase(st.stage->name);  // placed: it has a buffer and loops again
        if (consumer == "root") {
            halide([&] { st.stage->func.compute_root(); });
            plan_.placement[st.stage->name] = "root";
            return;
        }
        if (loop.empty()) fail("compute_at " + st.stage->name + " " + consumer + " needs a loop name (or 'root')");
        StageState &c = state(consumer);
        if (&c == &st) fail("stage " + st.stage->name + " cannot be computed at its own loop");
        require_loop(c, loop);
        halide([&] { st.stage->func.compute_at(loop_level(c, loop)); });
        plan_.placement[st.stage->name] = consumer + "." + loop;
    }

    void memory(const std::string &name, MemLevel level) {
        // A stage, or a staged input's copy.
        for (auto &s : plan_.staged_inputs) {
            if (s.tensor == name) {
                s.level = level;
                plan_.buffer_memory[s.buffer] = level;
                return;
            }
        }
        if (algo_.find_input(name)) {
            fail("input " + name + " is the caller's buffer: stage a copy (stage " + name + " " + mem_level_name(level) +
                 " at ...), say the caller passes it in L1 (memory " + name +
                 " L1) or, for the NPU, keep it in the weight memory (memory " + name + " npu_weights)");
        }
        StageState &st = state(name);
        if (&st == &states_.at(algo_.output_stage().name)) {
            fail("the output " + name + " lives in the caller's buffer; its memory level cannot be scheduled");
        }
        if (inlined_.count(name)) fail("stage " + name + " is computed inline; it has no buffer to place in memory");
        plan_.buffer_memory[st.stage->func.name()] = level;
    }

    // memory <input> npu_weights: the caller's buffer lives in the NPU's
    // resident weight memory; NPU jobs read it in place (the DMA cannot reach
    // it, so it is never staged), cores read it with loads.
    void in_npu_weights(const std::string &name) {
        const InputTensor *in = algo_.find_input(name);
        if (!in) {
            std::vector<std::string> names;
            for (const auto &i : algo_.inputs) names.push_back(i.type.name);
            fail("memory " + name + " npu_weights: only an input tensor can live in the NPU weight memory (inputs of " +
                 algo_.op + ": " + join(names) + ")");
        }
        for (const auto &s : plan_.staged_inputs) {
            if (s.tensor == name) fail("input " + name + " is staged; an input in the NPU weight memory is read in place");
        }
        if (plan_.npu_weight_inputs.count(name)) fail("input " + name + " is already in the NPU weight memory");
        if (target_.is_host()) {
            plan_.notes.push_back("input " + name + " in the NPU weight memory checked; host reads the caller's buffer");
        } else if (!target_has_npu(target_) || npu_limits(target_).weight_mem_bytes <= 0) {
            fail("memory " + name + " npu_weights: target " + target_.name() + " has no NPU weight memory (npu.weight_mem_bytes " +
                 (target_.has("npu.weight_mem_bytes") ? std::to_string(target_.get_int("npu.weight_mem_bytes")) : "absent") + ")");
        } else {
            const int64_t bytes = num_elements(in->type.shape) * elem_bytes(in->type.type);
            const int64_t cap = npu_limits(target_).weight_mem_bytes;
            if (bytes > cap) {
                fail("input " + name + " " + shape_str(in->type.shape) + " is " + std::to_string(bytes) +
                     " B, more than the NPU weight memory's " + std::to_string(cap) + " B (npu.weight_mem_bytes)");
            }
        }
        plan_.npu_weight_inputs.insert(name);
    }

    // memory <input> L1: the caller's buffer is in L1 already (a weight the
    // network compiler prefetched there while earlier kernels ran): read in
    // place, never staged.
    void input_in_l1(const std::string &name) {
        const InputTensor *in = algo_.find_input(name);
        for (const auto &s : plan_.staged_inputs) {
            if (s.tensor == name) fail("input " + name + " is staged; an input the caller passes in L1 is read in place");
        }
        if (plan_.npu_weight_inputs.count(name)) fail("input " + name + " is in the NPU weight memory, not in L1");
        if (plan_.l1_inputs.count(name)) fail("input " + name + " is already in L1");
        if (target_.is_host() || !target_.has_dma()) {
            plan_.notes.push_back("input " + name + " in L1 checked; target " + target_.name() +
                                  " reads the caller's buffer wherever it is");
        } else {
            const int64_t bytes = num_elements(in->type.shape) * elem_bytes(in->type.type);
            const int64_t cap = target_.l1_data_budget();
            if (bytes > cap) {
                fail("memory " + name + " L1: input " + name + " " + shape_str(in->type.shape) + " is " +
                     std::to_string(bytes) + " B, more than the L1 data budget of " + std::to_string(cap) + " B");
            }
        }
        plan_.l1_inputs.insert(name);
        // The layout a staged copy would have (pad_rows_across_banks): rows
        // whose length is a multiple of the banks' span start one word apart.
        if (!target_.is_host() && target_.l1_banks() > 0 && in->type.rank() >= 2) {
            const int64_t word = target_.l1_bank_bytes();
            const int64_t row_elems = in->type.shape.back();
            const int elem = elem_bytes(in->type.type);
            if ((row_elems * elem) % (target_.l1_banks() * word) == 0 && word % elem == 0) {
                const int64_t pitch = row_elems + word / elem;
                plan_.l1_input_row_elems[name] = pitch;
                // The algorithm declared dense strides; the rows are further apart.
                halide([&] {
                    Halide::ImageParam p = in->param;
                    int64_t stride = pitch;
                    for (int d = 1; d < in->type.rank(); d++) {
                        p.dim(d).set_stride((int)stride);
                        stride *= in->type.shape[in->type.rank() - 1 - d];
                    }
                });
                plan_.notes.push_back("input " + name + " passed in L1 with rows padded to " +
                                      std::to_string((row_elems + word / elem) * elem) +
                                      " B so consecutive rows start in different L1 banks");
            }
        }
    }

    void stage_input(const std::vector<std::string> &a) {
        // stage <tensor> <level> at <consumer> <loop> [double_buffer]
        if (a[0] == algo_.output.name) {
            stage_output(a);
            return;
        }
        const InputTensor *in = algo_.find_input(a[0]);
        if (!in) {
            std::vector<std::string> names;
            for (const auto &i : algo_.inputs) names.push_back(i.type.name);
            fail("unknown input tensor '" + a[0] + "' (inputs of " + algo_.op + ": " + join(names) + ")");
        }
        MemLevel level = parse_level(a[1]);
        if (a[2] != "at") fail("expected 'stage " + a[0] + " " + a[1] + " at <stage> <loop>' or '... at root'");
        const bool at_root = a[3] == "root";
        const size_t option = at_root ? 4 : 5;
        if (!at_root && a.size() < 5) fail("'stage " + a[0] + " " + a[1] + " at " + a[3] + "' needs a loop name");
        bool dbuf = false;
        if (a.size() > option) {
            if (a[option] != "double_buffer" || a.size() > option + 1) {
                fail("unknown staging option '" + a[option] + "' (expected double_buffer)");
            }
            if (at_root) fail("input " + a[0] + " staged at root is copied once; double_buffer needs a loop");
            dbuf = true;
        }
        for (const auto &s : plan_.staged_inputs) {
            if (s.tensor == a[0]) fail("input " + a[0] + " is already staged");
        }
        if (plan_.npu_weight_inputs.count(a[0])) {
            fail("input " + a[0] + " is in the NPU weight memory (memory " + a[0] +
                 " npu_weights), which the DMA cannot reach; it is read in place");
        }
        if (plan_.l1_inputs.count(a[0])) {
            fail("input " + a[0] + " is passed in L1 by the caller (memory " + a[0] + " L1); it is read in place");
        }
        Halide::Func copy;
        if (at_root) {
            halide([&] {
                Halide::ImageParam p = in->param;
                copy = p.in();
                copy.compute_root();
            });
        } else {
            StageState &c = state(a[3]);
            require_loop(c, a[4]);
            halide([&] {
                Halide::ImageParam p = in->param;
                copy = p.in();
                copy.compute_at(loop_level(c, a[4]));
            });
        }
        pad_rows_across_banks(copy, *in, level);
        staged_copies_[a[0]] = copy;
        StagedInput s;
        s.tensor = a[0];
        s.buffer = copy.name();
        s.level = level;
        s.consumer = a[3];
        s.loop = at_root ? "" : a[4];
        s.double_buffer = dbuf;
        plan_.staged_inputs.push_back(s);
        plan_.buffer_memory[s.buffer] = level;
        if (dbuf && target_.is_host()) {
            plan_.notes.push_back("double buffering of " + a[0] + " checked; host copies serially");
        }
    }

    // Rows whose length is a multiple of (l1.banks x l1.bank_bytes) all start
    // in the same TCDM bank, so cores walking them in step collide; pad each
    // staged row by one bank word (the DMA writes the strided layout).
    void pad_rows_across_banks(Halide::Func copy, const InputTensor &in, MemLevel level) {
        if (level != MemLevel::L1 || target_.l1_banks() == 0 || in.type.rank() < 2) return;
        const int64_t word = target_.l1_bank_bytes();
        const int64_t bank_span = target_.l1_banks() * word;
        const int64_t row_elems = in.type.shape.back();
        const int elem = elem_bytes(in.type.type);
        if ((row_elems * elem) % bank_span != 0 || word % elem != 0) return;
        const int64_t padded = row_elems + word / elem;
        halide([&] { copy.align_storage(copy.args()[0], (int)padded); });
        plan_.notes.push_back("input " + in.type.name + " staged with rows padded to " + std::to_string(padded * elem) +
                              " B so consecutive rows start in different L1 banks");
    }

    // stage <output> L1 at <output stage> <loop>: each iteration of `loop`
    // writes its tile of the output into a buffer in `level`, written back after.
    void stage_output(const std::vector<std::string> &a) {
        MemLevel level = parse_level(a[1]);
        StageState &out = states_.at(algo_.output_stage().name);
        if (a[2] != "at" || a.size() < 5 || a[3] != out.stage->name) {
            fail("the output " + a[0] + " is staged with 'stage " + a[0] + " " + a[1] + " at " + out.stage->name +
                 " <loop>'");
        }
        require_loop(out, a[4]);
        if (a.size() > 5) fail("double buffering of the output " + a[0] + " is not supported yet");
        if (!plan_.staged_outputs.empty()) fail("the output " + a[0] + " is already staged");
        StagedInput s;
        s.tensor = a[0];
        s.buffer = out.stage->func.name();
        s.level = level;
        s.consumer = out.stage->name;
        s.loop = a[4];
        plan_.staged_outputs.push_back(s);
        if (target_.is_host()) {
            plan_.notes.push_back("output " + a[0] + " staging checked; host writes it in place");
        }
    }

    void kernel(StageState &st, const std::string &name) {
        const MicroKernel *k = find_micro_kernel(name);
        if (!k) fail("unknown micro-kernel '" + name + "' (known: " + micro_kernel_names() + ")");
        if (!contains(k->ops, algo_.op) || !st.has_update()) {
            fail("micro-kernel " + name + " computes " + k->computes() + "; it does not fit stage " + st.stage->name +
                 " of op " + algo_.op);
        }
        const KernelElem want[2] = {k->a, k->b};
        for (int i = 0; i < 2; i++) {
            const ElemType t = algo_.inputs[i].type.type;
            if (elem_type_name(t) != want[i].name()) {
                fail("micro-kernel " + name + " needs " + want[0].name() + " x " + want[1].name() + " operands; op " +
                     algo_.op + " has " + elem_type_name(t) + " " + algo_.inputs[i].param.name());
            }
        }
        if (target_.is_host()) {
            plan_.notes.push_back("kernel " + name + " for stage " + st.stage->name +
                                  " checked; host runs the plain loop nest");
        } else if (!target_.has_extension(k->requires_extension)) {
            fail("micro-kernel " + name + " needs extension " + k->requires_extension + ", which target " +
                 target_.name() + " lacks (extensions: " + target_.get("extensions") + ")");
        }
        plan_.kernels.push_back({st.stage->name, name});
    }

    // The NPU's limits are checked here where the algorithm alone decides
    // them (op, operand types, K); what depends on the lowered loop nest
    // (operands in L1, strides, loops around the stage, the requant fusion)
    // map_npu_jobs checks, keeping the stage on the cores with the reason in
    // the report.
    void npu(StageState &st) {
        const NpuJobEntry &e = npu_job_entry();
        if (!st.has_update() || !contains(e.ops, algo_.op)) {
            fail("the NPU runs int8 GEMM/MatMul reductions; stage " + st.stage->name + " of op " + algo_.op +
                 " is not one" + (contains(e.ops, algo_.op) ? " (map the reduction stage; requant fuses into it)" : ""));
        }
        for (int i = 0; i < 2; i++) {
            const ElemType t = algo_.inputs[i].type.type;
            const KernelElem k{8 * elem_bytes(t), t == ElemType::Int8};
            if (elem_bytes(t) != 1 || !(i == 0 ? e.accepts_a(k) : e.accepts_b(k))) {
                fail("npu " + st.stage->name + ": operand " + algo_.inputs[i].type.name + " of op " + algo_.op +
                     " is " + elem_type_name(t) + "; the NPU takes " + (i == 0 ? "int8 or uint8 A" : "int8 B"));
            }
        }
        if (target_.is_host()) {
            plan_.notes.push_back("npu mapping of " + st.stage->name + " checked; host runs the plain loop nest");
        } else if (!target_has_npu(target_)) {
            fail("target " + target_.name() + " has no NPU (npu mapping of stage " + st.stage->name + ")");
        } else {
            const int64_t max_k = npu_limits(target_).max_k;
            const int k = st.stage->extents.at(st.stage->reduction_loops[0]);
            if (k > max_k) {
                fail("npu " + st.stage->name + ": K = " + std::to_string(k) + " exceeds npu.max_k " +
                     std::to_string(max_k) + " of target " + target_.name() +
                     " (one job cannot accumulate over more; run the stage on the cores)");
            }
        }
        if (contains(plan_.npu_stages, st.stage->name)) fail("stage " + st.stage->name + " is already mapped to the NPU");
        plan_.npu_stages.push_back(st.stage->name);
    }

    // NPU operands need rows that are multiples of npu.port_bytes: pad the
    // rows of A and B staged into L1 (the DMA writes the strided layout).
    void pad_rows_for_npu() {
        const int64_t align = npu_limits(target_).stride_align;
        for (const auto &s : plan_.staged_inputs) {
            if ((s.tensor != "A" && s.tensor != "B") || s.level != MemLevel::L1 || !staged_copies_.count(s.tensor)) continue;
            const InputTensor *in = algo_.find_input(s.tensor);
            const int64_t row = in->type.shape.back();
            if (row % align == 0) continue;
            const int64_t padded = (row + align - 1) / align * align;
            Halide::Func copy = staged_copies_.at(s.tensor);
            halide([&] { copy.align_storage(copy.args()[0], (int)padded); });
            plan_.notes.push_back("input " + s.tensor + " staged with rows padded to " + std::to_string(padded) +
                                  " B: NPU operand rows are multiples of npu.port_bytes");
        }
    }

    void unroll(StageState &st, const std::string &loop) {
        require_loop(st, loop);
        if (!st.exact[loop] && st.reduction.count(loop)) {
            fail("loop " + loop + " of stage " + st.stage->name + " has a guarded tail; it cannot be unrolled");
        }
        if (st.extent[loop] > 64) {
            fail("loop " + loop + " of stage " + st.stage->name + " has extent " + std::to_string(st.extent[loop]) +
                 "; unrolling is limited to 64");
        }
        if (st.absent.count(loop)) return;  // extent 1: nothing to unroll
        halide([&] {
            if (st.reduction.count(loop)) {
                st.stage->func.update().unroll(loop_var(st, loop).rvar);
            } else {
                st.stage->func.unroll(loop_var(st, loop).var);
                if (st.has_update()) st.stage->func.update().unroll(loop_var(st, loop).var);
            }
        });
    }

    Algorithm &algo_;
    const TargetDescription &target_;
    std::map<std::string, StageState> states_;
    std::map<std::string, Halide::Func> staged_copies_;  // input tensor -> its staged copy
    std::set<std::string> inlined_;                       // stages computed inline (compute_at STAGE inline)
    SchedulePlan plan_;
    std::string where_;
};

}  // namespace

SchedulePlan apply_schedule(Algorithm &algo, const Schedule &schedule, const TargetDescription &target) {
    Applier applier(algo, target);
    for (const auto &d : schedule.directives()) applier.apply(d);
    return applier.finish();
}

}  // namespace halyard
