// halyard-bench-networks [--data DIR] [--out DIR] [--only NAME] [--quick]
// Whole networks on the Verilator model, beside Deeploy's published figures:
// Deeploy's microLlama16 (decode, KV 16) and microLlama2_parallel (prefill 2)
// on 1 and 8 cores with L1 budgets of 64 KB and 8 KB, and the same network
// resized by Halyard (resize_model.h) to decode with KV 64 and 128 and to a
// 64-token prefill. Every run is checked against its outputs.npz (Deeploy's,
// or for resized folders the host build's: cluster == host, bit for bit).
// The decode and prefill networks run without the NPU (--no-npu: the cores'
// rows) and with it (the network compiler's default on the cluster: GEMM/
// MatMul kernels on the NPU where it wins, weights in its weight memory).
// Writes DIR/networks.md and networks.json.
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "halyard/network/runner.h"
#include "resize_model.h"

using namespace halyard;

namespace {

struct Case {
    std::string name, folder, kind;  // kind: "decode, KV 16", "prefill 64", ...
    int cores;
    int64_t l1;
    std::string deeploy;     // Deeploy's published figure for this configuration, if any
    bool npu = false;        // NetworkOptions::use_npu (off: --no-npu)
};

struct Row {
    Case c;
    network::RunResult r;
    double seconds = 0;
};

bool exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

std::string resized(const std::string &data, const std::string &out, const std::string &name, const std::string &from,
                    apps::ResizeSpec spec) {
    const std::string dir = out + "/" + name;
    if (exists(dir + "/outputs.npz")) return dir;
    if (system(("mkdir -p '" + dir + "'").c_str()) != 0) throw std::runtime_error("cannot create " + dir);
    apps::resize_model(data + "/Models/microLlama/INT8/" + from, dir, spec);
    network::RunOptions o;
    o.dir = dir;
    o.target = "host";
    o.make_expected = true;
    network::run_test_folder(o);
    std::cout << "made " << dir << " (resized " << from << ", expected outputs from the host build)\n";
    return dir;
}


// The row of networks.json: the run, what it is ("decode" with its KV length
// or "prefill" with its prompt length, for the plots) and its cycles inside
// kernel calls summed by op type ("MatMul+requant" counts as MatMul).
nlohmann::json run_json(const Row &w) {
    const auto &p = w.r.program;
    const bool decode = w.c.kind.rfind("decode", 0) == 0;
    const std::string digits = w.c.kind.substr(w.c.kind.find_last_of(' ') + 1);
    nlohmann::json per_op = nlohmann::json::object();
    for (const auto &call : w.r.calls) {
        const std::string op = call.op.substr(0, call.op.find('+'));
        per_op[op] = per_op.value(op, uint64_t(0)) + call.cycles;
    }
    return {{"network", w.c.name}, {"kind", decode ? "decode" : "prefill"}, {"length", std::stoll(digits)},
            {"cores", w.c.cores}, {"l1_budget", w.c.l1}, {"cycles", w.r.cycles}, {"errors", w.r.errors},
            {"total", w.r.total}, {"calls", p.steps.size()}, {"arena_bytes", p.arena_bytes},
            {"arena_naive_bytes", p.arena_naive_bytes}, {"const_bytes", p.const_bytes}, {"l1_bytes", p.l1_bytes},
            {"npu_weight_bytes", p.npu_weight_bytes}, {"npu", w.c.npu}, {"sim_seconds", w.seconds}, {"per_op", per_op}};
}

}  // namespace

