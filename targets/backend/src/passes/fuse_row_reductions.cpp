#include "fuse_row_reductions.h"

#include "block_statements.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// Indices a producer may enumerate: a row's elements.
constexpr int64_t kMaxIndices = 1 << 16;

// The values a store's index takes over the loops around it (serial, with
// constant bounds); nullopt when it depends on anything else.
std::optional<std::vector<int64_t>> enumerate_index(const Expr &index, const std::vector<const For *> &loops) {
    std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> ranges;
    int64_t points = 1;
    for (const For *l : loops) {
        const int64_t *mn = as_const_int(l->min), *e = as_const_int(l->extent);
        if (!mn || !e || *e <= 0 || l->for_type != ForType::Serial) return std::nullopt;
        ranges.push_back({l->name, {*mn, *e}});
        points *= *e;
        if (points > kMaxIndices) return std::nullopt;
    }
    std::vector<int64_t> out;
    for (int64_t p = 0; p < points; p++) {
        Expr idx = index;
        int64_t rest = p;
        for (const auto &[name, range] : ranges) {
            idx = substitute(name, make_const(Int(32), range.first + rest % range.second), idx);
            rest /= range.second;
        }
        const int64_t *i = as_const_int(simplify(idx));
        if (!i) return std::nullopt;
        out.push_back(*i);
    }
    return out;
}

// The reduction: R[c] = init, then R[c] = R[c] op f(x[i]) for every i in
// [0, n) exactly once, in loops (unrolled or not).
struct Reduction {
    std::string r, x;
    Expr c, init;
    int64_t n = 0;
    enum Op { Add, Max, Min } op = Add;
    Expr f;  // f with x[i] as the variable kValue
};

const std::string kValue = "hl_fused_value";

// Replaces the one Load of x by the variable kValue (its index kept);
// counts what else reads x.
class ReplaceOperand : public IRMutator {
public:
    explicit ReplaceOperand(std::string x) : x_(std::move(x)) {}
    int loads = 0, other_reads = 0;
    Expr index;

private:
    std::string x_;
    using IRMutator::visit;
    Expr visit(const Load *op) override {
        if (op->name != x_) return IRMutator::visit(op);
        if (op->type.lanes() != 1 || !is_const_one(op->predicate)) {
            other_reads++;
            return op;
        }
        loads++;
        index = op->index;
        return Variable::make(op->type, kValue);
    }
    Expr visit(const Call *op) override {
        if (op->name == x_) other_reads++;
        return IRMutator::visit(op);
    }
};

class FreeVars : public IRVisitor {
public:
    std::set<std::string> vars, buffers;

private:
    using IRVisitor::visit;
    void visit(const Variable *op) override { vars.insert(op->name); }
    void visit(const Load *op) override {
        buffers.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const Call *op) override {
        buffers.insert(op->name);
        IRVisitor::visit(op);
    }
};

// The updates of a reduction's loop nest: every statement a loop, a block or
// a store R[c] = R[c] op f(x[i]) with one op and one f.
class ReductionUpdates : public IRVisitor {
public:
    ReductionUpdates(std::string r, std::string x, Expr c) : r_(std::move(r)), x_(std::move(x)), c_(std::move(c)) {}
    bool ok = true;
    std::optional<Reduction::Op> op;
    Expr f;
    std::map<int64_t, int> count;

private:
    std::string r_, x_;
    Expr c_;
    std::vector<const For *> loops_;
    using IRVisitor::visit;
    void visit(const For *l) override {
        loops_.push_back(l);
        l->body.accept(this);
        loops_.pop_back();
    }
    void visit(const Block *b) override { IRVisitor::visit(b); }
    void visit(const Store *st) override {
        if (st->name != r_ || !is_const_one(st->predicate) || !equal(st->index, c_)) {
            ok = false;
            return;
        }
        Reduction::Op o;
        Expr a, b;
        if (const Add *v = st->value.as<Add>()) {
            o = Reduction::Add, a = v->a, b = v->b;
        } else if (const Max *v = st->value.as<Max>()) {
            o = Reduction::Max, a = v->a, b = v->b;
        } else if (const Min *v = st->value.as<Min>()) {
            o = Reduction::Min, a = v->a, b = v->b;
        } else {
            ok = false;
            return;
        }
        const Load *self = a.as<Load>();
        if (!self || self->name != r_ || !equal(self->index, c_) || (op && *op != o)) {
            ok = false;
            return;
        }
        op = o;
        ReplaceOperand rep(x_);
        Expr fi = rep.mutate(b);
        FreeVars fv;
        fi.accept(&fv);
        // f reads the value alone: no other buffer, no variable bound on the way.
        if (rep.loads != 1 || rep.other_reads || !fv.buffers.empty() || fv.vars != std::set<std::string>{kValue} ||
            (f.defined() && !equal(f, fi))) {
            ok = false;
            return;
        }
        f = fi;
        auto idx = enumerate_index(rep.index, loops_);
        if (!idx) {
            ok = false;
            return;
        }
        for (int64_t i : *idx) count[i]++;
    }
    // Anything else in the nest (lets, ifs, calls, allocations): not a plain reduction.
    void visit(const LetStmt *) override { ok = false; }
    void visit(const IfThenElse *) override { ok = false; }
    void visit(const Evaluate *) override { ok = false; }
    void visit(const Allocate *) override { ok = false; }
    void visit(const ProducerConsumer *) override { ok = false; }
};

