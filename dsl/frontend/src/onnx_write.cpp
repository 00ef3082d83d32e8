// ONNX writer: OnnxGraph -> ModelProto (Debian's libonnx protobuf classes).
#include "halyard/io/onnx_write.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>

namespace halyard::io {

namespace {

void value_info(onnx::ValueInfoProto *v, const OnnxValueInfo &info) {
    v->set_name(info.name);
    auto *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(info.elem_type ? info.elem_type : (int32_t)OnnxElemType::Float);
    if (!info.has_shape) return;
    auto *s = t->mutable_shape();
    for (auto d : info.shape) s->add_dim()->set_dim_value(d);
}

template <typename T>
void put_raw(std::string &raw, const std::vector<int64_t> &values) {
    raw.resize(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); i++) {
        const T v = (T)values[i];
        std::memcpy(&raw[i * sizeof(T)], &v, sizeof(T));
    }
}

void tensor(onnx::TensorProto *p, const OnnxTensor &t, const std::string &where) {
    p->set_name(t.name);
    p->set_data_type(t.elem_type);
    for (auto d : t.shape) p->add_dims(d);
    const int64_t n = t.num_elements();
    std::string raw;
    switch ((OnnxElemType)t.elem_type) {
    case OnnxElemType::Int8: put_raw<int8_t>(raw, t.values); break;
    case OnnxElemType::UInt8: put_raw<uint8_t>(raw, t.values); break;
    case OnnxElemType::Int16: put_raw<int16_t>(raw, t.values); break;
    case OnnxElemType::UInt16: put_raw<uint16_t>(raw, t.values); break;
    case OnnxElemType::Int32: put_raw<int32_t>(raw, t.values); break;
    case OnnxElemType::Int64: put_raw<int64_t>(raw, t.values); break;
    case OnnxElemType::Float: {
        std::vector<double> f = t.fvalues;
        if (f.empty())
            for (auto v : t.values) f.push_back((double)v);
        if ((int64_t)f.size() != n) break;
        raw.resize(f.size() * 4);
        for (size_t i = 0; i < f.size(); i++) {
            const float v = (float)f[i];
            std::memcpy(&raw[i * 4], &v, 4);
        }
        p->set_raw_data(raw);
        return;
    }
    default:
        throw FormatError(where + ": tensor '" + t.name + "' has element type " + onnx_elem_type_name(t.elem_type) +
                          ", which the writer does not store");
    }
    if ((int64_t)t.values.size() != n) {
        throw FormatError(where + ": tensor '" + t.name + "' " + t.describe() + " holds " +
                          std::to_string(t.values.size()) + " values, its shape needs " + std::to_string(n));
    }
    p->set_raw_data(raw);
}

void attribute(onnx::NodeProto *n, const OnnxAttribute &a, const std::string &where) {
    auto *p = n->add_attribute();
    p->set_name(a.name);
    switch (a.kind) {
    case AttrKind::Int: p->set_type(onnx::AttributeProto::INT); p->set_i(a.i); break;
    case AttrKind::Float: p->set_type(onnx::AttributeProto::FLOAT); p->set_f((float)a.f); break;
    case AttrKind::Ints:
        p->set_type(onnx::AttributeProto::INTS);
        for (auto v : a.ints) p->add_ints(v);
        break;
    case AttrKind::Floats:
        p->set_type(onnx::AttributeProto::FLOATS);
        for (auto v : a.floats) p->add_floats((float)v);
        break;
    case AttrKind::String: p->set_type(onnx::AttributeProto::STRING); p->set_s(a.s); break;
    default:
        throw FormatError(where + ": attribute '" + a.name + "' of kind " + attr_kind_name(a.kind) +
                          " is not written");
    }
}

}  // namespace

std::vector<uint8_t> serialize_onnx(const OnnxGraph &g) {
    const std::string where = g.path.empty() ? "onnx writer" : g.path;
    onnx::ModelProto m;
    m.set_ir_version(g.ir_version ? g.ir_version : 7);
    m.set_producer_name("halyard");
    if (g.opset.empty()) m.add_opset_import()->set_version(13);
    for (const auto &[domain, version] : g.opset) {
        auto *o = m.add_opset_import();
        o->set_domain(domain);
        o->set_version(version);
    }
    auto *graph = m.mutable_graph();
    graph->set_name(g.graph_name.empty() ? "graph" : g.graph_name);
    for (const auto &i : g.inputs) value_info(graph->add_input(), i);
    for (const auto &o : g.outputs) value_info(graph->add_output(), o);
    for (const auto &v : g.value_infos) value_info(graph->add_value_info(), v);
    for (const auto &[name, t] : g.initializers) tensor(graph->add_initializer(), t, where);
    for (const auto &n : g.nodes) {
        auto *p = graph->add_node();
        p->set_op_type(n.op_type);
        p->set_name(n.name);
        if (!n.domain.empty()) p->set_domain(n.domain);
        for (const auto &i : n.inputs) p->add_input(i);
        for (const auto &o : n.outputs) p->add_output(o);
        for (const auto &a : n.attributes) attribute(p, a, where + ": " + n.label());
    }
    std::string bytes;
    if (!m.SerializeToString(&bytes)) throw FormatError(where + ": the model does not serialize (over 2 GiB?)");
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

void write_onnx(const std::string &path, const OnnxGraph &g) {
    const auto bytes = serialize_onnx(g);
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char *>(bytes.data()), (std::streamsize)bytes.size());
    if (!f) throw FormatError(path + ": cannot be written");
}

}  // namespace halyard::io
