#include "buffers_named.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

class BuffersNamed : public IRVisitor {
public:
    std::set<std::string> names;

private:
    using IRVisitor::visit;
    void visit(const Load *op) override {
        names.insert(op->name);
        IRVisitor::visit(op);
    }
    void visit(const Variable *op) override {
        if (op->type.is_handle()) names.insert(op->name);
    }
};

}  // namespace

std::set<std::string> buffers_named(const Expr &e) {
    BuffersNamed b;
    e.accept(&b);
    return b.names;
}

}  // namespace halyard
