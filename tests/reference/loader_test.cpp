// halyard_io loader tests: well-formed files round-trip; every malformed npy,
// npz and onnx input throws halyard::io::FormatError with a message naming the
// file (and entry/node) and what is wrong. All files are made here at run time.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "halyard/io/npz.h"
#include "halyard/io/onnx_graph.h"

namespace fs = std::filesystem;
using namespace halyard::io;
using Bytes = std::vector<uint8_t>;

namespace {

// ------------------------------------------------------------ file builders
Bytes npy(const std::string &descr, const std::string &shape, const Bytes &payload, bool fortran = false,
          int version = 1) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': " + shape + ", }";
    const size_t pre = version == 1 ? 10 : 12;
    while ((pre + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(version), 0};
    if (version == 1) {
        b.push_back(uint8_t(header.size() & 0xff));
        b.push_back(uint8_t(header.size() >> 8));
    } else {
        for (int i = 0; i < 4; ++i) b.push_back(uint8_t(header.size() >> (8 * i)));
    }
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

template <typename T>
Bytes le(const std::vector<T> &v) {
    Bytes b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

void put16(Bytes &b, uint16_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); }
void put32(Bytes &b, uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i))); }

Bytes raw_deflate(const Bytes &in) {
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&zs, uLong(in.size())) + 16);
    zs.next_in = const_cast<Bytef *>(in.data());
    zs.avail_in = uInt(in.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

struct ZipEntry {
    std::string name;
    Bytes data;
    uint16_t method = 0;         // 0 stored, 8 deflate (other values written as-is with stored data)
    bool corrupt_crc = false;
    bool zip64_local_extra = false;  // numpy's force_zip64 local extra field
};

// Minimal zip writer (enough for numpy-style npz files).
Bytes make_zip(const std::vector<ZipEntry> &entries, bool zip64_eocd = false) {
    Bytes out, cd;
    for (const auto &e : entries) {
        const Bytes payload = e.method == 8 ? raw_deflate(e.data) : e.data;
        uint32_t crc = uint32_t(crc32(0L, e.data.data(), uInt(e.data.size())));
        if (e.corrupt_crc) crc ^= 0xdeadbeef;
        const uint32_t off = uint32_t(out.size());
        Bytes extra;
        if (e.zip64_local_extra) {
            put16(extra, 0x0001);
            put16(extra, 16);
            for (int i = 0; i < 2; ++i) {
                put32(extra, uint32_t(i == 0 ? e.data.size() : payload.size()));
                put32(extra, 0);
            }
        }
        put32(out, 0x04034b50); put16(out, 20); put16(out, 0); put16(out, e.method); put16(out, 0); put16(out, 0);
        put32(out, crc); put32(out, uint32_t(payload.size())); put32(out, uint32_t(e.data.size()));
        put16(out, uint16_t(e.name.size())); put16(out, uint16_t(extra.size()));
        out.insert(out.end(), e.name.begin(), e.name.end());
        out.insert(out.end(), extra.begin(), extra.end());
        out.insert(out.end(), payload.begin(), payload.end());

        put32(cd, 0x02014b50); put16(cd, 20); put16(cd, 20); put16(cd, 0); put16(cd, e.method); put16(cd, 0);
        put16(cd, 0); put32(cd, crc); put32(cd, uint32_t(payload.size())); put32(cd, uint32_t(e.data.size()));
        put16(cd, uint16_t(e.name.size())); put16(cd, 0); put16(cd, 0); put16(cd, 0); put16(cd, 0);
        put32(cd, 0); put32(cd, off);
        cd.insert(cd.end(), e.name.begin(), e.name.end());
    }
    const uint32_t cd_off = uint32_t(out.size());
    out.insert(out.end(), cd.begin(), cd.end());
    if (zip64_eocd) {
        // zip64 end-of-central-directory locator just before the EOCD.
        put32(out, 0x07064b50); put32(out, 0); put32(out, 0); put32(out, 0); put32(out, 1);
    }
    put32(out, 0x06054b50); put16(out, 0); put16(out, 0);
    put16(out, zip64_eocd ? 0xFFFF : uint16_t(entries.size()));
    put16(out, zip64_eocd ? 0xFFFF : uint16_t(entries.size()));
    put32(out, uint32_t(cd.size())); put32(out, cd_off); put16(out, 0);
    return out;
}

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/halyard_io_test_XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string write(const std::string &name, const Bytes &b) const {
        const std::string p = (fs::path(path_) / name).string();
        std::ofstream f(p, std::ios::binary);
        f.write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
        return p;
    }

private:
    std::string path_;
};

