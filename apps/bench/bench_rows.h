// The rows of halyard-bench: the layer set, the configurations (a)-(e) and
// the core-count sweep of (e), and running one row on the Verilator model
// (generate, build, simulate, check bit-exactly against a plain loop).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace halyard_bench {

struct Layer {
    std::string name;
    int heads = 0;  // 0: GEMM Y[M,N] = A[M,K] W[N,K]^T; >0: batched Q K^T per head
    int M, K, N;
    int64_t macs() const { return int64_t(heads > 1 ? heads : 1) * M * K * N; }
    std::string family() const { return heads ? "matmul" : "gemm"; }
    std::map<std::string, std::string> params() const;
};

// The fixed layer set, in table order.
const std::vector<Layer> &bench_layers();
const Layer *find_layer(const std::string &name);

// A configuration: "a".."f" or "s" (see bench_main.cpp), "e@N": the (e) schedule
// generated for N cores (the core-count sweep; "e" itself is all cores), or
// "b:NAME": row (b) with the schedule of Halide's autoscheduler NAME
// (Mullapudi2016, Li2018, Adams2019) instead of the hand-written one.
struct Config {
    std::string id;
    char row = 'e';
    int cores = 0;  // 0: the configuration's usual count (1 for a and c, all cores otherwise)
    std::string halide_autoscheduler;  // "b:NAME": row (b) scheduled by Halide's autoscheduler NAME
};
const std::vector<std::string> &halide_autoscheduler_names();  // the NAMEs of "b:NAME"
Config parse_config(const std::string &id);  // throws std::invalid_argument naming the id
std::string config_name(const Config &c, int target_cores);

struct Row {
    std::string layer, config;
    int cores = 0;
    uint64_t cycles = 0, dma_bytes = 0;
    int64_t l1_bytes = 0, macs = 0;
    bool ok = false;
    // A baseline's schedule that cannot run on the cluster (a Halide
    // autoscheduler's schedule overflowing the core's stack, say): a finding
    // about that schedule, reported as "does not run", not a bench failure.
    bool does_not_run = false;
    std::string note;
    // (f): halyard-sim's NPU counters (jobs, MACs, cycles with a job running, peak MAC/cycle).
    uint64_t npu_jobs = 0, npu_macs = 0, npu_busy_cycles = 0, npu_peak = 0;
};

// Runs one row. Its inputs come from a generator seeded by layer and config,
// so a row gives the same figures alone, in any order or in parallel.
Row run_row(const Layer &layer, const Config &config);

}  // namespace halyard_bench
