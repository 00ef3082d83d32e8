// Backend passes on hand-built Halide IR: what they must and must not touch.
// (Every generated kernel also runs bit-exact against the references in the
// op tests, host and cluster.)
#include <gtest/gtest.h>

#include <functional>

#include "passes/hoist_invariant_loads.h"
#include "passes/interleave_unrolled_stores.h"
#include "passes/fuse_requant_epilogues.h"
#include "passes/fuse_row_reductions.h"
#include "passes/map_copy_loops.h"
#include "passes/multiply_by_reciprocals.h"

#include <random>

#include "halyard_divide.h"  // the runtime side of multiply_by_reciprocals

namespace {

using namespace Halide;
using namespace Halide::Internal;
using halyard::hoist_invariant_loads;
using halyard::interleave_unrolled_stores;
using halyard::fuse_row_reductions;
using halyard::fuse_requant_epilogues;
using halyard::map_copy_loops;

Expr load(const std::string &buf, Expr index, Type t = Int(32)) {
    return Load::make(t, buf, std::move(index), Buffer<>(), Parameter(), const_true(), ModulusRemainder());
}
Stmt store(const std::string &buf, Expr value, Expr index) {
    return Store::make(buf, std::move(value), std::move(index), Parameter(), const_true(), ModulusRemainder());
}
Stmt loop(const std::string &v, Expr extent, Stmt body) {
    return For::make(v, 0, std::move(extent), ForType::Serial, DeviceAPI::None, std::move(body));
}
const Expr x = Variable::make(Int(32), "x");

int hoisted(const Stmt &s) {
    int n = 0;
    hoist_invariant_loads(s, &n);
    return n;
}

TEST(BackendPasses, InvariantLoadsLeaveLoopsThatRunAndDoNotWriteThem) {
    // out[x] = mul[0] * in[x] + add[0]: mul and add are read once.
    Stmt requant = loop("x", 16, store("out", load("mul", 0) * load("in", x) + load("add", 0), x));
    EXPECT_EQ(hoisted(requant), 2);
    // A loop that may not run keeps its loads (they may be out of bounds then).
    EXPECT_EQ(hoisted(loop("x", Variable::make(Int(32), "n"), store("out", load("mul", 0), x))), 0);
    // The loop writes the buffer: acc[0] = acc[0] + in[x] stays.
    EXPECT_EQ(hoisted(loop("x", 16, store("acc", load("acc", 0) + load("in", x), 0))), 0);
    // Only on some iterations: under a select.
    EXPECT_EQ(hoisted(loop("x", 16, store("out", select(x < 3, load("mul", 0), 1), x))), 0);
    // A call (a DMA, a kernel) in the loop could write anything.
    Stmt call = Evaluate::make(Call::make(Int(32), "hl_dma_wait", {0}, Call::Extern));
    EXPECT_EQ(hoisted(loop("x", 16, Block::make(call, store("out", load("mul", 0), x)))), 0);
    // A table lookup indexed by an element the loop writes (a softmax's
    // exp_table[xmax[0] - v[0]] over rows of one element) stays; the loads
    // of buffers it does not write beside it still leave.
    Stmt lookup = loop("x", 16, Block::make({store("v", load("in", x), 0), store("out", load("table", load("v", 0)) + load("add", 0), x)}));
    EXPECT_EQ(hoisted(lookup), 1);
}

int interleaved(const Stmt &s, Stmt *out = nullptr) {
    int n = 0;
    Stmt r = interleave_unrolled_stores(s, &n);
    if (out) *out = r;
    return n;
}

// The lets an interleaved group reads before its stores, in order.
std::vector<std::string> lets_before_stores(Stmt s) {
    std::vector<std::string> loads;
    while (const LetStmt *l = s.as<LetStmt>()) {
        const Load *ld = l->value.as<Load>();
        loads.push_back(ld ? ld->name : "?");
        s = l->body;
    }
    return loads;
}

TEST(BackendPasses, UnrolledStoresReadTheirLoadsFirst) {
    // x[i] = t2[t1[a[i]] + b[i]] for i = 0, 1 (an unrolled group): a and b
    // of both, then t1 of both, then t2 of both, before the two stores.
    auto elem = [](int i) { return store("x", load("t2", load("t1", load("a", i)) + load("b", i)), i); };
    Stmt out;
    EXPECT_EQ(interleaved(Block::make({elem(0), elem(1)}), &out), 1);
    EXPECT_EQ(lets_before_stores(out), (std::vector<std::string>{"a", "b", "a", "b", "t1", "t1", "t2", "t2"}));
    // The stored buffer read by the group: a store may feed a later load.
    EXPECT_EQ(interleaved(Block::make({store("x", load("a", 0), 0), store("x", load("x", 0) + 1, 1)})), 0);
    // Loads under a select's values run only on some paths: not lifted (the
    // condition's load is, but one load alone is no group).
    EXPECT_EQ(interleaved(Block::make({store("x", select(load("c", 0) > 0, load("a", 0), 1), 0),
                                       store("x", select(x > 0, load("a", 1), 2), 1)})),
              0);
    // Stores to different buffers, or one store: nothing to interleave.
    EXPECT_EQ(interleaved(Block::make({store("x", load("a", 0), 0), store("y", load("a", 1), 0)})), 0);
    EXPECT_EQ(interleaved(elem(0)), 0);
    // Runs longer than a group are cut into groups of four.
    std::vector<Stmt> nine;
    for (int i = 0; i < 9; i++) nine.push_back(elem(i));
    EXPECT_EQ(interleaved(Block::make(nine)), 2);  // 4 + 4; the ninth alone
}

// A row op's shape: Allocate(x) { produce x; Allocate(R) { produce R {R[0] =
// init; consume x { for j: R[0] = R[0] op f(x[j]) }}; rest } }, R in registers.
struct RowOp {
    Stmt producer;                 // the stores of x
    std::function<Expr(Expr, Expr)> op = [](Expr r, Expr v) { return r + v; };
    Expr init = 0;
    bool free_between = false;     // frees of the producer's inputs before R's allocation (a softmax's e)
    Expr f_of(Expr v) const { return v * 3; }
    Stmt build(int n = 8) const {
        const Expr j = Variable::make(Int(32), "j");
        Stmt red = loop("j", n, store("R", op(load("R", 0), f_of(load("x", j))), 0));
        Stmt produce_r = ProducerConsumer::make("R", true, Block::make(store("R", init, 0), ProducerConsumer::make("x", false, red)));
        Stmt rest = store("out", load("R", 0), 0);
        Stmt alloc_r = Allocate::make("R", Int(32), MemoryType::Auto, {1}, const_true(), Block::make(produce_r, rest));
        std::vector<Stmt> body = {ProducerConsumer::make("x", true, producer)};
        if (free_between) body.push_back(Free::make("in")), body.push_back(Free::make("in2"));
        body.push_back(alloc_r);
        return Allocate::make("x", Int(32), MemoryType::Auto, {n}, const_true(), Block::make(body));
    }
};

int fused(const Stmt &s, halyard::MemLevel r_level = halyard::MemLevel::Reg) {
    halyard::ArenaPlan arenas;
    arenas.buffers.push_back({"R", r_level, 0, 4});
    int n = 0;
    fuse_row_reductions(s, arenas, &n);
    return n;
}

TEST(BackendPasses, RowReductionsFoldIntoTheirProducer) {
    // x[4o + i] = in[4o + i] for o < 2 (i = 0..3): every index of [0, 8) once.
    auto group = [](Expr base, int from = 0) {
        std::vector<Stmt> st;
        for (int i = from; i < 4; i++) st.push_back(store("x", load("in", base + i), base + i));
        return Block::make(st);
    };
    const Expr o = Variable::make(Int(32), "o");
    RowOp sum;
    sum.producer = loop("o", 2, group(o * 4));
    EXPECT_EQ(fused(sum.build()), 1);
    // Frees between the producer and R's allocation move in after it.
    RowOp freed = sum;
    freed.free_between = true;
    EXPECT_EQ(fused(freed.build()), 1);
    // A shifted last group (indices 5..8 after 0..7): a sum does not count
    // 5..7 twice, so it folds with the repeated stores skipped ...
    RowOp shifted;
    shifted.producer = Block::make(loop("o", 2, group(o * 4)), group(Expr(5), 0));
    EXPECT_EQ(fused(shifted.build(9)), 1);
    // ... but an index stored twice inside loops cannot be told apart: no.
    RowOp twice;
    twice.producer = loop("o", 2, Block::make(group(o * 4), store("x", load("in", o), o)));
    EXPECT_EQ(fused(twice.build()), 0);
    // Not every index: no.
    RowOp partial;
    partial.producer = loop("o", 1, group(o * 4));
    EXPECT_EQ(fused(partial.build()), 0);
    // One store node met twice (shared IR) outside loops: a sum cannot tell
    // which occurrence to count, so it stays a loop.
    std::vector<Stmt> seven;
    for (int i = 0; i < 7; i++) seven.push_back(store("x", load("in", i), i));
    const Stmt last = store("x", load("in", 7), 7);
    seven.push_back(last);
    seven.push_back(last);
    RowOp shared;
    shared.producer = Block::make(seven);
    EXPECT_EQ(fused(shared.build()), 0);
    // R in an L1 arena (bytes shared by scope): no.
    EXPECT_EQ(fused(sum.build(), halyard::MemLevel::L1), 0);
    // A max folds too; a product (not +, max, min) does not.
    RowOp mx = sum;
    mx.op = [](Expr r, Expr v) { return max(r, v); };
    EXPECT_EQ(fused(mx.build()), 1);
    RowOp prod = sum;
    prod.op = [](Expr r, Expr v) { return r * v; };
    EXPECT_EQ(fused(prod.build()), 0);
    // A producer under a condition, or reading R: no.
    RowOp cond;
    cond.producer = IfThenElse::make(load("c", 0) > 0, loop("o", 2, group(o * 4)));
    EXPECT_EQ(fused(cond.build()), 0);
    RowOp reads_r;
    reads_r.producer = loop("o", 2, Block::make({store("x", load("R", 0), o * 4), store("x", load("in", 1), o * 4 + 1),
                                                 store("x", load("in", 2), o * 4 + 2), store("x", load("in", 3), o * 4 + 3)}));
    EXPECT_EQ(fused(reads_r.build()), 0);
}

int copies(const Stmt &s) {
    halyard::CopyReport r;
    map_copy_loops(s, &r);
    return (int)r.lines.size();
}

TEST(BackendPasses, CopyLoopsOnlyForContiguousCopies) {
    const Expr y = Variable::make(Int(32), "y");
    // dst[y * 8 + x] = src[y * 8 + x] over 8 x 4: one 32-element copy.
    Stmt dense = loop("y", 4, loop("x", 8, store("dst", load("src", y * 8 + x, Int(8)), y * 8 + x)));
    EXPECT_EQ(copies(dense), 1);
    halyard::CopyReport r;
    map_copy_loops(dense, &r);
    EXPECT_NE(r.lines[0].find("hy_copy(32 B)"), std::string::npos) << r.lines[0];
    // Rows 8 apart in dst but 10 apart in src: one copy per row.
    Stmt rows = loop("y", 4, loop("x", 8, store("dst", load("src", y * 10 + x, Int(8)), y * 8 + x)));
    halyard::CopyReport per_row;
    Stmt out = map_copy_loops(rows, &per_row);
    ASSERT_EQ(per_row.lines.size(), 1u);
    EXPECT_NE(per_row.lines[0].find("hy_copy(8 B)"), std::string::npos) << per_row.lines[0];
    EXPECT_NE(out.as<For>(), nullptr);  // the row loop stays
    // A transpose, a conversion and an in-place shift are not copies.
    EXPECT_EQ(copies(loop("x", 8, store("dst", load("src", x * 4, Int(8)), x))), 0);
    EXPECT_EQ(copies(loop("x", 8, store("dst", cast(Int(16), load("src", x, Int(8))), x))), 0);
    EXPECT_EQ(copies(loop("x", 8, store("buf", load("buf", x + 1, Int(8)), x))), 0);
}

}  // namespace

