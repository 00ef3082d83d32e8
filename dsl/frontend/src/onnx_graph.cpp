// ONNX model -> halyard::io::OnnxGraph, through libonnx's protobuf classes.
#include "halyard/io/onnx_graph.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <sstream>

#include "halyard/io/npz.h"  // read_file_bytes

namespace halyard::io {

namespace {

[[noreturn]] void fail(const std::string &ctx, const std::string &what) { throw FormatError(ctx + ": " + what); }

std::string shape_str(const std::vector<int64_t> &s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
}

size_t elem_size(int32_t t) {
    switch (t) {
    case 2: case 3: case 9: return 1;               // uint8 int8 bool
    case 4: case 5: case 10: case 16: return 2;     // uint16 int16 f16 bf16
    case 1: case 6: case 12: return 4;              // float int32 uint32
    case 7: case 11: case 13: return 8;             // int64 double uint64
    default: return 0;
    }
}

double half_to_double(uint16_t h) {
    int s = (h >> 15) & 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0) v = std::ldexp(m, -24);
    else if (e == 31) v = m ? std::nan("") : std::numeric_limits<double>::infinity();
    else v = std::ldexp(m + 1024, e - 25);
    return s ? -v : v;
}

double bf16_to_double(uint16_t h) {
    uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

void set_from_double(OnnxTensor &t, size_t i, double d) {
    t.fvalues[i] = d;
    if (std::isfinite(d) && d > -9.2e18 && d < 9.2e18) {
        t.values[i] = int64_t(d);  // truncation toward zero
        if (d != std::trunc(d)) t.integral = false;
    } else {
        t.values[i] = 0;
        t.integral = false;
    }
}

void set_from_int(OnnxTensor &t, size_t i, int64_t v) {
    t.values[i] = v;
    t.fvalues[i] = double(v);
}

OnnxTensor convert_tensor(const onnx::TensorProto &tp, const std::string &ctx_in) {
    OnnxTensor t;
    t.name = tp.name();
    const std::string ctx = ctx_in + (t.name.empty() ? "" : " tensor '" + t.name + "'");
    t.elem_type = tp.data_type();
    for (int64_t d : tp.dims()) {
        if (d < 0) fail(ctx, "negative dimension " + std::to_string(d));
        t.shape.push_back(d);
    }
    if (tp.has_data_location() && tp.data_location() == onnx::TensorProto::EXTERNAL)
        fail(ctx, "tensor data stored externally: not supported");
    if (tp.has_segment()) fail(ctx, "segmented tensors are not supported");
    uint64_t n = 1;
    for (int64_t d : t.shape) {
        if (d != 0 && n > (uint64_t(1) << 40) / uint64_t(d)) fail(ctx, "tensor too large " + shape_str(t.shape));
        n *= uint64_t(d);
    }
    const size_t es = elem_size(t.elem_type);
    if (es == 0)
        fail(ctx, std::string("unsupported tensor element type ") + onnx_elem_type_name(t.elem_type));
    // Validate the payload size before allocating anything (a corrupt shape
    // must not turn into a huge allocation).
    size_t have = 0;
    const char *field = "raw_data";
    if (tp.has_raw_data()) {
        have = tp.raw_data().size() / es;
        if (tp.raw_data().size() != n * es)
            fail(ctx, "raw_data has " + std::to_string(tp.raw_data().size()) + " bytes, " +
                          onnx_elem_type_name(t.elem_type) + shape_str(t.shape) + " needs " + std::to_string(n * es));
    } else {
        switch (t.elem_type) {
        case 1: have = size_t(tp.float_data_size()); field = "float_data"; break;
        case 2: case 3: case 4: case 5: case 6: case 9: case 10: case 16:
            have = size_t(tp.int32_data_size()); field = "int32_data"; break;
        case 7: have = size_t(tp.int64_data_size()); field = "int64_data"; break;
        case 11: have = size_t(tp.double_data_size()); field = "double_data"; break;
        case 12: case 13: have = size_t(tp.uint64_data_size()); field = "uint64_data"; break;
        }
        if (have != n)
            fail(ctx, std::string(field) + " has " + std::to_string(have) + " values, " +
                          onnx_elem_type_name(t.elem_type) + shape_str(t.shape) + " needs " + std::to_string(n));
    }
    t.values.assign(n, 0);
    t.fvalues.assign(n, 0.0);

    if (tp.has_raw_data()) {
        const std::string &raw = tp.raw_data();
        const uint8_t *p = reinterpret_cast<const uint8_t *>(raw.data());
        for (size_t i = 0; i < n; ++i) {
            const uint8_t *e = p + i * es;
            switch (t.elem_type) {
            case 2: set_from_int(t, i, e[0]); break;
            case 3: set_from_int(t, i, int8_t(e[0])); break;
            case 9: set_from_int(t, i, e[0] != 0); break;
            case 4: { uint16_t v; std::memcpy(&v, e, 2); set_from_int(t, i, v); break; }
            case 5: { int16_t v; std::memcpy(&v, e, 2); set_from_int(t, i, v); break; }
            case 10: { uint16_t v; std::memcpy(&v, e, 2); set_from_double(t, i, half_to_double(v)); break; }
            case 16: { uint16_t v; std::memcpy(&v, e, 2); set_from_double(t, i, bf16_to_double(v)); break; }
            case 1: { float v; std::memcpy(&v, e, 4); set_from_double(t, i, v); break; }
            case 6: { int32_t v; std::memcpy(&v, e, 4); set_from_int(t, i, v); break; }
            case 12: { uint32_t v; std::memcpy(&v, e, 4); set_from_int(t, i, v); break; }
            case 7: { int64_t v; std::memcpy(&v, e, 8); set_from_int(t, i, v); break; }
            case 11: { double v; std::memcpy(&v, e, 8); set_from_double(t, i, v); break; }
            case 13: {
                uint64_t v; std::memcpy(&v, e, 8);
                if (v > uint64_t(std::numeric_limits<int64_t>::max())) fail(ctx, "uint64 value does not fit int64");
                set_from_int(t, i, int64_t(v));
                break;
            }
            }
        }
        return t;
    }
    switch (t.elem_type) {
    case 1:
        for (size_t i = 0; i < n; ++i) set_from_double(t, i, tp.float_data(int(i)));
        break;
    case 2: case 3: case 4: case 5: case 6: case 9:
        for (size_t i = 0; i < n; ++i) set_from_int(t, i, tp.int32_data(int(i)));
        break;
    case 10: case 16:
        for (size_t i = 0; i < n; ++i) {
            uint16_t bits = uint16_t(tp.int32_data(int(i)));
            set_from_double(t, i, t.elem_type == 10 ? half_to_double(bits) : bf16_to_double(bits));
        }
        break;
    case 7:
        for (size_t i = 0; i < n; ++i) set_from_int(t, i, tp.int64_data(int(i)));
        break;
    case 11:
        for (size_t i = 0; i < n; ++i) set_from_double(t, i, tp.double_data(int(i)));
        break;
    case 12: case 13:
        for (size_t i = 0; i < n; ++i) {
            uint64_t v = tp.uint64_data(int(i));
            if (v > uint64_t(std::numeric_limits<int64_t>::max())) fail(ctx, "uint64 value does not fit int64");
            set_from_int(t, i, int64_t(v));
        }
        break;
    }
    return t;
}

OnnxValueInfo convert_value_info(const onnx::ValueInfoProto &vi, const std::string &ctx) {
    OnnxValueInfo v;
    v.name = vi.name();
    if (v.name.empty()) fail(ctx, "value info without a name");
    if (vi.has_type() && vi.type().has_tensor_type()) {
        const auto &tt = vi.type().tensor_type();
        v.elem_type = tt.elem_type();
        if (tt.has_shape()) {
            v.has_shape = true;
            for (const auto &d : tt.shape().dim()) {
                if (d.has_dim_value()) {
                    v.shape.push_back(d.dim_value());
                    v.dim_params.emplace_back();
                } else {
                    v.shape.push_back(-1);
                    v.dim_params.push_back(d.has_dim_param() ? d.dim_param() : std::string());
                }
            }
        }
    }
    return v;
}

}  // namespace

const char *onnx_elem_type_name(int32_t t) {
    switch (t) {
    case 0: return "undefined";
    case 1: return "float32";
    case 2: return "uint8";
    case 3: return "int8";
    case 4: return "uint16";
    case 5: return "int16";
    case 6: return "int32";
    case 7: return "int64";
    case 8: return "string";
    case 9: return "bool";
    case 10: return "float16";
    case 11: return "float64";
    case 12: return "uint32";
    case 13: return "uint64";
    case 14: return "complex64";
    case 15: return "complex128";
    case 16: return "bfloat16";
    default: {
        static thread_local char buf[32];
        std::snprintf(buf, sizeof buf, "elem_type_%d", int(t));
        return buf;
    }
    }
}

const char *attr_kind_name(AttrKind k) {
    switch (k) {
    case AttrKind::Int: return "int";
    case AttrKind::Float: return "float";
    case AttrKind::Ints: return "ints";
    case AttrKind::Floats: return "floats";
    case AttrKind::String: return "string";
    case AttrKind::Strings: return "strings";
    case AttrKind::Tensor: return "tensor";
    case AttrKind::Other: return "other";
    }
    return "?";
}

int64_t OnnxTensor::num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string OnnxTensor::describe() const { return std::string(onnx_elem_type_name(elem_type)) + shape_str(shape); }

OnnxAttribute OnnxAttribute::of_int(const std::string &name, int64_t v) {
    OnnxAttribute a;
    a.name = name;
    a.kind = AttrKind::Int;
    a.i = v;
    return a;
}

OnnxAttribute OnnxAttribute::of_ints(const std::string &name, std::vector<int64_t> v) {
    OnnxAttribute a;
    a.name = name;
    a.kind = AttrKind::Ints;
    a.ints = std::move(v);
    return a;
}

std::string OnnxAttribute::to_string() const {
    std::ostringstream o;
    o << name << "=";
    auto list = [&](const auto &v) {
        o << "[";
        for (size_t i = 0; i < v.size(); ++i) o << (i ? "," : "") << v[i];
        o << "]";
    };
    switch (kind) {
    case AttrKind::Int: o << i; break;
    case AttrKind::Float: o << f; break;
    case AttrKind::Ints: list(ints); break;
    case AttrKind::Floats: list(floats); break;
    case AttrKind::String: o << "'" << s << "'"; break;
    case AttrKind::Strings: list(strings); break;
    case AttrKind::Tensor: {
        o << "tensor " << tensor->describe();
        if (tensor->num_elements() <= 8) {
            o << " ";
            if (tensor->integral) list(tensor->values); else list(tensor->fvalues);
        }
        break;
    }
    case AttrKind::Other: o << "<unsupported kind>"; break;
    }
    return o.str();
}

std::string OnnxNode::label() const {
    return "node " + std::to_string(index) + " '" + name + "' (" + (domain.empty() ? "" : domain + "::") + op_type + ")";
}

bool OnnxNode::has_attr(const std::string &n) const { return find_attr(n) != nullptr; }

const OnnxAttribute *OnnxNode::find_attr(const std::string &n) const {
    for (const auto &a : attributes)
        if (a.name == n) return &a;
    return nullptr;
}

namespace {
const OnnxAttribute &need_attr(const OnnxNode &node, const std::string &n) {
    const OnnxAttribute *a = node.find_attr(n);
    if (!a) throw FormatError(node.path + ": " + node.label() + ": missing attribute '" + n + "'");
    return *a;
}
[[noreturn]] void wrong_kind(const OnnxNode &node, const OnnxAttribute &a, const char *want) {
    throw FormatError(node.path + ": " + node.label() + ": attribute '" + a.name + "' is " + attr_kind_name(a.kind) +
                      ", expected " + want);
}
int64_t as_int(const OnnxNode &node, const OnnxAttribute &a) {
    if (a.kind == AttrKind::Int) return a.i;
    if (a.kind == AttrKind::Float && a.f == std::trunc(a.f) && std::fabs(a.f) < 9e18) return int64_t(a.f);
    if (a.kind == AttrKind::Tensor && a.tensor->num_elements() == 1 && a.tensor->integral) return a.tensor->values[0];
    wrong_kind(node, a, "int");
}
double as_float(const OnnxNode &node, const OnnxAttribute &a) {
    if (a.kind == AttrKind::Float) return a.f;
    if (a.kind == AttrKind::Int) return double(a.i);
    if (a.kind == AttrKind::Tensor && a.tensor->num_elements() == 1) return a.tensor->fvalues[0];
    wrong_kind(node, a, "float");
}
}  // namespace

int64_t OnnxNode::attr_int(const std::string &n) const { return as_int(*this, need_attr(*this, n)); }
int64_t OnnxNode::attr_int(const std::string &n, int64_t dflt) const {
    const OnnxAttribute *a = find_attr(n);
    return a ? as_int(*this, *a) : dflt;
}
double OnnxNode::attr_float(const std::string &n) const { return as_float(*this, need_attr(*this, n)); }
double OnnxNode::attr_float(const std::string &n, double dflt) const {
    const OnnxAttribute *a = find_attr(n);
    return a ? as_float(*this, *a) : dflt;
}
std::vector<int64_t> OnnxNode::attr_ints(const std::string &n) const {
    const OnnxAttribute &a = need_attr(*this, n);
    if (a.kind == AttrKind::Ints) return a.ints;
    if (a.kind == AttrKind::Int) return {a.i};
    if (a.kind == AttrKind::Tensor && a.tensor->integral) return a.tensor->values;
    wrong_kind(*this, a, "ints");
}
std::vector<int64_t> OnnxNode::attr_ints(const std::string &n, const std::vector<int64_t> &dflt) const {
    return has_attr(n) ? attr_ints(n) : dflt;
}
std::vector<double> OnnxNode::attr_floats(const std::string &n) const {
    const OnnxAttribute &a = need_attr(*this, n);
    if (a.kind == AttrKind::Floats) return a.floats;
    if (a.kind == AttrKind::Float) return {a.f};
    if (a.kind == AttrKind::Tensor) return a.tensor->fvalues;
    wrong_kind(*this, a, "floats");
}
std::string OnnxNode::attr_string(const std::string &n) const {
    const OnnxAttribute &a = need_attr(*this, n);
    if (a.kind != AttrKind::String) wrong_kind(*this, a, "string");
    return a.s;
}
std::string OnnxNode::attr_string(const std::string &n, const std::string &dflt) const {
    return has_attr(n) ? attr_string(n) : dflt;
}
const OnnxTensor &OnnxNode::attr_tensor(const std::string &n) const {
    const OnnxAttribute &a = need_attr(*this, n);
    if (a.kind != AttrKind::Tensor) wrong_kind(*this, a, "tensor");
    return *a.tensor;
}

const OnnxTensor &OnnxGraph::initializer(const std::string &n) const {
    auto it = initializers.find(n);
    if (it == initializers.end()) throw FormatError(path + ": no initializer named '" + n + "'");
    return it->second;
}

const OnnxValueInfo *OnnxGraph::find_value_info(const std::string &n) const {
    for (const auto *list : {&inputs, &outputs, &value_infos})
        for (const auto &v : *list)
            if (v.name == n) return &v;
    return nullptr;
}

namespace {
// Kahn's algorithm, keeping file order among the nodes that are ready; a
// cycle is a FormatError naming a node on it. Each node waits on a count of
// missing inputs (O(n log n): rescanning every pending node per step took
// minutes on a file of 80k nodes listed in reverse).
void sort_topologically(OnnxGraph &g) {
    std::set<std::string> ready;
    for (const auto &v : g.inputs) ready.insert(v.name);
    for (const auto &v : g.declared_inputs) ready.insert(v);
    for (const auto &kv : g.initializers) ready.insert(kv.first);
    ready.insert("");
    const size_t n = g.nodes.size();
    std::vector<size_t> missing(n);
    std::map<std::string, std::vector<size_t>> waiting;  // tensor -> nodes that read it
    std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> runnable;  // lowest file index first
    for (size_t i = 0; i < n; i++) {
        std::set<std::string> need;
        for (const auto &in : g.nodes[i].inputs)
            if (!ready.count(in)) need.insert(in);
        missing[i] = need.size();
        for (const auto &t : need) waiting[t].push_back(i);
        if (need.empty()) runnable.push(i);
    }
    std::vector<bool> sorted_already(n, false);
    std::vector<OnnxNode> sorted;
    size_t first_pending = 0;
    while (!runnable.empty()) {
        const size_t i = runnable.top();
        runnable.pop();
        while (sorted_already[first_pending]) first_pending++;
        g.reordered = g.reordered || i != first_pending;
        sorted_already[i] = true;
        for (const auto &o : g.nodes[i].outputs) {
            if (!ready.insert(o).second) continue;
            auto w = waiting.find(o);
            if (w == waiting.end()) continue;
            for (size_t j : w->second)
                if (--missing[j] == 0) runnable.push(j);
            waiting.erase(w);
        }
        sorted.push_back(std::move(g.nodes[i]));
    }
    if (sorted.size() != n) {
        while (sorted_already[first_pending]) first_pending++;
        throw FormatError(g.path + ": " + g.nodes[first_pending].label() +
                          ": its inputs depend on its own output (the graph has a cycle)");
    }
    g.nodes = std::move(sorted);
}
}  // namespace

OnnxGraph parse_onnx(const std::vector<uint8_t> &bytes, const std::string &path) {
    if (bytes.empty()) fail(path, "empty file, not an ONNX model");
    if (bytes.size() > size_t(std::numeric_limits<int>::max()))
        fail(path, "file too large for protobuf (" + std::to_string(bytes.size()) + " bytes)");
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), int(bytes.size())))
        fail(path, "not a valid ONNX protobuf (ModelProto failed to parse: truncated or corrupt)");
    if (!model.has_graph()) fail(path, "ONNX model has no graph (is this an ONNX file?)");
    if (model.ir_version() <= 0) fail(path, "ONNX model has no ir_version (is this an ONNX file?)");

    OnnxGraph g;
    g.path = path;
    g.ir_version = model.ir_version();
    for (const auto &os : model.opset_import()) g.opset[os.domain() == "ai.onnx" ? "" : os.domain()] = os.version();
    const onnx::GraphProto &gp = model.graph();
    g.graph_name = gp.name();

    for (const auto &init : gp.initializer()) {
        if (init.name().empty()) fail(path, "initializer without a name");
        OnnxTensor t = convert_tensor(init, path + ": initializer");
        if (g.initializers.count(t.name)) fail(path, "duplicate initializer '" + t.name + "'");
        g.initializers.emplace(t.name, std::move(t));
    }
    for (const auto &vi : gp.input()) {
        g.declared_inputs.push_back(vi.name());
        if (g.initializers.count(vi.name())) continue;  // old-style initializer listed as input
        g.inputs.push_back(convert_value_info(vi, path + ": graph input"));
    }
    for (const auto &vi : gp.output()) g.outputs.push_back(convert_value_info(vi, path + ": graph output"));
    for (const auto &vi : gp.value_info()) g.value_infos.push_back(convert_value_info(vi, path + ": value_info"));

    std::set<std::string> defined;
    for (const auto &v : g.inputs) defined.insert(v.name);
    for (const auto &kv : g.initializers) defined.insert(kv.first);
    // Every node output, wherever the node stands: some exporters list nodes
    // out of topological order (they are sorted below).
    for (const auto &np : gp.node())
        for (const auto &o : np.output())
            if (!o.empty()) defined.insert(o);

    for (int ni = 0; ni < gp.node_size(); ++ni) {
        const onnx::NodeProto &np = gp.node(ni);
        OnnxNode node;
        node.path = path;
        node.index = size_t(ni);
        node.op_type = np.op_type();
        node.domain = np.domain();
        node.name = np.name();
        const std::string ctx = path + ": " + node.label();
        if (node.op_type.empty()) fail(ctx, "node has no op_type");
        for (const auto &in : np.input()) node.inputs.push_back(in);
        for (const auto &out : np.output()) node.outputs.push_back(out);
        if (node.outputs.empty()) fail(ctx, "node has no outputs");
        for (const auto &ap : np.attribute()) {
            OnnxAttribute a;
            a.name = ap.name();
            if (a.name.empty()) fail(ctx, "attribute without a name");
            const std::string actx = ctx + ": attribute '" + a.name + "'";
            onnx::AttributeProto::AttributeType type = ap.type();
            if (type == onnx::AttributeProto::UNDEFINED) {
                // IR < 3 files may omit the type; infer it from the payload.
                if (ap.has_i()) type = onnx::AttributeProto::INT;
                else if (ap.has_f()) type = onnx::AttributeProto::FLOAT;
                else if (ap.has_s()) type = onnx::AttributeProto::STRING;
                else if (ap.has_t()) type = onnx::AttributeProto::TENSOR;
                else if (ap.ints_size()) type = onnx::AttributeProto::INTS;
                else if (ap.floats_size()) type = onnx::AttributeProto::FLOATS;
                else if (ap.strings_size()) type = onnx::AttributeProto::STRINGS;
                else fail(actx, "attribute has no type and no value");
            }
            switch (type) {
            case onnx::AttributeProto::INT: a.kind = AttrKind::Int; a.i = ap.i(); break;
            case onnx::AttributeProto::FLOAT: a.kind = AttrKind::Float; a.f = ap.f(); break;
            case onnx::AttributeProto::INTS:
                a.kind = AttrKind::Ints;
                a.ints.assign(ap.ints().begin(), ap.ints().end());
                break;
            case onnx::AttributeProto::FLOATS:
                a.kind = AttrKind::Floats;
                a.floats.assign(ap.floats().begin(), ap.floats().end());
                break;
            case onnx::AttributeProto::STRING: a.kind = AttrKind::String; a.s = ap.s(); break;
            case onnx::AttributeProto::STRINGS:
                a.kind = AttrKind::Strings;
                a.strings.assign(ap.strings().begin(), ap.strings().end());
                break;
            case onnx::AttributeProto::TENSOR:
                if (!ap.has_t()) fail(actx, "tensor attribute without a tensor");
                a.kind = AttrKind::Tensor;
                a.tensor = std::make_shared<OnnxTensor>(convert_tensor(ap.t(), actx));
                break;
            default:
                a.kind = AttrKind::Other;  // graphs, sparse tensors, type protos: kept by name only
                break;
            }
            node.attributes.push_back(std::move(a));
        }
        for (size_t k = 0; k < node.inputs.size(); ++k) {
            const std::string &in = node.inputs[k];
            if (in.empty()) continue;
            if (!defined.count(in))
                fail(ctx, "input " + std::to_string(k) + " '" + in +
                              "' is not a graph input, an initializer or an output of any node");
        }
        g.nodes.push_back(std::move(node));
    }
    sort_topologically(g);
    for (const auto &o : g.outputs)
        if (!defined.count(o.name)) fail(path, "graph output '" + o.name + "' is not produced by any node or input");
    return g;
}

OnnxGraph load_onnx(const std::string &path) { return parse_onnx(read_file_bytes(path), path); }

}  // namespace halyard::io
