// halyard-bench: runs a fixed set of Transformer layers on the Verilator
// model of the cluster and writes bench.md, bench.csv and bench.json:
// cycles, MAC/cycle, utilization of the peak (cores x core.macs_per_cycle of
// cluster.target), L1 peak, DMA bytes.
// Every row's output is checked bit-exactly against a plain loop in this file
// (run_row's `expected`); a row that does not match is reported as FAIL and
// the tool exits non-zero.
//
// Rows per layer, all on the same model in the same run:
//   (a) a plainly written C loop nest, -O3, 1 core (what a user writes by hand)
//   (b) Halide's own compile_to_c output for the same algorithm, plain Halide
//       schedule, halide_do_par_for over the 8 cores (halide_baseline.cpp)
//   (c) Halyard, 1 core, operands in L2
//   (d) Halyard, 8 cores, operands in L2
//   (e) Halyard, 8 cores, L1 tiles by DMA (double-buffered where the tile loop
//       allows), output tiles written back by DMA, Xpulp micro-kernels
//   (f) Halyard, NPU: the same tiles, the accumulation mapped onto the NPU
//       (`npu acc`, one job per tile submitted by core 0); bench.md adds the
//       NPU's busy cycles and utilization from halyard-sim's NPU counters
//   (s) Halyard, 8 cores, the schedule halyard-autoschedule finds (cached
//       under $HALYARD_AUTOSCHEDULE_CACHE; searched and measured when missing)
// Shapes are M x K x N (M rows of activations, K reduction, N outputs).
//
// Options: --out DIR, --only LAYER, --rows abcdefws (a subset; default abcdefw), --scaling (adds
// the (e) rows on 1, 2 and 4 cores: core scaling), --halide-autoschedulers
// (adds row (b) with the schedules of Halide's own autoschedulers:
// b:Mullapudi2016, b:Li2018, b:Adams2019), --jobs N (N rows at once,
// each in a worker process: generation and the simulator are single-threaded),
// --compare BASE.json [--max-slowdown R] (each row against a bench.json from
// an earlier run; exits 3 when any row takes more than R x its baseline
// cycles, default 1.05; cycle counts are deterministic, so any change is real).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>

#include "bench_report.h"
#include "bench_rows.h"

using namespace halyard_bench;

namespace {

constexpr int kExitRegression = 3;

struct Job {
    const Layer *layer;
    Config config;
};

int usage() {
    std::cerr << "usage: halyard-bench [--out DIR] [--only LAYER] [--rows abcdefws] [--scaling] [--halide-autoschedulers]\n"
                 "                     [--jobs N] [--compare BASE.json [--max-slowdown RATIO]]\n";
    return 2;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void print_progress(size_t done, size_t total, const Row &r, int target_cores, double row_s, double elapsed_s) {
    std::cerr << "[" << done << "/" << total << "] " << r.layer << " " << config_name(parse_config(r.config), target_cores)
              << ": " << r.cycles << " cycles" << (r.ok ? "" : "  " + r.note) << std::fixed << std::setprecision(1)
              << " (" << row_s << " s; elapsed " << elapsed_s << " s)" << std::endl;
}

// --jobs N: each row in a child process (this program with --worker), at most
// N at a time; a child writes its row as JSON, read back here.
std::vector<Row> run_in_workers(const std::vector<Job> &jobs, int n_jobs, int target_cores) {
    const char *tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp ? tmp : "/tmp") + "/halyard-bench-XXXXXX";
    if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a scratch directory " + templ);
    const std::string dir = templ;
    std::vector<Row> rows(jobs.size());
    std::map<pid_t, size_t> running;
    std::vector<std::chrono::steady_clock::time_point> started(jobs.size());
    const auto t0 = std::chrono::steady_clock::now();
    size_t next = 0, done = 0;
    while (done < jobs.size()) {
        while (next < jobs.size() && (int)running.size() < n_jobs) {
            const std::string out = dir + "/row" + std::to_string(next) + ".json";
            const pid_t pid = fork();
            if (pid < 0) throw std::runtime_error("fork failed");
            if (pid == 0) {
                execl("/proc/self/exe", "halyard-bench", "--worker", jobs[next].layer->name.c_str(),
                      jobs[next].config.id.c_str(), out.c_str(), (char *)nullptr);
                _exit(127);
            }
            running[pid] = next;
            started[next] = std::chrono::steady_clock::now();
            next++;
        }
        int status = 0;
        const pid_t pid = wait(&status);
        if (pid < 0) throw std::runtime_error("wait failed");
        const size_t i = running.at(pid);
        running.erase(pid);
        const std::string out = dir + "/row" + std::to_string(i) + ".json";
        try {
            std::vector<Row> one = read_rows(out);
            if (one.size() != 1) throw std::runtime_error(out + ": want one row");
            rows[i] = one[0];
        } catch (const std::exception &e) {
            rows[i].layer = jobs[i].layer->name;
            rows[i].config = jobs[i].config.id;
            rows[i].note = "FAIL: worker exited with status " + std::to_string(status) + " (" + e.what() + ")";
        }
        done++;
        print_progress(done, jobs.size(), rows[i], target_cores, seconds_since(started[i]), seconds_since(t0));
    }
    std::system(("rm -rf '" + dir + "'").c_str());
    return rows;
}

}  // namespace

