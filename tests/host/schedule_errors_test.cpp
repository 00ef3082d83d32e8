// A schedule that cannot work is rejected when the library is generated, with
// a message naming the op, the stage/loop/buffer and the sizes.
#include <gtest/gtest.h>

#include "halyard/generator.h"

using namespace halyard;

namespace {

TargetDescription host() { return TargetDescription::named("host"); }

std::string error_of(const std::string &family, std::map<std::string, std::string> params, const Schedule &s,
                     const TargetDescription &target = host()) {
    try {
        run_generator(family, params, target, &s, "lib");
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no error)";
}

std::string parse_error(const std::string &text) {
    try {
        Schedule::parse(text, "my.sched");
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no error)";
}

const std::map<std::string, std::string> kGemm = {{"M", "20"}, {"N", "24"}, {"K", "64"}};

}  // namespace

TEST(ScheduleErrors, TileLargerThanDimension) {
    Schedule s;
    s.tile("Y", "m", 32);
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("op gemm"), std::string::npos) << e;
    EXPECT_NE(e.find("tile of 32 for loop m of stage Y exceeds its extent 20"), std::string::npos) << e;
}

TEST(ScheduleErrors, UnknownLoopName) {
    Schedule s;
    s.tile("Y", "q", 4);
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("unknown loop 'q' in stage Y (loops: m, n)"), std::string::npos) << e;
}

TEST(ScheduleErrors, UnknownStage) {
    Schedule s;
    s.memory("accumulator", MemLevel::L1);
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("unknown stage 'accumulator' (stages of gemm: acc, Y)"), std::string::npos) << e;
}

TEST(ScheduleErrors, L1BuffersExceedL1Size) {
    // 1024x1024 int32 accumulators (4 MiB) cannot live in a 256 KiB L1.
    Schedule s;
    s.compute_root("acc").memory("acc", MemLevel::L1);
    std::string e = error_of("gemm", {{"M", "1024"}, {"N", "1024"}, {"K", "8"}}, s);
    EXPECT_NE(e.find("op gemm: the schedule needs 4194304 bytes of L1 but target host has 260096"), std::string::npos)
        << e;
    EXPECT_NE(e.find("L1 buffers: acc 4194304 B"), std::string::npos) << e;
}

TEST(ScheduleErrors, L1OverflowOnTheClusterCountsEveryCore) {
    // 48 KiB per core of staged A rows fits L1 once, not for 8 cores.
    Schedule s;
    s.tile("Y", "m", 192).parallel("Y", "m_o").compute_at("acc", "Y", "n").memory("acc", MemLevel::Reg);
    s.stage_input("A", MemLevel::L1, "Y", "m_o", false);
    std::string e = error_of("gemm", {{"M", "1536"}, {"N", "8"}, {"K", "252"}}, s, TargetDescription::named("cluster"));
    EXPECT_NE(e.find("bytes of L1 but target cluster has 245760 for data (L1 262144 minus 8 x 2048 stack)"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("x8 cores"), std::string::npos) << e;
    EXPECT_EQ(error_of("gemm", {{"M", "1536"}, {"N", "8"}, {"K", "252"}}, s), "(no error)");  // host: one core
}

TEST(ScheduleErrors, DoubleBufferingCountsTwice) {
    // A 128x1024 int8 staged tile fits L1 once (128 KiB) but not twice plus B.
    Schedule s;
    s.compute_at("acc", "Y", "m");
    s.stage_input("A", MemLevel::L1, "Y", "m", true);
    s.stage_input("B", MemLevel::L1, "Y", "m", false);
    std::string e = error_of("gemm", {{"M", "4"}, {"N", "64"}, {"K", "2048"}, {"trans_a", "0"}}, s);
    EXPECT_EQ(e, "(no error)");  // 2 x 2 KiB + 128 KiB fits
    Schedule illegal;  // acc at root reads B outside Y's loops: no legal place for the copy
    illegal.stage_input("B", MemLevel::L1, "Y", "m", false);
    e = error_of("gemm", {{"M", "4"}, {"N", "64"}, {"K", "2048"}}, illegal);
    EXPECT_NE(e.find("is computed at the following invalid location"), std::string::npos) << e;
    Schedule big;
    big.compute_at("acc", "Y", "m");
    big.stage_input("B", MemLevel::L1, "Y", "m", true);
    e = error_of("gemm", {{"M", "4"}, {"N", "64"}, {"K", "2048"}}, big);
    EXPECT_NE(e.find("x2 (double-buffered)"), std::string::npos) << e;
    EXPECT_NE(e.find("bytes of L1 but target host has"), std::string::npos) << e;
}

TEST(ScheduleErrors, ParallelOverReductionLoop) {
    Schedule s;
    s.compute_root("acc").parallel("acc", "k");
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("loop k of stage acc is a reduction loop; only pure loops can be split over cores"),
              std::string::npos)
        << e;
}

