#include "halyard/autoscheduler/search_space.h"

#include <algorithm>
#include <sstream>

#include "halyard/micro_kernels.h"

namespace halyard::autoschedule {

bool Candidate::operator==(const Candidate &o) const {
    return kernel == o.kernel && tile_m == o.tile_m && tile_n == o.tile_n && block_m == o.block_m &&
           block_n == o.block_n && n_outer == o.n_outer && split_loop == o.split_loop &&
           split_tile == o.split_tile && parallel == o.parallel && inputs == o.inputs && output == o.output;
}

namespace {

// The loops one GEMM dimension (m or n) is split into: the block loop (outer),
// the loop over register tiles inside the block (mid) and the register tile
// itself (inner); "" where a level does not exist.
struct DimLoops {
    std::string outer, mid, inner;
    int outer_extent = 1;
};

DimLoops dim_loops(const std::string &d, int extent, int tile, int block, Schedule *s) {
    DimLoops l;
    if (tile == 1 && block == 1) {
        l.outer = d;
        l.outer_extent = extent;
        return l;
    }
    l.outer = d + "_o";
    l.outer_extent = extent / block;
    if (s) s->tile("Y", d, block);
    if (tile == 1) {
        l.mid = d + "_i";
    } else if (block == tile) {
        l.inner = d + "_i";
    } else {
        if (s) s->tile("Y", d + "_i", tile);
        l.mid = d + "_i_o";
        l.inner = d + "_i_i";
    }
    return l;
}

int pick(std::mt19937 &rng, int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

template <typename T> const T &pick_of(std::mt19937 &rng, const std::vector<T> &v) { return v[pick(rng, (int)v.size())]; }

}  // namespace

SearchSpace::SearchSpace(const Algorithm &algo, const TargetDescription &target) : algo_(algo), target_(target) {
    const Stage &out = algo.output_stage();
    const Stage *acc = algo.find_stage("acc");
    const auto &loops = out.pure_loops;
    gemm_like_ = (algo.op == "gemm" || algo.op == "matmul") && acc && loops.size() >= 2 &&
                 loops[loops.size() - 2] == "m" && loops.back() == "n" && algo.inputs.size() >= 2;
    if (gemm_like_) {
        M_ = out.extents.at("m");
        N_ = out.extents.at("n");
        K_ = acc->extents.at("k");
        for (size_t i = 0; i + 2 < loops.size(); i++) {
            batch_loops_.push_back(loops[i]);
            batch_extents_.push_back(out.extents.at(loops[i]));
        }
        // The dot-product kernels read int8 operands contiguous in k.
        const bool int8_rows = algo.operands_k_contiguous && algo.inputs[0].type.type == ElemType::Int8 &&
                               algo.inputs[1].type.type == ElemType::Int8;
        // B stored [K, N] (a MatMul's V): the one-row kernels for columns of such a B, as the defaults.
        const bool int8_b_kn = !algo.operands_k_contiguous && algo.inputs[0].type.type == ElemType::Int8 &&
                               algo.inputs[1].type.type == ElemType::Int8;
        for (const MicroKernel &k : micro_kernel_registry()) {
            const bool fits_op = std::find(k.ops.begin(), k.ops.end(), algo.op) != k.ops.end();
            const bool layout = (int8_rows && k.k_contiguous()) || (int8_b_kn && k.b_stride_arg && k.rows == 1);
            if (layout && fits_op && target.has_extension(k.requires_extension) && k.fast_for_k(K_)) {
                kernels_.push_back(k.name);
            }
        }
        std::stable_sort(kernels_.begin(), kernels_.end(), [](const std::string &a, const std::string &b) {
            return micro_kernel(a).macs_per_k() > micro_kernel(b).macs_per_k();
        });
        can_kernel_ = !kernels_.empty();
    }
}

std::string SearchSpace::fitting_kernel(bool tuned, int min_rows, int max_rows) const {
    for (const auto &name : kernels_) {
        const MicroKernel &k = micro_kernel(name);
        if (M_ % k.rows == 0 && N_ % k.cols == 0 && k.rows >= min_rows && k.rows <= max_rows &&
            (!tuned || K_ >= k.min_k)) {
            return name;
        }
    }
    return "";
}

std::vector<std::string> SearchSpace::kernel_choices() const {
    std::vector<std::string> choices = kernels_;
    choices.push_back("");  // plain loops
    return choices;
}

bool SearchSpace::is_epilogue_input(size_t i) const { return gemm_like_ && i >= 2; }

std::vector<int> SearchSpace::block_choices(int extent, int tile) const {
    std::vector<int> v;
    if (extent % tile != 0) return {tile == 1 ? 1 : extent};
    for (int b = tile; b <= extent; b *= 2) {
        if (extent % b == 0) v.push_back(b);
    }
    if (std::find(v.begin(), v.end(), extent) == v.end()) v.push_back(extent);
    return v;
}

std::vector<SearchSpace::Loop> SearchSpace::outer_loops(const Candidate &c) const {
    std::vector<Loop> v;
    if (gemm_like_) {
        for (size_t i = 0; i < batch_loops_.size(); i++) v.push_back({batch_loops_[i], batch_extents_[i]});
        DimLoops m = dim_loops("m", M_, c.tile_m, c.block_m, nullptr);
        DimLoops n = dim_loops("n", N_, c.tile_n, c.block_n, nullptr);
        if (c.n_outer) std::swap(m, n);
        v.push_back({m.outer, m.outer_extent});
        v.push_back({n.outer, n.outer_extent});
        return v;
    }
    const Stage &out = algo_.output_stage();
    if (c.split_loop < 0) return v;
    for (int i = 0; i <= c.split_loop; i++) {
        const std::string &l = out.pure_loops[i];
        const int e = out.extents.at(l);
        if (i == c.split_loop && c.split_tile > 0) {
            v.push_back({l + "_o", e / c.split_tile});
        } else {
            v.push_back({l, e});
        }
    }
    return v;
}

void SearchSpace::legalize(Candidate &c) const {
    c.inputs.resize(algo_.inputs.size());
    if (gemm_like_) {
        if (std::find(kernels_.begin(), kernels_.end(), c.kernel) == kernels_.end()) c.kernel.clear();
        if (!c.kernel.empty()) {
            // A kernel whose tile does not divide M x N: the next one that fits.
            const MicroKernel &k = micro_kernel(c.kernel);
            if (M_ % k.rows != 0 || N_ % k.cols != 0) c.kernel = fitting_kernel(false);
        }
        if (!c.kernel.empty()) {
            const MicroKernel &k = micro_kernel(c.kernel);
            c.tile_m = k.rows;
            c.tile_n = k.cols;
        } else {
            c.tile_m = 1;
            c.tile_n = N_ % 4 == 0 ? 4 : 1;  // plain loops: 4 register accumulators per row
        }
        auto fix = [&](int &block, int extent, int tile) {
            std::vector<int> ch = block_choices(extent, tile);
            if (std::find(ch.begin(), ch.end(), block) == ch.end()) {
                // The nearest choice below (or the smallest).
                int best = ch.front();
                for (int b : ch) if (b <= block) best = b;
                block = best;
            }
        };
        fix(c.block_m, M_, c.tile_m);
        fix(c.block_n, N_, c.tile_n);
        c.split_loop = -1;
        c.split_tile = 0;
    } else {
        const Stage &out = algo_.output_stage();
        const int n = (int)out.pure_loops.size();
        // Row-wise ops reduce along the innermost loop: never split it.
        const int last = (n == 1 || algo_.stages.size() == 1) ? n - 1 : n - 2;
        if (c.split_loop > last) c.split_loop = last;
        if (c.split_loop >= 0) {
            const int e = out.extents.at(out.pure_loops[c.split_loop]);
            if (c.split_tile <= 0 || c.split_tile >= e || e % c.split_tile != 0) c.split_tile = 0;
        } else {
            c.split_tile = 0;
        }
        c.kernel.clear();
    }
    const int n_outer = (int)outer_loops(c).size();
    if (c.parallel >= n_outer) c.parallel = n_outer - 1;
    if (c.parallel >= 0 && outer_loops(c)[c.parallel].extent < 2) c.parallel = -1;
    if (target_.cores() < 2) c.parallel = -1;
    auto fix_staging = [&](Staging &s, bool can_loop) {
        if (s.at >= n_outer) s.at = n_outer - 1;
        if (s.at >= 0 && (!can_loop || s.at < c.parallel)) s.at = Staging::Root;
        if (s.at < 0) s.double_buffer = false;
    };
    for (size_t i = 0; i < c.inputs.size(); i++) fix_staging(c.inputs[i], !is_epilogue_input(i));
    fix_staging(c.output, true);
    if (c.output.at == Staging::Root) c.output.at = Staging::None;
    c.output.double_buffer = false;
}

Candidate SearchSpace::random(std::mt19937 &rng) const {
    Candidate c;
    if (gemm_like_) {
        c.kernel = pick_of(rng, kernel_choices());
        legalize(c);
        c.block_m = pick_of(rng, block_choices(M_, c.tile_m));
        c.block_n = pick_of(rng, block_choices(N_, c.tile_n));
        c.n_outer = pick(rng, 2) == 1;
    } else {
        const int n = (int)algo_.output_stage().pure_loops.size();
        c.split_loop = pick(rng, n + 1) - 1;
        if (c.split_loop >= 0) {
            const int e = algo_.output_stage().extents.at(algo_.output_stage().pure_loops[c.split_loop]);
            std::vector<int> tiles = {0};
            for (int t = 1; t < e; t *= 2) if (e % t == 0) tiles.push_back(t);
            c.split_tile = pick_of(rng, tiles);
        }
    }
    legalize(c);
    const int n_outer = (int)outer_loops(c).size();
    c.parallel = n_outer ? pick(rng, n_outer + 1) - 1 : -1;
    c.inputs.resize(algo_.inputs.size());
    for (auto &s : c.inputs) {
        s.at = pick(rng, n_outer + 2) - 2;
        s.double_buffer = pick(rng, 2) == 1;
    }
    c.output.at = pick(rng, 2) ? Staging::None : pick(rng, std::max(n_outer, 1));
    legalize(c);
    return c;
}

Candidate SearchSpace::mutate(const Candidate &orig, std::mt19937 &rng) const {
    Candidate c = orig;
    const int n_outer = (int)outer_loops(c).size();
    const int knob = pick(rng, gemm_like_ ? 8 : 6);
    auto restage = [&](Staging &s) {
        s.at = pick(rng, n_outer + 2) - 2;
        s.double_buffer = pick(rng, 2) == 1;
    };
    switch (knob) {
    case 0: c.parallel = n_outer ? pick(rng, n_outer + 1) - 1 : -1; break;
    case 1: if (!c.inputs.empty()) restage(c.inputs[pick(rng, (int)c.inputs.size())]); break;
    case 2: c.output.at = pick(rng, 2) ? Staging::None : pick(rng, std::max(n_outer, 1)); break;
    case 3: if (!c.inputs.empty()) { auto &s = c.inputs[pick(rng, (int)c.inputs.size())]; s.double_buffer = !s.double_buffer; } break;
    case 4:
        if (gemm_like_) c.block_m = pick_of(rng, block_choices(M_, c.tile_m));
        else c.split_loop = pick(rng, (int)algo_.output_stage().pure_loops.size() + 1) - 1;
        break;
    case 5:
        if (gemm_like_) {
            c.block_n = pick_of(rng, block_choices(N_, c.tile_n));
        } else if (c.split_loop >= 0) {
            const int e = algo_.output_stage().extents.at(algo_.output_stage().pure_loops[c.split_loop]);
            std::vector<int> tiles = {0};
            for (int t = 1; t < e; t *= 2) if (e % t == 0) tiles.push_back(t);
            c.split_tile = pick_of(rng, tiles);
        }
        break;
    case 6: c.n_outer = !c.n_outer; break;
    default:
        if (can_kernel_) {
            c.kernel = pick_of(rng, kernel_choices());
            // Keep the block near its old size in the new tile's multiples.
        }
        break;
    }
    legalize(c);
    return c;
}

Candidate SearchSpace::seed() const {
    Candidate c;
    c.inputs.resize(algo_.inputs.size());
    const int cores = target_.cores();
    if (gemm_like_) {
        const int nb = (int)batch_loops_.size();
        for (size_t i = 2; i < c.inputs.size(); i++) c.inputs[i].at = Staging::Root;
        // As the default schedules: the multi-row kernel with the most MACs
        // per step that fits (and whose min_k K reaches), else a one-row one.
        const std::string multi = fitting_kernel(true, 2), one_row = fitting_kernel(false, 1, 1);
        // The first batch loop with work for two cores or more (a leading
        // batch of 1 does not: [1, heads, ...]): the default splits it
        // (one head per core, its operands staged per head).
        int batch = 0;
        while (batch < nb && batch_extents_[batch] < 2) batch++;
        auto per_batch_entry = [&] {
            c.parallel = batch;
            c.inputs[0] = {batch, true};
            c.inputs[1] = {batch, true};
            c.output.at = batch;
        };
        if (!multi.empty()) {
            const MicroKernel &k = micro_kernel(multi);
            c.kernel = multi;
            c.tile_m = c.block_m = k.rows;
            c.tile_n = c.block_n = k.cols;
            if (batch < nb) {
                per_batch_entry();
            } else if (M_ / k.rows >= cores) {
                c.parallel = nb;
                c.inputs[0] = {nb, true};
                c.inputs[1].at = Staging::Root;
                c.output.at = nb;
            } else {
                c.block_n = N_ % (2 * k.cols) == 0 ? 2 * k.cols : k.cols;  // two tiles per block
                c.n_outer = true;
                c.parallel = nb;
                c.inputs[0].at = Staging::Root;
                c.inputs[1] = {nb, true};
            }
        } else if (!one_row.empty()) {
            const int cols = micro_kernel(one_row).cols;
            c.kernel = one_row;
            c.tile_m = c.block_m = 1;
            c.tile_n = cols;
            int block = ((N_ + cores - 1) / cores + cols - 1) / cols * cols;
            while (block > cols && N_ % block != 0) block -= cols;
            c.block_n = block;
            c.n_outer = true;
            if (batch < nb && batch_extents_[batch] >= cores) {
                c.block_n = N_;
                per_batch_entry();
            } else {
                c.parallel = nb;
                c.inputs[0].at = Staging::Root;
                c.inputs[1].at = nb;
            }
        } else {
            c.tile_m = c.block_m = 1;
            c.tile_n = c.block_n = N_ % 4 == 0 ? 4 : 1;
            if (batch < nb && batch_extents_[batch] >= cores) per_batch_entry();
            else c.parallel = nb;
        }
    } else {
        // The default's loop: the outermost one with work for every core.
        const Stage &out = algo_.output_stage();
        const int n = (int)out.pure_loops.size();
        const int last = (n == 1 || algo_.stages.size() == 1) ? n - 1 : n - 2;
        int best = -1, best_extent = 1;
        for (int i = 0; i <= last; i++) {
            const int e = out.extents.at(out.pure_loops[i]);
            if (e >= cores) {
                best = i;
                break;
            }
            if (e > best_extent) {
                best = i;
                best_extent = e;
            }
        }
        c.split_loop = best;
        c.parallel = best >= 0 ? best : -1;
    }
    legalize(c);
    return c;
}

Schedule SearchSpace::to_schedule(const Candidate &c) const {
    Schedule s;
    std::vector<Loop> outer = outer_loops(c);
    if (gemm_like_) {
        DimLoops m = dim_loops("m", M_, c.tile_m, c.block_m, &s);
        DimLoops n = dim_loops("n", N_, c.tile_n, c.block_n, &s);
        std::vector<std::string> order = batch_loops_;
        std::vector<std::string> outer_names = {m.outer, n.outer};
        if (c.n_outer) std::swap(outer_names[0], outer_names[1]);
        order.insert(order.end(), outer_names.begin(), outer_names.end());
        std::vector<std::string> mid;
        for (const std::string *l : {&m.mid, &n.mid}) if (!l->empty()) mid.push_back(*l);
        order.insert(order.end(), mid.begin(), mid.end());
        for (const std::string *l : {&m.inner, &n.inner}) if (!l->empty()) order.push_back(*l);
        s.order("Y", order);
        const std::string at = mid.empty() ? outer_names.back() : mid.back();
        s.compute_at("acc", "Y", at).memory("acc", MemLevel::Reg);
        std::vector<std::string> acc_order = batch_loops_;
        if (c.tile_m == 4) {
            s.tile("acc", "m", 4).tile("acc", "n", 2);
            acc_order.insert(acc_order.end(), {"m_o", "n_o", "k", "m_i", "n_i"});
            s.order("acc", acc_order).unroll("acc", "m_i").unroll("acc", "n_i");
        } else if (c.tile_n == 4) {
            s.tile("acc", "n", 4);
            acc_order.insert(acc_order.end(), {"m", "n_o", "k", "n_i"});
            s.order("acc", acc_order).unroll("acc", "n_i");
        }
        if (!c.kernel.empty()) s.kernel("acc", c.kernel);
    } else {
        const Stage &out = algo_.output_stage();
        if (c.split_loop >= 0) {
            const std::string &l = out.pure_loops[c.split_loop];
            if (c.split_tile > 0) s.tile(out.name, l, c.split_tile);
            const std::string at = outer.back().name;
            // Each core computes the row statistics of its own part.
            for (size_t i = 0; i + 1 < algo_.stages.size(); i++) {
                const auto &pl = algo_.stages[i].pure_loops;
                if (std::find(pl.begin(), pl.end(), l) != pl.end()) s.compute_at(algo_.stages[i].name, out.name, at);
            }
        }
    }
    const std::string out_name = algo_.output_stage().name;
    if (c.parallel >= 0) s.parallel(out_name, outer[c.parallel].name);
    for (size_t i = 0; i < c.inputs.size(); i++) {
        const Staging &st = c.inputs[i];
        if (st.at == Staging::None) continue;
        const std::string &tensor = algo_.inputs[i].type.name;
        if (st.at == Staging::Root) s.stage_input(tensor, MemLevel::L1, "root", "", false);
        else s.stage_input(tensor, MemLevel::L1, out_name, outer[st.at].name, st.double_buffer);
    }
    if (c.output.at >= 0) s.stage_input(algo_.output.name, MemLevel::L1, out_name, outer[c.output.at].name, false);
    return s;
}

std::string SearchSpace::describe(const Candidate &c) const {
    std::ostringstream os;
    std::vector<Loop> outer = outer_loops(c);
    if (gemm_like_) {
        os << (c.kernel.empty() ? std::string("plain") : c.kernel) << " block " << c.block_m << "x" << c.block_n
           << (c.n_outer ? " n-outer" : " m-outer");
    } else {
        os << "split " << (c.split_loop < 0 ? std::string("none") : algo_.output_stage().pure_loops[c.split_loop])
           << (c.split_tile ? " tile " + std::to_string(c.split_tile) : std::string());
    }
    os << ", parallel " << (c.parallel >= 0 ? outer[c.parallel].name : std::string("none"));
    for (size_t i = 0; i < c.inputs.size(); i++) {
        const Staging &st = c.inputs[i];
        if (st.at == Staging::None) continue;
        os << ", " << algo_.inputs[i].type.name << "->L1@" << (st.at == Staging::Root ? "root" : outer[st.at].name)
           << (st.double_buffer ? "(db)" : "");
    }
    if (c.output.at >= 0) os << ", " << algo_.output.name << "->L1@" << outer[c.output.at].name;
    return os.str();
}

}  // namespace halyard::autoschedule
