// Writing .npy / .npz (stored zip entries): the inverse of npz.cpp's reader.
#include <zlib.h>

#include <cstring>
#include <fstream>

#include "halyard/io/npz.h"

namespace halyard::io {

namespace {

const char *descr(DType t) {
    switch (t) {
    case DType::Bool: return "|b1";
    case DType::Int8: return "|i1";
    case DType::UInt8: return "|u1";
    case DType::Int16: return "<i2";
    case DType::UInt16: return "<u2";
    case DType::Int32: return "<i4";
    case DType::UInt32: return "<u4";
    case DType::Int64: return "<i8";
    case DType::UInt64: return "<u8";
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    }
    return "?";
}

void put16(std::vector<uint8_t> &b, uint32_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}
void put32(std::vector<uint8_t> &b, uint32_t v) {
    for (int i = 0; i < 4; i++) b.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace

NpyArray make_npy(const std::string &name, DType dtype, const std::vector<int64_t> &shape,
                  const std::vector<int64_t> &values) {
    NpyArray a;
    a.name = name;
    a.dtype = dtype;
    a.shape = shape;
    if ((int64_t)values.size() != a.num_elements()) {
        throw FormatError("array '" + name + "': " + std::to_string(values.size()) + " values for shape of " +
                          std::to_string(a.num_elements()) + " elements");
    }
    const size_t w = dtype_size(dtype);
    a.data.resize(values.size() * w);
    for (size_t i = 0; i < values.size(); i++) {
        const int64_t v = values[i];
        uint8_t *p = a.data.data() + i * w;
        auto check = [&](int64_t lo, int64_t hi) {
            if (v < lo || v > hi) {
                throw FormatError("array '" + name + "': value " + std::to_string(v) + " at " + std::to_string(i) +
                                  " does not fit " + dtype_name(dtype));
            }
        };
        switch (dtype) {
        case DType::Bool: check(0, 1); *p = uint8_t(v); break;
        case DType::Int8: check(-128, 127); *p = uint8_t(int8_t(v)); break;
        case DType::UInt8: check(0, 255); *p = uint8_t(v); break;
        case DType::Int16: { check(-32768, 32767); int16_t x = int16_t(v); std::memcpy(p, &x, 2); break; }
        case DType::UInt16: { check(0, 65535); uint16_t x = uint16_t(v); std::memcpy(p, &x, 2); break; }
        case DType::Int32: { check(INT32_MIN, INT32_MAX); int32_t x = int32_t(v); std::memcpy(p, &x, 4); break; }
        case DType::UInt32: { check(0, UINT32_MAX); uint32_t x = uint32_t(v); std::memcpy(p, &x, 4); break; }
        case DType::Int64: std::memcpy(p, &v, 8); break;
        case DType::UInt64: { check(0, INT64_MAX); std::memcpy(p, &v, 8); break; }
        case DType::Float32: { float x = float(v); std::memcpy(p, &x, 4); break; }
        case DType::Float64: { double x = double(v); std::memcpy(p, &x, 8); break; }
        }
    }
    return a;
}

std::vector<uint8_t> serialize_npy(const NpyArray &a) {
    std::string shape = "(";
    for (size_t i = 0; i < a.shape.size(); i++) shape += std::to_string(a.shape[i]) + (a.shape.size() == 1 || i + 1 < a.shape.size() ? "," : "");
    shape += ")";
    std::string header = std::string("{'descr': '") + descr(a.dtype) + "', 'fortran_order': " +
                         (a.fortran_order ? "True" : "False") + ", 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    put16(b, (uint32_t)header.size());
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), a.data.begin(), a.data.end());
    return b;
}

std::vector<uint8_t> serialize_npz(const NpzFile &f) {
    std::vector<uint8_t> out, central;
    for (const auto &a : f.arrays) {
        const std::vector<uint8_t> body = serialize_npy(a);
        const std::string name = a.name + ".npy";
        const uint32_t crc = (uint32_t)crc32(0L, body.data(), (uInt)body.size());
        const uint32_t offset = (uint32_t)out.size();
        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
        put32(out, crc), put32(out, (uint32_t)body.size()), put32(out, (uint32_t)body.size());
        put16(out, (uint32_t)name.size()), put16(out, 0);
        out.insert(out.end(), name.begin(), name.end());
        out.insert(out.end(), body.begin(), body.end());
        put32(central, 0x02014b50);
        put16(central, 20), put16(central, 20), put16(central, 0), put16(central, 0), put16(central, 0),
            put16(central, 0x21);
        put32(central, crc), put32(central, (uint32_t)body.size()), put32(central, (uint32_t)body.size());
        put16(central, (uint32_t)name.size()), put16(central, 0), put16(central, 0), put16(central, 0),
            put16(central, 0);
        put32(central, 0), put32(central, offset);
        central.insert(central.end(), name.begin(), name.end());
    }
    const uint32_t cd_offset = (uint32_t)out.size();
    out.insert(out.end(), central.begin(), central.end());
    put32(out, 0x06054b50);
    put16(out, 0), put16(out, 0), put16(out, (uint32_t)f.arrays.size()), put16(out, (uint32_t)f.arrays.size());
    put32(out, (uint32_t)central.size()), put32(out, cd_offset), put16(out, 0);
    return out;
}

void write_npz(const std::string &path, const NpzFile &f) {
    const auto bytes = serialize_npz(f);
    std::ofstream o(path, std::ios::binary);
    o.write(reinterpret_cast<const char *>(bytes.data()), (std::streamsize)bytes.size());
    if (!o) throw FormatError(path + ": cannot write the file");
}

}  // namespace halyard::io
