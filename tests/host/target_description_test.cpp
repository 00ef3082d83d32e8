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

TEST(TargetDescription, TypedHardwareKeys) {
    auto cluster = TargetDescription::named("cluster");
    auto host = TargetDescription::named("host");
    auto rv32 = TargetDescription::named("rv32");
    EXPECT_EQ(cluster.dma_beat_bytes(), 8);
    EXPECT_EQ(cluster.arena_align_bytes(), 8);
    EXPECT_EQ(cluster.l1_bank_bytes(), 4);
    EXPECT_EQ(host.arena_align_bytes(), cluster.arena_align_bytes());  // the same arena layout everywhere
    EXPECT_TRUE(cluster.has_cluster_runtime());
    EXPECT_FALSE(host.has_cluster_runtime());
    EXPECT_FALSE(rv32.has_cluster_runtime());
    EXPECT_NE(cluster.to_sv_package().find("localparam longint unsigned L1_BANK_BYTES = 64'd4;"), std::string::npos);
    EXPECT_NE(cluster.to_sv_package().find("localparam longint unsigned DMA_BYTES_PER_CYCLE = 64'd8;"), std::string::npos);
}

TEST(TargetDescription, BadHardwareWidthsAreNamed) {
    std::string dir = halyard::harness::scratch_dir();
    auto load_error = [&](const std::string &name, const std::string &extra) {
        const std::string path = dir + "/" + name;
        std::ofstream(path) << "target w\nisa rv32im\ncores 1\nl1.size 1024\nl2.size 1024\n" << extra;
        try {
            TargetDescription::load(path);
        } catch (const TargetError &e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(load_error("bank.target", "l1.bank_bytes 3\n").find("bank.target:6: key 'l1.bank_bytes' = 3 must be a power of two"),
              std::string::npos);
    EXPECT_NE(load_error("beat.target", "dma.bytes_per_cycle 12\n")
                  .find("beat.target:6: key 'dma.bytes_per_cycle' = 12 must be a power of two"),
              std::string::npos);
    EXPECT_NE(load_error("narrow.target", "l1.bank_bytes 8\ndma.bytes_per_cycle 4\n")
                  .find("narrow.target:7: key 'dma.bytes_per_cycle' = 4 is less than one L1 bank word (l1.bank_bytes = 8)"),
              std::string::npos);
    EXPECT_NE(load_error("zero.target", "l1.bank_bytes 0\n").find("key 'l1.bank_bytes' = 0 is outside 1..1024"),
              std::string::npos);
    // L2 -> L2 copies hold a third transfer id per core.
    EXPECT_NE(load_error("ids.target", "dma.present 1\ndma.max_outstanding 2\ndma.l2_to_l2 1\ndma.copy_min_bytes 64\n")
                  .find("ids.target:7: key 'dma.max_outstanding' = 2 is less than 3 transfer ids per core (cores = 1) "
                        "with dma.l2_to_l2 = 1"),
              std::string::npos);
    EXPECT_EQ(load_error("ids_ok.target", "dma.present 1\ndma.max_outstanding 3\ndma.l2_to_l2 1\ndma.copy_min_bytes 64\n"),
              "(no error)");
    EXPECT_NE(load_error("copy.target", "dma.present 1\ndma.max_outstanding 3\ndma.l2_to_l2 1\n")
                  .find("copy.target:8: dma.l2_to_l2 = 1 needs key 'dma.copy_min_bytes'"),
              std::string::npos);
    // A wide beat loads (the RTL could take it) but the compiler cannot align arenas to it.
    std::ofstream(dir + "/wide.target") << "target w\nisa rv32im\ncores 1\nl1.size 1024\nl2.size 1024\n"
                                           "dma.bytes_per_cycle 16\n";
    const auto wide = TargetDescription::load(dir + "/wide.target");
    try {
        wide.arena_align_bytes();
        ADD_FAILURE();
    } catch (const TargetError &e) {
        EXPECT_NE(std::string(e.what()).find("wide.target:6: key 'dma.bytes_per_cycle' = 16: arena slots are aligned"),
                  std::string::npos);
    }
    // A target without the key says which key is missing.
    std::ofstream(dir + "/bare.target") << "target b\nisa rv32im\ncores 1\nl1.size 1024\nl2.size 1024\n";
    try {
        TargetDescription::load(dir + "/bare.target").l1_bank_bytes();
        ADD_FAILURE();
    } catch (const TargetError &e) {
        EXPECT_NE(std::string(e.what()).find("bare.target: no key 'l1.bank_bytes'"), std::string::npos);
    }
}

TEST(TargetDescription, NpuWeightMemoryWindowIsChecked) {
    auto cluster = TargetDescription::named("cluster");
    EXPECT_EQ(cluster.npu_weight_mem_base(), 0x1D000000);
    EXPECT_EQ(cluster.npu_weight_mem_bytes(), 4 * 1024 * 1024);
    EXPECT_EQ(cluster.npu_weight_mem_port_bytes(), 32);
    EXPECT_NE(cluster.to_ld_script().find("__halyard_npu_weight_mem_base = 0x1D000000;"), std::string::npos);
    EXPECT_NE(cluster.to_c_header().find("#define HALYARD_NPU_WEIGHT_MEM_BYTES 4194304"), std::string::npos);
    std::string dir = halyard::harness::scratch_dir();
    // Lines 1..9 are the map below; the weight memory keys follow (line 10 on).
    auto load_error = [&](const std::string &name, const std::string &wmem) {
        const std::string path = dir + "/" + name;
        std::ofstream(path) << "target w\nisa rv32im\ncores 1\n"
                               "l1.base 0x10000000\nl1.size 262144\nl2.base 0x1C000000\nl2.size 2097152\n"
                               "periph.base 0x10200000\nperiph.size 0x10000\n"
                            << wmem;
        try {
            TargetDescription::load(path);
        } catch (const TargetError &e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    const std::string ok = "npu.weight_mem_port_bytes 32\nnpu.weight_mem_latency 10\n";
    EXPECT_EQ(load_error("wm_ok.target", "npu.weight_mem_base 0x1D000000\nnpu.weight_mem_bytes 4194304\n" + ok),
              "(no error)");
    EXPECT_EQ(load_error("wm_none.target", "npu.weight_mem_bytes 0\n"), "(no error)");  // no window, no other keys
    EXPECT_NE(load_error("wm_size.target", "npu.weight_mem_base 0x1D000000\nnpu.weight_mem_bytes 3000000\n" + ok)
                  .find("wm_size.target:11: key 'npu.weight_mem_bytes' = 3000000 must be 0 (no weight memory) or a power of two"),
              std::string::npos);
    EXPECT_NE(load_error("wm_align.target", "npu.weight_mem_base 0x1D000800\nnpu.weight_mem_bytes 4096\n" + ok)
                  .find("wm_align.target:10: key 'npu.weight_mem_base' = 0x1D000800 must be a multiple of 4 KiB"),
              std::string::npos);
    EXPECT_NE(load_error("wm_port.target", "npu.weight_mem_base 0x1D000000\nnpu.weight_mem_bytes 4096\n"
                                           "npu.weight_mem_port_bytes 12\nnpu.weight_mem_latency 10\n")
                  .find("wm_port.target:12: key 'npu.weight_mem_port_bytes' = 12 must be a power of two, 4..1024"),
              std::string::npos);
    EXPECT_NE(load_error("wm_port2.target", "npu.weight_mem_base 0x1D000000\nnpu.weight_mem_bytes 4096\n"
                                            "npu.weight_mem_port_bytes 2\nnpu.weight_mem_latency 10\n")
                  .find("key 'npu.weight_mem_port_bytes' = 2 must be a power of two"),
              std::string::npos);
    EXPECT_NE(load_error("wm_l2.target", "npu.weight_mem_base 0x1C100000\nnpu.weight_mem_bytes 1048576\n" + ok)
                  .find("wm_l2.target:10: key 'npu.weight_mem_base' = 0x1C100000 with npu.weight_mem_bytes = 1048576 "
                        "(0x1C100000..0x1C1FFFFF) overlaps L2 (l2.base 0x1C000000, l2.size 2097152)"),
              std::string::npos);
    EXPECT_NE(load_error("wm_l1.target", "npu.weight_mem_base 0x10000000\nnpu.weight_mem_bytes 4096\n" + ok)
                  .find("overlaps L1 (l1.base 0x10000000, l1.size 262144)"),
              std::string::npos);
    EXPECT_NE(load_error("wm_periph.target", "npu.weight_mem_base 0x10000000\nnpu.weight_mem_bytes 67108864\n" + ok)
                  .find("overlaps L1"),  // the first window it overlaps
              std::string::npos);
    EXPECT_NE(load_error("wm_periph2.target", "npu.weight_mem_base 0x10200000\nnpu.weight_mem_bytes 4096\n" + ok)
                  .find("overlaps the peripherals (periph.base 0x10200000, periph.size 0x10000)"),
              std::string::npos);
    EXPECT_NE(load_error("wm_top.target", "npu.weight_mem_base 0xFFFFF000\nnpu.weight_mem_bytes 8192\n" + ok)
                  .find("key 'npu.weight_mem_base' = 0xFFFFF000 with npu.weight_mem_bytes = 8192 runs past the 32-bit address space"),
              std::string::npos);
    EXPECT_NE(load_error("wm_key.target", "npu.weight_mem_base 0x1D000000\nnpu.weight_mem_bytes 4096\n")
                  .find("wm_key.target:11: npu.weight_mem_bytes = 4096 needs key 'npu.weight_mem_port_bytes'"),
              std::string::npos);
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
