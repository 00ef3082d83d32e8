#include "inject_dma_transfers.h"

#include <algorithm>
#include <map>
#include <optional>

#include "split_loops_over_cores.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// A dense copy dst[dst_base + r*dst_stride + i] = src[src_base + r*src_stride + i]
// for r < rows, i < row_elems (elements).
struct DenseCopy {
    std::string src;
    Type type;
    Expr dst_base, src_base;
    int64_t row_elems = 1, rows = 1, dst_stride = 0, src_stride = 0;
};

std::optional<int64_t> const_int(const Expr &e) {
    const Expr simplified = simplify(e);  // keeps the IntImm alive
    const IntImm *c = simplified.as<IntImm>();
    if (!c) return std::nullopt;
    return c->value;
}

// Recognise the copy nest that Halide produces for a staged input's wrapper.
bool analyze_copy(Stmt s, const std::string &dst, DenseCopy *copy, std::string *why) {
    std::vector<const For *> loops;
    std::vector<std::pair<std::string, Expr>> lets;
    while (true) {
        if (const For *f = s.as<For>()) {
            loops.push_back(f);
            s = f->body;
        } else if (const LetStmt *l = s.as<LetStmt>()) {
            lets.emplace_back(l->name, l->value);
            s = l->body;
        } else {
            break;
        }
    }
    const Store *st = s.as<Store>();
    const Load *ld = st ? st->value.as<Load>() : nullptr;
    if (!st || st->name != dst || !ld || ld->type != st->value.type()) {
        *why = "the copy is not a single element-wise load/store nest";
        return false;
    }
    if (loops.size() > 2) {
        *why = std::to_string(loops.size()) + "-D copy (the DMA moves 1D or 2D tiles)";
        return false;
    }
    Expr di = st->index, si = ld->index;
    for (auto it = lets.rbegin(); it != lets.rend(); ++it) {
        di = substitute(it->first, it->second, di);
        si = substitute(it->first, it->second, si);
    }
    std::vector<int64_t> dcoef, scoef, extents;
    for (const For *f : loops) {
        Expr v = Variable::make(Int(32), f->name);
        auto dc = const_int(substitute(f->name, v + 1, di) - di);
        auto sc = const_int(substitute(f->name, v + 1, si) - si);
        auto ext = const_int(f->extent);
        if (!dc || !sc || !ext) {
            *why = "the copy's indices are not affine with constant strides";
            return false;
        }
        dcoef.push_back(*dc);
        scoef.push_back(*sc);
        extents.push_back(*ext);
    }
    Expr dbase = di, sbase = si;
    for (const For *f : loops) {
        dbase = substitute(f->name, f->min, dbase);
        sbase = substitute(f->name, f->min, sbase);
    }
    copy->src = ld->name;
    copy->type = ld->type;
    copy->dst_base = simplify(dbase);
    copy->src_base = simplify(sbase);
    if (!loops.empty()) {
        if (dcoef.back() != 1 || scoef.back() != 1) {
            *why = "the innermost copy loop is not contiguous in both buffers";
            return false;
        }
        copy->row_elems = extents.back();
        if (loops.size() == 2) {
            copy->rows = extents[0];
            copy->dst_stride = dcoef[0];
            copy->src_stride = scoef[0];
            if (copy->dst_stride == copy->row_elems && copy->src_stride == copy->row_elems) {
                // Rows back to back on both sides: one 1D transfer.
                copy->row_elems *= copy->rows;
                copy->rows = 1;
                copy->dst_stride = copy->src_stride = 0;
            }
        }
    }
    return true;
}

Expr address_of(const std::string &buffer, Type t, Expr index) {
    // Halide 14 has no address_of intrinsic: a pure extern the C printer knows.
    return Call::make(Handle(), "hy_address_of", {Load::make(t, buffer, index, Buffer<>(), Parameter(),
                                                              const_true(), ModulusRemainder())},
                      Call::PureExtern);
}

Expr dma_start(const DenseCopy &c, const std::string &dst, Expr dst_base, Expr src_base) {
    const int b = c.type.bytes();
    return Call::make(UInt(32), "hl_stage_2d",
                      {address_of(dst, c.type, dst_base), address_of(c.src, c.type, src_base),
                       make_const(UInt(32), c.row_elems * b), make_const(UInt(32), c.rows),
                       make_const(Int(32), c.dst_stride * b), make_const(Int(32), c.src_stride * b)},
                      Call::Extern);
}

