// Every generated .c is plain C99: it compiles with the host compiler and with
// the RISC-V compiler under -std=c99 -pedantic -Wall -Wextra -Werror, includes
// nothing beyond <stdint.h>/<string.h>, uses no Halide runtime and no heap; the
// rv32 build links, and runs correctly under qemu-system-riscv32 (a check of
// the rv32 compile of the same C; the cluster's claims come from its own model).
#include <fstream>
#include <regex>

#include "op_harness.h"

using namespace halyard;
using namespace halyard_test;

namespace {

struct BuildCase {
    std::string family;
    std::map<std::string, std::string> params;
    std::string schedule;  // schedule text ("" = default)
};

std::vector<BuildCase> build_cases() {
    return {
        {"gemm", {{"M", "13"}, {"N", "17"}, {"K", "33"}, {"bias", "17"}, {"requant", "1"}, {"log2d", "9"}}, ""},
        {"gemm",
         {{"M", "16"}, {"N", "20"}, {"K", "64"}, {"trans_b", "1"}},
         "tile Y m 4\ncompute_at acc Y m_i\nmemory acc reg\nstage A L1 at Y m_o double_buffer\n"
         "stage B L1 at Y m_o\ntile acc k 16\n"},
        {"gemm", {{"M", "8"}, {"N", "8"}, {"K", "8"}, {"a_type", "uint8"}}, "compute_at acc root\nmemory acc L2\n"},
        {"matmul", {{"a_shape", "4x7x9"}, {"b_shape", "9x5"}, {"requant", "1"}, {"log2d", "6"}}, ""},
        {"requant_shift", {{"shape", "5x31"}, {"mul_shape", "31"}, {"log2d", "12"}, {"in_type", "int32"}}, ""},
        {"add", {{"a_shape", "3x1x6"}, {"b_shape", "4x6"}, {"out_type", "int8"}}, ""},
    };
}

std::string strict_flags() { return "-std=c99 -pedantic -Wall -Wextra -Werror"; }

bool have(const std::string &tool) { return run_command("command -v " + tool).ok; }

void require_tool(const std::string &tool) {
    if (!have(tool)) {
        if (std::getenv("CI") && std::string(std::getenv("CI")) == "true") {
            FAIL() << tool << " is missing (run .ci/setup)";
        }
        GTEST_SKIP() << tool << " is missing (run .ci/setup)";
    }
}

GeneratedLibrary generate(const BuildCase &c, const std::string &target, const std::string &name) {
    Schedule s = Schedule::parse(c.schedule, "case");
    return run_generator(c.family, c.params, TargetDescription::named(target), c.schedule.empty() ? nullptr : &s, name);
}

}  // namespace

TEST(C99Build, HostStrictCompileAndHygiene) {
    int i = 0;
    for (const auto &c : build_cases()) {
        GeneratedLibrary lib = generate(c, "host", "lib" + std::to_string(i++));
        std::string dir = scratch_dir();
        write_library(lib, dir);
        auto r = run_command("cc " + strict_flags() + " -O2 -c '" + dir + "/" + lib.name + ".c' -o '" + dir + "/x.o'");
        EXPECT_TRUE(r.ok) << c.family << ": " << r.log;
        // The header is also valid C++ (for C++ callers).
        r = run_command("c++ -std=c++17 -fsyntax-only -x c++ '" + dir + "/" + lib.name + ".h'");
        EXPECT_TRUE(r.ok) << r.log;
        std::regex include_re("#include <([^>]+)>");
        for (std::sregex_iterator it(lib.c_source.begin(), lib.c_source.end(), include_re), end; it != end; ++it) {
            std::string h = (*it)[1];
            EXPECT_TRUE(h == "stdint.h" || h == "string.h") << "includes <" << h << ">";
        }
        for (const char *banned : {"halide_buffer_t", "malloc", "free(", "halide_"}) {
            EXPECT_EQ(lib.c_source.find(banned), std::string::npos) << "generated C mentions " << banned;
        }
    }
}

TEST(C99Build, Rv32StrictCompileAndLink) {
    require_tool("riscv64-unknown-elf-gcc");
    int i = 0;
    for (const auto &c : build_cases()) {
        GeneratedLibrary lib = generate(c, "rv32", "rvlib" + std::to_string(i++));
        std::string dir = scratch_dir();
        write_library(lib, dir);
        std::string rv = "riscv64-unknown-elf-gcc --specs=picolibc.specs -march=rv32im -mabi=ilp32";
        auto r = run_command(rv + " " + strict_flags() + " -O3 -c '" + dir + "/" + lib.name + ".c' -o '" + dir +
                             "/lib.o' && riscv64-unknown-elf-ar rcs '" + dir + "/lib.a' '" + dir + "/lib.o'");
        ASSERT_TRUE(r.ok) << r.log;
        std::ofstream(dir + "/main.c") << "#include \"" << lib.name << ".h\"\nint main(void) { return 0; }\n";
        auto t = TargetDescription::named("rv32");
        r = run_command(rv + " -O2 '" + dir + "/main.c' -I'" + dir + "' '" + dir + "/lib.a' -o '" + dir +
                        "/a.elf' -Wl,--defsym=__flash=" + std::to_string(t.get_int("l2.base")) +
                        " -Wl,--defsym=__flash_size=0x100000 -Wl,--defsym=__ram=" +
                        std::to_string(t.get_int("l2.base") + 0x100000) + " -Wl,--defsym=__ram_size=0x100000");
        EXPECT_TRUE(r.ok) << r.log;
    }
}

