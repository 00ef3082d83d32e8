// Fuzz target: a schedule file (schedules/: Schedule::parse, then
// apply_schedule's validation and its Halide scheduling calls) against the
// demo's FFN up-projection GEMM, on the host and on the cluster target. The
// only error allowed is UserError.
#include <cstdint>
#include <string>

#include "halyard/dsl/ops.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace {

// apps/demo's layer: stages acc (int32) and Y, inputs X, W, bias, mul, add.
halyard::Algorithm ffn_up() {
    halyard::GemmSpec spec;
    spec.M = 16;
    spec.K = 64;
    spec.N = 256;
    spec.trans_b = true;
    spec.bias_shape = halyard::Shape{256};
    spec.requant = halyard::RequantParams{};
    spec.requant->mul_shape = {256};
    spec.requant->log2d = 12;
    return halyard::gemm(spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace halyard;
    static const TargetDescription host = TargetDescription::named("host");
    static const TargetDescription cluster = TargetDescription::named("cluster");
    Schedule schedule;
    try {
        schedule = Schedule::parse(std::string(reinterpret_cast<const char *>(data), size), "fuzz.sched");
        (void)schedule.to_text();
    } catch (const UserError &) {
        return 0;
    }
    for (const TargetDescription *target : {&host, &cluster}) {
        try {
            Algorithm algo = ffn_up();  // apply_schedule changes the Funcs: a fresh one each time
            (void)apply_schedule(algo, schedule, *target).describe();
        } catch (const UserError &) {
        }
    }
    return 0;
}
