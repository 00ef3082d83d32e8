#include "c99_printer.h"

#include "halyard/dsl/internal_error.h"
#include "halyard/micro_kernels.h"
#include "halyard/npu_jobs.h"

#include <set>
#include <sstream>

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

// Static inline helpers with Halide's integer semantics: floor division and
// Euclidean modulo (x / 0 == 0, x % 0 == 0), min/max/abs without evaluating
// operands twice.
const char *kHelpers = R"(/* Halide integer semantics: division rounds to negative infinity, modulo is
 * non-negative, and division or modulo by zero gives zero. */
#define HY_DEFINE_SIGNED(T, S)                                                   \
    static inline T hy_div_##S(T a, T b) {                                     \
        T q, r;                                                                \
        if (b == 0) return 0;                                                  \
        q = (T)(a / b);                                                        \
        r = (T)(a % b);                                                        \
        if (r != 0 && ((r < 0) != (b < 0))) q = (T)(q - 1);                    \
        return q;                                                              \
    }                                                                          \
    static inline T hy_mod_##S(T a, T b) {                                     \
        T r;                                                                   \
        if (b == 0) return 0;                                                  \
        r = (T)(a % b);                                                        \
        if (r < 0) r = (T)(b < 0 ? r - b : r + b);                             \
        return r;                                                              \
    }                                                                          \
    static inline T hy_min_##S(T a, T b) { return a < b ? a : b; }             \
    static inline T hy_max_##S(T a, T b) { return a > b ? a : b; }
#define HY_DEFINE_UNSIGNED(T, S)                                                 \
    static inline T hy_div_##S(T a, T b) { return b == 0 ? 0 : (T)(a / b); }   \
    static inline T hy_mod_##S(T a, T b) { return b == 0 ? 0 : (T)(a % b); }   \
    static inline T hy_min_##S(T a, T b) { return a < b ? a : b; }             \
    static inline T hy_max_##S(T a, T b) { return a > b ? a : b; }
HY_DEFINE_SIGNED(int8_t, i8)
HY_DEFINE_SIGNED(int16_t, i16)
HY_DEFINE_SIGNED(int32_t, i32)
HY_DEFINE_SIGNED(int64_t, i64)
HY_DEFINE_UNSIGNED(uint8_t, u8)
HY_DEFINE_UNSIGNED(uint16_t, u16)
HY_DEFINE_UNSIGNED(uint32_t, u32)
HY_DEFINE_UNSIGNED(uint64_t, u64)
static inline uint8_t hy_abs_i8(int8_t a) { return (uint8_t)(a < 0 ? -(int32_t)a : a); }
static inline uint16_t hy_abs_i16(int16_t a) { return (uint16_t)(a < 0 ? -(int32_t)a : a); }
static inline uint32_t hy_abs_i32(int32_t a) { return a < 0 ? 0u - (uint32_t)a : (uint32_t)a; }
static inline uint64_t hy_abs_i64(int64_t a) { return a < 0 ? 0u - (uint64_t)a : (uint64_t)a; }

/* A contiguous copy loop nest (map_copy_loops): n bytes between distinct
 * buffers, four words per step when both ends are word-aligned; on the
 * cluster, by DMA between two L2 buffers (hl_copy_by_dma, dma.l2_to_l2). */
#if defined(__GNUC__)
typedef uint32_t __attribute__((may_alias)) hy_word_t;
#endif
static inline int32_t hy_copy(void *dst, const void *src, int32_t n) {
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
#if defined(HALYARD_RT_H)
    if (n > 0 && hl_copy_by_dma(dst, src, (uint32_t)n)) return 0;
#endif
#if defined(__GNUC__)
    if (((uint32_t)(uintptr_t)d & 3u) == 0 && ((uint32_t)(uintptr_t)s & 3u) == 0) {
        hy_word_t *dw = (hy_word_t *)d;
        const hy_word_t *sw = (const hy_word_t *)s;
        for (; n >= 16; n -= 16, dw += 4, sw += 4) {
            const uint32_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
            dw[0] = w0;
            dw[1] = w1;
            dw[2] = w2;
            dw[3] = w3;
        }
        for (; n >= 4; n -= 4) *dw++ = *sw++;
        d = (uint8_t *)dw;
        s = (const uint8_t *)sw;
    }
#endif
    for (; n > 0; n--) *d++ = *s++;
    return 0;
}
)";

class C99Printer : public IRVisitor {
public:
    C99Printer(const ArenaPlan &arenas, const std::map<std::string, Type> &pointer_types,
               const std::set<std::string> &const_buffers, const std::string &function, bool cluster_runtime,
               bool xpulp)
        : arenas_(arenas), pointer_types_(pointer_types), const_buffers_(const_buffers), function_(function),
          cluster_runtime_(cluster_runtime), xpulp_(xpulp) {}

    std::ostringstream out;
    std::ostringstream functions;  // outlined parallel tasks, printed before the entry point
    int indent = 1;

    std::string expr(const Expr &e) {
        check_scalar(e.type(), "expression");
        e.accept(this);
        return result_;
    }

