// halyard-bench: runs a fixed set of Transformer layers on the Verilator
// model of the cluster and writes bench.md, bench.csv and bench.json:
// cycles, MAC/cycle, utilization of the 32 MAC/cycle peak, L1 peak, DMA bytes.
// Every row's output is checked bit-exactly against a plain loop in this file
// (run_row's `expected`); a row that does not match is reported as FAIL and
// the tool exits non-zero.
//
// Rows per layer, all on the same model in the same run:
//   (a) a plainly written C loop nest, -O3, 1 core (what a user writes by hand)
//   (b) Halide's own compile_to_c output for the same algorithm, plain Halide
//       schedule, halide_do_par_for over the 8 cores (halide_baseline.cpp)
//   (c) Halyard, 1 core, operands in L2
//   (d) Halyard, 8 cores, operands in L2
//   (e) Halyard, 8 cores, L1 tiles by DMA (double-buffered where the tile loop
//       allows), output tiles written back by DMA, Xpulp micro-kernels
// Shapes are M x K x N (M rows of activations, K reduction, N outputs).
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "halide_baseline.h"
#include "halyard/dsl/ops.h"
#include "halyard/generator.h"
#include "halyard/harness/buffers.h"
#include "halyard/harness/cluster_run.h"

using namespace halyard;
using namespace halyard::harness;

