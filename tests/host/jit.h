// Test support: compile a generated library's C with the host compiler under
// the strict C99 flags, load it, and call its entry point. This runs the exact
// C the backend printed; nothing is emulated.
#pragma once

#include <string>
#include <vector>

#include "halyard/backend.h"

namespace halyard_test {

struct CompileResult {
    bool ok = false;
    std::string log;  // compiler output
};

// A fresh directory under $TMPDIR (removed at process exit).
std::string scratch_dir();

// Write <dir>/<name>.c and .h.
void write_library(const halyard::GeneratedLibrary &lib, const std::string &dir);

// Run a shell command, capturing stdout+stderr.
CompileResult run_command(const std::string &cmd);

class JitKernel {
public:
    // Compiles with `cc -std=c99 -pedantic -Wall -Wextra -Werror -O2`; throws
    // std::runtime_error with the compiler log if it does not compile.
    explicit JitKernel(const halyard::GeneratedLibrary &lib);
    ~JitKernel();
    JitKernel(const JitKernel &) = delete;
    JitKernel &operator=(const JitKernel &) = delete;

    // Pointers in entry-point order (inputs then output).
    int call(const std::vector<void *> &args) const;

private:
    void *handle_ = nullptr;
    void *fn_ = nullptr;
};

}  // namespace halyard_test