Stmt dma_wait(Expr id) { return Evaluate::make(Call::make(Int(32), "hl_dma_wait", {id}, Call::Extern)); }

std::string describe(const DenseCopy &c) {
    const int b = c.type.bytes();
    if (c.rows == 1) return "1D " + std::to_string(c.row_elems * b) + " B";
    return "2D " + std::to_string(c.rows) + " rows x " + std::to_string(c.row_elems * b) + " B (src stride " +
           std::to_string(c.src_stride * b) + " B)";
}

// Offsets every access to `buffer` by `offset` elements (the current slot).
class OffsetAccesses : public IRMutator {
public:
    OffsetAccesses(const std::string &buffer, Expr offset) : buffer_(buffer), offset_(offset) {}

private:
    using IRMutator::visit;
    std::string buffer_;
    Expr offset_;
    Expr visit(const Load *op) override {
        Expr index = mutate(op->index);
        if (op->name == buffer_) index = index + offset_;
        return Load::make(op->type, op->name, index, op->image, op->param, op->predicate, op->alignment);
    }
    Stmt visit(const Store *op) override {
        Expr index = mutate(op->index), value = mutate(op->value);
        if (op->name == buffer_) index = index + offset_;
        return Store::make(op->name, value, index, op->param, op->predicate, op->alignment);
    }
};

class InjectDma : public IRMutator {
public:
    InjectDma(const Algorithm &algo, const SchedulePlan &plan, DmaReport *report) : report_(report) {
        for (const auto &in : algo.inputs) l2_tensors_.insert(in.type.name);
        for (const auto &s : plan.staged_inputs) {
            const Stage *consumer = algo.find_stage(s.consumer);
            staged_[s.buffer] = {s, consumer ? consumer->func.name() : s.consumer};
        }
    }

private:
    using IRMutator::visit;
    struct Staged {
        StagedInput info;
        std::string consumer_func;
    };
    DmaReport *report_;
    std::set<std::string> l2_tensors_;
    std::map<std::string, Staged> staged_;
    std::set<std::string> handled_;  // double-buffered at their loop
    std::string only_;               // when set, rewrite only this buffer's copy
    std::set<std::string> failed_;   // could not be double-buffered

    bool dma_able(const Staged &st) const { return st.info.level == MemLevel::L1; }

    // Single-buffered: the copy nest becomes start + wait.
    Stmt visit(const ProducerConsumer *op) override {
        auto it = staged_.find(op->name);
        if (!op->is_producer || it == staged_.end() || handled_.count(op->name) || !dma_able(it->second) ||
            (!only_.empty() && only_ != op->name)) {
            return IRMutator::visit(op);
        }
        DenseCopy c;
        std::string why;
        if (!analyze_copy(op->body, op->name, &c, &why) || !l2_tensors_.count(c.src)) {
            report_->lines.push_back(display_name(op->name) + ": stays a copy loop (" +
                                     (why.empty() ? "source is not an L2 tensor" : why) + ")");
            return IRMutator::visit(op);
        }
        report_->lines.push_back(display_name(op->name) + ": DMA " + describe(c) + " from " + c.src +
                                 ", waited before use" +
                                 (it->second.info.double_buffer ? " (double buffering not possible here)" : ""));
        return ProducerConsumer::make_produce(op->name, dma_wait(dma_start(c, op->name, c.dst_base, c.src_base)));
    }

    Stmt visit(const For *op) override {
        // Buffers double-buffered at this loop are claimed before the body is
        // visited, so the single-buffered rewrite leaves their copy alone.
        std::vector<std::string> here;
        for (auto &[buffer, st] : staged_) {
            // While falling back to single buffering (only_), claim nothing new.
            if (only_.empty() && st.info.double_buffer && dma_able(st) && !handled_.count(buffer) &&
                !failed_.count(buffer) &&
                loop_matches(op->name, st.consumer_func, st.info.loop)) {
                here.push_back(buffer);
                handled_.insert(buffer);
            }
        }
        Stmt result = IRMutator::visit(op);
        for (const auto &buffer : here) {
            Stmt db = double_buffer(find_loop(result, op->name), buffer);
            if (db.defined()) {
                result = replace_loop(result, op->name, db);
            } else {
                // Fall back to a single-buffered transfer of this buffer only
                // (the body; revisiting the loop itself would claim it again).
                handled_.erase(buffer);
                failed_.insert(buffer);
                only_ = buffer;
                if (const For *f = result.as<For>()) {
                    result = For::make(f->name, f->min, f->extent, f->for_type, f->device_api, mutate(f->body));
                } else {
                    result = mutate(result);
                }
                only_.clear();
            }
        }
        return result;
    }

