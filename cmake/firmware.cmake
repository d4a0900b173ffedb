# SPDX-License-Identifier: Apache-2.0
# Cortex-M firmware for QEMU mps2 boards: Mbed TLS from Debian's source package, the crypto port, board, ELF.
#
# Included by CMakeLists.txt for cross builds with SDFU_BOARD set (presets cortex-m4-qemu,
# cortex-m3-qemu). Mbed TLS comes from the source package scripts/setup.sh caches
# (SDFU_MBEDTLS_SRC, default ~/.cache/smpdfu/mbedtls/src), built with
# port/mbedtls/mbedtls_config_baremetal.h. Output: build/<preset>/smpdfu-fw.elf (+ .map, .bin).

if(SDFU_BOARD STREQUAL "mps2-an386")
  set(SDFU_BOARD_DIR ${CMAKE_SOURCE_DIR}/port/cortex-m/board/mps2)
elseif(SDFU_BOARD STREQUAL "mps2-an385")
  set(SDFU_BOARD_DIR ${CMAKE_SOURCE_DIR}/port/cortex-m/board/mps2)
else()
  message(FATAL_ERROR "SDFU_BOARD '${SDFU_BOARD}' unknown (mps2-an386, mps2-an385)")
endif()

if(DEFINED ENV{SDFU_CACHE})
  set(_sdfu_cache $ENV{SDFU_CACHE})
else()
  set(_sdfu_cache $ENV{HOME}/.cache/smpdfu)
endif()
# This firmware has neither a config channel nor BLE: the composition root leaves both modules out.
target_compile_definitions(smpdfu PUBLIC SDFU_STACK_CFGCHAN=0 SDFU_STACK_BLE_LATENCY=0)
set(SDFU_MBEDTLS_SRC ${_sdfu_cache}/mbedtls/src CACHE PATH "Mbed TLS 2.28 source tree (Debian source package)")
if(NOT EXISTS ${SDFU_MBEDTLS_SRC}/library/sha256.c)
  message(FATAL_ERROR "Mbed TLS source not found in ${SDFU_MBEDTLS_SRC}: run scripts/setup.sh")
endif()

# ---- Mbed TLS: only the modules the verify-only configuration enables -------------------
set(_mbedtls_modules asn1parse asn1write bignum constant_time ecdsa ecp ecp_curves md oid
    pk pk_wrap pkparse platform platform_util rsa rsa_internal sha256 memory_buffer_alloc)
set(_mbedtls_sources "")
foreach(m ${_mbedtls_modules})
  list(APPEND _mbedtls_sources ${SDFU_MBEDTLS_SRC}/library/${m}.c)
endforeach()
add_library(sdfu_mbedtls_fw STATIC ${_mbedtls_sources})
target_include_directories(sdfu_mbedtls_fw SYSTEM PUBLIC ${SDFU_MBEDTLS_SRC}/include)
target_include_directories(sdfu_mbedtls_fw PUBLIC ${CMAKE_SOURCE_DIR}/port/mbedtls)
target_compile_definitions(sdfu_mbedtls_fw PUBLIC MBEDTLS_CONFIG_FILE="mbedtls_config_baremetal.h")

# ---- the crypto port (the host's file; Ed25519 is not on the target) ------------------
add_library(sdfu_crypto_fw STATIC ${CMAKE_SOURCE_DIR}/port/mbedtls/crypto_mbedtls.c)
target_link_libraries(sdfu_crypto_fw PUBLIC smpdfu sdfu_mbedtls_fw)
target_compile_definitions(sdfu_crypto_fw PRIVATE SDFU_CRYPTO_ED25519=0)
target_compile_options(sdfu_crypto_fw PRIVATE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter)

# ---- board + firmware image ---------------------------------------------------------
sdfu_sources(SDFU_BOARD_SOURCES port/cortex-m/board/mps2 flash.c fmt.c log.c main.c startup.c uart.c)
add_executable(smpdfu-fw.elf ${SDFU_BOARD_SOURCES})
target_include_directories(smpdfu-fw.elf PRIVATE ${SDFU_BOARD_DIR} ${CMAKE_SOURCE_DIR}/port/cortex-m)
target_compile_definitions(smpdfu-fw.elf PRIVATE MPS2_BOARD_NAME="${SDFU_BOARD}" MPS2_CPU_NAME="${SDFU_CPU}")
target_compile_options(smpdfu-fw.elf PRIVATE ${SDFU_CORE_WARNINGS})
# the core and the crypto port reference each other: one link group
target_link_libraries(smpdfu-fw.elf PRIVATE -Wl,--start-group sdfu_port_cortexm sdfu_crypto_fw smpdfu
  sdfu_zcbor sdfu_mbedtls_fw -Wl,--end-group)
target_link_options(smpdfu-fw.elf PRIVATE -T${SDFU_BOARD_DIR}/mps2.ld -nostartfiles --specs=nano.specs
  -Wl,--gc-sections -Wl,-Map=${CMAKE_BINARY_DIR}/smpdfu-fw.map -Wl,--print-memory-usage)
set_target_properties(smpdfu-fw.elf PROPERTIES LINK_DEPENDS ${SDFU_BOARD_DIR}/mps2.ld)
add_custom_command(TARGET smpdfu-fw.elf POST_BUILD
  COMMAND arm-none-eabi-objcopy -O binary smpdfu-fw.elf smpdfu-fw.bin
  COMMAND arm-none-eabi-size smpdfu-fw.elf
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR} VERBATIM)
