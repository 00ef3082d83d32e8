#include "halyard/autoscheduler/search.h"
#include "halyard/npu_jobs.h"
#include "halyard/schedule.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <tuple>
#include <sstream>

#include <nlohmann/json.hpp>

namespace halyard::autoschedule {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string params_text(const std::map<std::string, std::string> &params) {
    std::string s;
    for (const auto &[k, v] : params) s += (s.empty() ? "" : " ") + k + "=" + v;
    return s;
}

struct Ranked {
    double cost;
    std::string text;  // the schedule text: the identity of a candidate
    Candidate candidate;
    CostBreakdown breakdown;
};

}  // namespace

GeneratedLibrary generate_candidate(const std::string &family, const std::map<std::string, std::string> &params,
                                    const TargetDescription &target, const std::string &schedule_text,
                                    const std::string &name) {
    Schedule s = Schedule::parse(schedule_text, name + ".sched");
    return run_generator(family, params, target, &s, name);
}

SearchResult search(const std::string &family, const std::map<std::string, std::string> &params,
                    const TargetDescription &target, const SearchOptions &o, const Progress &progress) {
    const auto t0 = Clock::now();
    const GeneratorFamily &f = find_generator(family);
    const Algorithm algo = f.build(ParamMap(family, f.params, params));
    SearchSpace space(algo, target);
    CostModel model(target);
    SearchResult result;
    result.family = family;
    result.params = params;

    // 1. Evolutionary search on the cost model: a population of distinct
    // candidates, each generation's children by mutating tournament winners;
    // the best `population` survive. Every candidate seen is remembered.
    std::mt19937 rng(o.seed);
    std::map<std::string, Ranked> seen;
    auto consider = [&](const Candidate &c) -> const Ranked & {
        std::string text = space.to_text(c);
        auto it = seen.find(text);
        if (it != seen.end()) return it->second;
        CostBreakdown b = model.predict(space, c);
        result.cost_model_evaluations++;
        return seen.emplace(text, Ranked{b.total, text, c, b}).first->second;
    };
    std::vector<Ranked> pop;
    pop.push_back(consider(space.seed()));
    for (int i = 0; pop.size() < (size_t)o.population && i < o.population * 4; i++) {
        const Ranked &r = consider(space.random(rng));
        if (std::none_of(pop.begin(), pop.end(), [&](const Ranked &p) { return p.text == r.text; })) pop.push_back(r);
    }
    auto by_cost = [](const Ranked &a, const Ranked &b) { return a.cost != b.cost ? a.cost < b.cost : a.text < b.text; };
    for (int g = 0; g < o.generations; g++) {
        std::vector<Ranked> next = pop;
        for (int i = 0; i < o.population; i++) {
            const Ranked &a = pop[std::uniform_int_distribution<size_t>(0, pop.size() - 1)(rng)];
            const Ranked &b = pop[std::uniform_int_distribution<size_t>(0, pop.size() - 1)(rng)];
            Candidate child = space.mutate(by_cost(a, b) ? a.candidate : b.candidate, rng);
            // Now and then two knobs at once, to leave local minima.
            if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) child = space.mutate(child, rng);
            next.push_back(consider(child));
        }
        std::sort(next.begin(), next.end(), by_cost);
        next.erase(std::unique(next.begin(), next.end(), [](const Ranked &a, const Ranked &b) { return a.text == b.text; }),
                   next.end());
        if (next.size() > (size_t)o.population) next.resize(o.population);
        pop = next;
        if (progress) {
            std::ostringstream os;
            os << "cost model: generation " << g + 1 << "/" << o.generations << ", " << seen.size()
               << " candidates, best predicted " << (int64_t)pop.front().cost << " cycles, " << (int)seconds_since(t0)
               << " s";
            progress(os.str());
        }
        if (seconds_since(t0) > o.budget_seconds / 4) break;
    }

    // 2. Validation in predicted order: generate each candidate until `keep`
    // of them pass (apply_schedule and the backend: L1 fit, legal tiles).
    std::vector<Ranked> ranked;
    for (auto &[text, r] : seen) ranked.push_back(r);
    std::sort(ranked.begin(), ranked.end(), by_cost);
    for (const Ranked &r : ranked) {
        if ((int)result.valid.size() >= o.keep || result.validations >= o.max_validations) break;
        if (seconds_since(t0) > o.budget_seconds) {
            result.budget_exhausted = true;
            break;
        }
        result.validations++;
        Scored s;
        s.candidate = r.candidate;
        s.description = space.describe(r.candidate);
        s.schedule_text = r.text;
        s.predicted = r.breakdown;
        try {
            GeneratedLibrary lib = generate_candidate(family, params, target, r.text, "as_check");
            s.l1_bytes = lib.arenas.l1_bytes;
            result.valid.push_back(s);
        } catch (const UserError &e) {
            result.rejected.push_back(s.description + ": " + e.what());
        }
        if (progress) {
            std::ostringstream os;
            os << "validating: " << result.validations << " generated, " << result.valid.size() << "/" << o.keep
               << " valid, " << (int)seconds_since(t0) << " s";
            progress(os.str());
        }
    }
    result.search_seconds = seconds_since(t0);
    return result;
}

