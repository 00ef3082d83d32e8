#include "map_npu_jobs.h"

#include <algorithm>
#include <tuple>

#include "halyard/dsl/internal_error.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// Lets inlined, so that indices and loop bounds are plain expressions of the
// loop variables (the matcher reads coefficients off them).
Stmt inline_lets(const Stmt &s) {
    class Inline : public IRMutator {
        using IRMutator::visit;
        Stmt visit(const LetStmt *op) override { return mutate(substitute(op->name, op->value, op->body)); }
        Expr visit(const Let *op) override { return mutate(substitute(op->name, op->value, op->body)); }
    };
    return Inline().mutate(s);
}

// A perfect loop nest around one store (lets inlined).
struct Nest {
    std::vector<const For *> loops;  // outermost first
    const Store *store = nullptr;
};

bool perfect_nest(const Stmt &s, Nest *nest, std::string *why) {
    if (const For *f = s.as<For>()) {
        nest->loops.push_back(f);
        return perfect_nest(f->body, nest, why);
    }
    if (const Store *st = s.as<Store>()) {
        if (!is_const_one(st->predicate)) {
            *why = "the store to " + display_name(st->name) + " is predicated";
            return false;
        }
        nest->store = st;
        return true;
    }
    *why = s.as<IfThenElse>() ? "its loop nest has guarded (if) statements: tile by factors that divide the extents"
                              : "its loop nest is not a perfect nest around one store";
    return false;
}

// The outermost loops of `s` that store to (or, !stores, load from) `buf`.
std::vector<const For *> top_loops(const Stmt &s, const std::string &buf, bool stores) {
    struct Touches : IRVisitor {
        std::string buf;
        bool stores, hit = false;
        using IRVisitor::visit;
        void visit(const Store *op) override {
            hit |= stores && op->name == buf;
            IRVisitor::visit(op);
        }
        void visit(const Load *op) override {
            hit |= !stores && op->name == buf;
            IRVisitor::visit(op);
        }
    };
    struct Top : IRVisitor {
        std::string buf;
        bool stores;
        std::vector<const For *> loops;
        using IRVisitor::visit;
        void visit(const For *op) override {
            Touches t;
            t.buf = buf;
            t.stores = stores;
            op->accept(&t);
            if (t.hit) loops.push_back(op);
        }
    } top;
    top.buf = buf;
    top.stores = stores;
    s.accept(&top);
    return top.loops;
}

// `s` with the given loops (by identity) replaced.
Stmt replace_loops(const Stmt &s, const std::map<const For *, Stmt> &with) {
    struct Replace : IRMutator {
        const std::map<const For *, Stmt> &with;
        explicit Replace(const std::map<const For *, Stmt> &w) : with(w) {}
        using IRMutator::visit;
        Stmt visit(const For *op) override {
            auto it = with.find(op);
            return it == with.end() ? IRMutator::visit(op) : it->second;
        }
    } r(with);
    return r.mutate(s);
}

std::optional<int64_t> const_int(const Expr &e) {
    const Expr s = simplify(e);  // keeps the IntImm alive
    if (const IntImm *i = s.as<IntImm>()) return i->value;
    return std::nullopt;
}

// Coefficient of loop variable `v` in `e`, if `e` is affine in it.
std::optional<int64_t> coefficient(const Expr &e, const std::string &v) {
    Expr var = Variable::make(Int(32), v);
    return const_int(substitute(v, var + 1, e) - e);
}

// `e` with the loops' variables at their minimum.
Expr at_min(Expr e, const std::vector<const For *> &loops) {
    for (auto it = loops.rbegin(); it != loops.rend(); ++it) e = substitute((*it)->name, (*it)->min, e);
    return simplify(e);
}

const Load *widened_load(const Expr &e) {
    const Cast *c = e.as<Cast>();
    if (!c || c->type != Int(32)) return nullptr;
    const Load *l = c->value.as<Load>();
    if (!l || l->type.bits() != 8 || !is_const_one(l->predicate)) return nullptr;
    return l;
}

// The update nest of a GEMM stage, read as one job plus the loops around it.
struct Job {
    std::vector<const For *> outer, inner;  // loops kept around the job; loops the job covers
    std::string acc, a, b;
    Type a_type;
    Expr acc_index, a_base, b_base, acc_base;  // acc_index: the store's index (inner loop vars free)
    int64_t M = 1, N = 1, K = 1;
    int64_t a_stride = 0, b_stride = 0, acc_stride = 0;  // elements
    bool b_trans = false;
    std::string m_loop, n_loop;  // Halide names (empty when the extent is 1 and Halide dropped the loop)
};

