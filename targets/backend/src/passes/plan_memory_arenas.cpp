#include "plan_memory_arenas.h"

#include <sstream>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

constexpr int64_t kMaxRegBytes = 1024;  // core-local buffers live on the core's stack

class ArenaPlanner : public IRVisitor {
public:
    ArenaPlanner(const SchedulePlan &plan, const std::string &op, const std::set<std::string> &doubled,
                 const std::map<std::string, MemLevel> &extra, int64_t align)
        : plan_(plan), op_(op), doubled_(doubled), extra_(extra), align_(align) {}
    ArenaPlan result;

private:
    using IRVisitor::visit;
    const SchedulePlan &plan_;
    std::string op_;
    const std::set<std::string> &doubled_;
    const std::map<std::string, MemLevel> &extra_;
    const int64_t align_;      // arena slot alignment (the target's DMA beat)
    int64_t top_[2] = {0, 0};  // [L1, L2] current stack tops
    int team_ = 1;             // cores sharing the code we are in

    void visit(const For *op) override {
        if (op->for_type != ForType::Parallel) return IRVisitor::visit(op);
        const IntImm *n = op->extent.as<IntImm>();
        int saved = team_;
        team_ = n ? (int)n->value : 1;
        IRVisitor::visit(op);
        team_ = saved;
    }

    void visit(const Allocate *op) override {
        int64_t elems = 1;
        for (const Expr &e : op->extents) {
            const Expr extent = simplify(e);  // keeps the IntImm alive
            const IntImm *c = extent.as<IntImm>();
            if (!c) {
                throw UserError("op " + op_ + ": buffer " + display_name(op->name) +
                                " has a size that depends on loop variables; give its stage constant tile sizes");
            }
            elems *= c->value;
        }
        ArenaBuffer b;
        b.name = op->name;
        b.align = align_;
        b.bytes = elems * op->type.bytes();
        auto it = plan_.buffer_memory.find(op->name);
        b.level = it == plan_.buffer_memory.end() ? MemLevel::L2 : it->second;
        if (extra_.count(op->name)) b.level = extra_.at(op->name);
        for (const auto &s : plan_.staged_inputs) {
            if (s.buffer == op->name && s.double_buffer) {
                if (doubled_.count(op->name)) {
                    b.bytes /= 2;  // the DMA pass allocated both slots
                }
                b.copies = 2;
            }
        }
        b.per_core = team_;
        if (b.level == MemLevel::Reg) {
            if (b.bytes > kMaxRegBytes) {
                throw UserError("op " + op_ + ": buffer " + display_name(op->name) + " is scheduled in reg (core-local) but needs " +
                                std::to_string(b.bytes) + " bytes; the limit is " + std::to_string(kMaxRegBytes) +
                                " (use L1 or L2, or a smaller tile)");
            }
            result.reg_bytes = std::max(result.reg_bytes, b.bytes);
            result.buffers.push_back(b);
            op->body.accept(this);
            return;
        }
        int level = b.level == MemLevel::L1 ? 0 : 1;
        int64_t saved = top_[level];
        b.offset = top_[level];
        top_[level] += b.slot_bytes() * b.per_core;
        int64_t &peak = level == 0 ? result.l1_bytes : result.l2_bytes;
        peak = std::max(peak, top_[level]);
        result.buffers.push_back(b);
        op->body.accept(this);
        top_[level] = saved;
    }
};

std::string list_buffers(const ArenaPlan &p, MemLevel level) {
    std::ostringstream os;
    bool first = true;
    for (const auto &b : p.buffers) {
        if (b.level != level) continue;
        os << (first ? "" : ", ") << display_name(b.name) << " " << b.bytes << " B";
        if (b.copies > 1) os << " x" << b.copies << " (double-buffered)";
        if (b.per_core > 1) os << " x" << b.per_core << " cores";
        os << " at offset " << b.offset;
        first = false;
    }
    return os.str();
}

}  // namespace

ArenaPlan plan_memory_arenas(const Stmt &s, const SchedulePlan &plan, const TargetDescription &target,
                             const std::string &op, const std::set<std::string> &already_doubled,
                             const std::map<std::string, MemLevel> &extra_levels) {
    ArenaPlanner planner(plan, op, already_doubled, extra_levels, target.arena_align_bytes());
    s.accept(&planner);
    ArenaPlan &p = planner.result;
    // L1 also holds the cores' stacks (the runtime puts them there); a
    // network compiled with an L1 budget (`l1.budget`) gets less.
    const int64_t stack = target.stack_bytes();
    const int64_t l1_for_data = target.l1_data_budget();
    if (p.l1_bytes > l1_for_data) {
        const std::string why = target.has("l1.budget") && l1_for_data < target.l1_size() - target.cores() * stack
                                    ? "the L1 budget l1.budget = " + target.get("l1.budget")
                                    : "L1 " + std::to_string(target.l1_size()) + " minus " +
                                          std::to_string(target.cores()) + " x " + std::to_string(stack) + " stack";
        throw MemoryOverflowError("op " + op + ": the schedule needs " + std::to_string(p.l1_bytes) + " bytes of L1 but target " +
                        target.name() + " has " + std::to_string(l1_for_data) + " for data (" + why +
                        "); L1 buffers: " + list_buffers(p, MemLevel::L1));
    }
    if (p.l2_bytes > target.l2_size()) {
        throw UserError("op " + op + ": the schedule needs " + std::to_string(p.l2_bytes) + " bytes of L2 arena but target " +
                        target.name() + " has " + std::to_string(target.l2_size()) +
                        "; L2 buffers: " + list_buffers(p, MemLevel::L2));
    }
    return p;
}

const ArenaBuffer *ArenaPlan::find(const std::string &name) const {
    for (const auto &b : buffers) {
        if (b.name == name) return &b;
    }
    return nullptr;
}

}  // namespace halyard
