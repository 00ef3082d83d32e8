#include "bench_rows.h"

#include <algorithm>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "halide_baseline.h"
#include "sim_status.h"
#include "halyard/autoscheduler/cache.h"
#include "halyard/dsl/ops.h"
#include "halyard/generator.h"
#include "halyard/harness/buffers.h"
#include "halyard/harness/cluster_run.h"

using namespace halyard;
using namespace halyard::harness;

namespace halyard_bench {

namespace {

const char *kKernelTiles =
    "compute_at acc Y n_o\nmemory acc reg\ntile acc m 4\ntile acc n 2\norder acc m_o n_o k m_i n_i\n"
    "unroll acc m_i\nunroll acc n_i\nkernel acc gemm_int8_sdotp_4x2\n";

// (f): the tiles of (e) with the accumulation on the NPU: a job per tile,
// the next tile's operand double-buffered by DMA while the job runs, the
// int32 result written by the NPU into the L1 tile of Y that the DMA writes back.
std::string npu_schedule_for(const Layer &l) {
    std::ostringstream s;
    if (l.heads) {
        s << "compute_at acc Y b0\nmemory acc L1\nstage A L1 at Y b0 double_buffer\nstage B L1 at Y b0 double_buffer\n"
          << "stage Y L1 at Y b0\nnpu acc\n";
    } else if (l.M < 4) {
        s << "tile Y n 64\ncompute_at acc Y n_o\nmemory acc L1\nstage A L1 at root\nstage B L1 at Y n_o double_buffer\n"
          << "stage Y L1 at Y n_o\nnpu acc\n";
    } else {
        s << "tile Y m " << (l.M >= 64 ? 32 : l.M / 2) << "\ncompute_at acc Y m_o\nmemory acc L1\n"
          << "stage A L1 at Y m_o double_buffer\nstage B L1 at root\nstage Y L1 at Y m_o\nnpu acc\n";
    }
    return s.str();
}

// (w): (f) with B a weight resident in the NPU weight memory: the jobs read it
// in place, nothing stages it.
std::string resident_npu_schedule_for(const Layer &l) {
    std::string s = npu_schedule_for(l);
    for (const std::string stage : {"stage B L1 at root\n", "stage B L1 at Y n_o double_buffer\n"}) {
        const size_t at = s.find(stage);
        if (at != std::string::npos) s.replace(at, stage.size(), "memory B npu_weights\n");
    }
    return s;
}

// The Halyard schedule for a layer and configuration (row c, d, e or f) on
// `cores` cores.
std::string schedule_for(const Layer &l, char row, int cores) {
    if (row == 'f') return npu_schedule_for(l);
    if (row == 'w') return resident_npu_schedule_for(l);
    const bool par = row != 'c', l1 = row == 'e';
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
    if (l.M / 4 >= cores) {
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
Row run_halide_row(const Layer &l, const std::string &name, const std::string &autoscheduler,
                   const std::vector<SimInput> &in, const std::vector<int64_t> &expected, Row row) {
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
    const TargetDescription cluster = TargetDescription::named("cluster");
    HalideBaseline hb = halide_baseline(algo, name, autoscheduler, cluster.cores(), cluster.l1_size());
    SimRun r = run_on_cluster_cxx(hb.lib, hb.files, hb.cxx_flags, in, "int32_t", expected, 200000000);
    row.ok = r.ok;
    row.cycles = r.cycles;
    row.dma_bytes = r.dma_bytes;
    row.note = r.ok ? "schedule: " + hb.schedule : "FAIL: " + r.log.substr(0, 2000);
    // The memory guard stopped an autoscheduler's schedule (its buffers on
    // the stack do not fit stack.size): that schedule does not run here.
    if (!r.ok && !autoscheduler.empty() && r.exit_code == halyard::sim::kExitGuard) {
        row.does_not_run = true;
        const size_t at = r.log.find("halyard-sim: ");
        const std::string line = r.log.substr(at == std::string::npos ? 0 : at, r.log.find('\n', at) - at);
        row.note = "does not run: " + line + "; schedule: " + hb.schedule;
    }
    return row;
}

// FNV-1a: a seed that is the same on every machine and library.
uint32_t seed_of(const std::string &text) {
    uint32_t h = 2166136261u;
    for (unsigned char c : text) h = (h ^ c) * 16777619u;
    return h;
}

}  // namespace

Row run_row(const Layer &l, const Config &config) {
    const TargetDescription cluster = TargetDescription::named("cluster");
    Row row;
    row.layer = l.name;
    row.config = config.id;
    row.macs = l.macs();
    row.cores = config.cores ? config.cores : (config.row == 'a' || config.row == 'c' || config.row == 'f' || config.row == 'w') ? 1 : cluster.cores();
    if (row.cores > cluster.cores()) {
        row.note = "configuration " + config.id + ": target cluster has " + std::to_string(cluster.cores()) + " cores";
        return row;
    }
    std::mt19937 rng(seed_of(l.name + "/" + config.id));
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
    std::vector<SimInput> in = {{"int8_t", a.values()}, {"int8_t", b.values(), config.row == 'w'}};
    GeneratedLibrary lib;
    std::string name = "bench_" + l.name + "_" + config.id;
    std::replace(name.begin(), name.end(), '@', '_');
    std::replace(name.begin(), name.end(), ':', '_');
    try {
        if (config.row == 'a') {
            lib = plain_c(l, name);
        } else if (config.row == 'b') {
            return run_halide_row(l, name, config.halide_autoscheduler, in, expected, row);
        } else if (config.row == 's') {
            // The autoscheduler's schedule for this layer: from its cache, or
            // searched and measured now (then cached).
            autoschedule::CachedAutoscheduler search;
            search.measure_k = 4;
            auto found = search(l.family(), l.params(), cluster);
            if (!found) {
                row.note = "the autoscheduler found no schedule that ran bit-exact";
                return row;
            }
            Schedule s = Schedule::parse(found->first, name);
            lib = run_generator(l.family(), l.params(), cluster, &s, name);
            row.l1_bytes = lib.arenas.l1_bytes;
            row.note = found->second;
        } else {
            // (c) and (d) are generated for the whole cluster ((c) has no
            // parallel loop); e@N for a cluster of N cores.
            const int gen_cores = config.cores ? config.cores : cluster.cores();
            const std::string text = schedule_for(l, config.row, gen_cores);  // "" = the cluster default schedule
            Schedule s = Schedule::parse(text, name);
            const TargetDescription t = config.cores ? cluster.with("cores", std::to_string(gen_cores)) : cluster;
            lib = run_generator(l.family(), l.params(), t, text.empty() ? nullptr : &s, name);
            row.l1_bytes = lib.arenas.l1_bytes;
            if ((config.row == 'f' || config.row == 'w') && lib.stages_on_npu.empty()) {
                row.note = "the NPU mapping fell back to the cores:\n" + lib.report;
                return row;
            }
        }
    } catch (const UserError &e) {
        row.note = e.what();
        return row;
    }
    // The plain loop nest is slow by nature; Halyard's rows get a tighter limit
    // (scaled for fewer cores).
    const uint64_t limit = config.row == 'a' ? 200000000 : 40000000ull * cluster.cores() / row.cores;
    SimRun r = run_on_cluster(lib, in, "int32_t", expected, limit);
    row.ok = r.ok;
    row.cycles = r.cycles;
    row.dma_bytes = r.dma_bytes;
    if (!r.ok) row.note = "FAIL: " + r.log.substr(0, 400);
    std::smatch m;
    if (std::regex_search(r.log, m, std::regex("npu: (\\d+) jobs, (\\d+) MACs in (\\d+) busy cycles .*of peak (\\d+)"))) {
        row.npu_jobs = std::stoull(m[1]);
        row.npu_macs = std::stoull(m[2]);
        row.npu_busy_cycles = std::stoull(m[3]);
        row.npu_peak = std::stoull(m[4]);
    }
    return row;
}

}  // namespace halyard_bench