// The requant fields of a fused job: mul/add values (per tensor) or
// addresses (per column), bias address (or undefined).
struct Requant {
    Expr mul, add, bias;
    int64_t shift = 0, lo = 0, hi = 0;
    bool requant = true, per_channel = false, round = false;
};

// The elements [base + i*stride + j] (i < rows, j < cols), as the Y nest must cover them.
struct Region {
    std::vector<std::pair<int64_t, int64_t>> dims;  // (coefficient, extent), sorted
    Expr base;
};

class NpuMapper : public IRMutator {
public:
    NpuMapper(const Algorithm &algo, const SchedulePlan &plan, const TargetDescription &target, const ArenaPlan &arenas,
              NpuReport *report)
        : algo_(algo), arenas_(arenas), report_(report), entry_(npu_job_entry()),
          limits_(npu_limits(target)) {
        for (const auto &s : plan.staged_inputs) tensor_of_[s.buffer] = s.tensor;
        for (const auto &in : algo.inputs) {
            tensor_of_[in.param.name()] = in.type.name;
            if (plan.npu_weight_inputs.count(in.type.name)) in_weight_mem_.insert(in.param.name());
        }
        for (const auto &st : plan.npu_stages) {
            const Stage *s = algo.find_stage(st);
            HL_INTERNAL_ASSERT(s, "apply_schedule accepted npu stage " + st + ", which the algorithm lacks");
            stages_[s->func.name()] = s;
        }
        out_func_ = algo.output_stage().func.name();
    }
    std::set<std::string> seen;

private:
    using IRMutator::visit;
    const Algorithm &algo_;
    const ArenaPlan &arenas_;
    NpuReport *report_;
    const NpuJobEntry &entry_;
    NpuLimits limits_;
    std::map<std::string, std::string> tensor_of_;  // Halide buffer -> algorithm tensor
    std::set<std::string> in_weight_mem_;           // caller's buffers in the NPU weight memory
    std::map<std::string, const Stage *> stages_;   // Halide func -> stage mapped to the NPU
    std::string out_func_;
    std::vector<std::string> parallel_;  // enclosing parallel loops
    std::vector<std::string> allocs_;    // enclosing allocations
    std::vector<std::string> enclosing_; // enclosing loops
    int job_sites_ = 0;

    std::string tensor(const std::string &buf) const {
        auto it = tensor_of_.find(buf);
        return it == tensor_of_.end() ? display_name(buf) : it->second;
    }

    // Where an operand lives: "" when the NPU can read it (L1; for B, bias
    // and per-column mul/add also the weight memory), else why not.
    std::string not_in_l1(const std::string &buf, const std::string &role) const {
        const ArenaBuffer *b = arenas_.find(buf);
        const std::string name = tensor(buf);
        if (!b && in_weight_mem_.count(buf)) {
            const bool constant_operand = role == "B" || role == "C" || role == "mul" || role == "add";
            if (constant_operand) return "";
            return "operand " + name + " (" + role +
                   ") is in the NPU weight memory, from which the engine reads only B, bias and per-column mul/add";
        }
        if (!b) return "operand " + name + " (" + role + ") is the caller's buffer in L2 (stage it into L1)";
        if (b->level != MemLevel::L1) {
            return "operand " + name + " (" + role + ") is in " + mem_level_name(b->level) +
                   (tensor_of_.count(buf) ? " (stage it into L1)" : " (memory " + name + " L1)");
        }
        return "";
    }

    Stmt visit(const For *op) override {
        const bool parallel = op->for_type == ForType::Parallel;
        if (parallel) parallel_.push_back(op->name);
        enclosing_.push_back(op->name);
        Stmt s = IRMutator::visit(op);
        enclosing_.pop_back();
        if (parallel) parallel_.pop_back();
        return s;
    }

    Stmt visit(const Allocate *op) override {
        allocs_.push_back(op->name);
        Stmt s = IRMutator::visit(op);
        allocs_.pop_back();
        return s;
    }

