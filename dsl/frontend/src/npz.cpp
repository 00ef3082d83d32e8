// Halyard's .npy / .npz reader. See npz.h for what is supported.
#include "halyard/io/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

namespace halyard::io {

namespace {

[[noreturn]] void fail(const std::string &context, const std::string &what) {
    throw FormatError(context + ": " + what);
}

uint16_t rd16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t *p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

// ---------------------------------------------------------------- .npy header
// The header is a Python dict literal, e.g.
//   {'descr': '<i4', 'fortran_order': False, 'shape': (32, 48), }
class HeaderParser {
public:
    HeaderParser(const std::string &text, const std::string &context) : s_(text), ctx_(context) {}

    void parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape) {
        bool have_descr = false, have_fortran = false, have_shape = false;
        skip_ws();
        expect('{');
        for (;;) {
            skip_ws();
            if (peek() == '}') { ++i_; break; }
            std::string key = parse_string();
            skip_ws();
            expect(':');
            skip_ws();
            if (key == "descr") {
                if (peek() != '\'' && peek() != '"')
                    bad("'descr' is not a simple dtype string (structured dtypes are not supported)");
                descr = parse_string();
                have_descr = true;
            } else if (key == "fortran_order") {
                fortran = parse_bool();
                have_fortran = true;
            } else if (key == "shape") {
                shape = parse_shape();
                have_shape = true;
            } else {
                bad("unexpected key '" + key + "'");
            }
            skip_ws();
            if (peek() == ',') { ++i_; continue; }
            skip_ws();
            if (peek() == '}') { ++i_; break; }
            bad("expected ',' or '}'");
        }
        if (!have_descr) bad("missing key 'descr'");
        if (!have_fortran) bad("missing key 'fortran_order'");
        if (!have_shape) bad("missing key 'shape'");
    }

private:
    [[noreturn]] void bad(const std::string &what) {
        fail(ctx_, "bad .npy header (" + what + " at offset " + std::to_string(i_) + "): \"" + s_ + "\"");
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void skip_ws() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    void expect(char c) {
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++i_;
    }
    std::string parse_string() {
        char q = peek();
        if (q != '\'' && q != '"') bad("expected a quoted string");
        ++i_;
        std::string out;
        while (i_ < s_.size() && s_[i_] != q) out += s_[i_++];
        if (i_ >= s_.size()) bad("unterminated string");
        ++i_;
        return out;
    }
    bool parse_bool() {
        if (s_.compare(i_, 4, "True") == 0) { i_ += 4; return true; }
        if (s_.compare(i_, 5, "False") == 0) { i_ += 5; return false; }
        bad("expected True or False");
    }
    std::vector<int64_t> parse_shape() {
        std::vector<int64_t> shape;
        expect('(');
        for (;;) {
            skip_ws();
            if (peek() == ')') { ++i_; break; }
            if (!std::isdigit(static_cast<unsigned char>(peek()))) bad("expected a non-negative integer dimension");
            int64_t v = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) bad("dimension too large");
                v = v * 10 + (s_[i_++] - '0');
            }
            if (peek() == 'L') ++i_;  // Python 2 long suffix
            shape.push_back(v);
            skip_ws();
            if (peek() == ',') { ++i_; continue; }
            if (peek() == ')') { ++i_; break; }
            bad("expected ',' or ')' in shape");
        }
        return shape;
    }

    const std::string &s_;
    std::string ctx_;
    size_t i_ = 0;
};

bool parse_descr(const std::string &descr, DType &t, bool &big_endian) {
    if (descr.size() < 2) return false;
    char order = descr[0];
    std::string code = descr.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=') return false;
    big_endian = (order == '>');
    if (code == "b1" || code == "?") t = DType::Bool;
    else if (code == "i1") t = DType::Int8;
    else if (code == "u1") t = DType::UInt8;
    else if (code == "i2") t = DType::Int16;
    else if (code == "u2") t = DType::UInt16;
    else if (code == "i4") t = DType::Int32;
    else if (code == "u4") t = DType::UInt32;
    else if (code == "i8") t = DType::Int64;
    else if (code == "u8") t = DType::UInt64;
    else if (code == "f4") t = DType::Float32;
    else if (code == "f8") t = DType::Float64;
    else return false;
    return true;
}

