// Schedule as data: directives, the builder API, and the schedule-file
// parser/printer. Validation and application live in apply_schedule.cpp.
#include <fstream>
#include <sstream>

#include "halyard/schedule.h"

namespace halyard {

const char *mem_level_name(MemLevel m) {
    switch (m) {
    case MemLevel::L2: return "L2";
    case MemLevel::L1: return "L1";
    case MemLevel::Reg: return "reg";
    }
    return "?";
}

MemLevel parse_mem_level(const std::string &s) {
    if (s == "L2" || s == "l2") return MemLevel::L2;
    if (s == "L1" || s == "l1") return MemLevel::L1;
    if (s == "reg") return MemLevel::Reg;
    throw UserError("unknown memory level '" + s + "' (expected L2, L1 or reg)");
}

std::string Directive::str() const {
    std::string s = verb;
    for (const auto &a : args) s += " " + a;
    return s;
}

Schedule &Schedule::add(const std::string &verb, std::vector<std::string> args, const std::string &where) {
    directives_.push_back({verb, std::move(args), where});
    return *this;
}

Schedule &Schedule::tile(const std::string &stage, const std::string &loop, int factor) {
    return add("tile", {stage, loop, std::to_string(factor)});
}
Schedule &Schedule::order(const std::string &stage, const std::vector<std::string> &loops) {
    std::vector<std::string> args{stage};
    args.insert(args.end(), loops.begin(), loops.end());
    return add("order", args);
}
Schedule &Schedule::parallel(const std::string &stage, const std::string &loop) {
    return add("parallel", {stage, loop});
}
Schedule &Schedule::compute_at(const std::string &stage, const std::string &consumer, const std::string &loop) {
    return add("compute_at", {stage, consumer, loop});
}
Schedule &Schedule::compute_root(const std::string &stage) { return add("compute_at", {stage, "root"}); }
Schedule &Schedule::compute_inline(const std::string &stage) { return add("compute_at", {stage, "inline"}); }
Schedule &Schedule::memory(const std::string &stage, MemLevel level) {
    return add("memory", {stage, mem_level_name(level)});
}
Schedule &Schedule::stage_input(const std::string &tensor, MemLevel level, const std::string &consumer,
                                const std::string &loop, bool double_buffer) {
    std::vector<std::string> args{tensor, mem_level_name(level), "at", consumer};
    if (consumer != "root") args.push_back(loop);
    if (double_buffer) args.push_back("double_buffer");
    return add("stage", args);
}
Schedule &Schedule::kernel(const std::string &stage, const std::string &kernel_name) {
    return add("kernel", {stage, kernel_name});
}
Schedule &Schedule::npu(const std::string &stage) { return add("npu", {stage}); }
Schedule &Schedule::in_npu_weights(const std::string &tensor) { return add("memory", {tensor, "npu_weights"}); }
Schedule &Schedule::in_l1(const std::string &tensor) { return add("memory", {tensor, "L1"}); }
Schedule &Schedule::unroll(const std::string &stage, const std::string &loop) { return add("unroll", {stage, loop}); }

Schedule Schedule::parse(const std::string &text, const std::string &origin) {
    static const std::map<std::string, std::pair<size_t, size_t>> arity = {
        {"tile", {3, 3}},     {"order", {2, 64}}, {"parallel", {2, 2}}, {"compute_at", {2, 3}},
        {"memory", {2, 2}},   {"stage", {4, 6}},  {"kernel", {2, 2}},   {"npu", {1, 1}},
        {"unroll", {2, 2}},
    };
    Schedule s;
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        lineno++;
        auto hash = line.find('#');
        if (hash != std::string::npos) line = line.substr(0, hash);
        std::istringstream words(line);
        std::string verb, w;
        if (!(words >> verb)) continue;
        std::vector<std::string> args;
        while (words >> w) args.push_back(w);
        const std::string where = origin + ":" + std::to_string(lineno);
        auto it = arity.find(verb);
        if (it == arity.end()) {
            throw UserError(where + ": unknown schedule directive '" + verb +
                            "' (known: tile, order, parallel, compute_at, memory, stage, kernel, npu, unroll)");
        }
        if (args.size() < it->second.first || args.size() > it->second.second) {
            throw UserError(where + ": '" + verb + "' takes " + std::to_string(it->second.first) +
                            (it->second.first == it->second.second ? "" : " or more") + " arguments, got " +
                            std::to_string(args.size()));
        }
        s.add(verb, args, where);
    }
    return s;
}

Schedule Schedule::load(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw UserError("cannot open schedule file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

std::string Schedule::to_text() const {
    std::string out;
    for (const auto &d : directives_) out += d.str() + "\n";
    return out;
}

std::string SchedulePlan::describe() const {
    std::ostringstream os;
    for (const auto &[stage, loops] : loop_nest) {
        os << "stage " << stage << " at " << placement.at(stage) << ": loops";
        for (const auto &l : loops) os << " " << l;
        auto p = parallel_loops.find(stage);
        if (p != parallel_loops.end()) os << " (parallel over cores: " << p->second << ")";
        os << "\n";
    }
    for (const auto &[buf, lvl] : buffer_memory) os << "buffer " << display_name(buf) << " in " << mem_level_name(lvl) << "\n";
    for (const auto &s : staged_inputs) {
        os << "input " << s.tensor << " staged into " << mem_level_name(s.level) << " as " << display_name(s.buffer) << " at "
           << (s.loop.empty() ? std::string("root") : s.consumer + "." + s.loop) << (s.double_buffer ? " (double-buffered)" : "") << "\n";
    }
    for (const auto &s : staged_outputs) {
        os << "output " << s.tensor << " computed in " << mem_level_name(s.level) << " per iteration of "
           << s.consumer << "." << s.loop << ", then written back\n";
    }
    for (const auto &k : kernels) os << "stage " << k.stage << " mapped to micro-kernel " << k.kernel << "\n";
    for (const auto &n : npu_stages) os << "stage " << n << " mapped to the NPU\n";
    for (const auto &n : npu_weight_inputs) os << "input " << n << " read in place from the NPU weight memory\n";
    for (const auto &n : l1_inputs) os << "input " << n << " passed in L1 by the caller, read in place\n";
    for (const auto &n : notes) os << "note: " << n << "\n";
    return os.str();
}

}  // namespace halyard
