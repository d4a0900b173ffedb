# SPDX-License-Identifier: Apache-2.0
# The size build (preset size-cortex-m4): the core with bench/size_config.h, zcbor, the Cortex-M
# reference port, bench/size_app.c and the crypto stubs, linked like bench/size_report.py does it
# (--gc-sections, newlib-nano, no startup files, bench/size_app.ld). Output:
# build/<preset>/smpdfu-size.elf (+ .map). SDFU_SIZE_APP picks the variant: smp_svr (SMP hooks
# off) or dfu (hooks on: event bus, DFU modules).
if(NOT SDFU_SIZE_APP MATCHES "^(smp_svr|dfu)$")
  message(FATAL_ERROR "SDFU_SIZE_APP '${SDFU_SIZE_APP}' unknown (smp_svr, dfu)")
endif()
if(NOT SDFU_CONFIG_FILE)
  message(FATAL_ERROR "the size build needs SDFU_CONFIG_FILE (bench/size_config.h)")
endif()

add_executable(smpdfu-size.elf ${CMAKE_SOURCE_DIR}/bench/size_app.c ${CMAKE_SOURCE_DIR}/bench/size_crypto_stub.c)
target_compile_definitions(smpdfu-size.elf PRIVATE SIZE_APP_DFU=$<STREQUAL:${SDFU_SIZE_APP},dfu>)
target_compile_options(smpdfu-size.elf PRIVATE -Wall -Wextra -Wno-unused-parameter)
target_include_directories(smpdfu-size.elf PRIVATE ${CMAKE_SOURCE_DIR}/src)
# the core and the crypto stubs reference each other: one link group
target_link_libraries(smpdfu-size.elf PRIVATE -Wl,--start-group sdfu_port_cortexm smpdfu sdfu_zcbor
  -Wl,--end-group)
target_link_options(smpdfu-size.elf PRIVATE -nostartfiles --specs=nano.specs --specs=nosys.specs
  -T${CMAKE_SOURCE_DIR}/bench/size_app.ld -Wl,--gc-sections -Wl,-Map=${CMAKE_BINARY_DIR}/smpdfu-size.map)
set_target_properties(smpdfu-size.elf PROPERTIES LINK_DEPENDS ${CMAKE_SOURCE_DIR}/bench/size_app.ld)
add_custom_command(TARGET smpdfu-size.elf POST_BUILD COMMAND arm-none-eabi-size smpdfu-size.elf
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR} VERBATIM)
