// The constant-prefetch planner (generators/network/src/plan_weight_prefetch.h)
// on made-up call sequences: every plan it makes must be safe to run, i.e. a
// call's copies never overwrite bytes an earlier call still reads, and a
// transfer id is never reused before the call that holds it has waited.
#include <gtest/gtest.h>

#include <random>

#include "plan_weight_prefetch.h"

using namespace halyard::network;

namespace {

int64_t round8(int64_t b) { return (b + 7) / 8 * 8; }

// Checks the plan's invariants; returns the number of calls it prefetches.
void check_plan(const std::vector<PrefetchCandidate> &cands, int64_t free_l1, int ids, const PrefetchPlan &plan) {
    ASSERT_LE(plan.region_bytes, free_l1 / 8 * 8);
    ASSERT_LE(plan.transfer_ids, ids);
    size_t next = 0;
    for (size_t k = 0; k < plan.prefetches.size(); k++) {
        const WeightPrefetch &p = plan.prefetches[k];
        // Planned calls are candidates, in order, with their pieces.
        while (next < cands.size() && cands[next].call != p.call) next++;
        ASSERT_LT(next, cands.size()) << "call " << p.call << " is not a candidate, or out of order";
        ASSERT_EQ(p.pieces.size(), cands[next].pieces.size());
        EXPECT_LT(p.issue_after, p.call);
        EXPECT_EQ(p.in_ring, cands[next].in_ring);
        for (size_t j = 0; j < p.pieces.size(); j++) {
            const PrefetchPiece &q = p.pieces[j];
            EXPECT_EQ(q.bytes, cands[next].pieces[j]);
            if (p.in_ring) {
                EXPECT_EQ(q.offset % 8, 0);
                EXPECT_GE(q.offset, 0);
                EXPECT_LE(q.offset + round8(q.bytes), plan.region_bytes);
            }
            EXPECT_GE(q.transfer_id, 0);
            EXPECT_LT(q.transfer_id, plan.transfer_ids);
        }
        // Against every earlier prefetch: overlapping bytes, or a shared
        // transfer id, only once that call has returned.
        for (size_t i = 0; i < k; i++) {
            const WeightPrefetch &e = plan.prefetches[i];
            for (const auto &a : p.pieces) {
                for (const auto &b : e.pieces) {
                    const bool overlap = p.in_ring && e.in_ring && a.offset < b.offset + round8(b.bytes) &&
                                         b.offset < a.offset + round8(a.bytes);
                    if (overlap || a.transfer_id == b.transfer_id) {
                        EXPECT_GE(p.issue_after, e.call) << "call " << p.call << " starts before call " << e.call
                                                         << " is done with " << (overlap ? "its bytes" : "its transfer id");
                    }
                }
            }
        }
        next++;
    }
}

}  // namespace

TEST(ConstantPrefetchPlan, SmallConstantsAllStartWithTheRun) {
    const std::vector<PrefetchCandidate> c = {{0, {100, 40}}, {3, {256}}, {5, {1000}}};
    const PrefetchPlan plan = plan_weight_prefetch(c, 4096, 8);
    check_plan(c, 4096, 8, plan);
    ASSERT_EQ(plan.prefetches.size(), 3u);
    for (const auto &p : plan.prefetches) EXPECT_EQ(p.issue_after, -1);
    EXPECT_EQ(plan.prefetches[0].pieces[1].offset, 104);  // 100 rounded up to 8
    EXPECT_EQ(plan.region_bytes, 104 + 40 + 256 + 1000);
    EXPECT_EQ(plan.transfer_ids, 4);
}

TEST(ConstantPrefetchPlan, RingWrapsAndWaitsForTheCallsItOverwrites) {
    // Ring of 1000 B: 400 + 400 fit, the third wraps onto the first's bytes.
    const std::vector<PrefetchCandidate> c = {{1, {400}}, {2, {400}}, {4, {400}}, {7, {400}}};
    const PrefetchPlan plan = plan_weight_prefetch(c, 1000, 8);
    check_plan(c, 1000, 8, plan);
    ASSERT_EQ(plan.prefetches.size(), 4u);
    EXPECT_EQ(plan.prefetches[2].pieces[0].offset, 0);
    EXPECT_EQ(plan.prefetches[2].issue_after, 1);
    EXPECT_EQ(plan.prefetches[3].pieces[0].offset, 400);
    EXPECT_EQ(plan.prefetches[3].issue_after, 2);
}

TEST(ConstantPrefetchPlan, TransferIdsBoundWhatIsInFlight) {
    // Two ids: the third call's copy waits for the first call's id.
    const std::vector<PrefetchCandidate> c = {{0, {8}}, {1, {8}}, {2, {8}}};
    const PrefetchPlan plan = plan_weight_prefetch(c, 4096, 2);
    check_plan(c, 4096, 2, plan);
    ASSERT_EQ(plan.prefetches.size(), 3u);
    EXPECT_EQ(plan.prefetches[2].issue_after, 0);
    EXPECT_EQ(plan.transfer_ids, 2);
}

TEST(ConstantPrefetchPlan, TooLargeOrTooManyPiecesAreLeftToTheKernel) {
    const std::vector<PrefetchCandidate> c = {{0, {1200}}, {1, {8, 8, 8}}, {2, {}}, {3, {1000}}};
    const PrefetchPlan plan = plan_weight_prefetch(c, 1000, 2);
    check_plan(c, 1000, 2, plan);
    ASSERT_EQ(plan.prefetches.size(), 1u);  // only call 3: the ring at most, at most 2 pieces
    EXPECT_EQ(plan.prefetches[0].call, 3);
    EXPECT_TRUE(plan_weight_prefetch(c, 0, 2).prefetches.empty());
    EXPECT_TRUE(plan_weight_prefetch(c, 1000, 0).prefetches.empty());
}

TEST(ConstantPrefetchPlan, CopiesOutsideTheRingTakeTransferIdsOnly) {
    // A KV cache's 8 KB bulk beside a 1000 B ring: placed, no ring bytes;
    // the ring's next call still starts at offset 0.
    const std::vector<PrefetchCandidate> c = {{0, {8192}, false}, {1, {400}}, {2, {8192}, false}};
    const PrefetchPlan plan = plan_weight_prefetch(c, 1000, 2);
    check_plan(c, 1000, 2, plan);
    ASSERT_EQ(plan.prefetches.size(), 3u);
    EXPECT_EQ(plan.region_bytes, 400);
    EXPECT_EQ(plan.prefetches[1].pieces[0].offset, 0);
    EXPECT_EQ(plan.prefetches[0].issue_after, -1);
    EXPECT_EQ(plan.prefetches[2].issue_after, 0);  // two ids: the first's again
}

TEST(ConstantPrefetchPlan, RandomSequencesAreSafe) {
    std::mt19937 rng(20261207);
    for (int trial = 0; trial < 300; trial++) {
        const int64_t free_l1 = 64 + rng() % 8000;
        const int ids = 1 + rng() % 8;
        std::vector<PrefetchCandidate> c;
        int call = 0;
        for (int n = rng() % 40; n > 0; n--) {
            call += 1 + rng() % 3;
            PrefetchCandidate k;
            k.call = call;
            k.in_ring = rng() % 5 != 0;
            for (int p = 1 + rng() % 4; p > 0; p--) k.pieces.push_back(1 + rng() % (rng() % 2 ? 64 : 3000));
            c.push_back(k);
        }
        SCOPED_TRACE("trial " + std::to_string(trial));
        check_plan(c, free_l1, ids, plan_weight_prefetch(c, free_l1, ids));
    }
}