namespace {

Expr addr(const std::string &buf, Expr index, Type t = Int(8)) {
    return Call::make(Handle(), "hy_address_of", {load(buf, std::move(index), t)}, Call::PureExtern);
}

// A 4x4 tile as map_micro_kernels leaves it: acc zeroed, hy_gemm_s8_4x4, one
// requantizing store per output; `output(i, j, acc_ij)` is output (i, j)'s value.
Stmt gemm_tile(const std::function<Expr(int, int, Expr)> &output, int ldy = 64) {
    std::vector<Stmt> produce, consume;
    std::vector<Expr> args;
    for (int i = 0; i < 4; i++) args.push_back(addr("A", i * 68));
    for (int j = 0; j < 4; j++) args.push_back(addr("B", j * 68));
    args.push_back(64);
    for (int t = 0; t < 16; t++) {
        produce.push_back(store("acc", 0, t));
        args.push_back(addr("acc", t, Int(32)));
    }
    produce.push_back(Evaluate::make(Call::make(Int(32), "hy_gemm_s8_4x4", args, Call::Extern)));
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) consume.push_back(store("Y", output(i, j, load("acc", i * 4 + j)), i * ldy + j));
    consume.push_back(Free::make("acc"));
    Stmt body = Block::make(ProducerConsumer::make_produce("acc", Block::make(produce)),
                            ProducerConsumer::make_consume("acc", Block::make(consume)));
    return Allocate::make("acc", Int(32), MemoryType::Auto, {16}, const_true(), body);
}

