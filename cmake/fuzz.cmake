# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets (tests/fuzz/fuzz_*.c): clang only; the core, zcbor, the crypto port, the
# simulated flash and the fake port are rebuilt here with the fuzzer + ASan + UBSan flags.
#
#   cmake --preset fuzz && cmake --build --preset fuzz     # build/fuzz, target fuzz_all
#   tests/fuzz/run.sh            # builds and runs every target for FUZZ_SECONDS (default 20)
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SDFU_FUZZ needs clang (CC=clang), not ${CMAKE_C_COMPILER_ID}")
endif()

set(SDFU_FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -g)
# -O1 as libFuzzer recommends (the Debug build type would give -O0: 3-5x fewer executions)
set(SDFU_FUZZ_CFLAGS -fsanitize=fuzzer-no-link ${SDFU_FUZZ_SAN} -O1)

add_library(fz_zcbor STATIC
  ${SDFU_ZCBOR_DIR}/src/zcbor_common.c
  ${SDFU_ZCBOR_DIR}/src/zcbor_decode.c
  ${SDFU_ZCBOR_DIR}/src/zcbor_encode.c)
target_include_directories(fz_zcbor SYSTEM PUBLIC ${SDFU_ZCBOR_DIR}/include)
target_compile_options(fz_zcbor PRIVATE ${SDFU_FUZZ_CFLAGS} -w)

# The core, with the same sources as libsmpdfu (SDFU_CORE_SOURCES from the top CMakeLists).
add_library(fz_smpdfu STATIC ${SDFU_CORE_SOURCES})
target_include_directories(fz_smpdfu PUBLIC ${CMAKE_SOURCE_DIR}/include PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(fz_smpdfu PUBLIC fz_zcbor)
target_compile_options(fz_smpdfu PRIVATE ${SDFU_FUZZ_CFLAGS} ${SDFU_CORE_WARNINGS}
  -fsanitize-coverage-ignorelist=${CMAKE_SOURCE_DIR}/tests/fuzz/coverage_ignore.txt)
if(SDFU_CONFIG_FILE)
  target_compile_definitions(fz_smpdfu PUBLIC SDFU_CONFIG_FILE="${SDFU_CONFIG_FILE}")
endif()

# Host pieces the harnesses need: Mbed TLS crypto port, RAM/file flash simulation, fake port.
add_library(fz_host STATIC
  ${CMAKE_SOURCE_DIR}/port/mbedtls/crypto_mbedtls.c
  ${CMAKE_SOURCE_DIR}/sim/flash/sim_flash.c ${CMAKE_SOURCE_DIR}/sim/flash/sim_flash_setup.c
  ${CMAKE_SOURCE_DIR}/tests/support/fake_port.c)
target_include_directories(fz_host PUBLIC ${CMAKE_SOURCE_DIR}/sim ${CMAKE_SOURCE_DIR}/tests/support)
target_link_libraries(fz_host PUBLIC fz_smpdfu ${MBEDCRYPTO_LIB} ${SODIUM_LIB})
target_compile_options(fz_host PRIVATE ${SDFU_FUZZ_CFLAGS} ${SDFU_HOST_WARNINGS})
target_compile_definitions(fz_host PRIVATE _GNU_SOURCE)

sdfu_sources(SDFU_FUZZ_TARGETS tests/fuzz fuzz_ble.c fuzz_image.c fuzz_serial.c fuzz_smp.c fuzz_upload.c
  ELSEWHERE harness.c)
set(SDFU_FUZZ_NAMES "")
foreach(src ${SDFU_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/harness.c
    ${CMAKE_SOURCE_DIR}/tests/support/image_builder.c)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE fz_host fz_smpdfu fz_zcbor ${MBEDCRYPTO_LIB})
  target_compile_options(${name} PRIVATE ${SDFU_FUZZ_CFLAGS} ${SDFU_HOST_WARNINGS})
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer ${SDFU_FUZZ_SAN})
  list(APPEND SDFU_FUZZ_NAMES ${name})
endforeach()
if(SDFU_FUZZ_NAMES)
  add_custom_target(fuzz_all DEPENDS ${SDFU_FUZZ_NAMES})
endif()
