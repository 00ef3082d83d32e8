// Every micro-kernel of the registry, built for the host (its portable C
// path), equals its reference loop nest (micro_kernel_check.h). The cluster
// build (the Xpulp path) is tests/cluster_kernels/micro_kernels_on_cluster_test.cpp.
#include <fstream>

#include <gtest/gtest.h>

#include "halyard/harness/harness.h"
#include "micro_kernel_check.h"

namespace halyard {
namespace {

TEST(MicroKernels, RegistryEntriesAreWellFormed) {
    ASSERT_FALSE(micro_kernel_registry().empty());
    for (const auto &mk : micro_kernel_registry()) {
        EXPECT_EQ(find_micro_kernel(mk.name), &mk);
        EXPECT_EQ(find_micro_kernel_by_symbol(mk.c_symbol), &mk);
        EXPECT_GT(mk.rows, 0);
        EXPECT_GT(mk.cols, 0);
        EXPECT_FALSE(mk.header.empty());
        EXPECT_FALSE(mk.ops.empty());
        std::ifstream header(std::string(HALYARD_KERNELS_INCLUDE_DIR) + "/" + mk.header);
        const std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
        EXPECT_NE(text.find(mk.c_symbol + "("), std::string::npos) << mk.header << " lacks " << mk.c_symbol;
        if (!mk.requant_c_symbol.empty()) {
            EXPECT_EQ(find_micro_kernel_by_symbol(mk.requant_c_symbol), &mk);
            EXPECT_NE(text.find(mk.requant_c_symbol + "("), std::string::npos) << mk.header << " lacks " << mk.requant_c_symbol;
        }
    }
    EXPECT_EQ(find_micro_kernel("no_such_kernel"), nullptr);
}

TEST(MicroKernels, PortablePathEqualsTheReferenceLoopNest) {
    for (const auto &mk : micro_kernel_registry()) {
        SCOPED_TRACE(mk.name);
        const auto data = test::kernel_data(mk, 7);
        const std::string dir = harness::scratch_dir();
        std::ofstream(dir + "/main.c") << test::kernel_program(mk, data, false);
        auto b = harness::build_host_program({dir + "/main.c"}, {HALYARD_KERNELS_INCLUDE_DIR, HALYARD_XPULP_INCLUDE_DIR},
                                             dir + "/kernel_check");
        ASSERT_TRUE(b.ok) << b.log;
        auto r = harness::run_command(harness::shell_quote(dir + "/kernel_check"));
        ASSERT_TRUE(r.ok) << r.log;
        EXPECT_EQ(r.log, test::kernel_expected(mk, data));
    }
}

TEST(MicroKernels, RequantizingVariantsEqualTheirReference) {
    int variants = 0;
    for (const auto &mk : micro_kernel_registry()) {
        if (mk.requant_c_symbol.empty()) continue;
        SCOPED_TRACE(mk.requant_c_symbol);
        variants++;
        const auto data = test::kernel_data(mk, 9);
        const std::string dir = harness::scratch_dir();
        std::ofstream(dir + "/main.c") << test::requant_program(mk, data, false);
        auto b = harness::build_host_program({dir + "/main.c"}, {HALYARD_KERNELS_INCLUDE_DIR, HALYARD_XPULP_INCLUDE_DIR},
                                             dir + "/requant_check");
        ASSERT_TRUE(b.ok) << b.log;
        auto r = harness::run_command(harness::shell_quote(dir + "/requant_check"));
        ASSERT_TRUE(r.ok) << r.log;
        EXPECT_EQ(r.log, test::requant_expected(mk, data));
    }
    EXPECT_GT(variants, 0);
}

}  // namespace
}  // namespace halyard
