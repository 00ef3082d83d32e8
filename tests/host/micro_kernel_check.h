// Checks a micro-kernel of the registry (kernels/include/halyard/
// micro_kernels.h) against its reference loop nest: a C program calls the
// kernel's C function on random rows for awkward K (0, 1, 3, the 4-wide
// steps and their tails, 67, 200) and misaligned rows (the scalar path), and
// prints every accumulator; the test compares them with
// MicroKernel::reference. A kernel of B stored [K, N] (b_stride_arg) reads
// its columns from one [K, N] buffer with the case's leading dimension. Built for the host (the portable C path) by
// tests/host and for the cluster (the Xpulp path) by tests/cluster_kernels.
// Everything comes from the registry entry: a new kernel needs no new test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "halyard/micro_kernels.h"

namespace halyard::test {

// How the case passes the rows: in order (equally spaced, kRowBytes apart),
// reversed (equally spaced, a negative stride) or with the first two swapped
// (not equally spaced: kernels that walk rows by one stride take their
// fallback).
enum class RowOrder { InOrder, Reversed, FirstTwoSwapped };

struct KernelCase {
    int32_t k;
    int a_offset, b_offset;  // bytes into each row buffer: 1..3 make rows misaligned
    RowOrder order = RowOrder::InOrder;
    bool acc_reversed = false;  // accumulators passed last first (not one contiguous tile)
};

inline std::vector<KernelCase> kernel_cases() {
    return {{0, 0, 0},
            {1, 0, 0},
            {3, 0, 0},
            {4, 0, 0},
            {5, 0, 0},
            {7, 0, 0},  // one step (the straight-line path) and a 3-element tail
            {8, 0, 0},
            {17, 0, 0},
            {64, 0, 0},
            {67, 0, 0},
            {200, 0, 0},
            {16, 1, 0},
            {16, 0, 2},
            {33, 3, 1},
            {36, 0, 0, RowOrder::Reversed},
            {36, 0, 0, RowOrder::FirstTwoSwapped},
            {37, 0, 0, RowOrder::FirstTwoSwapped},
            {40, 0, 0, RowOrder::InOrder, true}};
}

// Row r's position in the buffer for a case's order, of `n` rows.
inline int row_index(RowOrder order, int r, int n) {
    if (order == RowOrder::Reversed) return n - 1 - r;
    if (order == RowOrder::FirstTwoSwapped && n > 1 && r < 2) return 1 - r;
    return r;
}

constexpr int kRowBytes = 208;  // >= the largest k + offset

// Kernels with b_stride_arg read columns of a B stored [K, N]: each case
// takes one of these leading dimensions (in columns of the kernel's tile:
// 1 x cols is a decode step's V at head size cols; +1 is not word-aligned,
// the fallback), the columns adjacent unless the case's order moves them.
inline int32_t b_leading_dim(const MicroKernel &mk, size_t case_index) {
    const int32_t choices[] = {mk.cols, 2 * mk.cols, 4 * mk.cols, mk.cols + 1};
    return choices[case_index % 4];
}
constexpr int kKnBytes = kRowBytes * 17;  // >= the largest k x leading dimension + offset

struct KernelData {
    std::vector<std::vector<int8_t>> a, b;  // rows x kRowBytes, cols x kRowBytes
    std::vector<int8_t> b_kn;                // B stored [K, N] (b_stride_arg kernels)
    std::vector<int32_t> acc0;               // initial accumulators, rows * cols
};

// Where B's column j (a row of B for k-contiguous kernels) starts, for case n.
inline const int8_t *b_start(const MicroKernel &mk, const KernelData &d, const KernelCase &cs, int j) {
    const int idx = row_index(cs.order, j, mk.cols);
    if (mk.b_stride_arg) return d.b_kn.data() + cs.b_offset + idx;
    return d.b[size_t(idx)].data() + cs.b_offset;
}

inline KernelData kernel_data(const MicroKernel &mk, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> byte(-128, 127), start(-100000, 100000);
    KernelData d;
    d.a.assign(size_t(mk.rows), std::vector<int8_t>(kRowBytes));
    d.b.assign(size_t(mk.cols), std::vector<int8_t>(kRowBytes));
    for (auto &row : d.a)
        for (auto &v : row) v = int8_t(byte(rng));
    for (auto &row : d.b)
        for (auto &v : row) v = int8_t(byte(rng));
    if (mk.b_stride_arg) {
        d.b_kn.resize(kKnBytes);
        for (auto &v : d.b_kn) v = int8_t(byte(rng));
    }
    for (int i = 0; i < mk.rows * mk.cols; i++) d.acc0.push_back(start(rng));
    return d;
}

// The programs' start: the headers and the operand rows (B stored [K, N]
// for b_stride_arg kernels).
inline void write_operands(std::ostringstream &c, const MicroKernel &mk, const KernelData &d, bool cluster) {
    // The cluster runtime has printf in halyard_rt.h (no libc headers).
    c << "#include <stdint.h>\n" << (cluster ? "#include \"halyard_rt.h\"\n" : "#include <stdio.h>\n");
    c << "#include \"" << mk.header << "\"\n";
    auto rows = [&](const char *name, const std::vector<std::vector<int8_t>> &m) {
        c << "static int8_t " << name << "[" << m.size() << "][" << kRowBytes << "] __attribute__((aligned(4))) = {";
        for (const auto &row : m) {
            c << "{";
            for (int8_t v : row) c << int(v) << ",";
            c << "},";
        }
        c << "};\n";
    };
    rows("a", d.a);
    if (!mk.b_stride_arg) rows("b", d.b);
    if (mk.b_stride_arg) {
        c << "static int8_t b_kn[" << d.b_kn.size() << "] __attribute__((aligned(4))) = {";
        for (int8_t v : d.b_kn) c << int(v) << ",";
        c << "};\n";
    }
}

// The C program: one line "case N: acc..." per case.
inline std::string kernel_program(const MicroKernel &mk, const KernelData &d, bool cluster) {
    std::ostringstream c;
    write_operands(c, mk, d, cluster);
    c << "static const int32_t acc0[" << d.acc0.size() << "] = {";
    for (int32_t v : d.acc0) c << v << ",";
    c << "};\nint main(void) {\n    int32_t acc[" << d.acc0.size() << "];\n    int i;\n";
    const auto cases = kernel_cases();
    for (size_t n = 0; n < cases.size(); n++) {
        const auto &cs = cases[n];
        c << "    for (i = 0; i < " << d.acc0.size() << "; i++) acc[i] = acc0[i];\n    " << mk.c_symbol << "(";
        for (int i = 0; i < mk.rows; i++) c << "&a[" << row_index(cs.order, i, mk.rows) << "][" << cs.a_offset << "], ";
        for (int j = 0; j < mk.cols; j++) {
            if (mk.b_stride_arg) c << "&b_kn[" << cs.b_offset + row_index(cs.order, j, mk.cols) << "], ";
            else c << "&b[" << row_index(cs.order, j, mk.cols) << "][" << cs.b_offset << "], ";
        }
        c << cs.k;
        if (mk.b_stride_arg) c << ", " << b_leading_dim(mk, n);
        const int tiles = mk.rows * mk.cols;
        for (int t = 0; t < tiles; t++) c << ", &acc[" << (cs.acc_reversed ? tiles - 1 - t : t) << "]";
        c << ");\n    printf(\"case " << n << ":\");\n    for (i = 0; i < " << d.acc0.size()
          << "; i++) printf(\" %ld\", (long)acc[i]);\n    printf(\"\\n\");\n";
    }
    c << "    return 0;\n}\n";
    return c.str();
}

// What the program must print, from the reference loop nest.
inline std::string kernel_expected(const MicroKernel &mk, const KernelData &d) {
    std::ostringstream out;
    const auto cases = kernel_cases();
    for (size_t n = 0; n < cases.size(); n++) {
        std::vector<const int8_t *> a, b;
        for (size_t i = 0; i < d.a.size(); i++)
            a.push_back(d.a[size_t(row_index(cases[n].order, int(i), int(d.a.size())))].data() + cases[n].a_offset);
        for (int j = 0; j < mk.cols; j++) b.push_back(b_start(mk, d, cases[n], j));
        std::vector<int32_t> acc = d.acc0;
        std::vector<int32_t *> tile;
        for (auto &v : acc) tile.push_back(&v);
        if (cases[n].acc_reversed) std::reverse(tile.begin(), tile.end());
        mk.reference(a, b, cases[n].k, tile, mk.b_stride_arg ? b_leading_dim(mk, n) : 0);
        out << "case " << n << ":";
        for (int32_t v : acc) out << " " << v;
        out << "\n";
    }
    return out.str();
}

// The requantizing variant (MicroKernel::requant_c_symbol): each case's
// operands as above (the accumulators start at zero), with its own
// epilogue parameters: with and without a bias, shifts 0..31, signed and
// unsigned clips (and one neither, the fallback), output rows ldy apart. The
// program prints the whole output buffer, so a byte written outside the tile
// shows.
struct RequantCase {
    bool bias;
    int32_t mul, add, shift, lo, hi, ldy;
};

inline RequantCase requant_case(size_t n) {
    std::mt19937 rng(uint32_t(1000 + n));
    std::uniform_int_distribution<int32_t> mul(-3000, 3000), add(-(1 << 20), 1 << 20);
    const int32_t shifts[] = {16, 0, 1, 8, 31, 12};
    const int32_t ldys[] = {4, 7, 64};
    RequantCase r;
    r.bias = n % 3 != 1;
    r.mul = mul(rng);
    r.add = add(rng);
    r.shift = shifts[n % 6];
    r.lo = n % 2 ? 0 : -128;
    r.hi = n % 2 ? 255 : 127;
    if (n % 7 == 5) r.lo = -5, r.hi = 100;  // neither clip instruction's range: the fallback
    r.ldy = ldys[n % 3];
    return r;
}

constexpr int kRequantOut = 4 * 64;  // >= rows x the largest ldy

inline std::vector<int32_t> requant_bias(const KernelData &d) {
    std::vector<int32_t> b;
    for (size_t j = 0; j < d.b.size(); j++) b.push_back(d.acc0[j] * 37);
    return b;
}

inline std::string requant_program(const MicroKernel &mk, const KernelData &d, bool cluster) {
    std::ostringstream c;
    write_operands(c, mk, d, cluster);
    c << "static const int32_t bias[" << mk.cols << "] = {";
    for (int32_t v : requant_bias(d)) c << v << ",";
    c << "};\nstatic int8_t y[" << kRequantOut << "];\nint main(void) {\n    int i;\n";
    const auto cases = kernel_cases();
    for (size_t n = 0; n < cases.size(); n++) {
        const auto &cs = cases[n];
        const RequantCase r = requant_case(n);
        c << "    for (i = 0; i < " << kRequantOut << "; i++) y[i] = 0x55;\n    " << mk.requant_c_symbol << "(";
        for (int i = 0; i < mk.rows; i++) c << "&a[" << row_index(cs.order, i, mk.rows) << "][" << cs.a_offset << "], ";
        for (int j = 0; j < mk.cols; j++) c << "&b[" << row_index(cs.order, j, mk.cols) << "][" << cs.b_offset << "], ";
        c << cs.k << ", " << (r.bias ? "bias" : "0") << ", " << r.mul << ", " << r.add << ", " << r.shift << ", "
          << r.lo << ", " << r.hi << ", y, " << r.ldy << ");\n    printf(\"case " << n << ":\");\n    for (i = 0; i < "
          << kRequantOut << "; i++) printf(\" %d\", (int)y[i]);\n    printf(\"\\n\");\n";
    }
    c << "    return 0;\n}\n";
    return c.str();
}

inline std::string requant_expected(const MicroKernel &mk, const KernelData &d) {
    std::ostringstream out;
    const auto cases = kernel_cases();
    const std::vector<int32_t> bias = requant_bias(d);
    for (size_t n = 0; n < cases.size(); n++) {
        const RequantCase r = requant_case(n);
        std::vector<const int8_t *> a, b;
        for (size_t i = 0; i < d.a.size(); i++)
            a.push_back(d.a[size_t(row_index(cases[n].order, int(i), int(d.a.size())))].data() + cases[n].a_offset);
        for (int j = 0; j < mk.cols; j++) b.push_back(b_start(mk, d, cases[n], j));
        std::vector<int8_t> y(kRequantOut, int8_t(0x55));
        mk.reference_requant(a, b, cases[n].k, r.bias ? bias.data() : nullptr, r.mul, r.add, r.shift, r.lo, r.hi,
                             y.data(), r.ldy);
        out << "case " << n << ":";
        for (int8_t v : y) out << " " << int(v);
        out << "\n";
    }
    return out.str();
}

}  // namespace halyard::test
