# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Test support for the examples (examplesupport.h): each example's CMakeLists.txt includes this
# file when it finds it, and adds the harness and the example's own smoke file to its target:
#
#   add_example_support(<target> smoke.cpp)
#
# The harness is dormant unless PM_EXAMPLE_SMOKE, PM_EXAMPLE_SCREENSHOT or PM_EXAMPLE_PEER is
# set; main.cpp does not call it. A copy of an example's folder builds without it.
function(add_example_support target)
    set(dir ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
    target_sources(${target} PRIVATE ${dir}/examplesupport.h ${dir}/examplesupport.cpp ${ARGN})
    target_include_directories(${target} PRIVATE ${dir})
endfunction()