AutoscheduleResult autoschedule_layer(const std::string &family, const std::map<std::string, std::string> &params,
                                const TargetDescription &target, const SearchOptions &options, int measure_k,
                                const LaunchOptions &launch, const Progress &progress) {
    AutoscheduleResult r;
    SearchOptions o = options;
    o.keep = std::max(o.keep, measure_k);
    r.search = search(family, params, target, o, progress);
    const GeneratorFamily &f = find_generator(family);
    r.default_schedule_text = default_schedule(f.build(ParamMap(family, f.params, params)), target).to_text();
    int k = std::min<int>(measure_k, (int)r.search.valid.size());
    if (k > 0) {
        const auto t0 = Clock::now();
        // The K to measure: the best predicted half, then the best predicted
        // of each loop structure not measured yet (kernel, blocks, order,
        // parallel loop, split), so the measurements also settle what the
        // model cannot tell apart; the rest after them in predicted order.
        std::vector<Scored> &v = r.search.valid;
        auto structure = [](const Candidate &c) {
            return std::make_tuple(c.kernel, c.block_m, c.block_n, c.n_outer, c.parallel, c.split_loop, c.split_tile);
        };
        std::vector<Scored> chosen, rest;
        std::set<decltype(structure(Candidate{}))> taken;
        for (const Scored &s : v) {
            const bool fresh = taken.insert(structure(s.candidate)).second;
            const bool pick = (int)chosen.size() < (k + 1) / 2 || ((int)chosen.size() < k && fresh);
            (pick ? chosen : rest).push_back(s);
        }
        for (const Scored &s : rest) chosen.push_back(s);
        v = chosen;
        std::vector<GeneratedLibrary> libs;
        for (int i = 0; i < k; i++) {
            libs.push_back(generate_candidate(family, params, target, r.search.valid[i].schedule_text,
                                              "as_" + family + "_" + std::to_string(i)));
        }
        // NPU versus cores: the NPU's schedule joins the measured ones when
        // the backend maps the stage onto the NPU.
        if (target_has_npu(target)) {
            if (auto ns = npu_schedule(f.build(ParamMap(family, f.params, params)), target)) {
                try {
                    GeneratedLibrary lib = generate_candidate(family, params, target, ns->to_text(), "as_" + family + "_npu");
                    if (!lib.stages_on_npu.empty()) {
                        Scored npu;
                        npu.npu = true;
                        npu.description = "NPU (npu_schedule)";
                        npu.schedule_text = ns->to_text();
                        npu.l1_bytes = lib.arenas.l1_bytes;
                        v.insert(v.begin() + k, npu);
                        libs.push_back(std::move(lib));
                        k++;
                    }
                } catch (const UserError &) {
                    // Does not fit or validate: the cores' candidates only.
                }
            }
        }
        libs.push_back(run_generator(family, params, target, nullptr, "as_" + family + "_default"));
        if (progress) progress("measuring " + std::to_string(libs.size()) + " schedules (" + std::to_string(k) +
                               " best predicted, the NPU's where it maps, + the hand default) on the Verilator model, launcher " + launch.launcher);
        LayerData data = make_layer_data(family, params, options.seed);
        std::vector<Measurement> m = measure(libs, data, launch);
        for (int i = 0; i < k; i++) {
            r.search.valid[i].measured = true;
            r.search.valid[i].measurement = m[i];
        }
        r.default_measurement = m.back();
        r.measure_seconds = seconds_since(t0);
        uint64_t best = UINT64_MAX;
        for (int i = 0; i < k; i++) {
            if (m[i].ok && m[i].cycles < best) {
                best = m[i].cycles;
                r.winner = i;
            }
        }
        if (r.default_measurement.ok && r.default_measurement.cycles < best) r.winner = -1;
    } else if (!r.search.valid.empty()) {
        r.winner = 0;  // no measurement: the best predicted
    }
    std::ostringstream os;
    os << "# halyard-autoschedule " << family << " " << params_text(params) << " --target " << target.name()
       << " (seed " << options.seed << ")\n";
    if (r.winner >= 0) {
        const Scored &w = r.search.valid[r.winner];
        os << "# " << w.description << "\n# "
           << (w.npu ? std::string("not predicted (the cost model does not model the NPU)")
                     : "predicted " + std::to_string((int64_t)w.predicted.total) + " cycles");
        if (w.measured) os << ", measured " << w.measurement.cycles << " cycles on the Verilator model (bit-exact)";
        os << "\n";
        if (r.default_measurement.ok) os << "# hand default schedule: measured " << r.default_measurement.cycles << " cycles\n";
        os << w.schedule_text;
    } else if (r.default_measurement.ok) {
        os << "# the hand default schedule measured fastest: " << r.default_measurement.cycles
           << " cycles (best searched candidate";
        if (!r.search.valid.empty() && r.search.valid[0].measured) {
            uint64_t best = 0;
            for (const auto &s : r.search.valid) if (s.measured && s.measurement.ok && (!best || s.measurement.cycles < best)) best = s.measurement.cycles;
            os << ": " << best << " cycles)\n";
        } else {
            os << ": none valid)\n";
        }
        os << r.default_schedule_text;
    } else {
        os << "# no valid schedule measured; the hand default schedule\n" << r.default_schedule_text;
    }
    r.schedule_file = os.str();
    return r;
}

