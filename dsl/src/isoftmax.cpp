// Deeploy's iSoftmax (Generic Softmax_s8_s8, I-BERT's integer exp), row-wise
// over the last axis. The int8/int16 narrowing casts and the uint32
// wrap-around of Deeploy's C are reproduced exactly (docs/deeploy-semantics.md).
#include <functional>
#include <sstream>

#include "halyard/dsl/internal_error.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

namespace {
constexpr int kISoftmaxTableSize = 256;  // x - xmax of int8 values lies in [-255, 0]

// div_round_to_zero of two constants, which Halide's simplifier leaves as a
// call: C's division.
class FoldRoundToZero : public Halide::Internal::IRMutator {
    using IRMutator::visit;
    Expr visit(const Halide::Internal::Call *op) override {
        Expr e = IRMutator::visit(op);
        const auto *c = e.as<Halide::Internal::Call>();
        if (!c || !c->is_intrinsic(Halide::Internal::Call::div_round_to_zero)) return e;
        const int64_t *a = Halide::Internal::as_const_int(c->args[0]), *b = Halide::Internal::as_const_int(c->args[1]);
        if (!a || !b || *b == 0) return e;
        return Halide::Internal::make_const(c->type, *a / *b);
    }
};
}  // namespace

std::vector<int64_t> isoftmax_exp_table(const ISoftmaxSpec &spec) {
    std::vector<int64_t> table;
    for (int i = 0; i < kISoftmaxTableSize; i++) {
        const Expr e = Halide::Internal::simplify(FoldRoundToZero().mutate(Halide::Internal::simplify(
            isoftmax_exp(Expr(-i), Expr(0), spec.coeffA, spec.coeffB, spec.coeffC, spec.log2, true))));
        const uint64_t *v = Halide::Internal::as_const_uint(e);
        if (!v) {
            std::ostringstream os;
            os << e;
            HL_INTERNAL_ASSERT(false, "isoftmax exp table entry " + std::to_string(i) + " does not fold: " + os.str());
        }
        table.push_back((int64_t)(int32_t)(uint32_t)*v);  // the bits of the uint32, as int32
    }
    return table;
}

