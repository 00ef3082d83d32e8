// The autoscheduler on the host: the search returns only schedules that
// generate, the same ones for the same seed, as schedule files that read
// back through Schedule::parse; the cost model reads the target description
// and names a missing key; the cache key follows op, shapes and target.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "halyard/autoscheduler/cache.h"
#include "halyard/autoscheduler/search.h"
#include "halyard/harness/harness.h"
#include "halyard/micro_kernels.h"

using namespace halyard;
using namespace halyard::autoschedule;

namespace {

const std::map<std::string, std::string> kGemm = {{"M", "16"}, {"K", "64"}, {"N", "32"}, {"trans_b", "1"}};
const std::map<std::string, std::string> kNorm = {{"shape", "16x64"}};

SearchOptions small_search(uint32_t seed) {
    SearchOptions o;
    o.seed = seed;
    o.population = 16;
    o.generations = 6;
    o.keep = 4;
    o.budget_seconds = 600;  // never the limit here: the test checks determinism
    return o;
}

void expect_valid_and_round_trip(const std::string &family, const std::map<std::string, std::string> &params) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    SearchResult r = search(family, params, cluster, small_search(3));
    ASSERT_EQ(r.valid.size(), 4u) << family << ": rejected " << r.rejected.size();
    for (size_t i = 0; i < r.valid.size(); i++) {
        const Scored &s = r.valid[i];
        if (i) EXPECT_LE(r.valid[i - 1].predicted.total, s.predicted.total) << "best predicted first";
        // The file reads back to the same directives...
        Schedule parsed = Schedule::parse(s.schedule_text, family + ".sched");
        EXPECT_EQ(parsed.to_text(), s.schedule_text);
        // ...and generates (validation: apply_schedule and the backend).
        EXPECT_NO_THROW(generate_candidate(family, params, cluster, s.schedule_text, "round_trip")) << s.schedule_text;
        EXPECT_GT(s.predicted.total, 0);
    }
    for (const auto &why : r.rejected) EXPECT_NE(why.find(": "), std::string::npos);
}

}  // namespace

TEST(AutoscheduleSearch, GemmReturnsOnlyValidSchedulesThatRoundTrip) { expect_valid_and_round_trip("gemm", kGemm); }

TEST(AutoscheduleSearch, RowWiseOpReturnsOnlyValidSchedulesThatRoundTrip) {
    expect_valid_and_round_trip("irmsnorm", kNorm);
}

TEST(AutoscheduleSearch, SameSeedSameSchedules) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    SearchResult a = search("gemm", kGemm, cluster, small_search(11));
    SearchResult b = search("gemm", kGemm, cluster, small_search(11));
    ASSERT_EQ(a.valid.size(), b.valid.size());
    EXPECT_EQ(a.cost_model_evaluations, b.cost_model_evaluations);
    for (size_t i = 0; i < a.valid.size(); i++) {
        EXPECT_EQ(a.valid[i].schedule_text, b.valid[i].schedule_text);
        EXPECT_EQ(a.valid[i].predicted.total, b.valid[i].predicted.total);
    }
}

TEST(AutoscheduleSearch, RandomCandidatesRenderLegalDirectives) {
    // Every point the space produces parses and names only real stages and
    // loops; the backend may still reject a few (L1 size), never the parser.
    const TargetDescription cluster = TargetDescription::named("cluster");
    for (const auto &[family, params] : std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
             {"gemm", kGemm}, {"irmsnorm", kNorm}, {"matmul", {{"a_shape", "2x8x16"}, {"b_shape", "2x8x16"}, {"trans_b", "1"}}}}) {
        const GeneratorFamily &f = find_generator(family);
        Algorithm algo = f.build(ParamMap(family, f.params, params));
        SearchSpace space(algo, cluster);
        std::mt19937 rng(5);
        int generated = 0;
        for (int i = 0; i < 12; i++) {
            Candidate c = i % 2 ? space.random(rng) : space.mutate(space.random(rng), rng);
            const std::string text = space.to_text(c);
            EXPECT_NO_THROW(Schedule::parse(text, "random.sched")) << text;
            try {
                generate_candidate(family, params, cluster, text, "random");
                generated++;
            } catch (const UserError &e) {
                EXPECT_EQ(std::string(e.what()).find("unknown loop"), std::string::npos) << e.what() << "\n" << text;
                EXPECT_EQ(std::string(e.what()).find("unknown stage"), std::string::npos) << e.what() << "\n" << text;
            }
        }
        EXPECT_GT(generated, 0) << family;
    }
}

