// Every micro-kernel of the registry, built for the cluster (its Xpulp path:
// hardware loops, post-increment loads, pv.sdotsp.b) and run on the Verilator
// model, equals its reference loop nest (tests/host/micro_kernel_check.h).
#include <fstream>

#include <gtest/gtest.h>

#include "halyard/harness/harness.h"
#include "micro_kernel_check.h"

namespace halyard {
namespace {

TEST(MicroKernelsOnCluster, XpulpPathEqualsTheReferenceLoopNest) {
    for (const auto &mk : micro_kernel_registry()) {
        SCOPED_TRACE(mk.name);
        const auto data = test::kernel_data(mk, 11);
        const std::string dir = harness::scratch_dir();
        std::ofstream(dir + "/main.c") << test::kernel_program(mk, data, true);
        auto b = harness::build_cluster_program({dir + "/main.c"}, {}, dir + "/kernel_check.elf");
        ASSERT_TRUE(b.ok) << b.log;
        auto r = harness::simulate(dir + "/kernel_check.elf", 50000000, "--quiet");
        ASSERT_TRUE(r.ok) << r.log;
        EXPECT_EQ(r.log, test::kernel_expected(mk, data));
    }
}

TEST(MicroKernelsOnCluster, RequantizingVariantsEqualTheirReference) {
    int variants = 0;
    for (const auto &mk : micro_kernel_registry()) {
        if (mk.requant_c_symbol.empty()) continue;
        SCOPED_TRACE(mk.requant_c_symbol);
        variants++;
        const auto data = test::kernel_data(mk, 13);
        const std::string dir = harness::scratch_dir();
        std::ofstream(dir + "/main.c") << test::requant_program(mk, data, true);
        auto b = harness::build_cluster_program({dir + "/main.c"}, {}, dir + "/requant_check.elf");
        ASSERT_TRUE(b.ok) << b.log;
        auto r = harness::simulate(dir + "/requant_check.elf", 50000000, "--quiet");
        ASSERT_TRUE(r.ok) << r.log;
        EXPECT_EQ(r.log, test::requant_expected(mk, data));
    }
    EXPECT_GT(variants, 0);
}

}  // namespace
}  // namespace halyard