// Expect `fn` to throw FormatError whose message contains every needle.
template <typename F>
void expect_format_error(F &&fn, const std::vector<std::string> &needles) {
    try {
        fn();
        ADD_FAILURE() << "expected FormatError, nothing thrown";
    } catch (const FormatError &e) {
        const std::string m = e.what();
        for (const auto &n : needles) EXPECT_NE(m.find(n), std::string::npos) << "message lacks '" << n << "': " << m;
    } catch (const std::exception &e) {
        ADD_FAILURE() << "expected FormatError, got another exception: " << e.what();
    }
}

const Bytes kInt8Payload = {1, 2, 3, 0xff, 0x80, 7};  // int8 [2,3] = 1 2 3 -1 -128 7

}  // namespace

// ================================================================= npy: valid
TEST(NpyLoader, ReadsInt8AndConvertsToInt64) {
    TempDir d;
    const auto p = d.write("a.npy", npy("|i1", "(2, 3)", kInt8Payload));
    NpyArray a = load_npy(p);
    EXPECT_EQ(a.name, "a");
    EXPECT_EQ(a.dtype, DType::Int8);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_FALSE(a.fortran_order);
    EXPECT_EQ(a.data, kInt8Payload);
    EXPECT_EQ(a.to_int64(), (std::vector<int64_t>{1, 2, 3, -1, -128, 7}));
}

TEST(NpyLoader, AllSupportedDtypes) {
    TempDir d;
    struct C { const char *descr; DType t; Bytes payload; std::vector<int64_t> want; };
    std::vector<C> cases = {
        {"|b1", DType::Bool, {0, 1}, {0, 1}},
        {"|u1", DType::UInt8, {0, 255}, {0, 255}},
        {"<i2", DType::Int16, le<int16_t>({-300, 300}), {-300, 300}},
        {"<i4", DType::Int32, le<int32_t>({-70000, 70000}), {-70000, 70000}},
        {"<i8", DType::Int64, le<int64_t>({-(int64_t(1) << 40), 5}), {-(int64_t(1) << 40), 5}},
        {"<f4", DType::Float32, le<float>({-128.0f, 127.0f}), {-128, 127}},
        {"<f8", DType::Float64, le<double>({-3.0, 1e10}), {-3, 10000000000}},
        {">i4", DType::Int32, {0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0}, {-2, 256}},  // big-endian
    };
    for (const auto &c : cases) {
        NpyArray a = load_npy(d.write("x.npy", npy(c.descr, "(2,)", c.payload)));
        EXPECT_EQ(a.dtype, c.t) << c.descr;
        EXPECT_EQ(a.to_int64(), c.want) << c.descr;
    }
}

