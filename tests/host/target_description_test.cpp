// The target description: one file per target, includes, typed access, and
// the renderings the runtime and RTL consume.
#include <fstream>

#include <gtest/gtest.h>

#include "halyard/harness/harness.h"
#include "halyard/target_description.h"

using namespace halyard;

TEST(TargetDescription, BuiltInsShareTheClusterMemoryHierarchy) {
    auto cluster = TargetDescription::named("cluster");
    auto host = TargetDescription::named("host");
    auto rv32 = TargetDescription::named("rv32");
    EXPECT_EQ(cluster.cores(), 8);
    EXPECT_EQ(cluster.l1_size(), 256 * 1024);
    EXPECT_EQ(cluster.l2_size(), 2 * 1024 * 1024);
    EXPECT_TRUE(cluster.has_extension("xpulpv2"));
    EXPECT_EQ(host.cores(), 1);
    EXPECT_TRUE(host.is_host());
    EXPECT_EQ(host.l1_size(), cluster.l1_size());
    EXPECT_FALSE(rv32.has_extension("xpulpv2"));
    EXPECT_EQ(rv32.get("isa"), "rv32im");
}

TEST(TargetDescription, RenderingsCarryTheSameNumbers) {
    auto cluster = TargetDescription::named("cluster");
    EXPECT_NE(cluster.to_c_header().find("#define HALYARD_L1_SIZE 262144"), std::string::npos);
    EXPECT_NE(cluster.to_sv_package().find("localparam longint unsigned CORES = 64'd8;"), std::string::npos);
    EXPECT_NE(cluster.to_ld_script().find("__halyard_l2_base = 0x1C000000;"), std::string::npos);
}

TEST(TargetDescription, MalformedFilesAreNamed) {
    std::string dir = halyard::harness::scratch_dir();
    auto write = [&](const std::string &name, const std::string &text) {
        std::ofstream(dir + "/" + name) << text;
        return dir + "/" + name;
    };
    auto err = [](const std::string &path) {
        try {
            TargetDescription::load(path);
        } catch (const TargetError &e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(err(write("a.target", "target a\nisa rv32im\ncores eight\nl1.size 1\nl2.size 1\n"))
                  .find("a.target:3: key 'cores' must be an integer, not 'eight'"),
              std::string::npos);
    EXPECT_NE(err(write("b.target", "target b\nisa\n")).find("b.target:2: key 'isa' has no value"), std::string::npos);
    EXPECT_NE(err(write("c.target", "target c\nisa rv32im\n")).find("missing required key 'cores'"),
              std::string::npos);
    EXPECT_NE(err(write("d.target", "include nowhere.target\n")).find("cannot open target description"),
              std::string::npos);
    try {
        TargetDescription::named("vax");
        ADD_FAILURE();
    } catch (const TargetError &e) {
        EXPECT_NE(std::string(e.what()).find("unknown target 'vax'"), std::string::npos);
    }
}
