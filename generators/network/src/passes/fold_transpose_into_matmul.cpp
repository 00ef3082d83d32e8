#include "passes.h"

namespace halyard::network {

namespace {
// perm swaps the last two axes and keeps the others.
bool swaps_last_two(const std::vector<int64_t> &perm) {
    const size_t r = perm.size();
    if (r < 2) return false;
    for (size_t i = 0; i + 2 < r; i++) {
        if (perm[i] != (int64_t)i) return false;
    }
    return perm[r - 2] == (int64_t)r - 1 && perm[r - 1] == (int64_t)r - 2;
}
}  // namespace

void fold_transpose_into_matmul(frontend::Graph &g) {
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const frontend::GraphNode &t = g.nodes[i];
        if (t.op_type != "Transpose" || t.outputs.size() != 1 || g.is_output(t.outputs[0])) continue;
        if (!swaps_last_two(t.attr_ints("perm", {}))) continue;
        auto readers = g.consumers(t.outputs[0]);
        if (readers.size() != 1) continue;
        frontend::GraphNode &mm = g.nodes[readers[0]];
        if (mm.op_type != "MatMul" || mm.inputs.size() != 2 || mm.inputs[1] != t.outputs[0] ||
            mm.inputs[0] == t.outputs[0] || mm.has_attr("halyard_trans_b")) {
            continue;
        }
        mm.inputs[1] = t.inputs.at(0);
        mm.attributes.push_back(io::OnnxAttribute::of_int("halyard_trans_b", 1));
        mm.merged.push_back(t.label());
        g.log.push_back("fold_transpose_into_matmul: " + t.label() + " folded into " + mm.label() +
                        " (B read as [..., N, K])");
        dead.insert(i);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
