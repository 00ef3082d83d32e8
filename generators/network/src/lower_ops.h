// Each ONNX op type the network compiler accepts, and how a node of that type
// becomes a kernel call (a generator family with parameters and the graph
// tensors bound to the algorithm's inputs) or a view (no data moves).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "halyard/dsl/types.h"
#include "halyard/frontend/graph.h"

namespace halyard::network {

// What lowering needs to know about tensors: shapes (graph), element types
// (inferred so far), and a way to add derived constants (e.g. a weight stored
// transposed for the GEMM kernel).
class LowerContext {
public:
    explicit LowerContext(frontend::Graph &g) : graph(g) {}
    frontend::Graph &graph;
    std::map<std::string, ElemType> types;   // activations and inputs
    bool fold_identities = true;             // an exact identity RequantShift becomes a view

    const std::vector<int64_t> &shape(const std::string &t) const;
    // The element type of a tensor: inferred for activations and inputs; for
    // constants the narrowest type holding every value (signed preferred,
    // uint8 only with allow_unsigned), as Deeploy types its constant buffers.
    ElemType type(const std::string &t, bool allow_unsigned = true) const;
    const std::vector<int64_t> &values(const std::string &t) const;  // constants; UserError otherwise
    int64_t scalar(const frontend::GraphNode &n, const std::string &t, const std::string &what) const;
    std::string add_constant(const std::string &name, std::vector<int64_t> shape, std::vector<int64_t> values);
};

struct Lowered {
    bool is_view = false;
    std::string view_of;                          // views: the tensor read
    std::string family;                           // kernels
    std::map<std::string, std::string> params;
    std::map<std::string, std::string> args;      // algorithm input name -> graph tensor
    std::vector<int64_t> out_shape;               // the ONNX shape of the output (empty: the algorithm's)
    std::string op;                               // "MatMul+bias+requant", for reports
};

using OpLowering = std::function<Lowered(const frontend::GraphNode &, LowerContext &)>;

// op type -> lowering.
const std::map<std::string, OpLowering> &op_lowerings();

// "1x16x4" ("1" for a scalar).
std::string shape_param(const std::vector<int64_t> &s);

}  // namespace halyard::network