    // The loop named `name` in `s`, looking through the allocations and
    // blocks that double buffering wraps around it.
    static const For *find_loop(const Stmt &s, const std::string &name) {
        if (const For *f = s.as<For>()) return f->name == name ? f : nullptr;
        if (const Allocate *a = s.as<Allocate>()) return find_loop(a->body, name);
        if (const Block *b = s.as<Block>()) {
            const For *f = find_loop(b->first, name);
            return f ? f : find_loop(b->rest, name);
        }
        if (const IfThenElse *i = s.as<IfThenElse>()) return find_loop(i->then_case, name);
        return nullptr;
    }
    static Stmt replace_loop(const Stmt &s, const std::string &name, const Stmt &with) {
        class Replace : public IRMutator {
        public:
            Replace(const std::string &n, Stmt w) : n_(n), w_(w) {}
            using IRMutator::visit;
            std::string n_;
            Stmt w_;
            Stmt visit(const For *op) override { return op->name == n_ ? w_ : IRMutator::visit(op); }
        };
        return Replace(name, with).mutate(s);
    }

    // Returns the double-buffered form of loop `loop`, or an undefined Stmt.
    Stmt double_buffer(const For *loop, const std::string &buffer) {
        if (!loop) return Stmt();
        std::vector<std::pair<std::string, Expr>> lets;
        Stmt s = loop->body;
        while (true) {
            if (const LetStmt *l = s.as<LetStmt>()) {
                lets.emplace_back(l->name, l->value);
                s = l->body;
            } else if (const Allocate *a = s.as<Allocate>(); a && a->name != buffer) {
                s = a->body;
            } else if (const ProducerConsumer *pc = s.as<ProducerConsumer>(); pc && !pc->is_producer) {
                s = pc->body;  // inside the consumer of another staged buffer (a MatMul's A, then its B)
            } else if (const Block *b = s.as<Block>(); b && b->first.as<ProducerConsumer>() &&
                                                       b->first.as<ProducerConsumer>()->is_producer &&
                                                       b->first.as<ProducerConsumer>()->name != buffer) {
                s = b->rest;  // past another buffer's produce node
            } else {
                break;
            }
        }
        const Allocate *alloc = s.as<Allocate>();
        if (!alloc) {
            report_->lines.push_back(display_name(buffer) + ": not double-buffered (its buffer is not allocated " +
                                     "directly in loop " + display_name(loop->name) + ")");
            return Stmt();
        }
        // The produce node of the staged buffer.
        const ProducerConsumer *produce = nullptr;
        std::function<void(const Stmt &)> find = [&](const Stmt &x) {
            if (produce || !x.defined()) return;
            if (const ProducerConsumer *pc = x.as<ProducerConsumer>(); pc && pc->is_producer && pc->name == buffer) {
                produce = pc;
            } else if (const Block *b = x.as<Block>()) {
                find(b->first);
                find(b->rest);
            } else if (const ProducerConsumer *pc2 = x.as<ProducerConsumer>()) {
                find(pc2->body);
            }
        };
        find(alloc->body);
        DenseCopy c;
        std::string why = "no copy nest found";
        int64_t slot = 1;
        for (const Expr &e : alloc->extents) {
            auto v = const_int(e);
            if (!v) return Stmt();
            slot *= *v;
        }
        if (!produce || !analyze_copy(produce->body, buffer, &c, &why) || !l2_tensors_.count(c.src)) {
            report_->lines.push_back(display_name(buffer) + ": stays a copy loop (" + why + ")");
            return Stmt();
        }
        handled_.insert(buffer);
        report_->double_buffered.insert(buffer);
        const std::string ids = buffer + ".dma_id";
        report_->new_buffers[ids] = MemLevel::Reg;

        auto in_loop_scope = [&](Expr e) {
            for (auto it = lets.rbegin(); it != lets.rend(); ++it) e = substitute(it->first, it->second, e);
            return e;
        };
        Expr v = Variable::make(Int(32), loop->name);
        Expr dst_base = in_loop_scope(c.dst_base), src_base = in_loop_scope(c.src_base);
        auto slot_of = [&](Expr iter) { return ((iter - loop->min) % 2) * (int)slot; };
        auto start_for = [&](Expr iter) {
            return dma_start(c, buffer, simplify(slot_of(iter) + substitute(loop->name, iter, dst_base)),
                             simplify(substitute(loop->name, iter, src_base)));
        };
        Expr id = Load::make(UInt(32), ids, 0, Buffer<>(), Parameter(), const_true(), ModulusRemainder());
        // In iteration i: wait for tile i, then start tile i+1 into the other slot.
        Stmt next = IfThenElse::make(v + 1 < loop->min + loop->extent, Store::make(ids, start_for(v + 1), 0, Parameter(),
                                                                                 const_true(), ModulusRemainder()));
        Stmt new_produce = ProducerConsumer::make_produce(buffer, Block::make(dma_wait(id), next));
        // Replace the produce node and offset the consumers' accesses to the current slot.
        class Rewrite : public IRMutator {
        public:
            Rewrite(const std::string &b, Stmt p) : b_(b), p_(p) {}
            using IRMutator::visit;
            std::string b_;
            Stmt p_;
            Stmt visit(const ProducerConsumer *op) override {
                if (op->is_producer && op->name == b_) return p_;
                return IRMutator::visit(op);
            }
            Stmt visit(const Allocate *op) override {
                if (op->name == b_) return mutate(op->body);  // hoisted out of the loop
                return IRMutator::visit(op);
            }
        };
        // Consumers read the current slot; the new produce node (whose
        // addresses already name their slot) replaces the copy afterwards.
        Stmt body = OffsetAccesses(buffer, simplify(slot_of(v))).mutate(loop->body);
        body = Rewrite(buffer, new_produce).mutate(body);
        Stmt new_loop = For::make(loop->name, loop->min, loop->extent, loop->for_type, loop->device_api, body);
        Stmt prologue = IfThenElse::make(loop->extent > 0, Store::make(ids, start_for(loop->min), 0, Parameter(),
                                                                         const_true(), ModulusRemainder()));
        Stmt out = Block::make(prologue, new_loop);
        out = Allocate::make(ids, UInt(32), MemoryType::Auto, {1}, const_true(), out);
        out = Allocate::make(buffer, alloc->type, alloc->memory_type, {make_const(Int(32), 2 * slot)}, const_true(), out);
        report_->lines.push_back(display_name(buffer) + ": DMA " + describe(c) + " from " + c.src +
                                 ", double-buffered in loop " + display_name(loop->name) +
                                 " (tile i+1 in flight while tile i is computed)");
        return out;
    }
};

