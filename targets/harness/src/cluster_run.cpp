#include "halyard/harness/cluster_run.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "halyard/harness/harness.h"
#include "halyard/harness/jit.h"

namespace halyard::harness {

namespace {

void emit_array(std::ostream &os, const std::string &qual, const std::string &type, const std::string &name,
                const std::vector<int64_t> &v, const std::string &attribute = "") {
    os << qual << type << " " << name << "[" << std::max<size_t>(v.size(), 1) << "]" << attribute << " = {";
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

// The program: inputs and expected output embedded, the library called
// between two cycle-timer reads, mismatches counted and returned.
std::string main_source(const halyard::GeneratedLibrary &lib, const std::vector<SimInput> &inputs,
                        const std::string &out_c_type, const std::vector<int64_t> &expected) {
    std::ostringstream m;
    m << "#include \"halyard_rt.h\"\n#include \"" << lib.name << ".h\"\n";
    std::string call = lib.name + "(";
    for (size_t i = 0; i < inputs.size(); i++) {
        emit_array(m, "static ", inputs[i].c_type, "in" + std::to_string(i), inputs[i].values,
                   inputs[i].npu_weights ? " HL_NPU_WEIGHTS" : "");
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

// A scratch directory holding the library and main.c.
std::string prepare(const halyard::GeneratedLibrary &lib, const std::vector<SimInput> &inputs,
                    const std::string &out_c_type, const std::vector<int64_t> &expected) {
    const std::string dir = scratch_dir();
    write_library(lib, dir);
    std::ofstream(dir + "/main.c") << main_source(lib, inputs, out_c_type, expected);
    return dir;
}

// Link main.c, the library and `objects` with the cluster runtime, run the
// program on the model and read back its exit code and figures into `r`.
void link_and_simulate(const std::string &dir, const halyard::GeneratedLibrary &lib,
                       const std::vector<std::string> &objects, uint64_t max_cycles, SimRun &r) {
    std::vector<std::string> sources = {dir + "/main.c", dir + "/" + lib.name + ".c"};
    sources.insert(sources.end(), objects.begin(), objects.end());
    const std::string elf = dir + "/prog.elf";
    auto cc = build_cluster_program(sources, {dir}, elf);
    r.log += cc.log;
    if (!cc.ok) return;
    auto sim = simulate(elf, max_cycles);
    r.log += sim.log;
    r.exit_code = sim.status;
    std::smatch mm;
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
    const std::string dir = prepare(lib, inputs, out_c_type, expected);
    link_and_simulate(dir, lib, {}, max_cycles, r);
    return r;
}

SimRun run_on_cluster_cxx(const halyard::GeneratedLibrary &lib, const std::vector<ExtraFile> &files,
                          const std::string &cxx_flags, const std::vector<SimInput> &inputs,
                          const std::string &out_c_type, const std::vector<int64_t> &expected,
                          uint64_t max_cycles) {
    SimRun r;
    const std::string dir = prepare(lib, inputs, out_c_type, expected);
    std::vector<std::string> objects;
    for (const auto &f : files) {
        const std::string path = dir + "/" + f.path;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream(path) << f.text;
        if (f.path.size() < 4 || f.path.compare(f.path.size() - 4, 4, ".cpp") != 0) continue;
        const std::string obj = path.substr(0, path.size() - 4) + ".o";
        auto c = compile_cluster_cxx(path, {dir}, obj, cxx_flags);
        r.log += c.log;
        if (!c.ok) return r;
        objects.push_back(obj);
    }
    link_and_simulate(dir, lib, objects, max_cycles, r);
    return r;
}

}  // namespace halyard::harness
