// Test support: a tiny builder of ONNX models (Deeploy's dialect: float32
// declarations, integer values) for the network compiler's tests.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace halyard_test {

struct ModelBuilder {
    onnx::ModelProto m;
    onnx::GraphProto *g;
    ModelBuilder() {
        m.set_ir_version(7);
        m.add_opset_import()->set_version(13);
        g = m.mutable_graph();
        g->set_name("test");
    }
    void value(onnx::ValueInfoProto *v, const std::string &name, const std::vector<int64_t> &shape) {
        v->set_name(name);
        auto *t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        auto *s = t->mutable_shape();
        for (auto d : shape) s->add_dim()->set_dim_value(d);
    }
    ModelBuilder &input(const std::string &name, const std::vector<int64_t> &shape) {
        value(g->add_input(), name, shape);
        return *this;
    }
    ModelBuilder &output(const std::string &name) {
        value(g->add_output(), name, {});
        return *this;
    }
    ModelBuilder &constant(const std::string &name, const std::vector<int64_t> &shape, const std::vector<float> &v) {
        auto *t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : shape) t->add_dims(d);
        for (float x : v) t->add_float_data(x);
        return *this;
    }
    ModelBuilder &constant_i64(const std::string &name, const std::vector<int64_t> &v) {
        auto *t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims((int64_t)v.size());
        for (auto x : v) t->add_int64_data(x);
        return *this;
    }
    onnx::NodeProto *node(const std::string &op, const std::string &name, const std::vector<std::string> &in,
                          const std::vector<std::string> &out) {
        auto *n = g->add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (const auto &i : in) n->add_input(i);
        for (const auto &o : out) n->add_output(o);
        return n;
    }
    ModelBuilder &constant_i64_shaped(const std::string &name, const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &v) {
        auto *t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        for (auto d : shape) t->add_dims(d);
        for (auto x : v) t->add_int64_data(x);
        return *this;
    }
    static void ints(onnx::NodeProto *n, const std::string &name, const std::vector<int64_t> &v) {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (auto x : v) a->add_ints(x);
    }
    static void str(onnx::NodeProto *n, const std::string &name, const std::string &v) {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(v);
    }
    static void attr(onnx::NodeProto *n, const std::string &name, int64_t v) {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    // RequantShift x -> y with mul, add (scalars), div, signed.
    ModelBuilder &requant(const std::string &name, const std::string &x, const std::string &y, int64_t mul, int64_t add,
                          int64_t div, bool is_signed = true) {
        constant(name + ".mul", {}, {(float)mul});
        constant(name + ".add", {}, {(float)add});
        auto *n = node("RequantShift", name, {x, name + ".mul", name + ".add"}, {y});
        attr(n, "div", div);
        attr(n, "n_levels", 256);
        attr(n, "signed", is_signed ? 1 : 0);
        return *this;
    }
    std::string bytes() const { return m.SerializeAsString(); }
};

}  // namespace halyard_test
