#include "passes.h"

namespace halyard::network {

void drop_empty_concat_inputs(frontend::Graph &g) {
    for (auto &n : g.nodes) {
        if (n.op_type != "Concat") continue;
        std::vector<std::string> kept;
        for (const auto &in : n.inputs) {
            const auto &t = g.tensor(in);
            const bool empty = t.shape_known && t.num_elements() == 0;
            if (empty) {
                g.log.push_back("drop_empty_concat_inputs: " + n.label() + ": input '" + in + "' " + t.shape_str() +
                                " is empty, dropped");
            } else {
                kept.push_back(in);
            }
        }
        if (kept.size() == n.inputs.size()) continue;
        n.inputs = kept;
        if (kept.size() == 1) {
            n.op_type = "Identity";
            n.attributes.clear();
            g.log.push_back("drop_empty_concat_inputs: " + n.label() + " has one input left: a view of it");
        }
    }
}

}  // namespace halyard::network
