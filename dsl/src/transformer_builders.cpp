#include "transformer_builders.h"

namespace halyard::detail {

using namespace Halide;

AxisVars::AxisVars(size_t rank) {
    for (size_t i = 0; i < rank; i++) names.push_back("d" + std::to_string(i));
    vars = axis_vars(names);
    coords = as_exprs(vars);
}

std::vector<Var> AxisVars::row_halide() const { return halide_order({vars.begin(), vars.end() - 1}); }

std::vector<Expr> AxisVars::at_last(const Expr &j) const {
    std::vector<Expr> args{j};
    for (const Var &v : row_halide()) args.push_back(v);
    return args;
}

Stage make_stage(const std::string &name, Func f, const std::vector<std::string> &loops, const Shape &extents,
                 const std::string &rname, RDom r, int rextent) {
    Stage s;
    s.name = name;
    s.func = f;
    s.pure_loops = loops;
    for (size_t i = 0; i < loops.size(); i++) s.extents[loops[i]] = extents[i];
    if (!rname.empty()) {
        s.reduction_loops = {rname};
        s.extents[rname] = rextent;
        s.rdom = r;
    }
    return s;
}

void check_row_op(const std::string &op, const Shape &shape) { check_shape(op, "x", shape); }

void check_type(const std::string &op, const std::string &tensor, ElemType t, std::vector<ElemType> allowed) {
    std::string names;
    for (ElemType a : allowed) {
        if (a == t) return;
        names += (names.empty() ? "" : ", ") + std::string(elem_type_name(a));
    }
    throw UserError(op + ": tensor " + tensor + " has element type " + elem_type_name(t) + "; expected " + names);
}

Stage isqrt_stage(const std::string &name, const AxisVars &ax, const Shape &shape, Expr v, int bits) {
    Func f(name);
    RDom r(0, bits, "b");
    auto rows = ax.row_halide();
    std::vector<Expr> args(rows.begin(), rows.end());
    f(rows) = 0;
    Expr cand = f(args) | (Expr(1) << (bits - 1 - r.x));
    f(args) = select(cand * cand <= v, cand, f(args));
    Shape row_shape(shape.begin(), shape.end() - 1);
    return make_stage(name, f, ax.row_names(), row_shape, "b", r, bits);
}

namespace {

// The algorithm's output stage Y(ax) = y, of element type `type`.
void push_output_stage(Algorithm &a, Expr y, ElemType type, const AxisVars &ax, const Shape &shape) {
    Func out("Y");
    out(ax.halide()) = y;
    a.output = {"Y", type, shape};
    fix_output_shape(out, shape);
    a.stages.push_back(make_stage("Y", out, ax.names, shape));
}

}  // namespace

void finish_elementwise(Algorithm &a, const std::string &op, Expr v, const AxisVars &ax, const Shape &shape,
                        const std::optional<RequantParams> &rq) {
    (void)op;
    if (rq) {
        push_output_stage(a,
                          requant(v, broadcast_read(*a.find_input("mul"), ax.coords),
                                  broadcast_read(*a.find_input("add"), ax.coords), *rq),
                          rq->output_type(), ax, shape);
    } else {
        push_output_stage(a, v, ElemType::Int32, ax, shape);
    }
}

void finish_activation(Algorithm &a, const std::string &op, const std::function<Expr(Expr)> &f, const AxisVars &ax,
                       const Shape &shape, const std::optional<RequantParams> &rq, bool tables_as_inputs) {
    const ElemType t = a.inputs[0].type.type;
    Expr x = cast<int32_t>(a.inputs[0].param(ax.halide()));
    if (rq && (t == ElemType::Int8 || t == ElemType::UInt8)) {
        std::vector<Stage> tables;
        if (auto looked_up = requant_by_table(a, "requant_table", x, t == ElemType::Int8 ? -128 : 0, 256, "", *rq, tables,
                                              tables_as_inputs, f)) {
            a.stages = tables;
            push_output_stage(a, cast(halide_type(rq->output_type()), *looked_up), rq->output_type(), ax, shape);
            return;
        }
    }
    finish_elementwise(a, op, f(x), ax, shape, rq);
}

Expr isoftmax_exp(Expr x, Expr xmax, int64_t coeffA, int64_t coeffB, int64_t coeffC, int64_t log2,
                  bool deeploy_casts) {
    Expr xt = x - xmax;  // <= 0
    Expr z_raw = -div_round_to_zero(xt, (int32_t)log2);
    Expr z = z_raw;
    if (deeploy_casts) z = cast<int32_t>(cast<int8_t>(z));
    z = clamp(z, 0, 31);
    Expr p = xt + z * (int32_t)log2;
    if (deeploy_casts) p = cast<int32_t>(cast<int16_t>(p));
    Expr q = cast<uint32_t>(p + (int32_t)coeffB);
    Expr qq = q * q;  // wraps like Deeploy's int32 product
    Expr poly = cast<int64_t>(cast<int32_t>(cast<uint32_t>((int32_t)coeffA) * qq)) + Expr(coeffC);
    Expr e = cast<uint32_t>(cast<uint64_t>(poly) >> cast<uint64_t>(z));
    // Without the casts, more than 31 octaves below the max is exp underflow: 0.
    return deeploy_casts ? e : select(z_raw > 31, cast<uint32_t>(0), e);
}

Algorithm binary_elementwise(const std::string &op, const TensorType &A, const TensorType &B,
                             const std::optional<RequantParams> &requant, const std::optional<ElemType> &output_type,
                             const std::function<Expr(Expr, Expr)> &f) {
    Shape out_shape = broadcast_shapes(A.shape, B.shape, op);
    if (requant && output_type) throw UserError(op + ": give either requant or output_type, not both");
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("A", A.type, A.shape));
    a.inputs.push_back(make_input("B", B.type, B.shape));
    if (requant) add_requant_inputs(a, op, *requant, out_shape);
    AxisVars ax(out_shape.size());
    Expr v = f(cast<int32_t>(broadcast_read(a.inputs[0], ax.coords)), cast<int32_t>(broadcast_read(a.inputs[1], ax.coords)));
    if (output_type && *output_type != ElemType::Int32) {
        ElemType t = *output_type;
        Func y("Y");
        y(ax.halide()) = cast(halide_type(t), clamp(v, (int32_t)elem_min(t), (int32_t)elem_max(t)));
        a.output = {"Y", t, out_shape};
        fix_output_shape(y, out_shape);
        a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
        return a;
    }
    finish_elementwise(a, op, v, ax, out_shape, requant);
    return a;
}

void finish_copy(Algorithm &a, ElemType type, const AxisVars &ax, const std::vector<Expr> &in_coords,
                 const Shape &out_shape) {
    std::vector<Expr> args(in_coords.rbegin(), in_coords.rend());  // Halide: innermost first
    Func y("Y");
    y(ax.halide()) = a.inputs[0].param(args);
    a.output = {"Y", type, out_shape};
    fix_output_shape(y, out_shape);
    a.stages.push_back(make_stage("Y", y, ax.names, out_shape));
}

}  // namespace halyard::detail