template <typename T>
T load_le(const uint8_t *p) {
    T v;
    std::memcpy(&v, p, sizeof(T));  // host is little-endian (x86-64, RV32)
    return v;
}

// Index in storage order of the logical (row-major) element `i`.
struct OrderMap {
    std::vector<int64_t> shape;
    bool fortran;
    template <typename F>
    void for_each(int64_t n, F &&f) const {
        if (!fortran || shape.size() < 2) {
            for (int64_t i = 0; i < n; ++i) f(i, i);
            return;
        }
        // Column-major strides.
        std::vector<int64_t> fstride(shape.size());
        int64_t s = 1;
        for (size_t d = 0; d < shape.size(); ++d) { fstride[d] = s; s *= shape[d]; }
        std::vector<int64_t> idx(shape.size(), 0);
        for (int64_t i = 0; i < n; ++i) {
            int64_t off = 0;
            for (size_t d = 0; d < shape.size(); ++d) off += idx[d] * fstride[d];
            f(i, off);
            for (size_t d = shape.size(); d-- > 0;) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }
};

}  // namespace

const char *dtype_name(DType t) {
    switch (t) {
    case DType::Bool: return "bool";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::UInt16: return "uint16";
    case DType::Int32: return "int32";
    case DType::UInt32: return "uint32";
    case DType::Int64: return "int64";
    case DType::UInt64: return "uint64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    }
    return "?";
}

std::size_t dtype_size(DType t) {
    switch (t) {
    case DType::Bool: case DType::Int8: case DType::UInt8: return 1;
    case DType::Int16: case DType::UInt16: return 2;
    case DType::Int32: case DType::UInt32: case DType::Float32: return 4;
    case DType::Int64: case DType::UInt64: case DType::Float64: return 8;
    }
    return 0;
}

// "path: " when the array came from a file (messages name it).
std::string NpyArray::where() const { return source.empty() ? std::string() : source + ": "; }

namespace {
// A value as written, not rounded to 6 decimals (1e-7 is not "0.000000").
std::string exact(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", d);
    return buf;
}
}  // namespace

int64_t NpyArray::num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string NpyArray::describe() const {
    std::string s = std::string(dtype_name(dtype)) + "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    s += "]";
    if (fortran_order) s += " (fortran)";
    return s;
}

