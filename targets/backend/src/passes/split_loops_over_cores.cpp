#include "split_loops_over_cores.h"

#include "halyard/dsl/types.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

std::string extent_str(const Expr &e) {
    const IntImm *c = e.as<IntImm>();
    return c ? std::to_string(c->value) : std::string("variable");
}

class SplitOverCores : public IRMutator {
public:
    SplitOverCores(const SchedulePlan &plan, int cores, CoreSplitReport *report)
        : plan_(plan), cores_(cores), report_(report) {}
    std::set<std::string> found;

private:
    using IRMutator::visit;
    const SchedulePlan &plan_;
    int cores_;
    CoreSplitReport *report_;
    int depth_ = 0;  // parallel loops we are inside

    bool marked(const std::string &name) {
        for (const auto &[stage, loop] : plan_.parallel_loops) {
            if (loop_matches(name, stage, loop)) {
                found.insert(stage + "." + loop);
                return true;
            }
        }
        return false;
    }

    Stmt visit(const For *op) override {
        if (!marked(op->name)) return IRMutator::visit(op);
        if (cores_ == 1) {
            report_->lines.push_back(display_name(op->name) + " (extent " + extent_str(op->extent) +
                                     "): serial, the target has 1 core");
            return IRMutator::visit(op);
        }
        if (depth_ > 0) {
            throw UserError("parallel loop " + display_name(op->name) +
                            " is nested inside another parallel loop; split only one loop level over cores");
        }
        const IntImm *ext = op->extent.as<IntImm>();
        if (!ext) throw UserError("parallel loop " + display_name(op->name) + " has a non-constant extent");
        // Contiguous chunks, one per core: core c runs [min + c*chunk, min + min((c+1)*chunk, extent)).
        const int team = (int)std::min<int64_t>(cores_, ext->value);
        const int chunk = (int)((ext->value + team - 1) / team);
        depth_++;
        Stmt body = mutate(op->body);
        depth_--;
        const std::string core = op->name + ".core";
        Expr c = Variable::make(Int(32), core);
        Expr begin = op->min + c * chunk;
        Expr count = clamp(op->extent - c * chunk, 0, chunk);
        Stmt inner = For::make(op->name, simplify(begin), simplify(count), ForType::Serial, op->device_api, body);
        report_->lines.push_back(display_name(op->name) + " (extent " + std::to_string(ext->value) + "): split over " +
                                 std::to_string(team) + " cores, " + std::to_string(chunk) +
                                 " iteration(s) each; one fork/join (the join is the barrier)");
        return For::make(core, 0, team, ForType::Parallel, op->device_api, inner);
    }
};

}  // namespace

bool loop_matches(const std::string &name, const std::string &stage, const std::string &loop) {
    // "<stage>.s<digits>." prefix, then the loop name as the last component
    // (Halide keeps split history in the name: "Y.s0.m.m_o").
    if (name.compare(0, stage.size() + 2, stage + ".s") != 0) return false;
    size_t p = stage.size() + 2;
    if (p >= name.size() || !std::isdigit((unsigned char)name[p])) return false;
    while (p < name.size() && std::isdigit((unsigned char)name[p])) p++;
    if (p >= name.size() || name[p] != '.') return false;
    const std::string rest = name.substr(p + 1);
    return rest == loop ||
           (rest.size() > loop.size() && rest.compare(rest.size() - loop.size() - 1, std::string::npos, "." + loop) == 0);
}

Stmt split_loops_over_cores(const Stmt &s, const SchedulePlan &plan, const TargetDescription &target,
                            CoreSplitReport *report) {
    SplitOverCores splitter(plan, target.cores(), report);
    Stmt out = splitter.mutate(s);
    for (const auto &[stage, loop] : plan.parallel_loops) {
        if (!splitter.found.count(stage + "." + loop)) {
            // Halide drops loops of extent 1: nothing to split.
            report->lines.push_back("parallel " + display_name(stage) + "." + loop + ": extent 1 after lowering, runs once");
        }
    }
    return out;
}

}  // namespace halyard
