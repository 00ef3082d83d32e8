// halyard-plots --bench bench.json [--networks networks.json | --networks-if-present networks.json]
//               [--llm-decode steps.json] [--deeploy deeploy_published.json] [--target cluster|FILE.target] --out DIR
//
// Draws the bench's plots (bench_plots.h) as PNG files in DIR and lists them
// in DIR/plots.json (each image's size, data area and legend colors, for the
// test that decodes the images back). The network plots need networks.json
// from `cmake --build build --target bench-networks`; with
// --networks-if-present a missing file only skips them.
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "bench_plots.h"

#ifndef HALYARD_PLOT_FONT
#error "HALYARD_PLOT_FONT (the TrueType font file) is set by apps/bench/plot/CMakeLists.txt"
#endif
#ifndef HALYARD_DEEPLOY_PUBLISHED
#define HALYARD_DEEPLOY_PUBLISHED ""
#endif

using namespace halyard_bench;
using nlohmann::json;

namespace {

bool exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

json describe(const halyard_plot::Rendered &r, const std::string &file) {
    json legend = json::array();
    for (const auto &[name, c] : r.legend) legend.push_back({{"name", name}, {"rgb", {c.r, c.g, c.b}}});
    return {{"file", file},
            {"width", r.width},
            {"height", r.height},
            {"plot_area", {r.plot_x0, r.plot_y0, r.plot_x1, r.plot_y1}},
            {"legend", legend}};
}

}  // namespace

int main(int argc, char **argv) {
    std::string bench, networks, llm_decode, out, target = "cluster", deeploy = HALYARD_DEEPLOY_PUBLISHED;
    bool networks_optional = false;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (i + 1 >= argc) {
            std::cerr << "halyard-plots: " << a << " needs a value (see the usage at the top of plots_main.cpp)\n";
            return 2;
        }
        const std::string v = argv[++i];
        if (a == "--bench") bench = v;
        else if (a == "--networks") networks = v;
        else if (a == "--networks-if-present") networks = v, networks_optional = true;
        else if (a == "--deeploy") deeploy = v;
        else if (a == "--llm-decode") llm_decode = v;
        else if (a == "--target") target = v;
        else if (a == "--out") out = v;
        else {
            std::cerr << "usage: halyard-plots --bench bench.json [--networks[-if-present] networks.json] "
                         "[--llm-decode steps.json] [--deeploy FILE] [--target cluster|FILE] --out DIR\n";
            return 2;
        }
    }
    if (out.empty() || (bench.empty() && networks.empty() && llm_decode.empty())) {
        std::cerr << "halyard-plots: give --out DIR and --bench bench.json, --networks networks.json and/or "
                     "--llm-decode steps.json\n";
        return 2;
    }
    try {
        const halyard_plot::Font font(HALYARD_PLOT_FONT);
        json manifest = json::array();
        auto emit = [&](const halyard_plot::Rendered &r, const std::string &file) {
            manifest.push_back(describe(r, file));
            std::cout << "written: " << out << "/" << file << "\n";
        };
        if (!bench.empty()) {
            const std::vector<Row> rows = read_rows(bench);
            const halyard::TargetDescription t = target.find('/') == std::string::npos
                                                     ? halyard::TargetDescription::named(target)
                                                     : halyard::TargetDescription::load(target);
            emit(plot_roofline(rows, t, font, out + "/roofline.png"), "roofline.png");
            bool sweep = false;
            for (const Row &r : rows) sweep |= r.config.rfind("e@", 0) == 0;
            if (sweep) emit(plot_core_scaling(rows, font, out + "/core_scaling.png"), "core_scaling.png");
            else std::cout << "no e@N rows in " << bench << " (halyard-bench --scaling): core_scaling.png skipped\n";
        }
        if (!networks.empty() && networks_optional && !exists(networks)) {
            std::cout << networks << " not found: the network plots are skipped (cmake --build build --target "
                         "bench-networks writes it)\n";
        } else if (!networks.empty()) {
            const std::vector<NetworkRun> runs = read_networks(networks);
            if (deeploy.empty()) throw std::runtime_error("no file of Deeploy's published figures (give --deeploy)");
            const std::vector<PublishedPoint> published = read_published(deeploy);
            emit(plot_decode_kv(runs, published, font, out + "/decode_kv.png"), "decode_kv.png");
            emit(plot_prefill_prompt(runs, published, font, out + "/prefill_prompt.png"), "prefill_prompt.png");
            emit(plot_decode_breakdown(runs, font, out + "/decode_breakdown.png"), "decode_breakdown.png");
        }
        if (!llm_decode.empty()) {
            const halyard::TargetDescription t = target.find('/') == std::string::npos
                                                     ? halyard::TargetDescription::named(target)
                                                     : halyard::TargetDescription::load(target);
            emit(plot_decode_activity(read_decode_activity(llm_decode), t.cores(), font, out + "/llm_decode_activity.png"),
                 "llm_decode_activity.png");
        }
        std::ofstream m(out + "/plots.json");
        m << manifest.dump(2) << "\n";
        if (!m) throw std::runtime_error(out + "/plots.json: cannot write (does --out exist?)");
    } catch (const std::exception &e) {
        std::cerr << "halyard-plots: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
