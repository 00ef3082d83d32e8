// ONNX model -> Halyard network graph: constants bound, nodes in topological
// order, unsupported nodes reported all at once.
#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "halyard/frontend/graph.h"

namespace halyard::frontend {

int64_t GraphTensor::num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string GraphTensor::shape_str() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); i++) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

GraphTensor &Graph::tensor(const std::string &n) {
    auto it = tensors.find(n);
    if (it == tensors.end()) throw std::logic_error("internal: graph " + path + " has no tensor '" + n + "'");
    return it->second;
}

const GraphTensor &Graph::tensor(const std::string &n) const { return const_cast<Graph *>(this)->tensor(n); }

bool Graph::is_constant(const std::string &n) const {
    auto it = tensors.find(n);
    return it != tensors.end() && it->second.role == TensorRole::Constant;
}

bool Graph::is_output(const std::string &n) const {
    return std::find(outputs.begin(), outputs.end(), n) != outputs.end();
}

std::vector<std::string> GraphNode::reads() const {
    std::vector<std::string> r = inputs;
    if (input_producer) {
        r = input_producer->reads();
        r.insert(r.end(), inputs.begin() + 1, inputs.end());
    }
    if (requant) r.insert(r.end(), {requant->mul, requant->add});
    for (const auto &[k, rq] : operand_requant) r.insert(r.end(), {rq.mul, rq.add});
    if (!bias.empty()) r.push_back(bias);
    return r;
}

std::vector<size_t> Graph::consumers(const std::string &t) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes.size(); i++) {
        const auto r = nodes[i].reads();
        if (std::find(r.begin(), r.end(), t) != r.end()) out.push_back(i);
    }
    return out;
}

int Graph::producer(const std::string &t) const {
    for (size_t i = 0; i < nodes.size(); i++) {
        const auto &o = nodes[i].outputs;
        if (std::find(o.begin(), o.end(), t) != o.end()) return (int)i;
    }
    return -1;
}

void Graph::remove_nodes(const std::set<size_t> &dead) {
    std::vector<GraphNode> kept;
    for (size_t i = 0; i < nodes.size(); i++) {
        if (!dead.count(i)) kept.push_back(std::move(nodes[i]));
    }
    nodes = std::move(kept);
    std::set<std::string> live(outputs.begin(), outputs.end());
    live.insert(inputs.begin(), inputs.end());
    for (const auto &n : nodes) {
        const auto r = n.reads();
        live.insert(r.begin(), r.end());
        live.insert(n.outputs.begin(), n.outputs.end());
    }
    for (auto it = tensors.begin(); it != tensors.end();) {
        it = live.count(it->first) ? std::next(it) : tensors.erase(it);
    }
}

std::string deeploy_activation_name(const std::vector<std::string> &inputs) {
    for (const std::string sfx : {".mul", ".weight", ".bias"}) {
        for (const auto &a : inputs) {
            if (a.size() > sfx.size() && a.compare(a.size() - sfx.size(), sfx.size(), sfx) == 0) {
                std::string key = a.substr(0, a.size() - sfx.size());
                for (char &c : key) c = c == '.' ? '_' : (char)std::tolower((unsigned char)c);
                return key;
            }
        }
    }
    return "";
}

namespace {

GraphTensor constant_tensor(const io::OnnxTensor &t, const std::string &path, const std::string &where) {
    if (!t.integral) {
        std::ostringstream m;
        m << path << ": " << where << " constant '" << t.name << "' (" << t.describe()
          << ") holds non-integer values; Halyard compiles integer (fully quantized) graphs";
        throw io::FormatError(m.str());
    }
    GraphTensor g;
    g.name = t.name;
    g.role = TensorRole::Constant;
    g.shape = t.shape;
    g.shape_known = true;
    g.values = t.values;
    return g;
}

}  // namespace

Graph import_onnx(const std::string &path, const ImportOptions &options) {
    return import_onnx(io::load_onnx(path), options);
}

Graph import_onnx(const io::OnnxGraph &onnx, const ImportOptions &options) {
    Graph g;
    g.path = onnx.path;
    g.name = onnx.graph_name;
    for (const auto &[name, t] : onnx.initializers) g.tensors[name] = constant_tensor(t, g.path, "initializer");
    for (const auto &vi : onnx.inputs) {
        GraphTensor t;
        t.name = vi.name;
        t.role = TensorRole::Input;
        t.shape = vi.shape;
        t.shape_known = vi.has_shape && std::none_of(vi.shape.begin(), vi.shape.end(), [](int64_t d) { return d < 0; });
        if (!t.shape_known) {
            throw io::FormatError(g.path + ": graph input '" + vi.name +
                                  "' has no fixed shape (Halyard compiles fixed shapes; symbolic dims are not supported)");
        }
        g.tensors[vi.name] = t;
        g.inputs.push_back(vi.name);
    }
    for (const auto &o : onnx.outputs) g.outputs.push_back(o.name);

    // Constant nodes become constant tensors. The reader has sorted the nodes
    // topologically and checked every input is produced.
    for (const auto &n : onnx.nodes) {
        if (n.op_type == "Constant") {
            if (n.outputs.size() != 1) throw io::FormatError(g.path + ": " + n.label() + ": expected one output");
            GraphTensor t = constant_tensor(n.attr_tensor("value"), g.path, n.label());
            t.name = n.outputs[0];
            g.tensors[t.name] = t;
            g.log.push_back("import: " + n.label() + " bound as constant " + t.name + " " + t.shape_str());
            continue;
        }
        GraphNode node;
        static_cast<io::OnnxNode &>(node) = n;
        for (const auto &o : node.outputs) {
            GraphTensor t;
            t.name = o;
            g.tensors[o] = t;
        }
        g.nodes.push_back(std::move(node));
    }
    if (onnx.reordered) g.log.push_back("import: the file lists nodes out of topological order; sorted");
    for (const auto &o : g.outputs) {
        if (!g.has_tensor(o)) throw io::FormatError(g.path + ": graph output '" + o + "' is never produced");
        g.tensor(o).is_output = true;
    }

    // Every node the back end cannot compile, at once.
    std::vector<std::string> unsupported;
    for (const auto &n : g.nodes) {
        if (!options.supported_ops.count(n.op_type)) unsupported.push_back(n.label());
    }
    if (!unsupported.empty()) {
        std::ostringstream m;
        m << g.path << ": " << unsupported.size() << " node" << (unsupported.size() > 1 ? "s" : "")
          << " with an op type Halyard cannot compile:";
        for (const auto &u : unsupported) m << "\n  " << u;
        m << "\n(supported:";
        for (const auto &s : options.supported_ops) m << " " << s;
        m << ")";
        throw io::FormatError(m.str());
    }
    g.log.push_back("import: " + std::to_string(g.nodes.size()) + " nodes, " + std::to_string(g.inputs.size()) +
                    " inputs, " + std::to_string(g.outputs.size()) + " outputs from " + g.path);
    return g;
}

}  // namespace halyard::frontend