    void stmt(const Stmt &s) { s.accept(this); }

    // Give a Halide name a chosen C name (entry-point arguments).
    void bind_id(const std::string &halide_name, const std::string &c_name) {
        ids_[halide_name] = c_name;
        used_.insert(c_name);
    }

    std::string id(const std::string &halide_name) {
        auto it = ids_.find(halide_name);
        if (it != ids_.end()) return it->second;
        std::string s;
        for (char c : display_name(halide_name)) s += std::isalnum((unsigned char)c) ? c : '_';
        if (s.empty() || std::isdigit((unsigned char)s[0])) s = "v_" + s;
        static const std::set<std::string> reserved = {
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
            "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
            "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
            "volatile", "while", "_Bool", "_Complex", "_Imaginary", "main"};
        if (reserved.count(s) || s.rfind("hy_", 0) == 0 || s.rfind("halyard_", 0) == 0) s = "v_" + s;
        std::string unique = s;
        for (int i = 1; used_.count(unique); i++) unique = s + "_" + std::to_string(i);
        used_.insert(unique);
        ids_[halide_name] = unique;
        return unique;
    }

    static std::string ctype(Type t) {
        if (t.is_bool()) return "int";
        if (t.is_int() || t.is_uint()) {
            if (t.bits() != 8 && t.bits() != 16 && t.bits() != 32 && t.bits() != 64) {
                throw UserError("C99 backend: unsupported integer width " + std::to_string(t.bits()));
            }
            return std::string(t.is_uint() ? "uint" : "int") + std::to_string(t.bits()) + "_t";
        }
        std::ostringstream os;
        os << t;
        throw UserError("C99 backend: type " + os.str() + " is not supported (Halyard generates integer-only code)");
    }

    static std::string suffix(Type t) {
        return std::string(t.is_uint() ? "u" : "i") + std::to_string(t.bits());
    }

private:
    using IRVisitor::visit;
    const ArenaPlan &arenas_;
    std::map<std::string, Type> pointer_types_;
    std::set<std::string> const_buffers_;
    std::string function_;
    bool cluster_runtime_;
    bool xpulp_;  // XpulpV2 min/max/clip and register-offset loads (halyard_xpulp.h)
    std::map<std::string, std::string> ids_;
    std::set<std::string> used_;
    std::set<std::string> data_lets_;  // lets whose value is computed from loaded data (depends_on_data)
    std::string result_;
    std::string core_var_;  // C name of the core index inside an outlined task
    int tasks_ = 0;

    void check_scalar(Type t, const std::string &what) {
        if (t.lanes() != 1) {
            std::ostringstream os;
            os << t;
            throw UserError("C99 backend: vector " + what + " of type " + os.str() +
                            " (Halyard schedules must not vectorize; SIMD lives in micro-kernels)");
        }
    }

    std::string pad() const { return std::string(indent * 4, ' '); }

    // Arithmetic narrower than 32 bits happens in 32 bits (C's promotions) and
    // is truncated back, as Halide's wrap-around semantics require; unsigned
    // 32-bit math avoids signed-overflow UB from promoted uint16 products.
    std::string arith(Type t, const std::string &a, const char *op, const std::string &b) {
        if (t.bits() < 32) {
            const char *wide = t.is_uint() ? "uint32_t" : "int32_t";
            return "((" + ctype(t) + ")((" + wide + ")" + a + " " + op + " (" + wide + ")" + b + "))";
        }
        return "(" + a + " " + op + " " + b + ")";
    }

