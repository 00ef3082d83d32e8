// Every op, generated and compiled as C99, bit-exact against the independent
// reference (tests/reference) over randomized shapes, values and schedules,
// including sizes that are not multiples of tiles, of 4 or of 8.
#include "op_harness.h"

using namespace halyard;
using namespace halyard_test;

namespace {

int pick(std::mt19937 &rng, std::vector<int> choices) {
    return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)];
}
const std::vector<int> kAwkward = {1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 31, 33, 48, 63, 65};

std::string sh(std::vector<int> s) {
    std::string out;
    for (int d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
    return out;
}

// Schedules a GEMM/MatMul test cycles through (factors clipped to extents).
std::vector<std::optional<Schedule>> reduction_schedules(int M, int N, int K, const std::string &outer_m = "m") {
    std::vector<std::optional<Schedule>> out;
    out.push_back(std::nullopt);  // the default schedule for host
    {
        Schedule s;  // awkward output tiles, accumulators in L1, split reduction
        s.tile("Y", "m", std::min(M, 3)).tile("Y", "n", std::min(N, 5));
        s.compute_at("acc", "Y", "n_o").memory("acc", MemLevel::L1);
        s.tile("acc", "k", std::min(K, 7));
        out.push_back(s);
    }
    {
        Schedule s;  // whole accumulator at root in L2, loop order swapped
        s.compute_root("acc").memory("acc", MemLevel::L2);
        s.order("Y", {"n", outer_m == "m" ? "m" : outer_m});
        out.push_back(s);
    }
    {
        Schedule s;  // L1-staged operands (double-buffered A), parallel split checked
        s.tile("Y", "m", std::min(M, 4));
        s.compute_at("acc", "Y", "m_i").memory("acc", MemLevel::Reg);
        s.stage_input("A", MemLevel::L1, "Y", "m_o", true);
        s.stage_input("B", MemLevel::L1, "Y", "m_o", false);
        s.parallel("Y", "m_o");
        out.push_back(s);
    }
    return out;
}

}  // namespace

TEST(OpsBitExact, GemmRandomShapesAndSchedules) {
    std::mt19937 rng(test_seed());
    int cases = 0;
    for (int iter = 0; iter < 24; iter++) {
        int M = pick(rng, kAwkward), N = pick(rng, kAwkward), K = pick(rng, kAwkward);
        bool ta = rng() % 2, tb = rng() % 2, requant = rng() % 3 != 0;
        std::string bias = pick(rng, {0, 1, 2, 3}) == 0 ? "none" : rng() % 2 ? std::to_string(N) : sh({M, N});
        std::string a_type = rng() % 4 == 0 ? "uint8" : "int8";
        int alpha = rng() % 4 == 0 ? 3 : 1, beta = rng() % 4 == 0 ? -2 : 1;
        std::map<std::string, std::string> p = {{"M", std::to_string(M)}, {"N", std::to_string(N)},
                                                {"K", std::to_string(K)}, {"trans_a", ta ? "1" : "0"},
                                                {"trans_b", tb ? "1" : "0"}, {"bias", bias},
                                                {"a_type", a_type}, {"alpha", std::to_string(alpha)},
                                                {"beta", std::to_string(beta)}};
        const int64_t bias_max = 1 << 16;
        int64_t max_abs = int64_t(K) * 128 * 255 * std::abs(alpha) + bias_max * std::abs(beta);
        RequantChoice rq;
        if (requant) {
            std::string mul_shape = pick(rng, {0, 1, 2}) == 0 ? "1" : rng() % 2 ? std::to_string(N) : sh({M, 1});
            rq = choose_requant(rng, max_abs, mul_shape, rng() % 2 ? "1" : std::to_string(N), rng() % 2);
            p.insert(rq.params.begin(), rq.params.end());
        }
        auto fill = [&](const TensorType &t, std::mt19937 &r) {
            int64_t n = num_elements(t.shape);
            if (t.name == "C") return random_buffer(r, t.type, n, -bias_max, bias_max);
            if (t.name == "mul") return random_buffer(r, t.type, n, -rq.mul_max, rq.mul_max);
            if (t.name == "add") return random_buffer(r, t.type, n, -rq.add_max, rq.add_max);
            return random_buffer(r, t.type, n);
        };
        auto ref = [&](const RefInputs &in) {
            halyard_ref::RequantParams r;
            if (requant) r = ref_requant(in, p);
            return halyard_ref::gemm(in.at("A"), in.at("B"), bias == "none" ? nullptr : &in.at("C"), alpha, beta,
                                     ta, tb, requant ? &r : nullptr);
        };
        auto schedules = reduction_schedules(M, N, K);
        const auto &s = schedules[iter % schedules.size()];
        ASSERT_TRUE(run_op_case("gemm", p, s ? &*s : nullptr, fill, ref, rng, "gemm_case" + std::to_string(iter)));
        cases++;
    }
    RecordProperty("cases", cases);
}

