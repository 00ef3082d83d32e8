#include "halide_front_end.h"

#include "halyard/dsl/types.h"

namespace halyard {

HalideLowered lower_with_halide(const Algorithm &algo, const std::string &name) {
    using namespace Halide;
    // The same Halide target for host, rv32 and cluster: the printed C must be
    // identical wherever it runs, and 32-bit indexing matches the cluster.
    Target t(Target::NoOS, Target::RISCV, 32, {Target::NoRuntime, Target::NoAsserts, Target::NoBoundsQuery});
    std::vector<Argument> args;
    for (const auto &in : algo.inputs) args.push_back(in.param);
    Pipeline p(algo.output_stage().func);
    auto lower = [&]() {
        try {
            return p.compile_to_module(args, name, t);
        } catch (const Halide::Error &e) {
            throw UserError("op " + algo.op + ": Halide could not lower the scheduled algorithm: " + e.what());
        }
    };
    Module m = lower();
    for (const auto &f : m.functions()) {
        if (f.name == name) return {f.body, f.args};
    }
    throw UserError("op " + algo.op + ": Halide produced no function named " + name);
}

}  // namespace halyard
