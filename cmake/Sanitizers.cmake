# Instrumented builds, each in a build directory of its own:
#   -DHALYARD_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer over
#                          every host library, tool and test (gcc or clang);
#   -DHALYARD_FUZZ=ON      the same plus libFuzzer's coverage instrumentation
#                          (clang only), for the fuzz targets in tests/fuzz.
# UBSan stops at its first report (-fno-sanitize-recover) so a test fails on
# it instead of printing a line nobody reads. Code generated at test time and
# built by the harness, and the cluster's rv32 programs, stay uninstrumented.
if(HALYARD_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HALYARD_FUZZ needs clang's libFuzzer: configure a separate build directory with "
                        "CC=clang-14 CXX=clang++-14 (packages clang-14, libfuzzer-14-dev)")
endif()
if(HALYARD_FUZZ OR HALYARD_SANITIZE)
    set(_halyard_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined)
    add_compile_options(${_halyard_sanitizers} -fno-omit-frame-pointer -g)
    add_link_options(${_halyard_sanitizers})
    if(HALYARD_FUZZ)
        add_compile_options(-fsanitize=fuzzer-no-link)
    endif()
endif()
