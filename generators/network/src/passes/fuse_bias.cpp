#include "passes.h"

namespace halyard::network {

void fuse_bias(frontend::Graph &g) {
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        frontend::GraphNode &mm = g.nodes[i];
        if (mm.op_type != "MatMul" || mm.inputs.size() != 2 || !mm.bias.empty() || mm.has_attr("halyard_trans_b"))
            continue;
        const std::string &w = mm.inputs[1];
        if (!g.is_constant(w) || g.tensor(w).shape.size() != 2 || g.is_output(mm.outputs[0])) continue;
        const int64_t N = g.tensor(w).shape[1];
        auto readers = g.consumers(mm.outputs[0]);
        if (readers.size() != 1 || dead.count(readers[0])) continue;
        frontend::GraphNode &add = g.nodes[readers[0]];
        if (add.op_type != "Add" || add.inputs.size() != 2) continue;
        const std::string &other = add.inputs[0] == mm.outputs[0] ? add.inputs[1] : add.inputs[0];
        if (other == mm.outputs[0] || !g.is_constant(other)) continue;
        const auto &b = g.tensor(other);
        const bool per_column = b.num_elements() == N && !b.shape.empty() && b.shape.back() == N;
        if (!per_column && b.num_elements() != 1) continue;
        mm.bias = other;
        mm.outputs[0] = add.outputs[0];
        mm.merged.push_back(add.label());
        g.log.push_back("fuse_bias: " + add.label() + " (bias '" + other + "' " + b.shape_str() + ") fused into " +
                        mm.label());
        dead.insert(readers[0]);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
