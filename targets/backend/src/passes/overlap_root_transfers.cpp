#include "overlap_root_transfers.h"

#include <set>

#include "buffers_named.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// hl_dma_wait(hl_stage_*(dst, src, ...)) as one statement: the start call.
const Call *synchronous_transfer(const Stmt &s) {
    const Evaluate *e = s.as<Evaluate>();
    const Call *wait = e ? e->value.as<Call>() : nullptr;
    if (!wait || wait->name != "hl_dma_wait" || wait->args.size() != 1) return nullptr;
    const Call *start = wait->args[0].as<Call>();
    if (!start || start->name.rfind("hl_stage", 0) != 0 || start->args.size() < 2) return nullptr;
    return start;
}

class Overlap : public IRMutator {
public:
    explicit Overlap(int64_t max_outstanding) : max_(max_outstanding) {}
    int overlapped = 0;

private:
    using IRMutator::visit;

    struct Pending {
        std::string id;
        Type type;
    };

    // The start of the transfer a Block begins with: the statement itself or
    // the "produce" marker around it.
    static const Call *leading_transfer(const Block *b) {
        if (const Call *c = synchronous_transfer(b->first)) return c;
        if (const ProducerConsumer *pc = b->first.as<ProducerConsumer>()) {
            if (pc->is_producer) return synchronous_transfer(pc->body);
        }
        return nullptr;
    }

    // `s` with its leading transfers started as lets and their waits put in
    // front of the first statement that is not a transfer or a declaration.
    Stmt chain(const Stmt &s, std::vector<Pending> &pending, std::set<std::string> &written,
               std::set<std::string> &read) {
        if (const Allocate *a = s.as<Allocate>()) {
            return Allocate::make(a->name, a->type, a->memory_type, a->extents, a->condition,
                                  chain(a->body, pending, written, read), a->new_expr, a->free_function);
        }
        if (const ProducerConsumer *pc = s.as<ProducerConsumer>(); pc && !pc->is_producer) {
            return ProducerConsumer::make(pc->name, false, chain(pc->body, pending, written, read));
        }
        if (const Block *b = s.as<Block>()) {
            const Call *start = leading_transfer(b);
            if (start && (int64_t)pending.size() < max_) {
                const auto dst = buffers_named(start->args[0]), src = buffers_named(start->args[1]);
                bool independent = true;
                for (const auto &d : dst) independent = independent && !written.count(d) && !read.count(d);
                for (const auto &r : src) independent = independent && !written.count(r);
                if (independent) {
                    written.insert(dst.begin(), dst.end());
                    read.insert(src.begin(), src.end());
                    const std::string id = unique_name("hl_transfer");
                    pending.push_back({id, start->type});
                    return LetStmt::make(id, Expr(start), chain(b->rest, pending, written, read));
                }
            }
        }
        // The first statement that does something: every pending wait before it.
        Stmt body = mutate(s);
        for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
            Stmt w = Evaluate::make(Call::make(Int(32), "hl_dma_wait", {Variable::make(it->type, it->id)}, Call::Extern));
            body = Block::make(w, body);
        }
        if (pending.size() > 1) overlapped += (int)pending.size();
        pending.clear();
        return body;
    }

    Stmt visit(const Block *op) override {
        if (loop_depth_ == 0 && leading_transfer(op)) {
            std::vector<Pending> pending;
            std::set<std::string> written, read;
            return chain(Stmt(op), pending, written, read);
        }
        return IRMutator::visit(op);
    }
    Stmt visit(const For *op) override {
        loop_depth_++;
        Stmt s = IRMutator::visit(op);
        loop_depth_--;
        return s;
    }

    int64_t max_;
    int loop_depth_ = 0;
};

}  // namespace

Stmt overlap_root_transfers(const Stmt &s, int64_t max_outstanding, int *overlapped) {
    Overlap o(std::max<int64_t>(1, max_outstanding));
    Stmt out = o.mutate(s);
    if (overlapped) *overlapped = o.overlapped;
    return out;
}

}  // namespace halyard