std::vector<int64_t> NpyArray::to_int64() const {
    const int64_t n = num_elements();
    const size_t es = dtype_size(dtype);
    if (data.size() != size_t(n) * es)
        throw FormatError(where() + "array '" + name + "': data size " + std::to_string(data.size()) +
                          " does not match " + describe());
    std::vector<int64_t> out(static_cast<size_t>(n));
    const uint8_t *p = data.data();
    OrderMap om{shape, fortran_order};
    om.for_each(n, [&](int64_t i, int64_t off) {
        const uint8_t *e = p + off * es;
        int64_t v = 0;
        switch (dtype) {
        case DType::Bool: v = e[0] != 0; break;
        case DType::Int8: v = int8_t(e[0]); break;
        case DType::UInt8: v = e[0]; break;
        case DType::Int16: v = load_le<int16_t>(e); break;
        case DType::UInt16: v = load_le<uint16_t>(e); break;
        case DType::Int32: v = load_le<int32_t>(e); break;
        case DType::UInt32: v = load_le<uint32_t>(e); break;
        case DType::Int64: v = load_le<int64_t>(e); break;
        case DType::UInt64: {
            uint64_t u = load_le<uint64_t>(e);
            if (u > uint64_t(std::numeric_limits<int64_t>::max()))
                throw FormatError(where() + "array '" + name + "': uint64 value " + std::to_string(u) +
                                  " at element " + std::to_string(i) + " does not fit int64");
            v = int64_t(u);
            break;
        }
        case DType::Float32:
        case DType::Float64: {
            double d = dtype == DType::Float32 ? double(load_le<float>(e)) : load_le<double>(e);
            if (!std::isfinite(d) || d != std::floor(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18)
                throw FormatError(where() + "array '" + name + "': " + dtype_name(dtype) + " value " + exact(d) +
                                  " at element " + std::to_string(i) + " is not an integer that fits int64");
            v = int64_t(d);
            break;
        }
        }
        out[size_t(i)] = v;
    });
    return out;
}

std::vector<double> NpyArray::to_double() const {
    const int64_t n = num_elements();
    const size_t es = dtype_size(dtype);
    if (data.size() != size_t(n) * es)
        throw FormatError(where() + "array '" + name + "': data size does not match " + describe());
    std::vector<double> out(static_cast<size_t>(n));
    OrderMap om{shape, fortran_order};
    om.for_each(n, [&](int64_t i, int64_t off) {
        const uint8_t *e = data.data() + off * es;
        double v = 0;
        switch (dtype) {
        case DType::Bool: v = e[0] != 0; break;
        case DType::Int8: v = int8_t(e[0]); break;
        case DType::UInt8: v = e[0]; break;
        case DType::Int16: v = load_le<int16_t>(e); break;
        case DType::UInt16: v = load_le<uint16_t>(e); break;
        case DType::Int32: v = load_le<int32_t>(e); break;
        case DType::UInt32: v = load_le<uint32_t>(e); break;
        case DType::Int64: v = double(load_le<int64_t>(e)); break;
        case DType::UInt64: v = double(load_le<uint64_t>(e)); break;
        case DType::Float32: v = load_le<float>(e); break;
        case DType::Float64: v = load_le<double>(e); break;
        }
        out[size_t(i)] = v;
    });
    return out;
}

NpyArray parse_npy(const uint8_t *bytes, std::size_t size, const std::string &context) {
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (size < 10) fail(context, "truncated .npy (" + std::to_string(size) + " bytes, need at least 10 for the preamble)");
    if (std::memcmp(bytes, magic, 6) != 0) fail(context, "bad magic (not a .npy file: expected \\x93NUMPY)");
    const unsigned major = bytes[6], minor = bytes[7];
    size_t header_len, header_start;
    if (major == 1) {
        header_len = rd16(bytes + 8);
        header_start = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) fail(context, "truncated .npy preamble (version 2/3 needs 12 bytes)");
        header_len = rd32(bytes + 8);
        header_start = 12;
    } else {
        fail(context, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    }
    if (header_start + header_len > size)
        fail(context, "truncated .npy header (header length " + std::to_string(header_len) + ", file has " +
                          std::to_string(size - header_start) + " bytes after the preamble)");
    std::string header(reinterpret_cast<const char *>(bytes + header_start), header_len);
    // Drop trailing padding/newline for messages and parsing.
    while (!header.empty() && (header.back() == '\n' || header.back() == ' ' || header.back() == '\0')) header.pop_back();

    NpyArray a;
    std::string descr;
    HeaderParser(header, context).parse(descr, a.fortran_order, a.shape);
    bool big_endian = false;
    if (!parse_descr(descr, a.dtype, big_endian))
        fail(context, "unknown or unsupported dtype '" + descr +
                          "' (supported: bool, int8/16/32/64, uint8/16/32/64, float32/64)");
    // Element count with overflow check.
    uint64_t n = 1;
    for (int64_t d : a.shape) {
        if (d != 0 && n > std::numeric_limits<uint64_t>::max() / uint64_t(d) / 8)
            fail(context, "shape too large in header \"" + header + "\"");
        n *= uint64_t(d);
    }
    const size_t es = dtype_size(a.dtype);
    const size_t need = size_t(n) * es;
    const size_t data_start = header_start + header_len;
    const size_t have = size - data_start;
    if (have < need)
        fail(context, "truncated .npy data: " + a.describe() + " needs " + std::to_string(need) + " bytes, found " +
                          std::to_string(have));
    if (have > need)
        fail(context, "trailing garbage after .npy data: " + a.describe() + " needs " + std::to_string(need) +
                          " bytes, found " + std::to_string(have));
    a.data.assign(bytes + data_start, bytes + data_start + need);
    if (big_endian && es > 1) {
        for (size_t i = 0; i < need; i += es) std::reverse(a.data.begin() + i, a.data.begin() + i + es);
    }
    return a;
}

std::vector<uint8_t> read_file_bytes(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw FormatError(path + ": cannot open file");
    std::vector<uint8_t> out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw FormatError(path + ": read error");
    return out;
}

static std::string base_name(const std::string &path) {
    size_t s = path.find_last_of('/');
    return s == std::string::npos ? path : path.substr(s + 1);
}

static std::string strip_npy(const std::string &n) {
    if (n.size() >= 4 && n.compare(n.size() - 4, 4, ".npy") == 0) return n.substr(0, n.size() - 4);
    return n;
}

NpyArray load_npy(const std::string &path) {
    std::vector<uint8_t> bytes = read_file_bytes(path);
    NpyArray a = parse_npy(bytes.data(), bytes.size(), path);
    a.name = strip_npy(base_name(path));
    a.source = path;
    return a;
}

// ------------------------------------------------------------------- zip
NpzFile parse_npz(const std::vector<uint8_t> &bytes, const std::string &path) {
    const size_t size = bytes.size();
    const uint8_t *b = bytes.data();
    if (size < 4) fail(path, "truncated file (" + std::to_string(size) + " bytes), not a zip archive");
    if (rd32(b) != 0x04034b50u && rd32(b) != 0x06054b50u) {
        if (size >= 6 && b[0] == 0x93 && std::memcmp(b + 1, "NUMPY", 5) == 0)
            fail(path, "bad magic: this is a .npy file, not a .npz (zip) archive");
        fail(path, "bad magic: not a zip archive (expected 'PK\\x03\\x04')");
    }
    // End of central directory: 22 bytes + comment (<= 65535), scan backwards.
    if (size < 22) fail(path, "truncated zip archive: no end-of-central-directory record");
    size_t eocd = std::string::npos;
    const size_t lo = size > 22 + 65535 ? size - 22 - 65535 : 0;
    for (size_t p = size - 22 + 1; p-- > lo;) {
        if (rd32(b + p) == 0x06054b50u) { eocd = p; break; }
    }
    if (eocd == std::string::npos)
        fail(path, "truncated or corrupt zip archive: end-of-central-directory record not found");
    const uint16_t disk = rd16(b + eocd + 4), cd_disk = rd16(b + eocd + 6);
    const uint16_t n_entries = rd16(b + eocd + 10);
    const uint32_t cd_size = rd32(b + eocd + 12), cd_off = rd32(b + eocd + 16);
    if (eocd >= 20 && rd32(b + eocd - 20) == 0x07064b50u)
        fail(path, "zip64 archive (zip64 end-of-central-directory locator present): not supported");
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu)
        fail(path, "zip64 archive (32-bit fields saturated in the end-of-central-directory): not supported");
    if (disk != 0 || cd_disk != 0) fail(path, "multi-disk zip archives are not supported");
    if (uint64_t(cd_off) + cd_size > eocd)
        fail(path, "corrupt zip archive: central directory (offset " + std::to_string(cd_off) + ", size " +
                       std::to_string(cd_size) + ") lies outside the file");

    NpzFile npz;
    npz.path = path;
    size_t p = cd_off;
    std::map<uint64_t, uint64_t> entry_spans;  // local header offset -> end of the entry's data
    for (unsigned e = 0; e < n_entries; ++e) {
        const std::string ectx = path + ": central directory entry " + std::to_string(e);
        if (p + 46 > cd_off + size_t(cd_size)) fail(ectx, "truncated central directory");
        if (rd32(b + p) != 0x02014b50u) fail(ectx, "bad central directory signature");
        const uint16_t flags = rd16(b + p + 8), method = rd16(b + p + 10);
        const uint32_t crc = rd32(b + p + 16), csize = rd32(b + p + 20), usize = rd32(b + p + 24);
        const uint16_t name_len = rd16(b + p + 28), extra_len = rd16(b + p + 30), comment_len = rd16(b + p + 32);
        const uint32_t local_off = rd32(b + p + 42);
        if (p + 46 + name_len > size) fail(ectx, "truncated entry name");
        const std::string ename(reinterpret_cast<const char *>(b + p + 46), name_len);
        const std::string ctx = path + ": entry '" + ename + "'";
        p += 46 + size_t(name_len) + extra_len + comment_len;
        if (p > cd_off + size_t(cd_size)) fail(ctx, "central directory record runs past the directory");

        if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || local_off == 0xFFFFFFFFu)
            fail(ctx, "zip64 entry (size or offset does not fit 32 bits): not supported");
        if (flags & 0x1) fail(ctx, "encrypted entry: not supported");
        if (method != 0 && method != 8)
            fail(ctx, "unsupported compression method " + std::to_string(method) + " (only stored=0 and deflate=8)");

        // Local header.
        if (uint64_t(local_off) + 30 > size) fail(ctx, "truncated file: local header past end of file");
        const uint8_t *lh = b + local_off;
        if (rd32(lh) != 0x04034b50u) fail(ctx, "bad local header signature");
        const uint16_t lname = rd16(lh + 26), lextra = rd16(lh + 28);
        const uint64_t data_off = uint64_t(local_off) + 30 + lname + lextra;
        if (data_off + csize > size)
            fail(ctx, "truncated file: entry data (" + std::to_string(csize) + " bytes at offset " +
                          std::to_string(data_off) + ") runs past end of file (" + std::to_string(size) + " bytes)");
        // Entries sharing bytes would let a small file inflate without bound
        // (every entry the same deflate bomb); zip writers never do it.
        const uint64_t entry_end = data_off + csize;
        auto next = entry_spans.lower_bound(local_off);
        if ((next != entry_spans.end() && next->first < entry_end) ||
            (next != entry_spans.begin() && std::prev(next)->second > local_off))
            fail(ctx, "entry data (local header at offset " + std::to_string(local_off) +
                          ") overlaps another entry's");
        entry_spans.emplace(local_off, entry_end);
        const uint8_t *cdata = b + data_off;

        std::vector<uint8_t> raw;
        if (method == 0) {
            if (csize != usize)
                fail(ctx, "stored entry with compressed size " + std::to_string(csize) + " != uncompressed size " +
                              std::to_string(usize));
            raw.assign(cdata, cdata + csize);
        } else {
            // Deflate cannot expand more than ~1032:1; refuse implausible sizes
            // before allocating.
            if (uint64_t(usize) > uint64_t(csize) * 1032u + 1024u)
                fail(ctx, "declared uncompressed size " + std::to_string(usize) + " is implausible for " +
                              std::to_string(csize) + " bytes of deflate data");
            raw.resize(usize);
            z_stream zs;
            std::memset(&zs, 0, sizeof zs);
            if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(ctx, "zlib inflateInit2 failed");
            zs.next_in = const_cast<Bytef *>(cdata);
            zs.avail_in = csize;
            zs.next_out = raw.data();
            zs.avail_out = usize;
            int rc = inflate(&zs, Z_FINISH);
            const uLong produced = zs.total_out;
            const std::string zmsg = zs.msg ? zs.msg : "";
            inflateEnd(&zs);
            if (rc != Z_STREAM_END) {
                if (rc == Z_BUF_ERROR && zs.avail_out == 0)
                    fail(ctx, "deflate data expands beyond the declared size " + std::to_string(usize));
                if (rc == Z_BUF_ERROR)
                    fail(ctx, "truncated deflate data (inflated " + std::to_string(produced) + " of " +
                                  std::to_string(usize) + " bytes)");
                fail(ctx, "corrupt deflate data (zlib error " + std::to_string(rc) + (zmsg.empty() ? "" : ": " + zmsg) + ")");
            }
            if (produced != usize)
                fail(ctx, "deflate data inflated to " + std::to_string(produced) + " bytes, declared " +
                              std::to_string(usize));
        }
        const uint32_t got = uint32_t(crc32(0L, raw.data(), uInt(raw.size())));
        if (got != crc) fail(ctx, "CRC mismatch (stored " + hex32(crc) + ", computed " + hex32(got) + ")");

        NpyArray a = parse_npy(raw.data(), raw.size(), ctx);
        a.name = strip_npy(ename);
        a.source = path;
        npz.arrays.push_back(std::move(a));
    }
    return npz;
}

NpzFile load_npz(const std::string &path) { return parse_npz(read_file_bytes(path), path); }

bool NpzFile::contains(const std::string &name) const {
    for (const auto &a : arrays)
        if (a.name == name) return true;
    return false;
}

const NpyArray &NpzFile::at(const std::string &name) const {
    for (const auto &a : arrays)
        if (a.name == name) return a;
    std::string have;
    for (const auto &a : arrays) have += (have.empty() ? "" : ", ") + a.name;
    throw FormatError(path + ": missing entry '" + name + "' (has: " + (have.empty() ? "nothing" : have) + ")");
}

std::vector<std::string> NpzFile::names() const {
    std::vector<std::string> n;
    for (const auto &a : arrays) n.push_back(a.name);
    return n;
}

}  // namespace halyard::io
