// check-sim-report SIM ELF OUT_DIR [--timeline] [--dma-bytes N] [--regions a,b,...] [--dma-resumed]
//
// Runs `SIM --quiet --json OUT_DIR/report.json [--timeline OUT_DIR/timeline.json] ELF`
// on a program with no traps and checks what it wrote, read through
// nlohmann::json (not a hand-written reader):
//  - the report: the fields, one entry per core (HALYARD_CORES from the
//    generated target header), each core's cycles = retired instructions plus
//    every stall cause = the run's cycles; the energy: its parts add up to the
//    total, its event counts match the perf counters and the DMA bytes;
//  - the timeline (--timeline): a track per core whose slices tile the run
//    (busy + sleep + stall = the run's cycles) and whose per-activity cycle
//    counts equal that core's perf counters, a DMA track whose transfers add
//    up to the DMA bytes (--dma-bytes: also that figure), and the named
//    regions (--regions: each on some core; "work" on every core); with
//    --dma-resumed, some background transfer ran in pieces (a DMA slice
//    marked background and resumed).
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "halyard_target_params.h"

using nlohmann::json;

namespace {

struct CheckFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

json read_json(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw CheckFailed(path + ": cannot open");
    try {
        return json::parse(in);
    } catch (const json::parse_error &e) {
        throw CheckFailed(path + ": not valid JSON: " + e.what());
    }
}

// The value of `key` in `obj` (an object read from `where`), or a failure naming both.
const json &field(const json &obj, const std::string &key, const std::string &where) {
    if (!obj.is_object() || !obj.contains(key)) throw CheckFailed(where + ": missing key '" + key + "'");
    return obj.at(key);
}

uint64_t number(const json &obj, const std::string &key, const std::string &where) {
    const json &v = field(obj, key, where);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw CheckFailed(where + ": '" + key + "' is " + v.dump() + ", not a non-negative integer");
    return v.get<uint64_t>();
}

void check_report(const json &r, const std::string &path) {
    for (const char *key : {"exit_code", "cycles", "sim_cycles_per_second", "tcdm_conflicts", "dma", "cores"})
        field(r, key, path);
    const uint64_t cycles = number(r, "cycles", path);
    const json &cores = field(r, "cores", path);
    if (!cores.is_array() || cores.size() != HALYARD_CORES) {
        std::ostringstream os;
        os << path << ": 'cores' has " << (cores.is_array() ? cores.size() : 0) << " entries, want " << HALYARD_CORES;
        throw CheckFailed(os.str());
    }
    const char *parts[] = {"instret",        "load_use_stalls", "tcdm_conflict_stalls", "l2_wait_cycles",
                           "branch_penalty_cycles", "sleep_cycles", "multicycle_stalls"};
    for (const json &c : cores) {
        const std::string where = path + ": core " + field(c, "core", path).dump();
        uint64_t total = 0;
        for (const char *p : parts) total += number(c, p, where);
        const uint64_t core_cycles = number(c, "cycles", where);
        if (total != core_cycles || core_cycles != cycles) {
            std::ostringstream os;
            os << where << ": cycles " << core_cycles << ", parts add up to " << total << ", run " << cycles;
            throw CheckFailed(os.str());
        }
    }
    if (number(field(r, "dma", path), "bytes", path + ": dma") == 0) throw CheckFailed(path + ": no DMA bytes reported");
    std::cout << "json report ok: " << cycles << " cycles, " << HALYARD_CORES << " cores, dma "
              << r["dma"]["bytes"].get<uint64_t>() << " bytes\n";
}


void check_energy(const json &r, const std::string &path) {
    const std::string where = path + ": energy";
    const json &e = field(r, "energy", path);
    const json &ev = field(e, "events", where), &uj = field(e, "uj", where);
    double sum = 0;
    for (const auto &[k, v] : uj.items()) {
        if (!v.is_number() || v.get<double>() < 0) throw CheckFailed(where + ": uj." + k + " is " + v.dump());
        sum += v.get<double>();
    }
    const double total = field(e, "total_uj", where).get<double>();
    if (!(total > 0) || std::fabs(sum - total) > 1e-9 * total)
        throw CheckFailed(where + ": total_uj " + std::to_string(total) + ", parts add up to " + std::to_string(sum));
    uint64_t instret = 0, stalls = 0, sleep = 0;
    for (const json &c : r["cores"]) {
        instret += c["instret"].get<uint64_t>();
        sleep += c["sleep_cycles"].get<uint64_t>();
        for (const char *k : {"load_use_stalls", "tcdm_conflict_stalls", "l2_wait_cycles", "branch_penalty_cycles",
                              "multicycle_stalls"})
            stalls += c[k].get<uint64_t>();
    }
    uint64_t instr_events = 0;
    for (const char *k : {"instr_alu", "instr_mul_div", "instr_dotp", "instr_load_store", "instr_branch_jump"})
        instr_events += number(ev, k, where + ".events");
    auto expect = [&](const char *what, uint64_t got, uint64_t want) {
        if (got != want)
            throw CheckFailed(where + ": " + what + " " + std::to_string(got) + ", the counters say " + std::to_string(want));
    };
    expect("instructions", instr_events, instret);
    expect("stall_cycles", number(ev, "stall_cycles", where), stalls);
    expect("sleep_cycles", number(ev, "sleep_cycles", where), sleep);
    expect("dma_bytes", number(ev, "dma_bytes", where), r["dma"]["bytes"].get<uint64_t>());
    if (number(ev, "tcdm_accesses", where) == 0) throw CheckFailed(where + ": no TCDM accesses counted");
    std::cout << "energy ok: " << total << " uJ (" << field(e, "average_mw", where).get<double>() << " mW average at "
              << field(e, "clock_mhz", where) << " MHz)\n";
}

void check_timeline(const json &t, const std::string &path, const json &report, int64_t dma_bytes,
                    const std::vector<std::string> &regions, bool dma_resumed) {
    const uint64_t cycles = report["cycles"].get<uint64_t>();
    const json &events = field(t, "traceEvents", path);
    if (!events.is_array()) throw CheckFailed(path + ": traceEvents is not an array");
    std::map<int, std::vector<const json *>> slices;  // tid -> complete events
    std::set<int> named;
    for (const json &e : events) {
        const std::string ph = field(e, "ph", path).get<std::string>();
        if (ph == "M" && e["name"] == "thread_name") named.insert(e["tid"].get<int>());
        if (ph == "X") slices[field(e, "tid", path).get<int>()].push_back(&e);
    }
    const std::map<std::string, std::vector<std::string>> counter_parts = {
        {"instret", {"instret"}},           {"load_use_stalls", {"load_use"}},
        {"tcdm_conflict_stalls", {"tcdm_conflict"}}, {"l2_wait_cycles", {"l2_wait"}},
        {"branch_penalty_cycles", {"branch_penalty"}}, {"sleep_cycles", {"sleep_event", "sleep_barrier"}},
        {"multicycle_stalls", {"multicycle"}}};
    uint64_t barrier = 0;
    for (int c = 0; c < HALYARD_CORES; c++) {
        const std::string where = path + ": core " + std::to_string(c);
        if (!named.count(c)) throw CheckFailed(where + ": no thread_name for its track");
        uint64_t at = 0;
        std::map<std::string, uint64_t> by_activity;
        for (const json *e : slices[c]) {
            const uint64_t ts = (*e)["ts"].get<uint64_t>(), dur = (*e)["dur"].get<uint64_t>();
            if (ts != at) throw CheckFailed(where + ": a slice starts at " + std::to_string(ts) + ", want " + std::to_string(at));
            uint64_t in_args = 0;
            for (const auto &[k, v] : (*e)["args"].items()) {
                by_activity[k] += v.get<uint64_t>();
                in_args += v.get<uint64_t>();
            }
            if (in_args != dur) throw CheckFailed(where + ": a slice at " + std::to_string(ts) + " lasts " + std::to_string(dur) + " but counts " + std::to_string(in_args) + " cycles");
            at += dur;
        }
        if (at != cycles) throw CheckFailed(where + ": busy + sleep + stall = " + std::to_string(at) + " cycles, the run took " + std::to_string(cycles));
        const json &core = report["cores"][c];
        for (const auto &[counter, parts] : counter_parts) {
            uint64_t got = 0;
            for (const auto &p : parts) got += by_activity[p];
            if (got != core[counter].get<uint64_t>())
                throw CheckFailed(where + ": " + std::to_string(got) + " cycles of " + counter + " on the track, the counter says " + core[counter].dump());
        }
        barrier += by_activity["sleep_barrier"];
    }
    if (barrier == 0) throw CheckFailed(path + ": no core ever waits at a barrier");
    uint64_t moved = 0;
    int resumed = 0;
    for (const json *e : slices[200]) {
        moved += (*e)["args"]["bytes"].get<uint64_t>();
        if ((*e)["args"].value("background", false) && (*e)["args"].value("resumed", false)) resumed++;
    }
    if (dma_resumed && resumed == 0) throw CheckFailed(path + ": no resumed piece of a background transfer on the DMA track");
    if (moved != report["dma"]["bytes"].get<uint64_t>() || (dma_bytes >= 0 && moved != (uint64_t)dma_bytes))
        throw CheckFailed(path + ": the DMA track's transfers move " + std::to_string(moved) + " bytes, the report says " +
                          report["dma"]["bytes"].dump() + (dma_bytes >= 0 ? ", want " + std::to_string(dma_bytes) : ""));
    for (const std::string &name : regions) {
        std::set<int> on;
        for (const auto &[tid, list] : slices) {
            for (const json *e : list) {
                if (tid >= 100 && tid < 100 + HALYARD_CORES && (*e)["name"] == name) on.insert(tid - 100);
            }
        }
        if (on.empty()) throw CheckFailed(path + ": no region named '" + name + "'");
        if (name == "work" && (int)on.size() != HALYARD_CORES)
            throw CheckFailed(path + ": region 'work' on " + std::to_string(on.size()) + " cores, want every core");
    }
    std::cout << "timeline ok: " << events.size() << " events, " << slices[200].size() << " DMA transfers ("
              << moved << " B), " << barrier << " barrier-wait cycles\n";
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) {
        std::cerr << "usage: check-sim-report SIM ELF OUT_DIR [--timeline] [--dma-bytes N] [--regions a,b] [--dma-resumed]\n";
        return 2;
    }
    const std::string sim = argv[1], elf = argv[2], out = argv[3];
    bool timeline = false, dma_resumed = false;
    int64_t dma_bytes = -1;
    std::vector<std::string> regions;
    for (int i = 4; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--timeline") timeline = true;
        else if (a == "--dma-resumed") dma_resumed = true;
        else if (a == "--dma-bytes" && i + 1 < argc) dma_bytes = std::stoll(argv[++i]);
        else if (a == "--regions" && i + 1 < argc) {
            std::stringstream list(argv[++i]);
            for (std::string r; std::getline(list, r, ',');) regions.push_back(r);
        } else {
            std::cerr << "check-sim-report: unknown option " << a << "\n";
            return 2;
        }
    }
    const std::string report = out + "/report.json", trace = out + "/timeline.json";
    std::system(("mkdir -p '" + out + "'").c_str());
    const std::string cmd = "'" + sim + "' --quiet --json '" + report + "'" + (timeline ? " --timeline '" + trace + "'" : "") +
                            " '" + elf + "'";
    if (std::system(cmd.c_str()) != 0) {
        std::cerr << "check-sim-report: the program failed: " << cmd << "\n";
        return 1;
    }
    try {
        const json r = read_json(report);
        check_report(r, report);
        check_energy(r, report);
        if (timeline) check_timeline(read_json(trace), trace, r, dma_bytes, regions, dma_resumed);
    } catch (const CheckFailed &e) {
        std::cerr << "check-sim-report: " << e.what() << "\n";
        return 1;
    } catch (const json::exception &e) {
        std::cerr << "check-sim-report: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
