#include "fuse_requant_epilogues.h"

#include <optional>

#include "block_statements.h"
#include "buffers_named.h"
#include "halyard/dsl/types.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// One consumer store, taken apart: Y[index] = cast8(clamp(((acc[c] + bias) * mul + add) >> shift, lo, hi)).
struct Output {
    Expr index, acc_index, bias_index, mul, add;
    std::string bias;  // "" if none
    int64_t lo = 0, hi = 0;
    int shift = 0;
};

bool reads(const Expr &e, const std::string &buf) { return buffers_named(e).count(buf) > 0; }

// The terms of a tree of Adds.
void add_terms(const Expr &e, std::vector<Expr> *out) {
    if (const Add *a = e.as<Add>()) {
        add_terms(a->a, out);
        add_terms(a->b, out);
    } else {
        out->push_back(e);
    }
}

Expr sum(const std::vector<Expr> &terms) {
    Expr s;
    for (const Expr &t : terms) s = s.defined() ? s + t : t;
    return s.defined() ? s : make_zero(Int(32));
}

// The accumulator term's inside: acc[c] (+ one int32 load: the bias).
bool match_biased_acc(const Expr &e, const std::string &acc, Output *o, std::string *why) {
    std::vector<Expr> terms;
    add_terms(e, &terms);
    const Load *acc_load = nullptr, *bias = nullptr;
    for (const Expr &t : terms) {
        const Load *l = t.as<Load>();
        if (l && l->name == acc) {
            if (acc_load) return *why = "an output reads two accumulators", false;
            acc_load = l;
        } else if (l && l->type == Int(32) && !bias && !reads(l->index, acc)) {
            bias = l;
        } else {
            return *why = "an output adds to its accumulator something other than one int32 load (a bias)", false;
        }
    }
    if (!acc_load) return *why = "an output reads no accumulator", false;
    o->acc_index = acc_load->index;
    if (bias) o->bias = bias->name, o->bias_index = bias->index;
    return true;
}

bool match_output(const Store *st, const std::string &acc, Output *o, std::string *why) {
    if (!is_const_one(st->predicate)) return *why = "an output store is predicated", false;
    const Cast *c = st->value.as<Cast>();
    if (!c || (c->type != Int(8) && c->type != UInt(8)) || c->value.type() != Int(32)) {
        return *why = "an output is not an int32 value cast to int8 or uint8", false;
    }
    // clamp(x, lo, hi): max(min(x, hi), lo) or min(max(x, lo), hi)
    Expr x;
    const IntImm *lo = nullptr, *hi = nullptr;
    if (const Max *mx = c->value.as<Max>()) {
        const Min *mn = mx->a.as<Min>();
        lo = mx->b.as<IntImm>();
        if (mn) x = mn->a, hi = mn->b.as<IntImm>();
    } else if (const Min *mn = c->value.as<Min>()) {
        const Max *mx = mn->a.as<Max>();
        hi = mn->b.as<IntImm>();
        if (mx) x = mx->a, lo = mx->b.as<IntImm>();
    }
    if (!x.defined() || !lo || !hi) return *why = "an output is not clamped to constant bounds", false;
    o->lo = lo->value;
    o->hi = hi->value;
    if (!(o->hi >= 0 && (o->lo == -o->hi - 1 || o->lo == 0))) {
        return *why = "the clamp [" + std::to_string(o->lo) + ", " + std::to_string(o->hi) +
                      "] is neither [-hi - 1, hi] nor [0, hi] (p.clipr / p.clipur)", false;
    }
    // x = u >> shift, Halide's division by 2^shift (it rounds to negative infinity).
    Expr u = x;
    if (const Div *d = x.as<Div>()) {
        const IntImm *k = d->b.as<IntImm>();
        int s = 0;
        while (k && s < 31 && (int64_t(1) << s) < k->value) s++;
        if (!k || (int64_t(1) << s) != k->value) return *why = "an output divides by something other than 2^k", false;
        o->shift = s;
        u = d->a;
    }
    // u = add + mul * (acc + bias), any order of the sum's terms.
    std::vector<Expr> terms, rest;
    add_terms(u, &terms);
    Expr acc_term;
    for (const Expr &t : terms) {
        if (!reads(t, acc)) {
            rest.push_back(t);
        } else if (acc_term.defined()) {
            return *why = "an output reads its accumulator twice", false;
        } else {
            acc_term = t;
        }
    }
    if (!acc_term.defined()) return *why = "an output reads no accumulator", false;
    o->add = sum(rest);
    o->mul = make_one(Int(32));
    Expr inner = acc_term;
    if (const Mul *m = acc_term.as<Mul>()) {
        const bool in_a = reads(m->a, acc), in_b = reads(m->b, acc);
        if (in_a && in_b) return *why = "an output multiplies its accumulator by itself", false;
        inner = in_a ? m->a : m->b;
        o->mul = in_a ? m->b : m->a;
    }
    return match_biased_acc(inner, acc, o, why);
}

