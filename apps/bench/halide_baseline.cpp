#include "halide_baseline.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "halyard/harness/harness.h"

namespace halyard_bench {

using namespace Halide;
using halyard::Algorithm;
using halyard::ElemType;
using halyard::UserError;

namespace {

// Halide's C output and HalideRuntime.h include these C++ headers but use
// nothing from namespace std; the rv32 toolchain ships no libstdc++, so each
// one is a one-line header for its C counterpart (from picolibc).
const char *const kShims[][2] = {
    {"cstddef", "stddef.h"}, {"cstdint", "stdint.h"}, {"cstring", "string.h"}, {"type_traits", "stddef.h"}};

// For the rv32 g++, on top of the cluster flags:
//  --specs=picolibc.specs   C headers (assert.h, math.h, stdio.h, ...) Halide's
//                           prologue includes; compile only, nothing is linked
//                           from picolibc (the link is the cluster's -nostdlib)
//  -isystem <shims>         the C++ headers above
//  -isystem <Halide>        HalideRuntime.h (halide_buffer_t), for the glue
//  -fno-exceptions -fno-rtti -fno-threadsafe-statics
//                           no C++ runtime: the last one drops the
//                           __cxa_guard_* calls of the metadata function's
//                           function-local statics
//  __INT32_TYPE__=int       on riscv64-unknown-elf int32_t is `long`, and
//                           Halide declares its parallel task bodies with an
//                           int32_t argument but halide_task_t with `int`: in
//                           C++ that is an invalid conversion at the
//                           halide_do_par_for call. Same size and ABI on ilp32.
const char *kCxxFlags =
    "--specs=picolibc.specs -isystem '__DIR__/halide_cxx_shim' -isystem '" HALYARD_HALIDE_RUNTIME_INCLUDE_DIR "' "
    "-fno-exceptions -fno-rtti -fno-threadsafe-statics "
    "-U__INT32_TYPE__ -D__INT32_TYPE__=int -U__UINT32_TYPE__ '-D__UINT32_TYPE__=unsigned int' -Wno-unused-variable "
    "-Wno-unused-but-set-variable -Wno-unused-function";

std::string read_file(const std::string &path) {
    std::ifstream f(path);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

const char *halide_type_code(ElemType t) {
    return t == ElemType::UInt8 ? "halide_type_uint" : "halide_type_int";
}

// A plain Halide schedule, the kind a Halide user writes for a scalar CPU
// with several cores: Y in register tiles of tm rows x tn columns, acc
// computed per tile with the reduction outermost and the tile unrolled (tm*tn
// accumulators in registers), tiles spread over the cores by a parallel loop
// (over heads for the batched MatMul, rows of tiles when there are at least 8
// of them, otherwise columns of tiles). No vectorize: RV32IM has no SIMD that
// Halide's C output could use.
std::string schedule(const Algorithm &algo) {
    Func Y = algo.output_stage().func, acc = algo.stages.front().func;
    const auto &shape = algo.output.shape;  // [..., M, N]
    const int M = shape[shape.size() - 2], N = shape.back();
    const bool batched = shape.size() > 2;
    std::vector<Var> y = Y.args();  // innermost first: n, m, (b0)
    std::vector<Var> a = acc.args();
    const int tm = M % 4 == 0 ? 4 : (M % 2 == 0 ? 2 : 1);
    const int tn = N % 2 == 0 ? 2 : 1;
    Var no("no"), mo("mo"), ni("ni"), mi("mi");
    Y.tile(y[0], y[1], no, mo, ni, mi, tn, tm);  // loops: (b0,) mo, no, mi, ni
    std::ostringstream s;
    s << "Y.tile(n, m, no, mo, ni, mi, " << tn << ", " << tm << ")";
    Var inner_tile_loop = no;
    if (batched) {
        Y.parallel(y[2]);
        s << ".parallel(b0)";
    } else if (M / tm >= 8) {
        Y.parallel(mo);
        s << ".parallel(mo)";
    } else {
        Y.reorder(ni, mi, mo, no).parallel(no);  // loops: no, mo, mi, ni
        inner_tile_loop = mo;
        s << ".reorder(ni, mi, mo, no).parallel(no)";
    }
    acc.compute_at(Y, inner_tile_loop);
    acc.unroll(a[0]).unroll(a[1]);
    RVar k = algo.stages.front().rdom.x;
    acc.update().reorder(a[0], a[1], k).unroll(a[0]).unroll(a[1]);
    s << "; acc.compute_at(Y, " << (inner_tile_loop.name() == no.name() ? "no" : "mo")
      << ").unroll(n).unroll(m); acc.update().reorder(n, m, k).unroll(n).unroll(m)";
    return s.str();
}

// The glue: the raw-pointer entry point and halide_do_par_for on hl_fork.
std::string glue(const Algorithm &algo, const std::string &name, const std::string &halide_name) {
    std::ostringstream g;
    g << "// Glue for Halide's compile_to_c output on the Halyard cluster.\n"
      << "#include <HalideRuntime.h>\n#include \"halyard_rt.h\"\n#include \"" << halide_name << ".h\"\n\n"
      << "namespace {\n"
      << "struct ParFor {\n    void *user_context;\n    halide_task_t f;\n    int min, size;\n"
      << "    uint8_t *closure;\n    unsigned cores;\n    volatile int result;\n};\n"
      << "bool in_par_for;\n"
      << "// Core c runs the contiguous block [size*c/cores, size*(c+1)/cores) of the tasks.\n"
      << "void par_for_share(void *arg) {\n    ParFor *p = (ParFor *)arg;\n    const unsigned c = hl_core_id();\n"
      << "    const int lo = p->min + (int)((unsigned)p->size * c / p->cores);\n"
      << "    const int hi = p->min + (int)((unsigned)p->size * (c + 1) / p->cores);\n"
      << "    for (int i = lo; i < hi; i++) {\n        int r = p->f(p->user_context, i, p->closure);\n"
      << "        if (r) p->result = r;\n    }\n}\n}  // namespace\n\n"
      << "// Halide's parallel loops: the tasks split over the cluster's cores (a\n"
      << "// nested parallel loop, or one task, runs on the calling core).\n"
      << "extern \"C\" int halide_do_par_for(void *user_context, halide_task_t f, int min, int size, uint8_t *closure) {\n"
      << "    if (in_par_for || size <= 1) {\n        for (int i = min; i < min + size; i++) {\n"
      << "            int r = f(user_context, i, closure);\n            if (r) return r;\n        }\n"
      << "        return 0;\n    }\n"
      << "    ParFor p = {user_context, f, min, size, closure,\n"
      << "                (unsigned)size < hl_core_count() ? (unsigned)size : hl_core_count(), 0};\n"
      << "    in_par_for = true;\n    hl_fork(p.cores, par_for_share, &p);\n    in_par_for = false;\n"
      << "    return p.result;\n}\n\n";
    // Entry point: fixed-shape dense buffers around the raw pointers.
    std::vector<std::pair<std::string, halyard::TensorType>> tensors;
    for (const auto &in : algo.inputs) tensors.push_back({"in_" + in.type.name, in.type});
    tensors.push_back({"out_" + algo.output.name, algo.output});
    g << "extern \"C\" int " << name << "(";
    for (size_t i = 0; i < tensors.size(); i++) {
        g << (i ? ", " : "") << (i + 1 < tensors.size() ? "const " : "") << halyard::c_type_name(tensors[i].second.type)
          << " *" << tensors[i].first;
    }
    g << ") {\n";
    for (const auto &t : tensors) {
        const auto &shape = t.second.shape;
        const int rank = (int)shape.size();
        g << "    halide_dimension_t " << t.first << "_dim[" << rank << "] = {";
        int stride = 1;
        for (int d = 0; d < rank; d++) {
            const int extent = shape[rank - 1 - d];
            g << (d ? ", " : "") << "{0, " << extent << ", " << stride << ", 0}";
            stride *= extent;
        }
        g << "};\n    halide_buffer_t " << t.first << "_buf = {};\n"
          << "    " << t.first << "_buf.host = (uint8_t *)" << t.first << ";\n"
          << "    " << t.first << "_buf.type = halide_type_t(" << halide_type_code(t.second.type) << ", "
          << 8 * halyard::elem_bytes(t.second.type) << ");\n"
          << "    " << t.first << "_buf.dimensions = " << rank << ";\n"
          << "    " << t.first << "_buf.dim = " << t.first << "_dim;\n";
    }
    g << "    return " << halide_name << "(";
    for (size_t i = 0; i < tensors.size(); i++) g << (i ? ", " : "") << "&" << tensors[i].first << "_buf";
    g << ");\n}\n";
    return g.str();
}

}  // namespace

HalideBaseline halide_baseline(const Algorithm &algo, const std::string &name) {
    HalideBaseline b;
    const std::string halide_name = name + "_halide";
    b.schedule = schedule(algo);
    // 32-bit, no OS, no runtime, no asserts, no bounds queries: the function
    // body is the loop nest plus one halide_do_par_for call per parallel loop.
    Target t(Target::NoOS, Target::RISCV, 32, {Target::NoRuntime, Target::NoAsserts, Target::NoBoundsQuery});
    std::vector<Argument> args;
    for (const auto &in : algo.inputs) args.push_back(in.param);
    const std::string dir = halyard::harness::scratch_dir();
    const std::string stem = dir + "/" + halide_name;
    try {
        Pipeline(algo.output_stage().func)
            .compile_to({{OutputFileType::c_source, stem + ".cpp"}, {OutputFileType::c_header, stem + ".h"}}, args,
                        halide_name, t);
    } catch (const Halide::Error &e) {
        throw UserError("Halide compile_to_c failed for " + name + ": " + e.what());
    }
    b.files.push_back({halide_name + ".cpp", read_file(stem + ".cpp")});
    b.files.push_back({halide_name + ".h", read_file(stem + ".h")});
    std::filesystem::create_directories(dir + "/halide_cxx_shim");
    for (const auto &s : kShims) std::ofstream(dir + "/halide_cxx_shim/" + s[0]) << "#include <" << s[1] << ">\n";
    b.files.push_back({name + "_glue.cpp", glue(algo, name, halide_name)});
    b.cxx_flags = kCxxFlags;
    b.cxx_flags.replace(b.cxx_flags.find("__DIR__"), 7, dir);
    b.lib.name = name;
    std::ostringstream h;
    h << "#include <stdint.h>\n#ifdef __cplusplus\nextern \"C\" {\n#endif\nint " << name << "(";
    for (size_t i = 0; i < algo.inputs.size(); i++) {
        h << "const " << halyard::c_type_name(algo.inputs[i].type.type) << " *" << algo.inputs[i].type.name << ", ";
    }
    h << halyard::c_type_name(algo.output.type) << " *" << algo.output.name << ");\n"
      << "#ifdef __cplusplus\n}\n#endif\n";
    b.lib.header = h.str();
    b.lib.c_source = "/* " + name + ": Halide compile_to_c output + glue, in " + halide_name + ".cpp and " + name +
                     "_glue.cpp */\n";
    return b;
}

}  // namespace halyard_bench
