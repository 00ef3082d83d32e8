#include "map_micro_kernels.h"

#include "block_statements.h"
#include "halyard/dsl/internal_error.h"
#include "split_loops_over_cores.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// One accumulation acc[c] = acc[c] + int32(A[a + k]) * int32(B[b + k * sb]).
struct Mac {
    std::string acc, a, b;
    Expr c, a_base, b_base;  // at k = loop min
    int64_t b_stride = 1;
};

Type halide_type(const KernelElem &e) { return e.is_signed ? Int(e.bits) : UInt(e.bits); }

// int32(load of type `t`)
bool is_widened_load(const Expr &e, Type t, const Load **out) {
    const Cast *c = e.as<Cast>();
    if (!c || c->type != Int(32)) return false;
    const Load *l = c->value.as<Load>();
    if (!l || l->type != t || !is_const_one(l->predicate)) return false;
    *out = l;
    return true;
}

// Coefficient of loop variable `k` in `e`, if constant.
std::optional<int64_t> k_stride(const Expr &e, const std::string &k) {
    Expr v = Variable::make(Int(32), k);
    const Expr stride = simplify(substitute(k, v + 1, e) - e);  // keeps the IntImm alive
    const IntImm *c = stride.as<IntImm>();
    if (!c) return std::nullopt;
    return c->value;
}

bool match_mac(const Stmt &s, const For *loop, const MicroKernel &mk, Mac *mac, std::string *why) {
    const Store *st = s.as<Store>();
    if (!st || st->value.type() != Int(32) || !is_const_one(st->predicate)) {
        *why = "a statement in the k loop is not an int32 accumulation";
        return false;
    }
    const Add *add = st->value.as<Add>();
    if (!add) {
        *why = "accumulation is not acc + product";
        return false;
    }
    Expr acc_term = add->a, prod_term = add->b;
    const Load *acc = acc_term.as<Load>();
    if (!acc || acc->name != st->name) {
        std::swap(acc_term, prod_term);
        acc = acc_term.as<Load>();
    }
    if (!acc || acc->name != st->name || !equal(acc->index, st->index)) {
        *why = "the store does not accumulate into the element it reads";
        return false;
    }
    const Mul *mul = prod_term.as<Mul>();
    const Load *a = nullptr, *b = nullptr;
    const Type ta = halide_type(mk.a), tb = halide_type(mk.b);
    if (!mul || !is_widened_load(mul->a, ta, &a) || !is_widened_load(mul->b, tb, &b)) {
        *why = "the product is not " + mk.a.name() + " x " + mk.b.name() + " widened to int32";
        return false;
    }
    auto sc = k_stride(st->index, loop->name), sa = k_stride(a->index, loop->name), sb = k_stride(b->index, loop->name);
    if (!sc || *sc != 0) {
        *why = "the accumulator index depends on k";
        return false;
    }
    if (mk.b_stride_arg) {
        // B stored [K, N]: any constant stride the C function is passed.
        if (!sa || *sa != mk.k_stride || !sb || *sb < 1 || *sb > INT32_MAX) {
            *why = "A's stride in k is not " + std::to_string(mk.k_stride) +
                   " or B's is not a positive constant (the kernel reads A's row and columns of B stored [K, N])";
            return false;
        }
    } else if (!sa || !sb || *sa != mk.k_stride || *sb != mk.k_stride) {
        *why = "an operand's stride in k is not " + std::to_string(mk.k_stride) +
               " (the kernel reads k-contiguous rows; stage or transpose it)";
        return false;
    }
    mac->b_stride = *sb;
    mac->acc = st->name;
    mac->a = a->name;
    mac->b = b->name;
    mac->c = st->index;
    mac->a_base = simplify(substitute(loop->name, loop->min, a->index));
    mac->b_base = simplify(substitute(loop->name, loop->min, b->index));
    return true;
}

int index_of(std::vector<Expr> &set, const Expr &e) {
    for (size_t i = 0; i < set.size(); i++) {
        if (can_prove(set[i] == e)) return (int)i;
    }
    set.push_back(e);
    return (int)set.size() - 1;
}

Expr address(const std::string &buf, Type t, Expr index) {
    return Call::make(Handle(), "hy_address_of",
                      {Load::make(t, buf, index, Buffer<>(), Parameter(), const_true(), ModulusRemainder())},
                      Call::PureExtern);
}

class MapKernels : public IRMutator {
public:
    // stage_kernel: Halide func name -> (registry entry, Halide name of its k loop)
    MapKernels(std::map<std::string, std::pair<const MicroKernel *, std::string>> stage_kernel, KernelReport *report)
        : stage_kernel_(std::move(stage_kernel)), report_(report) {}
    std::set<std::string> seen;

private:
    using IRMutator::visit;
    std::map<std::string, std::pair<const MicroKernel *, std::string>> stage_kernel_;
    KernelReport *report_;

