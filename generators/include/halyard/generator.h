// Generators: an op family with named parameters (shapes, quantization) that
// builds an algorithm; together with a schedule and a target it becomes a
// static library (.c/.h compiled to .a) through the backend.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "halyard/backend.h"
#include "halyard/dsl/ops.h"

namespace halyard {

struct GeneratorParam {
    std::string name;
    std::string default_value;
    std::string doc;
};

// Parameter values as given ("key=value"), checked against a family's list.
class ParamMap {
public:
    ParamMap(const std::string &family, const std::vector<GeneratorParam> &known,
             const std::map<std::string, std::string> &given);
    const std::string &str(const std::string &key) const;
    int integer(const std::string &key, int min_value, int max_value) const;
    int64_t int64(const std::string &key, int64_t min_value, int64_t max_value) const;
    bool boolean(const std::string &key) const;
    Shape shape(const std::string &key) const;           // "16x64" or "16,64"
    std::optional<Shape> optional_shape(const std::string &key) const;  // "none" -> nullopt
    // "0,2,-1" (or "0x2x-1") -> {0, 2, -1}, at least one value; "default" -> {}.
    std::vector<int64_t> int64_list(const std::string &key) const;
    // int64_list with every value in lo..hi.
    std::vector<int> int_list(const std::string &key, int64_t lo = INT32_MIN, int64_t hi = INT32_MAX) const;
    // "1x16x16x64+1x16x8x64" -> two shapes (positive dimensions), at least one.
    std::vector<Shape> shape_list(const std::string &key) const;
    ElemType elem_type(const std::string &key) const;
    // requant=1 plus mul_shape, add_shape, log2d, n_levels, signed, rounding,
    // each name after `prefix` (requant_params(prefix)).
    std::optional<RequantParams> requant(const std::string &prefix = "") const;

    // Throws UserError "generator <family>: parameter <key>=<value>: <why>".
    [[noreturn]] void bad(const std::string &key, const std::string &why) const;

private:
    std::string family_;
    std::map<std::string, std::string> values_;
};

struct GeneratorFamily {
    std::string name;
    std::string description;
    std::vector<GeneratorParam> params;
    std::function<Algorithm(const ParamMap &)> build;
};

const std::vector<GeneratorFamily> &generator_families();
const GeneratorFamily &find_generator(const std::string &name);  // throws UserError

// The parameters every family with fused requantization shares; with a
// prefix, those of a second requantization (of an operand, or where the
// family's own names clash) whose inputs are <prefix>mul, <prefix>add.
std::vector<GeneratorParam> requant_params(const std::string &prefix = "");

// Family + parameters + target (+ optional schedule) -> library.
GeneratedLibrary run_generator(const std::string &family, const std::map<std::string, std::string> &params,
                               const TargetDescription &target, const Schedule *schedule, const std::string &name,
                               const LibraryOptions &options = {});

}  // namespace halyard