TEST(ScheduleErrors, OrderMustListEveryLoop) {
    Schedule s;
    s.tile("Y", "m", 4).order("Y", {"m_o", "n"});
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("order for stage Y must list each of its loops once: m_o, m_i, n (got m_o, n)"), std::string::npos)
        << e;
}

TEST(ScheduleErrors, MicroKernelNeedsExtension) {
    Schedule s;
    s.kernel("acc", "gemm_int8_sdotp_4x2");
    std::string e = error_of("gemm", kGemm, s, TargetDescription::named("rv32"));
    EXPECT_NE(e.find("micro-kernel gemm_int8_sdotp_4x2 needs extension xpulpv2, which target rv32 lacks"),
              std::string::npos)
        << e;
    EXPECT_EQ(error_of("gemm", kGemm, s), "(no error)");  // host: checked, plain loops
    Schedule wrong;
    wrong.kernel("Y", "gemm_int8_sdotp_4x2");
    e = error_of("gemm", kGemm, wrong);
    EXPECT_NE(e.find("it does not fit stage Y of op gemm"), std::string::npos) << e;
}

TEST(ScheduleErrors, NpuMapping) {
    Schedule s;
    s.npu("acc");
    EXPECT_EQ(error_of("gemm", kGemm, s), "(no error)");  // host: checked, plain loops
    EXPECT_EQ(error_of("gemm", kGemm, s, TargetDescription::named("cluster")), "(no error)");
    std::string e = error_of("gemm", kGemm, s, TargetDescription::named("rv32"));
    EXPECT_NE(e.find("target rv32 has no NPU (npu mapping of stage acc)"), std::string::npos) << e;
    Schedule bad;
    bad.npu("y");
    e = error_of("requant_shift", {}, bad);
    EXPECT_NE(e.find("the NPU runs int8 GEMM/MatMul reductions; stage y of op requant_shift is not one"),
              std::string::npos)
        << e;
}

TEST(ScheduleErrors, NpuMapsTheReductionStage) {
    Schedule s;
    s.npu("Y");
    std::string e = error_of("gemm", kGemm, s, TargetDescription::named("cluster"));
    EXPECT_NE(e.find("stage Y of op gemm is not one (map the reduction stage; requant fuses into it)"),
              std::string::npos)
        << e;
    Schedule twice;
    twice.npu("acc").npu("acc");
    e = error_of("gemm", kGemm, twice, TargetDescription::named("cluster"));
    EXPECT_NE(e.find("stage acc is already mapped to the NPU"), std::string::npos) << e;
}

TEST(ScheduleErrors, NpuKBeyondMaxK) {
    Schedule s;
    s.npu("acc");
    std::string e = error_of("gemm", {{"M", "4"}, {"N", "4"}, {"K", "600"}}, s, TargetDescription::named("cluster"));
    EXPECT_NE(e.find("npu acc: K = 600 exceeds npu.max_k 512 of target cluster"), std::string::npos) << e;
    // The limit is the target's key, not a constant.
    e = error_of("gemm", {{"M", "4"}, {"N", "4"}, {"K", "300"}}, s,
                 TargetDescription::named("cluster").with("npu.max_k", "256"));
    EXPECT_NE(e.find("K = 300 exceeds npu.max_k 256"), std::string::npos) << e;
}

