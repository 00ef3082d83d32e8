#include "halyard/harness/harness.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <sys/wait.h>

#ifndef HALYARD_SIM_EXE
#define HALYARD_SIM_EXE ""
#endif
#ifndef HALYARD_RV32_CC
#define HALYARD_RV32_CC ""
#define HALYARD_RV32_FLAGS ""
#define HALYARD_RV32_LDFLAGS ""
#define HALYARD_CLUSTER_RUNTIME_DIR ""
#define HALYARD_CLUSTER_GEN_DIR ""
#define HALYARD_CLUSTER_RUNTIME_LIB ""
#endif
#ifndef HALYARD_KERNELS_INCLUDE_DIR
#define HALYARD_KERNELS_INCLUDE_DIR ""
#endif

namespace halyard::harness {

std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

CommandResult run_command(const std::string &cmd) {
    CommandResult r;
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) {
        r.log = "cannot start: " + cmd;
        return r;
    }
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.log.append(buf.data(), n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r.ok = r.status == 0;
    return r;
}

std::string scratch_dir() {
    // Worker threads (the autoscheduler's local pool) each take directories.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    static std::string root;
    if (root.empty()) {
        const char *tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp ? tmp : "/tmp") + "/halyard-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed for " + templ);
        root = buf.data();
        static struct Cleanup {
            ~Cleanup() {
                if (!root.empty() && !std::getenv("HALYARD_KEEP_TEST_FILES")) run_command("rm -rf " + shell_quote(root));
            }
        } cleanup;
    }
    static int counter = 0;
    std::string dir = root + "/" + std::to_string(counter++);
    run_command("mkdir -p " + shell_quote(dir));
    return dir;
}

bool have_cluster() { return std::string(HALYARD_SIM_EXE) != "" && std::string(HALYARD_RV32_CC) != ""; }

std::string simulator() { return HALYARD_SIM_EXE; }

namespace {
std::string includes(const std::vector<std::string> &dirs) {
    std::string s;
    for (const auto &d : dirs) s += " -I" + shell_quote(d);
    return s;
}
std::string files(const std::vector<std::string> &f) {
    std::string s;
    for (const auto &x : f) s += " " + shell_quote(x);
    return s;
}
// What cluster programs include: runtime, target parameters, kernels, then
// the caller's directories.
std::vector<std::string> cluster_include_dirs(const std::vector<std::string> &include_dirs) {
    std::vector<std::string> inc = {HALYARD_CLUSTER_RUNTIME_DIR "/include", HALYARD_CLUSTER_GEN_DIR,
                                    HALYARD_KERNELS_INCLUDE_DIR};
    inc.insert(inc.end(), include_dirs.begin(), include_dirs.end());
    return inc;
}
CommandResult no_cluster() {
    CommandResult r;
    r.log = "this build of Halyard has no cluster model (configure with -DHALYARD_BUILD_CLUSTER=ON and the "
            "RISC-V toolchain)";
    return r;
}
// The host C compiler with the strict C99 flags generated code must pass.
std::string host_cc() {
    const char *cc = std::getenv("CC");
    return std::string(cc ? cc : "cc") + " -std=c99 -pedantic -Wall -Wextra -Werror -O2";
}
}  // namespace

CommandResult build_cluster_program(const std::vector<std::string> &sources, const std::vector<std::string> &include_dirs,
                                    const std::string &elf, const std::string &extra_flags) {
    if (!have_cluster()) return no_cluster();
    return run_command(std::string(HALYARD_RV32_CC) + " " + HALYARD_RV32_FLAGS + " " + extra_flags +
                       includes(cluster_include_dirs(include_dirs)) + files(sources) + " " + HALYARD_RV32_LDFLAGS + " " +
                       HALYARD_CLUSTER_RUNTIME_LIB + " -lgcc -o " + shell_quote(elf));
}

CommandResult compile_cluster_cxx(const std::string &source, const std::vector<std::string> &include_dirs,
                                  const std::string &object, const std::string &extra_flags) {
    if (!have_cluster()) return no_cluster();
    // The rv32 g++ sits next to the rv32 gcc.
    std::string cxx = HALYARD_RV32_CC;
    if (cxx.size() >= 3 && cxx.compare(cxx.size() - 3, 3, "gcc") == 0) cxx.replace(cxx.size() - 3, 3, "g++");
    return run_command(cxx + " " + HALYARD_RV32_FLAGS + " " + extra_flags + includes(cluster_include_dirs(include_dirs)) +
                       " -c " + shell_quote(source) + " -o " + shell_quote(object));
}

CommandResult simulate(const std::string &elf, uint64_t max_cycles, const std::string &extra_args) {
    if (!have_cluster()) {
        CommandResult r;
        r.log = "this build of Halyard has no cluster model";
        return r;
    }
    return run_command(shell_quote(HALYARD_SIM_EXE) + " --max-cycles " + std::to_string(max_cycles) + " " + extra_args +
                       " " + shell_quote(elf));
}

CommandResult build_host_program(const std::vector<std::string> &sources, const std::vector<std::string> &include_dirs,
                                 const std::string &exe, const std::string &extra_flags) {
    return run_command(host_cc() + " " + extra_flags + includes(include_dirs) + files(sources) + " -o " + shell_quote(exe));
}

CommandResult build_host_shared_library(const std::vector<std::string> &sources,
                                        const std::vector<std::string> &include_dirs, const std::string &so) {
    return run_command(host_cc() + " -fPIC -shared" + includes(include_dirs) + files(sources) + " -o " +
                       shell_quote(so));
}

}  // namespace halyard::harness
