// ONNX node -> reference op dispatch, with Deeploy's attribute conventions.
#include "halyard_ref/graph_runner.h"
#include "halyard_ref/transformer_ext.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace halyard_ref {

using halyard::io::OnnxGraph;
using halyard::io::OnnxNode;

Tensor to_tensor(const halyard::io::NpyArray &a) { return Tensor(a.shape, a.to_int64()); }

Tensor to_tensor(const halyard::io::OnnxTensor &t) {
    if (!t.integral)
        throw Unsupported("tensor '" + t.name + "' (" + t.describe() + ") holds non-integer values");
    return Tensor(t.shape, t.values);
}

namespace {

const Tensor &input(const OnnxNode &n, const std::map<std::string, Tensor> &values, size_t i) {
    if (i >= n.inputs.size() || n.inputs[i].empty())
        throw std::invalid_argument(n.label() + ": missing input " + std::to_string(i));
    auto it = values.find(n.inputs[i]);
    if (it == values.end()) throw std::invalid_argument(n.label() + ": no value for input '" + n.inputs[i] + "'");
    return it->second;
}

bool has_input(const OnnxNode &n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

// RequantShift attributes as Deeploy's RQSParserInterface reads them:
// div (power of two; stored as a tensor or a number), n_levels or n_levels_out,
// signed. mul/add come from the given inputs.
RequantParams rq_params(const OnnxNode &n, const Tensor &mul, const Tensor &add) {
    RequantParams rq;
    rq.mul = mul;
    rq.add = add;
    rq.log2D = log2_exact(n.attr_int("div"), n.label());
    if (n.has_attr("n_levels")) rq.n_levels = n.attr_int("n_levels");
    else rq.n_levels = n.attr_int("n_levels_out");
    rq.is_signed = n.attr_int("signed") != 0;
    rq.rounding = true;
    return rq;
}

// One requantizer of Deeploy's RequantizedAdd (AddRequantMergePass): attributes
// <prefix>_mul, <prefix>_add (rounding already folded in: add + div/2),
// <prefix>_shift or <prefix>_div, <prefix>_signed, <prefix>_n_levels[_out].
// The fused kernel shifts without rounding and clips every stage to int8.
RequantParams rq_add_params(const OnnxNode &n, const std::string &prefix) {
    RequantParams rq;
    rq.mul = Tensor({}, std::vector<int64_t>{n.attr_int(prefix + "_mul", 1)});
    rq.add = Tensor({}, std::vector<int64_t>{n.attr_int(prefix + "_add", 0)});
    if (n.has_attr(prefix + "_shift")) rq.log2D = n.attr_int(prefix + "_shift");
    else rq.log2D = log2_exact(n.attr_int(prefix + "_div", 1), n.label());
    rq.n_levels = 256;
    rq.is_signed = true;
    rq.rounding = false;
    return rq;
}

// Requantization step of Deeploy's fused RQ* kernels (RQiHardswish, RQGELU,
// RQDiv): clip_s8(((y * mul + add) + 2^(shift-1)) >> shift).
Tensor fused_requant(const Tensor &y, int64_t mul, int64_t add, int64_t shift) {
    RequantParams rq;
    rq.mul = Tensor({}, std::vector<int64_t>{mul});
    rq.add = Tensor({}, std::vector<int64_t>{add});
    rq.log2D = shift;
    rq.n_levels = 256;
    rq.is_signed = true;
    rq.rounding = true;
    return requant_shift(y, rq);
}

int64_t scalar(const OnnxNode &n, const Tensor &t, const std::string &what) {
    if (t.size() != 1) throw Unsupported(n.label() + ": " + what + " must be a scalar, got " + t.shape_str());
    return t.data[0];
}

// An integer-list parameter that newer opsets pass as input `i` (a constant)
// and older ones as attribute `attr` (ints, or a single int); `dflt` if neither.
std::vector<int64_t> list_param(const OnnxNode &n, const std::map<std::string, Tensor> &values, size_t i,
                                const std::string &attr, const std::vector<int64_t> &dflt = {}) {
    if (has_input(n, i)) return input(n, values, i).data;
    const auto *a = n.find_attr(attr);
    if (!a) return dflt;
    if (a->kind == halyard::io::AttrKind::Int) return {a->i};
    if (a->kind == halyard::io::AttrKind::Tensor && a->tensor) return a->tensor->values;
    return n.attr_ints(attr);
}

// ONNX Squeeze / Unsqueeze / Flatten as pure reshapes.
Tensor squeeze(const OnnxNode &n, const Tensor &x, std::vector<int64_t> axes) {
    const int64_t r = x.rank();
    std::vector<bool> drop(size_t(r), false);
    if (axes.empty()) {
        for (int64_t d = 0; d < r; ++d) drop[size_t(d)] = x.shape[size_t(d)] == 1;
    }
    for (int64_t a : axes) {
        const int64_t d = a < 0 ? a + r : a;
        if (d < 0 || d >= r || x.shape[size_t(d)] != 1)
            throw std::invalid_argument(n.label() + ": cannot squeeze axis " + std::to_string(a) + " of " + x.shape_str());
        drop[size_t(d)] = true;
    }
    std::vector<int64_t> s;
    for (int64_t d = 0; d < r; ++d)
        if (!drop[size_t(d)]) s.push_back(x.shape[size_t(d)]);
    return Tensor(s, x.data);
}

Tensor unsqueeze(const OnnxNode &n, const Tensor &x, const std::vector<int64_t> &axes) {
    const int64_t r = x.rank() + int64_t(axes.size());
    std::vector<bool> ins(size_t(r), false);
    for (int64_t a : axes) {
        const int64_t d = a < 0 ? a + r : a;
        if (d < 0 || d >= r || ins[size_t(d)])
            throw std::invalid_argument(n.label() + ": bad unsqueeze axis " + std::to_string(a) + " for " + x.shape_str());
        ins[size_t(d)] = true;
    }
    std::vector<int64_t> s;
    for (int64_t d = 0, k = 0; d < r; ++d) s.push_back(ins[size_t(d)] ? 1 : x.shape[size_t(k++)]);
    return Tensor(s, x.data);
}

Tensor flatten(const OnnxNode &n, const Tensor &x) {
    int64_t axis = n.attr_int("axis", 1);
    if (axis < 0) axis += x.rank();
    if (axis < 0 || axis > x.rank()) throw std::invalid_argument(n.label() + ": bad flatten axis for " + x.shape_str());
    int64_t a = 1, b = 1;
    for (int64_t d = 0; d < x.rank(); ++d) (d < axis ? a : b) *= x.shape[size_t(d)];
    return Tensor({a, b}, x.data);
}

// ONNX Pad: pads (input 1 or attribute), constant value (input 2 or the float
// attribute `value`), optional axes (input 3, opset 18); constant mode only.
Tensor pad_node(const OnnxNode &n, const std::map<std::string, Tensor> &values) {
    const Tensor &x = input(n, values, 0);
    const std::string mode = n.attr_string("mode", "constant");
    if (mode != "constant") throw Unsupported(n.label() + ": Pad mode '" + mode + "' is not modelled");
    std::vector<int64_t> pads = list_param(n, values, 1, "pads");
    int64_t value = 0;
    if (has_input(n, 2)) {
        value = scalar(n, input(n, values, 2), "constant_value");
    } else if (n.has_attr("value")) {
        const double v = n.attr_float("value");
        if (v != double(int64_t(v))) throw Unsupported(n.label() + ": non-integer pad value");
        value = int64_t(v);
    }
    if (has_input(n, 3)) {  // pads only for the listed axes
        const std::vector<int64_t> axes = input(n, values, 3).data;
        const int64_t r = x.rank();
        if (pads.size() != 2 * axes.size()) throw std::invalid_argument(n.label() + ": pads/axes length mismatch");
        std::vector<int64_t> full(size_t(2 * r), 0);
        for (size_t i = 0; i < axes.size(); ++i) {
            const int64_t d = axes[i] < 0 ? axes[i] + r : axes[i];
            full[size_t(d)] = pads[i];
            full[size_t(d + r)] = pads[i + axes.size()];
        }
        pads = full;
    }
    return pad(x, pads, value);
}

}  // namespace

void run_node(const OnnxGraph &g, const OnnxNode &n, std::map<std::string, Tensor> &values) {
    const std::string &op = n.op_type;
    auto out = [&](Tensor t, size_t k = 0) {
        if (k >= n.outputs.size()) throw std::invalid_argument(n.label() + ": missing output " + std::to_string(k));
        values[n.outputs[k]] = std::move(t);
    };
    if (op == "Constant") {
        out(to_tensor(n.attr_tensor("value")));
    } else if (op == "RequantShift") {
        const RequantParams rq = rq_params(n, input(n, values, 1), input(n, values, 2));
        out(requant_shift(input(n, values, 0), rq));
    } else if (op == "Gemm" || op == "RQGemm") {
        const auto alpha_f = n.attr_float("alpha", 1.0), beta_f = n.attr_float("beta", 1.0);
        if (alpha_f != int64_t(alpha_f) || beta_f != int64_t(beta_f))
            throw Unsupported(n.label() + ": non-integer alpha/beta");
        const Tensor *C = has_input(n, 2) ? &input(n, values, 2) : nullptr;
        RequantParams rq;
        const bool fused = op == "RQGemm";
        if (fused) rq = rq_params(n, input(n, values, 4), input(n, values, 3));  // inputs: A, B, C, add, mul
        out(gemm(input(n, values, 0), input(n, values, 1), C, int64_t(alpha_f), int64_t(beta_f),
                 n.attr_int("transA", 0) != 0, n.attr_int("transB", 0) != 0, fused ? &rq : nullptr));
    } else if (op == "MatMul" || op == "RQMatMul") {
        RequantParams rq;
        const bool fused = op == "RQMatMul";
        if (fused) rq = rq_params(n, input(n, values, 3), input(n, values, 2));  // inputs: A, B, add, mul
        out(matmul(input(n, values, 0), input(n, values, 1), fused ? &rq : nullptr));
    } else if (op == "Add") {
        out(add(input(n, values, 0), input(n, values, 1)));
    } else if (op == "RequantizedAdd") {
        const RequantParams r1 = rq_add_params(n, "rqs1"), r2 = rq_add_params(n, "rqs2"), ro = rq_add_params(n, "rqsOut");
        out(rq_add(input(n, values, 0), input(n, values, 1), &r1, &r2, &ro));
    } else if (op == "RequantizediHardswish") {
        const Tensor y = ihardswish(input(n, values, 0), n.attr_int("one_over_six"), n.attr_int("six"), n.attr_int("three"));
        out(fused_requant(y, n.attr_int("mul"), n.attr_int("add"), n.attr_int("shift")));
    } else if (op == "RequantizediGELU") {  // inputs: x, mul, add, shift
        const Tensor y = igelu(input(n, values, 0), n.attr_int("b"), n.attr_int("one"));
        out(fused_requant(y, scalar(n, input(n, values, 1), "mul"), scalar(n, input(n, values, 2), "add"),
                          scalar(n, input(n, values, 3), "shift")));
    } else if (op == "RQIntegerDiv") {  // inputs: A, B, mul, add, shift
        const Tensor y = integer_div(input(n, values, 0), input(n, values, 1), n.attr_int("Delta"), n.attr_int("eps"),
                                     n.attr_int("eta"));
        out(fused_requant(y, scalar(n, input(n, values, 2), "mul"), scalar(n, input(n, values, 3), "add"),
                          scalar(n, input(n, values, 4), "shift")));
    } else if (op == "Mul") {
        out(mul(input(n, values, 0), input(n, values, 1)));
    } else if (op == "Concat") {
        std::vector<Tensor> ins;
        for (size_t i = 0; i < n.inputs.size(); ++i) ins.push_back(input(n, values, i));
        out(concat(ins, n.attr_int("axis")));
    } else if (op == "Transpose") {
        out(transpose(input(n, values, 0), n.attr_ints("perm", {})));
    } else if (op == "Reshape") {
        out(reshape(input(n, values, 0), input(n, values, 1).data));
    } else if (op == "iSoftmax") {
        // Halyard's extensions: run-time lengths (input 1), and int16 scores,
        // recognized as Halyard's network compiler types them: from a
        // RequantShift producer with more than 256 levels.
        // (Through views: Reshape and the like keep their input's type.)
        bool int16_input = false;
        std::string t = n.inputs.at(0);
        for (bool walked = true; walked;) {
            walked = false;
            for (const auto &p : g.nodes) {
                if (p.outputs.size() != 1 || p.outputs[0] != t) continue;
                if (p.op_type == "RequantShift") {
                    const int64_t levels = p.has_attr("n_levels") ? p.attr_int("n_levels") : p.attr_int("n_levels_out", 256);
                    int16_input = levels > 256;
                } else if (p.op_type == "Reshape" || p.op_type == "Flatten" || p.op_type == "Squeeze" ||
                           p.op_type == "Unsqueeze" || p.op_type == "Identity") {
                    t = p.inputs.at(0);
                    walked = true;
                }
                break;
            }
        }
        out(isoftmax(input(n, values, 0), n.attr_int("coeffA"), n.attr_int("coeffB"), n.attr_int("coeffC"),
                     n.attr_int("log2"), n.attr_int("n_levels"), has_input(n, 1) ? &input(n, values, 1) : nullptr,
                     int16_input));
    } else if (op == "iSiLU") {
        out(isilu(input(n, values, 0), n.attr_int("b")));
    } else if (op == "RoPE") {
        out(rope(input(n, values, 0), input(n, values, 1), input(n, values, 2), input(n, values, 3),
                 n.attr_int("frac_bits", 14), n.attr_int("interleaved", 0) != 0));
    } else if (op == "ITAMax") {
        out(itamax(input(n, values, 0), n.attr_int("n_levels")));
    } else if (op == "ITAPartialMax") {
        out(itapartialmax(input(n, values, 0), n.attr_int("group_width"), n.attr_int("n_levels")));
    } else if (op == "iRMSNorm") {
        out(irmsnorm(input(n, values, 0), input(n, values, 1), log2_exact(n.attr_int("D"), n.label()),
                     n.attr_int("n_levels")));
    } else if (op == "iLayerNorm") {
        out(ilayernorm(input(n, values, 0), input(n, values, 1), input(n, values, 2),
                       log2_exact(n.attr_int("D"), n.label()), n.attr_int("n_levels")));
    } else if (op == "iGELU") {
        out(igelu(input(n, values, 0), n.attr_int("b"), n.attr_int("one")));
    } else if (op == "iHardswish") {
        out(ihardswish(input(n, values, 0), n.attr_int("one_over_six"), n.attr_int("six"), n.attr_int("three")));
    } else if (op == "TrueIntegerDiv") {
        out(true_integer_div(input(n, values, 0), n.attr_int("y"), n.attr_int("Delta"), n.attr_int("eps"),
                             n.attr_int("eta")));
    } else if (op == "IntegerDiv") {
        out(integer_div(input(n, values, 0), input(n, values, 1), n.attr_int("Delta"), n.attr_int("eps"),
                        n.attr_int("eta")));
    } else if (op == "Sub") {
        out(sub(input(n, values, 0), input(n, values, 1)));
    } else if (op == "ReduceSum" || op == "ReduceMean" || op == "IntegerMean") {
        // axes: input 1 (ReduceSum-13, ReduceMean-18) or attribute; keepdims default 1.
        const std::vector<int64_t> axes = list_param(n, values, 1, "axes");
        const bool keepdims = n.attr_int("keepdims", 1) != 0;
        if (axes.empty() && n.attr_int("noop_with_empty_axes", 0) != 0) {
            out(input(n, values, 0));
        } else if (op == "ReduceSum") {
            out(reduce_sum(input(n, values, 0), axes, keepdims));
        } else {
            out(reduce_mean(input(n, values, 0), axes, keepdims));
        }
    } else if (op == "Slice") {
        // opset >= 10: inputs (data, starts, ends, axes?, steps?); before: attributes.
        const std::vector<int64_t> starts = list_param(n, values, 1, "starts"), ends = list_param(n, values, 2, "ends");
        out(slice(input(n, values, 0), starts, ends, list_param(n, values, 3, "axes"), list_param(n, values, 4, "steps")));
    } else if (op == "Pad") {
        out(pad_node(n, values));
    } else if (op == "Gather") {
        out(gather(input(n, values, 0), input(n, values, 1), n.attr_int("axis", 0)));
    } else if (op == "Identity") {
        out(input(n, values, 0));
    } else if (op == "Squeeze") {
        out(squeeze(n, input(n, values, 0), list_param(n, values, 1, "axes")));
    } else if (op == "Unsqueeze") {
        out(unsqueeze(n, input(n, values, 0), list_param(n, values, 1, "axes")));
    } else if (op == "Flatten") {
        out(flatten(n, input(n, values, 0)));
    } else if (op == "iNoNorm") {
        out(inonorm(input(n, values, 0), input(n, values, 1), input(n, values, 2), n.attr_int("mul"),
                    log2_exact(n.attr_int("D"), n.label()), n.attr_int("n_levels")));
    } else {
        throw Unsupported(n.label() + ": op '" + op + "' is not modelled by the reference");
    }
}

namespace {
// Deeploy's MergeTrueIntegerDivRequantShiftPass, as a lookup: for each
// RequantShift node index that absorbs a TrueIntegerDiv, the TrueIntegerDiv
// node index. Conditions as in Deeploy: the RequantShift directly consumes the
// TrueIntegerDiv output, its mul and add are constant scalars, add == 0.
std::map<size_t, size_t> true_integer_div_merges(const OnnxGraph &g) {
    std::map<size_t, size_t> merges;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const OnnxNode &div = g.nodes[i];
        if (div.op_type != "TrueIntegerDiv" || div.outputs.size() != 1) continue;
        std::vector<size_t> consumers;
        for (size_t j = 0; j < g.nodes.size(); ++j)
            for (const auto &in : g.nodes[j].inputs)
                if (in == div.outputs[0]) consumers.push_back(j);
        bool is_graph_output = false;
        for (const auto &o : g.outputs) is_graph_output |= o.name == div.outputs[0];
        if (consumers.size() != 1 || is_graph_output) continue;
        const OnnxNode &rq = g.nodes[consumers[0]];
        if (rq.op_type != "RequantShift" || rq.inputs.size() != 3 || rq.inputs[0] != div.outputs[0]) continue;
        if (!g.is_initializer(rq.inputs[1]) || !g.is_initializer(rq.inputs[2])) continue;
        const auto &mul = g.initializer(rq.inputs[1]), &add = g.initializer(rq.inputs[2]);
        if (mul.num_elements() != 1 || add.num_elements() != 1 || add.fvalues[0] != 0.0) continue;
        merges[consumers[0]] = i;
    }
    return merges;
}

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}
}  // namespace

