# Runs halyard-sim on a program that must fail: checks the exit status and
# that stderr matches a regular expression (ctest's PASS_REGULAR_EXPRESSION
# alone would accept any status).
#   cmake -DSIM=... -DELF=... -DSTATUS=106 -DREGEX=... [-DARGS=a;b] -P expect_fault.cmake
execute_process(COMMAND ${SIM} ${ARGS} ${ELF} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL STATUS)
    message(FATAL_ERROR "halyard-sim exited with ${status}, expected ${STATUS}")
endif()
if(NOT err MATCHES "${REGEX}")
    message(FATAL_ERROR "the message does not match: ${REGEX}")
endif()