    // produce <stage> { ... init nest ... update nest ... } followed by
    // consume <stage> { ... Y nest ... }: the update nest becomes the job,
    // the init goes, the rest of the producer (DMA, staging) stays.
    Stmt visit(const Block *op) override {
        const ProducerConsumer *pc = op->first.as<ProducerConsumer>();
        if (!pc || !pc->is_producer || !stages_.count(pc->name)) return IRMutator::visit(op);
        const Stage &st = *stages_.at(pc->name);
        seen.insert(pc->name);
        std::string why;
        if (!parallel_.empty()) {
            why = "it runs inside parallel loop " + display_name(parallel_.back()) +
                  "; NPU jobs are submitted from one core (drop the parallel directive, or compute " + st.name +
                  " outside it)";
        }
        Job job;
        const Stmt body = inline_lets(pc->body);
        const For *init = nullptr, *update = nullptr;
        if (why.empty()) match_stage(st, body, &job, &init, &update, &why);
        if (!why.empty()) {
            report_->lines.push_back("stage " + st.name + ": kept on the cores: " + why);
            return IRMutator::visit(op);
        }
        const Stmt nothing = Evaluate::make(0);
        // The consumer: fuse bias + requant when it matches, else it reads acc from L1.
        std::string fuse_why;
        Stmt job_stmt, consumer;
        if (try_fuse(st, job, op->rest, &job_stmt, &consumer, &fuse_why)) {
            return Block::make(ProducerConsumer::make_produce(pc->name, replace_loops(body, {{init, nothing}, {update, job_stmt}})),
                               consumer);
        }
        std::string w = not_in_l1(job.acc, "the output");
        if (w.empty()) w = alignment(display_name(job.acc), job.acc_base * 4, job.M > 1 ? job.acc_stride * 4 : 0);
        if (!w.empty()) {
            report_->lines.push_back("stage " + st.name + ": kept on the cores: " + w);
            return IRMutator::visit(op);
        }
        job_stmt = job_call(job, job.acc, job.acc_base, job.acc_stride * 4, Int(32), nullptr);
        report_->lines.push_back("stage " + st.name + ": on the NPU: " + describe(job) + ", int32 out into " +
                                 display_name(job.acc) + " (L1)");
        if (!fuse_why.empty()) {
            // With requant the consumer is compute left on the cores; without,
            // it is the int32 copy of the job's result.
            report_->lines.push_back("stage " + display_name(out_func_) +
                                     (algo_.requant ? ": kept on the cores: " : ": copies acc on the cores: ") + fuse_why);
        }
        report_->stages_on_npu.insert(st.name);
        return Block::make(ProducerConsumer::make_produce(pc->name, replace_loops(body, {{init, nothing}, {update, job_stmt}})),
                           mutate(op->rest));
    }

    std::string describe(const Job &j) const {
        std::string where = !j.outer.empty()      ? "iteration of " + display_name(j.outer.back()->name)
                            : !enclosing_.empty() ? "iteration of " + display_name(enclosing_.back())
                                                  : std::string("call");
        std::string s = "one job per " + where +
                        " (M=" + std::to_string(j.M) + " N=" + std::to_string(j.N) + " K=" + std::to_string(j.K) +
                        ", " + std::string(j.a_type.is_uint() ? "uint8" : "int8") + " A x int8 " + (j.b_trans ? "B^T" : "B") + ")";
        if (j.N < limits_.pe_cols) {
            s += "; N=" + std::to_string(j.N) + " < npu.pe_cols " + std::to_string(limits_.pe_cols) +
                 " leaves PEs idle";
        }
        return s;
    }

    // The stage's producer: Block(init nest, update nest), checked against one job.
    // The producer's two loop nests that write the stage: init, then update.
    void match_stage(const Stage &st, const Stmt &body, Job *job, const For **init_loop, const For **update_loop,
                     std::string *why) {
        const std::vector<const For *> loops = top_loops(body, st.func.name(), true);
        if (loops.size() != 2) {
            *why = "its producer has " + std::to_string(loops.size()) +
                   " loop nests writing it, not an init nest followed by an update nest" +
                   (loops.size() > 2 ? " (a split with a tail peels loops off: tile by a factor that divides the extent)"
                                     : "");
            return;
        }
        *init_loop = loops[0];
        *update_loop = loops[1];
        Nest init, update;
        if (!perfect_nest(Stmt(loops[0]), &init, why) || !perfect_nest(Stmt(loops[1]), &update, why)) return;
        if (!match_update(update, job, why)) return;
        // The init must store 0 to exactly the elements the job writes.
        if (init.store->name != job->acc || !is_const_zero(init.store->value)) {
            *why = "its init is not " + display_name(job->acc) + " = 0";
            return;
        }
        Region want, got;
        if (!region(job->acc_index, job->outer, job->inner, &want, true) ||
            !region(init.store->index, {}, init.loops, &got, false) || want.dims != got.dims ||
            !can_prove(want.base == got.base)) {
            *why = "its init (= 0) does not cover exactly the elements the update accumulates";
            return;
        }
    }