std::map<std::string, Tensor> run_graph(const OnnxGraph &g, const std::map<std::string, Tensor> &inputs,
                                        const RunOptions &opts) {
    std::map<std::string, Tensor> values;
    for (const auto &kv : g.initializers) {
        if (kv.second.integral) values[kv.first] = to_tensor(kv.second);
    }
    for (const auto &kv : inputs) values[kv.first] = kv.second;
    std::map<size_t, size_t> merges;
    if (opts.deeploy_rewrites) merges = true_integer_div_merges(g);
    std::set<size_t> absorbed;
    for (const auto &kv : merges) absorbed.insert(kv.second);

    for (size_t k = 0; k < g.nodes.size(); ++k) {
        const OnnxNode &n = g.nodes[k];
        if (absorbed.count(k)) continue;
        auto m = merges.find(k);
        if (m != merges.end()) {
            const OnnxNode &div = g.nodes[m->second];
            const int64_t Delta = div.attr_int("Delta"), eta = div.attr_int("eta"), eps = div.attr_int("eps"),
                          y = div.attr_int("y");
            const int64_t stretch = 256;
            const int64_t coeff = floor_div(Delta * eta, y * eta + eps) * stretch;
            RequantParams rq = rq_params(n, values.at(n.inputs[1]), values.at(n.inputs[2]));
            for (auto &v : rq.mul.data) v *= coeff;
            rq.log2D += 8;  // div * 256
            const auto it = values.find(div.inputs.at(0));
            if (it == values.end()) throw std::invalid_argument(div.label() + ": no value for input");
            values[n.outputs.at(0)] = requant_shift(it->second, rq);
            continue;
        }
        for (const auto &in : n.inputs)
            if (!in.empty() && !values.count(in)) {
                if (g.is_initializer(in)) to_tensor(g.initializer(in));  // throws Unsupported with the reason
                throw std::invalid_argument(n.label() + ": no value for input '" + in + "'");
            }
        run_node(g, n, values);
    }
    return values;
}