Expr requant8(Expr v, bool is_signed = true) {
    return cast(is_signed ? Int(8) : UInt(8), max(min(v / 65536, is_signed ? 127 : 255), is_signed ? -128 : 0));
}

// The kernel call the pass leaves, or "" if it left the tile alone.
std::string fused_call(const Stmt &s, std::vector<std::string> *lines = nullptr) {
    halyard::KernelReport report;
    Stmt out = fuse_requant_epilogues(s, &report);
    if (lines) *lines = report.lines;
    const Evaluate *e = out.as<Evaluate>();
    const Call *c = e ? e->value.as<Call>() : nullptr;
    return c ? c->name : "";
}

}  // namespace

TEST(BackendPasses, RequantEpiloguesFuseIntoTheKernelOnlyWhenProven) {
    const Expr mul = load("mul", 0), add = load("add", 0);
    // A GEMM's bias and RequantShift (the IR of a network's GEMM kernel).
    auto gemm = [&](int i, int j, Expr acc) { return requant8(add + mul * (acc + load("C", j)) + 32768); };
    EXPECT_EQ(fused_call(gemm_tile(gemm)), "hy_gemm_s8_4x4_rq");
    // A MatMul: no bias, the product the other way round, unsigned output.
    auto matmul = [&](int i, int j, Expr acc) { return requant8(add + acc * mul + 32768, false); };
    EXPECT_EQ(fused_call(gemm_tile(matmul)), "hy_gemm_s8_4x4_rq");
    std::vector<std::string> why;
    // Per-column multipliers: the kernel takes one.
    auto per_column = [&](int i, int j, Expr acc) { return requant8(add + load("mul", j) * acc); };
    EXPECT_EQ(fused_call(gemm_tile(per_column), &why), "");
    ASSERT_EQ(why.size(), 1u);
    EXPECT_NE(why[0].find("requantizations differ"), std::string::npos) << why[0];
    // The bias of column j must be bias[j].
    auto wrong_bias = [&](int i, int j, Expr acc) { return requant8(add + mul * (acc + load("C", i))); };
    EXPECT_EQ(fused_call(gemm_tile(wrong_bias)), "");
    // A clamp neither clip instruction has.
    auto odd_clip = [&](int i, int j, Expr acc) { return cast(Int(8), max(min(acc * mul, 100), -5)); };
    EXPECT_EQ(fused_call(gemm_tile(odd_clip)), "");
    // Not a power-of-two division.
    auto div3 = [&](int i, int j, Expr acc) { return cast(Int(8), max(min((acc * mul) / 3, 127), -128)); };
    EXPECT_EQ(fused_call(gemm_tile(div3)), "");
    // An output reading another accumulator too.
    auto two = [&](int i, int j, Expr acc) { return requant8(acc + load("acc", 0) * mul); };
    EXPECT_EQ(fused_call(gemm_tile(two)), "");
    // Rows closer than the tile is wide would overlap.
    EXPECT_EQ(fused_call(gemm_tile(gemm, 3)), "");
    // Rows 7 apart are fine.
    EXPECT_EQ(fused_call(gemm_tile(gemm, 7)), "hy_gemm_s8_4x4_rq");
}

