// halyard-run's engine: Deeploy's test-folder conventions (inputs.npz arrays
// bind to graph inputs by position; outputs.npz to graph outputs by position),
// input element types inferred from the values as Deeploy's test runner does
// (the narrowest type holding them), then build, run and compare.
#include "halyard/network/runner.h"

#include <cstring>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <regex>
#include <sstream>
#include <sys/stat.h>

#include "halyard/frontend/graph.h"
#include "halyard/harness/harness.h"
#include "halyard/io/npz.h"

namespace halyard::network {

namespace {

bool exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

ElemType narrowest(const std::vector<int64_t> &v) {
    int64_t lo = 0, hi = 0;
    for (auto x : v) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    return narrowest_elem_type(lo, hi);
}

std::string shape_str(const std::vector<int64_t> &s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); i++) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

int64_t count(const std::vector<int64_t> &s) {
    int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
}

void emit_array(std::ostream &os, const std::string &qual, ElemType t, const std::string &name,
                const std::vector<int64_t> &v) {
    os << qual << c_type_name(t) << " " << name << "[" << std::max<size_t>(v.size(), 1) << "] = {";
    for (size_t i = 0; i < v.size(); i++) {
        os << (i % 32 == 0 ? "\n" : "") << (t == ElemType::Int32 && v[i] == INT32_MIN ? "(-2147483647-1)" : std::to_string(v[i]))
           << ",";
    }
    if (v.empty()) os << "0";
    os << "};\n";
}

const TensorPlacement &placement(const NetworkProgram &p, const std::string &tensor) {
    for (const auto &t : p.tensors) {
        if (t.name == tensor) return t;
    }
    throw std::logic_error("internal: no placement for tensor '" + tensor + "'");
}

}  // namespace

