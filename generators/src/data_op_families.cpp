// Generator families for the data and reduction ops (dsl/include/halyard/dsl/data_ops.h):
// sub, reduce_sum, reduce_mean, integer_mean, itapartialmax, slice, pad, gather.
#include "families.h"
#include "halyard/dsl/data_ops.h"

namespace halyard {

namespace {

GeneratorFamily sub_family() {
    return {"sub",
            "Y = A - B elementwise with numpy broadcasting (Deeploy Sub); int32, saturated or requantized",
            elementwise_params(), [](const ParamMap &p) { return sub(elementwise_spec<SubSpec>(p)); }};
}

std::vector<GeneratorParam> reduce_params() {
    return {{"shape", "1x16x64", "shape of X"},
            {"in_type", "int8", "element type of X: int8, uint8, int16, int32"},
            {"axes", "-1", "reduced axes, e.g. 1,2 (negative counts from the end)"},
            {"keepdims", "1", "keep the reduced axes with extent 1"}};
}

ReduceSpec reduce_spec(const ParamMap &p) {
    ReduceSpec s;
    s.shape = p.shape("shape");
    s.type = p.elem_type("in_type");
    s.axes = p.int_list("axes", -64, 63);
    s.keepdims = p.boolean("keepdims");
    return s;
}

GeneratorFamily reduce_sum_family() {
    return {"reduce_sum", "Deeploy ReduceSum over axes: int32 sum, keepdims as ONNX", reduce_params(),
            [](const ParamMap &p) { return reduce_sum(reduce_spec(p)); }};
}

GeneratorFamily reduce_mean_family() {
    return {"reduce_mean",
            "Deeploy ReduceMean over axes: int32 sum, rounded integer mean in X's type (Deeploy's rounding)",
            reduce_params(), [](const ParamMap &p) { return reduce_mean(reduce_spec(p)); }};
}

GeneratorFamily integer_mean_family() {
    return {"integer_mean", "QuantLib IntegerMean (Deeploy maps it to ReduceMean): rounded integer mean over axes",
            reduce_params(), [](const ParamMap &p) { return integer_mean(reduce_spec(p)); }};
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
                s.starts = p.int64_list("starts");
                s.ends = p.int64_list("ends");
                s.axes = p.int64_list("axes");
                s.steps = p.int64_list("steps");
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
                s.pads = p.int_list("pads", -(int64_t(1) << 28), int64_t(1) << 28);
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
                s.indices = p.int64_list("indices");
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
