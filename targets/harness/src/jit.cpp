#include "halyard/harness/jit.h"

#include <dlfcn.h>

#include <fstream>
#include <stdexcept>
#include <utility>

#include "halyard/harness/harness.h"

namespace halyard::harness {

void write_library(const halyard::GeneratedLibrary &lib, const std::string &dir) {
    std::ofstream(dir + "/" + lib.name + ".c") << lib.c_source;
    std::ofstream(dir + "/" + lib.name + ".h") << lib.header;
    std::ofstream(dir + "/" + lib.name + ".report.txt") << lib.report;
}

JitKernel::JitKernel(const halyard::GeneratedLibrary &lib) {
    const std::string dir = scratch_dir();
    write_library(lib, dir);
    const std::string so = dir + "/lib" + lib.name + ".so";
    auto r = build_host_shared_library({dir + "/" + lib.name + ".c"}, {}, so);
    if (!r.ok) throw std::runtime_error("generated C for " + lib.name + " does not compile:\n" + r.log);
    handle_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    fn_ = dlsym(handle_, lib.name.c_str());
    if (!fn_) throw std::runtime_error("entry point " + lib.name + " not found");
}

JitKernel::~JitKernel() {
    if (handle_) dlclose(handle_);
}

namespace {

// The generated entry point takes every buffer as a pointer: call it with
// a.size() of them, the function type spelt out for N = a.size().
constexpr size_t kMaxJitArguments = 32;

template <size_t... I>
int call_with(void *fn, const std::vector<void *> &a, std::index_sequence<I...>) {
    using Fn = int (*)(decltype((void)I, static_cast<void *>(nullptr))...);
    return reinterpret_cast<Fn>(fn)(a[I]...);
}

template <size_t N>
int call_with_count(void *fn, const std::vector<void *> &a) {
    if (a.size() == N) return call_with(fn, a, std::make_index_sequence<N>{});
    if constexpr (N < kMaxJitArguments) {
        return call_with_count<N + 1>(fn, a);
    } else {
        throw std::runtime_error("the kernel has " + std::to_string(a.size()) + " buffer arguments; the JIT calls at most " +
                                 std::to_string(kMaxJitArguments));
    }
}

}  // namespace

int JitKernel::call(const std::vector<void *> &a) const { return call_with_count<1>(fn_, a); }

}  // namespace halyard::harness
