// Embedding lookup: Y[t, :] = table[clamp(ids[t], 0, vocab - 1), :].
#include "transformer_builders.h"

namespace halyard {

using namespace Halide;
using namespace detail;

Algorithm embedding(const EmbeddingSpec &spec) {
    const std::string op = "embedding";
    check_shape(op, "table", {spec.vocab, spec.dim});
    check_shape(op, "ids", {spec.tokens});
    if (spec.vocab < 2) {
        // With one row the clamped index folds to 0 and ids goes unread (the
        // strict C build rejects the unused parameter).
        throw UserError(op + ": table has vocab=" + std::to_string(spec.vocab) + " rows; at least 2 are needed");
    }
    check_type(op, "table", spec.table_type, {ElemType::Int8, ElemType::UInt8, ElemType::Int16, ElemType::Int32});
    Algorithm a;
    a.op = op;
    a.inputs.push_back(make_input("table", spec.table_type, {spec.vocab, spec.dim}));
    a.inputs.push_back(make_input("ids", ElemType::Int32, {spec.tokens}));
    Var t("t"), d("d");
    Expr row = clamp(a.inputs[1].param(t), 0, spec.vocab - 1);
    Func y("Y");
    y(d, t) = a.inputs[0].param(d, row);
    a.output = {"Y", spec.table_type, {spec.tokens, spec.dim}};
    fix_output_shape(y, {spec.tokens, spec.dim});
    a.stages.push_back(make_stage("Y", y, {"t", "d"}, {spec.tokens, spec.dim}));
    return a;
}

}  // namespace halyard