// PC(R, produce, Block[R[c] = init; PC(x, consume, nest of updates)]).
std::optional<Reduction> match_reduction(const Stmt &s) {
    const ProducerConsumer *pr = s.as<ProducerConsumer>();
    if (!pr || !pr->is_producer) return std::nullopt;
    std::vector<Stmt> body = block_statements(pr->body);
    if (body.size() != 2) return std::nullopt;
    const Store *init = body[0].as<Store>();
    if (!init || init->name != pr->name || !is_const_one(init->predicate) || !is_const(init->index)) return std::nullopt;
    if (!is_const(init->value)) return std::nullopt;  // reads nothing a producer could write
    const ProducerConsumer *cons = body[1].as<ProducerConsumer>();
    if (!cons || cons->is_producer) return std::nullopt;
    ReductionUpdates upd(pr->name, cons->name, init->index);
    cons->body.accept(&upd);
    if (!upd.ok || !upd.op || upd.count.empty()) return std::nullopt;
    // Each of [0, n) exactly once.
    const int64_t n = (int64_t)upd.count.size();
    if (upd.count.begin()->first != 0 || upd.count.rbegin()->first != n - 1) return std::nullopt;
    for (const auto &[i, k] : upd.count) {
        if (k != 1) return std::nullopt;
    }
    Reduction red;
    red.r = pr->name;
    red.x = cons->name;
    red.c = init->index;
    red.init = init->value;
    red.n = n;
    red.op = *upd.op;
    red.f = upd.f;
    return red;
}

// The stores of a producer: every index it writes, with the loops around it.
class ProducerStores : public IRVisitor {
public:
    explicit ProducerStores(std::string x) : x_(std::move(x)) {}
    bool ok = true;
    std::map<int64_t, int> count;  // index -> stores
    std::vector<const Store *> constant_index;  // stores outside loops, in order

private:
    std::string x_;
    std::vector<const For *> loops_;
    using IRVisitor::visit;
    void visit(const For *op) override {
        loops_.push_back(op);
        IRVisitor::visit(op);
        loops_.pop_back();
    }
    void visit(const IfThenElse *) override { ok = false; }
    void visit(const Call *op) override {
        if (op->call_type == Call::Extern || op->call_type == Call::ExternCPlusPlus) ok = false;
        IRVisitor::visit(op);
    }
    void visit(const Store *op) override {
        if (op->name != x_ || !is_const_one(op->predicate) || op->value.type().lanes() != 1) {
            ok = false;
            return;
        }
        auto idx = enumerate_index(op->index, loops_);
        if (!idx) {
            ok = false;  // depends on something else: a let, a load
            return;
        }
        if (loops_.empty()) constant_index.push_back(op);
        for (int64_t i : *idx) count[i]++;
        IRVisitor::visit(op);
    }
};

// Adds the reduction's update after each store of the producer (skipping,
// for a sum, the repeated stores of an index counted already).
class AddUpdates : public IRMutator {
public:
    AddUpdates(const Reduction &red, std::set<const Store *> skip) : red_(red), skip_(std::move(skip)) {}

private:
    const Reduction &red_;
    std::set<const Store *> skip_;
    int counter_ = 0;
    using IRMutator::visit;
    Stmt visit(const Store *op) override {
        if (op->name != red_.x || skip_.count(op)) return op;
        Expr value = op->value;
        std::string name;
        Stmt store = op;
        if (!value.as<Variable>() && !is_const(value)) {
            name = "hl_fused" + std::to_string(counter_++);
            value = Variable::make(op->value.type(), name);
            store = Store::make(op->name, value, op->index, op->param, op->predicate, op->alignment);
        }
        Expr f = substitute(kValue, value, red_.f);
        Expr prev = Load::make(red_.init.type(), red_.r, red_.c, Buffer<>(), Parameter(), const_true(), ModulusRemainder());
        Expr v = red_.op == Reduction::Add ? prev + f : red_.op == Reduction::Max ? max(prev, f) : min(prev, f);
        Stmt upd = Store::make(red_.r, v, red_.c, Parameter(), const_true(), ModulusRemainder());
        Stmt out = Block::make(store, upd);
        return name.empty() ? out : LetStmt::make(name, op->value, out);
    }
};

