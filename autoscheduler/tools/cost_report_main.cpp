// halyard-cost-report: the cost model against the Verilator model. Samples N
// distinct valid schedules of one layer from the search space (random, from
// a seed; the search's seed candidate first), predicts and measures each,
// and prints the Spearman rank correlation, the mean absolute and signed
// error, and the schedules it is most wrong about. A benchmark, not a test.
//
//   halyard-cost-report gemm M=64 K=64 N=64 trans_b=1 --target cluster --samples 50 --json gemm.json
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <set>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command_line.h"
#include "halyard/autoscheduler/search.h"

using namespace halyard;
using namespace halyard::autoschedule;

namespace {

const char *kUsage =
    "usage: halyard-cost-report <family> [KEY=VALUE...] --target NAME|FILE.target [--samples N] [--seed N]\n"
    "         [--jobs N] [--launcher local|slurm] [--json OUT.json] [--measured OLD.json]\n"
    "  --measured OLD.json: take the measured cycles of the same schedules from an earlier\n"
    "  report instead of simulating again (for tuning the target's cost.* keys)\n";

std::vector<double> ranks(const std::vector<double> &v) {
    std::vector<size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < idx.size();) {
        size_t j = i;
        while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) j++;
        for (size_t k = i; k <= j; k++) r[idx[k]] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
    return r;
}