int main(int argc, char **argv) {
    std::string out_dir = ".", only, rows_letters = "abcdefw", compare_path;
    double max_slowdown = 1.05;
    int n_jobs = 1;
    bool scaling = false, halide_autoschedulers = false;
    try {
        for (int i = 1; i < argc; i++) {
            const std::string a = argv[i];
            const bool has_value = i + 1 < argc;
            if (a == "--worker" && i + 3 < argc) {
                // Internal (--jobs): run one row, write it as a one-row bench.json.
                const Layer *l = find_layer(argv[i + 1]);
                if (!l) return 2;
                Row r = run_row(*l, parse_config(argv[i + 2]));
                std::ofstream(argv[i + 3]) << nlohmann::json::array({row_to_json(r)}).dump() << "\n";
                return 0;
            }
            if (a == "--out" && has_value) out_dir = argv[++i];
            else if (a == "--only" && has_value) only = argv[++i];
            else if (a == "--rows" && has_value) rows_letters = argv[++i];
            else if (a == "--scaling") scaling = true;
            else if (a == "--halide-autoschedulers") halide_autoschedulers = true;
            else if (a == "--compare" && has_value) compare_path = argv[++i];
            else if ((a == "--max-slowdown" || a == "--jobs") && has_value) {
                const std::string v = argv[++i];
                char *end = nullptr;
                const double x = std::strtod(v.c_str(), &end);
                const bool whole = end && *end == '\0' && !v.empty();
                if (a == "--jobs") {
                    if (!whole || x < 1 || x != (int)x) {
                        std::cerr << "halyard-bench: --jobs " << v << ": want a whole number >= 1\n";
                        return 2;
                    }
                    n_jobs = (int)x;
                } else {
                    if (!whole || !(x >= 1.0)) {
                        std::cerr << "halyard-bench: --max-slowdown " << v << ": want a ratio >= 1 (e.g. 1.05)\n";
                        return 2;
                    }
                    max_slowdown = x;
                }
            } else return usage();
        }
    } catch (const std::exception &e) {
        std::cerr << "halyard-bench: " << e.what() << "\n";
        return 2;
    }
    if (rows_letters.find_first_not_of("abcdefws") != std::string::npos || rows_letters.empty()) {
        std::cerr << "halyard-bench: --rows " << rows_letters << ": give letters from abcdefws\n";
        return 2;
    }
    // Fail before minutes of simulation, not after: the output files must be
    // writable and the baseline readable.
    for (const char *f : {"bench.md", "bench.csv", "bench.json"}) {
        std::ofstream probe(out_dir + "/" + f, std::ios::app);
        if (!probe) {
            std::cerr << "halyard-bench: --out " << out_dir << ": cannot write " << out_dir << "/" << f
                      << " (does the directory exist?)\n";
            return 2;
        }
    }
    std::vector<Row> baseline;
    if (!compare_path.empty()) {
        try {
            baseline = read_rows(compare_path);
        } catch (const std::exception &e) {
            std::cerr << "halyard-bench: --compare " << e.what() << "\n";
            return 2;
        }
    }
    if (!only.empty() && !find_layer(only)) {
        std::cerr << "halyard-bench: --only " << only << ": no such layer (layers:";
        for (const auto &l : bench_layers()) std::cerr << " " << l.name;
        std::cerr << ")\n";
        return 2;
    }
    Ceilings ceilings;
    try {
        ceilings = ceilings_of(halyard::TargetDescription::named("cluster"));
    } catch (const std::exception &e) {
        std::cerr << "halyard-bench: " << e.what() << "\n";
        return 2;
    }
    std::vector<Job> jobs;
    for (const auto &l : bench_layers()) {
        if (!only.empty() && l.name != only) continue;
        for (char c : std::string("abcdefws")) {
            // (w) keeps B, a weight, in the NPU weight memory; in the
            // attention scores B is the keys, an activation.
            if (c == 'w' && l.heads) continue;
            if (rows_letters.find(c) != std::string::npos) jobs.push_back({&l, parse_config(std::string(1, c))});
        }
        if (halide_autoschedulers) {
            for (const auto &name : halide_autoscheduler_names()) jobs.push_back({&l, parse_config("b:" + name)});
        }
        if (scaling) {
            for (int n = 1; n < ceilings.cores; n *= 2) jobs.push_back({&l, parse_config("e@" + std::to_string(n))});
        }
    }
    std::vector<Row> rows;
    try {
        if (n_jobs > 1) {
            rows = run_in_workers(jobs, n_jobs, ceilings.cores);
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            for (const Job &j : jobs) {
                const auto t_row = std::chrono::steady_clock::now();
                rows.push_back(run_row(*j.layer, j.config));
                print_progress(rows.size(), jobs.size(), rows.back(), ceilings.cores, seconds_since(t_row),
                               seconds_since(t0));
            }
        }
    } catch (const std::exception &e) {
        std::cerr << "halyard-bench: " << e.what() << "\n";
        return 2;
    }
    bool all_ok = true;
    for (const auto &r : rows) all_ok &= r.ok || r.does_not_run;
    std::cout << write_tables(rows, out_dir, ceilings);
    if (!compare_path.empty()) {
        Comparison c = compare_rows(rows, baseline, max_slowdown);
        std::cout << "\n" << c.text;
        if (c.regressions) return kExitRegression;
    }
    return all_ok ? 0 : 1;
}
