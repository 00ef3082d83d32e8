#include "bind_buffer_arguments.h"

namespace halyard {

namespace {

using namespace Halide;
using namespace Halide::Internal;

class BindBufferArguments : public IRMutator {
public:
    BindBufferArguments(const Algorithm &algo, const std::map<std::string, int64_t> &row_pitch) : row_pitch_(row_pitch) {
        for (const auto &in : algo.inputs) shapes_[in.type.name] = in.type.shape;
        // Halide may have uniquified the output Func's name ("Y$1").
        shapes_[algo.output_stage().func.name()] = algo.output.shape;
    }

private:
    using IRMutator::visit;
    std::map<std::string, Shape> shapes_;
    const std::map<std::string, int64_t> &row_pitch_;

    // "A.buffer" -> "A"
    std::string buffer_of(const Expr &e) const {
        const Variable *v = e.as<Variable>();
        if (!v) return "";
        const std::string suffix = ".buffer";
        if (v->name.size() > suffix.size() && v->name.compare(v->name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return v->name.substr(0, v->name.size() - suffix.size());
        }
        return "";
    }

    Expr visit(const Call *op) override {
        if (op->is_intrinsic() || op->call_type == Call::Extern) {
            const std::string &n = op->name;
            if (n.rfind("_halide_buffer_get_", 0) == 0 || n == "_halide_buffer_is_bounds_query") {
                std::string buf = op->args.empty() ? "" : buffer_of(op->args[0]);
                auto it = shapes_.find(buf);
                if (it == shapes_.end()) {
                    throw UserError("backend: buffer query " + n + " on an unknown buffer (" + (op->args.empty() ? std::string("?") : buffer_of(op->args[0])) + ")");
                }
                const Shape &shape = it->second;
                const int rank = (int)shape.size();
                auto dim = [&]() {
                    const IntImm *d = op->args.size() > 1 ? op->args[1].as<IntImm>() : nullptr;
                    if (!d || d->value < 0 || d->value >= rank) {
                        throw UserError("backend: buffer query " + n + " on " + buf + " with a bad dimension");
                    }
                    return (int)d->value;
                };
                if (n == "_halide_buffer_get_host") return Variable::make(op->type, buf);
                if (n == "_halide_buffer_get_min") return (dim(), make_zero(op->type));
                if (n == "_halide_buffer_get_extent") return make_const(op->type, shape[rank - 1 - dim()]);
                if (n == "_halide_buffer_get_max") return make_const(op->type, shape[rank - 1 - dim()] - 1);
                if (n == "_halide_buffer_get_stride") {
                    int d = dim();
                    int64_t stride = 1;
                    auto pitch = row_pitch_.find(buf);
                    for (int i = 0; i < d; i++) {
                        stride *= (i == 0 && pitch != row_pitch_.end()) ? pitch->second : shape[rank - 1 - i];
                    }
                    return make_const(op->type, stride);
                }
                if (n == "_halide_buffer_get_dimensions") return make_const(op->type, rank);
                if (n == "_halide_buffer_is_bounds_query") return make_const(op->type, 0);
                throw UserError("backend: unsupported buffer query " + n + " on " + buf);
            }
        }
        return IRMutator::visit(op);
    }

    Stmt visit(const LetStmt *op) override {
        // let A = (void *)_halide_buffer_get_host(A.buffer): the entry point's
        // parameter already has that name.
        Expr v = mutate(op->value);
        if (const Variable *var = v.as<Variable>()) {
            if (var->name == op->name) return mutate(op->body);
        }
        if (const Cast *c = v.as<Cast>()) {
            if (const Variable *var = c->value.as<Variable>()) {
                if (var->name == op->name) return mutate(op->body);
            }
        }
        return LetStmt::make(op->name, v, mutate(op->body));
    }

    Stmt visit(const AssertStmt *op) override { return Evaluate::make(0); }
};

}  // namespace

Stmt bind_buffer_arguments(const Stmt &s, const Algorithm &algo, const std::map<std::string, int64_t> &row_pitch) {
    return BindBufferArguments(algo, row_pitch).mutate(s);
}

}  // namespace halyard