namespace {

int reciprocal_loops(const Stmt &s, Stmt *out = nullptr) {
    int n = 0;
    Stmt r = halyard::multiply_by_reciprocals(s, &n);
    if (out) *out = r;
    return n;
}

Expr div0(Expr a, Expr b) { return Call::make(Int(32), Call::div_round_to_zero, {std::move(a), std::move(b)}, Call::PureIntrinsic); }

}  // namespace

TEST(BackendPasses, DivisionsByALoopInvariantBecomeMultiplications) {
    const Expr d = Variable::make(Int(32), "std");
    // A norm's row: y[x] = in[x] * w[x] / std, 64 times.
    Stmt norm = loop("x", 64, store("y", div0(load("in", x) * load("w", x), d), x));
    Stmt out;
    EXPECT_EQ(reciprocal_loops(norm, &out), 1);
    const LetStmt *let = out.as<LetStmt>();
    ASSERT_TRUE(let);
    const Call *magic = let->value.as<Call>();
    ASSERT_TRUE(magic);
    EXPECT_EQ(magic->name, "hy_sdiv_magic");
    EXPECT_TRUE(let->body.as<For>());
    // Too few divisions to pay for the magic.
    EXPECT_EQ(reciprocal_loops(loop("x", 8, store("y", div0(load("in", x), d), x))), 0);
    // A constant divisor (gcc multiplies already), one that changes in the
    // loop, one read from memory, one the loop binds.
    EXPECT_EQ(reciprocal_loops(loop("x", 64, store("y", div0(load("in", x), 7), x))), 0);
    EXPECT_EQ(reciprocal_loops(loop("x", 64, store("y", div0(load("in", x), d + x), x))), 0);
    EXPECT_EQ(reciprocal_loops(loop("x", 64, store("y", div0(load("in", x), load("std", 0)), x))), 0);
    EXPECT_EQ(reciprocal_loops(loop("x", 64, LetStmt::make("std", x, store("y", div0(load("in", x), d), x)))), 0);
}

