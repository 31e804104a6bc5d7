# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# cmake -P script; see CMakeLists.txt next to it.
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "failed (${result}): ${ARGN}\n${output}")
    endif()
    set(last_output "${output}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file include/PersistentMap/PersistentMap include/PersistentMap/persistentmap.h
        include/PersistentMap/persistentmap_export.h lib/cmake/PersistentMap/PersistentMapConfig.cmake)
    if(NOT EXISTS ${prefix}/${file})
        message(FATAL_ERROR "not installed: ${file}")
    endif()
endforeach()

if(WITH_PMCTL)
    # pmctl is installed into bin/ and runs from there, finding the installed library.
    set(pmctl ${prefix}/bin/pmctl)
    if(NOT EXISTS ${pmctl})
        message(FATAL_ERROR "not installed: bin/pmctl")
    endif()
    run(${pmctl} --version)
    if(NOT last_output MATCHES "^pmctl [0-9]")
        message(FATAL_ERROR "the installed pmctl --version printed:\n${last_output}")
    endif()
    set(store sqlite:${WORK_DIR}/data/pmctl.db)
    run(${pmctl} ${store} set answer 42 --type int)
    run(${pmctl} ${store} get answer)
    if(NOT last_output STREQUAL "42\n")
        message(FATAL_ERROR "the installed pmctl read back:\n${last_output}")
    endif()
endif()

if(WITH_QML)
    # The QML module ships its type information, named by its qmldir: what qmllint, the QML
    # compiler and Qt Creator's code model read from the prefix.
    set(module ${prefix}/lib/qml/PersistentMap)
    file(STRINGS ${module}/qmldir typeinfo REGEX "^typeinfo ")
    string(REGEX REPLACE "^typeinfo +" "" typeinfo "${typeinfo}")
    if(NOT typeinfo OR NOT EXISTS ${module}/${typeinfo})
        message(FATAL_ERROR "the installed qmldir names no type information that exists: '${typeinfo}'")
    endif()
    if(QMLLINT)
        # Fails on any warning (its exit code), such as a type it cannot find.
        run(${QMLLINT} -I ${prefix}/lib/qml ${SOURCE_DIR}/examples/qml-notes/Main.qml
            ${SOURCE_DIR}/examples/shared-settings/Main.qml)
        if(last_output MATCHES "Warning:")
            message(FATAL_ERROR "qmllint against the installed module:\n${last_output}")
        endif()
    endif()
endif()

# Every example builds on its own against the installed package, as it does in Qt Creator.
set(projects quickstart backends custom-backend widgets-editor consumer oldnames newnames)
if(WITH_QML)
    list(APPEND projects qml-notes shared-settings qmlconsumer)
