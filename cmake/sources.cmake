# SPDX-License-Identifier: Apache-2.0
# Explicit source lists with a guard: a .c file in a listed folder that no list names is an
# error at configure time (it would silently not be built or not run), as is a listed file
# that does not exist.
#
#   sdfu_sources(<out-var> <folder> [RECURSE] <file relative to folder>...
#                [ELSEWHERE <files another list of the folder names>...])
#
# sets <out-var> to the full paths. RECURSE: the guard looks into subfolders too.
function(sdfu_sources out dir)
  cmake_parse_arguments(A "RECURSE" "" "ELSEWHERE" ${ARGN})
  set(files "")
  foreach(f ${A_UNPARSED_ARGUMENTS})
    set(p ${CMAKE_SOURCE_DIR}/${dir}/${f})
    if(NOT EXISTS ${p})
      message(FATAL_ERROR "${dir}/${f} is listed in the build but does not exist")
    endif()
    list(APPEND files ${p})
  endforeach()
  if(A_RECURSE)
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.c)
  else()
    file(GLOB found CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.c)
  endif()
  set(known ${files})
  foreach(f ${A_ELSEWHERE})
    list(APPEND known ${CMAKE_SOURCE_DIR}/${dir}/${f})
  endforeach()
  foreach(p ${found})
    if(NOT p IN_LIST known)
      file(RELATIVE_PATH r ${CMAKE_SOURCE_DIR} ${p})
      message(FATAL_ERROR "${r} is in no source list: add it where ${dir} is listed (CMakeLists.txt, cmake/*.cmake)")
    endif()
  endforeach()
  set(${out} ${files} PARENT_SCOPE)
endfunction()
