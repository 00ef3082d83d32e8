// halyard-fuzz-seeds DATA_DIR SOURCE_DIR OUT_DIR: writes the seed corpus of
// every fuzz target into OUT_DIR/<target>/ (read, never copied into the repo):
// Deeploy's graphs and vectors and the stories260K files from DATA_DIR, the
// repository's schedule and target files, and small files of each format
// written here the way the tests write theirs. Existing files are kept, so a
// corpus grows over campaigns. Seeds over 128 KiB are left out: libFuzzer
// mutates small inputs far faster.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "halyard/dsl/ops.h"
#include "halyard/io/npz.h"
#include "halyard/schedule.h"
#include "halyard/target_description.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr uintmax_t kMaxSeedBytes = 128 * 1024;
int written = 0;

Bytes read_bytes(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_seed(const fs::path &dir, const std::string &name, const Bytes &b) {
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char *>(b.data()), (std::streamsize)b.size());
    if (!out) {
        std::cerr << "halyard-fuzz-seeds: cannot write " << (dir / name) << "\n";
        std::exit(1);
    }
    written++;
}

void write_text(const fs::path &dir, const std::string &name, const std::string &s) {
    write_seed(dir, name, Bytes(s.begin(), s.end()));
}

// Every file under `root` named `file_name` (at most kMaxSeedBytes), named
// after its folder ("Kernels_Integer_Add_Regular_inputs.npz").
void copy_tree_files(const fs::path &root, const std::string &file_name, const fs::path &out) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        std::cerr << "halyard-fuzz-seeds: no " << root << " (set HALYARD_DATA_DIR); skipping its seeds\n";
        return;
    }
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename() != file_name || fs::file_size(it->path(), ec) > kMaxSeedBytes) continue;
        std::string id = fs::relative(it->path(), root, ec).string();
        for (char &c : id) c = c == '/' ? '_' : c;
        write_seed(out, id, read_bytes(it->path()));
    }
}

// ------------------------------------------------------------------ npz / npy
void replace_once(Bytes &b, const std::string &from, const std::string &to) {
    const std::string s(b.begin(), b.end());
    const size_t at = s.find(from);
    if (at != std::string::npos && from.size() == to.size()) std::memcpy(b.data() + at, to.data(), to.size());
}

// One raw-deflated entry (method 8), which Deeploy's stored archives lack.
Bytes deflated_npz(const std::string &entry, const Bytes &body) {
    Bytes comp(compressBound(body.size()) + 64);
    z_stream zs{};
    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = const_cast<Bytef *>(body.data());
    zs.avail_in = (uInt)body.size();
    zs.next_out = comp.data();
    zs.avail_out = (uInt)comp.size();
    deflate(&zs, Z_FINISH);
    comp.resize(zs.total_out);
    deflateEnd(&zs);
    const uint32_t crc = (uint32_t)crc32(0L, body.data(), (uInt)body.size());
    Bytes out;
    auto p16 = [&](Bytes &b, uint32_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); };
    auto p32 = [&](Bytes &b, uint32_t v) { for (int i = 0; i < 4; i++) b.push_back(uint8_t(v >> (8 * i))); };
    p32(out, 0x04034b50); p16(out, 20); p16(out, 0); p16(out, 8); p16(out, 0); p16(out, 0x21);
    p32(out, crc); p32(out, (uint32_t)comp.size()); p32(out, (uint32_t)body.size());
    p16(out, (uint32_t)entry.size()); p16(out, 0);
    out.insert(out.end(), entry.begin(), entry.end());
    out.insert(out.end(), comp.begin(), comp.end());
    const uint32_t cd = (uint32_t)out.size();
    Bytes central;
    p32(central, 0x02014b50); p16(central, 20); p16(central, 20); p16(central, 0); p16(central, 8); p16(central, 0);
    p16(central, 0x21); p32(central, crc); p32(central, (uint32_t)comp.size()); p32(central, (uint32_t)body.size());
    p16(central, (uint32_t)entry.size()); p16(central, 0); p16(central, 0); p16(central, 0); p16(central, 0);
    p32(central, 0); p32(central, 0);
    central.insert(central.end(), entry.begin(), entry.end());
    out.insert(out.end(), central.begin(), central.end());
    p32(out, 0x06054b50); p16(out, 0); p16(out, 0); p16(out, 1); p16(out, 1);
    p32(out, (uint32_t)central.size()); p32(out, cd); p16(out, 0);
    return out;
}

