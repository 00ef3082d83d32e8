// Generator families for the data and reduction ops (dsl/include/halyard/dsl/data_ops.h):
// sub, reduce_sum, reduce_mean, integer_mean, itapartialmax, slice, pad, gather.
#include <sstream>

#include "families.h"
#include "halyard/dsl/data_ops.h"

namespace halyard {

namespace {

[[noreturn]] void bad_param(const std::string &family, const std::string &key, const std::string &value,
                            const std::string &why) {
    throw UserError("generator " + family + ": parameter " + key + "=" + value + ": " + why);
}

// "0,2,-1" (or "0x2x-1") -> {0, 2, -1}; "default" -> {}.
std::vector<int64_t> int64_list(const ParamMap &p, const std::string &family, const std::string &key) {
    std::string s = p.str(key);
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
            bad_param(family, key, p.str(key), "expected integers like 0,2,-1");
        }
    }
    if (out.empty()) bad_param(family, key, p.str(key), "expected at least one integer");
    return out;
}

std::vector<int> int_list(const ParamMap &p, const std::string &family, const std::string &key, int64_t lo, int64_t hi) {
    std::vector<int> out;
    for (int64_t v : int64_list(p, family, key)) {
        if (v < lo || v > hi) {
            bad_param(family, key, p.str(key), "values must be in " + std::to_string(lo) + ".." + std::to_string(hi));
        }
        out.push_back((int)v);
    }
    return out;
}

GeneratorFamily sub_family() {
    return {"sub",
            "Y = A - B elementwise with numpy broadcasting (Deeploy Sub); int32, saturated or requantized",
            with_requant({{"a_shape", "16", "shape of A"},
                          {"b_shape", "16", "shape of B"},
                          {"a_type", "int8", "element type of A"},
                          {"b_type", "int8", "element type of B"},
                          {"out_type", "int32", "output type without requant (saturating when narrower)"}}),
            [](const ParamMap &p) {
                SubSpec s;
                s.a = {"A", p.elem_type("a_type"), p.shape("a_shape")};
                s.b = {"B", p.elem_type("b_type"), p.shape("b_shape")};
                s.requant = p.requant();
                if (!s.requant) s.output_type = p.elem_type("out_type");
                return sub(s);
            }};
}

std::vector<GeneratorParam> reduce_params() {
    return {{"shape", "1x16x64", "shape of X"},
            {"in_type", "int8", "element type of X: int8, uint8, int16, int32"},
            {"axes", "-1", "reduced axes, e.g. 1,2 (negative counts from the end)"},
            {"keepdims", "1", "keep the reduced axes with extent 1"}};
}

ReduceSpec reduce_spec(const ParamMap &p, const std::string &family) {
    ReduceSpec s;
    s.shape = p.shape("shape");
    s.type = p.elem_type("in_type");
    s.axes = int_list(p, family, "axes", -64, 63);
    s.keepdims = p.boolean("keepdims");
    return s;
}

GeneratorFamily reduce_sum_family() {
    return {"reduce_sum", "Deeploy ReduceSum over axes: int32 sum, keepdims as ONNX", reduce_params(),
            [](const ParamMap &p) { return reduce_sum(reduce_spec(p, "reduce_sum")); }};
}

GeneratorFamily reduce_mean_family() {
    return {"reduce_mean",
            "Deeploy ReduceMean over axes: int32 sum, rounded integer mean in X's type (Deeploy's rounding)",
            reduce_params(), [](const ParamMap &p) { return reduce_mean(reduce_spec(p, "reduce_mean")); }};
}

GeneratorFamily integer_mean_family() {
    return {"integer_mean", "QuantLib IntegerMean (Deeploy maps it to ReduceMean): rounded integer mean over axes",
            reduce_params(), [](const ParamMap &p) { return integer_mean(reduce_spec(p, "integer_mean")); }};
}

GeneratorFamily itapartialmax_family() {
    return {"itapartialmax",
            "Deeploy ITAPartialMax over the last axis: ITAMax streamed group_width columns at a time, uint8 out",
            {{"shape", "16x64", "shape of x (int8)"},
             {"group_width", "16", "columns per group (1..last dimension)"},
             {"n_levels", "256", "output levels (4..256; output scale n_levels/2 - 1)"}},
            [](const ParamMap &p) {
                ITAPartialMaxSpec s;
                s.shape = p.shape("shape");
                s.group_width = p.integer("group_width", 1, 1 << 20);
                s.n_levels = p.int64("n_levels", 4, 256);
                return itapartialmax(s);
            }};
}

GeneratorFamily slice_family() {
    return {"slice",
            "ONNX/Deeploy Slice: Y = X[start:end:step] on the listed axes (ONNX clamping, negative values)",
            {{"shape", "1x16x64", "shape of X"},
             {"type", "int8", "element type"},
             {"starts", "4,8", "start per listed axis"},
             {"ends", "12,40", "end per listed axis (exclusive; clamped)"},
             {"axes", "1,2", "sliced axes (default: 0..len(starts)-1)"},
             {"steps", "default", "step per listed axis, non-zero (default: all 1)"}},
            [](const ParamMap &p) {
                SliceSpec s;
                s.shape = p.shape("shape");
                s.type = p.elem_type("type");
                s.starts = int64_list(p, "slice", "starts");
                s.ends = int64_list(p, "slice", "ends");
                s.axes = int64_list(p, "slice", "axes");
                s.steps = int64_list(p, "slice", "steps");
                return slice(s);
            }};
}

GeneratorFamily pad_family() {
    return {"pad",
            "ONNX/Deeploy Pad, constant mode: pads = begins then ends per axis, fill value",
            {{"shape", "1x8x16x16", "shape of X"},
             {"type", "int8", "element type"},
             {"pads", "0,0,1,1,0,0,1,1", "2*rank pads >= 0: begin of every axis, then end of every axis"},
             {"value", "0", "fill value (must fit type)"},
             {"mode", "constant", "only constant"}},
            [](const ParamMap &p) {
                PadSpec s;
                s.shape = p.shape("shape");
                s.type = p.elem_type("type");
                s.pads = int_list(p, "pad", "pads", -(int64_t(1) << 28), int64_t(1) << 28);
                s.value = p.int64("value", INT32_MIN, INT32_MAX);
                s.mode = p.str("mode");
                return pad(s);
            }};
}

GeneratorFamily gather_family() {
    return {"gather",
            "ONNX/Deeploy Gather with constant indices on one axis (indices baked into the code)",
            {{"shape", "16x64", "shape of X"},
             {"type", "int8", "element type"},
             {"axis", "0", "gathered axis (negative counts from the end)"},
             {"indices", "3", "constant indices, e.g. 3 or 0,5,-1"},
             {"indices_shape", "scalar", "shape of the indices: scalar (axis removed) or e.g. 3, 2x2"}},
            [](const ParamMap &p) {
                GatherSpec s;
                s.shape = p.shape("shape");
                s.type = p.elem_type("type");
                s.axis = p.integer("axis", -64, 63);
                s.indices = int64_list(p, "gather", "indices");
                if (p.str("indices_shape") != "scalar") s.indices_shape = p.shape("indices_shape");
                return gather(s);
            }};
}

}  // namespace

std::vector<GeneratorFamily> data_op_families() {
    return {sub_family(),          reduce_sum_family(), reduce_mean_family(), integer_mean_family(),
            itapartialmax_family(), slice_family(),      pad_family(),         gather_family()};
}

}  // namespace halyard
