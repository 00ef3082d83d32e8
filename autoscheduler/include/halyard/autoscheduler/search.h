// The search: an evolutionary search over the SearchSpace ranked by the
// CostModel (deterministic for a seed), then the best candidates validated
// by generating them (apply_schedule + the backend: L1 fit, legal tiles,
// kernel mapping) until `keep` valid ones are found; the winner is chosen
// by measuring the best of them on the Verilator model (autoschedule_layer()).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "halyard/autoscheduler/cost_model.h"
#include "halyard/autoscheduler/measure.h"
#include "halyard/generator.h"

namespace halyard::autoschedule {

struct SearchOptions {
    uint32_t seed = 1;
    double budget_seconds = 40;  // search + validation; measurement comes on top
    int population = 48;
    int generations = 40;
    int keep = 32;               // valid candidates to return (best predicted first)
    int max_validations = 200;   // generations tried before giving up
};

struct Scored {
    Candidate candidate;
    std::string description;
    std::string schedule_text;
    CostBreakdown predicted;
    int64_t l1_bytes = 0;
    bool measured = false;
    Measurement measurement;
    // The NPU's schedule (halyard::npu_schedule), measured beside the
    // searched candidates on a target with an NPU when the backend maps it:
    // NPU versus cores is settled by measurement (the cost model does not
    // model the NPU; `predicted` is empty).
    bool npu = false;
};

struct SearchResult {
    std::string family;
    std::map<std::string, std::string> params;
    std::vector<Scored> valid;         // best predicted first
    std::vector<std::string> rejected; // "description: reason" of candidates validation rejected
    int cost_model_evaluations = 0;
    int validations = 0;
    double search_seconds = 0;
    bool budget_exhausted = false;
};

// Progress lines (one per phase step), e.g. to stderr with '\r'.
using Progress = std::function<void(const std::string &)>;

SearchResult search(const std::string &family, const std::map<std::string, std::string> &params,
                    const TargetDescription &target, const SearchOptions &options, const Progress &progress = {});

// The library of one schedule text (validation); throws UserError.
GeneratedLibrary generate_candidate(const std::string &family, const std::map<std::string, std::string> &params,
                                    const TargetDescription &target, const std::string &schedule_text,
                                    const std::string &name);

struct AutoscheduleResult {
    SearchResult search;
    int winner = -1;                 // index into search.valid, or -1: the hand default won
    Measurement default_measurement; // the hand default schedule, measured alongside
    std::string default_schedule_text;
    double measure_seconds = 0;
    // The schedule file: comments (command, predicted and measured cycles) + directives.
    std::string schedule_file;
};

// search(), then the best `measure_k` valid candidates and the hand default
// built and measured (LaunchOptions); the fastest bit-exact one wins.
AutoscheduleResult autoschedule_layer(const std::string &family, const std::map<std::string, std::string> &params,
                                const TargetDescription &target, const SearchOptions &options, int measure_k,
                                const LaunchOptions &launch, const Progress &progress = {});

// The log of a run as JSON text (every valid candidate: schedule, predicted,
// measured).
std::string result_json(const AutoscheduleResult &r);

}  // namespace halyard::autoschedule