    std::string literal(Type t, int64_t v) {
        if (t.is_bool()) return v ? "1" : "0";
        if (t.bits() == 64) {
            if (t.is_uint()) return "UINT64_C(" + std::to_string((uint64_t)v) + ")";
            if (v == INT64_MIN) return "(INT64_MIN)";
            return "INT64_C(" + std::to_string(v) + ")";
        }
        if (t.bits() == 32) {
            if (t.is_uint()) return std::to_string((uint32_t)v) + "u";
            if (v == INT32_MIN) return "(-2147483647 - 1)";
            return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v);
        }
        return "((" + ctype(t) + ")" + (v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v)) + ")";
    }

    void visit(const IntImm *op) override { result_ = literal(op->type, op->value); }
    void visit(const UIntImm *op) override { result_ = literal(op->type, (int64_t)op->value); }
    void visit(const FloatImm *op) override { ctype(op->type); }
    void visit(const StringImm *op) override {
        throw UserError("C99 backend: string constant \"" + op->value + "\" in generated code");
    }
    // The constant bounds of clamp(x, lo, hi) (either nesting of min/max).
    static bool clamp_bounds(const Expr &e, int64_t *lo, int64_t *hi) {
        const Expr *lo_e = nullptr, *hi_e = nullptr;
        if (const Max *mx = e.as<Max>()) {
            if (const Min *mn = mx->a.as<Min>()) lo_e = &mx->b, hi_e = &mn->b;
        } else if (const Min *mn = e.as<Min>()) {
            if (const Max *mx = mn->a.as<Max>()) lo_e = &mx->b, hi_e = &mn->b;
        }
        const int64_t *l = lo_e ? as_const_int(*lo_e) : nullptr, *h = hi_e ? as_const_int(*hi_e) : nullptr;
        if (!l || !h) return false;
        *lo = *l;
        *hi = *h;
        return true;
    }
    void visit(const Cast *op) override {
        // (wide)(narrow)clamp(x, lo, hi) with [lo, hi] inside narrow, as a
        // requantized operand is read back: the narrowing changes no value,
        // and printing it costs a sign extension (two shifts) per element.
        const Cast *inner = op->value.as<Cast>();
        int64_t lo = 0, hi = 0;
        if (inner && op->type.is_int_or_uint() && inner->type.is_int_or_uint() &&
            inner->value.type().is_int_or_uint() && op->type.can_represent(inner->type) &&
            clamp_bounds(inner->value, &lo, &hi) && inner->type.can_represent(lo) && inner->type.can_represent(hi)) {
            result_ = "((" + ctype(op->type) + ")" + expr(inner->value) + ")";
            return;
        }
        std::string v = expr(op->value);
        result_ = "((" + ctype(op->type) + ")" + v + ")";
    }
    void visit(const Variable *op) override {
        if (op->type.is_handle()) {
            result_ = id(op->name);
            return;
        }
        ctype(op->type);
        result_ = id(op->name);
    }
    void visit(const Add *op) override {
        // acc + x * y in one p.mac (a requantization's v * mul + add, a
        // dot product's step) when neither factor is a constant (those the C
        // compiler turns into shifts).
        if (xpulp_ && op->type == Int(32)) {
            for (const auto &[acc, prod] : {std::make_pair(op->a, op->b), std::make_pair(op->b, op->a)}) {
                const Mul *m = prod.as<Mul>();
                if (m && m->type == Int(32) && !is_const(m->a) && !is_const(m->b)) {
                    result_ = "hl_mac(" + expr(acc) + ", " + expr(m->a) + ", " + expr(m->b) + ")";
                    return;
                }
            }
        }
        result_ = arith(op->type, expr(op->a), "+", expr(op->b));
    }
    void visit(const Sub *op) override { result_ = arith(op->type, expr(op->a), "-", expr(op->b)); }
    void visit(const Mul *op) override { result_ = arith(op->type, expr(op->a), "*", expr(op->b)); }
    // log2 of a constant positive power-of-two divisor, or -1.
    static int power_of_two(const Expr &b) {
        const int64_t *v = as_const_int(b);
        const uint64_t *u = as_const_uint(b);
        const uint64_t x = v ? (*v > 0 ? (uint64_t)*v : 0) : u ? *u : 0;
        if (x == 0 || (x & (x - 1)) != 0) return -1;
        int k = 0;
        while ((uint64_t(1) << k) < x) k++;
        return k;
    }
    // Halide's division rounds to negative infinity and its modulo is
    // non-negative: by 2^k these are an arithmetic shift (gcc, the compiler of
    // every Halyard target, shifts signed values arithmetically) and a mask,
    // which the requantization epilogues of every kernel use.
    void visit(const Div *op) override {
        const int k = power_of_two(op->b);
        if (k >= 0 && op->type.is_int_or_uint()) {
            result_ = "((" + ctype(op->type) + ")(" + expr(op->a) + " >> " + std::to_string(k) + "))";
            return;
        }
        if (op->type.is_uint() && nonzero(op->b)) {
            // Unsigned, by a divisor that is never 0: C's division is Halide's.
            result_ = "((" + ctype(op->type) + ")(" + expr(op->a) + " / " + expr(op->b) + "))";
            return;
        }
        result_ = "hy_div_" + suffix(op->type) + "(" + expr(op->a) + ", " + expr(op->b) + ")";
    }
    // An unsigned divisor visibly never 0: a non-zero constant, or
    // max(_, c > 0) (as iSoftmax writes its row sum).
    static bool nonzero(const Expr &b) {
        if (const Max *m = b.as<Max>()) return nonzero(m->a) || nonzero(m->b);
        const uint64_t *u = as_const_uint(b);
        return u && *u != 0;
    }
    void visit(const Mod *op) override {
        const int k = power_of_two(op->b);
        if (k >= 0 && op->type.is_int_or_uint()) {
            result_ = "((" + ctype(op->type) + ")(" + expr(op->a) + " & " + std::to_string((uint64_t(1) << k) - 1) + "))";
            return;
        }
        result_ = "hy_mod_" + suffix(op->type) + "(" + expr(op->a) + ", " + expr(op->b) + ")";
    }
    // A clamp of an int32 to a range p.clip / p.clipu computes in one
    // instruction: [-2^(b-1), 2^(b-1) - 1] (HL_CLIP(x, b)) or
    // [0, 2^(b-1) - 1] (HL_CLIPU(x, b)), b in 1..31. "" if it is not one.
    std::string xpulp_clip(const Expr &x, const Expr &lo_e, const Expr &hi_e) {
        const IntImm *lo = lo_e.as<IntImm>(), *hi = hi_e.as<IntImm>();
        if (!lo || !hi) return "";
        for (int b = 1; b <= 31; b++) {
            const int64_t top = (int64_t(1) << (b - 1)) - 1;
            if (hi->value != top) continue;
            if (lo->value == -top - 1) return "HL_CLIP(" + expr(x) + ", " + std::to_string(b) + ")";
            if (lo->value == 0 && b > 1) return "HL_CLIPU(" + expr(x) + ", " + std::to_string(b) + ")";
        }
        return "";
    }
    void visit(const Min *op) override {
        if (xpulp_ && (op->type == Int(32) || op->type == UInt(32))) {
            const Max *inner = op->a.as<Max>();
            if (op->type == Int(32) && inner) {  // min(max(x, lo), hi)
                result_ = xpulp_clip(inner->a, inner->b, op->b);
                if (!result_.empty()) return;
            }
            result_ = std::string(op->type.is_int() ? "hl_min(" : "hl_minu(") + expr(op->a) + ", " + expr(op->b) + ")";
            return;
        }
        result_ = "hy_min_" + suffix(op->type) + "(" + expr(op->a) + ", " + expr(op->b) + ")";
    }
    void visit(const Max *op) override {
        if (xpulp_ && (op->type == Int(32) || op->type == UInt(32))) {
            const Min *inner = op->a.as<Min>();
            if (op->type == Int(32) && inner) {  // max(min(x, hi), lo): Halide's clamp
                result_ = xpulp_clip(inner->a, op->b, inner->b);
                if (!result_.empty()) return;
            }
            result_ = std::string(op->type.is_int() ? "hl_max(" : "hl_maxu(") + expr(op->a) + ", " + expr(op->b) + ")";
            return;
        }
        result_ = "hy_max_" + suffix(op->type) + "(" + expr(op->a) + ", " + expr(op->b) + ")";
    }
    void compare(const Expr &a, const char *cmp, const Expr &b) {
        result_ = "(" + expr(a) + " " + cmp + " " + expr(b) + ")";
    }
    void visit(const EQ *op) override { compare(op->a, "==", op->b); }
    void visit(const NE *op) override { compare(op->a, "!=", op->b); }
    void visit(const LT *op) override { compare(op->a, "<", op->b); }
    void visit(const LE *op) override { compare(op->a, "<=", op->b); }
    void visit(const GT *op) override { compare(op->a, ">", op->b); }
    void visit(const GE *op) override { compare(op->a, ">=", op->b); }
    void visit(const And *op) override { compare(op->a, "&&", op->b); }
    void visit(const Or *op) override { compare(op->a, "||", op->b); }
    void visit(const Not *op) override { result_ = "(!" + expr(op->a) + ")"; }
    void visit(const Select *op) override {
        result_ = "(" + expr(op->condition) + " ? " + expr(op->true_value) + " : " + expr(op->false_value) + ")";
    }
    void visit(const Load *op) override {
        check_scalar(op->type, "load from " + op->name);
        if (!is_const_one(op->predicate)) throw UserError("C99 backend: predicated load from " + op->name);
        if (xpulp_ && op->type.bits() <= 32 && depends_on_data(op->index)) {
            result_ = register_offset_load(op);
            return;
        }
        result_ = id(op->name) + "[" + expr(op->index) + "]";
    }
    // A table lookup (the index is computed from loaded data) as one
    // p.lX rd, rs2(rs1): gcc's base ISA needs an add for the address first.
    // Loop-indexed loads stay plain C: gcc strength-reduces those into
    // pointer increments with the offset in the instruction.
    std::string register_offset_load(const Load *op) {
        Expr index = op->index;
        int64_t first = 0;  // a constant part of the index moves into the (loop-invariant) base
        if (const Add *add = index.as<Add>()) {
            if (const int64_t *c = as_const_int(add->b)) {
                first = *c;
                index = add->a;
            }
        }
        const int bytes = op->type.bytes();
        const std::string buffer = id(op->name);
        const std::string base = first ? "(" + buffer + " + " + std::to_string(first) + ")" : buffer;
        const std::string offset = bytes == 1 ? expr(index) : "(" + expr(index) + ") * " + std::to_string(bytes);
        const char *load = bytes == 4 ? "hl_lw_rr" : bytes == 2 ? (op->type.is_uint() ? "hl_lhu_rr" : "hl_lh_rr")
                                                               : (op->type.is_uint() ? "hl_lbu_rr" : "hl_lb_rr");
        return "((" + ctype(op->type) + ")" + load + "(" + buffer + ", " + base + ", " + offset + "))";
    }
    // Whether e reads a loaded value: a Load, or a let bound to one.
    bool depends_on_data(const Expr &e) const {
        class Finder : public IRVisitor {
        public:
            explicit Finder(const std::set<std::string> &lets) : lets_(lets) {}
            bool found = false;

        private:
            using IRVisitor::visit;
            const std::set<std::string> &lets_;
            void visit(const Load *) override { found = true; }
            void visit(const Variable *op) override { found = found || lets_.count(op->name) > 0; }
        } finder(data_lets_);
        e.accept(&finder);
        return finder.found;
    }
    void visit(const Ramp *op) override { check_scalar(op->type, "ramp"); }
    void visit(const Broadcast *op) override { check_scalar(op->type, "broadcast"); }
    void visit(const Let *op) override {
        // C99 has no let-expressions; substitute (values are pure).
        result_ = expr(substitute(op->name, op->value, op->body));
    }
    void visit(const Shuffle *op) override { check_scalar(op->type, "shuffle"); }
    void visit(const VectorReduce *op) override { check_scalar(op->type, "vector reduction"); }

    void visit(const Call *op) override {
        const auto &a = op->args;
        auto arg = [&](int i) { return expr(a[i]); };
        if (op->is_intrinsic(Call::bitwise_and)) {
            result_ = arith(op->type, arg(0), "&", arg(1));
        } else if (op->is_intrinsic(Call::bitwise_or)) {
            result_ = arith(op->type, arg(0), "|", arg(1));
        } else if (op->is_intrinsic(Call::bitwise_xor)) {
            result_ = arith(op->type, arg(0), "^", arg(1));
        } else if (op->is_intrinsic(Call::bitwise_not)) {
            result_ = "((" + ctype(op->type) + ")~" + arg(0) + ")";
        } else if (op->is_intrinsic(Call::shift_left)) {
            if (!a[1].type().is_uint() && !can_prove_nonneg(a[1])) {
                throw UserError("C99 backend: left shift by a possibly negative amount");
            }
            // Shift in unsigned arithmetic: left shifts of negative values are UB in C.
            std::string wide = op->type.bits() == 64 ? "uint64_t" : "uint32_t";
            result_ = "((" + ctype(op->type) + ")((" + wide + ")" + arg(0) + " << " + arg(1) + "))";
        } else if (op->is_intrinsic(Call::shift_right)) {
            if (!a[1].type().is_uint() && !can_prove_nonneg(a[1])) {
                throw UserError("C99 backend: right shift by a possibly negative amount");
            }
            result_ = "((" + ctype(op->type) + ")(" + arg(0) + " >> " + arg(1) + "))";
        } else if (op->is_intrinsic(Call::abs)) {
            const Type t = a[0].type();
            result_ = t.is_uint() ? arg(0) : "hy_abs_" + suffix(t) + "(" + arg(0) + ")";
        } else if (op->is_intrinsic(Call::likely) || op->is_intrinsic(Call::likely_if_innermost) ||
                   op->is_intrinsic(Call::promise_clamped) || op->is_intrinsic(Call::unsafe_promise_clamped)) {
            result_ = arg(0);
        } else if (op->is_intrinsic(Call::if_then_else)) {
            result_ = "(" + arg(0) + " ? " + arg(1) + " : " + (a.size() > 2 ? arg(2) : literal(op->type, 0)) + ")";
        } else if (op->is_intrinsic(Call::return_second)) {
            result_ = "((void)" + arg(0) + ", " + arg(1) + ")";
        } else if (op->is_intrinsic(Call::reinterpret)) {
            if (a[0].type().bits() != op->type.bits()) throw UserError("C99 backend: reinterpret between widths");
            result_ = "((" + ctype(op->type) + ")" + arg(0) + ")";
        } else if (op->name == "hy_address_of") {
            const Load *l = a[0].as<Load>();
            if (!l) throw UserError("C99 backend: address_of a non-load");
            result_ = "(&" + id(l->name) + "[" + expr(l->index) + "])";
        } else if (op->name == npu_job_entry().address_symbol) {
            // The 32-bit address an NPU job register takes (map_npu_jobs).
            const Load *l = a[0].as<Load>();
            HL_INTERNAL_ASSERT(l && cluster_runtime_, "C99 backend: NPU address of a non-load or off the cluster");
            result_ = "hl_npu_addr_(&" + id(l->name) + "[" + expr(l->index) + "])";
        } else if (op->call_type == Call::Extern &&
                   (op->name == "hl_stage_2d" || op->name == "hl_dma_wait" || find_micro_kernel_by_symbol(op->name) ||
                    op->name == "hy_sdiv_magic" || op->name == "hy_sdiv_apply" ||
                    op->name == npu_job_entry().submit_symbol || op->name == npu_job_entry().wait_symbol ||
                    op->name == npu_job_entry().wait_last_symbol)) {
            // DMA calls (inject_dma_transfers), micro-kernel calls
            // (map_micro_kernels) and NPU jobs (map_npu_jobs) are only made
            // for targets with the runtime.
            HL_INTERNAL_ASSERT(cluster_runtime_, "C99 backend: a call to " + op->name + " without the cluster runtime");
            std::string args;
            for (size_t i = 0; i < a.size(); i++) args += (i ? ", " : "") + arg((int)i);
            result_ = op->name + "(" + args + ")";
        } else if (op->call_type == Call::Extern && op->name == "hy_copy") {
            // A contiguous copy loop nest (map_copy_loops), every target.
            result_ = "hy_copy(" + arg(0) + ", " + arg(1) + ", " + arg(2) + ")";
        } else if (op->is_intrinsic(Call::div_round_to_zero)) {
            result_ = "((" + ctype(op->type) + ")(" + arg(0) + " / " + arg(1) + "))";
        } else if (op->is_intrinsic(Call::mod_round_to_zero)) {
            result_ = "((" + ctype(op->type) + ")(" + arg(0) + " % " + arg(1) + "))";
        } else {
            throw UserError("C99 backend: call to " + op->name +
                            " is not supported in generated C (integer-only, no runtime)");
        }
    }

    static bool can_prove_nonneg(const Expr &e) {
        return is_const(e) ? can_prove(e >= 0) : true;
    }

    // Statements.
    void visit(const LetStmt *op) override {
        if (op->value.type().is_handle()) {
            throw UserError("C99 backend: pointer-valued let " + op->name + " is not supported");
        }
        std::string v = expr(op->value);
        if (depends_on_data(op->value)) data_lets_.insert(op->name);
        out << pad() << "{\n";
        indent++;
        out << pad() << "const " << ctype(op->value.type()) << " " << id(op->name) << " = " << v << ";\n";
        stmt(op->body);
        indent--;
        out << pad() << "}\n";
    }
    void visit(const AssertStmt *op) override {
        out << pad() << "if (!" << expr(op->condition) << ") return -1;\n";
    }
    void visit(const ProducerConsumer *op) override {
        out << pad() << "/* " << (op->is_producer ? "produce " : "consume ") << display_name(op->name) << " */\n";
        stmt(op->body);
    }
    void visit(const For *op) override {
        if (op->for_type == ForType::Parallel && cluster_runtime_) {
            outline_parallel(op);
            return;
        }
        if (op->for_type != ForType::Serial && op->for_type != ForType::Unrolled) {
            std::ostringstream os;
            os << op->for_type;
            throw UserError("C99 backend: loop " + op->name + " has type " + os.str() +
                            "; Halyard splits loops over cores itself");
        }
        std::string v = id(op->name);
        std::string mn = expr(op->min), ext = expr(op->extent);
        out << pad() << "{\n";
        indent++;
        std::string end = id(op->name + ".end");
        if (is_const_zero(op->min)) {
            out << pad() << "const int32_t " << end << " = " << ext << ";\n";
        } else {
            out << pad() << "const int32_t " << end << " = " << mn << " + " << ext << ";\n";
        }
        out << pad() << "int32_t " << v << ";\n";
        out << pad() << "for (" << v << " = " << mn << "; " << v << " < " << end << "; " << v << "++) {\n";
        indent++;
        stmt(op->body);
        indent--;
        out << pad() << "}\n";
        indent--;
        out << pad() << "}\n";
    }
    // Free variables and buffers of a statement: what an outlined task needs.
    class FreeNames : public IRVisitor {
    public:
        std::map<std::string, Type> vars, buffers;

    private:
        using IRVisitor::visit;
        std::map<std::string, int> bound_;
        void bind(const std::string &n, int d) { bound_[n] += d; }
        bool is_bound(const std::string &n) const {
            auto it = bound_.find(n);
            return it != bound_.end() && it->second > 0;
        }
        void visit(const Variable *op) override {
            if (!is_bound(op->name)) vars[op->name] = op->type;
        }
        void visit(const LetStmt *op) override {
            op->value.accept(this);
            bind(op->name, 1);
            op->body.accept(this);
            bind(op->name, -1);
        }
        void visit(const Let *op) override {
            op->value.accept(this);
            bind(op->name, 1);
            op->body.accept(this);
            bind(op->name, -1);
        }
        void visit(const For *op) override {
            op->min.accept(this);
            op->extent.accept(this);
            bind(op->name, 1);
            op->body.accept(this);
            bind(op->name, -1);
        }
        void visit(const Allocate *op) override {
            for (const auto &e : op->extents) e.accept(this);
            bind(op->name, 1);
            op->body.accept(this);
            bind(op->name, -1);
        }
        void visit(const Load *op) override {
            if (!is_bound(op->name)) buffers[op->name] = op->type;
            op->index.accept(this);
        }
        void visit(const Store *op) override {
            if (!is_bound(op->name)) buffers[op->name] = op->value.type();
            op->value.accept(this);
            op->index.accept(this);
        }
    };

    // A Parallel loop over the team of cores (from the Cores pass) becomes a
    // task run by hl_fork on cores 0..team-1; the loop variable is the core id.
    void outline_parallel(const For *op) {
        if (!core_var_.empty()) throw UserError("C99 backend: nested parallel loop " + display_name(op->name));
        if (!is_const_zero(op->min) || !op->extent.as<IntImm>()) {
            throw UserError("C99 backend: parallel loop " + display_name(op->name) + " must run over 0..team-1");
        }
        const int64_t team = op->extent.as<IntImm>()->value;
        FreeNames free;
        op->body.accept(&free);
        free.vars.erase(op->name);
        const std::string task = function_ + "_task" + std::to_string(tasks_++);
        std::ostringstream decl, fill, unpack;
        for (const auto &[name, t] : free.vars) {
            if (t.is_handle()) throw UserError("C99 backend: pointer variable " + name + " in a parallel loop");
            decl << "    " << ctype(t) << " " << id(name) << ";\n";
            fill << pad() << "    closure." << id(name) << " = " << id(name) << ";\n";
            unpack << "    const " << ctype(t) << " " << id(name) << " = closure->" << id(name) << ";\n";
        }
        for (const auto &[name, t] : free.buffers) {
            std::string pt = (const_buffers_.count(name) ? "const " : "") + ctype(t) + " *";
            decl << "    " << pt << id(name) << ";\n";
            fill << pad() << "    closure." << id(name) << " = " << id(name) << ";\n";
            unpack << "    " << pt << "const " << id(name) << " = closure->" << id(name) << ";\n";
        }
        // The call site: fill the closure, fork, join.
        out << pad() << "{\n" << pad() << "    struct " << task << "_closure closure;\n" << fill.str() << pad()
            << "    hl_fork(" << team << ", " << task << ", &closure);\n" << pad() << "}\n";
        // The task body, printed with this printer's names into `functions`.
        std::ostringstream body;
        body.swap(out);
        const int saved_indent = indent;
        indent = 1;
        core_var_ = id(op->name);
        out << "    const int32_t " << core_var_ << " = (int32_t)hl_core_id();\n";
        stmt(op->body);
        core_var_.clear();
        indent = saved_indent;
        body.swap(out);
        functions << "struct " << task << "_closure {\n" << (decl.str().empty() ? "    int unused;\n" : decl.str())
                  << "};\n\n/* One core's share of parallel loop " << display_name(op->name) << ". */\n"
                  << "static void " << task << "(void *arg) {\n"
                  << "    const struct " << task << "_closure *closure = (const struct " << task
                  << "_closure *)arg;\n"
                  << unpack.str() << body.str() << "    (void)closure;\n}\n\n";
    }

    void visit(const Store *op) override {
        check_scalar(op->value.type(), "store to " + op->name);
        if (!is_const_one(op->predicate)) throw UserError("C99 backend: predicated store to " + op->name);
        std::string idx = expr(op->index), val = expr(op->value);
        out << pad() << id(op->name) << "[" << idx << "] = " << val << ";\n";
    }
    void visit(const Provide *op) override { throw UserError("C99 backend: unlowered Provide to " + op->name); }
    void visit(const Allocate *op) override {
        const ArenaBuffer *b = arenas_.find(op->name);
        if (!b) throw UserError("C99 backend: buffer " + op->name + " has no arena placement");
        std::string t = ctype(op->type);
        out << pad() << "{\n";
        indent++;
        if (b->level == MemLevel::Reg) {
            out << pad() << t << " " << id(op->name) << "[" << b->bytes / op->type.bytes() << "];\n";
        } else {
            const char *arena = b->level == MemLevel::L1 ? "HALYARD_L1_ARENA" : "HALYARD_L2_ARENA";
            std::string where = std::to_string(b->offset);
            if (b->per_core > 1) {
                // Outside a task (e.g. the tail iteration Halide's loop partitioning
                // peels off a parallel loop) the code runs on the calling core alone:
                // it uses that core's slot.
                where += " + " + (core_var_.empty() ? std::string("(int32_t)hl_core_id()") : core_var_) + " * " +
                         std::to_string(b->slot_bytes());
            }
            out << pad() << t << " *const " << id(op->name) << " = (" << t << " *)(" << arena << " + " << where
                << ");  /* " << mem_level_name(b->level) << ", " << b->bytes << " B"
                << (b->copies > 1 ? " x2 slots" : "") << (b->per_core > 1 ? ", one per core" : "") << " */\n";
        }
        pointer_types_[op->name] = op->type;
        stmt(op->body);
        indent--;
        out << pad() << "}\n";
    }
    void visit(const Free *) override {}
    void visit(const Realize *op) override { throw UserError("C99 backend: unlowered Realize of " + op->name); }
    void visit(const Block *op) override {
        stmt(op->first);
        stmt(op->rest);
    }
    void visit(const IfThenElse *op) override {
        out << pad() << "if (" << expr(op->condition) << ") {\n";
        indent++;
        stmt(op->then_case);
        indent--;
        if (op->else_case.defined()) {
            out << pad() << "} else {\n";
            indent++;
            stmt(op->else_case);
            indent--;
        }
        out << pad() << "}\n";
    }
    void visit(const Evaluate *op) override {
        if (is_const(op->value)) return;
        out << pad() << expr(op->value) << ";\n";
    }
    void visit(const Prefetch *op) override { throw UserError("C99 backend: prefetch of " + op->name + " is not supported"); }
    void visit(const Fork *) override { throw UserError("C99 backend: fork is not supported"); }
    void visit(const Acquire *) override { throw UserError("C99 backend: semaphores are not supported"); }
    void visit(const Atomic *) override { throw UserError("C99 backend: atomics are not supported"); }
};