    // Elements a store covers over `loops` (reduction loops, coefficient 0, skipped when `skip_k`).
    bool region(const Expr &index, const std::vector<const For *> &outer, const std::vector<const For *> &inner,
                Region *r, bool skip_k) const {
        std::vector<const For *> all = outer;
        all.insert(all.end(), inner.begin(), inner.end());
        for (const For *f : all) {
            auto c = coefficient(index, f->name);
            auto e = const_int(f->extent);
            if (!c || !e) return false;
            if (*c == 0 && skip_k) continue;
            r->dims.push_back({*c, *e});
        }
        std::sort(r->dims.begin(), r->dims.end());
        r->base = at_min(index, all);
        return true;
    }

    bool match_update(const Nest &nest, Job *job, std::string *why) {
        const Store *s = nest.store;
        const Add *add = s->value.as<Add>();
        const Load *acc = nullptr;
        Expr prod;
        if (add) {
            for (int i = 0; i < 2 && !acc; i++) {
                const Load *l = (i ? add->b : add->a).as<Load>();
                if (l && l->name == s->name && equal(l->index, s->index)) {
                    acc = l;
                    prod = i ? add->a : add->b;
                }
            }
        }
        if (s->value.type() != Int(32) || !acc) {
            *why = "its update is not an int32 accumulation acc = acc + product";
            return false;
        }
        const Mul *mul = prod.as<Mul>();
        const Load *x = mul ? widened_load(mul->a) : nullptr, *y = mul ? widened_load(mul->b) : nullptr;
        if (!x || !y) {
            *why = "its product is not int32(8-bit load) * int32(8-bit load)";
            return false;
        }
        if (tensor(x->name) == "B" || tensor(y->name) == "A") std::swap(x, y);
        if (tensor(x->name) != "A" || tensor(y->name) != "B") {
            *why = "its product does not read A and B";
            return false;
        }
        const KernelElem ta{8, x->type.is_int()}, tb{8, y->type.is_int()};
        if (!entry_.accepts_a(ta) || !entry_.accepts_b(tb)) {
            *why = "operand types " + ta.name() + " x " + tb.name() + " (the NPU takes int8/uint8 A x int8 B)";
            return false;
        }
        job->acc = s->name;
        job->a = x->name;
        job->b = y->name;
        job->a_type = x->type;
        job->acc_index = s->index;
        // Classify loops innermost first: k (acc coefficient 0), n (acc
        // coefficient 1, no A), m (no B); the job covers the innermost run in
        // which each appears at most once, the rest stay as loops.
        std::set<char> have;
        int64_t cb_k = 0, cb_n = 0;
        size_t first_inner = nest.loops.size();
        for (size_t i = nest.loops.size(); i-- > 0;) {
            const For *f = nest.loops[i];
            auto cc = coefficient(s->index, f->name), ca = coefficient(x->index, f->name),
                 cb = coefficient(y->index, f->name);
            auto e = const_int(f->extent);
            if (!cc || !ca || !cb) {
                *why = "an index is not affine in loop " + display_name(f->name);
                return false;
            }
            if (!e) {
                *why = "loop " + display_name(f->name) + " has a variable extent";
                return false;
            }
            if (f->for_type != ForType::Serial && f->for_type != ForType::Unrolled) {
                *why = "loop " + display_name(f->name) + " is not serial";
                return false;
            }
            char cls = 0;
            if (*cc == 0 && have.count('k')) {
                *why = "reduction loop " + display_name(f->name) +
                       " is split or outside the job's loops; the NPU has no accumulate-in (do not tile k)";
                return false;
            }
            if (*cc == 0 && *ca == 1 && *cb != 0) cls = 'k';
            else if (*cc == 0) {
                *why = "operand A is not contiguous in k (stride " + std::to_string(*ca) +
                       "): the NPU reads A rows [M, K]";
                return false;
            } else if (*ca == 0 && *cb != 0 && *cc == 1) cls = 'n';
            else if (*cb == 0 && *ca != 0) cls = 'm';
            if (!cls || have.count(cls)) break;
            have.insert(cls);
            first_inner = i;
            if (cls == 'k') {
                job->K = *e;
                cb_k = *cb;
            } else if (cls == 'n') {
                job->N = *e;
                job->n_loop = f->name;
                cb_n = *cb;
            } else {
                job->M = *e;
                job->m_loop = f->name;
                job->a_stride = *ca;
                job->acc_stride = *cc;
            }
        }
        // B [K, N] is contiguous in n, B^T [N, K] in k (a missing loop has extent 1).
        if (job->N == 1 || cb_n == 1) {
            job->b_trans = false;
            job->b_stride = job->K > 1 ? cb_k : 0;
        } else if (job->K == 1 || cb_k == 1) {
            job->b_trans = true;
            job->b_stride = cb_n;
        } else {
            *why = "operand B is contiguous neither in n nor in k";
            return false;
        }
        job->outer.assign(nest.loops.begin(), nest.loops.begin() + (long)first_inner);
        job->inner.assign(nest.loops.begin() + (long)first_inner, nest.loops.end());
        for (const For *f : job->outer) {
            auto cc = coefficient(s->index, f->name);
            if (*cc == 0) {
                *why = "reduction loop " + display_name(f->name) +
                       " is split or outside the job's loops; the NPU has no accumulate-in (do not tile k)";
                return false;
            }
        }
        if (job->K > limits_.max_k) {
            *why = "K = " + std::to_string(job->K) + " exceeds npu.max_k " + std::to_string(limits_.max_k);
            return false;
        }
        if (job->M > limits_.max_mn || job->N > limits_.max_mn) {
            *why = "M = " + std::to_string(job->M) + ", N = " + std::to_string(job->N) + " exceed the job's " +
                   std::to_string(limits_.max_mn);
            return false;
        }
        // Distinct outer iterations write disjoint job regions.
        int64_t span = 1 + (job->M - 1) * job->acc_stride + (job->N - 1);
        for (auto it = job->outer.rbegin(); it != job->outer.rend(); ++it) {
            const int64_t c = std::abs(*coefficient(s->index, (*it)->name));
            if (c < span) {
                *why = "loop " + display_name((*it)->name) + " revisits the elements of one job";
                return false;
            }
            span = c * (*const_int((*it)->extent) - 1) + span;
        }
        job->a_base = at_min(x->index, job->inner);
        job->b_base = at_min(y->index, job->inner);
        job->acc_base = at_min(s->index, job->inner);
        for (const auto &[buf, role] : {std::pair{job->a, "A"}, std::pair{job->b, "B"}}) {
            std::string w = not_in_l1(buf, role);
            if (!w.empty()) {
                *why = w;
                return false;
            }
        }
        for (const auto &[what, base, stride] :
             {std::tuple{"A", job->a_base, job->M > 1 ? job->a_stride : 0},
              std::tuple{"B", job->b_base, job->b_stride}}) {
            std::string w = alignment(tensor(what == std::string("A") ? job->a : job->b), base, stride);
            if (!w.empty()) {
                *why = w;
                return false;
            }
        }
        return true;
    }

