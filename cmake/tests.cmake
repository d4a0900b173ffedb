# SPDX-License-Identifier: Apache-2.0
# Test registration: every tests/{unit,integration,powerloss}/test_*.c is one cmocka executable.
find_library(CMOCKA_LIB cmocka REQUIRED)

# The fake port is an object library so its symbols are always linked, whatever the link order.
add_library(sdfu_fakeport OBJECT ${CMAKE_SOURCE_DIR}/tests/support/fake_port.c)
target_include_directories(sdfu_fakeport PUBLIC ${CMAKE_SOURCE_DIR}/tests/support ${CMAKE_SOURCE_DIR}/include)
target_compile_options(sdfu_fakeport PRIVATE ${SDFU_HOST_WARNINGS})

file(GLOB SDFU_SUPPORT_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/support/*.c)
list(REMOVE_ITEM SDFU_SUPPORT_SOURCES ${CMAKE_SOURCE_DIR}/tests/support/fake_port.c)
add_library(sdfu_testsupport STATIC ${SDFU_SUPPORT_SOURCES})
target_include_directories(sdfu_testsupport PUBLIC ${CMAKE_SOURCE_DIR}/tests/support ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(sdfu_testsupport PUBLIC sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
target_compile_options(sdfu_testsupport PRIVATE ${SDFU_HOST_WARNINGS})
target_compile_definitions(sdfu_testsupport PRIVATE _GNU_SOURCE)

# Extra arguments after `timeout`: libraries the folder's tests link first (e.g. its harness).
function(sdfu_add_cmocka_tests dir label timeout)
  file(GLOB _tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/test_*.c)
  foreach(src ${_tests})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE ${ARGN} sdfu_fakeport sdfu_testsupport sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
    target_compile_options(${name} PRIVATE ${SDFU_HOST_WARNINGS})
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT ${timeout}
      ENVIRONMENT "SDFU_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;SDFU_VENV=${CMAKE_SOURCE_DIR}/.venv")
  endforeach()
endfunction()

file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/test-tmp)
sdfu_add_cmocka_tests(tests/unit unit 120)
# several modules together (DFU scenarios, contention, ...)
sdfu_add_cmocka_tests(tests/integration integration 300)
# The power-loss harness (pl_*.c: the runner and the simulated device with its client).
file(GLOB SDFU_PL_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/powerloss/pl_*.c)
add_library(sdfu_plsupport STATIC ${SDFU_PL_SOURCES})
target_include_directories(sdfu_plsupport PUBLIC ${CMAKE_SOURCE_DIR}/tests/powerloss)
target_link_libraries(sdfu_plsupport PUBLIC sdfu_testsupport sdfu_sim smpdfu sdfu_crypto ${CMOCKA_LIB})
target_compile_options(sdfu_plsupport PRIVATE ${SDFU_HOST_WARNINGS})
target_compile_definitions(sdfu_plsupport PRIVATE _GNU_SOURCE)
sdfu_add_cmocka_tests(tests/powerloss powerloss 900 sdfu_plsupport)

# The core archive must not reference allocation, stdio or socket calls.
add_test(NAME core_symbols
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-core-symbols.sh $<TARGET_FILE:smpdfu>)
set_tests_properties(core_symbols PROPERTIES LABELS unit)
