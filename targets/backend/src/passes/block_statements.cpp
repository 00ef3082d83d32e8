#include "block_statements.h"

namespace halyard {

namespace {

void collect(const Halide::Internal::Stmt &s, std::vector<Halide::Internal::Stmt> *out) {
    if (!s.defined()) return;
    if (const auto *b = s.as<Halide::Internal::Block>()) {
        collect(b->first, out);
        collect(b->rest, out);
    } else {
        out->push_back(s);
    }
}

}  // namespace

std::vector<Halide::Internal::Stmt> block_statements(const Halide::Internal::Stmt &s) {
    std::vector<Halide::Internal::Stmt> out;
    collect(s, &out);
    return out;
}

}  // namespace halyard