    // Stride and address checks of one operand: "" or why not.
    std::string alignment(const std::string &what, const Expr &base_bytes, int64_t stride_bytes) const {
        const int64_t al = limits_.stride_align;
        if (stride_bytes % al != 0) {
            return "the rows of " + what + " are " + std::to_string(stride_bytes) + " B apart, not a multiple of " +
                   std::to_string(al) + " (npu.port_bytes)";
        }
        if (!can_prove(simplify(base_bytes % (int)al) == 0)) {
            return "the address of " + what + " is not provably a multiple of " + std::to_string(al) + " B";
        }
        return "";
    }

    // Program + trigger one job per iteration of the loops kept, and wait for it.
    Stmt job_call(const Job &j, const std::string &out, const Expr &out_base, int64_t out_stride_bytes, Type out_type,
                  const Requant *rq) {
        auto u32 = [](int64_t v) { return make_const(UInt(32), (uint64_t)(uint32_t)v); };
        const NpuJobEntry::ConfBits &bit = entry_.conf;
        uint32_t conf = 0;
        if (rq && rq->requant) conf |= bit.requant;
        if (rq && rq->per_channel) conf |= bit.per_channel;
        if (j.a_type.is_uint()) conf |= bit.a_unsigned;
        if (j.b_trans) conf |= bit.b_trans;
        if (rq && rq->round) conf |= bit.round;
        std::vector<Expr> args = {
            address(j.a, j.a_type, j.a_base),
            address(j.b, Int(8), j.b_base),
            rq && rq->bias.defined() ? rq->bias : u32(0),
            address(out, out_type, out_base),
            u32(j.M > 1 ? j.a_stride : 0),
            u32(j.b_stride),
            u32(j.M > 1 ? out_stride_bytes : 0),
            u32(j.M), u32(j.K), u32(j.N),
            rq && rq->mul.defined() ? rq->mul : u32(0),
            rq && rq->add.defined() ? rq->add : u32(0),
            u32(rq ? rq->shift : 0),
            u32(conf),
            u32(rq && rq->requant ? rq->lo : 0),
            u32(rq && rq->requant ? rq->hi : 0),
        };
        const Expr submit = Call::make(UInt(32), entry_.submit_symbol, args, Call::Extern);
        report_->headers.insert(entry_.header);
        if (j.outer.empty()) {
            // One job: its consumer runs right after, so wait for it.
            const std::string id = "npu_job" + std::to_string(job_sites_++);
            return LetStmt::make(id, submit,
                                 Evaluate::make(Call::make(Int(32), entry_.wait_symbol, {Variable::make(UInt(32), id)},
                                                           Call::Extern)));
        }
        // Jobs of the loops kept are independent (disjoint outputs, checked
        // above): submit them back to back (hl_npu_submit waits while the
        // queue of npu.job_queue is full), then wait for the last one (jobs
        // finish in order).
        Stmt s = Evaluate::make(submit);
        for (auto it = j.outer.rbegin(); it != j.outer.rend(); ++it) {
            const For *f = *it;
            s = For::make(f->name, f->min, f->extent, ForType::Serial, f->device_api, s);
        }
        s = Block::make(s, Evaluate::make(Call::make(Int(32), entry_.wait_last_symbol, {}, Call::Extern)));
        report_->headers.insert(entry_.header);
        return s;
    }

