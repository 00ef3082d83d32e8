#include "bench_report.h"

#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>

using nlohmann::json;

namespace halyard_bench {

Ceilings ceilings_of(const halyard::TargetDescription &t) {
    Ceilings c;
    c.cores = t.cores();
    c.macs_per_cycle = double(t.cores()) * double(t.core_macs_per_cycle());
    c.dma_bytes_per_cycle = double(t.dma_beat_bytes());
    return c;
}

json row_to_json(const Row &r) {
    const double mpc = r.cycles ? double(r.macs) / double(r.cycles) : 0.0;
    json j = {{"layer", r.layer},         {"config", r.config},     {"cores", r.cores},
              {"cycles", r.cycles},       {"macs", r.macs},         {"mac_per_cycle", mpc},
              {"l1_bytes", r.l1_bytes},   {"dma_bytes", r.dma_bytes}, {"bit_exact", r.ok}};
    if (!r.note.empty()) j["note"] = r.note;
    if (r.does_not_run) j["does_not_run"] = true;
    if (r.npu_jobs) {
        j["npu"] = {{"jobs", r.npu_jobs}, {"macs", r.npu_macs}, {"busy_cycles", r.npu_busy_cycles}, {"peak", r.npu_peak}};
    }
    return j;
}

namespace {

const json &need(const json &j, const char *key, const std::string &where) {
    if (!j.contains(key)) throw std::runtime_error(where + ": no field '" + key + "'");
    return j.at(key);
}

uint64_t need_count(const json &j, const char *key, const std::string &where) {
    const json &v = need(j, key, where);
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
        throw std::runtime_error(where + ": field '" + key + "' is " + v.dump() + ", not a count (integer >= 0)");
    return v.get<uint64_t>();
}

std::string need_string(const json &j, const char *key, const std::string &where) {
    const json &v = need(j, key, where);
    if (!v.is_string()) throw std::runtime_error(where + ": field '" + key + "' is " + v.dump() + ", not a string");
    return v.get<std::string>();
}

}  // namespace

Row row_from_json(const json &j, const std::string &where) {
    if (!j.is_object()) throw std::runtime_error(where + ": " + j.dump() + " is not an object");
    Row r;
    r.layer = need_string(j, "layer", where);
    r.config = need_string(j, "config", where);
    r.cycles = need_count(j, "cycles", where);
    const json &ok = need(j, "bit_exact", where);
    if (!ok.is_boolean()) throw std::runtime_error(where + ": field 'bit_exact' is " + ok.dump() + ", not true/false");
    r.ok = ok.get<bool>();
    // Optional in hand-written baselines.
    if (j.contains("cores")) r.cores = (int)need_count(j, "cores", where);
    if (j.contains("macs")) r.macs = (int64_t)need_count(j, "macs", where);
    if (j.contains("l1_bytes")) r.l1_bytes = (int64_t)need_count(j, "l1_bytes", where);
    if (j.contains("dma_bytes")) r.dma_bytes = need_count(j, "dma_bytes", where);
    if (j.contains("note")) r.note = need_string(j, "note", where);
    if (j.contains("does_not_run")) {
        const json &d = j.at("does_not_run");
        if (!d.is_boolean()) throw std::runtime_error(where + ": field 'does_not_run' is " + d.dump() + ", not true/false");
        r.does_not_run = d.get<bool>();
    }
    if (j.contains("npu")) {
        const json &n = j.at("npu");
        r.npu_jobs = need_count(n, "jobs", where);
        r.npu_macs = need_count(n, "macs", where);
        r.npu_busy_cycles = need_count(n, "busy_cycles", where);
        r.npu_peak = need_count(n, "peak", where);
    }
    return r;
}

std::vector<Row> read_rows(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error &e) {
        throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
    }
    if (!doc.is_array()) throw std::runtime_error(path + ": want an array of rows, found " + std::string(doc.type_name()));
    std::vector<Row> rows;
    for (size_t i = 0; i < doc.size(); i++) rows.push_back(row_from_json(doc[i], path + ": row " + std::to_string(i)));
    return rows;
}

