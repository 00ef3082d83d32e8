#include <algorithm>

#include "halyard/micro_kernels.h"
#include "passes.h"

namespace halyard::network {

namespace {
// Below this K a pass over B costs more than the kernel saves.
constexpr int64_t kMinTransposedK = 16;

// A dot-product kernel for matmul takes this K on its fast path, and there is
// enough of it to pay for the transpose (a MatMul reading B [..., K, N] runs
// the generic loop nest).
bool worth_transposing(const std::vector<int64_t> &b_shape) {
    if (b_shape.size() < 3) return false;  // 2-D operands are weights or GEMMs
    const int64_t k = b_shape[b_shape.size() - 2];
    if (k < kMinTransposedK) return false;
    for (const auto &mk : micro_kernel_registry()) {
        if (std::count(mk.ops.begin(), mk.ops.end(), "matmul") && mk.k_contiguous() && mk.fast_for_k(k)) return true;
    }
    return false;
}
}  // namespace

bool transpose_matmul_operand(frontend::Graph &g, size_t i) {
    if (g.nodes[i].op_type != "MatMul" || g.nodes[i].inputs.size() != 2 || g.nodes[i].has_attr("halyard_trans_b")) {
        return false;
    }
    const std::string b = g.nodes[i].inputs[1];
    if (b.empty() || g.is_constant(b) || b == g.nodes[i].inputs[0]) return false;
    const frontend::GraphTensor &bt = g.tensor(b);
    if (!bt.shape_known || !worth_transposing(bt.shape)) return false;
    const std::string name = b + "__nk_for_" + g.nodes[i].name;
    if (g.has_tensor(name)) return false;

    frontend::GraphTensor t;
    t.name = name;
    t.shape = bt.shape;
    std::swap(t.shape[t.shape.size() - 1], t.shape[t.shape.size() - 2]);
    t.shape_known = true;
    g.tensors[name] = t;

    frontend::GraphNode tr;
    tr.path = g.nodes[i].path;
    tr.index = g.nodes[i].index;
    tr.op_type = "Transpose";
    tr.name = g.nodes[i].name + "__halyard_transpose_b";
    tr.inputs = {b};
    tr.outputs = {name};
    std::vector<int64_t> perm;
    for (size_t d = 0; d < bt.shape.size(); d++) perm.push_back((int64_t)d);
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    tr.attributes.push_back(io::OnnxAttribute::of_ints("perm", perm));

    frontend::GraphNode &mm = g.nodes[i];
    mm.inputs[1] = name;
    mm.attributes.push_back(io::OnnxAttribute::of_int("halyard_trans_b", 1));
    g.log.push_back("transpose_matmul_operand: " + mm.label() + " reads B " + bt.shape_str() +
                    " transposed by a new Transpose '" + tr.name + "' (trans_b: the kernels read [..., N, K])");
    g.nodes.insert(g.nodes.begin() + (std::ptrdiff_t)i, tr);
    return true;
}

}  // namespace halyard::network