    Expr address(const std::string &buf, Type t, const Expr &index) const {
        return Call::make(UInt(32), entry_.address_symbol,
                          {Load::make(t, buf, index, Buffer<>(), Parameter(), const_true(), ModulusRemainder())},
                          Call::PureExtern);
    }

    // The consumer of the job's output, when it is the output stage computing
    // Y = requant(acc [+ C]) over exactly the job's elements: one job with
    // bias and requant writing Y's L1 tile. Else Stmt() and why.
    bool try_fuse(const Stage &st, const Job &job, const Stmt &rest, Stmt *job_stmt, Stmt *consumer,
                  std::string *why) {
        *why = "";  // no reason given: nothing to fuse (int32 output, or no consumer right after)
        // consume <stage> { ... }, maybe followed by the stage's free.
        const Block *then = rest.as<Block>();
        const ProducerConsumer *consume = (then ? then->first : rest).as<ProducerConsumer>();
        // With the stage at root: produce Y { consume <stage> { ... } }.
        const ProducerConsumer *produce_y = nullptr;
        if (consume && consume->is_producer && consume->name == out_func_) {
            produce_y = consume;
            consume = produce_y->body.as<ProducerConsumer>();
        }
        if (!consume || consume->is_producer || consume->name != st.func.name()) return false;
        const Stmt body = inline_lets(consume->body);
        const std::string y = display_name(out_func_);
        const bool requant = algo_.requant.has_value();
        const std::string prefix = requant ? "requant not fused into the NPU job: " : "not fused into the NPU job: ";
        if (!job.outer.empty()) {
            *why = prefix + "the job has loops around it inside stage " + st.name;
            return false;
        }
        const std::vector<const For *> loops = top_loops(body, job.acc, false);
        if (loops.size() != 1) {
            *why = prefix + std::to_string(loops.size()) + " loop nests read " + display_name(job.acc);
            return false;
        }
        Nest nest;
        if (!perfect_nest(Stmt(loops[0]), &nest, why)) {
            *why = prefix + y + ": " + *why;
            return false;
        }
        const Store *store = nest.store;
        // The loads the expression reads, by tensor.
        std::map<std::string, const Load *> loads;
        bool other = false;
        visit_loads(store->value, [&](const Load *l) {
            const std::string t = l->name == job.acc ? "acc" : tensor(l->name);
            if (t != "acc" && t != "C" && t != "mul" && t != "add") other = true;
            if (loads.count(t) && !equal(loads[t]->index, l->index)) other = true;
            loads[t] = l;
        });
        if (other || !loads.count("acc") || (requant != (loads.count("mul") && loads.count("add")))) {
            *why = prefix + y + " reads more than acc, C" + (requant ? ", mul and add" : "");
            return false;
        }
        const RequantParams p = requant ? *algo_.requant : RequantParams();
        if (requant && p.output_type() != ElemType::Int8 && p.output_type() != ElemType::UInt8) {
            *why = prefix + "the output type " + elem_type_name(p.output_type()) + " is not 8-bit";
            return false;
        }
        // Exo-style: the expression the algorithm's RequantParams build, on
        // the very loads found, must equal the store's after simplification.
        // (acc + C and C + acc: the simplifier orders two loads by their indices.)
        const Expr acc_v = loads.at("acc");
        bool same = false;
        for (int order = 0; order < (loads.count("C") ? 2 : 1) && !same; order++) {
            Expr v = acc_v;
            if (loads.count("C")) v = order ? Expr(loads.at("C")) + acc_v : acc_v + Expr(loads.at("C"));
            same = same_expr(requant ? requant_expr(v, loads.at("mul"), loads.at("add"), p) : v, store->value);
        }
        if (!same) {
            *why = prefix + "the store to " + y + " is not " + (requant ? "requant(" : "(") + "acc" +
                   (loads.count("C") ? " + C" : "") + ")" + (requant ? " with the algorithm's RequantParams" : "");
            return false;
        }
        // Y's loops: the same elements as the job, rows and columns alike.
        Region want, got;
        if (!region(job.acc_index, job.outer, job.inner, &want, true) ||
            !region(loads.at("acc")->index, {}, nest.loops, &got, false) || want.dims != got.dims ||
            !can_prove(want.base == got.base)) {
            *why = prefix + y + " does not read acc over exactly the job's elements";
            return false;
        }
        int64_t y_stride = 0;
        for (const For *f : nest.loops) {
            auto ca = coefficient(loads.at("acc")->index, f->name), cy = coefficient(store->index, f->name);
            if (!ca || !cy) {
                *why = prefix + "an index of " + y + " is not affine";
                return false;
            }
            if (*ca == 1 && *cy != 1) {
                *why = prefix + "the columns of " + y + " are not contiguous";
                return false;
            }
            if (*ca != 1 || job.acc_stride == 1) y_stride = *cy;
        }
        Requant rq;
        rq.requant = requant;
        rq.shift = p.log2d;
        rq.round = p.rounding && p.log2d > 0;
        rq.lo = p.out_min();
        rq.hi = p.out_max();
        // Per column (index 1 along the columns, 0 along rows) or per tensor.
        auto per_column = [&](const Load *l, bool *per_channel, std::string *w) {
            for (const For *f : nest.loops) {
                auto ca = coefficient(loads.at("acc")->index, f->name), cl = coefficient(l->index, f->name);
                const bool column = *ca == 1 && job.N > 1;
                if (!cl || (column ? (*cl != 0 && *cl != 1) : *cl != 0)) {
                    *w = tensor(l->name) + " is not per tensor or per output column (per-row requantization is "
                         "not supported by the NPU)";
                    return false;
                }
                if (column && *cl == 1) *per_channel = true;
            }
            return true;
        };
        bool mul_pc = false, add_pc = false, c_pc = false;
        std::string w;
        if ((requant && (!per_column(loads.at("mul"), &mul_pc, &w) || !per_column(loads.at("add"), &add_pc, &w))) ||
            (loads.count("C") && !per_column(loads.at("C"), &c_pc, &w))) {
            *why = prefix + w;
            return false;
        }
        if (loads.count("C") && !c_pc && job.N > 1) {
            *why = prefix + "bias C is one value for all outputs; the NPU adds bias[N] per column";
            return false;
        }
        if (mul_pc != add_pc && job.N > 1) {
            *why = prefix + std::string(mul_pc ? "mul" : "add") + " is per column and " + (mul_pc ? "add" : "mul") +
                   " per tensor; the NPU takes both per column or both per tensor";
            return false;
        }
        rq.per_channel = mul_pc || add_pc;
        for (const char *t : {"mul", "add", "C"}) {
            if (!loads.count(t)) continue;
            const Load *l = loads.at(t);
            const Expr base = at_min(l->index, nest.loops);
            const bool by_address = std::string(t) == "C" || rq.per_channel;
            if (by_address) {
                std::string where = not_in_l1(l->name, t);
                if (!where.empty()) {
                    *why = prefix + where;
                    return false;
                }
            }
            Expr value = by_address ? address(l->name, Int(32), base)
                                    : Cast::make(UInt(32), Load::make(Int(32), l->name, base, Buffer<>(), Parameter(),
                                                                      const_true(), ModulusRemainder()));
            (std::string(t) == "mul" ? rq.mul : std::string(t) == "add" ? rq.add : rq.bias) = value;
        }
        std::string where = arenas_.find(store->name)
                                ? not_in_l1(store->name, "the output")
                                : "this nest writes " + algo_.output.name + " directly into the caller's buffer in L2";
        if (where.empty() && std::find(allocs_.begin(), allocs_.end(), store->name) == allocs_.end()) {
            where = "the L1 buffer of " + y + " is allocated inside the stage's consumer";
        }
        if (!where.empty()) {
            *why = prefix + where + " (stage " + algo_.output.name + " L1 at " + y +
                   " <loop>, with a tile that divides the extent so no tail tile is written directly)";
            return false;
        }
        const Expr y_base = at_min(store->index, nest.loops);
        const int elem = store->value.type().bytes();
        w = alignment(algo_.output.name + " in L1", y_base * elem, job.M > 1 ? y_stride * elem : 0);
        if (!w.empty()) {
            *why = prefix + w;
            return false;
        }
        *job_stmt = job_call(job, store->name, y_base, y_stride * elem, store->value.type(), &rq);
        *consumer = ProducerConsumer::make_consume(consume->name, replace_loops(body, {{loops[0], Evaluate::make(0)}}));
        if (produce_y) *consumer = ProducerConsumer::make_produce(out_func_, *consumer);
        if (then) *consumer = Block::make(*consumer, mutate(then->rest));
        if (requant) {
            report_->lines.push_back("stages " + st.name + " + " + y + ": on the NPU, " +
                                     (loads.count("C") ? "bias + requant" : "requant") + " fused: " +
                                     describe(job) + ", " + elem_type_name(p.output_type()) + " out, requant " +
                                     (rq.per_channel ? "per column" : "per tensor") + ", shift " +
                                     std::to_string(p.log2d) + (loads.count("C") ? ", bias [N]" : ""));
        } else {
            report_->lines.push_back("stages " + st.name + " + " + y + ": on the NPU, int32 out written into " + y +
                                     "'s L1 tile" + (loads.count("C") ? " with bias [N]" : "") + ": " + describe(job));
        }
        report_->stages_on_npu.insert(st.name);
        report_->stages_on_npu.insert(algo_.output_stage().name);
        return true;
    }