std::map<std::string, Tensor> bind_inputs(const OnnxGraph &g, const halyard::io::NpzFile &npz) {
    std::vector<std::string> names;
    for (const auto &v : g.inputs) names.push_back(v.name);
    if (npz.arrays.size() != names.size()) {
        if (npz.arrays.size() == g.declared_inputs.size()) {
            names = g.declared_inputs;
        } else if (npz.arrays.size() > names.size()) {
            // Deeploy's older kernel tests also store constant operands (e.g. the
            // GEMM weight) in inputs.npz, after the real inputs, in the order the
            // nodes first use them.
            std::vector<std::string> inits;
            for (const auto &n : g.nodes)
                for (const auto &in : n.inputs)
                    if (g.is_initializer(in) && std::find(inits.begin(), inits.end(), in) == inits.end())
                        inits.push_back(in);
            for (size_t k = 0; names.size() < npz.arrays.size() && k < inits.size(); ++k) names.push_back(inits[k]);
        }
        if (npz.arrays.size() != names.size())
            throw std::invalid_argument(npz.path + ": " + std::to_string(npz.arrays.size()) + " arrays for " +
                                        std::to_string(g.inputs.size()) + " graph inputs");
    }
    std::map<std::string, Tensor> out;
    for (size_t i = 0; i < names.size(); ++i) {
        Tensor t = to_tensor(npz.arrays[i]);
        // Prefer the graph's declared shape when the element counts agree.
        std::vector<int64_t> shape;
        if (const auto *vi = g.find_value_info(names[i])) shape = vi->shape;
        else if (g.is_initializer(names[i])) shape = g.initializer(names[i]).shape;
        int64_t n = 1;
        bool known = !shape.empty();
        for (int64_t d : shape) {
            if (d < 0) known = false;
            n *= d;
        }
        if (known && n == t.size()) t.shape = shape;
        else if (known)
            throw std::invalid_argument(npz.path + ": array " + std::to_string(i) + " '" + npz.arrays[i].name + "' " +
                                        t.shape_str() + " does not fit graph input '" + names[i] + "'");
        if (g.is_initializer(names[i]) && std::getenv("HALYARD_REF_VERBOSE")) {
            const auto &init = g.initializer(names[i]);
            std::fprintf(stderr, "[bind] npz array %zu '%s' replaces initializer '%s' (%s): values %s\n", i,
                         npz.arrays[i].name.c_str(), names[i].c_str(), init.describe().c_str(),
                         init.values == t.data ? "identical" : "DIFFERENT");
        }
        out[names[i]] = std::move(t);
    }
    return out;
}

}  // namespace halyard_ref