// Whether `s` stores to buffer `buf`.
bool stores_to(const Stmt &s, const std::string &buf) {
    class Find : public IRVisitor {
    public:
        explicit Find(const std::string &b) : b_(b) {}
        using IRVisitor::visit;
        const std::string &b_;
        bool found = false;
        void visit(const Store *op) override {
            found = found || op->name == b_;
            IRVisitor::visit(op);
        }
    };
    Find f(buf);
    s.accept(&f);
    return f.found;
}

// Stores enumerated at most to prove a tile with overlapping stores dense.
constexpr int64_t kMaxEnumeratedStores = 16384;

// Output write-back: inside each iteration of the staged loop, stores to the
// output go to an L1 tile buffer, which one 1D DMA writes back at the end of
// the iteration. Only when the iteration's stores densely cover one
// contiguous range of the output (e.g. whole rows), so nothing else is
// overwritten; otherwise the stores stay direct and the report says why.
class StageOutputWrites : public IRMutator {
public:
    StageOutputWrites(const StagedInput &out, const std::string &out_name, DmaReport *report)
        : out_(out), out_name_(out_name), report_(report) {}
    bool done = false;

private:
    using IRMutator::visit;
    StagedInput out_;
    std::string out_name_;
    DmaReport *report_;

    // Bounds and count of the stores to the output inside a loop body.
    class Footprint : public IRVisitor {
    public:
        explicit Footprint(const std::string &buf) : buf_(buf) {}
        Interval range = Interval::nothing();
        int64_t stores = 0;
        bool reads = false, dynamic = false;
        Type type;