Algorithm isoftmax(const ISoftmaxSpec &spec) {
    const std::string op = "isoftmax";
    check_row_op(op, spec.shape);
    if (spec.log2 < 1 || spec.log2 > 32767) {
        throw UserError(op + ": log2=" + std::to_string(spec.log2) + " is outside 1..32767");
    }
    if (spec.n_levels < 2 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 2..256");
    }
    for (int64_t c : {spec.coeffA, spec.coeffB, spec.coeffC}) {
        if (c < INT32_MIN || c > INT32_MAX) throw UserError(op + ": coefficient " + std::to_string(c) + " is not int32");
    }
    const Shape &shape = spec.shape;
    const int n = shape.back();
    Algorithm a;
    a.op = op;
    if (spec.input_type != ElemType::Int8 && spec.input_type != ElemType::Int16) {
        throw UserError(op + ": input type " + elem_type_name(spec.input_type) + " is not int8 or int16");
    }
    const bool deeploy = spec.input_type == ElemType::Int8;
    AxisVars ax(shape.size());
    // x: an input, or the Add of two (a stage "x", inline unless placed).
    std::vector<Stage> add_tables;
    Func x_func("x");
    if (spec.input_add) {
        const ElemType t = add_output_type(*spec.input_add);
        if (t != spec.input_type) {
            throw UserError(op + ": input_add gives x as " + elem_type_name(t) + " but input_type is " +
                            elem_type_name(spec.input_type));
        }
        const Shape add_shape = broadcast_shapes(spec.input_add->a.shape, spec.input_add->b.shape, op + " input_add");
        if (add_shape != shape) {
            throw UserError(op + ": input_add's A " + shape_str(spec.input_add->a.shape) + " + B " +
                            shape_str(spec.input_add->b.shape) + " broadcast to " + shape_str(add_shape) +
                            ", not to the shape " + shape_str(shape));
        }
        x_func(ax.halide()) = add_value(a, *spec.input_add, ax.coords, "x_", add_tables);
    } else {
        a.inputs.push_back(make_input("x", spec.input_type, shape));
        x_func = Func(a.inputs[0].param);
    }
    auto rows = ax.row_halide();
    std::vector<Expr> row_args(rows.begin(), rows.end());
    Shape row_shape(shape.begin(), shape.end() - 1);

    // valid(j): entry j of the row takes part (always, without `lengths`).
    std::function<Expr(const Expr &)> valid = [](const Expr &) { return Halide::Internal::const_true(); };
    if (spec.lengths) {
        const Shape &ls = *spec.lengths;
        if (ls.size() > row_shape.size() || broadcast_shapes(ls, row_shape, op + " lengths") != row_shape) {
            throw UserError(op + ": lengths shape " + shape_str(ls) + " does not broadcast to the row shape " +
                            shape_str(row_shape) + " of x " + shape_str(shape));
        }
        a.inputs.push_back(make_input("lengths", ElemType::Int32, ls));
        std::vector<Expr> row_coords(ax.coords.begin(), ax.coords.end() - 1);
        Expr len = broadcast_read(a.inputs.back(), row_coords);
        valid = [len](const Expr &j) { return j < len; };
    }

    // Row max, starting at INT8_MIN as the C kernel does.
    Func xmax("xmax");
    RDom rj(0, n, "j");
    xmax(rows) = cast<int32_t>(deeploy ? -128 : -32768);
    xmax(row_args) = select(valid(rj.x), max(xmax(row_args), cast<int32_t>(x_func(ax.at_last(rj.x)))), xmax(row_args));

    // exp of element (row, j), an unsigned 32-bit value. It depends on x - xmax
    // only, which for int8 input takes 256 values: exp_table(i) is exp at
    // x - xmax = -i, a stage the schedule computes once per call (a table
    // each element reads: sum and Y would evaluate the polynomial twice per
    // element) or inlines (few elements). int16 input keeps the expression.
    Func exp_table("exp_table");
    Var i("i");
    if (spec.exp_table_input && !deeploy) {
        throw UserError(op + ": exp_table_input needs int8 input (int16 evaluates exp per element)");
    }
    if (spec.exp_table_input) {
        // uint32 values held in int32 (the tensor types have no uint32).
        a.inputs.push_back(make_input("exp_table", ElemType::Int32, {kISoftmaxTableSize}));
        a.inputs.back().lookup_table = true;
    } else if (deeploy) {
        exp_table(i) = isoftmax_exp(-i, 0, spec.coeffA, spec.coeffB, spec.coeffC, spec.log2, deeploy);
    }
    const ImageParam table = spec.exp_table_input ? a.inputs.back().param : ImageParam();
    auto exp_at = [&](const Expr &j) -> Expr {
        Expr x = cast<int32_t>(x_func(ax.at_last(j)));
        // xmax is the max of the row's int8 values, so without `lengths` every
        // x - xmax lies in [-255, 0]: promised, not clamped (one instruction
        // per element less). With `lengths` an entry past the length may
        // exceed the max of the valid ones: clamped.
        Expr index = spec.lengths ? clamp(xmax(row_args) - x, 0, kISoftmaxTableSize - 1)
                                  : unsafe_promise_clamped(xmax(row_args) - x, 0, kISoftmaxTableSize - 1);
        if (spec.exp_table_input) return reinterpret(UInt(32), table(index));
        if (deeploy) return Expr(exp_table(index));
        return isoftmax_exp(x, xmax(row_args), spec.coeffA, spec.coeffB, spec.coeffC, spec.log2, deeploy);
    };

    // e(row, j): every element's exp, read by sum and by Y. A schedule may
    // compute it once per row into a buffer (both passes then read it) or
    // inline it (each pass evaluates it).
    Func e_row("e");
    e_row(ax.halide()) = exp_at(ax.vars.back());
    auto e_at = [&](const Expr &j) {
        std::vector<Expr> args{j};
        args.insert(args.end(), row_args.begin(), row_args.end());
        return Expr(e_row(args));
    };

    Func sum("sum");
    RDom rs(0, n, "j");
    sum(rows) = cast<uint32_t>(0);
    if (spec.lengths) {
        sum(row_args) = sum(row_args) + select(valid(rs.x), e_at(rs.x), cast<uint32_t>(0));
    } else {
        sum(row_args) = sum(row_args) + e_at(rs.x);
    }

    Func y("Y");
    Expr e = e_at(ax.vars.back());
    // max(sum, 1): the divisor is visibly non-zero, so the C has a plain
    // division instead of Halide's x / 0 = 0 check per element; the same
    // value, as a sum of 0 means every e of the row is 0 (C's x / 0 is undefined).
    Expr p = (e * cast<uint32_t>((int32_t)spec.n_levels - 1)) / max(sum(row_args), cast<uint32_t>(1));
    if (spec.lengths) p = select(valid(ax.vars.back()), p, cast<uint32_t>(0));
    if (spec.requant) {
        add_requant_inputs(a, op, *spec.requant, shape, "out_");
        // p is a byte: a per-tensor requantization is a 256-entry table (the
        // schedule fills it once per call or inlines it).
        const Expr p8 = cast<int32_t>(cast<uint8_t>(p));
        if (auto looked_up = requant_by_table(a, "out_requant_table", p8, 0, 256, "out_", *spec.requant, add_tables,
                                                   spec.requant_tables_as_inputs)) {
            y(ax.halide()) = cast(halide_type(spec.requant->output_type()), *looked_up);
        } else {
            y(ax.halide()) = requant(p8, broadcast_read(*a.find_input("out_mul"), ax.coords),
                                     broadcast_read(*a.find_input("out_add"), ax.coords), *spec.requant);
        }
        a.output = {"Y", spec.requant->output_type(), shape};
    } else {
        y(ax.halide()) = cast<uint8_t>(p);
        a.output = {"Y", ElemType::UInt8, shape};
    }
    fix_output_shape(y, shape);

    a.stages = add_tables;
    if (spec.input_add) {
        a.stages.push_back(make_stage("x", x_func, ax.names, shape));
        a.stages.back().inline_by_default = true;
    }
    if (deeploy && !spec.exp_table_input) {
        a.stages.push_back(make_stage("exp_table", exp_table, {"i"}, {kISoftmaxTableSize}));
    }
    a.stages.push_back(make_stage("xmax", xmax, ax.row_names(), row_shape, "j", rj, n));
    a.stages.push_back(make_stage("e", e_row, ax.names, shape));
    a.stages.back().inline_by_default = true;
    a.stages.push_back(make_stage("sum", sum, ax.row_names(), row_shape, "j", rs, n));
    a.stages.push_back(make_stage("Y", y, ax.names, shape));
    return a;
}

}  // namespace halyard