RunResult run_test_folder(const RunOptions &o) {
    if (o.target != "host" && o.target != "cluster") {
        throw UserError("--target " + o.target + ": halyard-run runs on host or cluster");
    }
    const std::string onnx = o.dir + "/network.onnx", in_npz = o.dir + "/inputs.npz", out_npz = o.dir + "/outputs.npz";
    if (o.make_expected && o.target != "host") throw UserError("making outputs.npz runs on the host (--target host)");
    for (const auto &f : {onnx, in_npz, out_npz}) {
        if (o.make_expected && f == out_npz) continue;
        if (!exists(f)) throw UserError(o.dir + ": not a Deeploy test folder: " + f + " is missing");
    }
    const io::OnnxGraph onnx_graph = io::load_onnx(onnx);
    const io::NpzFile inputs = io::load_npz(in_npz);
    const io::NpzFile outputs = o.make_expected ? io::NpzFile{} : io::load_npz(out_npz);
    frontend::ImportOptions imp;
    imp.supported_ops = supported_op_types();
    frontend::Graph g = frontend::import_onnx(onnx_graph, imp);

    // inputs.npz -> graph inputs by position. Older Deeploy tests also store
    // constant operands after the real inputs (in first-use order): those
    // replace the initializers.
    std::vector<std::string> names = g.inputs;
    if (inputs.arrays.size() != names.size()) {
        if (inputs.arrays.size() == onnx_graph.declared_inputs.size()) {
            names = onnx_graph.declared_inputs;
        } else if (inputs.arrays.size() > names.size()) {
            for (const auto &n : onnx_graph.nodes) {
                for (const auto &i : n.inputs) {
                    if (onnx_graph.is_initializer(i) && std::find(names.begin(), names.end(), i) == names.end() &&
                        names.size() < inputs.arrays.size()) {
                        names.push_back(i);
                    }
                }
            }
        }
        if (inputs.arrays.size() != names.size()) {
            throw UserError(in_npz + ": " + std::to_string(inputs.arrays.size()) + " arrays for the " +
                            std::to_string(g.inputs.size()) + " inputs of " + onnx);
        }
    }
    NetworkOptions no;
    no.name = "network";
    no.target = o.target;
    no.cores = o.cores;
    no.l1_budget = o.l1_budget;
    no.schedules_dir = o.schedules_dir;
    no.schedule_provider = o.schedule_provider;
    no.use_npu = o.use_npu;
    no.fuse = o.fuse;
    no.prefetch_weights = o.prefetch_weights;
    std::map<std::string, std::vector<int64_t>> input_values;
    RunResult r;
    for (size_t i = 0; i < names.size(); i++) {
        const auto &a = inputs.arrays[i];
        std::vector<int64_t> v = a.to_int64();
        auto &t = g.tensor(names[i]);
        if ((int64_t)v.size() != t.num_elements()) {
            throw UserError(in_npz + ": array " + std::to_string(i) + " '" + a.name + "' " + a.describe() + " has " +
                            std::to_string(v.size()) + " elements but graph input '" + names[i] + "' is " + t.shape_str());
        }
        if (t.role == frontend::TensorRole::Constant) {
            t.values = v;
            continue;
        }
        const ElemType e = narrowest(v);
        no.input_types[names[i]] = e;
        input_values[names[i]] = v;
        r.input_types.push_back(names[i] + ": " + elem_type_name(e) + t.shape_str() + " (from " + a.name + " in inputs.npz)");
    }
    if (!o.make_expected && outputs.arrays.size() != g.outputs.size()) {
        throw UserError(out_npz + ": " + std::to_string(outputs.arrays.size()) + " arrays for the " +
                        std::to_string(g.outputs.size()) + " outputs of " + onnx);
    }
    r.program = compile_network(g, no);
    const NetworkProgram &p = r.program;
    std::vector<std::vector<int64_t>> expected;
    for (size_t k = 0; k < p.outputs.size() && !o.make_expected; k++) {
        const auto &a = outputs.arrays[k];
        expected.push_back(a.to_int64());
        if ((int64_t)expected.back().size() != count(p.outputs[k].shape)) {
            throw UserError(out_npz + ": array " + std::to_string(k) + " '" + a.name + "' " + a.describe() +
                            " does not match graph output '" + p.outputs[k].tensor + "' " + shape_str(p.outputs[k].shape));
        }
    }

    // Intermediate checks: activations.npz entries matched to kernel outputs.
    std::vector<std::pair<size_t, const io::NpyArray *>> checks;
    io::NpzFile acts;
    if (o.activations) {
        const std::string path = o.dir + "/activations.npz";
        if (!exists(path)) throw UserError("--activations: " + path + " is missing");
        acts = io::load_npz(path);
        r.activation_entries = acts.arrays.size();
        std::map<std::string, const io::NpyArray *> by_name;
        for (const auto &a : acts.arrays) by_name[a.name] = &a;
        // A module's constants can be shared by several nodes (deduplicated
        // initializers): only a name that one kernel call reads identifies it.
        std::map<std::string, int> uses;
        auto activation_key = [](const std::vector<std::string> &args) {
            return frontend::deeploy_activation_name(std::vector<std::string>(args.begin(), args.end() - 1));
        };
        for (const auto &st : p.steps) uses[activation_key(st.args)]++;
        for (size_t s = 0; s < p.steps.size(); s++) {
            const std::string key = activation_key(p.steps[s].args);
            auto it = by_name.find(key);
            if (key.empty() || it == by_name.end() || uses[key] != 1) continue;
            if (it->second->num_elements() != count(placement(p, p.steps[s].args.back()).shape)) continue;
            checks.push_back({s, it->second});
            r.activations.push_back({key, s, 0});
        }
        if (checks.empty()) {
            throw UserError("--activations: none of the " + std::to_string(acts.arrays.size()) + " entries of " + path +
                            " matches a tensor the program computes (nothing would be compared)");
        }
    }

    // The test program: inputs and expected outputs embedded.
    r.work_dir = o.work_dir.empty() ? harness::scratch_dir() : o.work_dir;
    harness::run_command("mkdir -p " + harness::shell_quote(r.work_dir));
    write_program(p, r.work_dir);
    std::ostringstream m;
    const bool cluster = o.target == "cluster";
    m << "/* halyard-run: " << o.dir << " */\n#include <stdint.h>\n"
      << (cluster ? "#include \"halyard_rt.h\"\n" : "#include <stdio.h>\n") << "#include \"network.h\"\n\n";
    std::string call = "network_run(";
    for (size_t i = 0; i < p.inputs.size(); i++) {
        emit_array(m, "static const ", p.inputs[i].type, "in" + std::to_string(i), input_values.at(p.inputs[i].tensor));
        call += (i ? ", " : "") + std::string("in") + std::to_string(i);
    }
    if (o.make_expected) expected.resize(p.outputs.size());
    for (size_t k = 0; k < p.outputs.size(); k++) {
        if (o.make_expected) expected[k].assign(count(p.outputs[k].shape), 0);
        emit_array(m, "static const ", ElemType::Int32, "want" + std::to_string(k), expected[k]);
        m << "static " << c_type_name(p.outputs[k].type) << " out" << k << "[" << std::max<int64_t>(count(p.outputs[k].shape), 1)
          << "];\n";
        call += (p.inputs.empty() && k == 0 ? "" : ", ") + std::string("out") + std::to_string(k);
    }
    call += ")";
    if (!checks.empty()) {
        for (size_t c = 0; c < checks.size(); c++) {
            emit_array(m, "static const ", ElemType::Int32, "act" + std::to_string(c), checks[c].second->to_int64());
        }
        m << "static long act_errors[" << checks.size() << "];\n"
          << "void network_after_call(int call, const void *output) {\n    long i;\n    switch (call) {\n";
        for (size_t c = 0; c < checks.size(); c++) {
            const size_t s = checks[c].first;
            const char *ct = c_type_name(placement(p, p.steps[s].args.back()).type);
            m << "    case " << s << ":\n        for (i = 0; i < " << checks[c].second->num_elements() << "; i++)\n"
              << "            act_errors[" << c << "] += (int32_t)((const " << ct << " *)output)[i] != act" << c << "[i];\n"
              << "        break;\n";
        }
        m << "    default: break;\n    }\n}\n";
    }
    m << "\nint main(void) {\n    long errors = 0, total = 0, i;\n    int rc;\n";
    m << (cluster ? "    uint64_t t0 = hl_cycles();\n" : "") << "    rc = " << call << ";\n"
      << (cluster ? "    uint64_t t1 = hl_cycles();\n" : "")
      << "    if (rc != 0) { printf(\"halyard-run: kernel call %d failed\\n\", rc - 1); return 2; }\n";
    for (size_t k = 0; k < p.outputs.size(); k++) {
        m << "    for (i = 0; i < " << expected[k].size() << "; i++) {\n"
          << "        if ((int32_t)out" << k << "[i] != want" << k << "[i]) {\n"
          << "            if (errors == 0) printf(\"halyard-first-mismatch output " << k
          << " index %ld got %ld expected %ld\\n\", i, (long)out" << k << "[i], (long)want" << k << "[i]);\n"
          << "            errors++;\n        }\n    }\n    total += " << expected[k].size() << ";\n";
    }
    if (o.make_expected) {
        m << "    {\n        FILE *f = fopen(\"outputs.bin\", \"wb\");\n        if (!f) return 3;\n";
        for (size_t k = 0; k < p.outputs.size(); k++) {
            m << "        for (i = 0; i < " << expected[k].size() << "; i++) { int32_t v = out" << k
              << "[i]; fwrite(&v, 4, 1, f); }\n";
        }
        m << "        fclose(f);\n        errors = 0;\n    }\n";
    }
    m << "    for (i = 0; i < NETWORK_NUM_CALLS; i++) printf(\"halyard-call %ld %lu\\n\", i, (unsigned long)network_call_cycles[i]);\n";
    if (cluster) m << "    printf(\"halyard-cycles %lu\\n\", (unsigned long)(t1 - t0));\n";
    for (size_t c = 0; c < checks.size(); c++) {
        m << "    printf(\"halyard-activation " << c << " %ld\\n\", act_errors[" << c << "]);\n";
    }
    m << "    printf(\"Errors: %ld out of %ld\\n\", errors, total);\n    return errors ? 1 : 0;\n}\n";
    std::ofstream(r.work_dir + "/main.c") << m.str();

    std::vector<std::string> sources = {r.work_dir + "/main.c", r.work_dir + "/network.c"};
    for (const auto &k : p.kernels) sources.push_back(r.work_dir + "/" + k.name + ".c");
    harness::CommandResult run;
    if (cluster) {
        auto b = harness::build_cluster_program(sources, {r.work_dir}, r.work_dir + "/network.elf",
                                                checks.empty() ? "" : "-DHALYARD_NETWORK_CHECKS");
        r.log += b.log;
        if (!b.ok) throw std::runtime_error("building the cluster program in " + r.work_dir + " failed:\n" + b.log);
        run = harness::simulate(r.work_dir + "/network.elf", o.max_cycles);
    } else {
        auto b = harness::build_host_program(sources, {r.work_dir}, r.work_dir + "/network",
                                             checks.empty() ? "" : "-DHALYARD_NETWORK_CHECKS");
        r.log += b.log;
        if (!b.ok) throw std::runtime_error("building the host program in " + r.work_dir + " failed:\n" + b.log);
        run = harness::run_command("cd " + harness::shell_quote(r.work_dir) + " && ./network");
    }
    r.log += run.log;
    std::smatch mm;
    if (!std::regex_search(run.log, mm, std::regex("Errors: (\\d+) out of (\\d+)"))) {
        throw std::runtime_error("the program in " + r.work_dir + " did not finish (exit status " +
                                 std::to_string(run.status) + "):\n" + run.log);
    }
    r.errors = std::stoll(mm[1]);
    r.total = std::stoll(mm[2]);
    if (std::regex_search(run.log, mm, std::regex("halyard-cycles (\\d+)"))) r.cycles = std::stoull(mm[1]);
    if (std::regex_search(run.log, mm, std::regex("halyard-first-mismatch output (\\d+) index (\\d+) got (-?\\d+) expected (-?\\d+)"))) {
        r.first_mismatch = "output '" + p.outputs[std::stoul(mm[1])].tensor + "' [" + mm[2].str() + "]: got " + mm[3].str() +
                           ", expected " + mm[4].str();
    }
    if (o.make_expected) {
        const auto bytes = io::read_file_bytes(r.work_dir + "/outputs.bin");
        io::NpzFile out;
        size_t at = 0;
        for (size_t k = 0; k < p.outputs.size(); k++) {
            std::vector<int64_t> v(expected[k].size());
            for (auto &x : v) {
                int32_t w;
                std::memcpy(&w, bytes.data() + at, 4);
                at += 4;
                x = w;
            }
            out.arrays.push_back(io::make_npy("arr_" + std::to_string(k), io::DType::Int64, p.outputs[k].shape, v));
        }
        io::write_npz(out_npz, out);
        r.first_mismatch.clear();
    }
    std::regex act_re("halyard-activation (\\d+) (\\d+)");
    for (auto it = std::sregex_iterator(run.log.begin(), run.log.end(), act_re); it != std::sregex_iterator(); ++it) {
        const size_t c = std::stoul((*it)[1]);
        if (c < r.activations.size()) r.activations[c].errors = std::stoll((*it)[2]);
    }
    std::regex call_re("halyard-call (\\d+) (\\d+)");
    for (auto it = std::sregex_iterator(run.log.begin(), run.log.end(), call_re); it != std::sregex_iterator(); ++it) {
        const size_t i = std::stoul((*it)[1]);
        if (i < p.steps.size()) r.calls.push_back({p.steps[i].node, p.steps[i].kernel, p.steps[i].op, std::stoull((*it)[2])});
    }
    return r;
}

