#include "bench_plots.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

using nlohmann::json;
using namespace halyard_plot;

namespace halyard_bench {

namespace {

json parse_file(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    try {
        return json::parse(in);
    } catch (const json::parse_error &e) {
        throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
    }
}

const json &need(const json &j, const char *key, const std::string &where, json::value_t type) {
    if (!j.is_object() || !j.contains(key)) throw std::runtime_error(where + ": no field '" + key + "'");
    const json &v = j.at(key);
    const bool ok = type == json::value_t::number_integer ? v.is_number_integer()
                    : type == json::value_t::number_float ? v.is_number()
                                                          : v.type() == type;
    if (!ok) throw std::runtime_error(where + ": field '" + key + "' is " + v.dump() + ", not " + json(type).type_name());
    return v;
}

std::string mcycles(double c) {
    std::ostringstream os;
    os.precision(c >= 1e7 ? 3 : 2);
    os << c / 1e6 << " M";
    return os.str();
}

Rgb gray(int v) { return Rgb{uint8_t(v), uint8_t(v), uint8_t(v)}; }

}  // namespace

std::vector<NetworkRun> read_networks(const std::string &path) {
    const json doc = parse_file(path);
    if (!doc.is_array()) throw std::runtime_error(path + ": want an array of runs");
    std::vector<NetworkRun> runs;
    for (size_t i = 0; i < doc.size(); i++) {
        const std::string where = path + ": row " + std::to_string(i);
        const json &j = doc[i];
        NetworkRun r;
        r.network = need(j, "network", where, json::value_t::string).get<std::string>();
        if (!j.contains("kind"))
            throw std::runtime_error(where + ": no field 'kind' (written by an older halyard-bench-networks: rerun "
                                             "cmake --build build --target bench-networks)");
        r.kind = need(j, "kind", where, json::value_t::string).get<std::string>();
        if (r.kind != "decode" && r.kind != "prefill")
            throw std::runtime_error(where + ": field 'kind' is \"" + r.kind + "\", want \"decode\" or \"prefill\"");
        r.length = need(j, "length", where, json::value_t::number_integer).get<int64_t>();
        r.cores = need(j, "cores", where, json::value_t::number_integer).get<int>();
        r.l1_budget = need(j, "l1_budget", where, json::value_t::number_integer).get<int64_t>();
        r.cycles = need(j, "cycles", where, json::value_t::number_integer).get<uint64_t>();
        for (const auto &[op, c] : need(j, "per_op", where, json::value_t::object).items()) {
            if (!c.is_number_integer())
                throw std::runtime_error(where + ": per_op '" + op + "' is " + c.dump() + ", not a cycle count");
            r.per_op[op] = c.get<uint64_t>();
        }
        runs.push_back(r);
    }
    return runs;
}

std::vector<PublishedPoint> read_published(const std::string &path) {
    const json doc = parse_file(path);
    const json &pts = need(doc, "points", path, json::value_t::array);
    std::vector<PublishedPoint> out;
    for (size_t i = 0; i < pts.size(); i++) {
        const std::string where = path + ": points[" + std::to_string(i) + "]";
        PublishedPoint p;
        p.kind = need(pts[i], "kind", where, json::value_t::string).get<std::string>();
        p.series = need(pts[i], "series", where, json::value_t::string).get<std::string>();
        p.length = need(pts[i], "length", where, json::value_t::number_integer).get<int64_t>();
        p.cycles = need(pts[i], "cycles", where, json::value_t::number_float).get<double>();
        out.push_back(p);
    }
    return out;
}

Rendered plot_roofline(const std::vector<Row> &rows, const halyard::TargetDescription &t, const Font &f,
                       const std::string &path) {
    const Ceilings c = ceilings_of(t);
    XYChart ch;
    ch.title = "Roofline of the bench layers, " + std::to_string(c.cores) + "-core cluster (e) and NPU (f)";
    ch.x = {"MACs per L2 byte moved by the DMA", true};
    ch.y = {"MAC / cycle", true};
    double lo = c.macs_per_cycle / c.dma_bytes_per_cycle, hi = lo;  // start from the ridge point
    int k = 0;
    for (const Row &r : rows) {
        // The (e) rows (all cores), and the (f) rows against the NPU's roof.
        const bool npu_row = r.config == "f" || r.config == "w";
        if (!r.ok || r.dma_bytes == 0 || r.cycles == 0 || !(r.config == "e" || npu_row)) continue;
        Series s;
        s.name = npu_row ? r.layer + ", NPU (" + r.config + ")" : r.layer;
        s.color = palette(k++);
        s.connect = false;
        s.x = {double(r.macs) / double(r.dma_bytes)};
        s.y = {double(r.macs) / double(r.cycles)};
        lo = std::min(lo, s.x[0]);
        hi = std::max(hi, s.x[0]);
        ch.series.push_back(s);
    }
    if (ch.series.empty()) throw std::runtime_error("roofline: no bit-exact (e) row with DMA bytes in the bench table");
    // The NPU's ceiling, once the NPU exists in the description: its ridge
    // point may lie right of every layer, so the x range reaches it.
    const double npu = t.has("npu.macs_per_cycle") ? double(t.get_int("npu.macs_per_cycle")) : 0.0;
    const double peak = std::max(c.macs_per_cycle, npu);
    hi = std::max(hi, peak / c.dma_bytes_per_cycle);
    lo /= 3;
    hi *= 3;
    const double ridge = c.macs_per_cycle / c.dma_bytes_per_cycle;
    std::ostringstream dma, comp;
    dma << "DMA ceiling: " << c.dma_bytes_per_cycle << " B/cycle (dma.bytes_per_cycle)";
    comp << "compute: " << c.cores << " cores x " << c.macs_per_cycle / c.cores << " = " << c.macs_per_cycle
         << " MAC/cycle (core.macs_per_cycle)";
    ch.series.push_back({dma.str(), gray(70), {lo, peak / c.dma_bytes_per_cycle}, {c.dma_bytes_per_cycle * lo, peak},
                         true, Marker::None, 2, 6});
    ch.series.push_back({comp.str(), gray(0), {ridge, hi}, {c.macs_per_cycle, c.macs_per_cycle}, true, Marker::None, 2});
    if (npu > 0) {
        ch.series.push_back({"NPU peak " + std::to_string((int64_t)npu) + " MAC/cycle (npu.macs_per_cycle)",
                             Rgb{150, 0, 150}, {npu / c.dma_bytes_per_cycle, hi}, {npu, npu}, true, Marker::None, 2});
    }
    ch.x.min = lo;
    ch.x.max = hi;
    ch.y.min = std::pow(10, std::floor(std::log10(c.dma_bytes_per_cycle * lo)));
    ch.y.max = std::pow(10, std::ceil(std::log10(peak * 1.5)));
    return render(ch, f, path);
}

Rendered plot_core_scaling(const std::vector<Row> &rows, const Font &f, const std::string &path) {
    // Per layer: the e@N rows and (e) itself, as speed-up over e@1.
    std::map<std::string, std::map<int, uint64_t>> by_layer;
    std::vector<std::string> order;
    for (const Row &r : rows) {
        if (!r.ok || r.cycles == 0 || (r.config != "e" && r.config.rfind("e@", 0) != 0)) continue;
        if (!by_layer.count(r.layer)) order.push_back(r.layer);
        by_layer[r.layer][r.cores] = r.cycles;
    }
    XYChart ch;
    ch.title = "Core scaling of the (e) schedule (L1 tiles by DMA)";
    ch.x = {"cores", false};
    ch.y = {"speed-up over 1 core", false};
    int k = 0, max_cores = 1;
    for (const auto &layer : order) {
        const auto &pts = by_layer[layer];
        if (!pts.count(1) || pts.size() < 2) continue;
        Series s;
        const Row *any = nullptr;
        for (const Row &r : rows) {
            if (r.layer == layer) any = &r;
        }
        s.name = std::string(layer.rfind("mha", 0) == 0 ? "matmul" : "gemm") + ": " + layer;
        (void)any;
        s.color = palette(k++);
        for (const auto &[cores, cyc] : pts) {
            s.x.push_back(cores);
            s.y.push_back(double(pts.at(1)) / double(cyc));
            max_cores = std::max(max_cores, cores);
        }
        ch.series.push_back(s);
    }
    if (ch.series.empty())
        throw std::runtime_error("core scaling: no layer has e@1 and (e) rows (run halyard-bench with --scaling)");
    ch.series.push_back({"ideal (linear)", gray(110), {1, double(max_cores)}, {1, double(max_cores)}, true, Marker::None, 2, 6});
    ch.x.min = 0;
    ch.x.max = max_cores + 0.5;
    ch.y.min = 0;
    ch.y.max = max_cores + 0.5;
    return render(ch, f, path);
}

namespace {

// Halyard's runs of one kind as series (one per cores x L1 budget), plus the
// published points of the same kind (one series per label).
XYChart length_chart(const std::vector<NetworkRun> &runs, const std::vector<PublishedPoint> &deeploy,
                     const std::string &kind) {
    XYChart ch;
    std::map<std::pair<int, int64_t>, Series> ours;
    for (const auto &r : runs) {
        if (r.kind != kind) continue;
        Series &s = ours[{-r.cores, -r.l1_budget}];
        s.name = "Halyard, " + std::to_string(r.cores) + (r.cores == 1 ? " core, " : " cores, ") +
                 std::to_string(r.l1_budget / 1024) + " KB L1";
        s.x.push_back(double(r.length));
        s.y.push_back(double(r.cycles) / 1e6);
        s.labels.push_back(mcycles(double(r.cycles)));
    }
    int k = 0;
    for (auto &[key, s] : ours) {
        // Points in length order, so the line runs left to right.
        std::vector<size_t> idx(s.x.size());
        for (size_t i = 0; i < idx.size(); i++) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
        Series sorted = s;
        for (size_t i = 0; i < idx.size(); i++) {
            sorted.x[i] = s.x[idx[i]];
            sorted.y[i] = s.y[idx[i]];
            sorted.labels[i] = s.labels[idx[i]];
        }
        sorted.color = palette(k++);
        ch.series.push_back(sorted);
    }
    std::map<std::string, Series> theirs;
    std::vector<std::string> order;
    for (const auto &p : deeploy) {
        if (p.kind != kind) continue;
        if (!theirs.count(p.series)) order.push_back(p.series);
        Series &s = theirs[p.series];
        s.name = "Deeploy (published): " + p.series;
        s.connect = false;
        s.marker = Marker::Diamond;
        s.x.push_back(double(p.length));
        s.y.push_back(p.cycles / 1e6);
    }
    for (const auto &name : order) {
        theirs[name].color = palette(k++);
        ch.series.push_back(theirs[name]);
    }
    if (ch.series.empty()) throw std::runtime_error(kind + " plot: no " + kind + " runs in networks.json");
    return ch;
}

}  // namespace

Rendered plot_decode_kv(const std::vector<NetworkRun> &runs, const std::vector<PublishedPoint> &deeploy, const Font &f,
                        const std::string &path) {
    XYChart ch = length_chart(runs, deeploy, "decode");
    ch.title = "microLlama decode: cycles per token against the KV-cache length";
    ch.x = {"KV-cache length (tokens)", false};
    ch.y = {"Mcycles per token", false};
    return render(ch, f, path);
}

Rendered plot_prefill_prompt(const std::vector<NetworkRun> &runs, const std::vector<PublishedPoint> &deeploy,
                             const Font &f, const std::string &path) {
    XYChart ch = length_chart(runs, deeploy, "prefill");
    ch.title = "microLlama prefill: cycles against the prompt length";
    ch.x = {"prompt length (tokens)", false};
    ch.y = {"Mcycles per prefill", false};
    return render(ch, f, path);
}

Rendered plot_decode_breakdown(const std::vector<NetworkRun> &runs, const Font &f, const std::string &path) {
    // Decode steps on the whole cluster with the largest L1 budget.
    int cores = 0;
    int64_t l1 = 0;
    for (const auto &r : runs) {
        if (r.kind == "decode") cores = std::max(cores, r.cores);
    }
    for (const auto &r : runs) {
        if (r.kind == "decode" && r.cores == cores) l1 = std::max(l1, r.l1_budget);
    }
    std::vector<const NetworkRun *> steps;
    for (const auto &r : runs) {
        if (r.kind == "decode" && r.cores == cores && r.l1_budget == l1) steps.push_back(&r);
    }
    if (steps.empty()) throw std::runtime_error("decode breakdown: no decode runs in networks.json");
    std::sort(steps.begin(), steps.end(), [](auto *a, auto *b) { return a->length < b->length; });
    // Op types by their total, largest at the bottom of each bar.
    std::map<std::string, double> total;
    for (auto *r : steps) {
        for (const auto &[op, c] : r->per_op) total[op] += double(c);
    }
    std::vector<std::string> ops;
    for (const auto &[op, c] : total) ops.push_back(op);
    std::sort(ops.begin(), ops.end(), [&](const std::string &a, const std::string &b) { return total[a] > total[b]; });
    BarChart ch;
    ch.title = "Where a decode step's cycles go (" + std::to_string(cores) + " cores, " + std::to_string(l1 / 1024) +
               " KB L1), by op type";
    ch.y_label = "Mcycles per token";
    ch.x_label = "KV-cache length";
    for (auto *r : steps) ch.categories.push_back("KV " + std::to_string(r->length));
    int k = 0;
    for (const auto &op : ops) {
        BarStack s{op, palette(k++), {}};
        for (auto *r : steps) s.values.push_back(r->per_op.count(op) ? double(r->per_op.at(op)) / 1e6 : 0.0);
        ch.stacks.push_back(s);
    }
    BarStack outside{"outside kernel calls", gray(150), {}};
    for (auto *r : steps) {
        double in = 0;
        for (const auto &[op, c] : r->per_op) in += double(c);
        outside.values.push_back(std::max(0.0, double(r->cycles) - in) / 1e6);
    }
    ch.stacks.push_back(outside);
    return render(ch, f, path);
}

std::vector<DecodeActivity> read_decode_activity(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open (halyard-llm --bench KV,.. --bench-json writes it)");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const std::exception &e) {
        throw std::runtime_error(path + ": not JSON: " + e.what());
    }
    if (!j.is_array() || j.empty()) throw std::runtime_error(path + ": expected a non-empty array of decode steps");
    std::vector<DecodeActivity> out;
    for (size_t i = 0; i < j.size(); i++) {
        const auto &r = j[i];
        DecodeActivity d;
        for (const char *k : {"kv", "cycles", "core_cycles"})
            if (!r.contains(k)) throw std::runtime_error(path + ": step " + std::to_string(i) + ": no field '" + k + "'");
        d.kv = r.at("kv").get<int64_t>();
        d.cycles = r.at("cycles").get<uint64_t>();
        for (const auto &[name, n] : r.at("core_cycles").items()) d.core_cycles.push_back({name, n.get<uint64_t>()});
        out.push_back(std::move(d));
    }
    return out;
}

Rendered plot_decode_activity(const std::vector<DecodeActivity> &steps, int cores, const Font &f,
                              const std::string &path) {
    BarChart ch;
    ch.title = "The language model's decode step: where the cycles of all " + std::to_string(cores) + " cores go";
    ch.y_label = "Mcycles per token (each core's cycles / " + std::to_string(cores) + ")";
    ch.x_label = "KV-cache length";
    for (const auto &s : steps) ch.categories.push_back("KV " + std::to_string(s.kv));
    // Classes in the first step's order (halyard-llm writes compute first).
    int k = 0;
    for (const auto &[name, n0] : steps.front().core_cycles) {
        BarStack st{name, palette(k++), {}};
        for (const auto &s : steps) {
            double v = 0;
            for (const auto &[n, c] : s.core_cycles)
                if (n == name) v = double(c) / cores / 1e6;
            st.values.push_back(v);
        }
        ch.stacks.push_back(st);
    }
    return render(ch, f, path);
}

}  // namespace halyard_bench
