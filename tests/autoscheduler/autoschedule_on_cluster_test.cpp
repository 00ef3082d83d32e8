// The autoscheduler end to end on the Verilator model: a small GEMM and a
// row-wise layer (iRMSNorm) searched, the best K=2 and the hand default
// measured; the winner is bit-exact (the measurement compares every output
// with the host build) and the expected data itself equals the independent
// reference (tests/reference). The schedule file reads back and generates.
#include <gtest/gtest.h>

#include "halyard/autoscheduler/search.h"
#include "halyard_ref/ops.h"

using namespace halyard;
using namespace halyard::autoschedule;

namespace {

halyard_ref::Tensor tensor(const harness::SimInput &in, std::vector<int64_t> shape) { return {shape, in.values}; }

AutoscheduleResult run(const std::string &family, const std::map<std::string, std::string> &params) {
    SearchOptions o;
    o.seed = 5;
    o.population = 24;
    o.generations = 10;
    o.budget_seconds = 120;
    LaunchOptions launch;  // local pool, one job
    AutoscheduleResult r = autoschedule_layer(family, params, TargetDescription::named("cluster"), o, 2, launch);
    EXPECT_EQ(r.search.valid.size() >= 2, true);
    for (int i = 0; i < 2 && i < (int)r.search.valid.size(); i++) {
        const Scored &s = r.search.valid[i];
        EXPECT_TRUE(s.measured);
        EXPECT_TRUE(s.measurement.ok) << s.description << "\n" << s.schedule_text << "\n" << s.measurement.error;
        std::cout << "[ autosched] " << family << ": predicted " << (int64_t)s.predicted.total << " measured "
                  << s.measurement.cycles << "  " << s.description << "\n";
    }
    EXPECT_TRUE(r.default_measurement.ok) << r.default_measurement.error;
    std::cout << "[ autosched] " << family << ": hand default measured " << r.default_measurement.cycles << "\n";
    // The written file is an ordinary schedule with the figures in comments.
    EXPECT_NE(r.schedule_file.find("measured"), std::string::npos) << r.schedule_file;
    Schedule s = Schedule::parse(r.schedule_file, family + ".sched");
    EXPECT_NO_THROW(run_generator(family, params, TargetDescription::named("cluster"), &s, "winner"));
    return r;
}

}  // namespace

TEST(AutoscheduleOnCluster, GemmWinnerBitExact) {
    const std::map<std::string, std::string> p = {{"M", "16"}, {"K", "64"}, {"N", "32"}, {"trans_b", "1"}};
    run("gemm", p);
    // The data the measurement checked against is the reference's GEMM.
    LayerData d = make_layer_data("gemm", p, 5);
    halyard_ref::Tensor y = halyard_ref::gemm(tensor(d.inputs[0], {16, 64}), tensor(d.inputs[1], {32, 64}), nullptr, 1, 1,
                                              false, true);
    EXPECT_EQ(y.data, d.expected);
}

TEST(AutoscheduleOnCluster, RowWiseWinnerBitExact) {
    const std::map<std::string, std::string> p = {{"shape", "16x64"}};
    run("irmsnorm", p);
    LayerData d = make_layer_data("irmsnorm", p, 5);
    halyard_ref::Tensor y = halyard_ref::irmsnorm(tensor(d.inputs[0], {16, 64}), tensor(d.inputs[1], {64}), 16, 256);
    EXPECT_EQ(y.data, d.expected);
}
