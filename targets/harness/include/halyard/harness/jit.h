// Running generated C on the host: compile a generated library with the host
// C compiler under the strict C99 flags (build_host_shared_library), load it,
// and call its entry point. This runs the exact C the backend printed;
// nothing is emulated.
#pragma once

#include <string>
#include <vector>

#include "halyard/backend.h"

namespace halyard::harness {

// Write <dir>/<name>.c, .h and .report.txt.
void write_library(const halyard::GeneratedLibrary &lib, const std::string &dir);

class JitKernel {
public:
    // Compiles with the host compiler (`$CC` or cc, -std=c99 -pedantic -Wall
    // -Wextra -Werror -O2, as a shared object) in a scratch_dir(); throws
    // std::runtime_error with the compiler log if it does not compile.
    explicit JitKernel(const halyard::GeneratedLibrary &lib);
    ~JitKernel();
    JitKernel(const JitKernel &) = delete;
    JitKernel &operator=(const JitKernel &) = delete;

    // Pointers in entry-point order (inputs then output); 2 to 12 of them.
    int call(const std::vector<void *> &args) const;

private:
    void *handle_ = nullptr;
    void *fn_ = nullptr;
};

}  // namespace halyard::harness