    private:
        using IRVisitor::visit;
        std::string buf_;
        Scope<Interval> scope_;
        std::vector<int64_t> trip_;
        void visit(const For *op) override {
            Interval i(op->min, simplify(op->min + op->extent - 1));
            const Expr extent = simplify(op->extent);  // keeps the IntImm alive
            const IntImm *e = extent.as<IntImm>();
            if (!e) dynamic = true;
            trip_.push_back(e ? e->value : 0);
            ScopedBinding<Interval> bind(scope_, op->name, i);
            op->body.accept(this);
            trip_.pop_back();
        }
        void visit(const LetStmt *op) override {
            ScopedBinding<Interval> bind(scope_, op->name, bounds_of_expr_in_scope(op->value, scope_));
            op->body.accept(this);
        }
        void visit(const IfThenElse *op) override {
            if (!(op->then_case.defined() && !op->else_case.defined())) return IRVisitor::visit(op);
            // A guarded store may not run: the footprint is not provably dense.
            Footprint inner(buf_);
            op->then_case.accept(&inner);
            if (inner.stores) dynamic = true;
            IRVisitor::visit(op);
        }
        void visit(const Load *op) override {
            if (op->name == buf_) reads = true;
            IRVisitor::visit(op);
        }
        void visit(const Store *op) override {
            IRVisitor::visit(op);
            if (op->name != buf_) return;
            type = op->value.type();
            Interval b = bounds_of_expr_in_scope(op->index, scope_);
            range = Interval::make_union(range, b);
            int64_t n = 1;
            for (int64_t t : trip_) n *= t;
            stores += n;
        }
    };

    // Whether the stores to `buf` in `body` cover exactly the offsets [0,
    // size) from `lo`, by enumerating them: for tiles whose count differs
    // from their range because a shifted-in last tile (Halide's
    // ShiftInwards) rewrites a few elements. Only when each store's offset
    // from `lo` depends on the body's own loops alone (constant bounds), so
    // one enumeration holds for every iteration; at most `limit` stores.
    static bool covers_densely(const Stmt &body, const std::string &buf, const Expr &lo, int64_t size,
                               int64_t limit) {
        class Enumerate : public IRVisitor {
        public:
            Enumerate(const std::string &b, Expr lo, int64_t size, int64_t limit)
                : buf_(b), lo_(lo), hit_(size, false), limit_(limit) {}
            bool ok = true;
            std::vector<bool> hit_;

        private:
            using IRVisitor::visit;
            std::string buf_;
            Expr lo_;
            int64_t limit_, seen_ = 0;
            std::map<std::string, Expr> bound_;  // the loops' and lets' values in this walk
            std::map<const For *, bool> stores_in_;  // per loop: does its body store to buf_ (asked once)
            std::optional<int64_t> value_of(const Expr &e) const {
                const Expr v = simplify(substitute(bound_, e));
                const IntImm *i = v.as<IntImm>();
                if (!i) return std::nullopt;
                return i->value;
            }
            void visit(const For *op) override {
                auto known = stores_in_.find(op);
                if (known == stores_in_.end()) known = stores_in_.emplace(op, stores_to(op->body, buf_)).first;
                if (!ok || !known->second) return;
                auto mn = value_of(op->min), ext = value_of(op->extent);
                if (!mn || !ext) {
                    ok = false;
                    return;
                }
                for (int64_t v = *mn; ok && v < *mn + *ext; v++) {
                    bound_[op->name] = make_const(op->min.type(), v);
                    op->body.accept(this);
                }
                bound_.erase(op->name);
            }
            void visit(const LetStmt *op) override {
                if (!ok) return;
                bound_[op->name] = substitute(bound_, op->value);
                op->body.accept(this);
                bound_.erase(op->name);
            }
            void visit(const Store *op) override {
                if (!ok || op->name != buf_) return;
                auto off = value_of(op->index - lo_);
                if (!off || *off < 0 || *off >= (int64_t)hit_.size() || ++seen_ > limit_) {
                    ok = false;
                    return;
                }
                hit_[*off] = true;
            }
        };
        Enumerate e(buf, lo, size, limit);
        body.accept(&e);
        return e.ok && std::all_of(e.hit_.begin(), e.hit_.end(), [](bool b) { return b; });
    }

