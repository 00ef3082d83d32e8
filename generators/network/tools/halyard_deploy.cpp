// halyard-deploy MODEL.onnx --out DIR [--name NAME] [--target cluster|host|rv32|FILE.target]
//                [--cores N] [--l1 BYTES] [--schedules DIR] [--input-type NAME=TYPE]... [--no-fusion] [--no-prefetch]
//                [--autoschedule [--autoschedule-measure K] [--autoschedule-budget SECONDS] [--cache-dir DIR]]
// Compiles a Deeploy-dialect ONNX model into one program: DIR/NAME.c/.h
// (entry point NAME_run), the kernels' C, and NAME.report.txt. With
// --autoschedule every kernel without a file in --schedules gets the
// autoscheduler's schedule, from its cache (keyed by op, shapes and target)
// or searched and measured on the Verilator model, then cached.
#include <functional>
#include <iostream>

#include "halyard/autoscheduler/cache.h"
#include "halyard/network/network.h"

using namespace halyard;

int main(int argc, char **argv) {
    network::NetworkOptions o;
    std::string model, out, cache_dir = autoschedule::default_cache_dir();
    bool autoschedule = false, npu = false;
    int measure_k = 2, budget = 20;
    try {
        for (int i = 1; i < argc; i++) {
            std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw UserError(a + " needs a value");
                return argv[++i];
            };
            if (a == "--help" || a == "-h") {
                std::cout << "usage: halyard-deploy MODEL.onnx --out DIR [--name NAME] [--target NAME|FILE.target]\n"
                             "       [--cores N] [--l1 BYTES] [--schedules DIR] [--input-type NAME=TYPE]... [--no-fusion] [--no-prefetch]\n"
                             "       [--autoschedule [--autoschedule-measure K] [--autoschedule-budget SECONDS] [--cache-dir DIR]]\n"
                             "       [--no-npu]   (every kernel on the cores; the default puts GEMM/MatMul kernels on the\n"
                             "                     target's NPU where the cost model says it wins and the backend maps them)\n"
                             "Graph inputs are int8 unless --input-type says otherwise (int8, uint8, int16, int32).\n";
                return 0;
            } else if (a == "--out") out = value();
            else if (a == "--name") o.name = value();
            else if (a == "--target") o.target = value();
            else if (a == "--cores") o.cores = std::stoi(value());
            else if (a == "--l1") o.l1_budget = std::stoll(value());
            else if (a == "--schedules") o.schedules_dir = value();
            else if (a == "--no-fusion") o.fuse = false;
            else if (a == "--no-prefetch") o.prefetch_weights = false;
            else if (a == "--autoschedule") autoschedule = true;
            else if (a == "--npu") npu = true;  // the default on a target with an NPU
            else if (a == "--no-npu") o.use_npu = false;
            else if (a == "--autoschedule-measure") measure_k = std::stoi(value());
            else if (a == "--autoschedule-budget") budget = std::stoi(value());
            else if (a == "--cache-dir") cache_dir = value();
            else if (a == "--input-type") {
                std::string v = value();
                auto eq = v.find('=');
                if (eq == std::string::npos) throw UserError("--input-type " + v + ": expected NAME=TYPE");
                o.input_types[v.substr(0, eq)] = parse_elem_type(v.substr(eq + 1));
            } else if (!a.empty() && a[0] == '-') throw UserError("unknown option " + a);
            else if (model.empty()) model = a;
            else throw UserError("more than one model given: " + model + " and " + a);
        }
        if (model.empty() || out.empty()) throw UserError("give a model and --out DIR (see --help)");
        autoschedule::CachedAutoscheduler tuner;
        tuner.cache_dir = cache_dir;
        tuner.measure_k = measure_k;
        tuner.budget_seconds = budget;
        if (autoschedule && npu) throw UserError("--autoschedule and --npu: give one of them");
        if (autoschedule) o.schedule_provider = std::ref(tuner);
        if (npu && !o.use_npu) throw UserError("--npu and --no-npu: give one of them");
        network::NetworkProgram p = network::compile_onnx(model, o);
        network::write_program(p, out);
        std::cout << "halyard-deploy: " << out << "/" << p.name << ".c: " << p.steps.size() << " kernel calls, "
                  << p.kernels.size() << " kernels, activations " << p.arena_bytes << " B (" << p.arena_naive_bytes
                  << " B without reuse), constants " << p.const_bytes << " B; report " << out << "/" << p.name
                  << ".report.txt\n";
        if (autoschedule) {
            std::cout << "halyard-deploy: autoscheduled " << tuner.searched << " kernels, " << tuner.cached << " from the cache "
                      << cache_dir << "\n";
        }
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "halyard-deploy: " << e.what() << "\n";
        return 2;
    }
}