TEST(NpyLoader, FortranOrderIsReturnedInRowMajorOrder) {
    TempDir d;
    // Logical [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6.
    NpyArray a = load_npy(d.write("f.npy", npy("|i1", "(2, 3)", {1, 4, 2, 5, 3, 6}, true)));
    EXPECT_TRUE(a.fortran_order);
    EXPECT_EQ(a.to_int64(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(NpyLoader, Version2HeaderAndScalar) {
    TempDir d;
    NpyArray a = load_npy(d.write("s.npy", npy("<i4", "()", le<int32_t>({42}), false, 2)));
    EXPECT_TRUE(a.shape.empty());
    EXPECT_EQ(a.to_int64(), (std::vector<int64_t>{42}));
}

// ============================================================= npy: malformed
TEST(NpyLoader, BadMagic) {
    TempDir d;
    Bytes b = npy("|i1", "(2, 3)", kInt8Payload);
    b[1] = 'X';
    const auto p = d.write("bad_magic.npy", b);
    expect_format_error([&] { load_npy(p); }, {"bad_magic.npy", "bad magic"});
}

TEST(NpyLoader, TruncatedPreamble) {
    TempDir d;
    const auto p = d.write("short.npy", Bytes{0x93, 'N', 'U'});
    expect_format_error([&] { load_npy(p); }, {"short.npy", "truncated"});
}

TEST(NpyLoader, TruncatedHeader) {
    TempDir d;
    Bytes b = npy("|i1", "(2, 3)", kInt8Payload);
    b.resize(30);
    const auto p = d.write("cut_header.npy", b);
    expect_format_error([&] { load_npy(p); }, {"cut_header.npy", "truncated .npy header"});
}

TEST(NpyLoader, TruncatedData) {
    TempDir d;
    Bytes b = npy("|i1", "(2, 3)", kInt8Payload);
    b.pop_back();
    const auto p = d.write("cut_data.npy", b);
    expect_format_error([&] { load_npy(p); }, {"cut_data.npy", "truncated .npy data", "needs 6 bytes, found 5"});
}

TEST(NpyLoader, UnknownDtype) {
    TempDir d;
    const auto p = d.write("complex.npy", npy("<c16", "(1,)", Bytes(16, 0)));
    expect_format_error([&] { load_npy(p); }, {"complex.npy", "unknown or unsupported dtype '<c16'"});
}

TEST(NpyLoader, StructuredDtypeRejected) {
    TempDir d;
    std::string h = "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }";
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size()), 0};
    b.insert(b.end(), h.begin(), h.end());
    const auto p = d.write("struct.npy", b);
    expect_format_error([&] { load_npy(p); }, {"struct.npy", "structured dtypes are not supported"});
}

TEST(NpyLoader, BadHeaderMissingShape) {
    TempDir d;
    std::string h = "{'descr': '|i1', 'fortran_order': False, }";
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size()), 0};
    b.insert(b.end(), h.begin(), h.end());
    const auto p = d.write("noshape.npy", b);
    expect_format_error([&] { load_npy(p); }, {"noshape.npy", "bad .npy header", "missing key 'shape'"});
}

TEST(NpyLoader, BadHeaderGarbage) {
    TempDir d;
    std::string h = "this is not a dict";
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size()), 0};
    b.insert(b.end(), h.begin(), h.end());
    const auto p = d.write("garbage_header.npy", b);
    expect_format_error([&] { load_npy(p); }, {"garbage_header.npy", "bad .npy header"});
}

TEST(NpyLoader, UnsupportedVersion) {
    TempDir d;
    Bytes b = npy("|i1", "(2, 3)", kInt8Payload);
    b[6] = 9;
    const auto p = d.write("v9.npy", b);
    expect_format_error([&] { load_npy(p); }, {"v9.npy", "unsupported .npy format version 9"});
}

TEST(NpyLoader, TrailingGarbage) {
    TempDir d;
    Bytes b = npy("|i1", "(2, 3)", kInt8Payload);
    b.push_back(0);
    const auto p = d.write("long.npy", b);
    expect_format_error([&] { load_npy(p); }, {"long.npy", "trailing garbage"});
}

TEST(NpyLoader, MissingFile) {
    expect_format_error([&] { load_npy("/nonexistent/dir/x.npy"); }, {"/nonexistent/dir/x.npy", "cannot open"});
}