TEST(OpsBitExact, GemmExtremeValuesK4096) {
    // int32 accumulation at K = 4096 with every product at its extreme, and
    // requantization saturating at both ends.
    std::mt19937 rng(test_seed());
    for (int sign : {1, -1}) {
        std::map<std::string, std::string> p = {{"M", "3"}, {"N", "5"}, {"K", "4096"}, {"bias", "5"}};
        auto fill = [&](const TensorType &t, std::mt19937 &) {
            TypedBuffer b(t.type, num_elements(t.shape));
            for (int64_t i = 0; i < b.size(); i++) {
                if (t.name == "A") b.set(i, -128);
                if (t.name == "B") b.set(i, sign > 0 ? -128 : 127);
                if (t.name == "C") b.set(i, sign * 1000 * (i + 1));
            }
            return b;
        };
        auto ref = [&](const RefInputs &in) { return halyard_ref::gemm(in.at("A"), in.at("B"), &in.at("C")); };
        ASSERT_TRUE(run_op_case("gemm", p, nullptr, fill, ref, rng, "gemm_extreme"));

        // Same with requantization: every output saturates.
        p.insert({{"requant", "1"}, {"log2d", "4"}, {"mul_shape", "1"}, {"add_shape", "1"}});
        auto fill_rq = [&](const TensorType &t, std::mt19937 &r) {
            TypedBuffer b = fill(t, r);
            if (t.name == "mul" || t.name == "add") {
                for (int64_t i = 0; i < b.size(); i++) b.set(i, t.name == "mul" ? 1 : 0);
            }
            return b;
        };
        auto ref_rq = [&](const RefInputs &in) {
            auto r = ref_requant(in, p);
            return halyard_ref::gemm(in.at("A"), in.at("B"), &in.at("C"), 1, 1, false, false, &r);
        };
        ASSERT_TRUE(run_op_case("gemm", p, nullptr, fill_rq, ref_rq, rng, "gemm_extreme_rq"));
    }
}

TEST(OpsBitExact, MatMulBatchedBroadcast) {
    std::mt19937 rng(test_seed() + 1);
    for (int iter = 0; iter < 14; iter++) {
        int M = pick(rng, kAwkward), N = pick(rng, kAwkward), K = pick(rng, kAwkward);
        int b0 = pick(rng, {1, 2, 3}), b1 = pick(rng, {1, 4, 5});
        std::vector<int> a_shape = {b0, b1, M, K}, b_shape = {b1, K, N};
        if (iter % 3 == 1) a_shape = {b1, M, K};
        if (iter % 3 == 2) b_shape = {1, 1, K, N};
        bool requant = iter % 2;
        bool trans_b = iter % 4 == 3;
        if (trans_b) std::swap(b_shape[b_shape.size() - 1], b_shape[b_shape.size() - 2]);
        std::map<std::string, std::string> p = {{"a_shape", sh(a_shape)}, {"b_shape", sh(b_shape)},
                                                {"trans_b", trans_b ? "1" : "0"}};
        RequantChoice rq;
        if (requant) {
            rq = choose_requant(rng, int64_t(K) * 128 * 128, rng() % 2 ? "1" : std::to_string(N), "1", true);
            p.insert(rq.params.begin(), rq.params.end());
        }
        auto fill = [&](const TensorType &t, std::mt19937 &r) {
            int64_t n = num_elements(t.shape);
            if (t.name == "mul") return random_buffer(r, t.type, n, -rq.mul_max, rq.mul_max);
            if (t.name == "add") return random_buffer(r, t.type, n, -rq.add_max, rq.add_max);
            return random_buffer(r, t.type, n);
        };
        auto ref = [&](const RefInputs &in) {
            halyard_ref::RequantParams r;
            if (requant) r = ref_requant(in, p);
            halyard_ref::Tensor b = in.at("B");
            if (trans_b) {
                std::vector<int64_t> perm;
                for (int64_t d = 0; d < b.rank(); d++) perm.push_back(d);
                std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
                b = halyard_ref::transpose(b, perm);
            }
            return halyard_ref::matmul(in.at("A"), b, requant ? &r : nullptr);
        };
        std::optional<Schedule> s;
        if (iter % 2 == 0) {
            s = Schedule();
            s->tile("Y", "n", std::min(N, 4)).compute_at("acc", "Y", "n_o").memory("acc", MemLevel::Reg);
            s->tile("acc", "k", std::min(K, 5)).parallel("Y", "b0");
        }
        ASSERT_TRUE(run_op_case("matmul", p, s ? &*s : nullptr, fill, ref, rng, "matmul_case" + std::to_string(iter)));
    }
}

