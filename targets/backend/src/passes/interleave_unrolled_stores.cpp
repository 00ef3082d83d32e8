#include "interleave_unrolled_stores.h"

#include "block_statements.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// Stores of one group at most: four chains in flight keep the registers
// the C compiler needs (the unrolled groups are of four).
constexpr size_t kGroup = 4;

struct Lifted {
    int depth = 0;   // 1 + the depth of the lifted loads its index reads
    size_t store = 0;
    std::string name;
    Expr load;
};

// Replaces the loads an expression evaluates unconditionally by variables,
// recording each as a let to read before the stores.
class LiftLoads : public IRMutator {
public:
    LiftLoads(std::vector<Lifted> &out, size_t store, int &counter) : out_(out), store_(store), counter_(counter) {}

private:
    std::vector<Lifted> &out_;
    size_t store_;
    int &counter_;
    std::map<std::string, int> depth_of_;

    using IRMutator::visit;
    Expr visit(const Load *op) override {
        if (op->type.lanes() != 1 || !is_const_one(op->predicate)) return op;
        Expr index = mutate(op->index);
        int depth = 1;
        for (const auto &[name, d] : depth_of_) {
            if (expr_uses_var(index, name)) depth = std::max(depth, d + 1);
        }
        const std::string name = "hl_early" + std::to_string(counter_++);
        Expr load = Load::make(op->type, op->name, index, op->image, op->param, op->predicate, op->alignment);
        out_.push_back({depth, store_, name, load});
        depth_of_[name] = depth;
        return Variable::make(op->type, name);
    }
    // Only the condition runs for sure; loads in the values stay where they are.
    Expr visit(const Select *op) override {
        return Select::make(mutate(op->condition), op->true_value, op->false_value);
    }
    Expr visit(const Call *op) override {
        if (op->is_intrinsic(Call::if_then_else)) {
            std::vector<Expr> args = op->args;
            args[0] = mutate(args[0]);
            return Call::make(op->type, op->name, args, op->call_type, op->func, op->value_index, op->image, op->param);
        }
        return IRMutator::visit(op);
    }
    // A let's body may index with its variable: left whole.
    Expr visit(const Let *op) override { return op; }
};

class ReadsBuffer : public IRVisitor {
public:
    explicit ReadsBuffer(const std::string &b) : buffer(b) {}
    const std::string buffer;
    bool reads = false;

private:
    using IRVisitor::visit;
    void visit(const Load *op) override {
        reads = reads || op->name == buffer;
        IRVisitor::visit(op);
    }
    void visit(const Call *op) override {
        reads = reads || op->name == buffer;  // an address of it passed on
        IRVisitor::visit(op);
    }
};

bool plain_store(const Stmt &s) {
    const Store *st = s.as<Store>();
    return st && st->value.type().lanes() == 1 && is_const_one(st->predicate);
}

class Interleave : public IRMutator {
public:
    int groups = 0;

private:
    int counter_ = 0;
    using IRMutator::visit;

    Stmt visit(const Block *op) override {
        std::vector<Stmt> stmts = block_statements(op);
        for (auto &s : stmts) s = mutate(s);
        std::vector<Stmt> out;
        for (size_t i = 0; i < stmts.size();) {
            size_t j = i;
            if (plain_store(stmts[i])) {
                const std::string &buffer = stmts[i].as<Store>()->name;
                while (j < stmts.size() && j - i < kGroup && plain_store(stmts[j]) && stmts[j].as<Store>()->name == buffer) j++;
            }
            if (j - i < 2) {
                out.push_back(stmts[i]);
                i++;
                continue;
            }
            out.push_back(interleave(std::vector<Stmt>(stmts.begin() + i, stmts.begin() + j)));
            i = j;
        }
        return Block::make(out);
    }

    Stmt interleave(const std::vector<Stmt> &run) {
        const std::string buffer = run.front().as<Store>()->name;
        for (const auto &s : run) {
            ReadsBuffer r(buffer);
            s.accept(&r);
            if (r.reads) return Block::make(run);  // a store may feed a later load
        }
        std::vector<Lifted> lifted;
        std::vector<Stmt> stores;
        for (size_t k = 0; k < run.size(); k++) {
            const Store *st = run[k].as<Store>();
            LiftLoads lift(lifted, k, counter_);
            stores.push_back(Store::make(st->name, lift.mutate(st->value), st->index, st->param, st->predicate,
                                         st->alignment));
        }
        if (lifted.size() < 2) return Block::make(run);
        std::stable_sort(lifted.begin(), lifted.end(),
                         [](const Lifted &a, const Lifted &b) { return a.depth < b.depth; });
        Stmt body = Block::make(stores);
        for (auto l = lifted.rbegin(); l != lifted.rend(); ++l) body = LetStmt::make(l->name, l->load, body);
        groups++;
        return body;
    }
};

}  // namespace

Stmt interleave_unrolled_stores(const Stmt &s, int *groups) {
    Interleave pass;
    Stmt out = pass.mutate(s);
    if (groups) *groups = pass.groups;
    return out;
}

}  // namespace halyard
