// halyard-autoschedule: search a schedule for one layer with the cost model,
// measure the best K on the Verilator model (local worker pool or Slurm) and
// write the winner as an ordinary schedule file.
//
//   halyard-autoschedule gemm M=64 K=64 N=64 trans_b=1 --target cluster --out gemm.sched
//
// `--run-task DIR INDEX` runs one build-and-simulate task of a measurement
// job (what each Slurm array task executes).
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "command_line.h"
#include "halyard/autoscheduler/cache.h"
#include "halyard/autoscheduler/search.h"

using namespace halyard;
using namespace halyard::autoschedule;

namespace {

const char *kUsage =
    "usage: halyard-autoschedule <family> [KEY=VALUE...] --target NAME|FILE.target [--budget SECONDS]\n"
    "         [--measure K] [--out FILE.sched] [--json LOG.json] [--launcher local|slurm] [--jobs N]\n"
    "         [--seed N] [--cache-dir DIR | --no-cache] [--work-dir DIR] [--sbatch-args 'OPTIONS']\n"
    "       halyard-autoschedule --run-task DIR INDEX\n";

std::string self_exe() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "halyard-autoschedule";
    buf[n] = 0;
    return buf;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    CommandLine cli("halyard-autoschedule", kUsage);
    if (!args.empty() && args[0] == "--run-task") {
        if (args.size() != 3) cli.fail("--run-task needs DIR INDEX");
        Measurement m = run_task(args[1], cli.integer("--run-task INDEX", args[2], 0, 1 << 20));
        std::cout << "task " << args[2] << ": " << (m.ok ? "ok" : "FAILED") << " " << m.cycles << " cycles\n";
        return m.ok ? 0 : 1;
    }
    std::string target_name, out_path, json_path, cache_dir = default_cache_dir();
    SearchOptions options;
    LaunchOptions launch;
    int measure_k = 6;
    bool use_cache = true;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string &a = args[i];
        auto value = [&] { return cli.value(args, i); };
        if (a == "--target") target_name = value();
        else if (a == "--budget") options.budget_seconds = cli.integer(a, value(), 1, 86400);
        else if (a == "--measure") measure_k = cli.integer(a, value(), 0, 256);
        else if (a == "--out") out_path = value();
        else if (a == "--json") json_path = value();
        else if (a == "--launcher") {
            launch.launcher = value();
            if (launch.launcher != "local" && launch.launcher != "slurm") {
                cli.fail("--launcher " + launch.launcher + ": expected local or slurm");
            }
        } else if (a == "--jobs") launch.jobs = cli.integer(a, value(), 1, 1024);
        else if (a == "--seed") options.seed = (uint32_t)cli.integer(a, value(), 0, 1 << 30);
        else if (a == "--cache-dir") cache_dir = value();
        else if (a == "--no-cache") use_cache = false;
        else if (a == "--work-dir") launch.work_dir = value();
        else if (a == "--sbatch-args") launch.sbatch_args = value();
        else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        }
        else cli.layer_word(a);
    }
    launch.task_command = self_exe();
    try {
        const TargetDescription target = cli.target(target_name);
        const std::string &family = cli.family;
        const auto &params = cli.params;
        const std::string key = cache_key(family, params, target);
        if (use_cache && measure_k > 0) {
            if (auto hit = cache_lookup(cache_dir, family, key)) {
                std::cerr << "halyard-autoschedule: cache hit " << cache_path(cache_dir, family, key) << "\n";
                if (!out_path.empty()) std::ofstream(out_path) << *hit;
                else std::cout << *hit;
                return 0;
            }
        }
        // On a terminal one line rewritten in place; in a log, a line when
        // the phase changes and at most one every 5 s.
        const bool tty = isatty(2);
        std::string last_phase;
        auto last_time = std::chrono::steady_clock::now();
        Progress progress = [&](const std::string &line) {
            if (tty) {
                std::cerr << "\r\033[K[autoschedule] " << line << std::flush;
                return;
            }
            const std::string phase = line.substr(0, line.find(':'));
            const auto now = std::chrono::steady_clock::now();
            if (phase != last_phase || now - last_time > std::chrono::seconds(5)) {
                std::cerr << "[autoschedule] " << line << "\n";
                last_phase = phase;
                last_time = now;
            }
        };
        AutoscheduleResult r = autoschedule_layer(family, params, target, options, measure_k, launch, progress);
        if (tty) std::cerr << "\n";
        std::cerr << "halyard-autoschedule: " << r.search.cost_model_evaluations << " candidates ranked, "
                  << r.search.validations << " generated (" << r.search.valid.size() << " valid) in "
                  << (int)r.search.search_seconds << " s, " << (r.search.valid.size() < (size_t)measure_k ? r.search.valid.size() : (size_t)measure_k)
                  << " measured + the hand default in " << (int)r.measure_seconds << " s\n";
        for (const auto &s : r.search.valid) {
            if (!s.measured) continue;
            std::cerr << (s.npu ? std::string("  (NPU, not predicted)") : "  predicted " + std::to_string((int64_t)s.predicted.total))
                      << ", measured "
                      << (s.measurement.ok ? std::to_string(s.measurement.cycles) : "FAILED: " + s.measurement.error.substr(0, 200))
                      << "  " << s.description << "\n";
        }
        if (measure_k > 0) {
            std::cerr << "  hand default: measured "
                      << (r.default_measurement.ok ? std::to_string(r.default_measurement.cycles)
                                                   : "FAILED: " + r.default_measurement.error.substr(0, 200))
                      << "\n";
        }
        if (!json_path.empty()) {
            std::ofstream j(json_path);
            if (!j) throw UserError("--json " + json_path + ": cannot write");
            j << result_json(r);
        }
        if (!out_path.empty()) {
            std::ofstream o(out_path);
            if (!o) throw UserError("--out " + out_path + ": cannot write");
            o << r.schedule_file;
        } else {
            std::cout << r.schedule_file;
        }
        const bool measured_ok = measure_k == 0 || r.default_measurement.ok || r.winner >= 0;
        if (use_cache && measure_k > 0 && measured_ok) cache_store(cache_dir, family, key, r.schedule_file);
        return measured_ok ? 0 : 1;
    } catch (const UserError &e) {
        std::cerr << "halyard-autoschedule: " << e.what() << "\n";
        return 1;
    } catch (const TargetError &e) {
        std::cerr << "halyard-autoschedule: " << e.what() << "\n";
        return 1;
    }
}