TEST(NpyLoader, NonIntegralFloatRejectedByToInt64) {
    TempDir d;
    NpyArray a = load_npy(d.write("frac.npy", npy("<f4", "(2,)", le<float>({1.0f, 2.5f}))));
    expect_format_error([&] { a.to_int64(); }, {"frac.npy: array 'frac'", "value 2.5 at element 1", "not an integer"});
    EXPECT_EQ(a.to_double(), (std::vector<double>{1.0, 2.5}));
}

// ================================================================= npz: valid
TEST(NpzLoader, StoredAndDeflatedEntries) {
    TempDir d;
    const Bytes big = npy("<i4", "(64,)", le<int32_t>(std::vector<int32_t>(64, 7)));
    const auto p = d.write("ok.npz", make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload), 0},
                                               {"weights.npy", big, 8},
                                               {"z64.npy", npy("|u1", "(1,)", {9}), 0, false, true}}));
    NpzFile z = load_npz(p);
    ASSERT_EQ(z.arrays.size(), 3u);
    EXPECT_EQ(z.names(), (std::vector<std::string>{"arr_0", "weights", "z64"}));
    EXPECT_EQ(z.at("arr_0").to_int64(), (std::vector<int64_t>{1, 2, 3, -1, -128, 7}));
    EXPECT_EQ(z.at("weights").to_int64(), std::vector<int64_t>(64, 7));
    EXPECT_EQ(z.at("z64").to_int64(), std::vector<int64_t>{9});
    EXPECT_TRUE(z.contains("weights"));
    EXPECT_FALSE(z.contains("nope"));
}

// ============================================================= npz: malformed
TEST(NpzLoader, MissingEntry) {
    TempDir d;
    const auto p = d.write("few.npz", make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)}}));
    NpzFile z = load_npz(p);
    expect_format_error([&] { z.at("arr_1"); }, {"few.npz", "missing entry 'arr_1'", "arr_0"});
}

TEST(NpzLoader, CrcMismatch) {
    TempDir d;
    ZipEntry e{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)};
    e.corrupt_crc = true;
    const auto p = d.write("crc.npz", make_zip({e}));
    expect_format_error([&] { load_npz(p); }, {"crc.npz", "entry 'arr_0.npy'", "CRC mismatch"});
}

TEST(NpzLoader, CorruptedStoredDataIsCaughtByCrc) {
    TempDir d;
    Bytes z = make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)}});
    z[30 + 9 + 66] ^= 0x55;  // a byte of the array payload
    const auto p = d.write("flip.npz", z);
    expect_format_error([&] { load_npz(p); }, {"flip.npz", "arr_0.npy", "CRC mismatch"});
}

TEST(NpzLoader, TruncatedArchive) {
    TempDir d;
    Bytes z = make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)}});
    z.resize(z.size() / 2);
    const auto p = d.write("half.npz", z);
    expect_format_error([&] { load_npz(p); }, {"half.npz", "end-of-central-directory record not found"});
}

TEST(NpzLoader, TruncatedEntryData) {
    TempDir d;
    Bytes z = make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)}});
    // Keep the central directory and EOCD but claim a larger compressed size in
    // the central directory entry (offset 30+9+134 = start of CD; +20 = csize).
    const size_t cd = 30 + 9 + npy("|i1", "(2, 3)", kInt8Payload).size();
    z[cd + 20] = 0xff;
    z[cd + 21] = 0x7f;
    z[cd + 24] = 0xff;
    z[cd + 25] = 0x7f;
    const auto p = d.write("overrun.npz", z);
    expect_format_error([&] { load_npz(p); }, {"overrun.npz", "arr_0.npy", "runs past end of file"});
}

