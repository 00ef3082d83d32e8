// Halyard I/O: the one exception type every loader throws on malformed input.
#pragma once

#include <stdexcept>
#include <string>

namespace halyard::io {

// Thrown for every malformed or unsupported input file (npy, npz, onnx). The
// message always names the file, the entry/node when there is one, and what is
// wrong, e.g. "inputs.npz: entry 'arr_0.npy': CRC mismatch (stored 0x1234..., computed ...)".
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace halyard::io
