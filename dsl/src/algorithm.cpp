#include "halyard/dsl/algorithm.h"

#include <sstream>

namespace halyard {

const Stage *Algorithm::find_stage(const std::string &name) const {
    for (const auto &s : stages) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

const InputTensor *Algorithm::find_input(const std::string &name) const {
    for (const auto &in : inputs) {
        if (in.type.name == name) return &in;
    }
    return nullptr;
}

std::string Algorithm::describe() const {
    std::ostringstream os;
    os << "op " << op << "\n";
    for (const auto &in : inputs) os << "  input  " << in.type.str() << "\n";
    os << "  output " << output.str() << "\n";
    for (const auto &s : stages) {
        os << "  stage  " << s.name << " loops";
        for (const auto &l : s.pure_loops) os << " " << l << "(" << s.extents.at(l) << ")";
        for (const auto &l : s.reduction_loops) os << " " << l << "(" << s.extents.at(l) << ", reduction)";
        os << "\n";
    }
    if (macs) os << "  macs   " << macs << "\n";
    return os.str();
}

}  // namespace halyard
