#include "builders.h"

#include "halyard/dsl/ops.h"

#include <algorithm>

namespace halyard::detail {

using namespace Halide;

void check_shape(const std::string &op, const std::string &tensor, const Shape &s) {
    if (s.empty()) throw UserError(op + ": tensor " + tensor + " must have rank >= 1");
    for (int d : s) {
        if (d < 1) {
            throw UserError(op + ": tensor " + tensor + " has shape " + shape_str(s) +
                            "; every dimension must be >= 1");
        }
    }
    if (num_elements(s) > (int64_t(1) << 28)) {
        throw UserError(op + ": tensor " + tensor + " of shape " + shape_str(s) + " is too large");
    }
}

void add_requant_inputs(Algorithm &a, const std::string &op, const RequantParams &p, const Shape &out_shape,
                        const std::string &prefix) {
    p.validate(op);
    for (const Shape *s : {&p.mul_shape, &p.add_shape}) {
        if (broadcast_shapes(out_shape, *s, op + " requantization") != out_shape) {
            throw UserError(op + ": " + (prefix.empty() ? "" : prefix + "* ") + "requantization mul/add shape " +
                            shape_str(*s) + " does not broadcast to " + (prefix.empty() ? "the output " : "") +
                            shape_str(out_shape));
        }
    }
    a.inputs.push_back(make_input(prefix + "mul", ElemType::Int32, p.mul_shape));
    a.inputs.push_back(make_input(prefix + "add", ElemType::Int32, p.add_shape));
}

InputTensor make_input(const std::string &name, ElemType type, const Shape &shape) {
    InputTensor in;
    in.type.name = name;
    in.type.type = type;
    in.type.shape = shape;
    const int rank = (int)shape.size();
    in.param = ImageParam(halide_type(type), rank, name);
    int stride = 1;
    for (int d = 0; d < rank; d++) {
        int extent = shape[rank - 1 - d];
        in.param.dim(d).set_bounds(0, extent).set_stride(stride);
        stride *= extent;
    }
    return in;
}

void fix_output_shape(Func f, const Shape &shape) {
    const int rank = (int)shape.size();
    int stride = 1;
    for (int d = 0; d < rank; d++) {
        int extent = shape[rank - 1 - d];
        f.output_buffer().dim(d).set_bounds(0, extent).set_stride(stride);
        stride *= extent;
    }
}

Expr broadcast_read(const InputTensor &in, const std::vector<Expr> &out_coords) {
    const Shape &s = in.type.shape;
    const int rank = (int)s.size();
    const int out_rank = (int)out_coords.size();
    std::vector<Expr> args;  // Halide order: innermost first
    for (int d = 0; d < rank; d++) {
        int axis = rank - 1 - d;                 // tensor axis, outermost-first numbering
        int out_axis = out_rank - rank + axis;   // aligned output axis
        args.push_back(s[axis] == 1 ? Expr(0) : out_coords[out_axis]);
    }
    return in.param(args);
}

Expr requant(Expr v, Expr mul, Expr add, const RequantParams &p) {
    Expr x = v * mul + add;
    if (p.rounding && p.log2d > 0) x = x + (1 << (p.log2d - 1));
    if (p.log2d > 0) x = x >> p.log2d;
    ElemType ot = p.output_type();
    Expr lo = cast<int32_t>((int32_t)std::max<int64_t>(p.out_min(), INT32_MIN));
    Expr hi = cast<int32_t>((int32_t)std::min<int64_t>(p.out_max(), INT32_MAX));
    return cast(halide_type(ot), clamp(x, lo, hi));
}

std::vector<Var> axis_vars(const std::vector<std::string> &names) {
    std::vector<Var> vars;
    for (const auto &n : names) vars.emplace_back(n);
    return vars;
}

std::vector<Var> halide_order(std::vector<Var> vars) {
    std::reverse(vars.begin(), vars.end());
    return vars;
}

std::vector<Expr> as_exprs(const std::vector<Var> &vars) {
    return std::vector<Expr>(vars.begin(), vars.end());
}

}  // namespace halyard::detail

namespace halyard {

Halide::Expr requant_expr(Halide::Expr v, Halide::Expr mul, Halide::Expr add, const RequantParams &p) {
    return detail::requant(v, mul, add, p);
}

std::vector<int64_t> requant_table_values(const TableInput &table, int64_t mul, int64_t add) {
    auto int32_value = [&](int64_t v, const char *what) {
        if (v < INT32_MIN || v > INT32_MAX) {
            throw UserError("requant table " + table.name + ": " + what + " " + std::to_string(v) + " is not int32");
        }
        return Halide::Expr((int32_t)v);
    };
    const Halide::Expr m = int32_value(mul, "mul"), a = int32_value(add, "add");
    std::vector<int64_t> values;
    for (int i = 0; i < table.entries; i++) {
        const Halide::Expr x = table.pre ? table.pre(Halide::Expr(table.lo + i)) : Halide::Expr(table.lo + i);
        const Halide::Expr e = Halide::Internal::simplify(detail::requant(x, m, a, table.requant));
        const int64_t *v = Halide::Internal::as_const_int(e);
        const uint64_t *u = Halide::Internal::as_const_uint(e);  // uint8 outputs
        if (!v && !u) {
            // The int32 arithmetic overflows for this mul and add: Halide's
            // simplifier does not fold it (the kernel would wrap at run time).
            throw UserError("requant table " + table.name + ": requant(" + std::to_string(table.lo + i) + ", mul " +
                            std::to_string(mul) + ", add " + std::to_string(add) + ") overflows int32");
        }
        values.push_back(v ? *v : (int64_t)*u);
    }
    return values;
}

}  // namespace halyard
