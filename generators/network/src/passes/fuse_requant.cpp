#include "passes.h"

namespace halyard::network {

namespace {
// The integer attributes of Deeploy's RequantShift: div (a number or a
// one-element tensor), n_levels or n_levels_out, signed.
int64_t attr_scalar(const io::OnnxNode &n, const std::string &name) { return n.attr_int(name); }
}  // namespace

void fuse_requant(frontend::Graph &g) {
    static const std::set<std::string> fusing = {"Gemm", "MatMul", "Add", "Mul", "Sub", "iHardswish", "iGELU",
                                                 "iSiLU",      "TrueIntegerDiv", "iSoftmax"};
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        frontend::GraphNode &n = g.nodes[i];
        if (!fusing.count(n.op_type) || n.requant || n.outputs.size() != 1 || g.is_output(n.outputs[0])) continue;
        auto readers = g.consumers(n.outputs[0]);
        if (readers.size() != 1 || dead.count(readers[0])) continue;
        const frontend::GraphNode &rq = g.nodes[readers[0]];
        if (rq.op_type != "RequantShift" || rq.inputs.size() != 3 || rq.inputs[0] != n.outputs[0]) continue;
        if (!g.is_constant(rq.inputs[1]) || !g.is_constant(rq.inputs[2])) continue;
        frontend::FusedRequant f;
        f.mul = rq.inputs[1];
        f.add = rq.inputs[2];
        f.div = attr_scalar(rq, "div");
        f.n_levels = rq.has_attr("n_levels") ? attr_scalar(rq, "n_levels") : attr_scalar(rq, "n_levels_out");
        f.is_signed = attr_scalar(rq, "signed") != 0;
        f.from = rq.label();
        n.requant = f;
        n.outputs[0] = rq.outputs[0];
        n.merged.push_back(rq.label());
        g.log.push_back("fuse_requant: " + rq.label() + " fused into " + n.label());
        dead.insert(readers[0]);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
