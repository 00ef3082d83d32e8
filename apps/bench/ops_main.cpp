// halyard-bench-ops: every Transformer op family at the shapes Deeploy's
// microLlama networks give it (a 64-token prefill and a decode step at KV
// length 128), each generated with its cluster default schedule on 1 core and
// on all of the target's cores, run on the Verilator model of the cluster.
// Writes ops.md and ops.json: cycles, cycles per output element, the 8-core
// over 1-core speedup, DMA bytes.
//
// Each run is checked bit-exactly against the same family generated for the
// host and compiled natively (the host tests check that build bit-exactly
// against the independent reference); a row that does not match is FAIL and
// the tool exits 1.
//
// Options: --out DIR, --only NAME (one row), --list.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "halyard/generator.h"
#include "halyard/harness/buffers.h"
#include "halyard/harness/cluster_run.h"
#include "halyard/harness/jit.h"
#include "nlohmann/json.hpp"

using namespace halyard;
using namespace halyard::harness;

namespace {

struct OpRow {
    std::string name;    // row id for --only
    std::string phase;   // "prefill 64" or "decode KV 128"
    std::string family;
    std::map<std::string, std::string> params;
};

// The shapes are those of the microLlama networks' kernels (halyard-deploy's
// reports of the bench-networks folders prefill_64 and decode_kv128).
const std::vector<OpRow> &op_rows() {
    static const std::vector<OpRow> rows = {
        {"p.scores", "prefill 64", "matmul", {{"a_shape", "1x16x64x4"}, {"b_shape", "1x16x64x4"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "6"}}},
        {"p.requant", "prefill 64", "requant_shift", {{"shape", "1x16x64x64"}, {"in_type", "int8"}, {"log2d", "8"}}},
        {"p.add_mask", "prefill 64", "add", {{"a_shape", "1x16x64x64"}, {"b_shape", "1x64x64"}, {"requant", "1"}, {"log2d", "4"}}},
        {"p.isoftmax", "prefill 64", "isoftmax", {{"shape", "1x16x64x64"}}},
        // The mask Add folded into the softmax (the network compiler's fuse_add_into_softmax).
        {"p.mask_softmax", "prefill 64", "isoftmax",
         {{"shape", "1x16x64x64"}, {"x", "add"}, {"x_a_shape", "1x16x64x64"}, {"x_b_shape", "1x64x64"}, {"x_requant", "1"},
          {"x_log2d", "4"}, {"x_a_requant", "1"}, {"x_a_log2d", "8"}, {"out_requant", "1"}, {"out_log2d", "8"}}},
        {"p.context", "prefill 64", "matmul", {{"a_shape", "1x16x64x64"}, {"b_shape", "1x16x64x4"}, {"requant", "1"}, {"log2d", "8"}}},
        // What the network compiler runs instead (transpose_matmul_operand): V^T, then the kernel.
        {"p.v_transpose", "prefill 64", "transpose", {{"shape", "1x16x64x4"}, {"perm", "0,1,3,2"}}},
        {"p.context_bt", "prefill 64", "matmul",
         {{"a_shape", "1x16x64x64"}, {"b_shape", "1x16x4x64"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.transpose", "prefill 64", "transpose", {{"shape", "1x64x16x4"}, {"perm", "0,2,1,3"}}},
        {"p.irmsnorm", "prefill 64", "irmsnorm", {{"shape", "1x64x64"}}},
        {"p.qkv", "prefill 64", "gemm", {{"M", "64"}, {"K", "64"}, {"N", "64"}, {"trans_b", "1"}, {"bias", "64"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.ffn_up", "prefill 64", "gemm", {{"M", "64"}, {"K", "64"}, {"N", "256"}, {"trans_b", "1"}, {"bias", "256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.ihardswish", "prefill 64", "ihardswish", {{"shape", "1x64x256"}, {"requant", "1"}, {"log2d", "8"}}},
        // The other FFN activations at the same shape (not in microLlama): one 256-entry table each.
        {"p.igelu", "prefill 64", "igelu", {{"shape", "1x64x256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.isilu", "prefill 64", "isilu", {{"shape", "1x64x256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.mul", "prefill 64", "mul", {{"a_shape", "1x64x256"}, {"b_shape", "1x64x256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"p.residual", "prefill 64", "add", {{"a_shape", "1x64x64"}, {"b_shape", "1x64x64"}, {"requant", "1"}, {"log2d", "2"}}},
        {"p.rope", "prefill 64", "rope", {{"shape", "1x16x64x4"}}},
        {"d.scores", "decode KV 128", "matmul", {{"a_shape", "1x16x1x4"}, {"b_shape", "1x16x129x4"}, {"trans_b", "1"}, {"requant", "1"}, {"log2d", "6"}}},
        {"d.requant", "decode KV 128", "requant_shift", {{"shape", "1x16x1x129"}, {"in_type", "int8"}, {"log2d", "8"}}},
        {"d.isoftmax", "decode KV 128", "isoftmax", {{"shape", "1x16x1x129"}}},
        {"d.mask_softmax", "decode KV 128", "isoftmax",
         {{"shape", "1x16x1x129"}, {"x", "add"}, {"x_a_shape", "1x16x1x129"}, {"x_b_shape", "129"}, {"x_requant", "1"},
          {"x_log2d", "4"}, {"x_a_requant", "1"}, {"x_a_log2d", "8"}, {"out_requant", "1"}, {"out_log2d", "8"}}},
        {"d.context", "decode KV 128", "matmul", {{"a_shape", "1x16x1x129"}, {"b_shape", "1x16x129x4"}, {"requant", "1"}, {"log2d", "8"}}},
        {"d.kv_append", "decode KV 128", "concat", {{"shapes", "1x16x128x4+1x16x1x4"}, {"axis", "-2"}}},
        {"d.irmsnorm", "decode KV 128", "irmsnorm", {{"shape", "1x1x64"}}},
        {"d.gemv_qkv", "decode KV 128", "gemm", {{"M", "1"}, {"K", "64"}, {"N", "64"}, {"trans_b", "1"}, {"bias", "64"}, {"requant", "1"}, {"log2d", "8"}}},
        {"d.gemv_up", "decode KV 128", "gemm", {{"M", "1"}, {"K", "64"}, {"N", "256"}, {"trans_b", "1"}, {"bias", "256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"d.gemv_down", "decode KV 128", "gemm", {{"M", "1"}, {"K", "256"}, {"N", "64"}, {"trans_b", "1"}, {"bias", "64"}, {"requant", "1"}, {"log2d", "8"}}},
        {"d.ihardswish", "decode KV 128", "ihardswish", {{"shape", "1x1x256"}, {"requant", "1"}, {"log2d", "8"}}},
        {"d.residual", "decode KV 128", "add", {{"a_shape", "1x1x64"}, {"b_shape", "1x1x64"}, {"requant", "1"}, {"log2d", "2"}}},
        {"d.rope", "decode KV 128", "rope", {{"shape", "1x16x1x4"}}},
    };
    return rows;
}

struct Result {
    bool ok = false;
    uint64_t cycles = 0, dma_bytes = 0;
    std::string error;
};

// One row on `cores` cores: the cluster default schedule, bit-exact against
// the host build of the same family and parameters on the same inputs.
Result run_row(const OpRow &row, int cores, int64_t l1_budget) {
    Result res;
    try {
        const GeneratorFamily &f = find_generator(row.family);
        Algorithm algo = f.build(ParamMap(row.family, f.params, row.params));
        std::string stem = row.name;
        for (char &c : stem) {
            if (c == '.') c = '_';
        }
        TargetDescription cluster =
            TargetDescription::named("cluster").with("cores", std::to_string(cores)).with("l1.budget", std::to_string(l1_budget));
        GeneratedLibrary lib = run_generator(row.family, row.params, cluster, nullptr, "ops_" + stem);
        GeneratedLibrary host = run_generator(row.family, row.params, TargetDescription::named("host"), nullptr, "host_" + stem);
        std::mt19937 rng(uint32_t(std::hash<std::string>{}(row.name)));
        std::vector<TypedBuffer> buffers;
        std::vector<SimInput> sim_in;
        std::vector<void *> ptrs;
        for (const auto &in : algo.inputs) {
            buffers.push_back(random_layer_input(rng, in.type.name, in.type.type, num_elements(in.type.shape)));
        }
        for (auto &b : buffers) {
            ptrs.push_back(b.data());
            sim_in.push_back({c_type_name(b.type), b.values()});
        }
        TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
        ptrs.push_back(out.data());
        JitKernel kernel(host);
        if (kernel.call(ptrs) != 0) throw std::runtime_error("the host build returned non-zero");
        const std::vector<int64_t> expected = out.values();
        SimRun r = run_on_cluster(lib, sim_in, c_type_name(algo.output.type), expected, 400000000);
        res.ok = r.ok;
        res.cycles = r.cycles;
        res.dma_bytes = r.dma_bytes;
        if (!r.ok) res.error = r.log.substr(r.log.size() > 2000 ? r.log.size() - 2000 : 0);
    } catch (const std::exception &e) {
        res.error = e.what();
    }
    return res;
}

int64_t output_elements(const OpRow &row) {
    const GeneratorFamily &f = find_generator(row.family);
    Algorithm algo = f.build(ParamMap(row.family, f.params, row.params));
    return num_elements(algo.output.shape);
}

std::string params_text(const OpRow &row) {
    std::string s;
    for (const auto &[k, v] : row.params) s += (s.empty() ? "" : " ") + k + "=" + v;
    return s;
}

}  // namespace

int main(int argc, char **argv) {
    std::string out_dir = ".", only;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--out" && i + 1 < argc) {
            out_dir = argv[++i];
        } else if (a == "--only" && i + 1 < argc) {
            only = argv[++i];
        } else if (a == "--list") {
            for (const auto &r : op_rows()) std::cout << r.name << "  " << r.family << " " << params_text(r) << "\n";
            return 0;
        } else {
            std::cerr << "usage: halyard-bench-ops [--out DIR] [--only NAME] [--list]\n";
            return 2;
        }
    }
    std::vector<const OpRow *> rows;
    for (const auto &r : op_rows()) {
        if (only.empty() || r.name == only) rows.push_back(&r);
    }
    if (rows.empty()) {
        std::cerr << "halyard-bench-ops: --only " << only << ": no such row (see --list)\n";
        return 2;
    }
    {
        std::ofstream probe(out_dir + "/ops.md", std::ios::app);
        if (!probe) {
            std::cerr << "halyard-bench-ops: --out " << out_dir << ": cannot write ops.md there\n";
            return 2;
        }
    }
    const TargetDescription target = TargetDescription::named("cluster");
    const int all = target.cores();
    // The networks' L1 budget (halyard-bench-networks' 64 KB rows).
    const int64_t l1_budget = 65536;
    std::ostringstream md;
    md << std::fixed;
    md << "| op | phase | family | parameters | output elements | 1 core | " << all << " cores | cycles/element (" << all
       << " cores) | speedup | DMA bytes (" << all << " cores) | check |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    nlohmann::json js = nlohmann::json::array();
    bool failed = false;
    for (const OpRow *row : rows) {
        const int64_t elems = output_elements(*row);
        Result one = run_row(*row, 1, l1_budget);
        Result par = run_row(*row, all, l1_budget);
        const bool ok = one.ok && par.ok;
        failed |= !ok;
        const double per_elem = par.ok ? double(par.cycles) / double(elems) : 0.0;
        const double speedup = one.ok && par.ok && par.cycles ? double(one.cycles) / double(par.cycles) : 0.0;
        std::cout << row->name << ": 1 core " << one.cycles << ", " << all << " cores " << par.cycles << " cycles ("
                  << std::fixed << std::setprecision(2) << speedup << "x)" << (ok ? "" : " FAIL") << std::endl;
        if (!one.ok) std::cerr << row->name << " (1 core): " << one.error << "\n";
        if (!par.ok) std::cerr << row->name << " (" << all << " cores): " << par.error << "\n";
        md << "| " << row->name << " | " << row->phase << " | " << row->family << " | " << params_text(*row) << " | "
           << elems << " | " << one.cycles << " | " << par.cycles << " | " << std::setprecision(2) << per_elem << " | "
           << speedup << "x | " << par.dma_bytes << " | " << (ok ? "bit-exact" : "FAIL") << " |\n";
        js.push_back({{"name", row->name},
                      {"phase", row->phase},
                      {"family", row->family},
                      {"params", row->params},
                      {"output_elements", elems},
                      {"cycles_1_core", one.cycles},
                      {"cycles", par.cycles},
                      {"cores", all},
                      {"speedup", speedup},
                      {"dma_bytes", par.dma_bytes},
                      {"bit_exact", ok}});
    }
    std::ofstream(out_dir + "/ops.md") << md.str();
    std::ofstream(out_dir + "/ops.json") << js.dump(2) << "\n";
    std::cout << "written: " << out_dir << "/ops.md, " << out_dir << "/ops.json\n";
    return failed ? 1 : 0;
}
