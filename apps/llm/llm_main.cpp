// halyard-llm: a llama2.c checkpoint, quantized by Halyard, telling a story
// token by token on the cluster model (or on the host, the same C).
#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "halyard/dsl/types.h"
#include "halyard/harness/harness.h"
#include "llm/checkpoint.h"
#include "llm/float_model.h"
#include "llm/generate.h"
#include "llm/llm_program.h"
#include "llm/quality.h"
#include "llm/quantize.h"
#include "llm/tokenizer.h"

#ifndef HALYARD_DATA_DIR
#define HALYARD_DATA_DIR "../shared"
#endif

namespace {

using namespace halyard::llm;

const std::string kDefaultDir = std::string(HALYARD_DATA_DIR) + "/models/stories260K";
// Siracusa's maximum cluster clock (0.8 V), the clock of Deeploy's 340 tokens/s
// (docs/llm.md cites the source).
constexpr double kDefaultClockMhz = 360.0;

void usage(FILE *out) {
    std::fprintf(out,
                 "usage: halyard-llm [--checkpoint M.bin] [--tokenizer T.bin] [--prompt TEXT] [--steps N]\n"
                 "                   [--target cluster|host] [--cores N] [--no-npu] [--temperature T] [--seed S]\n"
                 "                   [--clock-mhz F] [--work DIR] [--timeline trace.json]\n"
                 "                   [--quality] [--profile] [--bench KV,...] [--max-cycles N]\n"
                 "\n"
                 "Quantizes a llama2.c model to Halyard's integer dialect (calibrated on a built-in text),\n"
                 "builds its decode step through the network compiler (one network per KV-cache length),\n"
                 "and runs the token loop on the Verilator model of the cluster (--target cluster, the\n"
                 "default) or on the host, printing the story as it is generated, then the figures.\n"
                 "\n"
                 "  --checkpoint M.bin  llama2.c checkpoint (default %s/stories260K.bin)\n"
                 "  --tokenizer T.bin   llama2.c tokenizer.bin (default %s/tok512.bin)\n"
                 "  --prompt TEXT       text to continue (default \"Once upon a time\"; \"\" starts from BOS)\n"
                 "  --steps N           tokens to generate after the prompt (default 64)\n"
                 "  --cores N           cluster cores (default: the target's)\n"
                 "  --no-npu            every kernel on the cores; the default puts the GEMMs/GEMVs on the\n"
                 "                      cluster's NPU where the cost model says it wins and the backend maps\n"
                 "                      them, their weights resident in its weight memory (--npu: the same)\n"
                 "  --temperature T     0 (default): greedy; > 0: sample from softmax(logits / T)\n"
                 "  --seed S            sampling seed (default 42, non-zero)\n"
                 "  --clock-mhz F       clock for tokens/s (default 360, Siracusa's maximum)\n"
                 "  --work DIR          keep the generated program here (ONNX graphs, C, ELF)\n"
                 "  --timeline F.json   write the run's Perfetto trace (cores, DMA, one region per kernel call)\n"
                 "  --quality           instead of generating: teacher-force a fixed text through the\n"
                 "                      float reference and the integer model (host build) and print\n"
                 "                      top-1 agreement and perplexity of both\n"
                 "  --profile           print every kernel call of the last step with its cycles\n"
                 "  --bench KV,KV,...   instead of generating: one decode step at each KV length\n"
                 "                      (all rows valid) on the cluster, cycles and tokens/s\n"
                 "  --bench-json F.json with --bench: also write each step's cycles and where they go\n"
                 "  --bench-prefill N,.. instead of generating: the prefill network of N tokens on the cluster\n"
                 "  --no-prefill        run the prompt token by token through the decode networks (the\n"
                 "                      default for prompts under 8 tokens)\n"
                 "  --max-cycles N      simulator limit (default 2e10)\n",
                 kDefaultDir.c_str(), kDefaultDir.c_str());
}

long parse_int(const char *opt, const char *v, long lo, long hi) {
    char *end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
        std::fprintf(stderr, "halyard-llm: %s %s is not an integer in [%ld, %ld]\n", opt, v, lo, hi);
        std::exit(2);
    }
    return n;
}

// Bytes the ELF occupies in memory (its loadable segments).
int64_t elf_load_bytes(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto u32 = [&](size_t o) { return o + 4 <= b.size() ? (uint32_t)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | (uint32_t)b[o + 3] << 24) : 0u; };
    auto u16 = [&](size_t o) { return o + 2 <= b.size() ? (uint32_t)(b[o] | b[o + 1] << 8) : 0u; };
    if (b.size() < 52 || std::memcmp(b.data(), "\x7f" "ELF", 4) != 0) return -1;
    const uint32_t phoff = u32(28), phentsize = u16(42), phnum = u16(44);
    int64_t total = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const size_t o = phoff + (size_t)i * phentsize;
        if (u32(o) == 1 /* PT_LOAD */ && (u32(o + 8) >> 24) == 0x1C) total += u32(o + 20);  // L2 at 0x1C00_0000
    }
    return total;
}

}  // namespace

