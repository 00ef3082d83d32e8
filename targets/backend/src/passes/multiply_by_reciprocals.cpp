#include "multiply_by_reciprocals.h"

#include <set>
#include <string>
#include <vector>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// Divisions a loop must do for the magic (about 60 cycles) to pay off.
constexpr int64_t kMinDivisions = 16;

// Names a statement binds: loop variables and lets.
class BoundNames : public IRVisitor {
public:
    std::set<std::string> names;

private:
    using IRVisitor::visit;
    void visit(const For *op) override {
        names.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const LetStmt *op) override {
        names.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const Let *op) override {
        names.insert(op->name);
        IRVisitor::visit(op);
    }
};

// Whether e is arithmetic on variables none of which is in `bound` (no loads, no calls).
class Invariant : public IRVisitor {
public:
    explicit Invariant(const std::set<std::string> &bound) : bound_(bound) {}
    bool ok = true;

private:
    using IRVisitor::visit;
    const std::set<std::string> &bound_;
    void visit(const Variable *op) override {
        if (bound_.count(op->name)) ok = false;
    }
    void visit(const Load *) override { ok = false; }
    void visit(const Call *) override { ok = false; }
    void visit(const Let *) override { ok = false; }
};

bool is_int32_division(const Call *c) {
    return c->is_intrinsic(Call::div_round_to_zero) && c->type == Int(32) && c->args.size() == 2;
}

// The invariant divisors of a loop body, and how often it divides by them.
class Divisors : public IRVisitor {
public:
    explicit Divisors(const std::set<std::string> &bound) : bound_(bound) {}
    std::vector<std::pair<Expr, int>> found;

private:
    using IRVisitor::visit;
    const std::set<std::string> &bound_;
    void visit(const Call *op) override {
        IRVisitor::visit(op);
        if (!is_int32_division(op) || is_const(op->args[1])) return;
        Invariant inv(bound_);
        op->args[1].accept(&inv);
        if (!inv.ok) return;
        for (auto &f : found) {
            if (equal(f.first, op->args[1])) {
                f.second++;
                return;
            }
        }
        found.push_back({op->args[1], 1});
    }
    // A division inside an inner loop is that loop's to rewrite.
    void visit(const For *) override {}
};

class ReplaceDivisions : public IRMutator {
public:
    ReplaceDivisions(Expr divisor, Expr magic) : divisor_(std::move(divisor)), magic_(std::move(magic)) {}

private:
    using IRMutator::visit;
    Expr divisor_, magic_;
    Expr visit(const Call *op) override {
        Expr e = IRMutator::visit(op);
        const Call *c = e.as<Call>();
        if (c && is_int32_division(c) && equal(c->args[1], divisor_)) {
            return Call::make(Int(32), "hy_sdiv_apply", {c->args[0], magic_}, Call::Extern);
        }
        return e;
    }
    Stmt visit(const For *op) override { return op; }  // inner loops: theirs
};

class Rewrite : public IRMutator {
public:
    int loops = 0;

private:
    using IRMutator::visit;
    int next_ = 0;
    Stmt visit(const For *op) override {
        Stmt s = IRMutator::visit(op);  // inner loops first
        const For *loop = s.as<For>();
        const int64_t *extent = as_const_int(loop->extent);
        if (!extent || loop->for_type != ForType::Serial) return s;
        BoundNames bound;
        loop->body.accept(&bound);
        bound.names.insert(loop->name);
        Divisors divisors(bound.names);
        loop->body.accept(&divisors);
        Stmt body = loop->body;
        std::vector<std::pair<std::string, Expr>> magics;
        for (const auto &[d, count] : divisors.found) {
            if (*extent * count < kMinDivisions) continue;
            const std::string name = "hy_magic" + std::to_string(next_++);
            body = ReplaceDivisions(d, Variable::make(UInt(64), name)).mutate(body);
            magics.push_back({name, Call::make(UInt(64), "hy_sdiv_magic", {d}, Call::Extern)});
        }
        if (magics.empty()) return s;
        loops++;
        Stmt out = For::make(loop->name, loop->min, loop->extent, loop->for_type, loop->device_api, body);
        for (auto it = magics.rbegin(); it != magics.rend(); ++it) out = LetStmt::make(it->first, it->second, out);
        return out;
    }
};

}  // namespace

Stmt multiply_by_reciprocals(const Stmt &s, int *rewritten) {
    Rewrite r;
    Stmt out = r.mutate(s);
    *rewritten = r.loops;
    return out;
}

}  // namespace halyard
