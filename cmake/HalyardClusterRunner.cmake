# halyard_use_cluster_runner(<target>): give a host program the code that
# builds a generated library into a cluster program and runs it on the
# Verilator model (tests/cluster_kernels/sim_harness, tests/host/jit), with
# the toolchain, runtime and simulator paths it needs. Used by the cluster
# tests and the benchmark harness.
function(halyard_use_cluster_runner target)
    target_sources(${target} PRIVATE
        ${PROJECT_SOURCE_DIR}/tests/host/jit.cpp
        ${PROJECT_SOURCE_DIR}/tests/cluster_kernels/sim_harness.cpp)
    target_include_directories(${target} PRIVATE
        ${PROJECT_SOURCE_DIR}/tests/host ${PROJECT_SOURCE_DIR}/tests/cluster_kernels)
    target_link_libraries(${target} PRIVATE halyard_generators halyard_reference ${CMAKE_DL_LIBS})
    string(REPLACE ";" " " rv32_flags "${HALYARD_RV32_FLAGS}")
    string(REPLACE ";" " " rv32_ldflags "${HALYARD_RV32_LDFLAGS}")
    target_compile_definitions(${target} PRIVATE
        HALYARD_SIM_EXE="${HALYARD_SIM_EXE}"
        HALYARD_RV32_CC="${HALYARD_RV32_CC}"
        HALYARD_RV32_FLAGS="${rv32_flags}"
        HALYARD_RV32_LDFLAGS="${rv32_ldflags}"
        HALYARD_CLUSTER_RUNTIME_DIR="${HALYARD_CLUSTER_RUNTIME_DIR}"
        HALYARD_CLUSTER_GEN_DIR="${HALYARD_CLUSTER_GEN_DIR}"
        HALYARD_CLUSTER_RUNTIME_LIB="${HALYARD_CLUSTER_RUNTIME_LIB}"
        HALYARD_KERNELS_INCLUDE_DIR="${HALYARD_KERNELS_INCLUDE_DIR}")
    add_dependencies(${target} halyard-sim halyard_cluster_runtime)
endfunction()
