// The quantized model as one program: a decode-step network per KV-cache
// length (through the network compiler, sharing weights and memory regions),
// the token loop (runtime/llm_loop.c) and the generated glue (llm_model.h/.c).
// Built for the cluster (an ELF the Verilator model runs) or the host (a
// shared object, the same C, for the quality figures and the equality test).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "halyard/network/network.h"
#include "llm/quantize.h"

namespace halyard::llm {

struct ProgramOptions {
    std::string target = "cluster";      // cluster or host
    int cores = 0;                       // 0: the target's
    std::optional<int64_t> l1_budget;
    std::vector<int> kv_lens;            // networks to build (ascending); empty: kv_lens_for(seq_len)
    bool export_onnx = true;             // also keep <dir>/llm_kv<N>.onnx
    int prefill_len = 0;                 // > 0: also a prefill network for a prompt of this many tokens
    bool npu = true;                     // projections on the NPU where it wins, weights in its weight memory (off: --no-npu)
};

// Powers of two from 16 up to the first one >= positions (capped at seq_len).
std::vector<int> kv_lens_for(int positions, int seq_len);

struct LlmProgram {
    std::string dir;
    std::string target;
    std::vector<int> kv_lens;
    int prefill_len = 0;
    std::vector<network::NetworkProgram> networks;   // decode networks by KV length, then the prefill's
    std::vector<std::string> sources;    // C files to compile (networks, kernels, glue, token loop)
    std::vector<std::string> include_dirs;
    int64_t weight_bytes = 0;            // shared constants in L2 (counted once)
    int64_t npu_weight_bytes = 0;        // shared constants in the NPU weight memory (HL_NPU_WEIGHTS)
    int64_t kv_cache_bytes = 0;          // both caches, all layers, at the largest KV length
    int64_t arena_bytes = 0, l1_bytes = 0, l2_scratch_bytes = 0;
};

// Writes everything into `dir` (created). Throws UserError / std::runtime_error.
LlmProgram build_llm_program(const IntegerModel &model, const ProgramOptions &options, const std::string &dir);

// The host build, loaded: the token loop's llm_reset / llm_step / llm_argmax.
class HostModel {
public:
    explicit HostModel(const LlmProgram &program);   // compiles <dir>/libllm.so and loads it
    ~HostModel();
    HostModel(const HostModel &) = delete;
    HostModel &operator=(const HostModel &) = delete;
    void reset() const;
    // Throws std::runtime_error when the step fails.
    void step(int token, int pos, std::vector<int32_t> &logits) const;
    // The whole prompt (exactly the program's prefill_len tokens) after a
    // reset; the next step is at position tokens.size().
    void prefill(const std::vector<int> &tokens, std::vector<int32_t> &logits) const;
    // The token loop's llm_sample (the cluster's code, on the host).
    int sample(const std::vector<int32_t> &logits, double scale, uint32_t &state) const;
    int vocab() const { return vocab_; }

private:
    void *handle_ = nullptr;
    void (*reset_)(void) = nullptr;
    int (*step_)(int32_t, int32_t, int32_t *) = nullptr;
    int (*prefill_)(const int32_t *, int32_t, int32_t *) = nullptr;
    int32_t (*sample_)(const int32_t *, float, uint32_t *) = nullptr;
    int vocab_ = 0;
};

// Runs the cluster build on the Verilator model: `prompt` forced, then up to
// `steps` greedy tokens (BOS ends early). `on_step(pos, next, cycles, kv_len)`
// sees every step as the simulator prints it.
struct ClusterRun {
    std::vector<int> tokens;             // prompt + generated
    std::vector<uint64_t> cycles;        // per step
    std::vector<int> kv_len;             // network of each step (0: the prefill)
    uint64_t total_cycles = 0;           // sum over the steps
    std::vector<std::pair<std::string, uint64_t>> last_step_calls;   // node, cycles (the last step)
    double energy_uj = 0;                // the whole run, the simulator's activity model (docs/energy.md)
    uint64_t sim_cycles = 0;             // the whole run
    std::string log;
};
ClusterRun run_on_cluster(const LlmProgram &program, const std::vector<int> &prompt, int steps,
                          const std::function<void(int pos, int next, uint64_t cycles, int kv_len)> &on_step,
                          uint64_t max_cycles = 20000000000ull, double temperature = 0, uint32_t seed = 42,
                          const std::string &timeline_path = "");

// One decode step measured by bench_on_cluster: its cycles, and the cycles
// of all cores during it by activity (halyard-sim's names: instret,
// tcdm_conflict, l2_wait, sleep_event, sleep_barrier, ...).
struct BenchStep {
    int kv = 0;
    uint64_t cycles = 0;
    std::map<std::string, uint64_t> core_cycles;
};
// The decode step of each network once on the Verilator model, at its last
// position (all cached rows valid).
std::vector<BenchStep> bench_on_cluster(const LlmProgram &program, uint64_t max_cycles = 20000000000ull);
// The region name of the decode step of the network of KV length `kv`.
inline std::string decode_region(int kv) { return "llm.decode.kv" + std::to_string(kv); }

}  // namespace halyard::llm