TEST(AutoscheduleCostModel, ReadsTheTargetDescription) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    const GeneratorFamily &f = find_generator("gemm");
    // 32 row blocks of 4: enough for 16 cores.
    Algorithm algo = f.build(ParamMap("gemm", f.params, {{"M", "128"}, {"K", "64"}, {"N", "64"}, {"trans_b", "1"}}));
    SearchSpace space(algo, cluster);
    Candidate c = space.seed();
    const double base = CostModel(cluster).predict(space, c).total;
    // Slower DMA set-up or a slower kernel call: predicted slower.
    EXPECT_GT(CostModel(cluster.with("cost.dma_setup_cycles", "600")).predict(space, c).total, base);
    // The seed calls the kernel the default schedule picks (the 4x4 at K 64).
    EXPECT_EQ(c.kernel, "gemm_int8_sdotp_4x4");
    EXPECT_GT(CostModel(cluster.with("cost.kernel." + c.kernel + ".call_cycles", "600")).predict(space, c).total, base);
    // More cores: predicted faster.
    SearchSpace space16(algo, cluster.with("cores", "16"));
    EXPECT_LT(CostModel(cluster.with("cores", "16")).predict(space16, space16.seed()).total, base);
}

// The space offers every kernel of the registry the op can call, with its
// tile, and falls back to one that fits when a tile does not divide M x N.
TEST(AutoscheduleSearch, KernelsComeFromTheRegistry) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    const GeneratorFamily &f = find_generator("gemm");
    Algorithm algo = f.build(ParamMap("gemm", f.params, {{"M", "128"}, {"K", "64"}, {"N", "64"}, {"trans_b", "1"}}));
    SearchSpace space(algo, cluster);
    std::mt19937 rng(11);
    std::set<std::string> seen;
    for (int i = 0; i < 200; i++) {
        const Candidate c = space.random(rng);
        seen.insert(c.kernel);
        if (c.kernel.empty()) continue;
        const MicroKernel *k = find_micro_kernel(c.kernel);
        ASSERT_NE(k, nullptr) << c.kernel;
        EXPECT_EQ(c.tile_m, k->rows) << c.kernel;
        EXPECT_EQ(c.tile_n, k->cols) << c.kernel;
    }
    for (const MicroKernel &k : micro_kernel_registry()) {
        if (std::find(k.ops.begin(), k.ops.end(), "gemm") != k.ops.end() && cluster.has_extension(k.requires_extension)) {
            EXPECT_EQ(seen.count(k.name), 1u) << k.name << " never offered";
        }
    }
    // N = 6: no 4-column tile divides it; the 4x2 kernel does.
    Algorithm narrow = f.build(ParamMap("gemm", f.params, {{"M", "16"}, {"K", "64"}, {"N", "6"}, {"trans_b", "1"}}));
    SearchSpace narrow_space(narrow, cluster);
    for (int i = 0; i < 50; i++) {
        const Candidate c = narrow_space.random(rng);
        EXPECT_TRUE(c.kernel.empty() || c.kernel == "gemm_int8_sdotp_4x2") << c.kernel;
    }
}

TEST(AutoscheduleCostModel, MissingKeyIsNamed) {
    // The cluster description without its cost keys.
    std::ifstream in(std::string(std::getenv("HALYARD_TARGETS_DIR")) + "/cluster.target");
    std::stringstream text;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("cost.fork_join_cycles", 0) != 0) text << line << "\n";
    }
    const std::string path = harness::scratch_dir() + "/no_cost.target";
    std::ofstream(path) << text.str();
    const TargetDescription t = TargetDescription::load(path);
    try {
        CostModel model(t);
        FAIL() << "expected a TargetError";
    } catch (const TargetError &e) {
        EXPECT_NE(std::string(e.what()).find("needs key 'cost.fork_join_cycles'"), std::string::npos) << e.what();
    }
}

TEST(AutoscheduleCache, KeyFollowsOpShapesAndTarget) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    const std::string k = cache_key("gemm", kGemm, cluster);
    EXPECT_EQ(k, cache_key("gemm", kGemm, cluster));
    auto other = kGemm;
    other["N"] = "64";
    EXPECT_NE(k, cache_key("gemm", other, cluster));
    EXPECT_NE(k, cache_key("matmul", kGemm, cluster));
    EXPECT_NE(k, cache_key("gemm", kGemm, cluster.with("cost.dma_setup_cycles", "61")));
    const std::string dir = harness::scratch_dir() + "/cache";
    EXPECT_FALSE(cache_lookup(dir, "gemm", k));
    cache_store(dir, "gemm", k, "# a schedule\ntile Y m 4\n");
    ASSERT_TRUE(cache_lookup(dir, "gemm", k));
    EXPECT_EQ(*cache_lookup(dir, "gemm", k), "# a schedule\ntile Y m 4\n");
}
