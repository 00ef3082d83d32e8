// Read an ONNX model (through Debian's libonnx protobuf classes) into a small
// plain struct that the rest of Halyard can use without seeing protobuf.
//
// Malformed files throw halyard::io::FormatError naming the file and, where it
// applies, the node (by index, name and op type) and what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "halyard/io/format_error.h"

namespace halyard::io {

// ONNX TensorProto::DataType codes that appear in quantized graphs.
enum class OnnxElemType : int32_t {
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7,
    String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, BFloat16 = 16,
};
const char *onnx_elem_type_name(int32_t elem_type);  // "int8", "float32", "elem_type_42", ...

struct OnnxTensor {
    std::string name;
    int32_t elem_type = 0;          // original dtype (OnnxElemType code)
    std::vector<int64_t> shape;     // empty for scalars
    std::vector<int64_t> values;    // every element as int64, row-major (floats truncated toward zero)
    std::vector<double> fvalues;    // every element as double (filled for all numeric types)
    bool integral = true;           // false if some float element is not an integer (then `values` is lossy)

    int64_t num_elements() const;
    std::string describe() const;   // "int8[4,123]"
};

struct OnnxValueInfo {
    std::string name;
    int32_t elem_type = 0;
    std::vector<int64_t> shape;             // -1 for symbolic/unknown dims
    std::vector<std::string> dim_params;    // symbolic names, "" where the dim is fixed
    bool has_shape = false;
};

enum class AttrKind { Int, Float, Ints, Floats, String, Strings, Tensor, Other };
const char *attr_kind_name(AttrKind k);

struct OnnxAttribute {
    std::string name;
    AttrKind kind = AttrKind::Other;
    int64_t i = 0;
    double f = 0;
    std::vector<int64_t> ints;
    std::vector<double> floats;
    std::string s;
    std::vector<std::string> strings;
    std::shared_ptr<OnnxTensor> tensor;

    std::string to_string() const;  // "n_levels=256", "mul=tensor int32[64]", ...

    // What the graph rewrites add to a node.
    static OnnxAttribute of_int(const std::string &name, int64_t v);
    static OnnxAttribute of_ints(const std::string &name, std::vector<int64_t> v);
};

struct OnnxNode {
    std::string path;                     // file the node was read from (for messages)
    std::size_t index = 0;                // position in the graph's node list
    std::string op_type, domain, name;
    std::vector<std::string> inputs;      // "" marks an omitted optional input
    std::vector<std::string> outputs;
    std::vector<OnnxAttribute> attributes;

    // "node 3 'RequantShift_0' (RequantShift)" for messages.
    std::string label() const;

    bool has_attr(const std::string &n) const;
    const OnnxAttribute *find_attr(const std::string &n) const;
    // Typed getters. Without a default they throw FormatError (naming the file and this node)
    // when the attribute is missing; all throw when it has another kind. An Int
    // attribute read as float and a Float attribute holding an integer read as
    // int are accepted (Deeploy exporters use both for e.g. n_levels).
    int64_t attr_int(const std::string &n) const;
    int64_t attr_int(const std::string &n, int64_t dflt) const;
    double attr_float(const std::string &n) const;
    double attr_float(const std::string &n, double dflt) const;
    std::vector<int64_t> attr_ints(const std::string &n) const;
    std::vector<int64_t> attr_ints(const std::string &n, const std::vector<int64_t> &dflt) const;
    std::vector<double> attr_floats(const std::string &n) const;
    std::string attr_string(const std::string &n) const;
    std::string attr_string(const std::string &n, const std::string &dflt) const;
    const OnnxTensor &attr_tensor(const std::string &n) const;
};

struct OnnxGraph {
    std::string path;
    std::string graph_name;
    int64_t ir_version = 0;
    std::map<std::string, int64_t> opset;          // domain ("" = ai.onnx) -> version
    std::vector<OnnxValueInfo> inputs;              // graph inputs that are not initializers
    std::vector<std::string> declared_inputs;       // every graph.input name in file order, initializers
                                                    // included (old exporters list weights as inputs)
    std::vector<OnnxValueInfo> outputs;
    std::vector<OnnxValueInfo> value_infos;         // intermediate shapes, if the file has them
    std::map<std::string, OnnxTensor> initializers;
    std::vector<OnnxNode> nodes;                    // topological order (file order where it already was)
    bool reordered = false;                         // the file listed nodes out of topological order

    bool is_initializer(const std::string &n) const { return initializers.count(n) != 0; }
    // FormatError "<path>: no initializer named 'x'" when absent.
    const OnnxTensor &initializer(const std::string &n) const;
    // Shape of a graph input/output/value_info if known (nullptr otherwise).
    const OnnxValueInfo *find_value_info(const std::string &n) const;
};

// Parse a model. Checks: protobuf parses, a graph is present, every node has an
// op type, every attribute has a known kind and consistent payload, every
// tensor's payload matches its shape and dtype (external data is rejected),
// every node input is produced (graph input, initializer or a node output),
// the graph has no cycle, and every graph output is produced. Nodes are
// sorted topologically (OnnxNode::index keeps the file position).
OnnxGraph load_onnx(const std::string &path);
OnnxGraph parse_onnx(const std::vector<uint8_t> &bytes, const std::string &path);

}  // namespace halyard::io
