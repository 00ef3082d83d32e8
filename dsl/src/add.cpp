// Elementwise Add with numpy broadcasting and optional requantization
// (Deeploy's Add; RQAdd is Add followed by RequantShift).
#include "builders.h"
#include "halyard/dsl/internal_error.h"
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

namespace detail {

std::optional<Expr> requant_by_table(Algorithm &a, const std::string &name, const Expr &v, int lo, int entries,
                                     const std::string &rq_prefix, const RequantParams &rq, std::vector<Stage> &tables,
                                     bool as_input, const std::function<Expr(Expr)> &pre) {
    // A table pays for its fill (a fork, the entries) when each entry is read
    // this many times per call (Stage::table_uses_per_entry).
    constexpr int kRequantTableUsesPerEntry = 16;
    const InputTensor *mul = a.find_input(rq_prefix + "mul"), *add_in = a.find_input(rq_prefix + "add");
    HL_INTERNAL_ASSERT(mul && add_in, "requant_by_table: no inputs " + rq_prefix + "mul/add");
    if (num_elements(mul->type.shape) != 1 || num_elements(add_in->type.shape) != 1) return std::nullopt;
    if (as_input) {
        a.inputs.push_back(make_input(name, rq.output_type(), {entries}));
        a.inputs.back().lookup_table = true;
        a.table_inputs.push_back({name, rq_prefix, lo, entries, rq, pre});
        return cast<int32_t>(a.inputs.back().param(v - lo));
    }
    Func table(name);
    Var i("i");
    table(i) = requant(pre ? pre(i + lo) : i + lo, mul->param(std::vector<Expr>(mul->type.shape.size(), 0)),
                       add_in->param(std::vector<Expr>(add_in->type.shape.size(), 0)), rq);
    tables.push_back(make_stage(name, table, {"i"}, {entries}));
    tables.back().inline_by_default = true;  // a schedule that does not place it: the plain expression
    tables.back().table_uses_per_entry = kRequantTableUsesPerEntry;
    return cast<int32_t>(table(v - lo));
}

ElemType add_output_type(const AddSpec &spec) {
    return spec.requant ? spec.requant->output_type() : spec.output_type.value_or(ElemType::Int32);
}

Expr add_value(Algorithm &a, const AddSpec &spec, const std::vector<Expr> &coords, const std::string &prefix,
               std::vector<Stage> &tables) {
    const std::string op = "add";
    check_shape(op, prefix + "A", spec.a.shape);
    check_shape(op, prefix + "B", spec.b.shape);
    const Shape out_shape = broadcast_shapes(spec.a.shape, spec.b.shape, op);
    if (spec.requant && spec.output_type) throw UserError(op + ": give either requant or output_type, not both");
    a.inputs.push_back(make_input(prefix + "A", spec.a.type, spec.a.shape));
    a.inputs.push_back(make_input(prefix + "B", spec.b.type, spec.b.shape));
    if (spec.requant) add_requant_inputs(a, op, *spec.requant, out_shape, prefix);
    if (spec.a_requant) add_requant_inputs(a, op, *spec.a_requant, spec.a.shape, prefix + "a_");
    if (spec.b_requant) add_requant_inputs(a, op, *spec.b_requant, spec.b.shape, prefix + "b_");

    auto by_table = [&](const std::string &name, const Expr &v, int lo, int entries, const std::string &rq_prefix,
                        const RequantParams &rq) {
        return requant_by_table(a, name, v, lo, entries, rq_prefix, rq, tables, spec.requant_tables_as_inputs);
    };
    auto is_byte = [](ElemType t) { return t == ElemType::Int8 || t == ElemType::UInt8; };
    // Operand `name` as the sum reads it: requantized first when the spec
    // says so. Its mul/add broadcast to the operand, which broadcasts to the
    // output, so both read at the output's coordinates. An int8/uint8
    // operand's requantization is a 256-entry table.
    auto operand = [&](const std::string &name, const std::optional<RequantParams> &rq, const std::string &rq_prefix) {
        const InputTensor &in = *a.find_input(prefix + name);
        Expr v = cast<int32_t>(broadcast_read(in, coords));
        if (!rq) return v;
        const ElemType t = in.type.type;
        if (is_byte(t)) {
            if (auto looked_up = by_table(rq_prefix + "requant_table", v, t == ElemType::Int8 ? -128 : 0, 256, rq_prefix, *rq)) {
                return *looked_up;
            }
        }
        return cast<int32_t>(requant(v, broadcast_read(*a.find_input(rq_prefix + "mul"), coords),
                                     broadcast_read(*a.find_input(rq_prefix + "add"), coords), *rq));
    };
    // The range of an addend, when it is one byte wide (a table's or an
    // int8/uint8 input's): then the sum's requantization is a table too.
    auto byte_range = [&](ElemType input_type, const std::optional<RequantParams> &rq) -> std::optional<std::pair<int, int>> {
        const ElemType t = rq ? rq->output_type() : input_type;
        if (t == ElemType::Int8) return std::make_pair(-128, 127);
        if (t == ElemType::UInt8) return std::make_pair(0, 255);
        return std::nullopt;
    };
    Expr sum = operand("A", spec.a_requant, prefix + "a_") + operand("B", spec.b_requant, prefix + "b_");

    if (spec.requant) {
        const auto ra = byte_range(spec.a.type, spec.a_requant), rb = byte_range(spec.b.type, spec.b_requant);
        if (ra && rb) {
            const int lo = ra->first + rb->first, entries = ra->second + rb->second - lo + 1;
            if (auto looked_up = by_table(prefix + "requant_table", sum, lo, entries, prefix, *spec.requant)) {
                return cast(halide_type(spec.requant->output_type()), *looked_up);
            }
        }
        return requant(sum, broadcast_read(*a.find_input(prefix + "mul"), coords),
                       broadcast_read(*a.find_input(prefix + "add"), coords), *spec.requant);
    }
    const ElemType t = add_output_type(spec);
    if (t == ElemType::Int32) return sum;
    return cast(halide_type(t), clamp(sum, (int32_t)elem_min(t), (int32_t)elem_max(t)));
}

}  // namespace detail

Algorithm add(const AddSpec &spec) {
    check_shape("add", "A", spec.a.shape);
    check_shape("add", "B", spec.b.shape);
    Shape out_shape = broadcast_shapes(spec.a.shape, spec.b.shape, "add");
    Algorithm a;
    a.op = "add";
    std::vector<std::string> names;
    for (size_t i = 0; i < out_shape.size(); i++) names.push_back("d" + std::to_string(i));
    auto vars = axis_vars(names);
    std::vector<Stage> tables;
    Func out("Y");
    out(halide_order(vars)) = add_value(a, spec, as_exprs(vars), "", tables);
    a.output = {"Y", add_output_type(spec), out_shape};
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
