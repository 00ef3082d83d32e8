// Building and running generated code: the host C compiler, or the RISC-V
// toolchain + cluster runtime + the Verilator model (halyard-sim). Shared by
// halyard-run, the benchmark harness and the tests; the paths are the build's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halyard::harness {

struct CommandResult {
    bool ok = false;       // exit status 0
    int status = -1;       // the command's exit status
    std::string log;       // stdout + stderr
};

// Run a shell command, capturing stdout and stderr.
CommandResult run_command(const std::string &cmd);

// A fresh directory under $TMPDIR/halyard-XXXXXX (removed at process exit
// unless HALYARD_KEEP_TEST_FILES is set).
std::string scratch_dir();

// Quote for /bin/sh.
std::string shell_quote(const std::string &s);

// True when this build has the cluster model and the RISC-V toolchain.
bool have_cluster();
// The simulator's path ("" without the cluster).
std::string simulator();

// Compile and link C sources into a cluster program (runtime, linker script,
// kernel headers and `include_dirs` on the include path).
CommandResult build_cluster_program(const std::vector<std::string> &sources, const std::vector<std::string> &include_dirs,
                                    const std::string &elf, const std::string &extra_flags = "");

// Run an ELF on the Verilator model; the log is the program's output plus
// the simulator's, `status` its exit status (the program's exit code).
CommandResult simulate(const std::string &elf, uint64_t max_cycles, const std::string &extra_args = "");

// Compile one C++ source with the RISC-V g++ (next to the cluster's gcc) and
// the cluster flags, then `extra_flags`, into an object for
// build_cluster_program; the include path is build_cluster_program's.
CommandResult compile_cluster_cxx(const std::string &source, const std::vector<std::string> &include_dirs,
                                  const std::string &object, const std::string &extra_flags = "");

// Compile C sources with the host compiler ($CC or cc; strict C99:
// -std=c99 -pedantic -Wall -Wextra -Werror -O2, then `extra_flags`) into an executable.
CommandResult build_host_program(const std::vector<std::string> &sources, const std::vector<std::string> &include_dirs,
                                 const std::string &exe, const std::string &extra_flags = "");
// The same, into a shared object (-fPIC -shared) to dlopen.
CommandResult build_host_shared_library(const std::vector<std::string> &sources,
                                        const std::vector<std::string> &include_dirs, const std::string &so);

}  // namespace halyard::harness
