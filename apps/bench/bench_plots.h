// The bench's plots, from its own table (bench.json), the whole-network runs
// (apps/networks: networks.json), Deeploy's published figures
// (apps/networks/deeploy_published.json) and the cluster's target
// description (the compute and DMA ceilings):
//   roofline.png          MAC/cycle against MACs per L2 byte the DMA moved
//   core_scaling.png      the (e) schedule on 1, 2, 4, 8 cores, per layer
//   decode_kv.png         cycles per decoded token against the KV length
//   prefill_prompt.png    prefill cycles against the prompt length
//   decode_breakdown.png  where a decode step's cycles go, per op type
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench_report.h"
#include "plot/chart.h"

namespace halyard_bench {

// A row of networks.json.
struct NetworkRun {
    std::string network, kind;       // kind: "decode" or "prefill"
    int64_t length = 0;              // KV length (decode) or prompt length (prefill)
    int cores = 0;
    int64_t l1_budget = 0;
    uint64_t cycles = 0;
    std::map<std::string, uint64_t> per_op;  // cycles inside kernel calls, by op type
};
std::vector<NetworkRun> read_networks(const std::string &path);

// One decode step of halyard-llm --bench --bench-json: its cycles and all
// cores' cycles by class (compute, TCDM conflicts, L2 wait, asleep (fork, DMA),
// barrier wait).
struct DecodeActivity {
    int64_t kv = 0;
    uint64_t cycles = 0;
    std::vector<std::pair<std::string, uint64_t>> core_cycles;  // in the file's order
};
std::vector<DecodeActivity> read_decode_activity(const std::string &path);

// A published Deeploy figure (Siracusa, GVSoC).
struct PublishedPoint {
    std::string kind, series;
    int64_t length = 0;
    double cycles = 0;
};
std::vector<PublishedPoint> read_published(const std::string &path);

using halyard_plot::Font;
using halyard_plot::Rendered;

Rendered plot_roofline(const std::vector<Row> &rows, const halyard::TargetDescription &t, const Font &f,
                       const std::string &path);
Rendered plot_core_scaling(const std::vector<Row> &rows, const Font &f, const std::string &path);
// Stacked bars: where the language model's decode step's core cycles go, per KV length.
Rendered plot_decode_activity(const std::vector<DecodeActivity> &steps, int cores, const Font &f,
                              const std::string &path);
Rendered plot_decode_kv(const std::vector<NetworkRun> &runs, const std::vector<PublishedPoint> &deeploy, const Font &f,
                        const std::string &path);
Rendered plot_prefill_prompt(const std::vector<NetworkRun> &runs, const std::vector<PublishedPoint> &deeploy,
                             const Font &f, const std::string &path);
Rendered plot_decode_breakdown(const std::vector<NetworkRun> &runs, const Font &f, const std::string &path);

}  // namespace halyard_bench
