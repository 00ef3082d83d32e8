// Writing an ONNX model from the plain struct the reader fills (onnx_graph.h):
// Halyard makes graphs of its own (the language-model app's quantized decode
// step) and writes them so the network compiler, halyard-onnx-dump and any
// ONNX viewer read them like Deeploy's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "halyard/io/onnx_graph.h"

namespace halyard::io {

// The model as bytes: graph name, opset, inputs and outputs (with their
// elem_type and shape), initializers (integer tensors from `values`, float
// ones from `fvalues`, stored as raw data), and the nodes with their
// attributes (Int, Float, Ints, Floats, String). Throws FormatError naming
// the tensor or node for what ONNX cannot hold (a tensor whose values do not
// match its shape, an attribute kind it does not write).
std::vector<uint8_t> serialize_onnx(const OnnxGraph &g);
// Write to `path`; FormatError naming the path when it cannot be written.
void write_onnx(const std::string &path, const OnnxGraph &g);

}  // namespace halyard::io