TEST(OpsBitExact, RequantShiftPerTensorAndPerChannel) {
    std::mt19937 rng(test_seed() + 2);
    const std::vector<std::string> in_types = {"int32", "int16", "int8", "uint8"};
    for (int iter = 0; iter < 16; iter++) {
        int rows = pick(rng, kAwkward), cols = pick(rng, kAwkward);
        std::string in_type = in_types[iter % in_types.size()];
        ElemType t = parse_elem_type(in_type);
        int64_t max_abs = std::max<int64_t>(-elem_min(t), elem_max(t));
        std::string mul_shape = iter % 3 == 0 ? "1" : iter % 3 == 1 ? std::to_string(cols) : sh({rows, 1});
        RequantChoice rq = choose_requant(rng, max_abs, mul_shape, iter % 2 ? "1" : std::to_string(cols), iter % 4 != 3);
        std::map<std::string, std::string> p = {{"shape", sh({rows, cols})}, {"in_type", in_type},
                                                {"mul_shape", mul_shape}, {"add_shape", rq.params["add_shape"]},
                                                {"log2d", rq.params["log2d"]}, {"signed", rq.params["signed"]},
                                                {"rounding", iter % 5 == 4 ? "0" : "1"}};
        if (iter % 7 == 6) p["n_levels"] = "16";  // 4-bit output range
        auto fill = [&](const TensorType &tt, std::mt19937 &r) {
            int64_t n = num_elements(tt.shape);
            if (tt.name == "mul") return random_buffer(r, tt.type, n, -rq.mul_max, rq.mul_max);
            if (tt.name == "add") return random_buffer(r, tt.type, n, -rq.add_max, rq.add_max);
            if (tt.type == ElemType::Int32) return random_buffer(r, tt.type, n, -(1 << 20), 1 << 20);
            return random_buffer(r, tt.type, n);
        };
        auto ref = [&](const RefInputs &in) { return halyard_ref::requant_shift(in.at("x"), ref_requant(in, p)); };
        std::optional<Schedule> s;
        if (iter % 2) {
            s = Schedule();
            s->tile("y", "d1", std::min(cols, 8)).order("y", {"d1_o", "d0", "d1_i"});
        }
        ASSERT_TRUE(run_op_case("requant_shift", p, s ? &*s : nullptr, fill, ref, rng, "rqs_case" + std::to_string(iter)));
    }
}

