// Elementwise Add with numpy broadcasting and optional requantization
// (Deeploy's Add; RQAdd is Add followed by RequantShift).
#include "builders.h"
#include "transformer_builders.h"  // make_stage
#include "halyard/dsl/ops.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Shape broadcast_shapes(const Shape &a, const Shape &b, const std::string &what) {
    Shape out(std::max(a.size(), b.size()), 1);
    for (size_t i = 0; i < out.size(); i++) {
        int da = i < a.size() ? a[a.size() - 1 - i] : 1;
        int db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1) {
            throw UserError(what + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                            " do not broadcast (axis -" + std::to_string(i + 1) + ": " + std::to_string(da) +
                            " vs " + std::to_string(db) + ")");
        }
        out[out.size() - 1 - i] = std::max(da, db);
    }
    return out;
}

namespace {
// A requantization table pays for its fill (a fork, the entries) when each
// entry is read this many times per call (Stage::table_uses_per_entry).
constexpr int kRequantTableUsesPerEntry = 16;
}  // namespace

Algorithm add(const AddSpec &spec) {
    const std::string op = "add";
    check_shape(op, "A", spec.a.shape);
    check_shape(op, "B", spec.b.shape);
    Shape out_shape = broadcast_shapes(spec.a.shape, spec.b.shape, op);

    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", spec.a.type, spec.a.shape));
    a.inputs.push_back(make_input("B", spec.b.type, spec.b.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, out_shape);
    if (spec.a_requant) add_requant_inputs(a, op, *spec.a_requant, spec.a.shape, "a_");
    if (spec.b_requant) add_requant_inputs(a, op, *spec.b_requant, spec.b.shape, "b_");

    std::vector<std::string> names;
    for (size_t i = 0; i < out_shape.size(); i++) names.push_back("d" + std::to_string(i));
    auto vars = axis_vars(names);
    auto coords = as_exprs(vars);
    // A requantization with per-tensor mul and add of a value known to lie in
    // [lo, lo + entries) is a table of its results: a stage `name` over `i`
    // that the schedule fills once per call (many elements) or inlines (few:
    // the same expression as without the table). Returns the lookup of `v`.
    std::vector<Stage> tables;
    auto by_table = [&](const std::string &name, Expr v, int lo, int entries, const std::string &prefix,
                        const RequantParams &rq) -> std::optional<Expr> {
        const InputTensor *mul = a.find_input(prefix + "mul"), *add_in = a.find_input(prefix + "add");
        if (num_elements(mul->type.shape) != 1 || num_elements(add_in->type.shape) != 1) return std::nullopt;
        Func table(name);
        Var i("i");
        table(i) = requant(i + lo, mul->param(std::vector<Expr>(mul->type.shape.size(), 0)),
                           add_in->param(std::vector<Expr>(add_in->type.shape.size(), 0)), rq);
        tables.push_back(make_stage(name, table, {"i"}, {entries}));
        tables.back().inline_by_default = true;  // a schedule that does not place it: the plain expression
        tables.back().table_uses_per_entry = kRequantTableUsesPerEntry;
        return cast<int32_t>(table(v - lo));
    };
    auto is_byte = [](ElemType t) { return t == ElemType::Int8 || t == ElemType::UInt8; };
    // Operand k as the sum reads it: requantized first when the spec says so.
    // Its mul/add broadcast to the operand, which broadcasts to the output, so
    // both read at the output's coordinates. An int8/uint8 operand's
    // requantization is a 256-entry table.
    auto operand = [&](size_t k, const std::optional<RequantParams> &rq, const std::string &prefix) {
        Expr v = cast<int32_t>(broadcast_read(a.inputs[k], coords));
        if (!rq) return v;
        const ElemType t = a.inputs[k].type.type;
        if (is_byte(t)) {
            if (auto looked_up = by_table(prefix + "requant_table", v, t == ElemType::Int8 ? -128 : 0, 256, prefix, *rq)) {
                return *looked_up;
            }
        }
        return cast<int32_t>(requant(v, broadcast_read(*a.find_input(prefix + "mul"), coords),
                                     broadcast_read(*a.find_input(prefix + "add"), coords), *rq));
    };
    // The range of each addend, when it is one byte wide (a table's or an
    // int8/uint8 input's): then the sum's requantization is a table too.
    auto byte_range = [&](size_t k, const std::optional<RequantParams> &rq) -> std::optional<std::pair<int, int>> {
        const ElemType t = rq ? rq->output_type() : a.inputs[k].type.type;
        if (t == ElemType::Int8) return std::make_pair(-128, 127);
        if (t == ElemType::UInt8) return std::make_pair(0, 255);
        return std::nullopt;
    };
    Expr sum = operand(0, spec.a_requant, "a_") + operand(1, spec.b_requant, "b_");

    Func out("Y");
    if (spec.requant) {
        if (spec.output_type) throw UserError(op + ": give either requant or output_type, not both");
        const auto ra = byte_range(0, spec.a_requant), rb = byte_range(1, spec.b_requant);
        std::optional<Expr> looked_up;
        if (ra && rb) {
            const int lo = ra->first + rb->first, entries = ra->second + rb->second - lo + 1;
            looked_up = by_table("requant_table", sum, lo, entries, "", *spec.requant);
        }
        out(halide_order(vars)) =
            looked_up ? cast(halide_type(spec.requant->output_type()), *looked_up)
                      : requant(sum, broadcast_read(*a.find_input("mul"), coords),
                                broadcast_read(*a.find_input("add"), coords), *spec.requant);
        a.output = {"Y", spec.requant->output_type(), out_shape};
    } else {
        ElemType t = spec.output_type.value_or(ElemType::Int32);
        Expr v = sum;
        if (t != ElemType::Int32) v = cast(halide_type(t), clamp(sum, (int32_t)elem_min(t), (int32_t)elem_max(t)));
        out(halide_order(vars)) = v;
        a.output = {"Y", t, out_shape};
    }
    fix_output_shape(out, out_shape);

    Stage s;
    s.name = "Y";
    s.func = out;
    s.pure_loops = names;
    for (size_t i = 0; i < names.size(); i++) s.extents[names[i]] = out_shape[i];
    a.stages = tables;
    a.stages.push_back(s);
    return a;
}

}  // namespace halyard
