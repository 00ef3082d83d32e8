#include "halide_baseline.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bench_rows.h"
#include "halyard/harness/harness.h"

namespace halyard_bench {

using namespace Halide;
using halyard::Algorithm;
using halyard::ElemType;
using halyard::UserError;

namespace {

// Halide's C output and HalideRuntime.h include these C++ headers; the rv32
// toolchain ships no libstdc++, so each is a small header of our own: the C
// counterpart (from picolibc), and for <type_traits> the two traits the
// vector code of autoscheduled schedules uses (NativeVectorOps::convert_from:
// std::is_floating_point, std::is_integral), nothing else from namespace std.
const char *const kShims[][2] = {{"cstddef", "#include <stddef.h>\n"},
                                 {"cstdint", "#include <stdint.h>\n"},
                                 {"cstring", "#include <string.h>\n"},
                                 {"type_traits", R"(#include <stddef.h>
namespace std {
template <class T, T v> struct integral_constant { static constexpr T value = v; };
typedef integral_constant<bool, true> true_type;
typedef integral_constant<bool, false> false_type;
template <class T> struct is_floating_point : false_type {};
template <> struct is_floating_point<float> : true_type {};
template <> struct is_floating_point<double> : true_type {};
template <> struct is_floating_point<long double> : true_type {};
template <class T> struct is_integral : false_type {};
#define HALYARD_SHIM_INTEGRAL(T) template <> struct is_integral<T> : true_type {};
HALYARD_SHIM_INTEGRAL(bool) HALYARD_SHIM_INTEGRAL(char) HALYARD_SHIM_INTEGRAL(signed char)
HALYARD_SHIM_INTEGRAL(unsigned char) HALYARD_SHIM_INTEGRAL(short) HALYARD_SHIM_INTEGRAL(unsigned short)
HALYARD_SHIM_INTEGRAL(int) HALYARD_SHIM_INTEGRAL(unsigned int) HALYARD_SHIM_INTEGRAL(long)
HALYARD_SHIM_INTEGRAL(unsigned long) HALYARD_SHIM_INTEGRAL(long long) HALYARD_SHIM_INTEGRAL(unsigned long long)
#undef HALYARD_SHIM_INTEGRAL
}  // namespace std
)"}};

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
// (over heads for the batched MatMul, rows of tiles when there are at least
// as many as cores, otherwise columns of tiles). No vectorize: RV32IM has no SIMD that
// Halide's C output could use.
std::string schedule(const Algorithm &algo, int cores) {
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
    } else if (M / tm >= cores) {
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
// Halide's heap (halide_malloc / halide_free, for buffers the schedule
// stores on the heap): LIFO arenas (Halide frees in reverse order of
// allocation), one per core for allocations inside parallel tasks (a core's
// tasks run one after another) and one for those outside (compute_root
// buffers, often the largest), carved at entry from the runtime's heaps:
// the cores' arenas in L1, the outer one in what L1 has left and then in L2.
// The cores' 2 KiB stacks (stack.size) cannot hold what Halide allocates on
// the stack (up to 16 KiB), so autoscheduled schedules store every
// intermediate on this heap (store_in_heap below). Only their glue has it:
// the hand schedule (row b) keeps its small buffers on the stack.
const char *const kHeapGlue = R"(namespace {
struct HeapArena {
    char *base, *top, *end;
    void *take(size_t bytes) {
        if (!base || bytes > (size_t)(end - top)) return 0;
        char *p = top;
        top += bytes;
        return p;
    }
    bool give_back(void *p) {  // LIFO: everything above p goes too
        if (!base || (char *)p < base || (char *)p >= top) return false;
        top = (char *)p;
        return true;
    }
};
HeapArena core_arena[HALYARD_CORES], outer_l1, outer_l2;
HeapArena carve(void *(*alloc)(size_t), size_t largest, size_t smallest) {
    for (size_t bytes = largest; bytes >= smallest; bytes /= 2) {
        if (char *p = (char *)alloc(bytes)) return HeapArena{p, p, p + bytes};
    }
    return HeapArena{0, 0, 0};
}
void halide_heap_init() {
    hl_l1_free_all();
    hl_l2_free_all();
    const unsigned cores = hl_core_count();
    HeapArena all = carve(hl_l1_alloc, 16 * 1024 * cores, 1024 * cores);
    for (unsigned c = 0; c < cores; c++) {
        const size_t per_core = (size_t)(all.end - all.base) / cores;
        core_arena[c] = all.base ? HeapArena{all.base + c * per_core, all.base + c * per_core,
                                             all.base + (c + 1) * per_core}
                                 : all;
    }
    outer_l1 = carve(hl_l1_alloc, 256 * 1024, 1024);
    outer_l2 = carve(hl_l2_alloc, 1024 * 1024, 1024);
}
}  // namespace

extern "C" void *halide_malloc(void *, size_t bytes) {
    bytes = (bytes + 7) & ~(size_t)7;
    void *p = 0;
    if (in_par_for) {
        p = core_arena[hl_core_id()].take(bytes);
    } else if (!(p = outer_l1.take(bytes))) {
        p = outer_l2.take(bytes);
    }
    if (!p) {
        hl_printf("halide_malloc: out of memory: a buffer of %u B fits no arena of core %u (%s)\n", (unsigned)bytes,
                  hl_core_id(), in_par_for ? "in a parallel task" : "outside parallel loops");
        hl_exit(3);
    }
    return p;
}
extern "C" void halide_free(void *, void *ptr) {
    if (in_par_for) core_arena[hl_core_id()].give_back(ptr);
    else if (!outer_l1.give_back(ptr)) outer_l2.give_back(ptr);
}

)";

std::string glue(const Algorithm &algo, const std::string &name, const std::string &halide_name, bool heap) {
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
      << "    return p.result;\n}\n\n"
      << (heap ? kHeapGlue : "");
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
    g << (heap ? "    halide_heap_init();\n" : "") << "    return " << halide_name << "(";
    for (size_t i = 0; i < tensors.size(); i++) g << (i ? ", " : "") << "&" << tensors[i].first << "_buf";
    g << ");\n}\n";
    return g.str();
}

}  // namespace

namespace {

std::string plugin_path(const std::string &autoscheduler) {
    if (autoscheduler == "Mullapudi2016") return HALYARD_HALIDE_PLUGIN_MULLAPUDI2016;
    if (autoscheduler == "Li2018") return HALYARD_HALIDE_PLUGIN_LI2018;
    if (autoscheduler == "Adams2019") return HALYARD_HALIDE_PLUGIN_ADAMS2019;
    std::string known;
    for (const auto &n : halide_autoscheduler_names()) known += " " + n;
    throw UserError("Halide autoscheduler '" + autoscheduler + "' is unknown (known:" + known + ")");
}

// Every Func the output calls, on the heap rather than Halide's default
// (the stack, for constant sizes up to 16 KiB): see kHeapGlue.
void store_in_heap(Func output) {
    for (auto &[fname, f] : Halide::Internal::find_transitive_calls(output.function())) {
        if (fname != output.name()) Func(f).store_in(MemoryType::Heap);
    }
}

// Estimates of every input and of the output (the shapes are fixed), then
// the plugin's schedule applied to the Funcs; returns the schedule's source,
// folded to one line for the report.
std::string autoschedule(const Algorithm &algo, const std::string &autoscheduler, const Target &t, int cores,
                         int64_t l1_bytes) {
    static std::set<std::string> loaded;
    if (!loaded.count(autoscheduler)) {
        load_plugin(plugin_path(autoscheduler));
        loaded.insert(autoscheduler);
    }
    for (const auto &in : algo.inputs) {
        ImageParam p = in.param;
        const auto &shape = in.type.shape;
        const int rank = (int)shape.size();
        for (int d = 0; d < rank; d++) p.dim(d).set_estimate(0, shape[rank - 1 - d]);
    }
    Func Y = algo.output_stage().func;
    const auto &shape = algo.output.shape;
    std::vector<std::pair<Expr, Expr>> est;
    for (int d = (int)shape.size() - 1; d >= 0; d--) est.push_back({0, shape[d]});
    Region region;
    for (const auto &e : est) region.push_back(Range(e.first, e.second));
    Y.set_estimates(region);
    // The cluster as Halide's machine model: cores, and L1 as the last-level
    // cache (the operands live in L2, which is as far as memory goes here);
    // balance 40 is Halide's generic default.
    MachineParams mp(cores, (uint64_t)l1_bytes, 40);
    AutoSchedulerResults r = Pipeline(Y).auto_schedule(autoscheduler, t, mp);
    store_in_heap(Y);
    std::string text;
    std::istringstream lines(r.schedule_source);
    for (std::string line; std::getline(lines, line);) {
        const size_t b = line.find_first_not_of(" \t");
        if (b == std::string::npos || line.compare(b, 2, "//") == 0 || line.compare(b, 1, "#") == 0) continue;
        text += (text.empty() ? "" : " ") + line.substr(b);
    }
    return autoscheduler + ": " + text;
}

}  // namespace

HalideBaseline halide_baseline(const Algorithm &algo, const std::string &name, const std::string &autoscheduler,
                               int cores, int64_t l1_bytes) {
    HalideBaseline b;
    const std::string halide_name = name + "_halide";
    // 32-bit, no OS, no runtime, no asserts, no bounds queries: the function
    // body is the loop nest plus one halide_do_par_for call per parallel loop.
    Target t(Target::NoOS, Target::RISCV, 32, {Target::NoRuntime, Target::NoAsserts, Target::NoBoundsQuery});
    try {
        b.schedule = autoscheduler.empty() ? schedule(algo, cores) : autoschedule(algo, autoscheduler, t, cores, l1_bytes);
    } catch (const Halide::Error &e) {
        throw UserError("Halide autoscheduler " + autoscheduler + " failed for " + name + ": " + e.what());
    }
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
    for (const auto &s : kShims) std::ofstream(dir + "/halide_cxx_shim/" + s[0]) << s[1];
    b.files.push_back({name + "_glue.cpp", glue(algo, name, halide_name, !autoscheduler.empty())});
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
