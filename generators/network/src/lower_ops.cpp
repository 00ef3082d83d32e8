// ONNX node -> Halyard generator family: attributes read as Deeploy's parsers
// read them (Deeploy/Targets/Generic/Parsers.py), element types from the
// producers (TypeCheckers.py), fused epilogues from the rewrites.
#include "lower_ops.h"

#include "halyard/dsl/transformer_ops.h"

#include <algorithm>
#include <numeric>

namespace halyard::network {

using frontend::GraphNode;

std::string shape_param(const std::vector<int64_t> &s) {
    std::string out;
    for (auto d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
    return out.empty() ? "1" : out;
}

const std::vector<int64_t> &LowerContext::shape(const std::string &t) const {
    const auto &x = graph.tensor(t);
    if (!x.shape_known) throw std::logic_error("internal: shape of '" + t + "' used before it was inferred");
    return x.shape;
}

ElemType LowerContext::type(const std::string &t, bool allow_unsigned) const {
    const auto &x = graph.tensor(t);
    if (x.role != frontend::TensorRole::Constant) {
        auto it = types.find(t);
        if (it == types.end()) throw std::logic_error("internal: type of '" + t + "' used before it was inferred");
        return it->second;
    }
    int64_t lo = 0, hi = 0;
    for (auto v : x.values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    return narrowest_elem_type(lo, hi, allow_unsigned);
}

const std::vector<int64_t> &LowerContext::values(const std::string &t) const {
    const auto &x = graph.tensor(t);
    if (x.role != frontend::TensorRole::Constant) {
        throw UserError(graph.path + ": tensor '" + t + "' must be a constant (initializer) here");
    }
    return x.values;
}

int64_t LowerContext::scalar(const GraphNode &n, const std::string &t, const std::string &what) const {
    const auto &v = values(t);
    if (v.size() != 1) {
        throw UserError(graph.path + ": " + n.label() + ": " + what + " '" + t + "' must be a scalar, has shape " +
                        graph.tensor(t).shape_str());
    }
    return v[0];
}

std::string LowerContext::add_constant(const std::string &name, std::vector<int64_t> shape,
                                       std::vector<int64_t> values) {
    frontend::GraphTensor t;
    t.name = name;
    t.role = frontend::TensorRole::Constant;
    t.shape = std::move(shape);
    t.shape_known = true;
    t.values = std::move(values);
    graph.tensors[name] = t;
    return name;
}

namespace {

[[noreturn]] void bad(const LowerContext &c, const GraphNode &n, const std::string &why) {
    throw UserError(c.graph.path + ": " + n.label() + ": " + why);
}

const std::string &in(const LowerContext &c, const GraphNode &n, size_t k) {
    if (k >= n.inputs.size() || n.inputs[k].empty()) bad(c, n, "missing input " + std::to_string(k));
    return n.inputs[k];
}

int64_t log2_exact(const LowerContext &c, const GraphNode &n, int64_t v, const std::string &attr) {
    if (v <= 0 || (v & (v - 1)) != 0) {
        bad(c, n, "attribute " + attr + "=" + std::to_string(v) + " must be a positive power of two");
    }
    int64_t l = 0;
    while ((int64_t(1) << l) < v) l++;
    return l;
}

// mul/add of a requantization, as the families take them: "1" per tensor,
// "N" per output channel, otherwise the tensor's own shape.
std::string requant_shape(const LowerContext &c, const std::string &t, int64_t last_dim) {
    const auto &x = c.graph.tensor(t);
    if (x.num_elements() == 1) return "1";
    if (x.num_elements() == last_dim && !x.shape.empty() && x.shape.back() == last_dim) return std::to_string(last_dim);
    return shape_param(x.shape);
}

// The family's requantization parameters and inputs, named after `prefix`
// (requant_params(prefix)).
void add_requant(const LowerContext &c, const GraphNode &n, Lowered &l, const frontend::FusedRequant &rq,
                 int64_t last_dim, const std::string &prefix = "") {
    l.params[prefix + "requant"] = "1";
    l.params[prefix + "log2d"] = std::to_string(log2_exact(c, n, rq.div, "div of " + rq.from));
    l.params[prefix + "n_levels"] = std::to_string(rq.n_levels);
    l.params[prefix + "signed"] = rq.is_signed ? "1" : "0";
    l.params[prefix + "mul_shape"] = requant_shape(c, rq.mul, last_dim);
    l.params[prefix + "add_shape"] = requant_shape(c, rq.add, last_dim);
    l.args[prefix + "mul"] = rq.mul;
    l.args[prefix + "add"] = rq.add;
    l.op += "+" + prefix + "requant";
}

void fused_requant(const LowerContext &c, const GraphNode &n, Lowered &l, int64_t last_dim,
                   const std::string &prefix = "") {
    if (n.requant) add_requant(c, n, l, *n.requant, last_dim, prefix);
}

std::string t(ElemType e) { return elem_type_name(e); }

std::string int_attr(const GraphNode &n, const std::string &k) { return std::to_string(n.attr_int(k)); }

Lowered lower_gemm(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "gemm";
    l.op = "Gemm";
    const std::string &A = in(c, n, 0), &B = in(c, n, 1);
    const auto &as = c.shape(A), &bs = c.shape(B);
    if (as.size() != 2 || bs.size() != 2) {
        bad(c, n, "Gemm takes 2-D A and B, got A " + c.graph.tensor(A).shape_str() + " and B " +
                      c.graph.tensor(B).shape_str());
    }
    const bool ta = n.attr_int("transA", 0), tb = n.attr_int("transB", 0);
    const double alpha = n.attr_float("alpha", 1.0), beta = n.attr_float("beta", 1.0);
    if (alpha != (int64_t)alpha || beta != (int64_t)beta) {
        bad(c, n, "alpha=" + std::to_string(alpha) + " / beta=" + std::to_string(beta) + " must be integers");
    }
    l.params["trans_a"] = ta ? "1" : "0";
    l.params["trans_b"] = tb ? "1" : "0";
    l.params["M"] = std::to_string(ta ? as[1] : as[0]);
    l.params["K"] = std::to_string(ta ? as[0] : as[1]);
    const int64_t N = tb ? bs[0] : bs[1];
    l.params["N"] = std::to_string(N);
    l.params["alpha"] = std::to_string((int64_t)alpha);
    l.params["beta"] = std::to_string((int64_t)beta);
    l.params["a_type"] = t(c.type(A));
    l.params["b_type"] = t(c.type(B));
    l.args["A"] = A;
    l.args["B"] = B;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        l.params["bias"] = shape_param(c.shape(n.inputs[2]));
        l.args["C"] = n.inputs[2];
    }
    fused_requant(c, n, l, N);
    return l;
}

// MatMul: with a constant 2-D weight, a GEMM over the flattened rows of A with
// the weight stored transposed ([N, K], what the dot-product kernels read) and
// an optional fused bias; otherwise the batched matmul family.
Lowered lower_matmul(const GraphNode &n, LowerContext &c) {
    Lowered l;
    const std::string &A = in(c, n, 0), &B = in(c, n, 1);
    const auto as = c.shape(A), bs = c.shape(B);
    const bool trans_b = n.attr_int("halyard_trans_b", 0) != 0;
    if (as.empty() || bs.size() < 2) {
        bad(c, n, "MatMul of A " + c.graph.tensor(A).shape_str() + " and B " + c.graph.tensor(B).shape_str() +
                      " (1-D operands are not supported)");
    }
    const int64_t K = as.back();
    const int64_t Kb = trans_b ? bs.back() : bs[bs.size() - 2];
    const int64_t N = trans_b ? bs[bs.size() - 2] : bs.back();
    if (K != Kb) {
        bad(c, n, "inner dimensions differ: A " + c.graph.tensor(A).shape_str() + " x B " +
                      c.graph.tensor(B).shape_str() + (trans_b ? " (B transposed)" : ""));
    }
    const bool weight = c.graph.is_constant(B) && bs.size() == 2 && !trans_b;
    if (weight) {
        const int64_t M = std::accumulate(as.begin(), as.end() - 1, int64_t(1), std::multiplies<int64_t>());
        const auto &w = c.values(B);
        std::vector<int64_t> wt(w.size());
        for (int64_t k = 0; k < K; k++)
            for (int64_t j = 0; j < N; j++) wt[j * K + k] = w[k * N + j];
        const std::string Bt = c.graph.has_tensor(B + "__nk") ? B + "__nk" : c.add_constant(B + "__nk", {N, K}, wt);
        l.family = "gemm";
        l.op = "MatMul";
        l.params = {{"M", std::to_string(M)}, {"K", std::to_string(K)}, {"N", std::to_string(N)},
                    {"trans_b", "1"},        {"a_type", t(c.type(A))}, {"b_type", t(c.type(Bt))}};
        l.args = {{"A", A}, {"B", Bt}};
        if (!n.bias.empty()) {
            l.params["bias"] = c.graph.tensor(n.bias).num_elements() == 1 ? "1" : std::to_string(N);
            l.args["C"] = n.bias;
            l.op += "+bias";
        }
        l.out_shape.assign(as.begin(), as.end() - 1);
        l.out_shape.push_back(N);
        fused_requant(c, n, l, N);
        return l;
    }
    if (!n.bias.empty()) throw std::logic_error("internal: fuse_bias on a MatMul without a constant 2-D weight");
    l.family = "matmul";
    l.op = trans_b ? "MatMul(B^T)" : "MatMul";
    l.params = {{"a_shape", shape_param(as)},
                {"b_shape", shape_param(bs)},
                {"trans_b", trans_b ? "1" : "0"},
                {"a_type", t(c.type(A))},
                {"b_type", t(c.type(B))}};
    l.args = {{"A", A}, {"B", B}};
    fused_requant(c, n, l, N);
    return l;
}

// Elementwise binary ops with numpy broadcasting: add, mul (sub).
OpLowering binary(const std::string &family, const std::string &op) {
    return [family, op](const GraphNode &n, LowerContext &c) {
        Lowered l;
        l.family = family;
        l.op = op;
        const std::string &A = in(c, n, 0), &B = in(c, n, 1);
        l.params = {{"a_shape", shape_param(c.shape(A))},
                    {"b_shape", shape_param(c.shape(B))},
                    {"a_type", t(c.type(A))},
                    {"b_type", t(c.type(B))}};
        l.args = {{"A", A}, {"B", B}};
        const auto &as = c.shape(A), &bs = c.shape(B);
        const int64_t last = std::max(as.empty() ? 1 : as.back(), bs.empty() ? 1 : bs.back());
        // RequantShifts of the operands fused by fuse_operand_requant (Add only).
        for (const auto &[k, rq] : n.operand_requant) {
            if (family != "add" || k > 1) throw std::logic_error("internal: operand requant on " + n.label());
            const auto &s = k == 0 ? as : bs;
            add_requant(c, n, l, rq, s.empty() ? 1 : s.back(), k == 0 ? "a_" : "b_");
        }
        fused_requant(c, n, l, last);
        return l;
    };
}

Lowered view(const GraphNode &n, LowerContext &c, std::vector<int64_t> shape);

// A RequantShift with mul == div, add == 0 on an input whose type is its
// output type computes (x * 2^k + 2^(k-1)) >> k = x for every integer x:
// Deeploy's graphs put such rescales on the KV caches. It moves no data.
bool is_identity_requant(const GraphNode &n, const LowerContext &c) {
    const std::string &x = n.inputs.at(0), &mul = n.inputs.at(1), &add = n.inputs.at(2);
    if (!c.graph.is_constant(mul) || !c.graph.is_constant(add) || c.graph.is_constant(x)) return false;
    const int64_t div = n.attr_int("div");
    const int64_t levels = n.has_attr("n_levels") ? n.attr_int("n_levels") : n.attr_int("n_levels_out");
    const bool is_signed = n.attr_int("signed") != 0;
    const ElemType in_type = c.type(x);
    const ElemType out_type = levels == 256 ? (is_signed ? ElemType::Int8 : ElemType::UInt8) : ElemType::Int32;
    if (levels != 256 || in_type != out_type || div <= 0 || (div & (div - 1)) != 0) return false;
    for (auto v : c.values(mul))
        if (v != div) return false;
    for (auto v : c.values(add))
        if (v != 0) return false;
    return true;
}

Lowered lower_requant_shift(const GraphNode &n, LowerContext &c) {
    if (n.inputs.size() == 3 && c.fold_identities && is_identity_requant(n, c)) {
        Lowered v = view(n, c, c.shape(n.inputs[0]));
        v.op = "RequantShift (identity: mul == div, add 0)";
        return v;
    }
    Lowered l;
    l.family = "requant_shift";
    l.op = "RequantShift";
    const std::string &x = in(c, n, 0);
    l.params = {{"shape", shape_param(c.shape(x))}, {"in_type", t(c.type(x))}};
    l.args = {{"x", x}};
    frontend::FusedRequant rq;
    rq.mul = in(c, n, 1);
    rq.add = in(c, n, 2);
    rq.div = n.attr_int("div");
    rq.n_levels = n.has_attr("n_levels") ? n.attr_int("n_levels") : n.attr_int("n_levels_out");
    rq.is_signed = n.attr_int("signed") != 0;
    rq.from = n.label();
    const auto &s = c.shape(x);
    add_requant(c, n, l, rq, s.empty() ? 1 : s.back());
    l.params.erase("requant");
    l.op = "RequantShift";
    return l;
}

Lowered unary(const GraphNode &n, LowerContext &c, const std::string &family, const std::string &op,
              const std::vector<std::string> &int_attrs, bool with_in_type, const std::string &requant_prefix = "") {
    Lowered l;
    l.family = family;
    l.op = op;
    const std::string &x = in(c, n, 0);
    l.params["shape"] = shape_param(c.shape(x));
    if (with_in_type) l.params["in_type"] = t(c.type(x));
    for (const auto &k : int_attrs) l.params[k] = int_attr(n, k);
    l.args["x"] = x;
    const auto &s = c.shape(x);
    fused_requant(c, n, l, s.empty() ? 1 : s.back(), requant_prefix);
    return l;
}

Lowered lower_norm(const GraphNode &n, LowerContext &c) {
    const bool layer = n.op_type == "iLayerNorm";
    Lowered l = unary(n, c, layer ? "ilayernorm" : "irmsnorm", n.op_type, {"n_levels"}, false);
    l.params["log2d"] = std::to_string(log2_exact(c, n, n.attr_int("D"), "D"));
    l.params["weight_type"] = t(c.type(in(c, n, 1), false));
    l.args["weight"] = in(c, n, 1);
    if (layer) {
        l.params["bias_type"] = t(c.type(in(c, n, 2), false));
        l.args["bias"] = in(c, n, 2);
    }
    return l;
}

Lowered lower_inonorm(const GraphNode &n, LowerContext &c) {
    Lowered l = unary(n, c, "inonorm", "iNoNorm", {"mul", "n_levels"}, true);
    l.params["log2d"] = std::to_string(log2_exact(c, n, n.attr_int("D"), "D"));
    const std::string &w = in(c, n, 1), &b = in(c, n, 2);
    l.params["weight_shape"] = shape_param(c.shape(w));
    l.params["bias_shape"] = shape_param(c.shape(b));
    l.params["weight_type"] = t(c.type(w));
    l.params["bias_type"] = t(c.type(b, false));
    l.args["weight"] = w;
    l.args["bias"] = b;
    return l;
}

Lowered lower_concat(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "concat";
    l.op = "Concat";
    std::string shapes;
    // One element type for all inputs: the narrowest holding every input's
    // range (int8 with uint8 needs int16).
    int64_t lo = 0, hi = 0;
    for (size_t k = 0; k < n.inputs.size(); k++) {
        const std::string &x = in(c, n, k);
        shapes += (k ? "+" : "") + shape_param(c.shape(x));
        const ElemType e = c.type(x);
        lo = std::min(lo, elem_min(e));
        hi = std::max(hi, elem_max(e));
        l.args["X" + std::to_string(k)] = x;
    }
    const ElemType e = narrowest_elem_type(lo, hi);
    l.params = {{"shapes", shapes}, {"axis", int_attr(n, "axis")}, {"type", t(e)}};
    return l;
}

// A Transpose that moves only axes of extent 1 ([1, 1, 16, 4] -> [1, 16, 1,
// 4], a decode step's heads) keeps every element at its offset: the axes of
// other extents stay in their order. It moves no data.
bool is_layout_identity(const std::vector<int64_t> &shape, const std::vector<int64_t> &perm) {
    int64_t last = -1;
    for (int64_t p : perm) {
        if (p < 0 || p >= (int64_t)shape.size()) return false;
        if (shape[p] == 1) continue;
        if (p < last) return false;
        last = p;
    }
    return true;
}

Lowered lower_transpose(const GraphNode &n, LowerContext &c) {
    if (c.fold_identities) {
        const auto &shape = c.shape(n.inputs.at(0));
        std::vector<int64_t> perm = n.attr_ints("perm", {});
        if (perm.empty()) {
            for (int64_t d = (int64_t)shape.size() - 1; d >= 0; d--) perm.push_back(d);
        }
        if (perm.size() == shape.size() && is_layout_identity(shape, perm)) {
            std::vector<int64_t> out;
            for (int64_t p : perm) out.push_back(shape[p]);
            Lowered v = view(n, c, out);
            v.op = "Transpose (of axes of extent 1 only)";
            return v;
        }
    }
    Lowered l;
    l.family = "transpose";
    l.op = "Transpose";
    const std::string &x = in(c, n, 0);
    std::string perm;
    for (auto a : n.attr_ints("perm", {})) perm += (perm.empty() ? "" : ",") + std::to_string(a);
    l.params = {{"shape", shape_param(c.shape(x))}, {"perm", perm.empty() ? "default" : perm}, {"type", t(c.type(x))}};
    l.args = {{"X", x}};
    return l;
}

Lowered lower_true_integer_div(const GraphNode &n, LowerContext &c) {
    return unary(n, c, "true_integer_div", "TrueIntegerDiv", {"y", "Delta", "eps", "eta"}, true);
}

// ---- views: the output is the input's bytes with another shape ----

Lowered view(const GraphNode &n, LowerContext &c, std::vector<int64_t> shape) {
    Lowered l;
    l.is_view = true;
    l.view_of = in(c, n, 0);
    l.op = n.op_type;
    int64_t count = 1;
    for (auto d : shape) count *= d;
    if (count != c.graph.tensor(l.view_of).num_elements()) {
        bad(c, n, "output shape " + shape_param(shape) + " does not hold the " +
                      std::to_string(c.graph.tensor(l.view_of).num_elements()) + " elements of input '" + l.view_of +
                      "' " + c.graph.tensor(l.view_of).shape_str());
    }
    l.out_shape = shape;
    return l;
}

// Axes from the attribute (older opsets) or the second input (newer ones).
std::vector<int64_t> axes_of(const GraphNode &n, LowerContext &c, int64_t rank) {
    std::vector<int64_t> axes;
    if (n.has_attr("axes")) axes = n.attr_ints("axes");
    else if (n.inputs.size() > 1 && !n.inputs[1].empty()) axes = c.values(n.inputs[1]);
    for (auto &a : axes) {
        if (a < -rank || a >= rank) bad(c, n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
        if (a < 0) a += rank;
    }
    return axes;
}

Lowered lower_reshape(const GraphNode &n, LowerContext &c) {
    const auto &src = c.shape(in(c, n, 0));
    const auto &spec = c.values(in(c, n, 1));
    std::vector<int64_t> out;
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < spec.size(); i++) {
        int64_t d = spec[i];
        if (d == 0 && !n.attr_int("allowzero", 0)) {
            if (i >= src.size()) bad(c, n, "shape entry 0 at axis " + std::to_string(i) + " copies a missing input axis");
            d = src[i];
        }
        if (d == -1) {
            if (infer >= 0) bad(c, n, "shape " + shape_param(spec) + " has more than one -1");
            infer = (int64_t)i;
        } else if (d < 0) {
            bad(c, n, "shape entry " + std::to_string(d) + " is negative");
        } else {
            known *= d;
        }
        out.push_back(d);
    }
    if (infer >= 0) {
        const int64_t total = c.graph.tensor(in(c, n, 0)).num_elements();
        if (known == 0 || total % known) bad(c, n, "cannot infer -1 in shape " + shape_param(spec));
        out[infer] = total / known;
    }
    return view(n, c, out);
}

Lowered lower_flatten(const GraphNode &n, LowerContext &c) {
    const auto &s = c.shape(in(c, n, 0));
    int64_t axis = n.attr_int("axis", 1);
    if (axis < 0) axis += (int64_t)s.size();
    if (axis < 0 || axis > (int64_t)s.size()) bad(c, n, "axis " + int_attr(n, "axis") + " out of range");
    int64_t a = 1, b = 1;
    for (int64_t i = 0; i < (int64_t)s.size(); i++) (i < axis ? a : b) *= s[i];
    return view(n, c, {a, b});
}

Lowered lower_squeeze(const GraphNode &n, LowerContext &c) {
    const auto &s = c.shape(in(c, n, 0));
    auto axes = axes_of(n, c, (int64_t)s.size());
    std::vector<int64_t> out;
    for (int64_t i = 0; i < (int64_t)s.size(); i++) {
        const bool listed = std::find(axes.begin(), axes.end(), i) != axes.end();
        if (listed && s[i] != 1) bad(c, n, "axis " + std::to_string(i) + " has size " + std::to_string(s[i]) + ", not 1");
        if (!(listed || (axes.empty() && s[i] == 1))) out.push_back(s[i]);
    }
    return view(n, c, out);
}

Lowered lower_unsqueeze(const GraphNode &n, LowerContext &c) {
    const auto &s = c.shape(in(c, n, 0));
    const int64_t rank = (int64_t)s.size();
    std::vector<int64_t> axes;
    if (n.has_attr("axes")) axes = n.attr_ints("axes");
    else if (n.inputs.size() > 1) axes = c.values(n.inputs[1]);
    const int64_t out_rank = rank + (int64_t)axes.size();
    for (auto &a : axes) {
        if (a < -out_rank || a >= out_rank) bad(c, n, "axis " + std::to_string(a) + " out of range");
        if (a < 0) a += out_rank;
    }
    std::vector<int64_t> out;
    size_t k = 0;
    for (int64_t i = 0; i < out_rank; i++) {
        if (std::find(axes.begin(), axes.end(), i) != axes.end()) out.push_back(1);
        else out.push_back(s.at(k++));
    }
    return view(n, c, out);
}

Lowered lower_identity(const GraphNode &n, LowerContext &c) { return view(n, c, c.shape(in(c, n, 0))); }

// ---- the small integer ops (dsl/include/halyard/dsl/data_ops.h) ----

std::string list_param(const std::vector<int64_t> &v) {
    std::string s;
    for (auto x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
}

// An integer list from attribute `attr` (older opsets) or constant input `k`
// (newer ones); `present` says whether either was there.
std::vector<int64_t> ints_from(const GraphNode &n, LowerContext &c, const std::string &attr, size_t k, bool *present) {
    *present = true;
    if (n.has_attr(attr)) return n.attr_ints(attr);
    if (k < n.inputs.size() && !n.inputs[k].empty()) return c.values(n.inputs[k]);
    *present = false;
    return {};
}

Lowered lower_reduce(const GraphNode &n, LowerContext &c) {
    static const std::map<std::string, std::string> family = {
        {"ReduceSum", "reduce_sum"}, {"ReduceMean", "reduce_mean"}, {"IntegerMean", "integer_mean"}};
    Lowered l;
    l.family = family.at(n.op_type);
    l.op = n.op_type;
    const std::string &x = in(c, n, 0);
    bool has_axes = false;
    std::vector<int64_t> axes = ints_from(n, c, "axes", 1, &has_axes);
    if (!has_axes) {  // ONNX: all axes
        for (size_t i = 0; i < c.shape(x).size(); i++) axes.push_back((int64_t)i);
    }
    l.params = {{"shape", shape_param(c.shape(x))},
                {"in_type", t(c.type(x))},
                {"axes", list_param(axes)},
                {"keepdims", std::to_string(n.attr_int("keepdims", 1))}};
    l.args = {{"X", x}};
    return l;
}

Lowered lower_itapartialmax(const GraphNode &n, LowerContext &c) {
    return unary(n, c, "itapartialmax", "ITAPartialMax", {"group_width", "n_levels"}, false);
}

Lowered lower_slice(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "slice";
    l.op = "Slice";
    const std::string &x = in(c, n, 0);
    bool has = false;
    const auto starts = ints_from(n, c, "starts", 1, &has);
    if (!has) bad(c, n, "no starts (attribute or input 1)");
    const auto ends = ints_from(n, c, "ends", 2, &has);
    if (!has) bad(c, n, "no ends (attribute or input 2)");
    const auto axes = ints_from(n, c, "axes", 3, &has);
    const std::string axes_p = has ? list_param(axes) : "default";
    const auto steps = ints_from(n, c, "steps", 4, &has);
    const std::string steps_p = has ? list_param(steps) : "default";
    // ONNX uses +-INT64 for "to the end": clamp into int32 for the family.
    auto clamp_list = [](std::vector<int64_t> v) {
        for (auto &e : v) e = std::max<int64_t>(std::min<int64_t>(e, INT32_MAX), INT32_MIN + 1);
        return v;
    };
    l.params = {{"shape", shape_param(c.shape(x))}, {"type", t(c.type(x))}, {"starts", list_param(clamp_list(starts))},
                {"ends", list_param(clamp_list(ends))}, {"axes", axes_p}, {"steps", steps_p}};
    l.args = {{"X", x}};
    return l;
}

Lowered lower_pad(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "pad";
    l.op = "Pad";
    const std::string &x = in(c, n, 0);
    bool has = false;
    const auto pads = ints_from(n, c, "pads", 1, &has);
    if (!has) bad(c, n, "no pads (attribute or input 1)");
    int64_t value = 0;
    if (n.has_attr("value")) value = (int64_t)n.attr_float("value");
    else if (n.inputs.size() > 2 && !n.inputs[2].empty()) value = c.scalar(n, n.inputs[2], "constant_value");
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) bad(c, n, "the axes input of Pad (opset 18) is not supported");
    l.params = {{"shape", shape_param(c.shape(x))}, {"type", t(c.type(x))}, {"pads", list_param(pads)},
                {"value", std::to_string(value)}, {"mode", n.attr_string("mode", "constant")}};
    l.args = {{"X", x}};
    return l;
}

// Gather with run-time indices into a constant 2-D table along axis 0: an
// embedding lookup (token ids -> rows).
Lowered lower_embedding_gather(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "embedding";
    l.op = "Gather (embedding)";
    const std::string &table = in(c, n, 0), &idx = in(c, n, 1);
    const auto &ts = c.shape(table);
    if (!c.graph.is_constant(table) || ts.size() != 2 || n.attr_int("axis", 0) != 0) {
        bad(c, n, "a Gather with run-time indices '" + idx + "' needs a constant 2-D table gathered along axis 0, got " +
                      (c.graph.is_constant(table) ? "constant " : "run-time ") + c.graph.tensor(table).shape_str() +
                      " along axis " + std::to_string(n.attr_int("axis", 0)));
    }
    const auto &is = c.shape(idx);
    int64_t tokens = 1;
    for (auto d : is) tokens *= d;
    l.params = {{"vocab", std::to_string(ts[0])},
                {"dim", std::to_string(ts[1])},
                {"tokens", std::to_string(tokens)},
                {"table_type", t(c.type(table))}};
    l.args = {{"table", table}, {"ids", idx}};
    l.out_shape = is;
    l.out_shape.push_back(ts[1]);
    return l;
}

Lowered lower_gather(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "gather";
    l.op = "Gather";
    const std::string &x = in(c, n, 0), &idx = in(c, n, 1);
    if (!c.graph.is_constant(idx)) return lower_embedding_gather(n, c);
    const auto &is = c.shape(idx);
    l.params = {{"shape", shape_param(c.shape(x))}, {"type", t(c.type(x))}, {"axis", std::to_string(n.attr_int("axis", 0))},
                {"indices", list_param(c.values(idx))}, {"indices_shape", is.empty() ? "scalar" : shape_param(is)}};
    l.args = {{"X", x}};
    return l;
}

// Halyard's iSoftmax with an optional second input: run-time row lengths.
Lowered lower_isoftmax(const GraphNode &n, LowerContext &c) {
    const std::vector<std::string> attrs = {"coeffA", "coeffB", "coeffC", "log2", "n_levels"};
    Lowered l;
    ElemType x_type;
    if (n.input_producer) {
        // x is the Add fuse_add_into_softmax folded in: its parameters and
        // tensors as the add family takes them, named x_*; its result int8.
        const Lowered add = binary("add", "Add")(*n.input_producer, c);
        l.family = "isoftmax";
        for (const auto &[k, v] : add.params) l.params["x_" + k] = v;
        for (const auto &[k, v] : add.args) l.args["x_" + k] = v;
        l.params["x"] = "add";
        const auto &as = c.shape(add.args.at("A")), &bs = c.shape(add.args.at("B"));
        Shape shape;
        try {
            shape = broadcast_shapes(Shape(as.begin(), as.end()), Shape(bs.begin(), bs.end()),
                                     n.input_producer->label());
        } catch (const UserError &e) {
            bad(c, n, e.what());
        }
        l.params["shape"] = shape_param(std::vector<int64_t>(shape.begin(), shape.end()));
        for (const auto &k : attrs) l.params[k] = int_attr(n, k);
        fused_requant(c, n, l, shape.empty() ? 1 : shape.back(), "out_");
        l.op = add.op + " into iSoftmax" + (n.requant ? "+out_requant" : "");
        x_type = ElemType::Int8;  // fuse_add_into_softmax takes Adds requantized to int8 only
    } else {
        // The family's own n_levels is the softmax's: a fused RequantShift takes "out_" names.
        l = unary(n, c, "isoftmax", "iSoftmax", attrs, false, "out_");
        x_type = c.type(in(c, n, 0));
    }
    // Halyard's int16 form when the producer gives int16 (other types meet the
    // compiler's usual type check against int8).
    if (x_type == ElemType::Int16) l.params["in_type"] = "int16";
    // int8: the exp table is a constant of the program (computed here, from
    // the expression the kernel would evaluate), not a stage of every call.
    if (x_type == ElemType::Int8) {
        ISoftmaxSpec s;
        s.coeffA = n.attr_int("coeffA");
        s.coeffB = n.attr_int("coeffB");
        s.coeffC = n.attr_int("coeffC");
        s.log2 = n.attr_int("log2");
        const std::string name = "isoftmax_exp_table_" + std::to_string(s.coeffA) + "_" + std::to_string(s.coeffB) +
                                 "_" + std::to_string(s.coeffC) + "_" + std::to_string(s.log2);
        if (!c.graph.has_tensor(name)) {
            try {
                isoftmax(s);  // checks the coefficients
            } catch (const UserError &e) {
                bad(c, n, e.what());
            }
            c.add_constant(name, {256}, isoftmax_exp_table(s));
        }
        l.params["exp_table"] = "input";
        l.args["exp_table"] = name;
    }
    if (n.inputs.size() > 1 && !n.inputs[1].empty()) {
        const std::string &len = n.inputs[1];
        l.params["lengths"] = shape_param(c.shape(len));
        l.args["lengths"] = len;
        l.op = std::string("iSoftmax (masked)") + (n.requant ? "+out_requant" : "");
    }
    return l;
}

// Halyard's integer RoPE: RoPE(x, pos, cos, sin), attributes frac_bits
// (default 14) and interleaved (default 0); cos/sin constant [P, D/2] tables.
Lowered lower_rope(const GraphNode &n, LowerContext &c) {
    Lowered l;
    l.family = "rope";
    l.op = "RoPE";
    const std::string &x = in(c, n, 0), &pos = in(c, n, 1), &cs = in(c, n, 2), &sn = in(c, n, 3);
    const auto &xs = c.shape(x);
    if (xs.size() < 2 || xs.back() % 2 != 0) {
        bad(c, n, "x " + c.graph.tensor(x).shape_str() + " must be [..., T, D] with D even");
    }
    const int64_t T = xs[xs.size() - 2];
    if (c.graph.tensor(pos).num_elements() != T) {
        bad(c, n, "pos " + c.graph.tensor(pos).shape_str() + " must hold T = " + std::to_string(T) + " positions");
    }
    for (const auto *tab : {&cs, &sn}) {
        const auto &s = c.shape(*tab);
        if (!c.graph.is_constant(*tab) || s.size() != 2 || s[1] != xs.back() / 2) {
            bad(c, n, "table '" + *tab + "' must be a constant [P, " + std::to_string(xs.back() / 2) + "], got " +
                          c.graph.tensor(*tab).shape_str());
        }
    }
    if (c.shape(cs) != c.shape(sn)) bad(c, n, "cos and sin tables differ in shape");
    l.params = {{"shape", shape_param(xs)},
                {"max_positions", std::to_string(c.shape(cs)[0])},
                {"frac_bits", std::to_string(n.attr_int("frac_bits", 14))},
                {"interleaved", n.attr_int("interleaved", 0) ? "1" : "0"}};
    l.args = {{"x", x}, {"pos", pos}, {"cos", cs}, {"sin", sn}};
    return l;
}

}  // namespace

const std::map<std::string, OpLowering> &op_lowerings() {
    static const std::map<std::string, OpLowering> table = {
        {"Gemm", lower_gemm},
        {"MatMul", lower_matmul},
        {"Add", binary("add", "Add")},
        {"Mul", binary("mul", "Mul")},
        {"RequantShift", lower_requant_shift},
        {"iSoftmax", lower_isoftmax},
        {"ITAMax", [](const GraphNode &n, LowerContext &c) { return unary(n, c, "itamax", "ITAMax", {"n_levels"}, false); }},
        {"iRMSNorm", lower_norm},
        {"iLayerNorm", lower_norm},
        {"iHardswish",
         [](const GraphNode &n, LowerContext &c) {
             return unary(n, c, "ihardswish", "iHardswish", {"one_over_six", "six", "three"}, true);
         }},
        {"iGELU", [](const GraphNode &n, LowerContext &c) { return unary(n, c, "igelu", "iGELU", {"b", "one"}, true); }},
        {"iSiLU", [](const GraphNode &n, LowerContext &c) { return unary(n, c, "isilu", "iSiLU", {"b"}, true); }},
        {"RoPE", lower_rope},
        {"TrueIntegerDiv", lower_true_integer_div},
        {"iNoNorm", lower_inonorm},
        {"Concat", lower_concat},
        {"Transpose", lower_transpose},
        {"Reshape", lower_reshape},
        {"Flatten", lower_flatten},
        {"Squeeze", lower_squeeze},
        {"Unsqueeze", lower_unsqueeze},
        {"Identity", lower_identity},
        {"Sub", binary("sub", "Sub")},
        {"ReduceSum", lower_reduce},
        {"ReduceMean", lower_reduce},
        {"IntegerMean", lower_reduce},
        {"ITAPartialMax", lower_itapartialmax},
        {"Slice", lower_slice},
        {"Pad", lower_pad},
        {"Gather", lower_gather},
    };
    return table;
}

}  // namespace halyard::network