    Stmt visit(const For *op) override {
        for (const auto &[func, mapping] : stage_kernel_) {
            const auto &[mk, k_loop] = mapping;
            if (!loop_matches(op->name, func, k_loop)) continue;
            seen.insert(func);
            std::string why;
            Stmt call = try_tile(op, *mk, &why);
            if (call.defined()) {
                report_->kernels_used.insert(mk->name);
                report_->headers.insert(mk->header);
                report_->lines.push_back(display_name(op->name) + ": " + mk->name + " (checked: " +
                                         std::to_string(mk->macs_per_k()) + " " + mk->a.name() + " MACs per k over " +
                                         std::to_string(mk->rows) + " A row(s) x " + std::to_string(mk->cols) +
                                         (mk->b_stride_arg ? " columns of B stored [K, N]" : " B rows, stride " +
                                                                     std::to_string(mk->k_stride)) + ")");
                return call;
            }
            report_->lines.push_back(display_name(op->name) + ": plain loop kept for " + mk->name + " (" + why + ")");
        }
        return IRMutator::visit(op);
    }

    // The k loop's body must be the R*C accumulations of the kernel's R x C tile.
    Stmt try_tile(const For *loop, const MicroKernel &mk, std::string *why) {
        const int R = mk.rows, C = mk.cols;
        if (loop->for_type != ForType::Serial) {
            *why = "the k loop is not serial";
            return Stmt();
        }
        const std::vector<Stmt> stmts = block_statements(loop->body);
        const size_t n = size_t(R * C);
        if (stmts.size() != n) {
            *why = "the k loop body has " + std::to_string(stmts.size()) + " statements; the kernel needs the " +
                   std::to_string(n) + " accumulations of a " + std::to_string(R) + "x" + std::to_string(C) +
                   " tile (tile and unroll m by " + std::to_string(R) + ", n by " + std::to_string(C) + ")";
            return Stmt();
        }
        std::vector<Mac> macs(n);
        for (size_t i = 0; i < n; i++) {
            if (!match_mac(stmts[i], loop, mk, &macs[i], why)) return Stmt();
        }
        const std::string acc = macs[0].acc, a = macs[0].a, b = macs[0].b;
        std::vector<Expr> a_rows, b_rows, seen_c;
        std::vector<std::vector<Expr>> c((size_t)R, std::vector<Expr>((size_t)C));
        for (const auto &m : macs) {
            if (m.acc != acc || m.a != a || m.b != b) {
                *why = "the accumulations use different buffers";
                return Stmt();
            }
            if (m.b_stride != macs[0].b_stride) {
                *why = "B's stride in k differs between the accumulations";
                return Stmt();
            }
            int i = index_of(a_rows, m.a_base), j = index_of(b_rows, m.b_base);
            if ((int)a_rows.size() > R || (int)b_rows.size() > C) {
                *why = "the tile is not " + std::to_string(R) + " A rows x " + std::to_string(C) + " B rows";
                return Stmt();
            }
            if (c[i][j].defined()) {
                *why = "two accumulations share an (A row, B row) pair";
                return Stmt();
            }
            c[i][j] = m.c;
            for (const Expr &prev : seen_c) {
                if (!can_prove(prev != m.c)) {
                    *why = "accumulator indices are not provably distinct";
                    return Stmt();
                }
            }
            seen_c.push_back(m.c);
        }
        if ((int)a_rows.size() != R || (int)b_rows.size() != C) {
            *why = "the tile is not " + std::to_string(R) + " A rows x " + std::to_string(C) + " B rows";
            return Stmt();
        }
        std::vector<Expr> args;
        for (const Expr &r : a_rows) args.push_back(address(a, halide_type(mk.a), r));
        for (const Expr &r : b_rows) args.push_back(address(b, halide_type(mk.b), r));
        args.push_back(loop->extent);
        if (mk.b_stride_arg) args.push_back(make_const(Int(32), macs[0].b_stride));
        for (int i = 0; i < R; i++) {
            for (int j = 0; j < C; j++) args.push_back(address(acc, Int(32), c[i][j]));
        }
        return Evaluate::make(Call::make(Int(32), mk.c_symbol, args, Call::Extern));
    }
};

}  // namespace

Stmt map_micro_kernels(const Stmt &s, const Algorithm &algo, const SchedulePlan &plan,
                       const TargetDescription &target, KernelReport *report) {
    if (plan.kernels.empty()) return s;
    std::map<std::string, std::pair<const MicroKernel *, std::string>> stage_kernel;
    for (const auto &k : plan.kernels) {
        const MicroKernel *info = find_micro_kernel(k.kernel);
        HL_INTERNAL_ASSERT(info, "apply_schedule accepted micro-kernel " + k.kernel + ", which the registry lacks");
        if (!target.has_extension(info->requires_extension)) {
            report->lines.push_back("stage " + k.stage + ": " + k.kernel + " checked; target " + target.name() +
                                    " runs the plain loop nest");
            continue;
        }
        const Stage *st = algo.find_stage(k.stage);
        if (st && st->rdom.defined()) stage_kernel[st->func.name()] = {info, st->rdom[0].name()};
    }
    MapKernels mapper(stage_kernel, report);
    Stmt out = mapper.mutate(s);
    for (const auto &[func, mapping] : stage_kernel) {
        if (!mapper.seen.count(func)) {
            report->lines.push_back("stage " + display_name(func) + ": no unsplit k loop found for " + mapping.first->name +
                                    " (do not tile k)");
        }
    }
    return out;
}

}  // namespace halyard