std::string write_tables(const std::vector<Row> &rows, const std::string &dir, const Ceilings &c) {
    std::ostringstream md, csv;
    const double peak = c.macs_per_cycle;
    // The peak column: the cores' peak; an NPU row's share of the NPU's peak
    // is in the NPU table below the main one.
    md << "| layer | configuration | cycles | MAC/cycle | of " << peak << " peak (cores) | speedup vs (a) | L1 peak (B) | DMA bytes | check |\n"
       << "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    csv << "layer,config,cores,cycles,macs,mac_per_cycle,utilization,l1_bytes,dma_bytes,bit_exact\n";
    json all = json::array();
    std::map<std::string, uint64_t> plain;
    for (const auto &r : rows) {
        if (r.config == "a") plain[r.layer] = r.cycles;
    }
    for (const Row &r : rows) {
        const double mpc = r.cycles ? double(r.macs) / double(r.cycles) : 0.0;
        const double speedup = r.cycles ? double(plain[r.layer]) / double(r.cycles) : 0.0;
        md << "| " << r.layer << " | " << config_name(parse_config(r.config), c.cores) << " | " << r.cycles << " | "
           << std::fixed << std::setprecision(2) << mpc << " | "
           << (r.npu_jobs ? std::string("NPU row") : [&] { std::ostringstream x; x << std::fixed << std::setprecision(1) << 100.0 * mpc / peak << "%"; return x.str(); }())
           << " | "
           << (plain[r.layer] ? [&] { std::ostringstream x; x << std::fixed << std::setprecision(1) << speedup << "x"; return x.str(); }() : "-")
           << " | " << r.l1_bytes << " | " << r.dma_bytes << " | "
           << (r.ok ? "bit-exact" : r.does_not_run ? "does not run" : "FAIL") << " |\n";
        csv << r.layer << "," << r.config << "," << r.cores << "," << r.cycles << "," << r.macs << "," << std::setprecision(3)
            << mpc << "," << mpc / peak << "," << r.l1_bytes << "," << r.dma_bytes << "," << (r.ok ? 1 : 0) << "\n";
        all.push_back(row_to_json(r));
    }
    // (f) rows: the NPU's own counters. Utilization = MACs / (cycles x NPU
    // peak); "while busy" divides by the cycles a job was running.
    bool any_npu = false;
    for (const Row &r : rows) any_npu |= r.npu_jobs > 0;
    if (any_npu) {
        md << "\nNPU rows (halyard-sim's NPU counters):\n\n"
           << "| layer | jobs | cycles | NPU busy cycles | MAC/cycle | NPU utilization | while busy |\n"
           << "|---|---:|---:|---:|---:|---:|---:|\n";
        for (const Row &r : rows) {
            if (!r.npu_jobs || !r.cycles || !r.npu_peak) continue;
            const double mpc = double(r.macs) / double(r.cycles);
            md << "| " << r.layer << " | " << r.npu_jobs << " | " << r.cycles << " | " << r.npu_busy_cycles << " | "
               << std::fixed << std::setprecision(2) << mpc << " | " << std::setprecision(1)
               << 100.0 * mpc / double(r.npu_peak) << "% of " << r.npu_peak << " | "
               << 100.0 * double(r.npu_macs) / double(r.npu_busy_cycles * r.npu_peak) << "% |\n";
        }
    }
    std::ofstream(dir + "/bench.md") << md.str();
    std::ofstream(dir + "/bench.csv") << csv.str();
    std::ofstream(dir + "/bench.json") << all.dump(2) << "\n";
    return md.str();
}

Comparison compare_rows(const std::vector<Row> &now, const std::vector<Row> &base, double max_slowdown) {
    std::map<std::string, const Row *> by_key;
    for (const auto &b : base) by_key[b.layer + " " + b.config] = &b;
    Comparison c;
    std::ostringstream os;
    os << "Compared with the baseline (a row fails when it takes more than " << std::fixed << std::setprecision(2)
       << max_slowdown << "x its baseline cycles):\n";
    for (const Row &r : now) {
        os << "  " << std::left << std::setw(24) << r.layer << std::setw(5) << r.config << std::right;
        auto it = by_key.find(r.layer + " " + r.config);
        if (it == by_key.end()) {
            os << " " << r.cycles << " cycles: not in the baseline\n";
            continue;
        }
        const Row &b = *it->second;
        if (!r.ok) {
            os << " FAIL now" << (b.ok ? " (passed in the baseline)  REGRESSION" : " (failed in the baseline too)") << "\n";
            if (b.ok) c.regressions++;
            continue;
        }
        if (!b.ok || b.cycles == 0) {
            os << " " << r.cycles << " cycles: the baseline row failed, nothing to compare\n";
            continue;
        }
        const double ratio = double(r.cycles) / double(b.cycles);
        os << " " << std::setw(10) << b.cycles << " -> " << std::setw(10) << r.cycles << " cycles  " << std::showpos
           << std::setprecision(1) << 100.0 * (ratio - 1.0) << "%" << std::noshowpos;
        if (ratio > max_slowdown) {
            os << "  REGRESSION (" << std::setprecision(3) << ratio << "x)";
            c.regressions++;
        }
        os << "\n";
    }
    os << (c.regressions ? std::to_string(c.regressions) + " row(s) slower than allowed\n" : "no regressions\n");
    c.text = os.str();
    return c;
}

}  // namespace halyard_bench