Expr address(const std::string &buf, Type t, const Expr &index) {
    return Call::make(Handle(), "hy_address_of",
                      {Load::make(t, buf, index, Buffer<>(), Parameter(), const_true(), ModulusRemainder())},
                      Call::PureExtern);
}

// The accumulator index an argument hy_address_of(acc[c]) names.
std::optional<Expr> acc_arg(const Expr &arg, const std::string &acc) {
    const Call *c = arg.as<Call>();
    if (!c || c->name != "hy_address_of" || c->args.size() != 1) return std::nullopt;
    const Load *l = c->args[0].as<Load>();
    if (!l || l->name != acc) return std::nullopt;
    return l->index;
}

class FuseEpilogues : public IRMutator {
public:
    explicit FuseEpilogues(KernelReport *report) : report_(report) {}

private:
    using IRMutator::visit;
    KernelReport *report_;

    Stmt visit(const Allocate *op) override {
        std::string why;
        const MicroKernel *mk = nullptr;
        Stmt fused = try_fuse(op, &mk, &why);
        if (fused.defined()) return fused;
        if (mk) report_->lines.push_back(display_name(op->name) + ": epilogue kept apart from " + mk->name + " (" + why + ")");
        return IRMutator::visit(op);
    }

    // *mk is set once the allocation is a kernel's tile with a requantizing variant.
    Stmt try_fuse(const Allocate *op, const MicroKernel **mk_out, std::string *why) {
        const std::string &acc = op->name;
        std::vector<Stmt> parts = block_statements(op->body);
        if (parts.size() != 2) return Stmt();
        const ProducerConsumer *prod = parts[0].as<ProducerConsumer>(), *cons = parts[1].as<ProducerConsumer>();
        if (!prod || !cons || !prod->is_producer || cons->is_producer || prod->name != acc || cons->name != acc) {
            return Stmt();
        }
        std::vector<Stmt> produce = block_statements(prod->body);
        if (produce.empty()) return Stmt();
        const Evaluate *ev = produce.back().as<Evaluate>();
        const Call *call = ev ? ev->value.as<Call>() : nullptr;
        const MicroKernel *mk = call ? find_micro_kernel_by_symbol(call->name) : nullptr;
        if (!mk || mk->requant_c_symbol.empty() || call->name != mk->c_symbol || mk->b_stride_arg) return Stmt();
        *mk_out = mk;
        const int R = mk->rows, C = mk->cols, n = R * C;
        const size_t first_acc = size_t(R + C + 1);
        if (call->args.size() != first_acc + size_t(n)) return *why = "the call's arguments are not the tile's", Stmt();
        std::vector<Expr> tile;  // accumulator index of tile position i * C + j
        for (int t = 0; t < n; t++) {
            auto c = acc_arg(call->args[first_acc + size_t(t)], acc);
            if (!c) return *why = "an accumulator argument is not an element of the tile buffer", Stmt();
            tile.push_back(*c);
        }
        // The producer: the tile's zero stores, then the call.
        if (produce.size() != size_t(n) + 1) return *why = "the tile is not zeroed by exactly its own stores", Stmt();
        std::vector<bool> zeroed(size_t(n), false);
        for (int s = 0; s < n; s++) {
            const Store *z = produce[size_t(s)].as<Store>();
            if (!z || z->name != acc || !is_const_zero(z->value) || !is_const_one(z->predicate)) {
                return *why = "the tile does not start at zero", Stmt();
            }
            int pos = -1;
            for (int t = 0; t < n && pos < 0; t++)
                if (can_prove(z->index == tile[size_t(t)])) pos = t;
            if (pos < 0 || zeroed[size_t(pos)]) return *why = "the zero stores are not the tile's", Stmt();
            zeroed[size_t(pos)] = true;
        }
        // The consumer: one store per accumulator (and the tile's free).
        std::vector<Stmt> consume = block_statements(cons->body);
        if (!consume.empty() && consume.back().as<Free>() && consume.back().as<Free>()->name == acc) consume.pop_back();
        if (consume.size() != size_t(n)) {
            return *why = "the consumer has " + std::to_string(consume.size()) + " statements, not one store per output",
                   Stmt();
        }
        std::vector<std::optional<Output>> at((size_t)n);
        std::string y;
        Type y_type;
        for (const Stmt &s : consume) {
            const Store *st = s.as<Store>();
            if (!st) return *why = "the consumer is not only stores", Stmt();
            if (y.empty()) y = st->name, y_type = st->value.type();
            if (st->name != y || st->value.type() != y_type) return *why = "the outputs go to different buffers", Stmt();
            Output o;
            if (!match_output(st, acc, &o, why)) return Stmt();
            if (reads(o.mul, y) || reads(o.add, y) || (!o.bias.empty() && (o.bias == y || reads(o.bias_index, y))) ||
                reads(st->index, y) || reads(st->index, acc) || reads(o.mul, acc) || reads(o.add, acc)) {
                return *why = "an output reads the output buffer or the tile outside its accumulator", Stmt();
            }
            o.index = st->index;
            int pos = -1;
            for (int t = 0; t < n && pos < 0; t++)
                if (can_prove(o.acc_index == tile[size_t(t)])) pos = t;
            if (pos < 0 || at[size_t(pos)]) return *why = "the outputs do not read each accumulator once", Stmt();
            at[size_t(pos)] = o;
        }
        // The same requantization everywhere, a bias per column, outputs in rows ldy apart.
        const Output &o0 = *at[0];
        int64_t ldy = C;
        if (R > 1) {
            const Expr d = simplify(at[size_t(C)]->index - o0.index);
            const int64_t *k = as_const_int(d);
            if (!k || *k < C) return *why = "the output rows are not a constant >= " + std::to_string(C) + " apart", Stmt();
            ldy = *k;
        }
        for (int i = 0; i < R; i++) {
            for (int j = 0; j < C; j++) {
                const Output &o = *at[size_t(i * C + j)];
                if (!equal(o.mul, o0.mul) || !equal(o.add, o0.add) || o.shift != o0.shift || o.lo != o0.lo ||
                    o.hi != o0.hi) {
                    return *why = "the outputs' requantizations differ", Stmt();
                }
                if (o.bias != o0.bias) return *why = "the outputs' biases come from different buffers", Stmt();
                if (!o.bias.empty() && !can_prove(o.bias_index == o0.bias_index + j)) {
                    return *why = "the bias of column " + std::to_string(j) + " is not bias[" + std::to_string(j) + "]",
                           Stmt();
                }
                if (!can_prove(o.index == o0.index + int32_t(i * ldy + j))) {
                    return *why = "the outputs are not the tile's rows ldy apart", Stmt();
                }
            }
        }
        std::vector<Expr> args(call->args.begin(), call->args.begin() + long(first_acc));
        args.push_back(o0.bias.empty() ? make_zero(Int(32)) : address(o0.bias, Int(32), o0.bias_index));
        args.push_back(o0.mul);
        args.push_back(o0.add);
        args.push_back(make_const(Int(32), o0.shift));
        args.push_back(make_const(Int(32), o0.lo));
        args.push_back(make_const(Int(32), o0.hi));
        args.push_back(address(y, y_type, o0.index));
        args.push_back(make_const(Int(32), ldy));
        report_->lines.push_back(display_name(y) + ": requantization fused into " + mk->requant_c_symbol + " (" +
                                 (o0.bias.empty() ? "no bias" : "bias " + display_name(o0.bias)) + ", shift " +
                                 std::to_string(o0.shift) + ", clip [" + std::to_string(o0.lo) + ", " +
                                 std::to_string(o0.hi) + "], rows " + std::to_string(ldy) + " apart)");
        return Evaluate::make(Call::make(Int(32), mk->requant_c_symbol, args, Call::Extern));
    }
};

}  // namespace

Stmt fuse_requant_epilogues(const Stmt &s, KernelReport *report) {
    FuseEpilogues f(report);
    return f.mutate(s);
}

}  // namespace halyard