    template <typename F>
    static void visit_loads(const Expr &e, F f) {
        struct V : IRVisitor {
            F f;
            explicit V(F f) : f(f) {}
            using IRVisitor::visit;
            void visit(const Load *op) override {
                f(op);
                IRVisitor::visit(op);
            }
        } v(f);
        e.accept(&v);
    }

    // Equal up to the normal forms the front end leaves (intrinsics found
    // and lowered again, simplified).
    static bool same_expr(const Expr &expected, const Expr &actual) {
        const Expr a = simplify(actual);
        for (const Expr &e : {simplify(expected), simplify(lower_intrinsics(simplify(expected))),
                              simplify(lower_intrinsics(find_intrinsics(simplify(expected))))}) {
            if (equal(e, a)) return true;
        }
        return false;
    }
};

}  // namespace

Stmt map_npu_jobs(const Stmt &s, const Algorithm &algo, const SchedulePlan &plan, const TargetDescription &target,
                  const ArenaPlan &arenas, NpuReport *report) {
    if (plan.npu_stages.empty()) return s;
    if (!target_has_npu(target)) {
        for (const auto &st : plan.npu_stages) {
            report->lines.push_back("stage " + st + ": npu mapping checked; target " + target.name() +
                                    " runs the plain loop nest");
        }
        return s;
    }
    NpuMapper mapper(algo, plan, target, arenas, report);
    Stmt out = mapper.mutate(s);
    for (const auto &st : plan.npu_stages) {
        const Stage *stage = algo.find_stage(st);
        if (!mapper.seen.count(stage->func.name())) {
            report->lines.push_back("stage " + st + ": kept on the cores: its producer was not found after lowering");
        }
    }
    return out;
}

}  // namespace halyard
