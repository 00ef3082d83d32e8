// Fuzz target: a .npz archive, or a .npy file when the bytes start with the
// .npy magic (halyard/io/npz.h), and every array read back the ways
// halyard-run and the reference tests do. The only error allowed is
// io::FormatError.
#include <cstdint>
#include <cstring>
#include <vector>

#include "halyard/io/npz.h"

namespace {

void read_back(const halyard::io::NpyArray &a) {
    (void)a.describe();
    (void)a.num_elements();
    try {
        (void)a.to_int64();
    } catch (const halyard::io::FormatError &) {  // floats that are not integers, uint64 past int64
    }
    (void)a.to_double();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace halyard::io;
    try {
        if (size >= 6 && std::memcmp(data, "\x93NUMPY", 6) == 0) {
            read_back(parse_npy(data, size, "fuzz.npy"));
        } else {
            const NpzFile npz = parse_npz(std::vector<uint8_t>(data, data + size), "fuzz.npz");
            for (const auto &a : npz.arrays) read_back(a);
            (void)npz.names();
            try {
                (void)npz.at("arr_0");
            } catch (const FormatError &) {
            }
        }
    } catch (const FormatError &) {
    }
    return 0;
}
