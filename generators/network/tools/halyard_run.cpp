// halyard-run DIR [--target host|cluster] [--cores N] [--l1 BYTES] [--json out.json]
//             [--schedules DIR] [--work DIR] [--max-cycles N] [--no-fusion] [--no-prefetch] [--no-npu] [--quiet] [--make-expected]
//             [--autoschedule [--autoschedule-measure K] [--autoschedule-budget SECONDS] [--cache-dir DIR]]
// Deploys a Deeploy test folder (network.onnx, inputs.npz, outputs.npz) and
// checks it: see include/halyard/network/runner.h.
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>

#include "halyard/autoscheduler/cache.h"
#include "halyard/network/runner.h"

using namespace halyard;

namespace {

void usage(std::ostream &os) {
    os << "usage: halyard-run DIR [--target host|cluster] [--cores N] [--l1 BYTES] [--json FILE]\n"
          "                   [--schedules DIR] [--work DIR] [--max-cycles N] [--no-fusion] [--no-prefetch] [--quiet]\n"
          "                   [--autoschedule [--autoschedule-measure K] [--autoschedule-budget SECONDS] [--cache-dir DIR]]\n"
          "                   [--no-npu]          (every kernel on the cores; the default puts GEMM/MatMul kernels on\n"
          "                                        the target's NPU where the cost model says it wins and the backend maps them)\n"
          "                   [--activations]     (also compare intermediate tensors with DIR/activations.npz)\n"
          "                   [--make-expected]   (host: write DIR/outputs.npz from this run instead of checking)\n"
          "Compiles DIR/network.onnx with Halyard, runs it on the host or on the Verilator model of the\n"
          "cluster (default) with DIR/inputs.npz, and compares every output with DIR/outputs.npz.\n";
}

int64_t number(const std::string &flag, const std::string &v) {
    try {
        size_t used = 0;
        long long x = std::stoll(v, &used, 0);
        if (used != v.size()) throw 0;
        return x;
    } catch (...) {
        throw UserError(flag + " " + v + ": expected an integer");
    }
}

}  // namespace

int main(int argc, char **argv) {
    network::RunOptions o;
    halyard::autoschedule::CachedAutoscheduler tuner;
    std::string json;
    bool quiet = false, npu_asked = false;
    try {
        for (int i = 1; i < argc; i++) {
            std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw UserError(a + " needs a value");
                return argv[++i];
            };
            if (a == "--help" || a == "-h") {
                usage(std::cout);
                return 0;
            } else if (a == "--target") o.target = value();
            else if (a == "--cores") o.cores = (int)number(a, value());
            else if (a == "--l1") o.l1_budget = number(a, value());
            else if (a == "--json") json = value();
            else if (a == "--schedules") o.schedules_dir = value();
            else if (a == "--work") o.work_dir = value();
            else if (a == "--max-cycles") o.max_cycles = (uint64_t)number(a, value());
            else if (a == "--no-fusion") o.fuse = false;
            else if (a == "--no-prefetch") o.prefetch_weights = false;
            else if (a == "--autoschedule") {
                if (npu_asked) throw UserError("--autoschedule and --npu: give one of them");
                o.schedule_provider = std::ref(tuner);
            } else if (a == "--npu") {
                // The default on a target with an NPU; kept so that older command lines run.
                if (o.schedule_provider) throw UserError("--autoschedule and --npu: give one of them");
                npu_asked = true;
            } else if (a == "--no-npu") o.use_npu = false;
            else if (a == "--autoschedule-measure") tuner.measure_k = std::stoi(value());
            else if (a == "--autoschedule-budget") tuner.budget_seconds = std::stoi(value());
            else if (a == "--cache-dir") tuner.cache_dir = value();
            else if (a == "--make-expected") o.make_expected = true;
            else if (a == "--activations") o.activations = true;
            else if (a == "--quiet") quiet = true;
            else if (!a.empty() && a[0] == '-') throw UserError("unknown option " + a);
            else if (o.dir.empty()) o.dir = a;
            else throw UserError("more than one folder given: " + o.dir + " and " + a);
        }
        if (o.dir.empty()) {
            usage(std::cerr);
            return 2;
        }
        if (o.cores < 0) throw UserError("--cores " + std::to_string(o.cores) + ": must be >= 1");
        if (npu_asked && !o.use_npu) throw UserError("--npu and --no-npu: give one of them");
        if (npu_asked && o.target == "host") throw UserError("--npu: target host has no NPU");
        network::RunResult r = network::run_test_folder(o);
        const auto &p = r.program;
        std::cout << "halyard-run " << o.dir << " on " << o.target << (o.cores ? " (" + std::to_string(o.cores) + " cores)" : "")
                  << (o.l1_budget ? ", L1 budget " + std::to_string(*o.l1_budget) + " B" : "") << "\n";
        for (const auto &t : r.input_types) std::cout << "  input " << t << "\n";
        std::cout << "  " << p.steps.size() << " kernel calls, " << p.kernels.size() << " distinct kernels; activations "
                  << p.arena_bytes << " B (" << p.arena_naive_bytes << " B without reuse), constants " << p.const_bytes
                  << " B" << (p.npu_weight_bytes ? " (+ " + std::to_string(p.npu_weight_bytes) + " B in the NPU weight memory)" : "")
                  << ", L1 region " << p.l1_bytes << " B\n";
        if (!quiet && !r.calls.empty()) {
            std::cout << "  cycles per call:\n";
            for (size_t i = 0; i < r.calls.size(); i++) {
                std::cout << "    [" << std::setw(3) << i << "] " << std::setw(9) << r.calls[i].cycles << "  " << r.calls[i].op
                          << "  " << r.calls[i].node << "\n";
            }
        }
        if (!r.first_mismatch.empty()) std::cout << "  first mismatch: " << r.first_mismatch << "\n";
        int64_t act_errors = 0;
        if (o.activations) {
            for (const auto &a : r.activations) {
                act_errors += a.errors;
                if (a.errors || !quiet) {
                    std::cout << "  activation " << a.name << " (call " << a.call << "): " << a.errors << " mismatches\n";
                }
            }
            std::cout << "Activations: matched " << r.activations.size() << " of " << r.activation_entries
                      << " entries of activations.npz, " << act_errors << " mismatching elements\n";
        }
        if (o.target == "cluster") std::cout << "Cycles: " << r.cycles << "\n";
        std::cout << "Program: " << r.work_dir << "\n";
        std::cout << "Errors: " << r.errors << " out of " << r.total << "\n";
        if (!json.empty()) {
            std::ofstream f(json);
            f << network::to_json(r, o);
            if (!f) throw UserError("--json " + json + ": cannot write the file");
        }
        return r.errors == 0 && act_errors == 0 ? 0 : 1;
    } catch (const std::exception &e) {
        std::cerr << "halyard-run: " << e.what() << "\n";
        return 2;
    }
}