void npz_seeds(const fs::path &out) {
    using namespace halyard::io;
    const std::vector<int64_t> six = {-3, 0, 1, 2, 3, 4};
    NpzFile all;
    for (DType t : {DType::Bool, DType::Int8, DType::UInt8, DType::Int16, DType::UInt16, DType::Int32, DType::UInt32,
                    DType::Int64, DType::UInt64, DType::Float32, DType::Float64}) {
        std::vector<int64_t> v = six;
        if (t == DType::Bool) v = {0, 1, 1, 0, 1, 0};
        if (t == DType::UInt8 || t == DType::UInt16 || t == DType::UInt32 || t == DType::UInt64) v[0] = 7;
        NpyArray a = make_npy(std::string("a_") + dtype_name(t), t, {2, 3}, v);
        all.arrays.push_back(a);
        write_seed(out, std::string(dtype_name(t)) + ".npy", serialize_npy(a));
    }
    write_seed(out, "every_dtype.npz", serialize_npz(all));
    NpyArray i4 = make_npy("x", DType::Int32, {2, 3}, six);
    Bytes big_endian = serialize_npy(i4), fortran = big_endian;
    replace_once(big_endian, "'<i4'", "'>i4'");
    for (size_t i = big_endian.size() - i4.data.size(); i < big_endian.size(); i += 4) {
        std::swap(big_endian[i], big_endian[i + 3]);
        std::swap(big_endian[i + 1], big_endian[i + 2]);
    }
    write_seed(out, "big_endian.npy", big_endian);
    replace_once(fortran, "False", "True ");
    write_seed(out, "fortran.npy", fortran);
    write_seed(out, "scalar.npy", serialize_npy(make_npy("s", DType::Int64, {}, {42})));
    write_seed(out, "empty.npy", serialize_npy(make_npy("e", DType::Int8, {0, 4}, {})));
    write_seed(out, "deflated.npz", deflated_npz("arr_0.npy", serialize_npy(make_npy("d", DType::Int8, {64}, std::vector<int64_t>(64, 5)))));
}

// ---------------------------------------------------------------- schedules
void schedule_seeds(const fs::path &src, const fs::path &out) {
    for (const char *f : {"apps/demo/ffn_up.sched", "tests/package/consumer/tiled.sched"}) {
        std::error_code ec;
        if (fs::exists(src / f, ec)) write_seed(out, fs::path(f).filename().string(), read_bytes(src / f));
    }
    // The defaults the generators print into their reports, per target.
    halyard::GemmSpec spec;
    spec.M = 16, spec.K = 64, spec.N = 256, spec.trans_b = true;
    spec.bias_shape = halyard::Shape{256};
    spec.requant = halyard::RequantParams{};
    spec.requant->mul_shape = {256};
    spec.requant->log2d = 12;
    for (const char *t : {"host", "cluster"}) {
        const halyard::Algorithm algo = halyard::gemm(spec);
        write_text(out, std::string("default_") + t + ".sched",
                   halyard::default_schedule(algo, halyard::TargetDescription::named(t)).to_text());
    }
    write_text(out, "every_directive.sched",
               "tile Y m 4\ntile acc k 16  # reduction\norder acc m n k_o k_i\nparallel Y m_o\n"
               "compute_at acc Y m_o\nmemory acc L1\nstage A L1 at Y m_o double_buffer\nstage B L2 at root\n"
               "stage Y L1 at Y m_o\nkernel acc gemm_int8_sdotp_4x2\nnpu acc\nunroll Y m_i\n");
}

// ------------------------------------------------------------------ llama2.c
struct ByteWriter {
    Bytes data;
    void i32(int32_t v) { raw(&v, 4); }
    void f32(float v) { raw(&v, 4); }
    void raw(const void *p, size_t n) {
        const auto *b = static_cast<const uint8_t *>(p);
        data.insert(data.end(), b, b + n);
    }
};