namespace {

struct Layer {
    std::string name;
    int heads = 0;  // 0: GEMM Y[M,N] = A[M,K] W[N,K]^T; >0: batched Q K^T per head
    int M, K, N;
    int64_t macs() const { return int64_t(std::max(heads, 1)) * M * K * N; }
    std::string family() const { return heads ? "matmul" : "gemm"; }
    std::map<std::string, std::string> params() const {
        if (heads) {
            return {{"a_shape", std::to_string(heads) + "x" + std::to_string(M) + "x" + std::to_string(K)},
                    {"b_shape", std::to_string(heads) + "x" + std::to_string(N) + "x" + std::to_string(K)},
                    {"trans_b", "1"}};
        }
        return {{"M", std::to_string(M)}, {"K", std::to_string(K)}, {"N", std::to_string(N)}, {"trans_b", "1"}};
    }
};

struct Row {
    std::string layer, config;
    uint64_t cycles = 0, dma_bytes = 0;
    int64_t l1_bytes = 0, macs = 0;
    bool ok = false;
    std::string note;
};

const char *kKernelTiles =
    "compute_at acc Y n_o\nmemory acc reg\ntile acc m 4\ntile acc n 2\norder acc m_o n_o k m_i n_i\n"
    "unroll acc m_i\nunroll acc n_i\nkernel acc gemm_int8_sdotp_4x2\n";

// The Halyard schedule for a layer and configuration.
std::string schedule_for(const Layer &l, const std::string &config) {
    const bool par = config != "c", l1 = config == "e";
    std::ostringstream s;
    if (l.heads) {
        // One head per core: Q, K and the head's scores tile live in L1.
        s << "tile Y m 4\ntile Y n 2\norder Y b0 m_o n_o m_i n_i\ncompute_at acc Y n_o\nmemory acc reg\n"
          << "tile acc m 4\ntile acc n 2\norder acc b0 m_o n_o k m_i n_i\nunroll acc m_i\nunroll acc n_i\n"
          << "kernel acc gemm_int8_sdotp_4x2\n";
        if (par) s << "parallel Y b0\n";
        if (l1) s << "stage A L1 at Y b0 double_buffer\nstage B L1 at Y b0 double_buffer\nstage Y L1 at Y b0\n";
        return s.str();
    }
    if (l.M < 4) {
        // GEMV: no 4-row tile. (e) is the cluster default schedule (1x4 kernel,
        // weight rows over cores, DMA); (c)/(d) split the outputs, plain loops.
        if (l1) return "";
        s << "tile Y n 32\nparallel Y n_o\ncompute_at acc Y n_i\nmemory acc reg\n";
        if (!par) s.str("tile Y n 32\ncompute_at acc Y n_i\nmemory acc reg\n");
        return s.str();
    }
    if (l.M / 4 >= 8) {
        // Enough 4-row tiles for every core: rows over cores, all weights in L1.
        s << "tile Y m 4\ntile Y n 2\norder Y m_o n_o m_i n_i\n" << kKernelTiles;
        if (par) s << "parallel Y m_o\n";
        if (l1) s << "stage B L1 at root\nstage A L1 at Y m_o double_buffer\nstage Y L1 at Y m_o\n";
        return s.str();
    }
    // Few rows (decode/FFN): split the outputs over cores, 8 columns at a time.
    s << "tile Y n 8\ntile Y n_i 2\ntile Y m 4\norder Y n_o m_o n_i_o m_i n_i_i\n"
      << "compute_at acc Y n_i_o\nmemory acc reg\ntile acc m 4\ntile acc n 2\norder acc m_o n_o k m_i n_i\n"
      << "unroll acc m_i\nunroll acc n_i\nkernel acc gemm_int8_sdotp_4x2\n";
    if (par) s << "parallel Y n_o\n";
    if (l1) s << "stage A L1 at root\nstage B L1 at Y n_o double_buffer\n";
    return s.str();
}

// (a): the loop nest a user writes by hand.
GeneratedLibrary plain_c(const Layer &l, const std::string &name) {
    GeneratedLibrary lib;
    lib.name = name;
    std::ostringstream h, c;
    h << "#include <stdint.h>\nint " << name << "(const int8_t *A, const int8_t *B, int32_t *Y);\n";
    c << "#pragma GCC optimize(\"O3\")\n#include \"" << name << ".h\"\n"
      << "int " << name << "(const int8_t *A, const int8_t *B, int32_t *Y) {\n"
      << "    int h, m, n, k;\n    for (h = 0; h < " << std::max(l.heads, 1) << "; h++)\n"
      << "    for (m = 0; m < " << l.M << "; m++)\n      for (n = 0; n < " << l.N << "; n++) {\n"
      << "        int32_t acc = 0;\n        const int8_t *a = A + (h * " << l.M << " + m) * " << l.K
      << ", *b = B + (h * " << l.N << " + n) * " << l.K << ";\n"
      << "        for (k = 0; k < " << l.K << "; k++) acc += a[k] * b[k];\n"
      << "        Y[(h * " << l.M << " + m) * " << l.N << " + n] = acc;\n      }\n    return 0;\n}\n";
    lib.header = h.str();
    lib.c_source = c.str();
    return lib;
}

// (b): Halide's compile_to_c output for the same algorithm (halide_baseline.cpp).
Row run_halide_row(const Layer &l, const std::string &name, const TypedBuffer &a, const TypedBuffer &b,
                   const std::vector<int64_t> &expected, Row row) {
    Algorithm algo;
    if (l.heads) {
        MatMulSpec spec;
        spec.a_shape = {l.heads, l.M, l.K};
        spec.b_shape = {l.heads, l.N, l.K};
        spec.trans_b = true;
        algo = matmul(spec);
    } else {
        GemmSpec spec;
        spec.M = l.M;
        spec.K = l.K;
        spec.N = l.N;
        spec.trans_b = true;
        algo = gemm(spec);
    }
    halyard_bench::HalideBaseline hb = halyard_bench::halide_baseline(algo, name);
    std::vector<SimInput> in = {{"int8_t", std::vector<int64_t>(a.size())}, {"int8_t", std::vector<int64_t>(b.size())}};
    for (int64_t i = 0; i < a.size(); i++) in[0].values[i] = a.get(i);
    for (int64_t i = 0; i < b.size(); i++) in[1].values[i] = b.get(i);
    SimRun r = run_on_cluster_cxx(hb.lib, hb.files, hb.cxx_flags, in, "int32_t", expected, 200000000);
    row.ok = r.ok;
    row.cycles = r.cycles;
    row.dma_bytes = r.dma_bytes;
    if (!r.ok) row.note = "FAIL: " + r.log.substr(0, 2000);
    return row;
}

Row run_row(const Layer &l, const std::string &config, std::mt19937 &rng) {
    Row row;
    row.layer = l.name;
    row.config = config;
    row.macs = l.macs();
    const int H = std::max(l.heads, 1);
    TypedBuffer a = random_buffer(rng, ElemType::Int8, int64_t(H) * l.M * l.K);
    TypedBuffer b = random_buffer(rng, ElemType::Int8, int64_t(H) * l.N * l.K);
    // Expected: per head, A[M,K] x B[N,K]^T.
    std::vector<int64_t> expected(int64_t(H) * l.M * l.N);
    for (int h = 0; h < H; h++) {
        for (int m = 0; m < l.M; m++) {
            for (int n = 0; n < l.N; n++) {
                int64_t acc = 0;
                for (int k = 0; k < l.K; k++) {
                    acc += a.get((int64_t(h) * l.M + m) * l.K + k) * b.get((int64_t(h) * l.N + n) * l.K + k);
                }
                expected[(int64_t(h) * l.M + m) * l.N + n] = acc;
            }
        }
    }
    GeneratedLibrary lib;
    const std::string name = "bench_" + l.name + "_" + config;
    try {
        if (config == "a") {
            lib = plain_c(l, name);
        } else if (config == "b") {
            return run_halide_row(l, name, a, b, expected, row);
        } else {
            const std::string text = schedule_for(l, config);  // "" = the cluster default schedule
            Schedule s = Schedule::parse(text, name);
            lib = run_generator(l.family(), l.params(), TargetDescription::named("cluster"), text.empty() ? nullptr : &s,
                                name);
            row.l1_bytes = lib.arenas.l1_bytes;
        }
    } catch (const UserError &e) {
        row.note = e.what();
        return row;
    }
    std::vector<SimInput> in = {{"int8_t", std::vector<int64_t>(a.size())}, {"int8_t", std::vector<int64_t>(b.size())}};
    for (int64_t i = 0; i < a.size(); i++) in[0].values[i] = a.get(i);
    for (int64_t i = 0; i < b.size(); i++) in[1].values[i] = b.get(i);
    // The plain loop nest is slow by nature; Halyard's rows get a tighter limit.
    SimRun r = run_on_cluster(lib, in, "int32_t", expected, config == "a" ? 200000000 : 40000000);
    row.ok = r.ok;
    row.cycles = r.cycles;
    row.dma_bytes = r.dma_bytes;
    if (!r.ok) row.note = "FAIL: " + r.log.substr(0, 400);
    return row;
}

std::string config_name(const std::string &c) {
    if (c == "a") return "(a) plain C -O3, 1 core";
    if (c == "b") return "(b) Halide compile_to_c, 8 cores";
    if (c == "c") return "(c) Halyard, 1 core";
    if (c == "d") return "(d) Halyard, 8 cores";
    return "(e) Halyard, 8 cores, L1 + DMA";
}

}  // namespace

