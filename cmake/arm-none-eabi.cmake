# SPDX-License-Identifier: Apache-2.0
# Toolchain file for the Cortex-M builds (size build, QEMU firmware presets) with Debian's arm-none-eabi-gcc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
if(NOT SDFU_CPU)
  set(SDFU_CPU cortex-m4)
endif()
set(CMAKE_C_FLAGS_INIT "-mcpu=${SDFU_CPU} -mthumb -Os -ffunction-sections -fdata-sections -fstack-usage")
