# SPDX-License-Identifier: Apache-2.0
# Test registration: every listed tests/{unit,integration,powerloss}/test_*.c is one cmocka
# executable (a test file in those folders that is not listed stops the configuration).
find_library(CMOCKA_LIB cmocka REQUIRED)

# The fake port is an object library so its symbols are always linked, whatever the link order.
add_library(sdfu_fakeport OBJECT ${CMAKE_SOURCE_DIR}/tests/support/fake_port.c)
target_include_directories(sdfu_fakeport PUBLIC ${CMAKE_SOURCE_DIR}/tests/support ${CMAKE_SOURCE_DIR}/include)
target_compile_options(sdfu_fakeport PRIVATE ${SDFU_HOST_WARNINGS})

sdfu_sources(SDFU_SUPPORT_SOURCES tests/support image_builder.c img_fixture.c smp_test.c test_loop.c
  ELSEWHERE fake_port.c)
add_library(sdfu_testsupport STATIC ${SDFU_SUPPORT_SOURCES})
target_include_directories(sdfu_testsupport PUBLIC ${CMAKE_SOURCE_DIR}/tests/support ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(sdfu_testsupport PUBLIC sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
target_compile_options(sdfu_testsupport PRIVATE ${SDFU_HOST_WARNINGS})
target_compile_definitions(sdfu_testsupport PRIVATE _GNU_SOURCE)

# sdfu_add_cmocka_tests(<folder> <label> <timeout> TESTS <test names>... [LIBS <libraries the
#   folder's tests link first, e.g. its harness>...] [ELSEWHERE <other .c files of the folder>...])
function(sdfu_add_cmocka_tests dir label timeout)
  cmake_parse_arguments(A "" "" "TESTS;LIBS;ELSEWHERE" ${ARGN})
  list(TRANSFORM A_TESTS APPEND .c)
  sdfu_sources(_tests ${dir} ${A_TESTS} ELSEWHERE ${A_ELSEWHERE})
  foreach(src ${_tests})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE ${A_LIBS} sdfu_fakeport sdfu_testsupport sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
    target_compile_options(${name} PRIVATE ${SDFU_HOST_WARNINGS})
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT ${timeout}
      ENVIRONMENT "SDFU_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;SDFU_VENV=${CMAKE_SOURCE_DIR}/.venv")
  endforeach()
endfunction()

file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/test-tmp)
sdfu_add_cmocka_tests(tests/unit unit 120 TESTS
  test_base64 test_ble test_ble_air test_ble_latency test_boot_sim test_crc16 test_crc32 test_dfu_cfgchan
  test_dfu_lock test_dfu_mcumgr test_enum test_evt test_flash test_fuzz_regress test_image test_img
  test_img_inspect test_img_state test_mps2_fmt test_os test_serial test_serial_ep test_smp_cb
  test_smp_cbor test_smp_dispatch test_smp_hdr test_smp_random test_timer test_trailer)
# the fuzz harnesses without libFuzzer's entry point: the regression replay of their corpora
sdfu_sources(SDFU_FUZZ_REGRESS_SOURCES tests/fuzz harness.c fuzz_ble.c fuzz_image.c fuzz_serial.c
  fuzz_smp.c fuzz_upload.c)
target_sources(test_fuzz_regress PRIVATE ${SDFU_FUZZ_REGRESS_SOURCES})
target_compile_definitions(test_fuzz_regress PRIVATE FZ_NO_MAIN=1)
target_include_directories(test_fuzz_regress PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz)
# the firmware's log formatter, built for the host beside its test
target_sources(test_mps2_fmt PRIVATE ${CMAKE_SOURCE_DIR}/port/cortex-m/board/mps2/fmt.c)
target_include_directories(test_mps2_fmt PRIVATE ${CMAKE_SOURCE_DIR}/port/cortex-m/board/mps2)
# several modules together (DFU scenarios, contention, ...)
sdfu_add_cmocka_tests(tests/integration integration 300 TESTS test_contention test_dfu_scenarios)
# The power-loss harness (pl_*.c: the runner and the simulated device with its client).
sdfu_sources(SDFU_PL_SOURCES tests/powerloss pl_device.c pl_runner.c
  ELSEWHERE test_dfu_powerloss.c test_swap_powerloss.c)
add_library(sdfu_plsupport STATIC ${SDFU_PL_SOURCES})
target_include_directories(sdfu_plsupport PUBLIC ${CMAKE_SOURCE_DIR}/tests/powerloss)
target_link_libraries(sdfu_plsupport PUBLIC sdfu_testsupport sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
target_compile_options(sdfu_plsupport PRIVATE ${SDFU_HOST_WARNINGS})
target_compile_definitions(sdfu_plsupport PRIVATE _GNU_SOURCE)
sdfu_add_cmocka_tests(tests/powerloss powerloss 900 TESTS test_dfu_powerloss test_swap_powerloss
  LIBS sdfu_plsupport ELSEWHERE pl_device.c pl_runner.c)

# The core archive must not reference allocation, stdio or socket calls.
add_test(NAME core_symbols
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-core-symbols.sh $<TARGET_FILE:smpdfu>)
set_tests_properties(core_symbols PROPERTIES LABELS unit)
