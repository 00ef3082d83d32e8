#include "halyard/autoscheduler/cache.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "halyard/dsl/types.h"

namespace halyard::autoschedule {

namespace {

// Bumped when the search space or cost model changes what a search returns.
const char *kCacheVersion = "autoschedule-1";

uint64_t fnv1a64(const std::string &text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    return h;
}

}  // namespace

std::string default_cache_dir() {
    if (const char *d = std::getenv("HALYARD_AUTOSCHEDULE_CACHE"); d && *d) return d;
    if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/halyard/autoschedule";
    if (const char *d = std::getenv("HOME"); d && *d) return std::string(d) + "/.cache/halyard/autoschedule";
    return ".halyard-autoschedule-cache";
}

std::string cache_key(const std::string &family, const std::map<std::string, std::string> &params,
                      const TargetDescription &target) {
    std::ostringstream os;
    os << kCacheVersion << "\n" << family << "\n";
    for (const auto &[k, v] : params) os << k << "=" << v << "\n";
    for (const auto &k : target.keys()) os << k << " " << target.get(k) << "\n";
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)fnv1a64(os.str()));
    return buf;
}

std::string cache_path(const std::string &dir, const std::string &family, const std::string &key) {
    return dir + "/" + family + "-" + key + ".sched";
}

std::optional<std::string> cache_lookup(const std::string &dir, const std::string &family, const std::string &key) {
    std::ifstream in(cache_path(dir, family, key));
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void cache_store(const std::string &dir, const std::string &family, const std::string &key,
                 const std::string &schedule_file) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::string path = cache_path(dir, family, key);
    {
        std::ofstream out(path + ".tmp");
        if (!out) throw UserError("autoschedule cache: cannot write " + path + ".tmp (--cache-dir " + dir + ")");
        out << schedule_file;
    }
    std::filesystem::rename(path + ".tmp", path);
}

}  // namespace halyard::autoschedule

#include <iostream>

#include "halyard/autoscheduler/search.h"

namespace halyard::autoschedule {

std::optional<std::pair<std::string, std::string>> CachedAutoscheduler::operator()(
    const std::string &family, const std::map<std::string, std::string> &params, const TargetDescription &target,
    const std::set<std::string> &) {
    const std::string key = cache_key(family, params, target);
    const std::string path = cache_path(cache_dir, family, key);
    if (auto hit = cache_lookup(cache_dir, family, key)) {
        cached++;
        return std::make_pair(*hit, "autoscheduled (cache " + path + ")");
    }
    SearchOptions so;
    so.budget_seconds = budget_seconds;
    std::cerr << "autoscheduling kernel " << searched + cached + 1 << " (" << family << ")...\n";
    AutoscheduleResult r = autoschedule_layer(family, params, target, so, measure_k, LaunchOptions{});
    searched++;
    if (measure_k == 0) {
        // The cost model's choice, unmeasured: used, never cached.
        if (r.winner < 0) return std::nullopt;
        return std::make_pair(r.schedule_file, std::string("autoscheduled (cost model only, not measured)"));
    }
    if (r.winner < 0 && !r.default_measurement.ok) return std::nullopt;
    cache_store(cache_dir, family, key, r.schedule_file);
    return std::make_pair(r.schedule_file, "autoscheduled (" + path + ")");
}

}  // namespace halyard::autoschedule