int main(int argc, char **argv) {
    std::string out_dir = ".", only, configs = "abcde";
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--out" && i + 1 < argc) out_dir = argv[++i];
        else if (a == "--only" && i + 1 < argc) only = argv[++i];        // one layer, by name
        else if (a == "--rows" && i + 1 < argc) configs = argv[++i];     // e.g. "b" or "ade"
        else {
            std::cerr << "usage: halyard-bench [--out DIR] [--only LAYER] [--rows abcde]\n";
            return 2;
        }
    }
    if (configs.find_first_not_of("abcde") != std::string::npos || configs.empty()) {
        std::cerr << "halyard-bench: --rows " << configs << ": give letters from abcde\n";
        return 2;
    }
    // Fail before minutes of simulation, not after: the output files must be writable.
    for (const char *f : {"bench.md", "bench.csv", "bench.json"}) {
        std::ofstream probe(out_dir + "/" + f, std::ios::app);
        if (!probe) {
            std::cerr << "halyard-bench: --out " << out_dir << ": cannot write " << out_dir << "/" << f
                      << " (does the directory exist?)\n";
            return 2;
        }
    }
    const std::vector<Layer> layers = {
        {"gemm_64x64x64", 0, 64, 64, 64},       {"gemm_128x256x64", 0, 128, 256, 64},
        {"ffn_up_16x64x256", 0, 16, 64, 256},   {"ffn_down_16x256x64", 0, 16, 256, 64},
        {"gemv_1x64x256", 0, 1, 64, 256},       {"mha_scores_8h_64x16x64", 8, 64, 16, 64},
    };
    if (!only.empty() && std::none_of(layers.begin(), layers.end(), [&](const Layer &l) { return l.name == only; })) {
        std::cerr << "halyard-bench: --only " << only << ": no such layer (layers:";
        for (const auto &l : layers) std::cerr << " " << l.name;
        std::cerr << ")\n";
        return 2;
    }
    std::mt19937 rng(20261121);
    std::vector<Row> rows;
    bool all_ok = true;
    for (const auto &l : layers) {
        if (!only.empty() && l.name != only) continue;
        for (const char *c : {"a", "b", "c", "d", "e"}) {
            if (configs.find(c) == std::string::npos) continue;
            Row r = run_row(l, c, rng);
            all_ok &= r.ok;
            std::cerr << l.name << " " << config_name(c) << ": " << r.cycles << " cycles" << (r.ok ? "" : "  " + r.note)
                      << "\n";
            rows.push_back(r);
        }
    }
    std::ofstream md(out_dir + "/bench.md"), csv(out_dir + "/bench.csv"), json(out_dir + "/bench.json");
    md << "| layer | configuration | cycles | MAC/cycle | of 32 peak | speedup vs (a) | L1 peak (B) | DMA bytes | check |\n"
       << "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    csv << "layer,config,cycles,macs,mac_per_cycle,utilization,l1_bytes,dma_bytes,bit_exact\n";
    json << "[\n";
    std::map<std::string, uint64_t> plain;
    for (const auto &r : rows) {
        if (r.config == "a") plain[r.layer] = r.cycles;
    }
    for (size_t i = 0; i < rows.size(); i++) {
        const Row &r = rows[i];
        double mpc = r.cycles ? double(r.macs) / double(r.cycles) : 0.0;
        double speedup = r.cycles ? double(plain[r.layer]) / double(r.cycles) : 0.0;
        md << "| " << r.layer << " | " << config_name(r.config) << " | " << r.cycles << " | " << std::fixed
           << std::setprecision(2) << mpc << " | " << std::setprecision(1) << 100.0 * mpc / 32.0 << "% | "
           << std::setprecision(1) << speedup << "x | " << r.l1_bytes << " | " << r.dma_bytes << " | "
           << (r.ok ? "bit-exact" : "FAIL") << " |\n";
        csv << r.layer << "," << r.config << "," << r.cycles << "," << r.macs << "," << std::setprecision(3) << mpc
            << "," << mpc / 32.0 << "," << r.l1_bytes << "," << r.dma_bytes << "," << (r.ok ? 1 : 0) << "\n";
        json << "  {\"layer\": \"" << r.layer << "\", \"config\": \"" << r.config << "\", \"cycles\": " << r.cycles
             << ", \"macs\": " << r.macs << ", \"mac_per_cycle\": " << mpc << ", \"l1_bytes\": " << r.l1_bytes
             << ", \"dma_bytes\": " << r.dma_bytes << ", \"bit_exact\": " << (r.ok ? "true" : "false") << "}"
             << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    json << "]\n";
    md.close();  // flushed before it is read back
    csv.close();
    json.close();
    std::ifstream back(out_dir + "/bench.md");
    std::cout << back.rdbuf();
    return all_ok ? 0 : 1;
}