class Fuse : public IRMutator {
public:
    explicit Fuse(const ArenaPlan &arenas) : arenas_(arenas) {}
    int fused = 0;

private:
    const ArenaPlan &arenas_;
    using IRMutator::visit;

    // Allocate(x) { Block[PC(x, produce, P), Allocate(R) { Block[PC(R, produce, reduction), rest...] }, ...] }
    Stmt visit(const Block *op) override {
        std::vector<Stmt> stmts = block_statements(op);
        for (auto &s : stmts) s = mutate(s);
        for (size_t i = 0; i + 1 < stmts.size(); i++) {
            const ProducerConsumer *prod = stmts[i].as<ProducerConsumer>();
            // The frees of buffers the producer read may come between (they
            // follow it into R's allocation).
            size_t a = i + 1;
            while (a < stmts.size() && stmts[a].as<Free>()) a++;
            if (a == stmts.size()) continue;
            const Allocate *alloc = stmts[a].as<Allocate>();
            if (!prod || !prod->is_producer || !alloc) continue;
            const ArenaBuffer *placed = arenas_.find(alloc->name);
            if (!placed || placed->level != MemLevel::Reg) continue;
            std::vector<Stmt> inner = block_statements(alloc->body);
            if (inner.empty()) continue;
            std::optional<Reduction> red = match_reduction(inner[0]);
            if (!red || red->x != prod->name || red->r != alloc->name) continue;
            ProducerStores ps(red->x);
            prod->body.accept(&ps);
            if (!ps.ok || ps.count.empty()) continue;
            // Every index of [0, n), nothing outside it.
            bool covered = (int64_t)ps.count.size() == red->n && ps.count.begin()->first == 0 &&
                           ps.count.rbegin()->first == red->n - 1;
            std::set<const Store *> skip;
            if (covered && red->op == Reduction::Add) {
                // Repeated indices only from stores outside loops (a shifted
                // last group): those are not counted again.
                std::map<int64_t, int> in_loops = ps.count;
                for (const Store *s : ps.constant_index) in_loops[*as_const_int(simplify(s->index))]--;
                // A store node met twice (IR nodes may be shared) would be
                // skipped at both places: not handled.
                std::set<const Store *> distinct(ps.constant_index.begin(), ps.constant_index.end());
                if (distinct.size() != ps.constant_index.size()) covered = false;
                std::set<int64_t> seen;
                for (const auto &[idx, k] : in_loops) {
                    if (k > 1) covered = false;
                    if (k == 1) seen.insert(idx);
                }
                for (const Store *s : ps.constant_index) {
                    const int64_t idx = *as_const_int(simplify(s->index));
                    if (!seen.insert(idx).second) skip.insert(s);
                }
            }
            if (!covered) continue;
            FreeVars reads;
            prod->body.accept(&reads);
            if (reads.buffers.count(red->r)) continue;
            Stmt new_prod = ProducerConsumer::make(prod->name, true, AddUpdates(*red, skip).mutate(prod->body));
            const Store *init = block_statements(inner[0].as<ProducerConsumer>()->body)[0].as<Store>();
            std::vector<Stmt> body = {ProducerConsumer::make(red->r, true, Stmt(init)), new_prod};
            body.insert(body.end(), stmts.begin() + long(i) + 1, stmts.begin() + long(a));  // the frees
            body.insert(body.end(), inner.begin() + 1, inner.end());
            Stmt new_alloc = Allocate::make(alloc->name, alloc->type, alloc->memory_type, alloc->extents,
                                            alloc->condition, Block::make(body), alloc->new_expr, alloc->free_function);
            stmts[i] = new_alloc;
            stmts.erase(stmts.begin() + long(i) + 1, stmts.begin() + long(a) + 1);
            fused++;
        }
        return Block::make(stmts);
    }
};

}  // namespace

Stmt fuse_row_reductions(const Stmt &s, const ArenaPlan &arenas, int *fused) {
    Fuse pass(arenas);
    Stmt out = pass.mutate(s);
    if (fused) *fused = pass.fused;
    return out;
}

}  // namespace halyard