TEST(ScheduleErrors, NpuOperandTypes) {
    Schedule s;
    s.npu("acc");
    std::map<std::string, std::string> p = kGemm;
    p["b_type"] = "uint8";
    std::string e = error_of("gemm", p, s, TargetDescription::named("cluster"));
    EXPECT_NE(e.find("npu acc: operand B of op gemm is uint8; the NPU takes int8 B"), std::string::npos) << e;
    p = kGemm;
    p["a_type"] = "uint8";
    EXPECT_EQ(error_of("gemm", p, s, TargetDescription::named("cluster")), "(no error)");
}

TEST(ScheduleErrors, RegBufferTooLarge) {
    Schedule s;
    s.compute_root("acc").memory("acc", MemLevel::Reg);
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("buffer acc is scheduled in reg (core-local) but needs 1920 bytes; the limit is 1024"),
              std::string::npos)
        << e;
}

TEST(ScheduleErrors, StagingUnknownInput) {
    Schedule s;
    s.stage_input("W", MemLevel::L1, "Y", "m", false);
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("unknown input tensor 'W' (inputs of gemm: A, B)"), std::string::npos) << e;
}

TEST(ScheduleErrors, OutputCannotBeComputedElsewhere) {
    Schedule s;
    s.compute_at("Y", "acc", "m");
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("stage Y is the output; it cannot be computed at another stage"), std::string::npos) << e;
}

TEST(ScheduleFile, ParseErrorsNameFileAndLine) {
    EXPECT_NE(parse_error("tile Y m 4\nsplat Y\n").find("my.sched:2: unknown schedule directive 'splat'"),
              std::string::npos);
    EXPECT_NE(parse_error("# comment\n\ntile Y m\n").find("my.sched:3: 'tile' takes 3 arguments, got 2"),
              std::string::npos);
    Schedule s = Schedule::parse("tile Y m x4\n", "my.sched");
    std::string e = error_of("gemm", kGemm, s);
    EXPECT_NE(e.find("(my.sched:1): tile factor 'x4' is not an integer"), std::string::npos) << e;
}

TEST(ScheduleFile, RoundTripsAndMatchesCodeSchedule) {
    Schedule code;
    code.tile("Y", "m", 4).compute_at("acc", "Y", "m_o").memory("acc", MemLevel::L1);
    code.stage_input("A", MemLevel::L1, "Y", "m_o", true).parallel("Y", "m_o");
    Schedule parsed = Schedule::parse(code.to_text(), "roundtrip");
    EXPECT_EQ(parsed.to_text(), code.to_text());
    auto a = run_generator("gemm", kGemm, host(), &code, "lib");
    auto b = run_generator("gemm", kGemm, host(), &parsed, "lib");
    EXPECT_EQ(a.c_source, b.c_source);
}

