#include "split_loops_over_cores.h"

#include "halyard/dsl/types.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

class FindParallelLoops : public IRVisitor {
public:
    FindParallelLoops(const SchedulePlan &plan) : plan_(plan) {}
    std::vector<std::string> found;

private:
    using IRVisitor::visit;
    const SchedulePlan &plan_;
    void visit(const For *op) override {
        for (const auto &[stage, loop] : plan_.parallel_loops) {
            if (loop_matches(op->name, stage, loop)) {
                found.push_back(op->name + " (extent " + (op->extent.as<IntImm>() ? std::to_string(op->extent.as<IntImm>()->value) : std::string("variable")) + ")");
            }
        }
        IRVisitor::visit(op);
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
    return rest == loop || (rest.size() > loop.size() && rest.compare(rest.size() - loop.size() - 1, std::string::npos, "." + loop) == 0);
}

Stmt split_loops_over_cores(const Stmt &s, const SchedulePlan &plan, const TargetDescription &target,
                            CoreSplitReport *report) {
    FindParallelLoops finder(plan);
    s.accept(&finder);
    for (const auto &[stage, loop] : plan.parallel_loops) {
        bool any = false;
        for (const auto &f : finder.found) any |= loop_matches(f.substr(0, f.find(' ')), stage, loop);
        if (!any) {
            // Halide drops loops of extent 1: nothing to split.
            report->lines.push_back("parallel " + display_name(stage) + "." + loop + ": extent 1 after lowering, runs once");
        }
    }
    if (target.cores() > 1 && !plan.parallel_loops.empty()) {
        throw UserError("target " + target.name() + " has " + std::to_string(target.cores()) +
                        " cores, but this backend has no fork/join code generation for it yet; "
                        "parallel loops would run on one core");
    }
    for (const auto &f : finder.found) {
        report->lines.push_back(display_name(f) + ": serial on target " + target.name() + " (1 core)");
    }
    return s;
}

}  // namespace halyard