std::string result_json(const AutoscheduleResult &r) {
    using json = nlohmann::json;
    json j;
    j["family"] = r.search.family;
    j["params"] = r.search.params;
    j["cost_model_evaluations"] = r.search.cost_model_evaluations;
    j["validations"] = r.search.validations;
    j["search_seconds"] = r.search.search_seconds;
    j["measure_seconds"] = r.measure_seconds;
    j["budget_exhausted"] = r.search.budget_exhausted;
    j["winner"] = r.winner;
    j["default"] = {{"schedule", r.default_schedule_text},
                    {"ok", r.default_measurement.ok},
                    {"measured_cycles", r.default_measurement.cycles}};
    j["candidates"] = json::array();
    for (const auto &s : r.search.valid) {
        json c = {{"description", s.description},
                  {"schedule", s.schedule_text},
                  {"predicted_cycles", (int64_t)s.predicted.total},
                  {"predicted", {{"compute", s.predicted.compute}, {"dma", s.predicted.dma}, {"serial", s.predicted.serial}}},
                  {"l1_bytes", s.l1_bytes}};
        if (s.measured) {
            c["measured_ok"] = s.measurement.ok;
            if (s.npu) c["npu"] = true;
            c["measured_cycles"] = s.measurement.cycles;
            c["dma_bytes"] = s.measurement.dma_bytes;
            if (!s.measurement.ok) c["error"] = s.measurement.error.substr(0, 400);
        }
        j["candidates"].push_back(c);
    }
    j["rejected"] = r.search.rejected;
    return j.dump(2) + "\n";
}

}  // namespace halyard::autoschedule