    class Redirect : public IRMutator {
    public:
        Redirect(const std::string &from, const std::string &to, Expr base) : from_(from), to_(to), base_(base) {}
        using IRMutator::visit;
        std::string from_, to_;
        Expr base_;
        Stmt visit(const Store *op) override {
            if (op->name != from_) return IRMutator::visit(op);
            return Store::make(to_, mutate(op->value), simplify(mutate(op->index) - base_), op->param, op->predicate,
                               op->alignment);
        }
    };

    Stmt visit(const For *op) override {
        if (done || !loop_matches(op->name, out_.buffer, out_.loop)) return IRMutator::visit(op);
        done = true;
        Footprint f(out_name_);
        op->body.accept(&f);
        std::string why;
        Expr lo, size;
        if (f.stores == 0) why = "no stores to the output in the loop";
        else if (f.reads) why = "the loop also reads the output";
        else if (f.dynamic) why = "the stores are guarded or their loops have variable extents";
        else if (!f.range.is_bounded()) why = "the stores' range is unbounded";
        if (why.empty()) {
            lo = simplify(f.range.min);
            size = simplify(f.range.max - f.range.min + 1);
            const IntImm *n = size.as<IntImm>();
            if (!n) why = "the tile size is not constant";
            else if (n->value != f.stores && !(f.stores > n->value && covers_densely(op->body, out_name_, lo, n->value,
                                                                                   kMaxEnumeratedStores))) {
                why = "the iteration writes " + std::to_string(f.stores) + " elements spread over a range of " +
                      std::to_string(n->value) + " (stage whole rows to write back one contiguous tile)";
            }
        }
        if (!why.empty()) {
            report_->lines.push_back("output " + out_.tensor + ": written directly (" + why + ")");
            return IRMutator::visit(op);
        }
        const std::string tile = out_name_ + ".l1_tile";
        report_->new_buffers[tile] = out_.level;
        const int64_t elems = size.as<IntImm>()->value;
        Stmt body = Redirect(out_name_, tile, lo).mutate(op->body);
        DenseCopy c;
        c.src = tile;
        c.type = f.type;
        c.row_elems = elems;
        Stmt write_back = dma_wait(dma_start(c, out_name_, lo, 0));
        body = Allocate::make(tile, f.type, MemoryType::Auto, {make_const(Int(32), elems)}, const_true(),
                              Block::make(body, write_back));
        report_->lines.push_back("output " + out_.tensor + ": each iteration of " + display_name(op->name) +
                                 " computes a " + std::to_string(elems * f.type.bytes()) + " B tile in " +
                                 mem_level_name(out_.level) + ", written back by one 1D DMA");
        return For::make(op->name, op->min, op->extent, op->for_type, op->device_api, body);
    }
};

}  // namespace

Stmt inject_dma_transfers(const Stmt &s, const Algorithm &algo, const SchedulePlan &plan,
                          const TargetDescription &target, DmaReport *report) {
    if (!target.has_dma()) {
        if (!plan.staged_inputs.empty()) {
            report->lines.push_back("target " + target.name() + " has no DMA engine: staged tiles are copied by the core");
        }
        return s;
    }
    // Each core holds at most two transfer ids at a time (a prefetch in flight
    // plus one more); finished ids stay reserved until their core waits on
    // them, so fewer than 2 x cores ids could leave every core blocked.
    if (!plan.staged_inputs.empty() || !plan.staged_outputs.empty()) {
        const int64_t ids = target.dma_max_outstanding();
        if (ids < 2 * target.cores()) {
            throw UserError("target " + target.name() + " has dma.max_outstanding " + std::to_string(ids) +
                            "; DMA staging needs at least 2 transfer ids per core (" +
                            std::to_string(2 * target.cores()) + ")");
        }
    }
    Stmt out = InjectDma(algo, plan, report).mutate(s);
    for (const auto &o : plan.staged_outputs) {
        StageOutputWrites stage(o, algo.output_stage().func.name(), report);
        out = stage.mutate(out);
        if (!stage.done) report->lines.push_back("output " + o.tensor + ": staging loop not found after lowering");
    }
    return out;
}

}  // namespace halyard
