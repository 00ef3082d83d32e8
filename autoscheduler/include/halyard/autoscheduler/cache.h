// The autoscheduler's cache: one schedule file per (op family, parameters,
// target), so a network compiler can autoschedule every kernel of a network
// and reuse results. The key hashes the family, the sorted parameters and
// every key/value of the target description (a change to any hardware or
// cost number is a new key); the file is `<dir>/<family>-<hash>.sched`.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "halyard/target_description.h"

namespace halyard::autoschedule {

// $HALYARD_AUTOSCHEDULE_CACHE, else $XDG_CACHE_HOME/halyard/autoschedule,
// else $HOME/.cache/halyard/autoschedule.
std::string default_cache_dir();

std::string cache_key(const std::string &family, const std::map<std::string, std::string> &params,
                      const TargetDescription &target);
std::string cache_path(const std::string &dir, const std::string &family, const std::string &key);

// The cached schedule file's text, if any.
std::optional<std::string> cache_lookup(const std::string &dir, const std::string &family, const std::string &key);
// Stores `schedule_file` (written to a temporary name, then renamed).
void cache_store(const std::string &dir, const std::string &family, const std::string &key,
                 const std::string &schedule_file);

}  // namespace halyard::autoschedule

#include <utility>

namespace halyard::autoschedule {

// A kernel schedule chooser for the network compiler (NetworkOptions::
// schedule_provider, halyard-deploy/halyard-run --autoschedule): the cached
// schedule of (family, params, target), or a search measured on the
// Verilator model (K best + the hand default, local pool), then cached.
// Returns (schedule file text, note for the report); nullopt when nothing
// measured bit-exact (the network compiler then uses the default).
struct CachedAutoscheduler {
    std::string cache_dir = default_cache_dir();
    int measure_k = 2;
    double budget_seconds = 20;
    int searched = 0, cached = 0;
    // own_constant_inputs is ignored: the search's schedules stage every
    // input (none stays in the NPU weight memory).
    std::optional<std::pair<std::string, std::string>> operator()(const std::string &family,
                                                                  const std::map<std::string, std::string> &params,
                                                                  const TargetDescription &target,
                                                                  const std::set<std::string> &own_constant_inputs = {});
};

}  // namespace halyard::autoschedule
