#include "passes.h"

namespace halyard::network {

namespace {
int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}
}  // namespace

void merge_true_integer_div(frontend::Graph &g) {
    std::set<size_t> dead;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const frontend::GraphNode &div = g.nodes[i];
        if (div.op_type != "TrueIntegerDiv" || div.outputs.size() != 1 || g.is_output(div.outputs[0])) continue;
        auto readers = g.consumers(div.outputs[0]);
        if (readers.size() != 1) continue;
        frontend::GraphNode &rq = g.nodes[readers[0]];
        if (rq.op_type != "RequantShift" || rq.inputs.size() != 3 || rq.inputs[0] != div.outputs[0]) continue;
        if (!g.is_constant(rq.inputs[1]) || !g.is_constant(rq.inputs[2])) continue;
        const auto &mul = g.tensor(rq.inputs[1]), &add = g.tensor(rq.inputs[2]);
        if (mul.num_elements() != 1 || add.num_elements() != 1 || add.values[0] != 0) continue;
        const int64_t y = div.attr_int("y"), Delta = div.attr_int("Delta"), eps = div.attr_int("eps"),
                      eta = div.attr_int("eta");
        if (y * eta + eps == 0) continue;  // left standalone: the kernel reports the division by zero
        const int64_t coeff = floor_div(Delta * eta, y * eta + eps) * 256;
        frontend::GraphTensor folded = mul;
        folded.name = rq.name + "_mul_folded_" + div.name;
        folded.values[0] = mul.values[0] * coeff;
        folded.is_output = false;
        g.tensors[folded.name] = folded;
        rq.inputs[0] = div.inputs.at(0);
        rq.inputs[1] = folded.name;
        // div' = div * 256 (Deeploy stretches the division by 2^8).
        for (auto &a : rq.attributes) {
            if (a.name != "div") continue;
            if (a.kind == io::AttrKind::Tensor && a.tensor) {
                auto t = std::make_shared<io::OnnxTensor>(*a.tensor);
                for (auto &v : t->values) v *= 256;
                for (auto &v : t->fvalues) v *= 256;
                a.tensor = t;
            } else {
                a.i *= 256;
                a.f *= 256;
            }
        }
        rq.merged.push_back(div.label());
        g.log.push_back("merge_true_integer_div: " + div.label() + " folded into " + rq.label() + " (mul " +
                        std::to_string(mul.values[0]) + " -> " + std::to_string(folded.values[0]) + ", div x 256)");
        dead.insert(i);
    }
    if (!dead.empty()) g.remove_nodes(dead);
}

}  // namespace halyard::network