// A tiny model in either format, weights random (tests/llm writes the same).
Bytes tiny_checkpoint(bool ak42, bool shared) {
    const int dim = 8, hidden = 16, layers = 1, heads = 2, kv_heads = 1, vocab = 16, seq = 4;
    const size_t kv = dim / heads * kv_heads;
    const size_t weights = vocab * dim + 2 * layers * dim + dim + layers * (2 * dim * dim + 2 * kv * dim) +
                           layers * 3 * hidden * dim + (shared ? 0 : vocab * dim) +
                           (ak42 ? 0 : seq * (dim / heads));  // legacy: RoPE tables
    ByteWriter w;
    if (ak42) {
        w.i32(0x616b3432);
        w.i32(1);
        for (int v : {dim, hidden, layers, heads, kv_heads, vocab, seq}) w.i32(v);
        w.data.push_back(shared ? 1 : 0);
        w.data.resize(256, 0);
    } else {
        for (int v : {dim, hidden, layers, heads, kv_heads, shared ? vocab : -vocab, seq}) w.i32(v);
    }
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-0.5f, 0.5f);
    for (size_t i = 0; i < weights; i++) w.f32(d(rng));
    return w.data;
}

// [vocab_size as 2 bytes][tokenizer file]: the tokenizer target's input.
Bytes with_vocab(int vocab, const Bytes &file) {
    Bytes b = {uint8_t(vocab), uint8_t(vocab >> 8)};
    b.insert(b.end(), file.begin(), file.end());
    return b;
}

// <unk>, <s>, </s>, the 256 byte tokens, then a few pieces and merges.
Bytes tiny_tokenizer(int *vocab) {
    std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
    for (int b = 0; b < 256; b++) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "<0x%02X>", b);
        pieces.push_back(hex);
    }
    for (const char *p : {" ", "O", "n", "c", "e", "On", "Once", " Once", "nc", "ce", "\xc3\xa9"}) pieces.push_back(p);
    ByteWriter w;
    w.i32(8);
    for (size_t i = 0; i < pieces.size(); i++) {
        w.f32(i < 259 ? 0.0f : float(i));
        w.i32((int32_t)pieces[i].size());
        w.raw(pieces[i].data(), pieces[i].size());
    }
    *vocab = (int)pieces.size();
    return w.data;
}

void llm_seeds(const fs::path &data, const fs::path &out) {
    const fs::path ck = out / "checkpoint", tok = out / "tokenizer";
    for (bool ak42 : {false, true})
        for (bool shared : {false, true})
            write_seed(ck, std::string(ak42 ? "ak42" : "legacy") + (shared ? "_shared" : "_separate") + ".bin",
                       tiny_checkpoint(ak42, shared));
    int vocab = 0;
    const Bytes t = tiny_tokenizer(&vocab);
    write_seed(tok, "tiny.bin", with_vocab(vocab, t));
    const fs::path stories = data / "models" / "stories260K";
    std::error_code ec;
    if (!fs::exists(stories / "stories260K.bin", ec)) {
        std::cerr << "halyard-fuzz-seeds: no " << stories << " (set HALYARD_DATA_DIR); skipping its seeds\n";
        return;
    }
    // The real header and the first weights (the whole 1 MB model would make
    // every execution slow; the size check rejects the cut file after the header).
    Bytes model = read_bytes(stories / "stories260K.bin");
    model.resize(std::min<size_t>(model.size(), 4096));
    write_seed(ck, "stories260K_head.bin", model);
    write_seed(tok, "tok512.bin", with_vocab(512, read_bytes(stories / "tok512.bin")));
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4) {
        std::cerr << "usage: halyard-fuzz-seeds DATA_DIR SOURCE_DIR OUT_DIR\n";
        return 2;
    }
    const fs::path data = argv[1], src = argv[2], out = argv[3];
    copy_tree_files(data / "deeploy-tests", "network.onnx", out / "onnx");
    copy_tree_files(data / "deeploy-tests", "inputs.npz", out / "npz");
    copy_tree_files(data / "deeploy-tests", "outputs.npz", out / "npz");
    npz_seeds(out / "npz");
    schedule_seeds(src, out / "schedule");
    for (const auto &e : fs::directory_iterator(src / "targets" / "descriptions"))
        if (e.path().extension() == ".target") write_seed(out / "target", e.path().filename().string(), read_bytes(e.path()));
    write_text(out / "target", "includes_itself.target", "include fuzz.target\ntarget x\n");
    llm_seeds(data, out);
    std::cout << "halyard-fuzz-seeds: " << written << " seeds in " << out << "\n";
    return 0;
}
