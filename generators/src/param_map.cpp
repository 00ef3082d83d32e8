#include <sstream>

#include "halyard/generator.h"

namespace halyard {

ParamMap::ParamMap(const std::string &family, const std::vector<GeneratorParam> &known,
                   const std::map<std::string, std::string> &given)
    : family_(family) {
    for (const auto &p : known) values_[p.name] = p.default_value;
    for (const auto &[k, v] : given) {
        if (!values_.count(k)) {
            std::string names;
            for (const auto &p : known) names += (names.empty() ? "" : ", ") + p.name;
            throw UserError("generator " + family + ": unknown parameter '" + k + "' (parameters: " + names + ")");
        }
        values_[k] = v;
    }
}

void ParamMap::bad(const std::string &key, const std::string &why) const {
    throw UserError("generator " + family_ + ": parameter " + key + "=" + values_.at(key) + ": " + why);
}

const std::string &ParamMap::str(const std::string &key) const { return values_.at(key); }

int ParamMap::integer(const std::string &key, int lo, int hi) const { return (int)int64(key, lo, hi); }

int64_t ParamMap::int64(const std::string &key, int64_t lo, int64_t hi) const {
    const std::string &s = str(key);
    long long v = 0;
    try {
        size_t used = 0;
        v = std::stoll(s, &used, 0);
        if (used != s.size()) bad(key, "not an integer");
    } catch (const UserError &) {
        throw;
    } catch (...) {
        bad(key, "not an integer");
    }
    if (v < lo || v > hi) bad(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
}

bool ParamMap::boolean(const std::string &key) const {
    const std::string &s = str(key);
    if (s == "1" || s == "true") return true;
    if (s == "0" || s == "false") return false;
    bad(key, "expected 0/1 or true/false");
}

namespace {

// "16x64" or "16,64" -> {16, 64}; nullopt when a dimension is not a positive
// integer, {} when there is none.
std::optional<Shape> parse_dims(std::string s) {
    for (char &c : s) {
        if (c == 'x' || c == ',') c = ' ';
    }
    std::istringstream in(s);
    Shape out;
    std::string w;
    while (in >> w) {
        try {
            size_t used = 0;
            int d = std::stoi(w, &used);
            if (used != w.size() || d < 1) return std::nullopt;
            out.push_back(d);
        } catch (...) {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace

Shape ParamMap::shape(const std::string &key) const {
    std::optional<Shape> out = parse_dims(str(key));
    if (!out) bad(key, "expected a shape like 16x64 with positive dimensions");
    if (out->empty()) bad(key, "expected a shape like 16x64");
    return *out;
}

std::optional<Shape> ParamMap::optional_shape(const std::string &key) const {
    if (str(key) == "none") return std::nullopt;
    return shape(key);
}

std::vector<int64_t> ParamMap::int64_list(const std::string &key) const {
    std::string s = str(key);
    std::vector<int64_t> out;
    if (s == "default") return out;
    for (char &c : s) {
        if (c == ',' || c == 'x') c = ' ';
    }
    std::istringstream in(s);
    std::string w;
    while (in >> w) {
        try {
            size_t used = 0;
            long long v = std::stoll(w, &used, 10);
            if (used != w.size()) throw 0;
            out.push_back(v);
        } catch (...) {
            bad(key, "expected integers like 0,2,-1");
        }
    }
    if (out.empty()) bad(key, "expected at least one integer");
    return out;
}

std::vector<int> ParamMap::int_list(const std::string &key, int64_t lo, int64_t hi) const {
    std::vector<int> out;
    for (int64_t v : int64_list(key)) {
        if (v < lo || v > hi) bad(key, "values must be in " + std::to_string(lo) + ".." + std::to_string(hi));
        out.push_back((int)v);
    }
    return out;
}

std::vector<Shape> ParamMap::shape_list(const std::string &key) const {
    std::vector<Shape> out;
    std::istringstream in(str(key));
    std::string item;
    while (std::getline(in, item, '+')) {
        std::optional<Shape> shape = parse_dims(item);
        if (!shape) bad(key, "expected shapes like 1x16x16x64+1x16x8x64 with positive dimensions");
        if (shape->empty()) bad(key, "empty shape in the list");
        out.push_back(*shape);
    }
    if (out.empty()) bad(key, "expected at least one shape");
    return out;
}

ElemType ParamMap::elem_type(const std::string &key) const {
    try {
        return parse_elem_type(str(key));
    } catch (const UserError &e) {
        bad(key, e.what());
    }
}

std::vector<GeneratorParam> requant_params(const std::string &prefix) {
    const std::string what = prefix.empty() ? "the output" : "'" + prefix + "' (see the family)";
    return {
        {prefix + "requant", "0", "fuse Deeploy's RequantShift into " + what + " (0/1)"},
        {prefix + "mul_shape", "1", "shape of the int32 multiplier tensor " + prefix + "mul"},
        {prefix + "add_shape", "1", "shape of the int32 addend tensor " + prefix + "add"},
        {prefix + "log2d", "0", "right shift (log2 of Deeploy's div)"},
        {prefix + "n_levels", "256", "output levels (256: 8-bit)"},
        {prefix + "signed", "1", "signed output (0: unsigned)"},
        {prefix + "rounding", "1", "add 2^(log2d-1) before shifting"},
    };
}

std::optional<RequantParams> ParamMap::requant(const std::string &prefix) const {
    if (!boolean(prefix + "requant")) return std::nullopt;
    RequantParams p;
    p.mul_shape = shape(prefix + "mul_shape");
    p.add_shape = shape(prefix + "add_shape");
    p.log2d = integer(prefix + "log2d", 0, 31);
    p.n_levels = int64(prefix + "n_levels", 2, int64_t(1) << 32);
    p.signed_output = boolean(prefix + "signed");
    p.rounding = boolean(prefix + "rounding");
    return p;
}

}  // namespace halyard
