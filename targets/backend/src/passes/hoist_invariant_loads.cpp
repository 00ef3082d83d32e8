#include "hoist_invariant_loads.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "buffers_named.h"
#include "halyard/micro_kernels.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// What a loop body does that decides which loads may leave it.
class BodyFacts : public IRVisitor {
public:
    std::set<std::string> stored;  // buffers written
    std::set<std::string> bound;   // variables defined inside (lets, loops)
    bool calls = false;            // any extern call (DMA, kernels, copies)

private:
    using IRVisitor::visit;
    void visit(const Store *op) override {
        stored.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const Let *op) override {
        bound.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const LetStmt *op) override {
        bound.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const For *op) override {
        bound.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const Allocate *op) override {
        stored.insert(op->name);  // a buffer born inside the loop is not invariant
        IRVisitor::visit(op);
    }
    void visit(const Call *op) override {
        if (op->call_type == Call::Extern || op->call_type == Call::ExternCPlusPlus) {
            if (find_micro_kernel_by_symbol(op->name)) {
                // A micro-kernel touches only the buffers its arguments point
                // into (its accumulators among them) and synchronizes nothing.
                for (const auto &a : op->args) {
                    const auto named = buffers_named(a);
                    stored.insert(named.begin(), named.end());
                }
            } else {
                calls = true;  // a DMA or copy: it may write any buffer, or complete a transfer that does
            }
        }
        IRVisitor::visit(op);
    }
};

// The variables an index reads, and the buffers its own loads read (a table
// lookup indexed by another buffer's element: invariant only if that buffer
// is too).
class FreeVars : public IRVisitor {
public:
    std::set<std::string> names;
    std::set<std::string> loaded;

private:
    using IRVisitor::visit;
    void visit(const Variable *op) override { names.insert(op->name); }
    void visit(const Load *op) override {
        loaded.insert(op->name);
        IRVisitor::visit(op);
    }
};

// Replaces the eligible loads of one loop body by variables.
class Extract : public IRMutator {
public:
    Extract(const std::string &loop, const BodyFacts &facts, int *counter)
        : loop_(loop), facts_(facts), counter_(counter) {}
    std::vector<std::pair<std::string, Expr>> lets;  // in order of first use

private:
    using IRMutator::visit;

    Expr visit(const Load *op) override {
        if (conditional_ > 0 || !is_const_one(op->predicate) || !op->type.is_scalar() || facts_.stored.count(op->name)) {
            return IRMutator::visit(op);
        }
        FreeVars fv;
        op->index.accept(&fv);
        for (const auto &n : fv.names) {
            if (n == loop_ || facts_.bound.count(n)) return IRMutator::visit(op);
        }
        for (const auto &n : fv.loaded) {
            if (facts_.stored.count(n)) return IRMutator::visit(op);
        }
        return let_for(Expr(op));
    }
    // (x + invariant) + c, as a requantization's (v * mul + add) + round is
    // after simplification: x + (invariant + c), one add fewer per iteration
    // (the C compiler keeps the sum's order).
    Expr visit(const Add *op) override {
        const Add *inner = op->a.as<Add>();
        if (!inner || !is_const(op->b) || !op->type.is_int_or_uint()) return IRMutator::visit(op);
        for (const auto &[load, rest] : {std::make_pair(inner->a, inner->b), std::make_pair(inner->b, inner->a)}) {
            if (!load.as<Load>()) continue;
            const Expr v = mutate(load);
            if (!v.as<Variable>()) continue;  // not hoisted
            return Add::make(mutate(rest), let_for(v + op->b));
        }
        return IRMutator::visit(op);
    }
    Expr let_for(const Expr &value) {
        for (const auto &[name, e] : lets) {
            if (equal(e, value)) return Variable::make(value.type(), name);
        }
        const std::string name = "hl_invariant" + std::to_string((*counter_)++);
        lets.emplace_back(name, value);
        return Variable::make(value.type(), name);
    }
    // Loads evaluated only on some iterations stay where they are.
    Expr visit(const Select *op) override { return guarded([&] { return IRMutator::visit(op); }); }
    Expr visit(const Call *op) override {
        if (op->is_intrinsic(Call::if_then_else)) return guarded([&] { return IRMutator::visit(op); });
        return IRMutator::visit(op);
    }
    Stmt visit(const IfThenElse *op) override { return guarded_stmt([&] { return IRMutator::visit(op); }); }
    Stmt visit(const For *op) override { return guarded_stmt([&] { return IRMutator::visit(op); }); }

    template <typename F>
    Expr guarded(F f) {
        conditional_++;
        Expr e = f();
        conditional_--;
        return e;
    }
    template <typename F>
    Stmt guarded_stmt(F f) {
        conditional_++;
        Stmt s = f();
        conditional_--;
        return s;
    }

    std::string loop_;
    const BodyFacts &facts_;
    int *counter_;
    int conditional_ = 0;
};

class Hoist : public IRMutator {
public:
    int hoisted = 0;

private:
    using IRMutator::visit;

    Stmt visit(const For *op) override {
        Stmt body = mutate(op->body);
        Stmt loop = body.same_as(op->body)
                        ? Stmt(op)
                        : For::make(op->name, op->min, op->extent, op->for_type, op->device_api, body);
        if (op->for_type != ForType::Serial || !can_prove(op->extent > 0)) return loop;
        BodyFacts facts;
        body.accept(&facts);
        if (facts.calls) return loop;
        Extract x(op->name, facts, &counter_);
        Stmt new_body = x.mutate(body);
        if (x.lets.empty()) return loop;
        Stmt out = For::make(op->name, op->min, op->extent, op->for_type, op->device_api, new_body);
        for (auto it = x.lets.rbegin(); it != x.lets.rend(); ++it) out = LetStmt::make(it->first, it->second, out);
        hoisted += (int)x.lets.size();
        return out;
    }

    int counter_ = 0;
};

}  // namespace

Stmt hoist_invariant_loads(const Stmt &s, int *hoisted) {
    Hoist h;
    Stmt out = h.mutate(s);
    if (hoisted) *hoisted = h.hoisted;
    return out;
}

}  // namespace halyard