TEST(NpzLoader, BadMagic) {
    TempDir d;
    const auto p = d.write("junk.npz", Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
    expect_format_error([&] { load_npz(p); }, {"junk.npz", "not a zip archive"});
}

TEST(NpzLoader, NpyGivenAsNpz) {
    TempDir d;
    const auto p = d.write("actually.npz", npy("|i1", "(2, 3)", kInt8Payload));
    expect_format_error([&] { load_npz(p); }, {"actually.npz", "this is a .npy file"});
}

TEST(NpzLoader, EmptyFile) {
    TempDir d;
    const auto p = d.write("empty.npz", Bytes{});
    expect_format_error([&] { load_npz(p); }, {"empty.npz", "truncated"});
}

TEST(NpzLoader, Zip64Rejected) {
    TempDir d;
    const auto p = d.write("z64.npz", make_zip({{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)}}, true));
    expect_format_error([&] { load_npz(p); }, {"z64.npz", "zip64", "not supported"});
}

TEST(NpzLoader, UnsupportedCompressionMethod) {
    TempDir d;
    ZipEntry e{"arr_0.npy", npy("|i1", "(2, 3)", kInt8Payload)};
    e.method = 12;  // bzip2
    const auto p = d.write("bz.npz", make_zip({e}));
    expect_format_error([&] { load_npz(p); }, {"bz.npz", "arr_0.npy", "unsupported compression method 12"});
}

TEST(NpzLoader, CorruptDeflateStream) {
    TempDir d;
    const Bytes inner = npy("<i4", "(64,)", le<int32_t>(std::vector<int32_t>(64, 7)));
    Bytes z = make_zip({{"w.npy", inner, 8}});
    // Overwrite the start of the deflate stream with an invalid block type (11b).
    z[30 + 5] = 0xff;
    z[30 + 6] = 0xff;
    const auto p = d.write("badflate.npz", z);
    expect_format_error([&] { load_npz(p); }, {"badflate.npz", "w.npy"});
}

TEST(NpzLoader, MalformedNpyInsideArchiveNamesEntry) {
    TempDir d;
    Bytes inner = npy("|i1", "(2, 3)", kInt8Payload);
    inner.pop_back();
    const auto p = d.write("inner.npz", make_zip({{"arr_7.npy", inner}}));
    expect_format_error([&] { load_npz(p); }, {"inner.npz", "entry 'arr_7.npy'", "truncated .npy data"});
}

// ================================================================ onnx: valid
namespace {
onnx::ModelProto small_model() {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    auto *g = m.mutable_graph();
    g->set_name("g");
    auto *in = g->add_input();
    in->set_name("x");
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT8);
    auto *shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->add_dim()->set_dim_value(2);
    shape->add_dim()->set_dim_param("N");
    auto *w = g->add_initializer();
    w->set_name("mul");
    w->set_data_type(onnx::TensorProto::INT32);
    w->add_dims(2);
    w->add_int32_data(3);
    w->add_int32_data(-4);
    auto *add = g->add_initializer();
    add->set_name("add");
    add->set_data_type(onnx::TensorProto::FLOAT);
    add->add_dims(1);
    float f = 8.0f;
    add->set_raw_data(std::string(reinterpret_cast<const char *>(&f), 4));
    auto *n = g->add_node();
    n->set_op_type("RequantShift");
    n->set_name("rq");
    n->add_input("x");
    n->add_input("mul");
    n->add_input("add");
    n->add_output("y");
    auto *a = n->add_attribute();
    a->set_name("n_levels");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(256);
    a = n->add_attribute();
    a->set_name("scale");
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(0.5f);
    a = n->add_attribute();
    a->set_name("perm");
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(1);
    a->add_ints(0);
    a = n->add_attribute();
    a->set_name("mode");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s("floor");
    a = n->add_attribute();
    a->set_name("div");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(65536.0f);
    auto *out = g->add_output();
    out->set_name("y");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT8);
    return m;
}

Bytes serialize(const onnx::ModelProto &m) {
    std::string s;
    m.SerializeToString(&s);
    return Bytes(s.begin(), s.end());
}
}  // namespace

