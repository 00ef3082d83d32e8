#include "bind_requant_tables.h"

#include <algorithm>
#include <cstdio>

namespace halyard::network {

namespace {

bool has_param(const GeneratorFamily &f, const std::string &name) {
    return std::any_of(f.params.begin(), f.params.end(), [&](const GeneratorParam &p) { return p.name == name; });
}

// A table's constant, named after its type and contents (FNV-1a), so that
// equal tables of different kernels are one constant.
std::string table_constant(LowerContext &ctx, const TableInput &t, const std::vector<int64_t> &values) {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : values)
        for (int byte = 0; byte < 8; byte++) h = (h ^ ((uint64_t(v) >> (8 * byte)) & 0xFF)) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    const std::string name = std::string("requant_table_") + elem_type_name(t.requant.output_type()) + "_" +
                             std::to_string(t.entries) + "_" + hex;
    if (!ctx.graph.has_tensor(name)) ctx.add_constant(name, {t.entries}, values);
    return name;
}

}  // namespace

Algorithm bind_requant_tables(Lowered &l, const GeneratorFamily &family, Algorithm algo, LowerContext &ctx) {
    if (!has_param(family, "requant_tables") || l.params.count("requant_tables")) return algo;
    int64_t largest = 0;
    for (const auto &st : algo.stages) {
        if (st.table_uses_per_entry > 1 && st.pure_loops.size() == 1) largest = std::max<int64_t>(largest, st.extents.at(st.pure_loops[0]));
    }
    if (largest == 0 || num_elements(algo.output.shape) < largest) return algo;

    Lowered with = l;
    with.params["requant_tables"] = "input";
    Algorithm rebuilt = family.build(ParamMap(family.name, family.params, with.params));
    for (const auto &t : rebuilt.table_inputs) {
        auto mul = l.args.find(t.rq_prefix + "mul"), add = l.args.find(t.rq_prefix + "add");
        if (mul == l.args.end() || add == l.args.end() || !ctx.graph.is_constant(mul->second) ||
            !ctx.graph.is_constant(add->second)) {
            return algo;
        }
        std::vector<int64_t> values;
        try {
            values = requant_table_values(t, ctx.values(mul->second).at(0), ctx.values(add->second).at(0));
        } catch (const UserError &) {
            return algo;  // the arithmetic overflows int32: the kernel computes it as it would (wrapping)
        }
        with.args[t.name] = table_constant(ctx, t, values);
    }
    l = with;
    return rebuilt;
}

}  // namespace halyard::network