int main(int argc, char **argv) {
    std::string data = HALYARD_DATA_DIR "/deeploy-tests", out = "bench-networks", only;
    bool quick = false;
    std::cout << std::unitbuf;  // progress lines as they happen (runs take minutes)
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n";
                exit(2);
            }
            return argv[++i];
        };
        if (a == "--data") data = value();
        else if (a == "--out") out = value();
        else if (a == "--only") only = value();
        else if (a == "--quick") quick = true;
        else if (a == "--make") {
            // --make NAME FROM (kv|seq) N: only make the resized folder OUT/NAME.
            if (i + 4 >= argc) {
                std::cerr << "--make NAME FROM kv|seq N\n";
                return 2;
            }
            const std::string name = argv[i + 1], from = argv[i + 2], what = argv[i + 3];
            const int64_t n = std::stoll(argv[i + 4]);
            apps::ResizeSpec spec{what == "kv" ? n : -1, what == "seq" ? n : -1, 1};
            try {
                if (system(("mkdir -p '" + out + "'").c_str()) != 0) throw std::runtime_error("cannot create " + out);
                std::cout << resized(data, out, name, from, spec) << "\n";
            } catch (const std::exception &e) {
                std::cerr << "halyard-bench-networks: " << e.what() << "\n";
                return 2;
            }
            return 0;
        } else {
            std::cerr << "usage: halyard-bench-networks [--data DEEPLOY_TESTS_DIR] [--out DIR] [--only NAME] [--quick]\n"
                         "       halyard-bench-networks [--data DIR] --out DIR --make NAME FROM kv|seq N   (only make a folder)\n";
            return 2;
        }
    }
    try {
        if (system(("mkdir -p '" + out + "'").c_str()) != 0 || !exists(out)) throw std::runtime_error("cannot create --out " + out);
        if (!exists(data + "/Models/microLlama/INT8/microLlama16/network.onnx")) {
            throw std::runtime_error("no Deeploy microLlama folders under " + data + " (give --data)");
        }
        const std::string ml = data + "/Models/microLlama/INT8/";
        std::vector<Case> cases;
        for (int cores : {8, 1}) {
            for (int64_t l1 : {65536, 8192}) {
                cases.push_back({"microLlama16", ml + "microLlama16", "decode, KV 16", cores, l1, ""});
                cases.push_back({"microLlama2_parallel", ml + "microLlama2_parallel", "prefill 2", cores, l1, ""});
            }
        }
        const std::string kv64 = resized(data, out, "decode_kv64", "microLlama16", {64, -1, 1});
        const std::string kv128 = resized(data, out, "decode_kv128", "microLlama16", {128, -1, 1});
        cases.push_back({"decode_kv64", kv64, "decode, KV 64", 8, 65536, "857 k (NEureka), 780 k (NEureka + weight memory)"});
        cases.push_back({"decode_kv128", kv128, "decode, KV 128", 8, 65536, "3.1 M (8 cores, untiled)"});
        cases.push_back({"decode_kv128", kv128, "decode, KV 128", 1, 65536, "16.1 M (1 core, untiled)"});
        cases.push_back({"decode_kv64", kv64, "decode, KV 64", 8, 65536, "857 k (NEureka), 780 k (NEureka + weight memory)", true});
        cases.push_back({"decode_kv128", kv128, "decode, KV 128", 8, 65536, "", true});
        if (!quick) {
            const std::string p64 = resized(data, out, "prefill_64", "microLlama2_parallel", {-1, 64, 1});
            cases.push_back({"prefill_64", p64, "prefill 64", 8, 65536, "35.3 M (64 KB L1), 28.6 M (+ NEureka)"});
            cases.push_back({"prefill_64", p64, "prefill 64", 8, 8192, "47.5 M (8 KB L1)"});
            cases.push_back({"prefill_64", p64, "prefill 64", 8, 65536, "28.6 M (+ NEureka), 28.3 M (+ weight memory)", true});
        }
        std::vector<Row> rows;
        for (const auto &c : cases) {
            if (!only.empty() && c.name != only) continue;
            network::RunOptions o;
            o.dir = c.folder;
            o.target = "cluster";
            o.cores = c.cores;
            o.l1_budget = c.l1;
            o.use_npu = c.npu;  // the rows without it: every kernel on the cores (--no-npu)
            const auto t0 = std::chrono::steady_clock::now();
            Row row{c, network::run_test_folder(o), 0};
            row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::cout << c.name << " (" << c.kind << "), " << c.cores << (c.npu ? " cores + NPU" : " cores") << ", L1 " << c.l1 << ": " << row.r.cycles
                      << " cycles, Errors: " << row.r.errors << " out of " << row.r.total << " (" << std::fixed
                      << std::setprecision(0) << row.seconds << " s)\n";
            rows.push_back(std::move(row));
        }
        std::ostringstream md;
        nlohmann::json js = nlohmann::json::array();
        md << "| network | cores | L1 budget | cycles | ms at 360 MHz | kernel calls | activations (planned / no reuse) | "
              "weights+consts | L1 region | check | Deeploy (published, Siracusa) |\n"
           << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
        for (size_t i = 0; i < rows.size(); i++) {
            const auto &w = rows[i];
            const auto &p = w.r.program;
            md << "| " << w.c.name << " (" << w.c.kind << ") | " << w.c.cores << (w.c.npu ? " + NPU" : "") << " | " << w.c.l1 / 1024 << " KB | "
               << w.r.cycles << " | " << std::fixed << std::setprecision(2) << w.r.cycles / 360e3 << " | " << p.steps.size()
               << " | " << p.arena_bytes << " / " << p.arena_naive_bytes << " B | " << p.const_bytes << " B"
               << (p.npu_weight_bytes ? " + " + std::to_string(p.npu_weight_bytes) + " B in the NPU weight memory" : "")
               << " | " << p.l1_bytes
               << " B | " << (w.r.errors == 0 ? "bit-exact" : "MISMATCH") << " | " << w.c.deeploy << " |\n";
            js.push_back(run_json(w));
        }
        std::ofstream(out + "/networks.md") << md.str();
        std::ofstream(out + "/networks.json") << js.dump(2) << "\n";
        std::cout << "\n" << md.str() << "\nwritten: " << out << "/networks.md, " << out << "/networks.json\n";
        for (const auto &w : rows) {
            if (w.r.errors) return 1;
        }
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "halyard-bench-networks: " << e.what() << "\n";
        return 2;
    }
}