// Embed inputs and the reference's expected output in a C program, run the
// rv32 build under QEMU, and get the number of mismatches as the exit code.
TEST(C99Build, Rv32RunsBitExactUnderQemu) {
    require_tool("riscv64-unknown-elf-gcc");
    require_tool("qemu-system-riscv32");
    std::mt19937 rng(test_seed() + 7);
    int i = 0;
    for (const auto &c : build_cases()) {
        SCOPED_TRACE(c.family + " " + describe_params(c.params));
        const GeneratorFamily &f = find_generator(c.family);
        Algorithm algo = f.build(ParamMap(c.family, f.params, c.params));
        GeneratedLibrary lib = generate(c, "rv32", "qlib" + std::to_string(i++));
        std::string dir = scratch_dir();
        write_library(lib, dir);

        std::ostringstream main_c;
        main_c << "#include \"" << lib.name << ".h\"\n";
        RefInputs in;
        std::vector<std::string> arg_names;
        for (const auto &t : algo.inputs) {
            int64_t n = num_elements(t.type.shape);
            TypedBuffer b = t.type.name == "mul" ? random_buffer(rng, t.type.type, n, 1, 40)
                            : t.type.type == ElemType::Int32 ? random_buffer(rng, t.type.type, n, -5000, 5000)
                                                             : random_buffer(rng, t.type.type, n);
            in[t.type.name] = to_ref(b, t.type.shape);
            main_c << "static " << (t.type.type == ElemType::Int32 ? "int32_t" : c_type_name(t.type.type)) << " in_"
                   << t.type.name << "[" << n << "] = {";
            for (int64_t k = 0; k < n; k++) main_c << (k ? "," : "") << b.get(k);
            main_c << "};\n";
            arg_names.push_back("in_" + t.type.name);
        }
        halyard_ref::Tensor expected;
        auto p = c.params;
        if (c.family == "gemm") {
            halyard_ref::RequantParams rq;
            bool has_rq = p.count("requant");
            if (has_rq) rq = ref_requant(in, p);
            expected = halyard_ref::gemm(in.at("A"), in.at("B"), in.count("C") ? &in.at("C") : nullptr, 1, 1,
                                         p.count("trans_a") && p.at("trans_a") == "1",
                                         p.count("trans_b") && p.at("trans_b") == "1", has_rq ? &rq : nullptr);
        } else if (c.family == "matmul") {
            auto rq = ref_requant(in, p);
            expected = halyard_ref::matmul(in.at("A"), in.at("B"), &rq);
        } else if (c.family == "requant_shift") {
            expected = halyard_ref::requant_shift(in.at("x"), ref_requant(in, p));
        } else {
            expected = halyard_ref::add(in.at("A"), in.at("B"));
            for (auto &v : expected.data) v = halyard_ref::clip(v, -128, 127);
        }
        const std::string out_t = c_type_name(algo.output.type);
        main_c << "static " << out_t << " out[" << expected.size() << "];\nstatic const " << out_t << " expected["
               << expected.size() << "] = {";
        for (int64_t k = 0; k < expected.size(); k++) main_c << (k ? "," : "") << expected.data[k];
        main_c << "};\nint main(void) {\n  int bad = 0, k;\n  " << lib.name << "(";
        for (const auto &a : arg_names) main_c << a << ", ";
        main_c << "out);\n  for (k = 0; k < " << expected.size()
               << "; k++) bad += out[k] != expected[k];\n  return bad > 100 ? 100 : bad;\n}\n";
        std::ofstream(dir + "/main.c") << main_c.str();
        std::string rv = "riscv64-unknown-elf-gcc --specs=picolibc.specs --oslib=semihost --crt0=semihost "
                         "-march=rv32im -mabi=ilp32 -O3";
        auto r = run_command(rv + " '" + dir + "/main.c' '" + dir + "/" + lib.name + ".c' -I'" + dir + "' -o '" + dir +
                             "/q.elf' -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x200000 "
                             "-Wl,--defsym=__ram=0x80200000 -Wl,--defsym=__ram_size=0x200000");
        ASSERT_TRUE(r.ok) << r.log;
        r = run_command("timeout 60 qemu-system-riscv32 -M virt -bios none -nographic -semihosting-config "
                        "enable=on,target=native -kernel '" + dir + "/q.elf'; echo \"exit=$?\"");
        EXPECT_NE(r.log.find("exit=0"), std::string::npos) << "mismatching elements (exit code): " << r.log;
    }
}
