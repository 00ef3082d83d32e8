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

Shape ParamMap::shape(const std::string &key) const {
    std::string s = str(key);
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
            if (used != w.size() || d < 1) throw 0;
            out.push_back(d);
        } catch (...) {
            bad(key, "expected a shape like 16x64 with positive dimensions");
        }
    }
    if (out.empty()) bad(key, "expected a shape like 16x64");
    return out;
}

std::optional<Shape> ParamMap::optional_shape(const std::string &key) const {
    if (str(key) == "none") return std::nullopt;
    return shape(key);
}

ElemType ParamMap::elem_type(const std::string &key) const {
    try {
        return parse_elem_type(str(key));
    } catch (const UserError &e) {
        bad(key, e.what());
    }
}

std::vector<GeneratorParam> requant_params() {
    return {
        {"requant", "0", "fuse Deeploy's RequantShift into the output (0/1)"},
        {"mul_shape", "1", "shape of the int32 multiplier tensor (broadcast to the output)"},
        {"add_shape", "1", "shape of the int32 addend tensor"},
        {"log2d", "0", "right shift (log2 of Deeploy's div)"},
        {"n_levels", "256", "output levels (256: 8-bit)"},
        {"signed", "1", "signed output (0: unsigned)"},
        {"rounding", "1", "add 2^(log2d-1) before shifting"},
    };
}

std::optional<RequantParams> ParamMap::requant() const {
    if (!boolean("requant")) return std::nullopt;
    RequantParams p;
    p.mul_shape = shape("mul_shape");
    p.add_shape = shape("add_shape");
    p.log2d = integer("log2d", 0, 31);
    p.n_levels = int64("n_levels", 2, int64_t(1) << 32);
    p.signed_output = boolean("signed");
    p.rounding = boolean("rounding");
    return p;
}

}  // namespace halyard
