#include "halyard/target_description.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifndef HALYARD_TARGETS_DIR
#define HALYARD_TARGETS_DIR ""
#endif

namespace halyard {

namespace {

std::string dir_of(const std::string &path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string trim(const std::string &s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b])) b++;
    while (e > b && std::isspace((unsigned char)s[e - 1])) e--;
    return s.substr(b, e - b);
}

// Keys only the compiler reads (the autoscheduler's cost model, "cost."):
// not rendered for the runtime, the RTL or the linker, so tuning them
// rebuilds none of those.
bool compiler_only(const std::string &key) { return key.rfind("cost.", 0) == 0; }

// "l1.size" -> "L1_SIZE"
std::string macro_name(const std::string &key) {
    std::string out;
    for (char c : key) out += (std::isalnum((unsigned char)c) ? (char)std::toupper((unsigned char)c) : '_');
    return out;
}

bool parse_int(const std::string &text, int64_t *out) {
    if (text.empty()) return false;
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 0);
    if (*end != '\0' || errno == ERANGE) return false;  // strtoll saturates out-of-range values
    *out = v;
    return true;
}

// Counts the compiler multiplies, divides and allocates by, and sizes of a
// 32-bit address space: a value outside is a typo, and would overflow.
struct KeyRange {
    const char *key;
    int64_t min, max;
};
constexpr int64_t kAddressSpace = int64_t(1) << 32;
const KeyRange kKeyRanges[] = {
    {"cores", 1, 1024},          {"l1.banks", 1, 1024},           {"l1.size", 0, kAddressSpace},
    {"l2.size", 0, kAddressSpace}, {"stack.size", 0, kAddressSpace}, {"l1.budget", 0, kAddressSpace},
    {"l1.bank_bytes", 1, 1024},  {"dma.bytes_per_cycle", 1, 1024}, {"dma.copy_min_bytes", 1, kAddressSpace},
};

// Widths the compiler aligns to and the RTL splits into bank words.
const char *const kPowersOfTwo[] = {"l1.bank_bytes", "dma.bytes_per_cycle"};

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

std::string hex(int64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << std::uppercase << v;
    return os.str();
}

}  // namespace

// The NPU's weight memory window (npu.weight_mem_*): the RTL decodes it beside
// L1, L2 and the peripherals by subtraction, the linker places .npu_weights
// there and the engine's port reads a power-of-two number of words.
void TargetDescription::check_npu_weight_mem(const TargetDescription &t) {
    if (!t.has("npu.weight_mem_bytes")) return;
    auto fail = [&](const std::string &key, const std::string &what) {
        throw TargetError(t.where_.at(key) + ": key '" + key + "' = " + t.get(key) + " " + what);
    };
    const int64_t bytes = t.get_int("npu.weight_mem_bytes");
    if (bytes < 0 || bytes > kAddressSpace / 2 || (bytes != 0 && !is_power_of_two(bytes)))
        fail("npu.weight_mem_bytes", "must be 0 (no weight memory) or a power of two up to 2 GiB");
    if (bytes == 0) return;
    for (const char *key : {"npu.weight_mem_base", "npu.weight_mem_port_bytes", "npu.weight_mem_latency"}) {
        if (!t.has(key))
            throw TargetError(t.where_.at("npu.weight_mem_bytes") + ": npu.weight_mem_bytes = " +
                              t.get("npu.weight_mem_bytes") + " needs key '" + key + "'");
    }
    const int64_t base = t.get_int("npu.weight_mem_base");
    if (base < 0 || base % 4096 != 0) fail("npu.weight_mem_base", "must be a multiple of 4 KiB (0x1000)");
    if (base >= kAddressSpace || bytes > kAddressSpace - base)  // no int64 overflow on any text
        fail("npu.weight_mem_base", "with npu.weight_mem_bytes = " + t.get("npu.weight_mem_bytes") +
                                        " runs past the 32-bit address space");
    const int64_t port = t.get_int("npu.weight_mem_port_bytes");
    if (port < 4 || port > 1024 || !is_power_of_two(port))
        fail("npu.weight_mem_port_bytes", "must be a power of two, 4..1024 (whole 32-bit words per cycle)");
    const int64_t latency = t.get_int("npu.weight_mem_latency");
    if (latency < 1 || latency > 64) fail("npu.weight_mem_latency", "is outside 1..64");
    // Every other window of the address map.
    struct Window {
        const char *name, *base_key, *size_key;
    };
    const Window others[] = {{"L1", "l1.base", "l1.size"},
                             {"L2", "l2.base", "l2.size"},
                             {"the peripherals", "periph.base", "periph.size"},
                             {"the NPU registers", "npu.base", "npu.size"}};
    for (const Window &w : others) {
        if (!t.has(w.base_key) || !t.has(w.size_key)) continue;
        const int64_t ob = t.get_int(w.base_key), os = t.get_int(w.size_key);
        if (ob < 0 || ob >= kAddressSpace || os < 0) continue;  // not a window of this address space
        if (ob <= base ? base - ob < os : ob - base < bytes)
            fail("npu.weight_mem_base", "with npu.weight_mem_bytes = " + t.get("npu.weight_mem_bytes") + " (" +
                                            hex(base) + ".." + hex(base + bytes - 1) + ") overlaps " + w.name + " (" +
                                            w.base_key + " " + hex(ob) + ", " + w.size_key + " " + t.get(w.size_key) + ")");
    }
}

