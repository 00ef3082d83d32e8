// The autoscheduler's search space: a candidate schedule in structured form
// (tile sizes, loop order, parallel loop, staging, micro-kernel), rendered
// into an ordinary halyard::Schedule. Two shapes of op are covered:
//  - GEMM-like ops (gemm, matmul: a reduction stage "acc" under the output
//    "Y" with loops [batch...] m n): output block, register tile or
//    micro-kernel, block order, parallel loop, L1 staging of A, B and Y;
//  - every other single-output op (elementwise, row-wise): which loop is
//    split over the cores and in tiles of what size, where the other stages
//    are computed, L1 staging of the inputs and the output.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "halyard/dsl/algorithm.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace halyard::autoschedule {

// Where a tensor is copied into L1: not at all, once at root, or per
// iteration of one of the candidate's outer loops.
struct Staging {
    enum Where { None = -2, Root = -1 };  // >= 0: index into Candidate::outer_loops()
    int at = None;
    bool double_buffer = false;
    bool operator==(const Staging &o) const { return at == o.at && double_buffer == o.double_buffer; }
};

struct Candidate {
    // GEMM-like: the output block computed per outer iteration (multiples of
    // the register tile) and the register tile: a micro-kernel's rows x cols
    // (an entry of the kernels/ registry), or 1x4 (1x1 when N is not a
    // multiple of 4) plain loops when kernel is empty.
    std::string kernel;      // "" plain loops with register accumulators
    int tile_m = 1, tile_n = 4;
    int block_m = 1, block_n = 4;
    bool n_outer = false;    // the n block loop outside the m block loop
    // Other ops: the loop split over cores (index into the output's pure
    // loops) and its tile (0: untiled).
    int split_loop = -1;
    int split_tile = 0;
    // Both: which outer loop runs over the cores (-1: none).
    int parallel = -1;
    std::vector<Staging> inputs;  // one per algorithm input (epilogue inputs: at root or none)
    Staging output;               // never double-buffered

    bool operator==(const Candidate &o) const;
};

class SearchSpace {
public:
    SearchSpace(const Algorithm &algo, const TargetDescription &target);

    bool gemm_like() const { return gemm_like_; }
    const Algorithm &algorithm() const { return algo_; }
    const TargetDescription &target() const { return target_; }

    // The outer loops of a candidate, outermost first, with their extents
    // (what parallel and staging indices refer to).
    struct Loop {
        std::string name;
        int extent;
    };
    std::vector<Loop> outer_loops(const Candidate &c) const;

    // A random point of the space, and a neighbour (one knob changed). Both
    // only produce structurally legal candidates (factors dividing extents,
    // staging inside or at the parallel loop); apply_schedule and the
    // backend have the last word (validate()).
    Candidate random(std::mt19937 &rng) const;
    Candidate mutate(const Candidate &c, std::mt19937 &rng) const;
    // The candidate closest to the hand-written default schedule (a seed of
    // the search), when the space has one.
    Candidate seed() const;

    Schedule to_schedule(const Candidate &c) const;
    std::string to_text(const Candidate &c) const { return to_schedule(c).to_text(); }
    std::string describe(const Candidate &c) const;  // one line

    // Epilogue inputs (bias, requant mul/add) of a GEMM-like op.
    bool is_epilogue_input(size_t i) const;

private:
    void legalize(Candidate &c) const;
    std::vector<int> block_choices(int extent, int tile) const;
    Algorithm algo_;
    TargetDescription target_;
    bool gemm_like_ = false;
    bool can_kernel_ = false;
    // The registry's kernels this op can call (its family, the target's
    // extension, K on the fast path), most MACs per k-step first.
    std::vector<std::string> kernels_;
    // The first of kernels_ whose tile divides M x N, with min_rows..max_rows
    // rows (and, when `tuned`, whose min_k K reaches); "" when none does.
    std::string fitting_kernel(bool tuned, int min_rows = 1, int max_rows = 1 << 30) const;
    std::vector<std::string> kernel_choices() const;  // kernels_ and "" (plain loops)
    std::vector<std::string> batch_loops_;
    std::vector<int> batch_extents_;
    int M_ = 1, N_ = 1, K_ = 1;
};

}  // namespace halyard::autoschedule
