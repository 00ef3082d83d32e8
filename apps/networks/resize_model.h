// Deeploy's microLlama test graphs at other sizes: the same network (8
// layers, d = 64, 16 heads of 4, FFN 256, Deeploy's own quantized weights)
// with a longer KV cache (decode) or a longer prompt (prefill), and random
// inputs drawn from the source folder's input values. The expected outputs
// are made by running the resized network through Halyard on the host.
#pragma once

#include <cstdint>
#include <string>

namespace halyard::apps {

struct ResizeSpec {
    int64_t kv = -1;       // decode: KV-cache length (source: a decode folder, e.g. microLlama16)
    int64_t seq = -1;      // prefill: prompt length (source: a prefill folder, e.g. microLlama2_parallel)
    uint32_t seed = 1;
};

// Reads SRC/network.onnx + inputs.npz, writes DST/network.onnx + inputs.npz.
// Throws std::runtime_error naming the file and what does not fit when the
// source is not a microLlama-style graph.
void resize_model(const std::string &src, const std::string &dst, const ResizeSpec &spec);

}  // namespace halyard::apps
