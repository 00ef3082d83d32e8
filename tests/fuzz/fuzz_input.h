// Shared by the fuzz targets: loaders that only take a path get the fuzzer's
// bytes through a file of this process's own (libFuzzer's -jobs/-fork run
// several processes at once, and the replay tests run in parallel under ctest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace halyard::fuzz {

// /tmp/halyard-fuzz-<pid>/: per process, so that a file a fuzzed input names
// (a target description's "include x") resolves inside it, not in whatever
// /tmp holds. Removed when the process exits normally.
class InputDir {
public:
    static InputDir &get() {
        static InputDir dir;
        return dir;
    }
    // <dir>/<name> holding `bytes` (rewritten on every call).
    std::string write(const std::string &name, const uint8_t *bytes, size_t size) {
        const std::string path = path_ + "/" + name;
        FILE *f = std::fopen(path.c_str(), "wb");
        if (!f || (size && std::fwrite(bytes, 1, size, f) != size) || std::fclose(f) != 0) {
            std::perror(path.c_str());  // the harness failed, not the loader: stop loudly
            std::abort();
        }
        files_.insert(path);
        return path;
    }
    ~InputDir() {
        for (const auto &f : files_) unlink(f.c_str());
        rmdir(path_.c_str());
    }

private:
    InputDir() : path_("/tmp/halyard-fuzz-" + std::to_string(getpid())) { mkdir(path_.c_str(), 0700); }
    std::string path_;
    std::set<std::string> files_;
};

inline std::string write_input_file(const std::string &name, const uint8_t *bytes, size_t size) {
    return InputDir::get().write(name, bytes, size);
}

}  // namespace halyard::fuzz
