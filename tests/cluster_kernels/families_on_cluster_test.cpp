// Every generator family (the foundation ops and the Transformer layer
// library, default parameters) generated for the cluster with its default
// cluster schedule and run on the Verilator model, bit-exact against the same
// family generated for the host and compiled natively (which the host tests
// check bit-exactly against the independent reference).
#include <gtest/gtest.h>

#include <random>

#include "halyard/generator.h"
#include "halyard/harness/cluster_run.h"
#include "halyard/harness/jit.h"
#include "tensors.h"

using namespace halyard;
using namespace halyard::harness;
using namespace halyard_test;

namespace {

std::vector<std::string> family_names() {
    std::vector<std::string> names;
    for (const auto &f : generator_families()) names.push_back(f.name);
    return names;
}

class FamilyOnCluster : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyOnCluster, MatchesHostBuild) {
    const std::string family = GetParam();
    std::mt19937 rng(test_seed() + (uint32_t)std::hash<std::string>{}(family));
    const GeneratorFamily &f = find_generator(family);
    Algorithm algo = f.build(ParamMap(family, f.params, {}));
    GeneratedLibrary host = run_generator(family, {}, TargetDescription::named("host"), nullptr, "host_" + family);
    GeneratedLibrary cluster =
        run_generator(family, {}, TargetDescription::named("cluster"), nullptr, "cluster_" + family);

    std::vector<TypedBuffer> buffers;
    std::vector<SimInput> sim_in;
    std::vector<void *> ptrs;
    for (const auto &in : algo.inputs) {
        TypedBuffer b = random_layer_input(rng, in.type.name, in.type.type, num_elements(in.type.shape));
        buffers.push_back(b);
    }
    for (auto &b : buffers) {
        ptrs.push_back(b.data());
        std::vector<int64_t> v(b.size());
        for (int64_t i = 0; i < b.size(); i++) v[i] = b.get(i);
        sim_in.push_back({c_type_name(b.type), v});
    }
    TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
    ptrs.push_back(out.data());
    JitKernel kernel(host);
    ASSERT_EQ(kernel.call(ptrs), 0);
    std::vector<int64_t> expected(out.size());
    for (int64_t i = 0; i < out.size(); i++) expected[i] = out.get(i);

    SimRun r = run_on_cluster(cluster, sim_in, c_type_name(algo.output.type), expected, 100000000);
    EXPECT_TRUE(r.ok) << r.log << "\nreport:\n" << cluster.report;
    std::cout << "[ cluster  ] " << family << " (default parameters): " << r.cycles << " cycles, " << r.dma_bytes
              << " DMA bytes\n";
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, FamilyOnCluster, ::testing::ValuesIn(family_names()),
                         [](const ::testing::TestParamInfo<std::string> &i) { return i.param; });

}  // namespace
