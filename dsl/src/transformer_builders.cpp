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

void finish_elementwise(Algorithm &a, const std::string &op, Expr v, const AxisVars &ax, const Shape &shape,
                        const std::optional<RequantParams> &rq) {
    (void)op;
    Func out("Y");
    if (rq) {
        out(ax.halide()) = requant(v, broadcast_read(*a.find_input("mul"), ax.coords),
                                   broadcast_read(*a.find_input("add"), ax.coords), *rq);
        a.output = {"Y", rq->output_type(), shape};
    } else {
        out(ax.halide()) = v;
        a.output = {"Y", ElemType::Int32, shape};
    }
    fix_output_shape(out, shape);
    a.stages.push_back(make_stage("Y", out, ax.names, shape));
}

Expr isoftmax_exp(Expr x, Expr xmax, int64_t coeffA, int64_t coeffB, int64_t coeffC, int64_t log2) {
    Expr xt = x - xmax;  // <= 0
    Expr z = cast<int32_t>(cast<int8_t>(-div_round_to_zero(xt, (int32_t)log2)));
    z = clamp(z, 0, 31);
    Expr p = cast<int32_t>(cast<int16_t>(xt + z * (int32_t)log2));
    Expr q = cast<uint32_t>(p + (int32_t)coeffB);
    Expr qq = q * q;  // wraps like Deeploy's int32 product
    Expr poly = cast<int64_t>(cast<int32_t>(cast<uint32_t>((int32_t)coeffA) * qq)) + Expr(coeffC);
    return cast<uint32_t>(cast<uint64_t>(poly) >> cast<uint64_t>(z));
}

}  // namespace halyard::detail
