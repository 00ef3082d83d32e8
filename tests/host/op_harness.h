// Test support: run one generated op on random data and compare it bit for bit
// with the independent reference.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "halyard/generator.h"
#include "halyard/harness/harness.h"
#include "halyard/harness/jit.h"
#include "tensors.h"

namespace halyard_test {

// The product harness (targets/harness) the tests build and run code with.
using halyard::harness::JitKernel;
using halyard::harness::run_command;
using halyard::harness::scratch_dir;
using halyard::harness::write_library;

using RefInputs = std::map<std::string, halyard_ref::Tensor>;
using FillFn = std::function<TypedBuffer(const halyard::TensorType &, std::mt19937 &)>;
using RefFn = std::function<halyard_ref::Tensor(const RefInputs &)>;

inline std::string describe_params(const std::map<std::string, std::string> &p) {
    std::string s;
    for (const auto &[k, v] : p) s += k + "=" + v + " ";
    return s;
}

// Generate family(params) for `target` with `schedule` (default if null), fill
// inputs with `fill`, run the compiled C, compare with `reference`. Returns
// true when bit-exact; adds a gtest failure naming the case otherwise.
inline bool run_op_case(const std::string &family, const std::map<std::string, std::string> &params,
                        const halyard::Schedule *schedule, const FillFn &fill, const RefFn &reference,
                        std::mt19937 &rng, const std::string &lib_name) {
    using namespace halyard;
    const std::string what = family + " " + describe_params(params) +
                             (schedule ? "schedule:\n" + schedule->to_text() : std::string("default schedule"));
    SCOPED_TRACE(what + " (seed " + std::to_string(test_seed()) + ")");
    const GeneratorFamily &f = find_generator(family);
    ParamMap pm(family, f.params, params);
    Algorithm algo = f.build(pm);
    TargetDescription host = TargetDescription::named("host");
    GeneratedLibrary lib = run_generator(family, params, host, schedule, lib_name);
    JitKernel kernel(lib);

    std::vector<TypedBuffer> buffers;
    RefInputs ref_in;
    for (const auto &in : algo.inputs) {
        buffers.push_back(fill(in.type, rng));
        ref_in[in.type.name] = to_ref(buffers.back(), in.type.shape);
    }
    TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
    // Poison the output so an unwritten element cannot pass by accident.
    for (int64_t i = 0; i < out.size(); i++) out.set(i, 0x5A);
    std::vector<void *> args;
    for (auto &b : buffers) args.push_back(b.data());
    args.push_back(out.data());
    EXPECT_EQ(kernel.call(args), 0);

    halyard_ref::Tensor expected = reference(ref_in);
    if (expected.size() != out.size()) {
        ADD_FAILURE() << "reference has " << expected.size() << " elements, kernel output " << out.size();
        return false;
    }
    for (int64_t i = 0; i < out.size(); i++) {
        if (expected.data[i] != out.get(i)) {
            ADD_FAILURE() << "element " << i << " of " << algo.output.str() << ": expected " << expected.data[i]
                          << ", got " << out.get(i) << "\nreport:\n" << lib.report;
            return false;
        }
    }
    return true;
}

// `fill`, with the requantization tables an algorithm reads as inputs
// (requant_tables=input: Algorithm::table_inputs) filled as the network
// compiler fills its constants: requant_table_values of the per-tensor mul
// and add `fill` gave (those inputs come first in argument order).
inline FillFn with_requant_tables(const std::string &family, const std::map<std::string, std::string> &params,
                                  FillFn fill) {
    using namespace halyard;
    const GeneratorFamily &f = find_generator(family);
    const std::vector<TableInput> tables = f.build(ParamMap(family, f.params, params)).table_inputs;
    auto given = std::make_shared<std::map<std::string, int64_t>>();  // per-tensor inputs filled so far
    return [tables, given, fill](const TensorType &t, std::mt19937 &r) {
        for (const auto &table : tables) {
            if (table.name != t.name) continue;
            if (!given->count(table.rq_prefix + "mul") || !given->count(table.rq_prefix + "add")) {
                throw std::logic_error("test harness: table " + table.name + " comes before its mul/add");
            }
            const std::vector<int64_t> v =
                requant_table_values(table, given->at(table.rq_prefix + "mul"), given->at(table.rq_prefix + "add"));
            TypedBuffer b(t.type, (int64_t)v.size());
            for (size_t k = 0; k < v.size(); k++) b.set((int64_t)k, v[k]);
            return b;
        }
        TypedBuffer b = fill(t, r);
        if (b.size() == 1) (*given)[t.name] = b.get(0);
        return b;
    };
}

// Requantization that keeps int32 intermediates in range and lands values
// across (and beyond) the output range, so both saturation ends are hit.
struct RequantChoice {
    std::map<std::string, std::string> params;  // requant=1, log2d, mul_shape, ...
    int64_t mul_max = 1;                         // |mul| bound
    int64_t add_max = 0;
};

inline RequantChoice choose_requant(std::mt19937 &rng, int64_t max_abs_value, const std::string &mul_shape,
                                    const std::string &add_shape, bool is_signed) {
    RequantChoice c;
    int64_t headroom = std::max<int64_t>(1, (int64_t(1) << 30) / std::max<int64_t>(1, max_abs_value));
    c.mul_max = std::min<int64_t>(headroom, 1 << 12);
    int bits = 0;
    while ((int64_t(1) << bits) < max_abs_value * c.mul_max) bits++;
    std::uniform_int_distribution<int> jitter(-3, 1);
    int log2d = std::max(0, std::min(31, bits - 8 + jitter(rng)));
    c.add_max = std::min<int64_t>((int64_t(1) << 29), int64_t(1) << std::min(29, log2d + 6));
    c.params = {{"requant", "1"},
                {"log2d", std::to_string(log2d)},
                {"mul_shape", mul_shape},
                {"add_shape", add_shape},
                {"signed", is_signed ? "1" : "0"},
                {"n_levels", "256"}};
    return c;
}

inline halyard_ref::RequantParams ref_requant(const RefInputs &in, const std::map<std::string, std::string> &p) {
    halyard_ref::RequantParams rq;
    rq.mul = in.at("mul");
    rq.add = in.at("add");
    rq.log2D = std::stoll(p.at("log2d"));
    rq.n_levels = p.count("n_levels") ? std::stoll(p.at("n_levels")) : 256;
    rq.is_signed = !p.count("signed") || p.at("signed") == "1";
    rq.rounding = !p.count("rounding") || p.at("rounding") == "1";
    return rq;
}

// ref_requant of the requantization whose inputs and parameters are named
// after `prefix` (a_mul, a_log2d, ... of an operand's; x_* of a fused Add's).
inline halyard_ref::RequantParams ref_requant_prefixed(const RefInputs &in, const std::map<std::string, std::string> &p,
                                                       const std::string &prefix) {
    RefInputs renamed = in;
    renamed["mul"] = in.at(prefix + "mul");
    renamed["add"] = in.at(prefix + "add");
    std::map<std::string, std::string> q;
    for (const auto &[k, v] : p) {
        if (k.rfind(prefix, 0) == 0) q[k.substr(prefix.size())] = v;
    }
    return ref_requant(renamed, q);
}

// Generate, compile and run a family on given input tensors; returns the output.
inline halyard_ref::Tensor run_kernel(const std::string &family, const std::map<std::string, std::string> &params,
                  const std::map<std::string, halyard_ref::Tensor> &inputs, const std::string &lib_name) {
    using namespace halyard;
    const GeneratorFamily &f = find_generator(family);
    Algorithm algo = f.build(ParamMap(family, f.params, params));
    GeneratedLibrary lib = run_generator(family, params, TargetDescription::named("host"), nullptr, lib_name);
    JitKernel kernel(lib);
    std::vector<TypedBuffer> buffers;
    std::vector<void *> ptrs;
    for (const auto &t : algo.inputs) {
        buffers.push_back(from_ref(inputs.at(t.type.name), t.type.type));
        ptrs.push_back(buffers.back().data());
    }
    TypedBuffer out(algo.output.type, num_elements(algo.output.shape));
    ptrs.push_back(out.data());
    EXPECT_EQ(kernel.call(ptrs), 0);
    return to_ref(out, algo.output.shape);
}

}  // namespace halyard_test
