#include "jit.h"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace halyard_test {

std::string scratch_dir() {
    static std::string root;
    if (root.empty()) {
        const char *tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp ? tmp : "/tmp") + "/halyard-test-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        root = buf.data();
        static struct Cleanup {
            ~Cleanup() {
                if (!root.empty() && !std::getenv("HALYARD_KEEP_TEST_FILES")) {
                    std::string cmd = "rm -rf '" + root + "'";
                    if (std::system(cmd.c_str()) != 0) {
                    }
                }
            }
        } cleanup;
    }
    static int counter = 0;
    std::string dir = root + "/" + std::to_string(counter++);
    run_command("mkdir -p '" + dir + "'");
    return dir;
}

void write_library(const halyard::GeneratedLibrary &lib, const std::string &dir) {
    std::ofstream(dir + "/" + lib.name + ".c") << lib.c_source;
    std::ofstream(dir + "/" + lib.name + ".h") << lib.header;
    std::ofstream(dir + "/" + lib.name + ".report.txt") << lib.report;
}

CompileResult run_command(const std::string &cmd) {
    CompileResult r;
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.log.append(buf.data(), n);
    r.ok = pclose(p) == 0;
    return r;
}

JitKernel::JitKernel(const halyard::GeneratedLibrary &lib) {
    std::string dir = scratch_dir();
    write_library(lib, dir);
    const char *cc = std::getenv("CC");
    std::string so = dir + "/lib" + lib.name + ".so";
    auto r = run_command(std::string(cc ? cc : "cc") + " -std=c99 -pedantic -Wall -Wextra -Werror -O2 -fPIC -shared -o '" +
                         so + "' '" + dir + "/" + lib.name + ".c'");
    if (!r.ok) throw std::runtime_error("generated C for " + lib.name + " does not compile:\n" + r.log);
    handle_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    fn_ = dlsym(handle_, lib.name.c_str());
    if (!fn_) throw std::runtime_error("entry point " + lib.name + " not found");
}

JitKernel::~JitKernel() {
    if (handle_) dlclose(handle_);
}

int JitKernel::call(const std::vector<void *> &a) const {
    using P = void *;
    switch (a.size()) {
    case 2: return reinterpret_cast<int (*)(P, P)>(fn_)(a[0], a[1]);
    case 3: return reinterpret_cast<int (*)(P, P, P)>(fn_)(a[0], a[1], a[2]);
    case 4: return reinterpret_cast<int (*)(P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3]);
    case 5: return reinterpret_cast<int (*)(P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4]);
    case 6: return reinterpret_cast<int (*)(P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return reinterpret_cast<int (*)(P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return reinterpret_cast<int (*)(P, P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 9:
        return reinterpret_cast<int (*)(P, P, P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                                                                         a[8]);
    case 10:
        return reinterpret_cast<int (*)(P, P, P, P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                                                            a[7], a[8], a[9]);
    case 11:
        return reinterpret_cast<int (*)(P, P, P, P, P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5],
                                                                               a[6], a[7], a[8], a[9], a[10]);
    case 12:
        return reinterpret_cast<int (*)(P, P, P, P, P, P, P, P, P, P, P, P)>(fn_)(a[0], a[1], a[2], a[3], a[4], a[5],
                                                                                  a[6], a[7], a[8], a[9], a[10], a[11]);
    }
    throw std::runtime_error("unsupported argument count " + std::to_string(a.size()));
}

}  // namespace halyard_test
