// The layer set and the configuration names: what the table, the plots and
// a baseline agree on (no generator or simulator needed to read them).
#include <stdexcept>

#include "bench_rows.h"

namespace halyard_bench {

std::map<std::string, std::string> Layer::params() const {
    if (heads) {
        return {{"a_shape", std::to_string(heads) + "x" + std::to_string(M) + "x" + std::to_string(K)},
                {"b_shape", std::to_string(heads) + "x" + std::to_string(N) + "x" + std::to_string(K)},
                {"trans_b", "1"}};
    }
    return {{"M", std::to_string(M)}, {"K", std::to_string(K)}, {"N", std::to_string(N)}, {"trans_b", "1"}};
}

const std::vector<Layer> &bench_layers() {
    static const std::vector<Layer> layers = {
        {"gemm_64x64x64", 0, 64, 64, 64},       {"gemm_128x256x64", 0, 128, 256, 64},
        {"ffn_up_16x64x256", 0, 16, 64, 256},   {"ffn_down_16x256x64", 0, 16, 256, 64},
        {"gemv_1x64x256", 0, 1, 64, 256},       {"mha_scores_8h_64x16x64", 8, 64, 16, 64},
    };
    return layers;
}

const Layer *find_layer(const std::string &name) {
    for (const auto &l : bench_layers()) {
        if (l.name == name) return &l;
    }
    return nullptr;
}

// Halide's autoschedulers row (b) can use (the plugins halide_baseline.cpp
// loads); here as names only, so reading a table needs no Halide.
const std::vector<std::string> &halide_autoscheduler_names() {
    static const std::vector<std::string> names = {"Mullapudi2016", "Li2018", "Adams2019"};
    return names;
}

Config parse_config(const std::string &id) {
    Config c;
    c.id = id;
    if (id.size() == 1 && ((id[0] >= 'a' && id[0] <= 'f') || id[0] == 's' || id[0] == 'w')) {
        c.row = id[0];
        return c;
    }
    if (id.size() > 2 && id.compare(0, 2, "e@") == 0 && id.find_first_not_of("0123456789", 2) == std::string::npos) {
        c.cores = std::stoi(id.substr(2));
        if (c.cores >= 1) return c;
    }
    if (id.size() > 2 && id.compare(0, 2, "b:") == 0) {
        for (const auto &name : halide_autoscheduler_names()) {
            if (id.substr(2) == name) {
                c.row = 'b';
                c.halide_autoscheduler = name;
                return c;
            }
        }
    }
    std::string known;
    for (const auto &name : halide_autoscheduler_names()) known += (known.empty() ? "" : ", ") + ("b:" + name);
    throw std::invalid_argument("configuration '" + id + "': want one of a b c d e f w s, e@N (N cores), or " + known);
}

std::string config_name(const Config &c, int target_cores) {
    const std::string all = std::to_string(target_cores) + " cores";
    switch (c.row) {
    case 'a': return "(a) plain C -O3, 1 core";
    case 'b':
        if (!c.halide_autoscheduler.empty())
            return "(b) Halide compile_to_c, " + c.halide_autoscheduler + " autoscheduler, " + all;
        return "(b) Halide compile_to_c, " + all;
    case 'c': return "(c) Halyard, 1 core";
    case 'd': return "(d) Halyard, " + all;
    case 's': return "(s) Halyard, autoscheduled (" + all + " or the NPU)";
    case 'f': return "(f) Halyard, NPU";
    case 'w': return "(w) Halyard, NPU, B resident in its weight memory";
    default:
        if (c.cores) return "(e) Halyard, " + std::to_string(c.cores) + (c.cores == 1 ? " core" : " cores") + ", L1 + DMA";
        return "(e) Halyard, " + all + ", L1 + DMA";
    }
}

}  // namespace halyard_bench
