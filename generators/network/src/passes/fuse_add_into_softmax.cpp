#include "passes.h"

namespace halyard::network {

void fuse_add_into_softmax(frontend::Graph &g) {
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        frontend::GraphNode &sm = g.nodes[i];
        if (sm.op_type != "iSoftmax" || sm.inputs.empty() || sm.input_producer) continue;
        const std::string &x = sm.inputs[0];
        const int p = g.producer(x);
        if (p < 0 || dead.count(p) || g.is_output(x) || g.consumers(x).size() != 1) continue;
        const frontend::GraphNode &add = g.nodes[p];
        // An int8 result (a requantization to 256 signed levels), the
        // softmax's input type; two computed or constant operands.
        if (add.op_type != "Add" || add.inputs.size() != 2 || add.inputs[0].empty() || add.inputs[1].empty() ||
            !add.requant || add.requant->n_levels != 256 || !add.requant->is_signed || add.input_producer) {
            continue;
        }
        sm.input_producer = std::make_shared<const frontend::GraphNode>(add);
        sm.merged.push_back(add.label());
        sm.merged.insert(sm.merged.end(), add.merged.begin(), add.merged.end());
        g.log.push_back("fuse_add_into_softmax: " + add.label() + " fused into " + sm.label() +
                        " (x = the Add, computed per row: its result is not stored)");
        dead.insert(p);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
