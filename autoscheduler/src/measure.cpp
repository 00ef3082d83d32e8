#include "halyard/autoscheduler/measure.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "halyard/generator.h"
#include "halyard/harness/buffers.h"
#include "halyard/harness/harness.h"
#include "halyard/harness/jit.h"

namespace halyard::autoschedule {

using json = nlohmann::json;
using namespace halyard::harness;

LayerData make_layer_data(const std::string &family, const std::map<std::string, std::string> &params, uint32_t seed) {
    const GeneratorFamily &f = find_generator(family);
    Algorithm algo = f.build(ParamMap(family, f.params, params));
    std::mt19937 rng(seed);
    std::vector<TypedBuffer> buffers;
    LayerData d;
    for (const auto &in : algo.inputs) {
        TypedBuffer b = random_layer_input(rng, in.type.name, in.type.type, num_elements(in.type.shape));
        buffers.push_back(b);
    }
    std::vector<void *> ptrs;
    for (auto &b : buffers) {
        ptrs.push_back(b.data());
        std::vector<int64_t> v(b.size());
        for (int64_t i = 0; i < b.size(); i++) v[i] = b.get(i);
        d.inputs.push_back({c_type_name(b.type), v});
    }
    TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
    ptrs.push_back(out.data());
    GeneratedLibrary host = run_generator(family, params, TargetDescription::named("host"), nullptr, "expected_" + family);
    JitKernel kernel(host);
    if (kernel.call(ptrs) != 0) throw std::runtime_error("the host build of " + family + " returned an error");
    d.expected.resize(out.size());
    for (int64_t i = 0; i < out.size(); i++) d.expected[i] = out.get(i);
    d.out_c_type = c_type_name(algo.output.type);
    return d;
}

namespace {

std::string task_stem(const std::string &dir, int i) { return dir + "/task-" + std::to_string(i); }

void write_job(const std::string &dir, const std::vector<GeneratedLibrary> &libs, const LayerData &data) {
    std::filesystem::create_directories(dir);
    json j;
    j["out_c_type"] = data.out_c_type;
    j["expected"] = data.expected;
    j["max_cycles"] = data.max_cycles;
    j["inputs"] = json::array();
    for (const auto &in : data.inputs) j["inputs"].push_back({{"c_type", in.c_type}, {"values", in.values}});
    j["tasks"] = libs.size();
    std::ofstream(dir + "/data.json") << j.dump();
    for (size_t i = 0; i < libs.size(); i++) {
        std::ofstream(task_stem(dir, (int)i) + ".name") << libs[i].name;
        std::ofstream(task_stem(dir, (int)i) + ".c") << libs[i].c_source;
        std::ofstream(task_stem(dir, (int)i) + ".h") << libs[i].header;
        std::filesystem::remove(dir + "/result-" + std::to_string(i) + ".json");
    }
}

std::string slurp(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Measurement read_result(const std::string &dir, int i) {
    const std::string path = dir + "/result-" + std::to_string(i) + ".json";
    Measurement m;
    std::ifstream in(path);
    if (!in) {
        m.error = "task " + std::to_string(i) + " wrote no result " + path;
        return m;
    }
    try {
        json j = json::parse(in);
        m.ok = j.at("ok").get<bool>();
        m.cycles = j.at("cycles").get<uint64_t>();
        m.dma_bytes = j.at("dma_bytes").get<uint64_t>();
        m.error = j.at("error").get<std::string>();
    } catch (const json::exception &e) {
        m.error = path + ": " + e.what();
    }
    return m;
}

std::vector<Measurement> run_local(const std::string &dir, int n, int jobs) {
    std::vector<Measurement> out(n);
    std::atomic<int> next{0};
    std::vector<std::thread> pool;
    for (int w = 0; w < std::max(1, std::min(jobs, n)); w++) {
        pool.emplace_back([&] {
            for (int i = next++; i < n; i = next++) out[i] = run_task(dir, i);
        });
    }
    for (auto &t : pool) t.join();
    return out;
}

std::vector<Measurement> run_slurm(const std::string &dir, int n, const LaunchOptions &o) {
    if (o.task_command.empty()) throw std::runtime_error("--launcher slurm needs the task program (internal)");
    const std::string script = dir + "/task.sh";
    std::ofstream(script) << "#!/bin/sh\n# One build-and-simulate task of the job array.\nexec " << shell_quote(o.task_command)
                          << " --run-task " << shell_quote(dir) << " \"$SLURM_ARRAY_TASK_ID\"\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
    std::string array = "0-" + std::to_string(n - 1);
    if (o.jobs > 0) array += "%" + std::to_string(o.jobs);
    const std::string cmd = "sbatch --wait --quiet --job-name=halyard-autoschedule --array=" + array + " --output=" +
                            shell_quote(dir + "/slurm-%a.out") + " " + o.sbatch_args + " " + shell_quote(script);
    CommandResult r = run_command(cmd);
    std::vector<Measurement> out(n);
    for (int i = 0; i < n; i++) {
        out[i] = read_result(dir, i);
        if (!out[i].ok && out[i].error.find("wrote no result") != std::string::npos) {
            out[i].error += " (sbatch: " + r.log.substr(0, 400) + "; see " + dir + "/slurm-" + std::to_string(i) + ".out)";
        }
    }
    return out;
}

}  // namespace

Measurement run_task(const std::string &dir, int index) {
    Measurement m;
    try {
        json j = json::parse(slurp(dir + "/data.json"));
        if (index < 0 || index >= j.at("tasks").get<int>()) {
            throw std::runtime_error("task index " + std::to_string(index) + " out of range (job has " +
                                     std::to_string(j.at("tasks").get<int>()) + " tasks)");
        }
        std::vector<SimInput> inputs;
        for (const auto &in : j.at("inputs")) {
            inputs.push_back({in.at("c_type").get<std::string>(), in.at("values").get<std::vector<int64_t>>()});
        }
        GeneratedLibrary lib;
        lib.name = slurp(task_stem(dir, index) + ".name");
        lib.c_source = slurp(task_stem(dir, index) + ".c");
        lib.header = slurp(task_stem(dir, index) + ".h");
        SimRun r = run_on_cluster(lib, inputs, j.at("out_c_type").get<std::string>(),
                                  j.at("expected").get<std::vector<int64_t>>(), j.at("max_cycles").get<uint64_t>());
        m.ok = r.ok;
        m.cycles = r.cycles;
        m.dma_bytes = r.dma_bytes;
        if (!r.ok) m.error = r.log.substr(0, 1500);
    } catch (const std::exception &e) {
        m.error = e.what();
    }
    json res = {{"ok", m.ok}, {"cycles", m.cycles}, {"dma_bytes", m.dma_bytes}, {"error", m.error}};
    // Written under a temporary name, then renamed: a reader never sees half a file.
    const std::string path = dir + "/result-" + std::to_string(index) + ".json";
    std::ofstream(path + ".tmp") << res.dump(1) << "\n";
    std::filesystem::rename(path + ".tmp", path);
    return m;
}

std::vector<Measurement> measure(const std::vector<GeneratedLibrary> &libs, const LayerData &data,
                                 const LaunchOptions &options) {
    if (libs.empty()) return {};
    const std::string dir = options.work_dir.empty() ? scratch_dir() + "/measure" : options.work_dir;
    write_job(dir, libs, data);
    if (options.launcher == "local") return run_local(dir, (int)libs.size(), options.jobs);
    if (options.launcher == "slurm") return run_slurm(dir, (int)libs.size(), options);
    throw UserError("--launcher " + options.launcher + ": expected local or slurm");
}

}  // namespace halyard::autoschedule
