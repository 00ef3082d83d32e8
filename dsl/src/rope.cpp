// Halyard's integer rotary position embedding (docs/transformer-ops.md):
// per pair (x1, x2) at position p, with Q`F` tables c = cos, s = sin:
//   y1 = clip((x1 c - x2 s + 2^(F-1)) >> F),  y2 = clip((x1 s + x2 c + 2^(F-1)) >> F).
#include <cmath>

#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

RopeTables rope_tables(int max_positions, int head_dim, double base, int frac_bits) {
    if (max_positions < 1 || head_dim < 2 || head_dim % 2 || frac_bits < 1 || frac_bits > 14 || base <= 1.0) {
        throw UserError("rope: tables need max_positions >= 1, an even head_dim >= 2, frac_bits 1..14 and base > 1 (got " +
                        std::to_string(max_positions) + ", " + std::to_string(head_dim) + ", " +
                        std::to_string(frac_bits) + ", " + std::to_string(base) + ")");
    }
    const int half = head_dim / 2;
    RopeTables t;
    const double one = std::ldexp(1.0, frac_bits);
    for (int p = 0; p < max_positions; p++) {
        for (int i = 0; i < half; i++) {
            const double theta = p * std::pow(base, -2.0 * i / head_dim);
            t.cos.push_back((int16_t)std::lround(one * std::cos(theta)));
            t.sin.push_back((int16_t)std::lround(one * std::sin(theta)));
        }
    }
    return t;
}

Algorithm rope(const RopeSpec &spec) {
    const std::string op = "rope";
    check_shape(op, "x", spec.shape);
    const Shape &shape = spec.shape;
    const int rank = (int)shape.size();
    if (rank < 2) throw UserError(op + ": x " + shape_str(shape) + " needs rank >= 2 ([..., T, D])");
    const int T = shape[rank - 2], D = shape[rank - 1];
    if (D % 2) throw UserError(op + ": head dimension D=" + std::to_string(D) + " of x " + shape_str(shape) + " must be even");
    if (spec.frac_bits < 1 || spec.frac_bits > 14) {
        throw UserError(op + ": frac_bits=" + std::to_string(spec.frac_bits) + " is outside 1..14");
    }
    if (spec.max_positions < 2) {
        // With one table row the clamped position folds to 0 and pos goes unread.
        throw UserError(op + ": max_positions=" + std::to_string(spec.max_positions) + " must be >= 2 (cos/sin table rows)");
    }
    const int half = D / 2, F = spec.frac_bits;
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, shape));
    a.inputs.push_back(make_input("pos", ElemType::Int32, {T}));
    a.inputs.push_back(make_input("cos", ElemType::Int16, {spec.max_positions, half}));
    a.inputs.push_back(make_input("sin", ElemType::Int16, {spec.max_positions, half}));
    const ImageParam &X = a.inputs[0].param, &P = a.inputs[1].param, &C = a.inputs[2].param, &S = a.inputs[3].param;
    AxisVars ax(rank);
    const Var &t = ax.vars[rank - 2], &dv = ax.vars[rank - 1];
    Expr p = clamp(P(t), 0, spec.max_positions - 1);
    // Pair index i, partner index and whether this element is the first of its pair.
    Expr first, i, partner;
    if (spec.interleaved) {
        first = dv % 2 == 0;
        i = dv / 2;
        partner = select(first, dv + 1, dv - 1);
    } else {
        first = dv < half;
        i = select(first, dv, dv - half);
        partner = select(first, dv + half, dv - half);
    }
    i = clamp(i, 0, half - 1);
    partner = clamp(partner, 0, D - 1);
    auto at = [&](const Expr &d) {
        std::vector<Expr> c = ax.coords;
        c[rank - 1] = d;
        return cast<int32_t>(X(std::vector<Expr>(c.rbegin(), c.rend())));
    };
    Expr self = at(dv), other = at(partner);
    Expr c = cast<int32_t>(C(i, p)), s = cast<int32_t>(S(i, p));
    // first: x1 c - x2 s; second: x1 s + x2 c (x1 = other, x2 = self).
    Expr v = select(first, self * c - other * s, other * s + self * c);
    v = (v + (1 << (F - 1))) >> F;
    Func y("Y");
    y(ax.halide()) = cast<int8_t>(clamp(v, -128, 127));
    a.output = {"Y", ElemType::Int8, shape};
    fix_output_shape(y, shape);
    a.stages.push_back(make_stage("Y", y, ax.names, shape));
    return a;
}

}  // namespace halyard