double pearson(const std::vector<double> &a, const std::vector<double> &b) {
    const double n = (double)a.size();
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    CommandLine cli("halyard-cost-report", kUsage);
    std::string target_name, json_path, measured_path;
    int samples = 50;
    uint32_t seed = 1;
    LaunchOptions launch;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string &a = args[i];
        auto value = [&] { return cli.value(args, i); };
        if (a == "--target") target_name = value();
        else if (a == "--samples") samples = cli.integer(a, value(), 2, 10000);
        else if (a == "--seed") seed = (uint32_t)cli.integer(a, value(), 0, 1 << 30);
        else if (a == "--jobs") launch.jobs = cli.integer(a, value(), 1, 1024);
        else if (a == "--launcher") launch.launcher = value();
        else if (a == "--json") json_path = value();
        else if (a == "--measured") measured_path = value();
        else cli.layer_word(a);
    }
    if (launch.launcher != "local" && launch.launcher != "slurm") cli.fail("--launcher " + launch.launcher + ": expected local or slurm");
    try {
        const auto t0 = std::chrono::steady_clock::now();
        const TargetDescription target = cli.target(target_name);
        const std::string &family = cli.family;
        const auto &params = cli.params;
        const GeneratorFamily &f = find_generator(family);
        const Algorithm algo = f.build(ParamMap(family, f.params, params));
        SearchSpace space(algo, target);
        CostModel model(target);
        std::mt19937 rng(seed);
        std::set<std::string> seen;
        std::vector<Scored> picked;
        std::vector<GeneratedLibrary> libs;
        int tried = 0;
        const bool tty = isatty(2);
        for (int attempt = 0; (int)picked.size() < samples && attempt < samples * 40; attempt++) {
            Candidate c = attempt == 0 ? space.seed() : space.random(rng);
            Scored s;
            s.schedule_text = space.to_text(c);
            if (!seen.insert(s.schedule_text).second) continue;
            tried++;
            s.candidate = c;
            s.description = space.describe(c);
            s.predicted = model.predict(space, c);
            try {
                libs.push_back(generate_candidate(family, params, target, s.schedule_text,
                                                  "cr_" + family + "_" + std::to_string(picked.size())));
                s.l1_bytes = libs.back().arenas.l1_bytes;
                picked.push_back(s);
            } catch (const UserError &) {
            }
            if (tty) std::cerr << "\r[cost-report] " << picked.size() << "/" << samples << " valid of " << tried << " generated" << std::flush;
        }
        std::vector<Measurement> m;
        if (!measured_path.empty()) {
            std::ifstream in(measured_path);
            if (!in) throw UserError("--measured " + measured_path + ": cannot read");
            std::map<std::string, Measurement> old;
            const nlohmann::json earlier = nlohmann::json::parse(in);
            for (const auto &s : earlier.at("schedules")) {
                Measurement x;
                x.ok = s.at("measured_ok").get<bool>();
                x.cycles = s.at("measured_cycles").get<uint64_t>();
                old[s.at("schedule").get<std::string>()] = x;
            }
            for (const auto &s : picked) {
                auto it = old.find(s.schedule_text);
                if (it == old.end()) {
                    Measurement x;
                    x.error = "not in " + measured_path;
                    m.push_back(x);
                } else {
                    m.push_back(it->second);
                }
            }
        } else {
            std::cerr << "\n[cost-report] measuring " << libs.size() << " schedules on the Verilator model...\n";
            LayerData data = make_layer_data(family, params, seed);
            m = measure(libs, data, launch);
        }
        std::vector<double> pred, meas;
        std::vector<size_t> ok_idx;
        for (size_t i = 0; i < picked.size(); i++) {
            picked[i].measured = true;
            picked[i].measurement = m[i];
            if (!m[i].ok) continue;
            ok_idx.push_back(i);
            pred.push_back(picked[i].predicted.total);
            meas.push_back((double)m[i].cycles);
        }
        if (ok_idx.size() < 2) throw UserError("fewer than 2 schedules measured bit-exact; nothing to compare");
        const double rho = pearson(ranks(pred), ranks(meas));
        // The search only needs the order among the fast ones: the same
        // correlation over the faster half (by measurement).
        std::vector<double> pred_fast, meas_fast;
        {
            std::vector<double> sorted = meas;
            std::sort(sorted.begin(), sorted.end());
            const double median = sorted[sorted.size() / 2];
            for (size_t j = 0; j < meas.size(); j++) {
                if (meas[j] <= median) {
                    pred_fast.push_back(pred[j]);
                    meas_fast.push_back(meas[j]);
                }
            }
        }
        const double rho_fast = pred_fast.size() > 2 ? pearson(ranks(pred_fast), ranks(meas_fast)) : 0;
        double abs_err = 0, signed_err = 0;
        std::vector<std::pair<double, size_t>> errs;
        for (size_t j = 0; j < ok_idx.size(); j++) {
            const double e = (pred[j] - meas[j]) / meas[j];
            abs_err += std::fabs(e);
            signed_err += e;
            errs.push_back({std::fabs(e), ok_idx[j]});
        }
        abs_err /= ok_idx.size();
        signed_err /= ok_idx.size();
        std::sort(errs.rbegin(), errs.rend());
        // Is the best measured among the best predicted?
        const size_t best_pred = ok_idx[std::min_element(pred.begin(), pred.end()) - pred.begin()];
        const size_t best_meas = ok_idx[std::min_element(meas.begin(), meas.end()) - meas.begin()];
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        std::cerr << "[cost-report] " << tried << " generated, " << picked.size() << " valid\n";
        std::cout << "cost model vs Verilator model: " << family;
        for (const auto &[k, v] : params) std::cout << " " << k << "=" << v;
        std::cout << " on " << target.name() << "\n"
                  << "  schedules        " << ok_idx.size() << " measured bit-exact (" << picked.size() - ok_idx.size()
                  << " failed), " << tried << " generated, " << (int)elapsed << " s\n"
                  << std::fixed << std::setprecision(3) << "  rank correlation " << rho << " (Spearman; "
                  << rho_fast << " over the faster half)\n"
                  << std::setprecision(1) << "  mean |error|     " << 100 * abs_err << "%\n"
                  << "  mean error       " << 100 * signed_err << "% (positive: predicts too slow)\n"
                  << "  best predicted   " << (int64_t)picked[best_pred].predicted.total << " predicted, "
                  << picked[best_pred].measurement.cycles << " measured: " << picked[best_pred].description << "\n"
                  << "  best measured    " << (int64_t)picked[best_meas].predicted.total << " predicted, "
                  << picked[best_meas].measurement.cycles << " measured: " << picked[best_meas].description << "\n"
                  << "  most wrong:\n";
        for (size_t j = 0; j < std::min<size_t>(5, errs.size()); j++) {
            const Scored &s = picked[errs[j].second];
            std::cout << "    predicted " << (int64_t)s.predicted.total << " measured " << s.measurement.cycles << " ("
                      << std::showpos << (int)std::lround(100 * (s.predicted.total - s.measurement.cycles) / s.measurement.cycles)
                      << std::noshowpos << "%): " << s.description << "  [" << s.predicted.str() << "]\n";
        }
        if (!json_path.empty()) {
            nlohmann::json j;
            j["family"] = family;
            j["params"] = params;
            j["target"] = target.name();
            j["rank_correlation"] = rho;
            j["rank_correlation_faster_half"] = rho_fast;
            j["mean_abs_error"] = abs_err;
            j["mean_error"] = signed_err;
            j["schedules"] = nlohmann::json::array();
            for (const auto &s : picked) {
                j["schedules"].push_back({{"description", s.description},
                                          {"schedule", s.schedule_text},
                                          {"predicted_cycles", (int64_t)s.predicted.total},
                                          {"measured_ok", s.measurement.ok},
                                          {"measured_cycles", s.measurement.cycles},
                                          {"l1_bytes", s.l1_bytes}});
            }
            std::ofstream(json_path) << j.dump(2) << "\n";
        }
        return 0;
    } catch (const UserError &e) {
        std::cerr << "halyard-cost-report: " << e.what() << "\n";
        return 1;
    } catch (const TargetError &e) {
        std::cerr << "halyard-cost-report: " << e.what() << "\n";
        return 1;
    }
}