TEST(BackendPasses, ReciprocalDivisionEqualsCsOnEdgesAndRandomPairs) {
    // hy_sdiv_apply(n, hy_sdiv_magic(d)) == n / d (C's, rounding to zero) on
    // the edges and 2 M random pairs of every magnitude; 0 for d = 0.
    std::vector<int32_t> edges = {1, -1, 2, -2, 3, 7, 100, 127, 128, 255, 256, 65535, 65536, 65537,
                                  INT32_MAX, INT32_MIN, -65536, 12345678, 0x40000001};
    std::mt19937 rng(5);
    auto any = [&] { return int32_t(uint32_t(rng()) >> (rng() % 32)) * ((rng() & 1) ? 1 : -1); };
    int64_t bad = 0;
    for (int t = 0; t < 2000000; t++) {
        const int32_t d = t < 19 * 20000 ? edges[size_t(t % 19)] : any();
        const int32_t n = t % 5 == 0 ? INT32_MIN : t % 7 == 0 ? INT32_MAX : any();
        if (d == 0 || (n == INT32_MIN && d == -1)) continue;
        if (hy_sdiv_apply(n, hy_sdiv_magic(d)) != n / d && bad++ < 5) ADD_FAILURE() << n << " / " << d;
    }
    EXPECT_EQ(bad, 0);
    EXPECT_EQ(hy_sdiv_apply(12345, hy_sdiv_magic(0)), 0);
    EXPECT_EQ(hy_sdiv_apply(INT32_MIN, hy_sdiv_magic(0)), 0);
    // RISC-V's div gives INT32_MIN for INT32_MIN / -1 (C leaves it undefined).
    EXPECT_EQ(hy_sdiv_apply(INT32_MIN, hy_sdiv_magic(-1)), INT32_MIN);
}
