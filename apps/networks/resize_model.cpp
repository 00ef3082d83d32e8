// How a microLlama graph is resized (checked against the shapes it finds):
// - decode: the KV caches are the graph inputs read by Concat nodes; their
//   axis -2 (old length L) becomes the new length; the graph input whose last
//   axis is L + 1 (the attention mask) becomes new + 1.
// - prefill: the prompt length S is axis 1 of the first graph input; every
//   graph input axis >= 1 of extent S, and axis 1 of every Reshape target
//   shape equal to S, becomes the new length (KV caches stay empty).
#include "resize_model.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>

#include "halyard/io/npz.h"

namespace halyard::apps {

namespace {

[[noreturn]] void fail(const std::string &file, const std::string &why) { throw std::runtime_error(file + ": " + why); }

onnx::ModelProto read_model(const std::string &path) {
    const auto bytes = io::read_file_bytes(path);
    onnx::ModelProto m;
    if (!m.ParseFromArray(bytes.data(), (int)bytes.size())) fail(path, "not a valid ONNX model");
    return m;
}

int64_t dim(const onnx::ValueInfoProto &v, int i) {
    const auto &s = v.type().tensor_type().shape();
    if (i < 0) i += s.dim_size();
    return s.dim(i).dim_value();
}

void set_dim(onnx::ValueInfoProto &v, int i, int64_t d) {
    auto *s = v.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (i < 0) i += s->dim_size();
    s->mutable_dim(i)->set_dim_value(d);
}

}  // namespace

void resize_model(const std::string &src, const std::string &dst, const ResizeSpec &spec) {
    const std::string model_path = src + "/network.onnx";
    onnx::ModelProto m = read_model(model_path);
    auto *g = m.mutable_graph();
    std::set<std::string> inits;
    for (const auto &t : g->initializer()) inits.insert(t.name());
    std::set<std::string> caches;
    for (const auto &n : g->node()) {
        if (n.op_type() == "Concat" && n.input_size() > 0) caches.insert(n.input(0));
    }
    if ((spec.kv > 0) == (spec.seq > 0)) throw std::runtime_error("resize_model: give exactly one of kv or seq");
    if (spec.kv > 0) {
        int64_t old = -1;
        for (auto &in : *g->mutable_input()) {
            if (!caches.count(in.name()) || inits.count(in.name())) continue;
            if (old < 0) old = dim(in, -2);
            if (dim(in, -2) != old) fail(model_path, "KV caches of different lengths");
            set_dim(in, -2, spec.kv);
        }
        if (old <= 0) fail(model_path, "no non-empty KV-cache input (Concat input 0): not a decode graph");
        int masks = 0;
        for (auto &in : *g->mutable_input()) {
            if (caches.count(in.name()) || inits.count(in.name())) continue;
            const int r = in.type().tensor_type().shape().dim_size();
            if (r > 0 && dim(in, -1) == old + 1) {
                set_dim(in, -1, spec.kv + 1);
                masks++;
            }
        }
        if (masks != 1) fail(model_path, "expected one mask input with last axis " + std::to_string(old + 1));
    } else {
        if (g->input_size() == 0 || g->input(0).type().tensor_type().shape().dim_size() < 2) {
            fail(model_path, "first graph input has no sequence axis");
        }
        const int64_t old = dim(g->input(0), 1);
        for (auto &in : *g->mutable_input()) {
            if (caches.count(in.name()) || inits.count(in.name())) continue;
            const int r = in.type().tensor_type().shape().dim_size();
            for (int i = 1; i < r; i++) {
                if (dim(in, i) == old) set_dim(in, i, spec.seq);
            }
        }
        std::set<std::string> reshape_shapes;
        for (const auto &n : g->node()) {
            if (n.op_type() == "Reshape" && n.input_size() > 1) reshape_shapes.insert(n.input(1));
        }
        for (auto &t : *g->mutable_initializer()) {
            if (!reshape_shapes.count(t.name()) || t.data_type() != onnx::TensorProto::INT64) continue;
            if (t.int64_data_size() > 1 && t.int64_data(1) == old) t.set_int64_data(1, spec.seq);
            if (t.has_raw_data() && t.raw_data().size() >= 16) {
                std::string raw = t.raw_data();
                int64_t v;
                std::memcpy(&v, raw.data() + 8, 8);
                if (v == old) {
                    v = spec.seq;
                    std::memcpy(&raw[8], &v, 8);
                    t.set_raw_data(raw);
                }
            }
        }
    }
    // Declared output and intermediate shapes are stale now: drop them (Halyard infers them).
    for (auto &o : *g->mutable_output()) o.mutable_type()->mutable_tensor_type()->clear_shape();
    g->clear_value_info();
    {
        std::ofstream f(dst + "/network.onnx", std::ios::binary);
        if (!m.SerializeToOstream(&f)) fail(dst + "/network.onnx", "cannot write");
    }

    // Inputs: same order as the source's, random values drawn from them.
    const io::NpzFile in = io::load_npz(src + "/inputs.npz");
    std::vector<const onnx::ValueInfoProto *> graph_inputs;
    for (const auto &i : g->input()) {
        if (!inits.count(i.name())) graph_inputs.push_back(&i);
    }
    if (in.arrays.size() != graph_inputs.size()) {
        fail(src + "/inputs.npz", std::to_string(in.arrays.size()) + " arrays for " + std::to_string(graph_inputs.size()) +
                                      " graph inputs");
    }
    std::mt19937 rng(spec.seed);
    io::NpzFile out;
    for (size_t k = 0; k < graph_inputs.size(); k++) {
        std::vector<int64_t> shape;
        int64_t n = 1;
        for (const auto &d : graph_inputs[k]->type().tensor_type().shape().dim()) {
            shape.push_back(d.dim_value());
            n *= d.dim_value();
        }
        std::vector<int64_t> pool = in.arrays[k].to_int64();
        if (pool.empty()) pool = {-128, 127};
        std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
        std::vector<int64_t> v(n);
        for (auto &x : v) x = pool[pick(rng)];
        out.arrays.push_back(io::make_npy(in.arrays[k].name, io::DType::Int64, shape, v));
    }
    io::write_npz(dst + "/inputs.npz", out);
}

}  // namespace halyard::apps
