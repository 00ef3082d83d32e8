#include "passes.h"

namespace halyard::network {

void fuse_operand_requant(frontend::Graph &g) {
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const frontend::GraphNode &rq = g.nodes[i];
        if (rq.op_type != "RequantShift" || rq.inputs.size() != 3 || rq.outputs.size() != 1 ||
            g.is_output(rq.outputs[0])) {
            continue;
        }
        if (!g.is_constant(rq.inputs[1]) || !g.is_constant(rq.inputs[2])) continue;
        // Only a computed operand: a graph input or constant one is often
        // broadcast (the attention mask over the heads), and requantizing it
        // at every use costs more than one pass over it.
        if (g.producer(rq.inputs[0]) < 0) continue;
        auto readers = g.consumers(rq.outputs[0]);
        if (readers.size() != 1 || dead.count(readers[0])) continue;
        frontend::GraphNode &add = g.nodes[readers[0]];
        if (add.op_type != "Add" || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) continue;
        const size_t k = add.inputs[0] == rq.outputs[0] ? 0 : 1;
        if (add.operand_requant.count(k)) continue;
        frontend::FusedRequant f;
        f.mul = rq.inputs[1];
        f.add = rq.inputs[2];
        f.div = rq.attr_int("div");
        f.n_levels = rq.has_attr("n_levels") ? rq.attr_int("n_levels") : rq.attr_int("n_levels_out");
        f.is_signed = rq.attr_int("signed") != 0;
        f.from = rq.label();
        add.operand_requant[k] = f;
        add.inputs[k] = rq.inputs[0];
        add.merged.push_back(rq.label());
        g.log.push_back("fuse_operand_requant: " + rq.label() + " fused into " + add.label() + " as the requantization of " +
                        (k == 0 ? "A" : "B"));
        dead.insert(i);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
