# SPDX-License-Identifier: Apache-2.0
# Locate zcbor's C sources inside the pinned zcbor PyPI package installed by scripts/setup.sh.
if(NOT SDFU_ZCBOR_DIR)
  set(_py "${CMAKE_SOURCE_DIR}/.venv/bin/python")
  if(NOT EXISTS "${_py}")
    message(FATAL_ERROR "zcbor not found: run scripts/setup.sh first (or pass -DSDFU_ZCBOR_DIR=...)")
  endif()
  execute_process(COMMAND "${_py}" -c "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('zcbor').origin))"
                  OUTPUT_VARIABLE _zdir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _zrc)
  if(NOT _zrc EQUAL 0 OR NOT EXISTS "${_zdir}/src/zcbor_decode.c")
    message(FATAL_ERROR "zcbor C sources not found in the venv (${_zdir})")
  endif()
  set(SDFU_ZCBOR_DIR "${_zdir}" CACHE PATH "zcbor package directory (holds src/ and include/)")
endif()
message(STATUS "zcbor: ${SDFU_ZCBOR_DIR}")