std::string upper(std::string s) {
    for (char &c : s) c = std::isalnum((unsigned char)c) ? (char)std::toupper((unsigned char)c) : '_';
    return s;
}

}  // namespace

PrintedC print_c99(const Stmt &body, const std::vector<LoweredArgument> &args, const Algorithm &algo,
                   const ArenaPlan &arenas, const TargetDescription &target, const std::string &name,
                   const std::set<std::string> &kernel_headers, const LibraryOptions &options) {
    std::map<std::string, Type> pointer_types;
    std::set<std::string> const_buffers;
    for (const auto &a : args) {
        pointer_types[a.name] = a.type;
        if (a.is_input()) const_buffers.insert(a.name);
    }
    const bool cluster_runtime = target.has_cluster_runtime();
    // Only where the generated C is built for the cluster's cores.
    const bool xpulp = cluster_runtime && target.has_extension("xpulpv2");
    C99Printer p(arenas, pointer_types, const_buffers, name, cluster_runtime, xpulp);

    // Reserve the argument names first so they print as themselves.
    std::ostringstream proto;
    proto << "int " << name << "(";
    for (size_t i = 0; i < args.size(); i++) {
        const auto &a = args[i];
        if (!a.is_buffer()) throw UserError("C99 backend: scalar argument " + a.name + " is not supported");
        std::string t = C99Printer::ctype(a.type);
        // Arguments keep the tensor names of the algorithm ("Y", not "Y$1").
        p.bind_id(a.name, a.is_output() ? algo.output.name : a.name);
        proto << (i ? ", " : "") << (a.is_input() ? "const " : "") << t << " *restrict " << p.id(a.name);
    }
    proto << ")";

    std::ostringstream src;
    src << "/* Generated by Halyard for target " << target.name() << ". Do not edit.\n"
        << " * op " << algo.op << ": see " << name << ".h and " << name << ".report.txt. */\n"
        << "#include <stdint.h>\n\n"
        << "#include \"" << name << ".h\"\n";
    if (cluster_runtime) {
        // Fork/join, DMA and the L1/L2 sections come from the cluster runtime.
        src << "#include \"halyard_rt.h\"\n\n#define HALYARD_L1_DATA HL_L1_BSS\n#define HALYARD_L2_DATA HL_L2_BSS\n";
    }
    if (xpulp) src << "#include \"halyard_xpulp.h\"\n";  // p.min, p.max, p.clip, p.lX rd, rs2(rs1)
    for (const auto &h : kernel_headers) src << "#include \"" << h << "\"\n";  // of the micro-kernels called
    src << "\n" << kHelpers << "\n";
    // Arenas: unions give 8-byte alignment in plain C99. HALYARD_L1_DATA /
    // HALYARD_L2_DATA let a target place them in its memory sections.
    src << "#ifndef HALYARD_L1_DATA\n#define HALYARD_L1_DATA\n#endif\n"
        << "#ifndef HALYARD_L2_DATA\n#define HALYARD_L2_DATA\n#endif\n";
    // An arena of its own, or one shared with the other kernels of a program.
    auto arena = [&](const char *level, int64_t bytes, const std::string &shared, const char *section) {
        if (bytes <= 0) return;
        if (shared.empty()) {
            src << "static " << section << " union { int64_t align; uint8_t bytes[" << bytes << "]; } halyard_"
                << level << "_arena;\n#define HALYARD_" << (level[1] == '1' ? "L1" : "L2") << "_ARENA halyard_" << level
                << "_arena.bytes\n";
        } else {
            src << "/* " << bytes << " B of the program's shared " << level << " arena " << shared << " */\n"
                << "extern int64_t " << shared << "[];\n#define HALYARD_" << (level[1] == '1' ? "L1" : "L2")
                << "_ARENA ((uint8_t *)" << shared << ")\n";
        }
    };
    arena("l1", arenas.l1_bytes, options.shared_l1_arena, "HALYARD_L1_DATA");
    arena("l2", arenas.l2_bytes, options.shared_l2_arena, "HALYARD_L2_DATA");
    p.stmt(body);
    // An input the computation never reads (e.g. a 1-row table) must not
    // trip -Wunused-parameter.
    std::string touch;
    for (const auto &a : args) touch += "    (void)" + p.id(a.name) + ";\n";
    // On the cluster the call is a named region of halyard-sim's timeline
    // (one store at entry and one at exit).
    std::string region_begin, region_end;
    if (cluster_runtime) {
        src << "static const char halyard_region_name[] = \"" << name << "\";\n";
        region_begin = "    hl_region_begin(halyard_region_name);\n";
        region_end = "    hl_region_end(halyard_region_name);\n";
    }
    src << "\n" << p.functions.str() << proto.str() << " {\n" << touch << region_begin << p.out.str() << region_end
        << "    return 0;\n}\n";
    return {src.str(), proto.str()};
}

}  // namespace halyard