// Add with requantized operands and output (the attention mask's Add): an
// int8/uint8 operand's per-tensor requantization, and the output's when both
// addends are one byte wide, are tables (256 and up to 511 entries) that the
// schedule fills once per call or inlines, or reads as inputs
// (requant_tables=input, every third case: the network compiler's constants).
// Large and small outputs (tables filled and inlined), int8/uint8/int16
// operands, signed and unsigned requantizations, per-channel multipliers (no
// table), awkward sizes.
TEST(OpsBitExact, AddRequantizedOperandsByTables) {
    std::mt19937 rng(test_seed() + 31);
    for (int iter = 0; iter < 16; iter++) {
        const int d0 = pick(rng, {1, 2, 3}), d1 = iter % 2 ? pick(rng, {9, 17, 33}) : pick(rng, {1, 3}),
                  d2 = pick(rng, kAwkward);
        std::vector<int> a = {d0, d1, d2}, b = iter % 3 == 0 ? std::vector<int>{d2} : std::vector<int>{d1, d2};
        const std::string a_type = iter % 4 == 1 ? "uint8" : "int8", b_type = iter % 5 == 2 ? "int16" : iter % 3 == 2 ? "uint8" : "int8";
        std::map<std::string, std::string> p = {{"a_shape", sh(a)}, {"b_shape", sh(b)}, {"a_type", a_type}, {"b_type", b_type}};
        auto prefixed = [&](const std::string &prefix, const RequantChoice &c) {
            for (const auto &[k, v] : c.params) p[prefix + k] = v;
        };
        const bool rq_a = iter % 4 != 3, rq_b = iter % 3 == 1;
        // Per-channel multipliers on some operands: those stay expressions.
        const std::string a_mul = iter % 7 == 4 ? std::to_string(d2) : "1";
        RequantChoice ca = choose_requant(rng, 128, a_mul, "1", iter % 2 == 0);
        RequantChoice cb = choose_requant(rng, 1 << 15, "1", "1", true);
        RequantChoice co = choose_requant(rng, 512, "1", "1", iter % 3 != 2);
        if (rq_a) prefixed("a_", ca);
        if (rq_b) prefixed("b_", cb);
        prefixed("", co);
        if (iter % 3 == 0) p["requant_tables"] = "input";
        auto fill = with_requant_tables("add", p, [&](const TensorType &t, std::mt19937 &r) {
            const int64_t n = num_elements(t.shape);
            const RequantChoice &c = t.name.rfind("a_", 0) == 0 ? ca : t.name.rfind("b_", 0) == 0 ? cb : co;
            if (t.name == "mul" || t.name == "a_mul" || t.name == "b_mul") return random_buffer(r, t.type, n, -c.mul_max, c.mul_max);
            if (t.name == "add" || t.name == "a_add" || t.name == "b_add") return random_buffer(r, t.type, n, -c.add_max, c.add_max);
            return random_buffer(r, t.type, n);
        });
        auto ref = [&](const RefInputs &in) {
            auto with = [&](const std::string &prefix) { return ref_requant_prefixed(in, p, prefix); };
            halyard_ref::RequantParams ra, rb, ro = ref_requant(in, p);
            if (rq_a) ra = with("a_");
            if (rq_b) rb = with("b_");
            return halyard_ref::rq_add(in.at("A"), in.at("B"), rq_a ? &ra : nullptr, rq_b ? &rb : nullptr, &ro);
        };
        ASSERT_TRUE(run_op_case("add", p, nullptr, fill, ref, rng, "add_tables" + std::to_string(iter)));
    }
}

TEST(OpsBitExact, AddBroadcastSaturateRequant) {
    std::mt19937 rng(test_seed() + 3);
    for (int iter = 0; iter < 16; iter++) {
        int d0 = pick(rng, {1, 2, 3, 5}), d1 = pick(rng, kAwkward), d2 = pick(rng, kAwkward);
        std::vector<int> a = {d0, d1, d2}, b = {d2};
        if (iter % 4 == 1) b = {d1, 1};
        if (iter % 4 == 2) b = {d0, 1, d2};
        if (iter % 4 == 3) std::swap(a, b);
        std::map<std::string, std::string> p = {{"a_shape", sh(a)}, {"b_shape", sh(b)},
                                                {"a_type", iter % 3 == 0 ? "uint8" : "int8"},
                                                {"b_type", iter % 5 == 0 ? "int16" : "int8"}};
        int mode = iter % 3;  // 0: int32 out, 1: saturating int8, 2: requantized
        RequantChoice rq;
        if (mode == 1) p["out_type"] = "int8";
        if (mode == 2) {
            rq = choose_requant(rng, 1 << 16, "1", "1", iter % 2);
            p.insert(rq.params.begin(), rq.params.end());
        }
        auto fill = [&](const TensorType &t, std::mt19937 &r) {
            int64_t n = num_elements(t.shape);
            if (t.name == "mul") return random_buffer(r, t.type, n, -rq.mul_max, rq.mul_max);
            if (t.name == "add") return random_buffer(r, t.type, n, -rq.add_max, rq.add_max);
            return random_buffer(r, t.type, n);
        };
        auto ref = [&](const RefInputs &in) {
            if (mode == 2) {
                auto r = ref_requant(in, p);
                return halyard_ref::add(in.at("A"), in.at("B"), &r);
            }
            halyard_ref::Tensor y = halyard_ref::add(in.at("A"), in.at("B"));
            if (mode == 1) {
                for (auto &v : y.data) v = halyard_ref::clip(v, -128, 127);
            }
            return y;
        };
        ASSERT_TRUE(run_op_case("add", p, nullptr, fill, ref, rng, "add_case" + std::to_string(iter)));
    }
}
