// Fuzz target: an ONNX model through the reader (halyard/io/onnx_graph.h) and
// the network compiler's importer (halyard/frontend/graph.h), then what
// halyard-onnx-dump and the compiler read back from it (attributes through
// every typed getter). The only error allowed is io::FormatError.
#include <cstdint>
#include <vector>

#include "halyard/frontend/graph.h"
#include "halyard/io/onnx_graph.h"

namespace {

// Reads every attribute the way the compiler's lowering may: each getter
// either returns or throws FormatError.
void read_attributes(const halyard::io::OnnxNode &node) {
    for (const auto &a : node.attributes) {
        (void)a.to_string();
        const auto tries = {
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_int(k); },
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_float(k); },
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_ints(k); },
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_floats(k); },
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_string(k); },
            +[](const halyard::io::OnnxNode &n, const std::string &k) { (void)n.attr_tensor(k).describe(); },
        };
        for (auto get : tries) {
            try {
                get(node, a.name);
            } catch (const halyard::io::FormatError &) {
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace halyard;
    try {
        const io::OnnxGraph onnx = io::parse_onnx(std::vector<uint8_t>(data, data + size), "fuzz.onnx");
        for (const auto &n : onnx.nodes) read_attributes(n);
        for (const auto &[name, t] : onnx.initializers) (void)t.describe();
        frontend::ImportOptions options;
        // Deeploy's integer dialect as the compiler sees it; whether an op is
        // listed only decides which error the importer ends with.
        options.supported_ops = {"Add", "Concat", "Gemm", "MatMul", "Mul", "RequantShift", "Reshape",
                                 "Transpose", "iSoftmax", "ITAMax", "iRMSNorm", "iHardswish", "TrueIntegerDiv",
                                 "iNoNorm", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Slice", "Gather"};
        frontend::Graph g = frontend::import_onnx(onnx, options);
        for (const auto &[name, t] : g.tensors) {
            (void)t.num_elements();
            (void)t.shape_str();
        }
        for (const auto &n : g.nodes) (void)frontend::deeploy_activation_name(n.inputs);
        for (const auto &o : g.outputs) {  // linear scans each: not per node (the target would be quadratic)
            (void)g.producer(o);
            (void)g.consumers(o);
        }
    } catch (const io::FormatError &) {
    }
    return 0;
}