namespace {

}  // namespace

TargetDescription TargetDescription::load(const std::string &path) {
    TargetDescription t;
    t.source_ = path;
    t.read_file(path, 0);
    for (const char *required : {"target", "isa", "cores", "l1.size", "l2.size"}) {
        if (!t.has(required)) {
            throw TargetError("target description " + path + ": missing required key '" + required + "'");
        }
    }
    for (const KeyRange &r : kKeyRanges) {
        if (!t.has(r.key)) continue;
        const int64_t v = t.get_int(r.key);
        if (v < r.min || v > r.max) {
            throw TargetError(t.where_.at(r.key) + ": key '" + r.key + "' = " + std::to_string(v) + " is outside " +
                              std::to_string(r.min) + ".." + std::to_string(r.max));
        }
    }
    for (const char *key : kPowersOfTwo) {
        if (t.has(key) && !is_power_of_two(t.get_int(key))) {
            throw TargetError(t.where_.at(key) + ": key '" + key + "' = " + t.get(key) + " must be a power of two");
        }
    }
    check_npu_weight_mem(t);
    // The DMA's L1 side is dma.bytes_per_cycle / l1.bank_bytes TCDM ports.
    if (t.has("l1.bank_bytes") && t.has("dma.bytes_per_cycle") && t.dma_beat_bytes() < t.l1_bank_bytes()) {
        throw TargetError(t.where_.at("dma.bytes_per_cycle") + ": key 'dma.bytes_per_cycle' = " + t.get("dma.bytes_per_cycle") +
                          " is less than one L1 bank word (l1.bank_bytes = " + t.get("l1.bank_bytes") + ")");
    }
    // Generated code holds two transfer ids per core while staging (a
    // prefetch in flight and the tile it waits on) and, with L2 -> L2 copies,
    // one more for a copy; with fewer ids every core could block in START.
    if (t.dma_copies_l2_to_l2() && !t.has("dma.copy_min_bytes")) {
        throw TargetError(t.where_.at("dma.l2_to_l2") +
                          ": dma.l2_to_l2 = 1 needs key 'dma.copy_min_bytes' (the shortest L2 -> L2 copy that goes by DMA)");
    }
    if (t.dma_copies_l2_to_l2() && t.dma_max_outstanding() < 3 * t.get_int("cores")) {
        throw TargetError(t.where_.at(t.has("dma.max_outstanding") ? "dma.max_outstanding" : "dma.l2_to_l2") +
                          ": key 'dma.max_outstanding' = " + std::to_string(t.dma_max_outstanding()) +
                          " is less than 3 transfer ids per core (cores = " + t.get("cores") +
                          ") with dma.l2_to_l2 = 1 (two staging ids and one copy per core)");
    }
    return t;
}

int64_t TargetDescription::arena_align_bytes() const {
    const int64_t beat = dma_beat_bytes();
    constexpr int64_t kArenaBaseAlign = 8;  // the printer declares arenas as int64_t arrays
    if (beat > kArenaBaseAlign) {
        throw TargetError(where_.at("dma.bytes_per_cycle") + ": key 'dma.bytes_per_cycle' = " + get("dma.bytes_per_cycle") +
                          ": arena slots are aligned to the DMA beat, and generated arenas are only " +
                          std::to_string(kArenaBaseAlign) + "-byte aligned (int64_t)");
    }
    return beat;
}

int64_t TargetDescription::l1_data_budget() const {
    const int64_t stack = stack_bytes();
    int64_t stacks = 0, for_data = 0;  // load() keeps both in range; with() may not
    if (__builtin_mul_overflow(get_int("cores"), stack, &stacks) || __builtin_sub_overflow(l1_size(), stacks, &for_data)) {
        throw TargetError("target description " + source_ + ": l1.size " + get("l1.size") + " minus cores " + get("cores") +
                          " x stack.size " + std::to_string(stack) + " overflows");
    }
    return has("l1.budget") ? std::min(for_data, get_int("l1.budget")) : for_data;
}