TEST(OnnxLoader, ReadsGraphInitializersAndAttributes) {
    TempDir d;
    const auto p = d.write("small.onnx", serialize(small_model()));
    OnnxGraph g = load_onnx(p);
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(g.inputs[0].name, "x");
    EXPECT_EQ(g.inputs[0].elem_type, int32_t(OnnxElemType::Int8));
    EXPECT_EQ(g.inputs[0].shape, (std::vector<int64_t>{2, -1}));
    EXPECT_EQ(g.inputs[0].dim_params[1], "N");
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.initializer("mul").values, (std::vector<int64_t>{3, -4}));
    EXPECT_EQ(g.initializer("mul").elem_type, int32_t(OnnxElemType::Int32));
    EXPECT_EQ(g.initializer("add").values, std::vector<int64_t>{8});
    EXPECT_EQ(g.initializer("add").elem_type, int32_t(OnnxElemType::Float));
    ASSERT_EQ(g.nodes.size(), 1u);
    const OnnxNode &n = g.nodes[0];
    EXPECT_EQ(n.op_type, "RequantShift");
    EXPECT_EQ(n.attr_int("n_levels"), 256);
    EXPECT_EQ(n.attr_float("scale"), 0.5);
    EXPECT_EQ(n.attr_ints("perm"), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(n.attr_string("mode"), "floor");
    EXPECT_EQ(n.attr_int("div"), 65536);  // scalar float tensor read as int
    EXPECT_EQ(n.attr_tensor("div").fvalues, std::vector<double>{65536.0});
    EXPECT_EQ(n.attr_int("absent", 7), 7);
    expect_format_error([&] { n.attr_int("absent"); }, {"small.onnx", "'rq'", "RequantShift", "missing attribute 'absent'"});
    expect_format_error([&] { n.attr_string("n_levels"); }, {"small.onnx", "'rq'", "attribute 'n_levels' is int, expected string"});
    expect_format_error([&] { g.initializer("nope"); }, {"small.onnx", "no initializer named 'nope'"});
}

// ============================================================ onnx: malformed
TEST(OnnxLoader, EmptyFile) {
    TempDir d;
    const auto p = d.write("empty.onnx", Bytes{});
    expect_format_error([&] { load_onnx(p); }, {"empty.onnx", "empty file"});
}

TEST(OnnxLoader, GarbageBytes) {
    TempDir d;
    Bytes junk(200);
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = uint8_t(i * 37 + 11);
    const auto p = d.write("junk.onnx", junk);
    expect_format_error([&] { load_onnx(p); }, {"junk.onnx"});
}

TEST(OnnxLoader, TruncatedModel) {
    TempDir d;
    Bytes b = serialize(small_model());
    b.resize(b.size() - 7);
    const auto p = d.write("cut.onnx", b);
    expect_format_error([&] { load_onnx(p); }, {"cut.onnx"});
}