std::string to_json(const RunResult &r, const RunOptions &o) {
    auto esc = [](const std::string &s) {
        std::string e;
        for (char c : s) {
            if (c == '"' || c == '\\') e += '\\';
            if ((unsigned char)c < 0x20) continue;
            e += c;
        }
        return "\"" + e + "\"";
    };
    std::ostringstream j;
    j << "{\n  \"folder\": " << esc(o.dir) << ",\n  \"target\": " << esc(o.target) << ",\n  \"cores\": " << o.cores
      << ",\n  \"l1_budget\": " << (o.l1_budget ? std::to_string(*o.l1_budget) : "null") << ",\n  \"errors\": " << r.errors
      << ",\n  \"total\": " << r.total << ",\n  \"cycles\": " << r.cycles << ",\n  \"kernels\": " << r.program.kernels.size()
      << ",\n  \"calls\": " << r.program.steps.size() << ",\n  \"arena_bytes\": " << r.program.arena_bytes
      << ",\n  \"arena_naive_bytes\": " << r.program.arena_naive_bytes << ",\n  \"const_bytes\": " << r.program.const_bytes
      << ",\n  \"npu_weight_bytes\": " << r.program.npu_weight_bytes
      << ",\n  \"prefetched_weight_bytes\": " << r.program.prefetched_weight_bytes
      << ",\n  \"l1_bytes\": " << r.program.l1_bytes << ",\n  \"l2_scratch_bytes\": " << r.program.l2_scratch_bytes
      << ",\n  \"per_call\": [";
    for (size_t i = 0; i < r.calls.size(); i++) {
        j << (i ? "," : "") << "\n    {\"node\": " << esc(r.calls[i].node) << ", \"op\": " << esc(r.calls[i].op)
          << ", \"kernel\": " << esc(r.calls[i].kernel) << ", \"cycles\": " << r.calls[i].cycles << "}";
    }
    j << "\n  ]\n}\n";
    return j.str();
}

}  // namespace halyard::network
