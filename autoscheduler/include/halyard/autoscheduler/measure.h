// Measuring candidate schedules on the Verilator model: each candidate is a
// generated library; a measurement job is a directory of build-and-simulate
// tasks (data.json: inputs and expected output; task-<i>.c/.h: one library
// each), each task writes result-<i>.json. The tasks run on a local worker
// pool or as a Slurm job array (`sbatch --array --wait`, results collected
// from the files), with the same task code either way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "halyard/backend.h"
#include "halyard/harness/cluster_run.h"

namespace halyard::autoschedule {

// A layer's inputs (random, from `seed`) and its expected output: the same
// family generated for the host with the host's default schedule, compiled
// natively and run (the host tests check that build bit-exactly against the
// independent reference).
struct LayerData {
    std::vector<harness::SimInput> inputs;
    std::string out_c_type;
    std::vector<int64_t> expected;
    uint64_t max_cycles = 40000000;
};
LayerData make_layer_data(const std::string &family, const std::map<std::string, std::string> &params, uint32_t seed);

struct Measurement {
    bool ok = false;          // built, ran, bit-exact
    uint64_t cycles = 0;
    uint64_t dma_bytes = 0;
    std::string error;        // why not ok (first lines of the log)
};

struct LaunchOptions {
    std::string launcher = "local";  // local | slurm
    int jobs = 1;                    // local: worker threads; slurm: tasks at once (0: no limit)
    std::string work_dir;            // "" : a scratch directory
    std::string task_command;        // slurm: the program run as `<cmd> --run-task DIR INDEX`
    std::string sbatch_args;         // slurm: extra sbatch options (partition, time)
};

// Writes the job directory and runs every task; results in library order.
std::vector<Measurement> measure(const std::vector<GeneratedLibrary> &libs, const LayerData &data,
                                 const LaunchOptions &options);

// One task of a job directory: build, simulate, write result-<index>.json.
Measurement run_task(const std::string &dir, int index);

}  // namespace halyard::autoschedule
