// The replay driver of the normal build: runs a fuzz target's body (linked in
// from <target>_fuzz.cpp, no libFuzzer needed) on every file of the folders
// or files given, so the regression inputs run in ctest. Fails when a folder
// holds no input: a regression test must not pass by running nothing.
// Takes libFuzzer's -timeout=S (per input) and -rss_limit_mb=N, so one test
// command suits both builds.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

const char *current_input = "";

void on_timeout(int) {
    // Only async-signal-safe calls here.
    const char msg[] = "replay: timeout in ";
    (void)!write(2, msg, sizeof msg - 1);
    (void)!write(2, current_input, std::strlen(current_input));
    (void)!write(2, "\n", 1);
    _exit(1);
}

long peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;  // KiB on Linux
}

}  // namespace

int main(int argc, char **argv) {
    namespace fs = std::filesystem;
    unsigned timeout_s = 0;
    long rss_limit_mb = 0;
    std::vector<std::string> paths;
    for (int a = 1; a < argc; a++) {
        if (std::strncmp(argv[a], "-timeout=", 9) == 0) timeout_s = (unsigned)std::atoi(argv[a] + 9);
        else if (std::strncmp(argv[a], "-rss_limit_mb=", 14) == 0) rss_limit_mb = std::atol(argv[a] + 14);
        else paths.push_back(argv[a]);
    }
    if (paths.empty()) {
        std::fprintf(stderr, "usage: %s [-timeout=S] [-rss_limit_mb=N] <folder or file>...\n", argv[0]);
        return 2;
    }
    if (timeout_s) signal(SIGALRM, on_timeout);
    size_t total = 0;
    for (const auto &arg : paths) {
        std::vector<fs::path> inputs;
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (const auto &e : fs::directory_iterator(arg, ec))
                if (e.is_regular_file()) inputs.push_back(e.path());
            std::sort(inputs.begin(), inputs.end());
        } else if (fs::is_regular_file(arg, ec)) {
            inputs.push_back(arg);
        }
        if (inputs.empty()) {
            std::fprintf(stderr, "%s: no inputs in %s\n", argv[0], arg.c_str());
            return 1;
        }
        for (const auto &p : inputs) {
            std::ifstream in(p, std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            const std::string name = p.string();
            current_input = name.c_str();
            std::printf("%s (%zu bytes)\n", current_input, bytes.size());
            std::fflush(stdout);  // a crash then names its input
            alarm(timeout_s);
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            alarm(0);
            if (rss_limit_mb && peak_rss_mb() > rss_limit_mb) {
                std::fprintf(stderr, "%s: peak RSS %ld MB after %s exceeds -rss_limit_mb=%ld\n", argv[0], peak_rss_mb(),
                             current_input, rss_limit_mb);
                return 1;
            }
            total++;
        }
    }
    std::printf("%zu inputs replayed, none crashed\n", total);
    return 0;
}
