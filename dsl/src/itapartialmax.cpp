// Deeploy's ITAPartialMax: the streaming (group by group) form of ITAMax over
// the last axis of an int8 tensor. Deeploy: TargetLibraries/Generic/src/Softmax_s8.c
// (ITAPartialMax_s8), Deeploy/Targets/Generic/Templates/ITAPartialMaxTemplate.py,
// ITAPartialMaxParser in Deeploy/Targets/Generic/Parsers.py (attributes
// group_width, n_levels); output unsigned (SoftmaxChecker). Per row of n
// columns, G = n / group_width full groups, W = group_width:
//   cmax_g   = max(-128, max_k x[g W + k])
//   runmax_g = max(runmax_{g-1}, cmax_g)                     (runmax_{-1} = -128)
//   expsum_g = sum_k 256 >> uint8((runmax_g - x[g W + k] + 16) >> 5)
//   sum_g    = (sum_{g-1} >> (cmax_g > runmax_{g-1} ? (cmax_g - runmax_{g-1} + 16) >> 5 : 0)) + expsum_g
//   inv      = (n_levels/2 - 1) * 256 / sum_{G-1}            (uint32)
//   y_j      = inv >> uint8((runmax_{G-1} - x_j + 16) >> 5)  (0 for shifts >= 32)
// Columns past G W are normalized but not summed, as in the kernel.
#include "halyard/dsl/data_ops.h"
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm itapartialmax(const ITAPartialMaxSpec &spec) {
    const std::string op = "itapartialmax";
    check_row_op(op, spec.shape);
    if (spec.n_levels < 4 || spec.n_levels > 256) {
        throw UserError(op + ": n_levels=" + std::to_string(spec.n_levels) + " is outside 4..256");
    }
    const Shape &shape = spec.shape;
    const int n = shape.back();
    const int W = spec.group_width;
    if (W < 1 || W > n) {
        throw UserError(op + ": group_width=" + std::to_string(W) + " must be in 1..last dimension " + std::to_string(n) +
                        " of x " + shape_str(shape));
    }
    const int G = n / W;
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("x", ElemType::Int8, shape));
    const ImageParam &X = a.inputs[0].param;
    AxisVars ax(shape.size());
    auto rows = ax.row_halide();
    std::vector<Expr> row_args(rows.begin(), rows.end());
    std::vector<std::string> group_loops = ax.row_names();
    group_loops.push_back("g");
    Shape row_shape(shape.begin(), shape.end() - 1);
    Shape group_shape = row_shape;
    group_shape.push_back(G);
    Var g("g");
    std::vector<Var> grow{g};
    grow.insert(grow.end(), rows.begin(), rows.end());
    auto at = [&](const Expr &gi) {
        std::vector<Expr> args{gi};
        args.insert(args.end(), row_args.begin(), row_args.end());
        return args;
    };
    auto xval = [&](const Expr &j) { return cast<int32_t>(X(ax.at_last(j))); };
    auto shift_of = [](const Expr &diff) { return cast<uint32_t>(cast<uint8_t>((diff + 16) >> 5)); };
    auto pow_shift = [](const Expr &base, const Expr &s) {
        return select(s >= cast<uint32_t>(32), cast<uint32_t>(0), base >> min(s, cast<uint32_t>(31)));
    };

    Func cmax("cmax");
    RDom rk(0, W, "k");
    cmax(grow) = cast<int32_t>(-128);
    cmax(at(g)) = max(cmax(at(g)), xval(g * W + rk.x));

    Func runmax("runmax");
    runmax(grow) = cmax(at(g));
    if (G > 1) {
        RDom rg(1, G - 1, "h");
        runmax(at(rg.x)) = max(runmax(at(rg.x - 1)), runmax(at(rg.x)));
        a.stages.push_back(make_stage("cmax", cmax, group_loops, group_shape, "k", rk, W));
        a.stages.push_back(make_stage("runmax", runmax, group_loops, group_shape, "h", rg, G - 1));
    } else {
        a.stages.push_back(make_stage("cmax", cmax, group_loops, group_shape, "k", rk, W));
        a.stages.push_back(make_stage("runmax", runmax, group_loops, group_shape));
    }

    Func expsum("expsum");
    RDom re(0, W, "k");
    expsum(grow) = cast<uint32_t>(0);
    expsum(at(g)) = expsum(at(g)) + pow_shift(cast<uint32_t>(256), shift_of(runmax(at(g)) - xval(g * W + re.x)));
    a.stages.push_back(make_stage("expsum", expsum, group_loops, group_shape, "k", re, W));

    Func sum("sum");
    RDom rs(0, G, "g");
    Expr prev = select(rs.x == 0, -128, runmax(at(max(rs.x - 1, 0))));
    Expr c = cmax(at(rs.x));
    Expr sshift = select(c > prev, cast<uint32_t>((c - prev + 16) >> 5), cast<uint32_t>(0));
    sum(rows) = cast<uint32_t>(0);
    sum(row_args) = pow_shift(sum(row_args), sshift) + expsum(at(rs.x));
    a.stages.push_back(make_stage("sum", sum, ax.row_names(), row_shape, "g", rs, G));

    Func y("Y");
    Expr inv = cast<uint32_t>((int32_t)(spec.n_levels / 2 - 1) * 256) / sum(row_args);
    Expr gmax = runmax(at(G - 1));
    y(ax.halide()) = cast<uint8_t>(pow_shift(inv, shift_of(gmax - xval(ax.vars.back()))));
    a.output = {"Y", ElemType::UInt8, shape};
    fix_output_shape(y, shape);
    a.stages.push_back(make_stage("Y", y, ax.names, shape));
    return a;
}

}  // namespace halyard
