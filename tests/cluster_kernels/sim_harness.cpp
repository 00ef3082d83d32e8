#include "sim_harness.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "jit.h"

namespace halyard_test {

namespace {

void emit_array(std::ostream &os, const std::string &qual, const std::string &type, const std::string &name,
                const std::vector<int64_t> &v) {
    os << qual << type << " " << name << "[" << std::max<size_t>(v.size(), 1) << "] = {";
    for (size_t i = 0; i < v.size(); i++) {
        if (type == "int32_t" && v[i] == INT32_MIN) {
            os << (i ? "," : "") << "(-2147483647-1)";
        } else {
            os << (i ? "," : "") << v[i];
        }
        if (i % 32 == 31) os << "\n";
    }
    os << "};\n";
}

std::string flags_string() {
    std::string s = HALYARD_RV32_FLAGS;
    for (char &c : s) {
        if (c == ';') c = ' ';
    }
    return s;
}

// The test program: inputs and expected output embedded, the library called
// between two cycle-timer reads, mismatches counted and returned.
std::string main_source(const halyard::GeneratedLibrary &lib, const std::vector<SimInput> &inputs,
                            const std::string &out_c_type, const std::vector<int64_t> &expected) {
    std::ostringstream m;
    m << "#include \"halyard_rt.h\"\n#include \"" << lib.name << ".h\"\n";
    std::string call = lib.name + "(";
    for (size_t i = 0; i < inputs.size(); i++) {
        emit_array(m, "static ", inputs[i].c_type, "in" + std::to_string(i), inputs[i].values);
        call += "in" + std::to_string(i) + ", ";
    }
    emit_array(m, "static const ", out_c_type, "expected", expected);
    m << "static " << out_c_type << " out[" << std::max<size_t>(expected.size(), 1) << "];\n"
      << "int main(void) {\n"
      << "    uint64_t t0, t1;\n    uint32_t bytes0 = HL_DMA_BYTES;\n    int bad = 0, first = -1, i;\n"
      << "    t0 = hl_cycles();\n    " << call << "out);\n    t1 = hl_cycles();\n"
      << "    for (i = 0; i < " << expected.size() << "; i++) {\n"
      << "        if (out[i] != expected[i]) { if (first < 0) first = i; bad++; }\n    }\n"
      << "    printf(\"halyard-result cycles=%u dma_bytes=%u mismatches=%d first=%d\\n\", (unsigned)(t1 - t0),"
      << " (unsigned)(HL_DMA_BYTES - bytes0), bad, first);\n"
      << "    if (first >= 0) printf(\"out[%d]=%d expected %d\\n\", first, (int)out[first], (int)expected[first]);\n"
      << "    return bad > 100 ? 100 : bad;\n}\n";
    return m.str();
}

std::string cluster_includes(const std::string &dir) {
    return std::string(" -I") + HALYARD_CLUSTER_RUNTIME_DIR + "/include -I" + HALYARD_CLUSTER_GEN_DIR + " -I" +
           HALYARD_KERNELS_INCLUDE_DIR + " -I'" + dir + "'";
}

// Link main.c, the library and `objects` with the cluster runtime, run the
// program on the model and read back its exit code and figures into `r`.
void link_and_simulate(const std::string &dir, const halyard::GeneratedLibrary &lib, const std::string &objects,
                       uint64_t max_cycles, SimRun &r) {
    std::string ld = HALYARD_RV32_LDFLAGS;
    for (char &c : ld) {
        if (c == ';') c = ' ';
    }
    auto cc = run_command(std::string(HALYARD_RV32_CC) + " " + flags_string() + cluster_includes(dir) + " '" + dir +
                          "/main.c' '" + dir + "/" + lib.name + ".c'" + objects + " " + ld + " " +
                          HALYARD_CLUSTER_RUNTIME_LIB + " -lgcc -o '" + dir + "/prog.elf'");
    r.log += cc.log;
    if (!cc.ok) return;
    auto sim = run_command(std::string(HALYARD_SIM_EXE) + " --max-cycles " + std::to_string(max_cycles) + " '" + dir +
                           "/prog.elf'; echo \"halyard-exit=$?\"");
    r.log += sim.log;
    std::smatch mm;
    if (std::regex_search(sim.log, mm, std::regex("halyard-exit=(\\d+)"))) r.exit_code = std::stoi(mm[1]);
    if (std::regex_search(sim.log, mm, std::regex("cycles=(\\d+) dma_bytes=(\\d+)"))) {
        r.cycles = std::stoull(mm[1]);
        r.dma_bytes = std::stoull(mm[2]);
    }
    r.ok = r.exit_code == 0 && sim.log.find("mismatches=0") != std::string::npos;
}

}  // namespace

SimRun run_on_cluster(const halyard::GeneratedLibrary &lib, const std::vector<SimInput> &inputs,
                      const std::string &out_c_type, const std::vector<int64_t> &expected, uint64_t max_cycles) {
    SimRun r;
    std::string dir = scratch_dir();
    write_library(lib, dir);
    std::ofstream(dir + "/main.c") << main_source(lib, inputs, out_c_type, expected);
    link_and_simulate(dir, lib, "", max_cycles, r);
    return r;
}


SimRun run_on_cluster_cxx(const halyard::GeneratedLibrary &lib, const std::vector<ExtraFile> &files,
                          const std::string &cxx_flags, const std::vector<SimInput> &inputs,
                          const std::string &out_c_type, const std::vector<int64_t> &expected,
                          uint64_t max_cycles) {
    SimRun r;
    std::string dir = scratch_dir();
    write_library(lib, dir);
    std::ofstream(dir + "/main.c") << main_source(lib, inputs, out_c_type, expected);
    // The rv32 g++ sits next to the rv32 gcc.
    std::string cxx = HALYARD_RV32_CC;
    if (cxx.size() >= 3 && cxx.compare(cxx.size() - 3, 3, "gcc") == 0) cxx.replace(cxx.size() - 3, 3, "g++");
    const std::string includes = cluster_includes(dir);
    std::string objects;
    for (const auto &f : files) {
        const std::string path = dir + "/" + f.path;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream(path) << f.text;
        if (f.path.size() < 4 || f.path.compare(f.path.size() - 4, 4, ".cpp") != 0) continue;
        const std::string obj = path.substr(0, path.size() - 4) + ".o";
        auto c = run_command(cxx + " " + flags_string() + " " + cxx_flags + includes + " -c '" + path + "' -o '" + obj +
                             "'");
        r.log += c.log;
        if (!c.ok) return r;
        objects += " '" + obj + "'";
    }
    link_and_simulate(dir, lib, objects, max_cycles, r);
    return r;
}

}  // namespace halyard_test
