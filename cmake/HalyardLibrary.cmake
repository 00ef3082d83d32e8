# halyard_add_library(): turn a generator + parameters + target (+ schedule)
# into a static library (.a + .h), in the spirit of Halide's
# add_halide_library().
#
#   halyard_add_library(<name>
#       GENERATOR <family>                 # requant_shift, gemm, matmul, add
#       [TARGET host|rv32|cluster|<file>]  # default: host; cluster code needs
#                                          # HALYARD_CLUSTER_INCLUDE_DIRS (runtime + kernels)
#       [FUNCTION_NAME <c_name>]           # default: <name>
#       [SCHEDULE <file>]                  # default: the (op, target) default
#       [PARAMS key=value ...])
#
# Creates target <name>: a STATIC library for host, an IMPORTED static library
# built with the RISC-V toolchain for rv32/cluster. Its include directory holds
# <c_name>.h; <c_name>.report.txt beside it describes the loop nest, arenas,
# DMA transfers and kernels.
#
# Needs: the halyard-generate tool (target Halyard::generate) and
# HALYARD_TARGETS_DIR (where host.target etc. live); both are set by the build
# tree and by find_package(Halyard).
include_guard(GLOBAL)
set(_HALYARD_LIBRARY_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

set(HALYARD_RISCV_CC "riscv64-unknown-elf-gcc" CACHE STRING "C compiler for rv32/cluster Halyard libraries")
set(HALYARD_RISCV_AR "riscv64-unknown-elf-ar" CACHE STRING "Archiver for rv32/cluster Halyard libraries")

# _halyard_target_value(<file> <key> <out>): the value of <key> in a target
# description, following "include" lines (a later line overrides).
function(_halyard_target_value file key out)
    set(value "")
    file(STRINGS "${file}" lines)
    get_filename_component(dir "${file}" DIRECTORY)
    foreach(line IN LISTS lines)
        string(REGEX REPLACE "#.*" "" line "${line}")
        string(STRIP "${line}" line)
        if(line MATCHES "^include[ \t]+([^ \t]+)")
            _halyard_target_value("${dir}/${CMAKE_MATCH_1}" ${key} inc)
            if(NOT inc STREQUAL "")
                set(value "${inc}")
            endif()
        elseif(line MATCHES "^${key}[ \t]+([^ \t]+)")
            set(value "${CMAKE_MATCH_1}")
        endif()
    endforeach()
    set(${out} "${value}" PARENT_SCOPE)
endfunction()

# -march/-mabi are not part of these: they come from the library's target
# description (_halyard_arch_flags), so the C compiler builds for the ISA the
# Halyard compiler generated code for.
set(HALYARD_RISCV_CFLAGS "--specs=picolibc.specs;-std=c99;-O3;-Wall;-Wextra"
    CACHE STRING "Flags for compiling rv32 Halyard libraries (;-separated; -march/-mabi come from the target)")
# Measured on the cluster model (decode KV 128 / prefill 64 cycles, README):
# -fno-tree-slp-vectorize: at -O2 gcc 12 packs a kernel epilogue's four int8
#   stores into one word store through shifts, masks and ors (about 3 extra
#   instructions per byte on a core without SIMD stores): prefill scores
#   98.9 k -> 85.3 k cycles per call without it;
# -funroll-loops -fno-schedule-insns: the loops generated code leaves rolled
#   (row tails, copy and DMA-wait loops, reductions) unrolled, and no
#   scheduling before register allocation, which spills in unrolled bodies:
#   decode 428.7 k -> 398.8 k, prefill 7.86 M -> 7.55 M (either alone gains
#   less or loses). The model has no instruction cache, so the 20 KB of extra
#   code costs nothing there.
# Same in HALYARD_RV32_FLAGS (targets/cluster/CMakeLists.txt).
set(HALYARD_CLUSTER_CFLAGS
    "-std=c99;-misa-spec=2.2;-mno-relax;-O2;-ffreestanding;-fno-tree-slp-vectorize;-funroll-loops;-fno-schedule-insns;-Wall;-Wextra"
    CACHE STRING "Flags for compiling Halyard libraries for the cluster (runtime halyard_rt) (;-separated; -march/-mabi come from the target)")

# _halyard_arch_flags(<file> <out>): -march and -mabi for code built for the
# target description <file>: its key `isa` (an rv32 base ISA such as rv32im;
# ilp32 has no floating-point registers, so an ISA with F or D is refused).
function(_halyard_arch_flags file out)
    _halyard_target_value("${file}" isa isa)
    if(NOT isa MATCHES "^rv32i([a-z]*)(_[a-z0-9]+)*$" OR CMAKE_MATCH_1 MATCHES "[fdgq]")
        message(FATAL_ERROR "${file}: key 'isa' = '${isa}' is not an rv32 integer base ISA "
                            "(-march value such as rv32im, built with -mabi=ilp32)")
    endif()
    set(${out} "-march=${isa};-mabi=ilp32" PARENT_SCOPE)
endfunction()

# The cluster's: the runtime, its test programs and the fuzz seeds are built
# with these (targets/cluster, tests/fuzz).
if(EXISTS "${HALYARD_TARGETS_DIR}/cluster.target")
    _halyard_arch_flags("${HALYARD_TARGETS_DIR}/cluster.target" HALYARD_CLUSTER_ARCH_FLAGS)
endif()

# _halyard_resolve_target(<caller> <target> <out_file>): the description file of
# a built-in target name or a .target path, so the generator and every consumer
# read the same parameters.
function(_halyard_resolve_target caller target out)
    if(target MATCHES "\\.target$")
        get_filename_component(file "${target}" ABSOLUTE)
    else()
        set(file "${HALYARD_TARGETS_DIR}/${target}.target")
    endif()
    if(NOT EXISTS "${file}")
        message(FATAL_ERROR "${caller}: unknown target '${target}' (no ${file})")
    endif()
    set(${out} "${file}" PARENT_SCOPE)
endfunction()

# _halyard_cross_cflags(<caller> <target> <target_file> <runtime> <out>): flags
# for compiling generated C for a non-host target; code for the cluster
# includes its runtime (fork/join, DMA) and kernels.
function(_halyard_cross_cflags caller target target_file runtime out)
    set(cflags ${HALYARD_RISCV_CFLAGS})
    if(runtime STREQUAL "halyard_rt")
        if(NOT HALYARD_CLUSTER_INCLUDE_DIRS)
            message(FATAL_ERROR "${caller}: target ${target} needs the cluster runtime headers "
                                "(HALYARD_CLUSTER_INCLUDE_DIRS); build Halyard with HALYARD_BUILD_CLUSTER=ON")
        endif()
        set(cflags ${HALYARD_CLUSTER_CFLAGS})
        foreach(dir IN LISTS HALYARD_CLUSTER_INCLUDE_DIRS)
            list(APPEND cflags "-I${dir}")
        endforeach()
    endif()
    _halyard_arch_flags("${target_file}" arch)
    list(APPEND cflags ${arch})  # last: it wins over a -march left in an older cache
    set(${out} ${cflags} PARENT_SCOPE)
endfunction()

function(halyard_add_library name)
    cmake_parse_arguments(ARG "" "GENERATOR;TARGET;FUNCTION_NAME;SCHEDULE" "PARAMS" ${ARGN})
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "halyard_add_library(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_GENERATOR)
        message(FATAL_ERROR "halyard_add_library(${name}): GENERATOR is required")
    endif()
    if(NOT ARG_TARGET)
        set(ARG_TARGET host)
    endif()
    if(NOT ARG_FUNCTION_NAME)
        set(ARG_FUNCTION_NAME ${name})
    endif()
    if(NOT TARGET Halyard::generate)
        message(FATAL_ERROR "halyard_add_library(${name}): Halyard::generate is not defined; use find_package(Halyard)")
    endif()

    _halyard_resolve_target("halyard_add_library(${name})" "${ARG_TARGET}" target_file)
    _halyard_target_value("${target_file}" isa isa)
    _halyard_target_value("${target_file}" runtime runtime)
    file(GLOB target_deps "${HALYARD_TARGETS_DIR}/*.target")

    set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.halyard")
    file(MAKE_DIRECTORY "${out}")
    set(fn ${ARG_FUNCTION_NAME})
    set(schedule_args "")
    set(schedule_dep "")
    if(ARG_SCHEDULE)
        get_filename_component(schedule_file "${ARG_SCHEDULE}" ABSOLUTE)
        set(schedule_args --schedule "${schedule_file}")
        set(schedule_dep "${schedule_file}")
    endif()
    add_custom_command(
        OUTPUT "${out}/${fn}.c" "${out}/${fn}.h" "${out}/${fn}.report.txt"
        COMMAND Halyard::generate ${ARG_GENERATOR} --name ${fn} --out "${out}" --target "${target_file}"
                ${schedule_args} ${ARG_PARAMS}
        DEPENDS Halyard::generate ${schedule_dep} ${target_deps}
        COMMENT "Generating Halyard library ${fn} (${ARG_GENERATOR}, ${ARG_TARGET})"
        VERBATIM)

    if(isa STREQUAL "host")
        add_library(${name} STATIC "${out}/${fn}.c" "${out}/${fn}.h")
        target_include_directories(${name} PUBLIC "${out}")
        set_target_properties(${name} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
                                                 LINKER_LANGUAGE C)
    else()
        _halyard_cross_cflags("halyard_add_library(${name})" "${ARG_TARGET}" "${target_file}" "${runtime}" cflags)
        add_custom_command(
            OUTPUT "${out}/lib${fn}.a"
            COMMAND ${HALYARD_RISCV_CC} ${cflags} -c "${out}/${fn}.c" -o "${out}/${fn}.o"
            COMMAND ${CMAKE_COMMAND} -E rm -f "${out}/lib${fn}.a"
            COMMAND ${HALYARD_RISCV_AR} rcs "${out}/lib${fn}.a" "${out}/${fn}.o"
            DEPENDS "${out}/${fn}.c" "${out}/${fn}.h"
            COMMENT "Compiling Halyard library ${fn} for ${ARG_TARGET}"
            VERBATIM)
        add_custom_target(${name}_archive ALL DEPENDS "${out}/lib${fn}.a")
        if(runtime STREQUAL "halyard_rt" AND TARGET halyard_cluster_generated)
            add_dependencies(${name}_archive halyard_cluster_generated)  # halyard_target_params.h
        endif()
        add_library(${name} STATIC IMPORTED GLOBAL)
        set_target_properties(${name} PROPERTIES
            IMPORTED_LOCATION "${out}/lib${fn}.a"
            INTERFACE_INCLUDE_DIRECTORIES "${out}")
        add_dependencies(${name} ${name}_archive)
    endif()
    set_property(TARGET ${name} PROPERTY HALYARD_REPORT "${out}/${fn}.report.txt")
    set_property(TARGET ${name} PROPERTY HALYARD_SOURCE "${out}/${fn}.c")
endfunction()

# halyard_add_network(): a whole Deeploy-dialect ONNX model as one static
# library (<name>.h declares `int <name>_run(inputs..., outputs...)`), made by
# halyard-deploy (generators/network) at build time.
#
#   halyard_add_network(<name>
#       MODEL <file.onnx>
#       [TARGET host|cluster|<file>]       # default: host
#       [CORES <n>] [L1 <bytes>]           # cluster: cores used, L1 budget for data
#       [SCHEDULES <dir>]                  # <node name>.sched / <family>.sched
#       [INPUT_TYPES name=type ...]        # default int8
#       [NO_FUSION])
#
# Creates an IMPORTED static library <name>; <name>.report.txt beside its
# header lists the rewrites, the kernels, the memory plan and every call.
function(halyard_add_network name)
    cmake_parse_arguments(ARG "NO_FUSION" "MODEL;TARGET;CORES;L1;SCHEDULES" "INPUT_TYPES" ${ARGN})
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "halyard_add_network(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_MODEL)
        message(FATAL_ERROR "halyard_add_network(${name}): MODEL is required")
    endif()
    get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
    get_source_file_property(model_generated "${model}" GENERATED)
    if(NOT EXISTS "${model}" AND NOT model_generated)
        message(FATAL_ERROR "halyard_add_network(${name}): MODEL ${model} does not exist")
    endif()
    if(NOT TARGET Halyard::deploy)
        message(FATAL_ERROR "halyard_add_network(${name}): Halyard::deploy is not defined; use find_package(Halyard)")
    endif()
    if(NOT ARG_TARGET)
        set(ARG_TARGET host)
    endif()
    _halyard_resolve_target("halyard_add_network(${name})" "${ARG_TARGET}" target_file)
    _halyard_target_value("${target_file}" isa isa)
    _halyard_target_value("${target_file}" runtime runtime)
    set(args --name ${name} --target "${target_file}")
    if(ARG_CORES)
        list(APPEND args --cores ${ARG_CORES})
    endif()
    if(ARG_L1)
        list(APPEND args --l1 ${ARG_L1})
    endif()
    if(ARG_SCHEDULES)
        get_filename_component(sched "${ARG_SCHEDULES}" ABSOLUTE)
        list(APPEND args --schedules "${sched}")
    endif()
    foreach(t IN LISTS ARG_INPUT_TYPES)
        list(APPEND args --input-type ${t})
    endforeach()
    if(ARG_NO_FUSION)
        list(APPEND args --no-fusion)
    endif()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.halyard")
    file(MAKE_DIRECTORY "${out}")
    if(isa STREQUAL "host")
        set(cc "${CMAKE_C_COMPILER}")
        set(ar "${CMAKE_AR}")
        set(cflags -std=c99 -O2)
    else()
        set(cc "${HALYARD_RISCV_CC}")
        set(ar "${HALYARD_RISCV_AR}")
        _halyard_cross_cflags("halyard_add_network(${name})" "${ARG_TARGET}" "${target_file}" "${runtime}" cflags)
    endif()
    string(REPLACE ";" " " cflags_str "${cflags}")
    # The kernels' file names are known only after generation: one command
    # generates, then compiles every .c of the output directory.
    add_custom_command(
        OUTPUT "${out}/lib${name}.a" "${out}/${name}.h" "${out}/${name}.report.txt"
        COMMAND ${CMAKE_COMMAND} -E rm -rf "${out}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
        COMMAND Halyard::deploy "${model}" --out "${out}" ${args}
        COMMAND ${CMAKE_COMMAND} -DDIR=${out} -DCC=${cc} -DAR=${ar} "-DCFLAGS=${cflags_str}" -DLIB=${out}/lib${name}.a
                -P "${_HALYARD_LIBRARY_CMAKE_DIR}/HalyardArchive.cmake"
        DEPENDS Halyard::deploy "${model}" "${target_file}"
        COMMENT "Compiling network ${name} (${ARG_MODEL}, ${ARG_TARGET}) with halyard-deploy"
        VERBATIM)
    add_custom_target(${name}_archive ALL DEPENDS "${out}/lib${name}.a")
    if(runtime STREQUAL "halyard_rt" AND TARGET halyard_cluster_generated)
        add_dependencies(${name}_archive halyard_cluster_generated)
    endif()
    add_library(${name} STATIC IMPORTED GLOBAL)
    set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${out}/lib${name}.a" INTERFACE_INCLUDE_DIRECTORIES "${out}")
    add_dependencies(${name} ${name}_archive)
    set_property(TARGET ${name} PROPERTY HALYARD_REPORT "${out}/${name}.report.txt")
endfunction()
