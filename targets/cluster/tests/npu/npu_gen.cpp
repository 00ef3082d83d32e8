// Writes npu_random_cases.c: randomized NPU jobs (awkward shapes, every mode,
// padded strides) with their operands and the expected output region, computed
// by the C++ reference (targets/cluster/npu/npu_reference.h). npu_random.c
// runs them on the model and compares byte for byte. After the <cases> jobs
// with every operand in L1 come <wm_cases> whose B, bias, mul and add each
// lie in the NPU's weight memory or in L1 at random (those operands go into a
// second blob in section .npu_weights: the simulator loads it there).
//
//   npu-gen <out.c> <cases> <seed> [<wm_cases>]   (K limit: npu.max_k, from halyard_target_params.h)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "halyard_target_params.h"
#include "npu_reference.h"

namespace {

constexpr uint8_t kCanary = 0xA5;  // fills the output buffer before a job: bytes it must not write

struct Blob {
    std::vector<uint8_t> bytes;
    size_t add(const void *p, size_t n) {
        while (bytes.size() % 4) bytes.push_back(0);
        size_t off = bytes.size();
        const uint8_t *b = (const uint8_t *)p;
        bytes.insert(bytes.end(), b, b + n);
        return off;
    }
};

int round4(int v) { return (v + 3) & ~3; }

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: npu-gen <out.c> <cases> <seed> [<wm_cases>]\n";
        return 2;
    }
    const int l1_cases = std::atoi(argv[2]);
    const int wm_cases = argc == 5 && HALYARD_NPU_WEIGHT_MEM_BYTES != 0 ? std::atoi(argv[4]) : 0;
    const int cases = l1_cases + wm_cases;
    const int max_k = HALYARD_NPU_MAX_K;
    std::mt19937 rng((uint32_t)std::strtoul(argv[3], nullptr, 0));
    auto pick = [&](std::initializer_list<int> v) { return *(v.begin() + rng() % v.size()); };
    auto coin = [&]() { return (rng() & 1) != 0; };

    Blob blob, wm_blob;  // operands in L2 (copied to L1 by DMA), operands in the weight memory
    std::string table;
    int made = 0;
    while (made < cases) {
        halyard::npu::Job j;
        // The first cases pin the corners: 1x1x1, K at its limit, one full panel plus one column.
        if (made == 0) { j.M = 1; j.K = 1; j.N = 1; }
        else if (made == 1) { j.M = 3; j.K = max_k; j.N = 5; }
        else if (made == 2) { j.M = 2; j.K = 16; j.N = 17; }
        else {
            j.M = pick({1, 2, 3, 5, 16, 17, 33, 65});
            j.K = pick({1, 2, 3, 4, 7, 8, 9, 17, 33, 64, 65, 130});
            j.N = pick({1, 3, 4, 15, 16, 17, 31, 33, 65});
        }
        j.a_unsigned = coin();
        j.b_trans = coin();
        j.has_bias = coin();
        j.requant = made % 4 != 3;  // a quarter raw int32
        j.per_channel = coin();
        j.round = coin() || coin();
        j.shift = j.requant ? (int)(rng() % 20) : 0;
        if (j.requant) {
            switch (rng() % 4) {
            case 0: j.clip_lo = -128; j.clip_hi = 127; break;
            case 1: j.clip_lo = 0; j.clip_hi = 255; break;
            case 2: j.clip_lo = -8; j.clip_hi = 7; break;   // 16 levels
            default: j.clip_lo = 0; j.clip_hi = 127; break; // ReLU-like
            }
        }
        const int esize = j.requant ? 1 : 4;
        j.a_stride = round4(j.K) + 4 * (int)(rng() % 3);
        j.b_stride = round4(j.b_trans ? j.K : j.N) + 4 * (int)(rng() % 2);
        j.out_stride = (round4(j.N * esize) + 4 * (int)(rng() % 2)) / esize;
        const size_t a_bytes = (size_t)j.M * j.a_stride, b_bytes = (size_t)(j.b_trans ? j.N : j.K) * j.b_stride;
        const size_t o_bytes = (size_t)j.M * j.out_stride * esize;
        if (a_bytes + b_bytes + o_bytes > 24 * 1024) continue;

        std::vector<uint8_t> a(a_bytes);
        std::vector<int8_t> b(b_bytes);
        for (auto &v : a) v = (uint8_t)rng();
        for (auto &v : b) v = (int8_t)rng();
        std::vector<int32_t> bias(j.N), mul(j.N), add(j.N);
        for (int n = 0; n < j.N; n++) {
            bias[n] = (int32_t)(rng() % 20001) - 10000;
            mul[n] = (int32_t)(rng() % 401) - 100;
            add[n] = (int32_t)(rng() % 200001) - 100000;
        }
        if (made % 7 == 5) {  // large values: the int32 wrap of v * mul
            for (int n = 0; n < j.N; n++) mul[n] = (int32_t)(rng() | 0x10000000u);
        }
        const std::vector<int32_t> y = halyard::npu::run(j, a.data(), b.data(), bias.data(), mul.data(), add.data());
        // The expected output region: written elements, canary between rows.
        std::vector<uint8_t> expect(o_bytes, kCanary);
        for (int m = 0; m < j.M; m++) {
            for (int n = 0; n < j.N; n++) {
                const int32_t v = y[(size_t)m * j.out_stride + n];
                for (int bb = 0; bb < esize; bb++)
                    expect[((size_t)m * j.out_stride + n) * esize + bb] = (uint8_t)((uint32_t)v >> (8 * bb));
            }
        }
        // Where B, bias, mul and add live (bits 0..3: in the weight memory).
        // Drawn only for the weight-memory cases, so the L1 cases stay those
        // of earlier versions for the same seed.
        unsigned wm = 0;
        if (made >= l1_cases) {
            wm = rng() % 16;
            if (made == l1_cases) wm = 15;  // everything there, then B there and the rest in L1
            if (made == l1_cases + 1) wm = 1;
        }
        auto place = [&](unsigned bit, const void *p, size_t n) {
            return (wm & bit) ? wm_blob.add(p, n) : blob.add(p, n);
        };
        const size_t oa = blob.add(a.data(), a.size()), ob = place(1, b.data(), b.size());
        const size_t obias = place(2, bias.data(), 4 * bias.size()), omul = place(4, mul.data(), 4 * mul.size());
        const size_t oadd = place(8, add.data(), 4 * add.size()), oexp = blob.add(expect.data(), expect.size());
        unsigned conf = (j.requant ? 1u : 0u) | (j.per_channel ? 2u : 0u) | (j.a_unsigned ? 4u : 0u) |
                        (j.b_trans ? 8u : 0u) | (j.round ? 16u : 0u);
        char row[400];
        std::snprintf(row, sizeof row,
                      "    {%d, %d, %d, %uu, %d, %d, %d, %d, %ld, %ld, %ld, %ld, %d, %zuu, %zuu, %zuu, %zuu, %zuu, %zuu, %zuu, %zuu, %zuu, %uu},\n",
                      j.M, j.K, j.N, conf, j.a_stride, j.b_stride, j.out_stride * esize, j.shift,
                      (long)(j.per_channel ? 0 : mul[0]), (long)(j.per_channel ? 0 : add[0]), (long)j.clip_lo,
                      (long)j.clip_hi, j.has_bias ? 1 : 0, oa, ob, obias, omul, oadd, oexp, a_bytes, b_bytes, o_bytes, wm);
        table += row;
        made++;
    }
    std::ofstream out(argv[1]);
    out << "/* Generated by npu-gen (targets/cluster/tests/npu/npu_gen.cpp). Do not edit. */\n"
        << "#include \"npu_cases.h\"\n"
        << "const unsigned npu_case_count = " << cases << ";\n"
        << "const npu_case npu_cases[] = {\n" << table << "};\n"
        << "const uint8_t npu_blob[] __attribute__((aligned(4))) = {";
    for (size_t i = 0; i < blob.bytes.size(); i++) out << (i % 24 ? "" : "\n    ") << (int)blob.bytes[i] << ",";
    out << "\n};\n";
    // In the weight memory (HL_NPU_WEIGHTS of halyard_rt.h); one element at
    // least, so the array exists without weight-memory cases.
    // Without a weight memory (npu.weight_mem_bytes 0) its region is empty:
    // the unused array stays in L2.
    out << "uint8_t npu_wm_blob[] __attribute__((" << (HALYARD_NPU_WEIGHT_MEM_BYTES != 0 ? "section(\".npu_weights\"), " : "")
        << "aligned(4))) = {";
    for (size_t i = 0; i < wm_blob.bytes.size(); i++) out << (i % 24 ? "" : "\n    ") << (int)wm_blob.bytes[i] << ",";
    out << (wm_blob.bytes.empty() ? "0" : "") << "\n};\n";
    if (!out) {
        std::cerr << "npu-gen: cannot write " << argv[1] << "\n";
        return 1;
    }
    std::cout << "npu-gen: " << cases << " cases (" << wm_cases << " with operands in the weight memory), "
              << blob.bytes.size() << " bytes of operands and expected outputs, " << wm_blob.bytes.size()
              << " bytes in the weight memory\n";
    return 0;
}
