# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Resolves the optional parts of the build (PERSISTENTMAP_BUILD_QML, PERSISTENTMAP_WITH_SQLITE3_API:
# ON, OFF or AUTO) into plain booleans the rest of the project reads, and registers each part with
# CMake's FeatureSummary, whose table at the end of configure says what is built, what is left
# out and why. ON asks for a part: a missing package then stops configure, naming it. Only the
# core library (Qt Core, Sql, Concurrent: Debian's qt6-base-dev) is always required.
#
# Sets: PERSISTENTMAP_SQLITE3_API, PERSISTENTMAP_QML, PERSISTENTMAP_QML_EXAMPLES,
#       PERSISTENTMAP_QML_TESTS.

foreach(part PERSISTENTMAP_BUILD_QML PERSISTENTMAP_WITH_SQLITE3_API)
    string(TOUPPER "${${part}}" value)
    if(value STREQUAL "AUTO")
        set(${part}_MODE AUTO)
    elseif(${part})
        set(${part}_MODE ON)
    else()
        set(${part}_MODE OFF)
    endif()
endforeach()

# The SQLite C API: PersistentMapSqliteBackend's fast path drives the QSQLITE driver's own connection with it
# (src/backends/sqlite/sqlitedirect_p.h), and pm-bench measures it as a baseline. Without it the
# backend works through QSqlQuery alone, at about half the write rate (docs/PERFORMANCE.md).
set(PERSISTENTMAP_SQLITE3_API OFF)
if(NOT PERSISTENTMAP_WITH_SQLITE3_API_MODE STREQUAL "OFF")
    if(PERSISTENTMAP_WITH_SQLITE3_API_MODE STREQUAL "ON")
        find_package(SQLite3 REQUIRED)
    else()
        find_package(SQLite3)
    endif()
    set(PERSISTENTMAP_SQLITE3_API ${SQLite3_FOUND})
endif()
set_package_properties(SQLite3 PROPERTIES URL "https://sqlite.org"
    DESCRIPTION "SQLite C API headers (Debian: libsqlite3-dev)"
    PURPOSE "PersistentMapSqliteBackend's fast path (about twice the write rate) and pm-bench's baseline")
add_feature_info("SQLite C API fast path" PERSISTENTMAP_SQLITE3_API
    "PersistentMapSqliteBackend drives QSQLITE's connection directly; without it, QSqlQuery alone (libsqlite3-dev)")

# The QML module needs Qt Qml; its Qt Quick examples Quick and Quick Controls 2; its tests Qt
# Quick Test (Debian: qt6-declarative-dev, plus the qml6-module-* run-time packages listed in
# scripts/deps.sh).
set(PERSISTENTMAP_QML OFF)
set(PERSISTENTMAP_QML_EXAMPLES OFF)
set(PERSISTENTMAP_QML_TESTS OFF)
if(NOT PERSISTENTMAP_BUILD_QML_MODE STREQUAL "OFF")
    set(qml_components Qml)
    if(PERSISTENTMAP_BUILD_EXAMPLES)
        list(APPEND qml_components Quick QuickControls2)
    endif()
    if(PERSISTENTMAP_BUILD_TESTS)
        list(APPEND qml_components Quick QuickTest)
    endif()
    list(REMOVE_DUPLICATES qml_components)
    if(PERSISTENTMAP_BUILD_QML_MODE STREQUAL "ON")
        find_package(Qt6 6.4 REQUIRED COMPONENTS ${qml_components})
    else()
        find_package(Qt6 6.4 QUIET OPTIONAL_COMPONENTS ${qml_components})
    endif()
    set(PERSISTENTMAP_QML ${Qt6Qml_FOUND})
    if(PERSISTENTMAP_QML AND PERSISTENTMAP_BUILD_EXAMPLES AND Qt6Quick_FOUND
       AND Qt6QuickControls2_FOUND)
        set(PERSISTENTMAP_QML_EXAMPLES ON)
    endif()
    if(PERSISTENTMAP_QML AND PERSISTENTMAP_BUILD_TESTS AND Qt6Quick_FOUND AND Qt6QuickTest_FOUND)
        set(PERSISTENTMAP_QML_TESTS ON)
    endif()
endif()
add_feature_info("QML module" PERSISTENTMAP_QML
    "import PersistentMap (qml/); needs Qt Qml (qt6-declarative-dev)")
if(PERSISTENTMAP_BUILD_EXAMPLES)
    add_feature_info("Qt Quick examples" PERSISTENTMAP_QML_EXAMPLES
        "examples/qml-notes, examples/shared-settings; need Qt Quick and Quick Controls 2 (qt6-declarative-dev)")
endif()
if(PERSISTENTMAP_BUILD_TESTS)
    add_feature_info("QML tests" PERSISTENTMAP_QML_TESTS
        "tests/qml (Qt Quick Test); need qt6-declarative-dev")
endif()

# Qt's SQL driver plugins are loaded at run time, so they are not needed to build; without them a
# backend reports at open that its driver is missing (and the PostgreSQL tests skip, unless
# PM_REQUIRE_POSTGRES=1 makes that a failure).
foreach(driver qsqlite:QSQLITE:libqt6sql6-sqlite:PersistentMapSqliteBackend
               qsqlpsql:QPSQL:libqt6sql6-psql:PersistentMapPostgresBackend)
    string(REPLACE ":" ";" driver "${driver}")
    list(GET driver 0 file)
    list(GET driver 1 name)
    list(GET driver 2 package)
    list(GET driver 3 backend)
    set(plugin "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_PLUGINS}/sqldrivers/")
    string(APPEND plugin "${CMAKE_SHARED_MODULE_PREFIX}${file}${CMAKE_SHARED_MODULE_SUFFIX}")
    set(PERSISTENTMAP_HAVE_${name} OFF)
    if(EXISTS "${plugin}")
        set(PERSISTENTMAP_HAVE_${name} ON)
    endif()
    add_feature_info("Qt SQL driver ${name}" PERSISTENTMAP_HAVE_${name}
        "loaded at run time by ${backend} (${package}); not needed to build")
endforeach()