TEST(GeneratorParams, BadParametersAreNamed) {
    auto err = [](std::map<std::string, std::string> p) {
        try {
            run_generator("gemm", p, host(), nullptr, "lib");
        } catch (const UserError &e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(err({{"Q", "3"}}).find("generator gemm: unknown parameter 'Q'"), std::string::npos);
    EXPECT_NE(err({{"M", "0"}}).find("parameter M=0: must be in 1..65536"), std::string::npos);
    EXPECT_NE(err({{"a_type", "float"}}).find("unknown element type 'float'"), std::string::npos);
    EXPECT_NE(err({{"bias", "3x3"}}).find("bias C has shape [3, 3]"), std::string::npos);
    EXPECT_NE(err({{"requant", "1"}, {"log2d", "40"}}).find("parameter log2d=40: must be in 0..31"),
              std::string::npos);
    try {
        run_generator("softmaxx", {}, host(), nullptr, "lib");
        ADD_FAILURE();
    } catch (const UserError &e) {
        EXPECT_NE(std::string(e.what()).find("unknown generator 'softmaxx'"), std::string::npos);
    }
}

TEST(ScheduleFile, ReductionOfExtentOneKeepsItsLoopNames) {
    // Halide drops a reduction loop of extent 1; a schedule written for any K
    // (tiling and ordering k) still applies, and placing a stage at it is refused.
    Schedule s;
    s.tile("acc", "k", 1).compute_root("acc").order("acc", {"m", "n", "k_o", "k_i"}).unroll("acc", "k_i");
    EXPECT_EQ(error_of("gemm", {{"M", "3"}, {"N", "5"}, {"K", "1"}}, s), "(no error)");
    Schedule bad;
    bad.compute_at("acc", "Y", "m").stage_input("B", MemLevel::L1, "acc", "k", false);
    std::string e = error_of("gemm", {{"M", "3"}, {"N", "5"}, {"K", "1"}}, bad);
    EXPECT_NE(e.find("loop k of stage acc is a reduction of extent 1"), std::string::npos) << e;
}

TEST(ScheduleErrors, InlineOnlyPureStagesWithoutBuffers) {
    const std::map<std::string, std::string> softmax = {{"shape", "4x20"}};
    Schedule reduction;
    reduction.compute_inline("sum");
    std::string e = error_of("isoftmax", softmax, reduction);
    EXPECT_NE(e.find("stage sum has a reduction; only a pure stage can be computed inline"), std::string::npos) << e;
    Schedule placed;
    placed.compute_inline("exp_table").memory("exp_table", MemLevel::L1);
    e = error_of("isoftmax", softmax, placed);
    EXPECT_NE(e.find("stage exp_table is computed inline; it has no buffer to place in memory"), std::string::npos) << e;
    Schedule split;
    split.compute_inline("exp_table").parallel("exp_table", "i");
    e = error_of("isoftmax", softmax, split);
    EXPECT_NE(e.find("stage exp_table is computed inline; it has no loop i to split over cores"), std::string::npos) << e;
    Schedule table_then_inline;
    table_then_inline.parallel("exp_table", "i").compute_inline("exp_table");
    e = error_of("isoftmax", softmax, table_then_inline);
    EXPECT_NE(e.find("stage exp_table has parallel loop i; an inline stage has no loops to split"), std::string::npos) << e;
    // e is inline unless a schedule places it: placing it in memory alone
    // names that; compute_at first (also after an explicit inline) gives it a buffer.
    Schedule e_unplaced;
    e_unplaced.memory("e", MemLevel::L1);
    e = error_of("isoftmax", softmax, e_unplaced);
    EXPECT_NE(e.find("stage e is computed inline; it has no buffer to place in memory"), std::string::npos) << e;
    Schedule e_placed;
    e_placed.compute_inline("e").compute_root("e").memory("e", MemLevel::L1);
    EXPECT_EQ(error_of("isoftmax", softmax, e_placed), "(no error)");
    // Inline and as a table, the same bits (the default schedule picks one by size).
    Schedule inlined;
    inlined.compute_inline("exp_table");
    EXPECT_EQ(error_of("isoftmax", softmax, inlined), "(no error)");
}

// memory <input> npu_weights: only inputs, only on a target with a weight
// memory, never staged as well, and no larger than the memory.
TEST(ScheduleErrors, NpuWeightMemoryPlacement) {
    const TargetDescription wm = TargetDescription::named("cluster").with("npu.weight_mem_bytes", "4096");
    Schedule s;
    s.in_npu_weights("B");
    EXPECT_EQ(error_of("gemm", kGemm, s), "(no error)");  // host: checked, reads the caller's buffer
    EXPECT_EQ(error_of("gemm", kGemm, s, wm), "(no error)");
    std::string e = error_of("gemm", kGemm, s, TargetDescription::named("cluster").with("npu.weight_mem_bytes", "0"));
    EXPECT_NE(e.find("memory B npu_weights: target cluster has no NPU weight memory (npu.weight_mem_bytes 0)"),
              std::string::npos)
        << e;
    e = error_of("gemm", kGemm, s, TargetDescription::named("rv32"));
    EXPECT_NE(e.find("target rv32 has no NPU weight memory"), std::string::npos) << e;
    e = error_of("gemm", {{"M", "4"}, {"N", "128"}, {"K", "64"}}, s, wm);
    EXPECT_NE(e.find("input B [64, 128] is 8192 B, more than the NPU weight memory's 4096 B (npu.weight_mem_bytes)"),
              std::string::npos)
        << e;
    Schedule stage_too = s;
    stage_too.stage_input("B", MemLevel::L1, "root", "", false);
    e = error_of("gemm", kGemm, stage_too, wm);
    EXPECT_NE(e.find("input B is in the NPU weight memory (memory B npu_weights), which the DMA cannot reach"),
              std::string::npos)
        << e;
    Schedule staged_first;
    staged_first.stage_input("B", MemLevel::L1, "root", "", false).in_npu_weights("B");
    e = error_of("gemm", kGemm, staged_first, wm);
    EXPECT_NE(e.find("input B is staged; an input in the NPU weight memory is read in place"), std::string::npos) << e;
    Schedule stage_buf;
    stage_buf.compute_root("acc").in_npu_weights("acc");
    e = error_of("gemm", kGemm, stage_buf, wm);
    EXPECT_NE(e.find("memory acc npu_weights: only an input tensor can live in the NPU weight memory (inputs of gemm: A, B)"),
              std::string::npos)
        << e;
    Schedule input_level;
    input_level.memory("A", MemLevel::Reg);
    e = error_of("gemm", kGemm, input_level, wm);
    EXPECT_NE(e.find("input A is the caller's buffer: stage a copy (stage A reg at ...), say the caller passes it in "
                     "L1 (memory A L1) or, for the NPU, keep it in the weight memory (memory A npu_weights)"),
              std::string::npos)
        << e;
    // The directive round-trips through schedule text.
    EXPECT_EQ(Schedule::parse(s.to_text(), "t").to_text(), "memory B npu_weights\n");
}

// memory <input> L1: the caller passes the input in L1 (a network's
// prefetched weight); never staged, never also in the weight memory.
TEST(ScheduleErrors, InputPassedInL1) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    Schedule s;
    s.in_l1("B");
    EXPECT_EQ(error_of("gemm", kGemm, s), "(no error)");  // host: checked, reads the caller's buffer
    EXPECT_EQ(error_of("gemm", kGemm, s, cluster), "(no error)");
    std::string e = error_of("gemm", {{"M", "4"}, {"N", "512"}, {"K", "512"}}, s,
                             cluster.with("l1.budget", "65536"));
    EXPECT_NE(e.find("memory B L1: input B [512, 512] is 262144 B, more than the L1 data budget of 65536 B"),
              std::string::npos)
        << e;
    Schedule stage_too = s;
    stage_too.stage_input("B", MemLevel::L1, "root", "", false);
    e = error_of("gemm", kGemm, stage_too, cluster);
    EXPECT_NE(e.find("input B is passed in L1 by the caller (memory B L1); it is read in place"), std::string::npos) << e;
    Schedule staged_first;
    staged_first.stage_input("B", MemLevel::L1, "root", "", false).in_l1("B");
    e = error_of("gemm", kGemm, staged_first, cluster);
    EXPECT_NE(e.find("input B is staged; an input the caller passes in L1 is read in place"), std::string::npos) << e;
    Schedule both;
    both.in_npu_weights("B").in_l1("B");
    e = error_of("gemm", kGemm, both, cluster.with("npu.weight_mem_bytes", "4096"));
    EXPECT_NE(e.find("input B is in the NPU weight memory, not in L1"), std::string::npos) << e;
    EXPECT_EQ(Schedule::parse(s.to_text(), "t").to_text(), "memory B L1\n");
}
