#include "halyard/harness/jit.h"

#include <dlfcn.h>

#include <fstream>
#include <stdexcept>

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

}  // namespace halyard::harness
