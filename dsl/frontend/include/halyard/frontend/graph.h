// Halyard's network graph: what the front end makes of a quantized ONNX model
// (Deeploy's integer dialect) and what the network compiler's rewrites and
// back end work on. Nodes keep their ONNX op type and attributes; tensors
// carry shapes, and constants their values. Element types are not in the file
// (Deeploy's exporters declare everything float32): the network compiler
// infers them from the producers, as Deeploy's type checkers do.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "halyard/io/onnx_graph.h"

namespace halyard::frontend {

enum class TensorRole { Input, Constant, Intermediate };

struct GraphTensor {
    std::string name;
    TensorRole role = TensorRole::Intermediate;
    std::vector<int64_t> shape;      // known for inputs and constants; set for the rest by the compiler
    bool shape_known = false;
    std::vector<int64_t> values;     // constants only, row-major
    bool is_output = false;          // a graph output

    int64_t num_elements() const;
    std::string shape_str() const;   // "[1,16,4]"
};

// A RequantShift merged into the node that produces its input (Deeploy's
// *RequantMergePass): mul/add name constant tensors, div is a power of two.
struct FusedRequant {
    std::string mul, add;
    int64_t div = 1;
    int64_t n_levels = 256;
    bool is_signed = true;
    std::string from;                // label of the RequantShift node
};

struct GraphNode : io::OnnxNode {
    std::optional<FusedRequant> requant;  // epilogue fused by fuse_requant
    std::map<size_t, FusedRequant> operand_requant;  // input index -> its RequantShift (fuse_operand_requant)
    std::string bias;                     // a constant bias Add fused into a MatMul (fuse_bias)
    std::vector<std::string> merged;      // labels of the nodes rewrites folded into this one
    // The node that computed input 0, folded into this one (fuse_add_into_softmax):
    // input 0 then names a tensor nothing computes, and the node reads the producer's inputs.
    std::shared_ptr<const GraphNode> input_producer;

    // Every tensor the node reads: its inputs and the constants of what the
    // rewrites fused into it (requantizations, bias).
    std::vector<std::string> reads() const;
};

struct Graph {
    std::string path;                     // the ONNX file, for messages
    std::string name;
    std::map<std::string, GraphTensor> tensors;
    std::vector<std::string> inputs;      // graph inputs that are not constants, file order
    std::vector<std::string> outputs;     // graph outputs, file order
    std::vector<GraphNode> nodes;         // topological order
    std::vector<std::string> log;         // one line per thing the front end and the rewrites did

    bool has_tensor(const std::string &n) const { return tensors.count(n) != 0; }
    GraphTensor &tensor(const std::string &n);              // internal error when absent
    const GraphTensor &tensor(const std::string &n) const;
    bool is_constant(const std::string &n) const;
    bool is_output(const std::string &n) const;
    // Indices of the nodes reading `tensor` (each node once).
    std::vector<size_t> consumers(const std::string &tensor) const;
    // Index of the node writing `tensor`, or -1 (inputs, constants).
    int producer(const std::string &tensor) const;
    // Drop nodes whose index is in `dead` and constants nothing reads any more.
    void remove_nodes(const std::set<size_t> &dead);
};

// Deeploy's activations.npz names an intermediate tensor after the PyTorch
// (QuantLib) module that produced it ("layers_0_self_attn__ql_replaced__
// integerize_signed_act_pass_1"); that module's constants carry the same path
// ("layers.0.self_attn._QL_REPLACED__INTEGERIZE_SIGNED_ACT_PASS_1.mul"). The
// name for the output of a node (or fused chain) reading `inputs`: from its
// requantization multiplier, else its weight, else its bias; "" when none.
// A name more than one node yields (shared constants) identifies none of them.
std::string deeploy_activation_name(const std::vector<std::string> &inputs);

struct ImportOptions {
    // Op types the back end can compile. Every other node is listed in one
    // FormatError (file, node, op type), not only the first.
    std::set<std::string> supported_ops;
};

// Read `path` (ONNX; the reader sorts nodes topologically, as some exporters
// list them out of order), bind Constant nodes as constant tensors, and list
// every node the back end cannot compile. Throws io::FormatError naming the
// file, node and field.
Graph import_onnx(const std::string &path, const ImportOptions &options);
Graph import_onnx(const io::OnnxGraph &onnx, const ImportOptions &options);

}  // namespace halyard::frontend
