// Runs an ONNX graph loaded by halyard_frontend node by node with the reference ops.
// Used by the Deeploy-vector tests; also usable by generator tests as an oracle.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "halyard/io/npz.h"
#include "halyard/io/onnx_graph.h"
#include "halyard_ref/ops.h"

namespace halyard_ref {

// Thrown when a node's op (or an attribute combination) is not modelled by the
// reference. Distinct from std::invalid_argument (a real error).
struct Unsupported : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Convert loader types to reference tensors.
Tensor to_tensor(const halyard::io::NpyArray &a);
Tensor to_tensor(const halyard::io::OnnxTensor &t);

// Execute one node. `values` maps tensor names to values (graph inputs,
// initializers and earlier node outputs); the node's outputs are added to it.
void run_node(const halyard::io::OnnxGraph &g, const halyard::io::OnnxNode &node,
              std::map<std::string, Tensor> &values);

struct RunOptions {
    // Apply the graph rewrites Deeploy's Generic target performs before code
    // generation and that change numerics. Today: MergeTrueIntegerDivRequantShiftPass
    // (TrueIntegerDiv followed by a per-tensor RequantShift with add == 0 is
    // replaced by one RequantShift with mul' = mul * floor(Delta*eta / (y*eta+eps)) * 256
    // and div' = div * 256; the TrueIntegerDiv output is then never materialized).
    bool deeploy_rewrites = true;
};

// Run the whole graph. `inputs` maps graph input names to values; returns all
// values (inputs, initializers, every node output that was computed).
std::map<std::string, Tensor> run_graph(const halyard::io::OnnxGraph &g, const std::map<std::string, Tensor> &inputs,
                                        const RunOptions &opts = RunOptions());

// Deeploy test-case conventions: inputs.npz arrays are matched to graph inputs
// by position (the npz names, e.g. arr_0, are not the graph's names). When the
// npz holds more arrays than the graph has non-initializer inputs, they are
// matched against every declared graph input, initializers included (old
// exporters list weights as inputs), and the npz value then replaces the
// initializer. Throws std::invalid_argument when counts or sizes disagree.
std::map<std::string, Tensor> bind_inputs(const halyard::io::OnnxGraph &g, const halyard::io::NpzFile &inputs);

}  // namespace halyard_ref
