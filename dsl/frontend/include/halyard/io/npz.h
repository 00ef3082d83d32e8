// Halyard's own reader for NumPy .npy files and .npz archives (a zip of .npy).
//
// Supported: .npy format versions 1.0, 2.0 and 3.0; dtypes bool, int8, uint8,
// int16, uint16, int32, uint32, int64, uint64, float32, float64 in little- or
// big-endian byte order (big-endian data is byte-swapped to little-endian on
// load); C and Fortran order. Zip entries stored (method 0) or deflated
// (method 8, via zlib raw inflate), CRC-32 checked. Zip64 archives (sizes or
// offsets that do not fit 32 bits) are rejected; the zip64 "extra field" that
// numpy writes into every *local* header (force_zip64) is tolerated because the
// central directory holds the real 32-bit sizes.
//
// Every malformed input throws halyard::io::FormatError naming the file, the
// entry and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "halyard/io/format_error.h"

namespace halyard::io {

enum class DType { Bool, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float32, Float64 };

// "int8", "float32", ...
const char *dtype_name(DType t);
// Size of one element in bytes.
std::size_t dtype_size(DType t);

struct NpyArray {
    std::string name;              // entry name without ".npy" (npz) or the file name (npy)
    std::string source;            // the file it was read from, for messages (empty when built in memory)
    DType dtype = DType::Int64;
    std::vector<int64_t> shape;    // empty for a 0-d array (one element)
    bool fortran_order = false;    // layout of `data` as stored in the file
    std::vector<uint8_t> data;     // raw element bytes, little-endian, in file order

    // Number of elements (product of shape; 1 for 0-d).
    int64_t num_elements() const;

    // All elements as int64 in logical row-major (C) order, whatever the
    // file's order. Floats must hold integral values that fit int64, uint64
    // values must fit int64; otherwise FormatError (naming `name`).
    std::vector<int64_t> to_int64() const;
    // All elements as double in logical row-major order.
    std::vector<double> to_double() const;
    // "<source>: " or nothing: the prefix of this array's messages.
    std::string where() const;

    // "int8[32,48]" (plus " (fortran)" when fortran_order).
    std::string describe() const;
};

// A loaded .npz archive; arrays in archive order.
struct NpzFile {
    std::string path;
    std::vector<NpyArray> arrays;

    bool contains(const std::string &name) const;
    // Throws FormatError "<path>: missing entry '<name>' (has: a, b, c)".
    const NpyArray &at(const std::string &name) const;
    std::vector<std::string> names() const;
};

// Parse one .npy image held in memory. `context` names the source in error
// messages (e.g. "inputs.npz: entry 'arr_0.npy'").
NpyArray parse_npy(const uint8_t *bytes, std::size_t size, const std::string &context);

// Read a .npy file from disk. The array's name is the file's base name without ".npy".
NpyArray load_npy(const std::string &path);

// Parse a .npz image held in memory; `path` is used for messages and NpzFile::path.
NpzFile parse_npz(const std::vector<uint8_t> &bytes, const std::string &path);

// Read a .npz file from disk.
NpzFile load_npz(const std::string &path);

// Read a whole file; FormatError if it cannot be opened or read.
std::vector<uint8_t> read_file_bytes(const std::string &path);

}  // namespace halyard::io

namespace halyard::io {

// Writing (Halyard makes test folders of its own, e.g. rescaled models):
// an array of `dtype` (an integer type or Float32/Float64) holding `values`
// in row-major order. FormatError when a value does not fit the dtype.
NpyArray make_npy(const std::string &name, DType dtype, const std::vector<int64_t> &shape,
                  const std::vector<int64_t> &values);
// A .npy v1.0 image / a .npz archive (entries stored, CRC-32 set) as numpy writes them.
std::vector<uint8_t> serialize_npy(const NpyArray &a);
std::vector<uint8_t> serialize_npz(const NpzFile &f);
// Write `f` to `path`; FormatError naming the path when it cannot be written.
void write_npz(const std::string &path, const NpzFile &f);

}  // namespace halyard::io
