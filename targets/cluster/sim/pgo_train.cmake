# halyard-sim's PGO training (targets/cluster/CMakeLists.txt, HALYARD_SIM_PGO):
#   cmake -DSIM=<instrumented halyard-sim> -DELF=<pgo_train.elf> -DGEN_DIR=<its build dir>
#         -DUSE_DIR=<final build dir> [-DLLVM_PROFDATA=<llvm-profdata>] -P pgo_train.cmake
# Runs the instrumented simulator once on a fresh profile, puts the profile
# into the final build directory and removes that directory's objects, so the
# final build compiles everything with the new profile. GCC (no LLVM_PROFDATA):
# the *.gcda files, named after the objects, which both builds name alike.
# clang (LLVM_PROFDATA): GEN_DIR/prof/*.profraw merged into
# USE_DIR/halyard-sim.profdata.
file(GLOB _old "${GEN_DIR}/*.gcda" "${GEN_DIR}/prof/*.profraw")
if(_old)
    file(REMOVE ${_old})
endif()
execute_process(COMMAND ${SIM} --quiet ${ELF} RESULT_VARIABLE _rc OUTPUT_QUIET)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "halyard-sim PGO training: ${SIM} ${ELF} exited with ${_rc}")
endif()
if(LLVM_PROFDATA)
    file(GLOB _prof "${GEN_DIR}/prof/*.profraw")
else()
    file(GLOB _prof "${GEN_DIR}/*.gcda")
endif()
if(NOT _prof)
    message(FATAL_ERROR "halyard-sim PGO training wrote no profile in ${GEN_DIR}")
endif()
file(MAKE_DIRECTORY ${USE_DIR})
file(GLOB _stale "${USE_DIR}/*.o" "${USE_DIR}/*.a" "${USE_DIR}/*.gcda" "${USE_DIR}/halyard-sim.profdata"
                 "${USE_DIR}/halyard-sim")
if(_stale)
    file(REMOVE ${_stale})
endif()
if(LLVM_PROFDATA)
    execute_process(COMMAND ${LLVM_PROFDATA} merge -o ${USE_DIR}/halyard-sim.profdata ${_prof} RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "halyard-sim PGO training: ${LLVM_PROFDATA} merge exited with ${_rc}")
    endif()
else()
    file(COPY ${_prof} DESTINATION ${USE_DIR})
endif()
file(TOUCH ${USE_DIR}/pgo.stamp)