int main(int argc, char **argv) {
    std::string checkpoint_path = kDefaultDir + "/stories260K.bin";
    std::string tokenizer_path = kDefaultDir + "/tok512.bin";
    std::string prompt = "Once upon a time", target = "cluster", work;
    int steps = 64, cores = 0;
    double clock_mhz = kDefaultClockMhz;
    double temperature = 0;
    uint32_t seed = 42;
    bool quality = false, profile = false, prefill = true, npu_asked = false, npu = true;
    std::string bench_prefill;  // --bench-prefill N,N,...
    std::string bench_kv;  // --bench KV,KV,...
    std::string timeline;  // --timeline trace.json
    std::string bench_json;  // --bench-json steps.json
    uint64_t max_cycles = 20000000000ull;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        }
        if (arg == "--quality") {
            quality = true;
            continue;
        }
        if (arg == "--profile") {
            profile = true;
            continue;
        }
        if (arg == "--npu") {
            npu_asked = true;
            continue;
        }
        if (arg == "--no-npu") {
            npu = false;
            continue;
        }
        if (arg == "--no-prefill") {
            prefill = false;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "halyard-llm: %s needs a value (or unknown option)\n", arg.c_str());
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        if (arg == "--checkpoint") checkpoint_path = v;
        else if (arg == "--tokenizer") tokenizer_path = v;
        else if (arg == "--prompt") prompt = v;
        else if (arg == "--steps") steps = (int)parse_int("--steps", v, 1, 1 << 20);
        else if (arg == "--cores") cores = (int)parse_int("--cores", v, 1, 64);
        else if (arg == "--seed") seed = (uint32_t)parse_int("--seed", v, 1, 0xffffffffL);
        else if (arg == "--temperature") {
            char *end = nullptr;
            temperature = std::strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(temperature >= 0) || temperature > 100) {
                std::fprintf(stderr, "halyard-llm: --temperature %s is not a number in [0, 100]\n", v);
                return 2;
            }
        }
        else if (arg == "--work") work = v;
        else if (arg == "--timeline") timeline = v;
        else if (arg == "--bench-json") bench_json = v;
        else if (arg == "--bench") bench_kv = v;
        else if (arg == "--bench-prefill") bench_prefill = v;
        else if (arg == "--max-cycles") max_cycles = (uint64_t)parse_int("--max-cycles", v, 1, 0x7fffffffffffffffL);
        else if (arg == "--target") {
            target = v;
            if (target != "cluster" && target != "host") {
                std::fprintf(stderr, "halyard-llm: --target %s is not one of cluster, host\n", v);
                return 2;
            }
        } else if (arg == "--clock-mhz") {
            char *end = nullptr;
            clock_mhz = std::strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(clock_mhz > 0) || clock_mhz > 100000) {
                std::fprintf(stderr, "halyard-llm: --clock-mhz %s is not a positive number\n", v);
                return 2;
            }
        } else {
            std::fprintf(stderr, "halyard-llm: unknown option %s\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (npu_asked && !npu) {
        std::fprintf(stderr, "halyard-llm: --npu and --no-npu: give one of them\n");
        return 2;
    }
    if (npu_asked && target != "cluster") {
        std::fprintf(stderr, "halyard-llm: --npu runs on the cluster's NPU; --target %s has none\n", target.c_str());
        return 2;
    }
    try {
        using clock = std::chrono::steady_clock;
        const auto t_start = clock::now();
        Checkpoint ckpt = load_checkpoint(checkpoint_path);
        const LlmConfig &c = ckpt.config;
        Tokenizer tok = Tokenizer::load(tokenizer_path, c.vocab_size);
        const std::vector<int> calib = tok.encode(calibration_text(), true, false);
        std::vector<int> cal(calib.begin(), calib.begin() + std::min<size_t>(calib.size(), c.seq_len));
        IntegerModel im = quantize(ckpt, cal);
        std::fprintf(stderr,
                     "halyard-llm: %s (dim %d, hidden %d, %d layers, %d heads / %d KV heads, vocab %d), quantized "
                     "on %zu calibration tokens\n",
                     checkpoint_path.c_str(), c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
                     cal.size());
        if (work.empty()) work = halyard::harness::scratch_dir();

        if (quality) {
            const std::vector<int> text = tok.encode(evaluation_text(), true, false);
            ProgramOptions po;
            po.target = "host";
            const int n = std::min<int>((int)text.size(), std::min(c.seq_len, 257));
            po.kv_lens = kv_lens_for(n - 1, c.seq_len);
            LlmProgram prog = build_llm_program(im, po, work);
            HostModel host(prog);
            FloatModel fm(ckpt);
            QualityFigures q = measure_quality(fm, host, im, text, n);
            std::printf("%s", format_quality(q).c_str());
            return 0;
        }

        if (!bench_prefill.empty()) {
            std::printf("prefill of %s on %s cores (the prompt in one network, from position 0)\n",
                        checkpoint_path.c_str(), cores ? std::to_string(cores).c_str() : "the target's");
            std::printf("%8s %12s %14s\n", "tokens", "cycles", "cycles/token");
            size_t at = 0;
            while (at <= bench_prefill.size()) {
                size_t end = bench_prefill.find(',', at);
                if (end == std::string::npos) end = bench_prefill.size();
                const int n = (int)parse_int("--bench-prefill", bench_prefill.substr(at, end - at).c_str(), 2, c.seq_len - 1);
                at = end + 1;
                std::vector<int> prompt(n);
                for (int i = 0; i < n; i++) prompt[i] = i == 0 ? Tokenizer::kBos : 3 + (i * 37) % (c.vocab_size - 3);
                ProgramOptions po;
                po.cores = cores;
                po.npu = npu;
                po.prefill_len = n;
                po.kv_lens = {kv_lens_for(n + 1, c.seq_len).back()};
                LlmProgram prog = build_llm_program(im, po, work + "/prefill" + std::to_string(n));
                ClusterRun run = run_on_cluster(prog, prompt, 1, {}, max_cycles);
                std::printf("%8d %12llu %14.0f\n", n, (unsigned long long)run.cycles.at(0), (double)run.cycles.at(0) / n);
            }
            return 0;
        }
        if (!bench_kv.empty()) {
            ProgramOptions po;
            po.cores = cores;
            po.npu = npu;
            size_t at = 0;
            while (at <= bench_kv.size()) {
                size_t end = bench_kv.find(',', at);
                if (end == std::string::npos) end = bench_kv.size();
                po.kv_lens.push_back((int)parse_int("--bench", bench_kv.substr(at, end - at).c_str(), 1, c.seq_len));
                at = end + 1;
            }
            std::sort(po.kv_lens.begin(), po.kv_lens.end());
            po.kv_lens.erase(std::unique(po.kv_lens.begin(), po.kv_lens.end()), po.kv_lens.end());
            LlmProgram prog = build_llm_program(im, po, work);
            const auto figures = bench_on_cluster(prog, max_cycles);
            std::printf("decode step of %s on %s cores (one step, every cached row valid)\n", checkpoint_path.c_str(),
                        cores ? std::to_string(cores).c_str() : "the target's");
            // Where the step's core cycles go (all cores, halyard-sim's
            // activity classes), as a share of cores x cycles.
            const std::vector<std::pair<std::string, std::vector<std::string>>> classes = {
                {"compute", {"instret", "branch_penalty", "load_use", "multicycle", "trap"}},
                {"TCDM conflicts", {"tcdm_conflict"}},
                {"L2 wait", {"l2_wait"}},
                {"asleep (fork, DMA)", {"sleep_event"}},
                {"barrier wait", {"sleep_barrier"}}};
            std::printf("%8s %12s %14s", "KV", "cycles", "tokens/s");
            for (const auto &[name, parts] : classes) std::printf(" %17s", name.c_str());
            std::printf("\n");
            nlohmann::json js = nlohmann::json::array();
            for (const auto &step : figures) {
                std::printf("%8d %12llu %14.1f", step.kv, (unsigned long long)step.cycles,
                            clock_mhz * 1e6 / (double)step.cycles);
                uint64_t all = 0;
                for (const auto &[what, n] : step.core_cycles) all += n;
                nlohmann::json split = nlohmann::json::object();
                for (const auto &[name, parts] : classes) {
                    uint64_t n = 0;
                    for (const auto &p : parts) n += step.core_cycles.count(p) ? step.core_cycles.at(p) : 0;
                    std::printf(" %16.1f%%", all ? 100.0 * double(n) / double(all) : 0.0);
                    split[name] = n;
                }
                std::printf("\n");
                js.push_back({{"kv", step.kv}, {"cycles", step.cycles}, {"core_cycles", split}});
            }
            std::printf("(tokens/s at %.0f MHz; the shares are of all cores' cycles during the step)\n", clock_mhz);
            if (!bench_json.empty()) {
                std::ofstream out(bench_json);
                out << js.dump(2) << "\n";
                if (!out) {
                    std::fprintf(stderr, "halyard-llm: --bench-json %s: cannot write the file\n", bench_json.c_str());
                    return 1;
                }
            }
            return 0;
        }
        const std::vector<int> ids = tok.encode(prompt, true, false);
        const int positions = (int)ids.size() + steps - 1;
        if (positions > c.seq_len) {
            std::fprintf(stderr, "halyard-llm: prompt (%zu tokens) + %d steps exceed seq_len %d\n", ids.size(), steps,
                         c.seq_len);
            return 2;
        }
        ProgramOptions po;
        po.target = target;
        po.cores = cores;
        po.npu = npu;
        po.kv_lens = kv_lens_for(positions, c.seq_len);
        // A prefill network pays off from about 8 prompt tokens (measured on
        // stories260K: 5 tokens 261k cycles/token, 16 tokens 113k; a decode
        // step at KV 16 is 250k): its GEMMs have enough rows for the kernels.
        if (prefill && ids.size() >= 8 && target == "cluster") {
            po.prefill_len = (int)ids.size();
            if (po.kv_lens.back() <= po.prefill_len) po.kv_lens = kv_lens_for(po.prefill_len + 1, c.seq_len);
        }
        std::string kvs;
        for (int kv : po.kv_lens) kvs += (kvs.empty() ? "" : ", ") + std::to_string(kv);
        std::fprintf(stderr, "halyard-llm: building %zu decode networks (KV %s) for the %s in %s\n", po.kv_lens.size(),
                     kvs.c_str(), target.c_str(), work.c_str());
        LlmProgram prog = build_llm_program(im, po, work);
        const double build_s = std::chrono::duration<double>(clock::now() - t_start).count();

        std::printf("%s", prompt.c_str());
        std::fflush(stdout);
        int prev = ids.back();
        auto print_token = [&](int next) {
            if (next == Tokenizer::kBos) return;
            std::printf("%s", tok.decode(prev, next).c_str());
            std::fflush(stdout);
            prev = next;
        };
        std::vector<uint64_t> cycles;
        std::vector<int> kv_of_step;
        int generated = 0;
        if (target == "host") {
            HostModel host(prog);
            std::vector<int32_t> logits;
            int token = ids[0];
            for (int pos = 0; pos < positions; pos++) {
                host.step(token, pos, logits);
                const int next = pos + 1 < (int)ids.size() ? ids[pos + 1]
                                 : temperature > 0 ? host.sample(logits, (float)im.logit_scale / (float)temperature, seed)
                                                   : (int)(std::max_element(logits.begin(), logits.end()) - logits.begin());
                if (pos + 1 >= (int)ids.size()) {
                    generated++;
                    print_token(next);
                    if (next == Tokenizer::kBos) break;
                }
                token = next;
            }
            std::printf("\n");
            std::fprintf(stderr, "halyard-llm: %d tokens on the host (no cycle counts; --target cluster measures)\n",
                         generated);
            return 0;
        }
        if (!halyard::harness::have_cluster()) {
            std::fprintf(stderr, "halyard-llm: this build has no cluster model (Verilator, RISC-V gcc)\n");
            return 1;
        }
        const auto t_sim = clock::now();
        ClusterRun run = run_on_cluster(prog, ids, steps, [&](int pos, int next, uint64_t cyc, int kv) {
            cycles.push_back(cyc);
            kv_of_step.push_back(kv);
            if (pos + 1 >= (int)ids.size()) {
                generated++;
                print_token(next);
            }
        }, max_cycles, temperature, seed, timeline);
        if (!timeline.empty()) std::fprintf(stderr, "halyard-llm: timeline of the run written to %s\n", timeline.c_str());
        const double sim_s = std::chrono::duration<double>(clock::now() - t_sim).count();
        std::printf("\n\n");
        // Figures. Steps 0..prompt-2 only fill the cache with the prompt (prefill,
        // token by token); the rest produce a token each (decode).
        // With a prefill network its one entry (KV 0) covers the prompt and
        // yields the first token.
        const bool one_prefill = !kv_of_step.empty() && kv_of_step[0] == 0;
        const size_t n_prefill = one_prefill ? 1 : ids.size() - 1;
        uint64_t pre = 0, dec = 0;
        for (size_t i = 0; i < cycles.size(); i++) (i < n_prefill ? pre : dec) += cycles[i];
        const size_t n_dec = cycles.size() - std::min(cycles.size(), n_prefill);
        const double dec_per_tok = n_dec ? (double)dec / n_dec : 0;
        if (one_prefill) {
            std::printf("prompt   %zu tokens in one prefill network: %llu cycles (%.0f cycles/token)\n", ids.size(),
                        (unsigned long long)pre, (double)pre / ids.size());
        } else {
            std::printf("prompt   %zu tokens, %.0f cycles/token (token by token through the decode networks)\n",
                        ids.size(), n_prefill ? (double)pre / n_prefill : 0.0);
        }
        std::printf("decode   %zu tokens, %.0f cycles/token on %s cores%s", n_dec, dec_per_tok,
                    cores ? std::to_string(cores).c_str() : "the target's",
                    npu && target == "cluster" ? " and its NPU (--no-npu: cores only)" : "");
        std::map<int, std::pair<uint64_t, int>> by_kv;
        for (size_t i = n_prefill; i < cycles.size(); i++) {
            by_kv[kv_of_step[i]].first += cycles[i];
            by_kv[kv_of_step[i]].second++;
        }
        std::printf(" (");
        bool first = true;
        for (const auto &[kv, s] : by_kv) {
            std::printf("%sKV %d: %.0f", first ? "" : ", ", kv, (double)s.first / s.second);
            first = false;
        }
        std::printf(")\n");
        if (dec_per_tok > 0) {
            std::printf("speed    %.1f tokens/s at %.0f MHz (Deeploy on Siracusa: 340 tokens/s; llama2.c on an "
                        "RP2350: 19 tokens/s)\n",
                        clock_mhz * 1e6 / dec_per_tok, clock_mhz);
        }
        const int64_t elf = elf_load_bytes(prog.dir + "/llm.elf");
        std::printf("L2       %lld B in all of 2 MiB: weights %lld B, KV cache %lld B (KV %d), activations %lld B, "
                    "code and the rest %lld B",
                    (long long)elf, (long long)prog.weight_bytes, (long long)prog.kv_cache_bytes, prog.kv_lens.back(),
                    (long long)(prog.arena_bytes + prog.l2_scratch_bytes),
                    (long long)(elf - prog.weight_bytes - prog.kv_cache_bytes - prog.arena_bytes - prog.l2_scratch_bytes));
        if (prog.npu_weight_bytes) std::printf("; %lld B of weights in the NPU weight memory", (long long)prog.npu_weight_bytes);
        std::printf("\n");
        // The last step by op: node names are "l<layer>.<op>[.<part>]".
        std::map<std::string, uint64_t> by_op;
        uint64_t calls_total = 0;
        for (const auto &[node, cyc] : run.last_step_calls) {
            std::string op = node.substr(0, node.find(' '));
            if (op.size() > 1 && op[0] == 'l' && op.find('.') != std::string::npos) op = op.substr(op.find('.') + 1);
            if (op.find('.') != std::string::npos) op = op.substr(0, op.find('.'));
            by_op[op] += cyc;
            calls_total += cyc;
        }
        if (profile) {
            for (const auto &[node, cyc] : run.last_step_calls) std::printf("call     %-28s %8llu\n", node.c_str(), (unsigned long long)cyc);
        }
        if (calls_total) {
            std::vector<std::pair<uint64_t, std::string>> sorted;
            for (const auto &[op, cyc] : by_op) sorted.push_back({cyc, op});
            std::sort(sorted.rbegin(), sorted.rend());
            std::printf("profile  last step (KV %d), %zu kernel calls:", kv_of_step.back(), run.last_step_calls.size());
            for (size_t i = 0; i < std::min<size_t>(sorted.size(), 8); i++) {
                std::printf(" %s %.0f%%", sorted[i].second.c_str(), 100.0 * sorted[i].first / calls_total);
            }
            std::printf("\n");
        }
        if (!run.cycles.empty() && run.energy_uj > 0) {
            std::printf("energy   %.1f uJ per step (the run's %.0f uJ over %zu steps, %.1f mW mean at %.0f MHz; activity "
                        "model, docs/energy.md; Deeploy: 490 uJ/token)\n",
                        run.energy_uj / run.cycles.size(), run.energy_uj, run.cycles.size(),
                        run.energy_uj * 1e-6 / (run.sim_cycles / (clock_mhz * 1e6)) * 1e3, clock_mhz);
        }
        std::printf("host     build %.1f s, simulation %.1f s (%.0f cycles/s)\n", build_s, sim_s,
                    sim_s > 0 ? (double)run.total_cycles / sim_s : 0.0);
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "halyard-llm: %s\n", e.what());
        return 1;
    }
}