TargetDescription TargetDescription::with(const std::string &key, const std::string &value) const {
    TargetDescription t = *this;
    if (!t.has(key)) t.order_.push_back(key);
    t.values_[key] = value;
    t.where_[key] = "override";
    t.source_ = source_ + " + " + key + "=" + value;
    return t;
}

TargetDescription TargetDescription::named(const std::string &name) {
    std::string dir = HALYARD_TARGETS_DIR;
    if (const char *env = std::getenv("HALYARD_TARGETS_DIR")) dir = env;
    if (dir.empty()) throw TargetError("no target directory known: set HALYARD_TARGETS_DIR");
    std::string path = dir + "/" + name + ".target";
    std::ifstream probe(path);
    if (!probe) {
        throw TargetError("unknown target '" + name + "': no file " + path +
                          " (built-in targets: host, rv32, cluster)");
    }
    return load(path);
}

void TargetDescription::read_file(const std::string &path, int depth) {
    if (depth > 8) throw TargetError("target description " + path + ": includes nested too deeply");
    std::ifstream in(path);
    if (!in) throw TargetError("cannot open target description " + path);
    // A folder opens but reads as empty, a device may never end ("include .").
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw TargetError("target description " + path + " is not a regular file");
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        lineno++;
        auto hash = line.find('#');
        if (hash != std::string::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        std::istringstream words(line);
        std::string key, value, extra;
        words >> key >> value;
        const std::string here = path + ":" + std::to_string(lineno);
        if (value.empty()) throw TargetError(here + ": key '" + key + "' has no value");
        if (words >> extra) throw TargetError(here + ": key '" + key + "' has more than one value");
        if (key == "include") {
            read_file(dir_of(path) + "/" + value, depth + 1);
            continue;
        }
        for (char c : key) {
            if (!(std::isalnum((unsigned char)c) || c == '.' || c == '_')) {
                throw TargetError(here + ": bad key '" + key + "' (letters, digits, '.', '_' only)");
            }
        }
        if (!values_.count(key)) order_.push_back(key);
        values_[key] = value;
        where_[key] = here;
    }
}

const std::string &TargetDescription::get(const std::string &key) const {
    auto it = values_.find(key);
    if (it == values_.end()) {
        throw TargetError("target description " + source_ + ": no key '" + key + "'");
    }
    return it->second;
}

int64_t TargetDescription::get_int(const std::string &key) const {
    const std::string &text = get(key);
    int64_t v;
    if (!parse_int(text, &v)) {
        throw TargetError(where_.at(key) + ": key '" + key + "' must be an integer, not '" + text + "'");
    }
    return v;
}

bool TargetDescription::has_extension(const std::string &ext) const {
    if (!has("extensions")) return false;
    std::string list = get("extensions");
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item == ext) return true;
    }
    return false;
}

std::string TargetDescription::to_c_header() const {
    std::ostringstream os;
    os << "/* Generated from " << source_ << " by halyard-target-emit. Do not edit. */\n"
       << "#ifndef HALYARD_TARGET_PARAMS_H\n#define HALYARD_TARGET_PARAMS_H\n";
    for (const auto &k : order_) {
        if (compiler_only(k)) continue;
        int64_t v;
        if (parse_int(values_.at(k), &v)) {
            os << "#define HALYARD_" << macro_name(k) << " " << values_.at(k) << (v > 0x7fffffff ? "u" : "") << "\n";
        } else {
            os << "#define HALYARD_" << macro_name(k) << "_NAME \"" << values_.at(k) << "\"\n";
        }
    }
    os << "#endif\n";
    return os.str();
}

std::string TargetDescription::to_sv_package() const {
    std::ostringstream os;
    os << "// Generated from " << source_ << " by halyard-target-emit. Do not edit.\n"
       << "package halyard_target_pkg;\n";
    for (const auto &k : order_) {
        if (compiler_only(k)) continue;
        int64_t v;
        if (parse_int(values_.at(k), &v)) {
            os << "  localparam longint unsigned " << macro_name(k) << " = 64'd" << v << ";\n";
        }
    }
    os << "endpackage\n";
    return os.str();
}

std::string TargetDescription::to_ld_script() const {
    std::ostringstream os;
    os << "/* Generated from " << source_ << " by halyard-target-emit. Do not edit. */\n";
    for (const auto &k : order_) {
        if (compiler_only(k)) continue;
        int64_t v;
        if (parse_int(values_.at(k), &v)) {
            std::string sym = k;
            for (char &c : sym) if (c == '.') c = '_';
            os << "__halyard_" << sym << " = " << values_.at(k) << ";\n";
        }
    }
    return os.str();
}

}  // namespace halyard
