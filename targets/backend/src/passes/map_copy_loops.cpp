#include "map_copy_loops.h"

#include <optional>
#include <sstream>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

constexpr const char *kCopySymbol = "hy_copy";

// Coefficient of loop variable `v` in `e`, if it is a constant.
std::optional<int64_t> stride_in(const Expr &e, const std::string &v) {
    const Expr step = simplify(substitute(v, Variable::make(Int(32), v) + 1, e) - e);
    const IntImm *c = step.as<IntImm>();
    if (!c) return std::nullopt;
    return c->value;
}

Expr address(const std::string &buf, Type t, const Expr &index) {
    return Call::make(Handle(), "hy_address_of",
                      {Load::make(t, buf, index, Buffer<>(), Parameter(), const_true(), ModulusRemainder())},
                      Call::PureExtern);
}

// A copy already found inside the loop: dst[d_index] .. (bytes), src[s_index] ..
struct Copy {
    std::string dst, src;
    Type type;
    Expr d_index, s_index, bytes;
};

std::optional<Copy> as_copy(const Stmt &s) {
    if (const Store *st = s.as<Store>()) {
        const Load *l = st->value.as<Load>();
        if (!l || l->name == st->name || l->type != st->value.type() || !l->type.is_scalar() ||
            !is_const_one(st->predicate) || !is_const_one(l->predicate)) {
            return std::nullopt;
        }
        return Copy{st->name, l->name, l->type, st->index, l->index, make_const(Int(32), l->type.bytes())};
    }
    const Evaluate *ev = s.as<Evaluate>();
    const Call *c = ev ? ev->value.as<Call>() : nullptr;
    if (!c || c->name != kCopySymbol) return std::nullopt;
    const Call *d = c->args[0].as<Call>(), *src = c->args[1].as<Call>();
    const Load *dl = d ? d->args[0].as<Load>() : nullptr, *sl = src ? src->args[0].as<Load>() : nullptr;
    if (!dl || !sl) return std::nullopt;
    return Copy{dl->name, sl->name, dl->type, dl->index, sl->index, c->args[2]};
}

class MapCopies : public IRMutator {
    using IRMutator::visit;

    Stmt visit(const For *op) override {
        Stmt body = mutate(op->body);
        auto copy = op->for_type == ForType::Serial ? as_copy(body) : std::nullopt;
        if (copy) {
            const int64_t elem = copy->type.bytes();
            const auto ds = stride_in(copy->d_index, op->name), ss = stride_in(copy->s_index, op->name);
            // Each iteration copies `bytes`; the next one starts right after it
            // in both buffers (the innermost: one element, stride 1).
            const Expr step_elems = simplify(copy->bytes / (int)elem);
            if (ds && ss && *ds == *ss && *ds > 0 && can_prove(step_elems == (int)*ds) &&
                can_prove(copy->bytes % (int)elem == 0) && !expr_uses_var(copy->bytes, op->name)) {
                const Expr d0 = simplify(substitute(op->name, op->min, copy->d_index));
                const Expr s0 = simplify(substitute(op->name, op->min, copy->s_index));
                const Expr bytes = simplify(copy->bytes * max(op->extent, 0));
                return Evaluate::make(Call::make(Int(32), kCopySymbol,
                                                 {address(copy->dst, copy->type, d0), address(copy->src, copy->type, s0),
                                                  bytes},
                                                 Call::Extern));
            }
        }
        if (body.same_as(op->body)) return op;
        return For::make(op->name, op->min, op->extent, op->for_type, op->device_api, body);
    }
};

// One report line per hy_copy call left in the statement (one per nest).
class ReportCopies : public IRVisitor {
public:
    explicit ReportCopies(CopyReport *report) : report_(report) {}

private:
    using IRVisitor::visit;
    void visit(const Call *op) override {
        IRVisitor::visit(op);
        if (op->name != kCopySymbol) return;
        const Load *d = op->args[0].as<Call>()->args[0].as<Load>();
        const Load *s = op->args[1].as<Call>()->args[0].as<Load>();
        std::ostringstream line;
        line << d->name << " <- " << s->name << ": a contiguous copy loop nest became hy_copy(";
        if (const IntImm *n = op->args[2].as<IntImm>()) {
            line << n->value << " B)";
        } else {
            line << op->args[2] << " B)";
        }
        report_->lines.push_back(line.str());
    }
    CopyReport *report_;
};

}  // namespace

Stmt map_copy_loops(const Stmt &s, CopyReport *report) {
    MapCopies m;
    Stmt out = m.mutate(s);
    if (report) {
        ReportCopies r(report);
        out.accept(&r);
    }
    return out;
}

}  // namespace halyard