TEST(OnnxLoader, NoGraph) {
    TempDir d;
    onnx::ModelProto m;
    m.set_ir_version(8);
    const auto p = d.write("nograph.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"nograph.onnx", "no graph"});
}

TEST(OnnxLoader, UndefinedNodeInputNamesNode) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_node(0)->set_input(1, "ghost");
    const auto p = d.write("ghost.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"ghost.onnx", "node 0 'rq' (RequantShift)", "input 1 'ghost'"});
}

TEST(OnnxLoader, NodeWithoutOpType) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_node(0)->clear_op_type();
    const auto p = d.write("noop.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"noop.onnx", "node 0 'rq'", "no op_type"});
}

TEST(OnnxLoader, InitializerPayloadSizeMismatch) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_initializer(1)->set_raw_data(std::string(3, '\0'));
    const auto p = d.write("rawsize.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"rawsize.onnx", "initializer tensor 'add'", "raw_data has 3 bytes"});
}

TEST(OnnxLoader, TypedPayloadCountMismatch) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->add_int32_data(5);
    const auto p = d.write("count.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"count.onnx", "'mul'", "int32_data has 3 values"});
}

TEST(OnnxLoader, BadAttributeTensorNamesNode) {
    TempDir d;
    onnx::ModelProto m = small_model();
    auto *attr = m.mutable_graph()->mutable_node(0)->mutable_attribute(4);
    attr->mutable_t()->add_float_data(1.0f);  // 2 values for a scalar
    const auto p = d.write("attr.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"attr.onnx", "node 0 'rq'", "attribute 'div'", "float_data has 2"});
}

TEST(OnnxLoader, ExternalDataRejected) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
    const auto p = d.write("ext.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"ext.onnx", "'mul'", "stored externally"});
}

TEST(OnnxLoader, UnproducedGraphOutput) {
    TempDir d;
    onnx::ModelProto m = small_model();
    m.mutable_graph()->mutable_output(0)->set_name("nowhere");
    const auto p = d.write("out.onnx", serialize(m));
    expect_format_error([&] { load_onnx(p); }, {"out.onnx", "graph output 'nowhere'"});
}

TEST(OnnxLoader, MissingFile) {
    expect_format_error([&] { load_onnx("/nonexistent/m.onnx"); }, {"/nonexistent/m.onnx", "cannot open"});
}

// ====================================================== corruption robustness
// Random byte flips and truncations of valid files: every outcome must be a
// clean load or a FormatError, never a crash or another exception type.
namespace {
struct Rng {
    uint64_t s;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
};

Bytes mutate(const Bytes &in, Rng &rng) {
    Bytes b = in;
    if (rng.below(4) == 0) {
        b.resize(rng.below(b.size()));
        return b;
    }
    const size_t flips = 1 + rng.below(4);
    for (size_t k = 0; k < flips && !b.empty(); ++k) b[rng.below(b.size())] = uint8_t(rng.next());
    return b;
}

template <typename F>
void expect_only_format_errors(const Bytes &valid, F &&parse, int iterations, uint64_t seed) {
    // HALYARD_FUZZ_ITERS overrides the iteration count for longer local runs.
    if (const char *e = std::getenv("HALYARD_FUZZ_ITERS")) iterations = std::atoi(e);
    Rng rng{seed};
    int rejected = 0;
    for (int i = 0; i < iterations; ++i) {
        const Bytes b = mutate(valid, rng);
        try {
            parse(b);
        } catch (const FormatError &) {
            ++rejected;
        } catch (const std::exception &e) {
            ADD_FAILURE() << "iteration " << i << ": non-FormatError exception: " << e.what();
            return;
        }
    }
    EXPECT_GT(rejected, 0);
}
}  // namespace

TEST(NpyLoader, RandomCorruptionNeverCrashes) {
    const Bytes valid = npy("<i4", "(3, 5)", le<int32_t>(std::vector<int32_t>(15, -3)), true);
    expect_only_format_errors(valid, [](const Bytes &b) {
        NpyArray a = parse_npy(b.data(), b.size(), "fuzz.npy");
        (void)a.to_int64();
    }, 3000, 0x9e3779b97f4a7c15ull);
}

TEST(NpzLoader, RandomCorruptionNeverCrashes) {
    const Bytes valid = make_zip({{"a.npy", npy("|i1", "(2, 3)", kInt8Payload), 0},
                                  {"b.npy", npy("<f8", "(40,)", le<double>(std::vector<double>(40, 2.0))), 8, false, true}});
    expect_only_format_errors(valid, [](const Bytes &b) {
        NpzFile z = parse_npz(b, "fuzz.npz");
        for (const auto &a : z.arrays) (void)a.to_int64();
    }, 3000, 0x1234567887654321ull);
}

TEST(OnnxLoader, RandomCorruptionNeverCrashes) {
    const Bytes valid = serialize(small_model());
    expect_only_format_errors(valid, [](const Bytes &b) {
        OnnxGraph g = parse_onnx(b, "fuzz.onnx");
        for (const auto &n : g.nodes)
            for (const auto &a : n.attributes) (void)a.to_string();
    }, 3000, 0x0badc0ffee123457ull);
}