endif()
foreach(project IN LISTS projects)
    if(EXISTS ${SOURCE_DIR}/examples/${project})
        set(source ${SOURCE_DIR}/examples/${project})
    else()
        set(source ${SOURCE_DIR}/tests/install/${project})
    endif()
    run(${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/${project} -G ${GENERATOR}
        -DCMAKE_PREFIX_PATH=${prefix} -DQt6_DIR=${Qt6_DIR}
        -DCMAKE_CXX_FLAGS=-Wall\ -Wextra\ -Werror)
    run(${CMAKE_COMMAND} --build ${WORK_DIR}/${project})
    # The old names are deprecated aliases: the compiler names their uses.
    if(project STREQUAL "oldnames" AND NOT last_output MATCHES "deprecated")
        message(FATAL_ERROR "the old names compiled without a deprecation warning:\n${last_output}")
    endif()
endforeach()
run(${WORK_DIR}/oldnames/oldnames ${WORK_DIR}/data)
run(${WORK_DIR}/newnames/newnames)

# The installed headers: no private one, and each compiles on its own, with and without the old
# names, warning-free.
set(headers_dir ${WORK_DIR}/headers)
file(GLOB installed_headers RELATIVE ${prefix}/include/PersistentMap
    ${prefix}/include/PersistentMap/*)
set(header_sources)
foreach(header IN LISTS installed_headers)
    file(READ ${prefix}/include/PersistentMap/${header} text)
    if(header MATCHES "_p\\.h$" OR text MATCHES "_p\\.h[\">]" OR text MATCHES "PersistentMapInternal")
        message(FATAL_ERROR "a private header, or one that needs one, is installed: ${header}")
    endif()
    string(MAKE_C_IDENTIFIER ${header} name)
    file(WRITE ${headers_dir}/${name}.cpp "#include <PersistentMap/${header}>\n")
    list(APPEND header_sources ${name}.cpp)
endforeach()
file(WRITE ${headers_dir}/CMakeLists.txt "cmake_minimum_required(VERSION 3.21)
project(headers LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(PersistentMap REQUIRED)
add_library(headers OBJECT ${header_sources})
target_link_libraries(headers PRIVATE PersistentMap::PersistentMap)
add_library(headers_new_names OBJECT ${header_sources})
target_compile_definitions(headers_new_names PRIVATE PERSISTENTMAP_NO_DEPRECATED_NAMES)
target_link_libraries(headers_new_names PRIVATE PersistentMap::PersistentMap)
")
run(${CMAKE_COMMAND} -S ${headers_dir} -B ${headers_dir}/build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DQt6_DIR=${Qt6_DIR}
    -DCMAKE_CXX_FLAGS=-Wall\ -Wextra\ -Wpedantic\ -Werror)
run(${CMAKE_COMMAND} --build ${headers_dir}/build)

# The example persists between runs.
set(store ${WORK_DIR}/data/quickstart.db)
run(${WORK_DIR}/quickstart/quickstart ${store})
run(${WORK_DIR}/quickstart/quickstart ${store})
if(NOT last_output MATCHES "This is run number 2")
    message(FATAL_ERROR "the second run of quickstart did not see the first:\n${last_output}")
endif()

run(${WORK_DIR}/consumer/consumer ${WORK_DIR}/data)
message(STATUS "${last_output}")

# The GUI examples start offscreen from the installed package and, with their test support on
# (PM_EXAMPLE_SMOKE=1: examples/shared/examplesupport.h), fail on any warning.
file(MAKE_DIRECTORY ${WORK_DIR}/xdg-runtime)
file(CHMOD ${WORK_DIR}/xdg-runtime DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(gui_env ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=${WORK_DIR}/xdg-runtime
    PM_EXAMPLE_SMOKE=1)
run(${gui_env} ${WORK_DIR}/widgets-editor/widgets-editor ${WORK_DIR}/data/editor.db)
if(WITH_QML)
    # Nothing is compiled in: the examples find the installed QML module through
    # QML_IMPORT_PATH, as any Qt program finds a module outside Qt's own QML folder ...
    set(qml_env ${gui_env} QML_IMPORT_PATH=${prefix}/lib/qml)
    run(${qml_env} ${WORK_DIR}/qml-notes/qml-notes ${WORK_DIR}/data/notes.db)
    # Two processes of the installed build on one store, each following the other.
    run(${qml_env} ${WORK_DIR}/shared-settings/shared-settings --single
        --store sqlite:${WORK_DIR}/data/shared-settings.db)
    # ... and without it they do not find it, and say where to point QML_IMPORT_PATH.
    execute_process(COMMAND ${gui_env} --unset=QML_IMPORT_PATH
            ${WORK_DIR}/qml-notes/qml-notes ${WORK_DIR}/data/notes.db
        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(result EQUAL 0 OR NOT output MATCHES "module \"PersistentMap\" is not installed"
       OR NOT output MATCHES "QML_IMPORT_PATH")
        message(FATAL_ERROR "qml-notes without QML_IMPORT_PATH: expected a failure that names "
            "QML_IMPORT_PATH (${result}):\n${output}")
    endif()

    # A deployed copy: the executable, the module folder next to it and the libraries in one
    # folder, with the installed prefix moved away. The QML engine looks in the executable's
    # own folder; the libraries are found through LD_LIBRARY_PATH, as a launcher script would.
    set(deploy ${WORK_DIR}/deployed)
    file(MAKE_DIRECTORY ${deploy})
    file(COPY ${WORK_DIR}/qml-notes/qml-notes ${prefix}/lib/qml/PersistentMap DESTINATION ${deploy})
    file(GLOB libraries ${prefix}/lib/libpersistentmap*.so*)
    file(COPY ${libraries} DESTINATION ${deploy})
    file(RENAME ${prefix} ${prefix}-moved)
    execute_process(COMMAND ${gui_env} --unset=QML_IMPORT_PATH LD_LIBRARY_PATH=${deploy}
            ${deploy}/qml-notes ${WORK_DIR}/data/deployed-notes.db
        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    file(RENAME ${prefix}-moved ${prefix})
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "the deployed copy of qml-notes failed (${result}):\n${output}")
    endif()
endif()
run(${WORK_DIR}/backends/backends ${WORK_DIR}/data/backends)
run(${CMAKE_COMMAND} -E env PM_EXAMPLE_SMOKE=1
    ${WORK_DIR}/custom-backend/custom-backend ${WORK_DIR}/data/custom/store.json)
message(STATUS "${last_output}")

if(WITH_QML)
    # The QML file lives outside the repository, as an application's would.
    configure_file(${SOURCE_DIR}/tests/install/qmlconsumer/main.qml ${WORK_DIR}/app/main.qml COPYONLY)
    run(${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
        ${WORK_DIR}/qmlconsumer/qmlconsumer ${WORK_DIR}/app/main.qml ${WORK_DIR}/data/qml.db)
    message(STATUS "${last_output}")
endif()
