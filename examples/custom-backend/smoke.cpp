// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support, not part of the example: with PM_EXAMPLE_SMOKE=1 (ctest, tests/install) the
// harness in ../shared/examplesupport.h runs these checks once main() is done, on new maps over
// the files it left: what it wrote survived, what JSON cannot hold was refused, and the broken
// file makes a map fail as the README says, and stays as it was.
#include "examplesupport.h"
#include "jsonfilebackend.h"

#include <PersistentMap/PersistentMap>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QPoint>
#include <QStandardPaths>

#include <cstdio>

using ExampleSupport::check;

namespace {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool storeSurvived(const QString &path)
{
    PersistentMap map(std::make_unique<JsonFileBackend>(path));
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(path), qPrintable(e.message()));
        return false;
    }
    bool refused = false;
    try {
        map.insert(QStringLiteral("position"), QVariant::fromValue(QPoint(3, 4))).waitForFinished();
    } catch (const PersistentMapError &e) {
        refused = e.code() == PersistentMapError::Code::Unsupported;
    }
    // JSON has no int: numbers come back as qlonglong or double, and get<int>() converts them.
    return check(map.get<int>(QStringLiteral("runs")).has_value(), "runs survived as a number") &
            check(map.value(QStringLiteral("greeting")).toString() ==
                          QStringLiteral("hello, world"),
                  "greeting survived") &
            check(map.value(QStringLiteral("window")).toMap().value(QStringLiteral("width")) == 800,
                  "window.width survived") &
            check(!map.contains(QStringLiteral("scratch")), "scratch stayed removed") &
            check(refused, "a QPoint is refused with Code::Unsupported") &
            check(!map.contains(QStringLiteral("position")), "a refused value is not in the map");
}

bool brokenFileFails(const QString &path)
{
    const QByteArray broken = "{ \"greeting\": \"hello\", oops }\n";
    bool ok = check(readFile(path) == broken, "the example left the broken file unchanged");
    {
        PersistentMap map(std::make_unique<JsonFileBackend>(path));
        bool corrupt = false;
        try {
            map.whenReady().waitForFinished();
        } catch (const PersistentMapError &e) {
            corrupt = e.code() == PersistentMapError::Code::Corrupt;
        }
        map.insert(QStringLiteral("greeting"), QStringLiteral("in memory only"));
        bool writeFailed = false;
        try {
            map.flush().waitForFinished();
        } catch (const PersistentMapError &) {
            writeFailed = true;
        }
        ok = check(corrupt, "whenReady() failed with Code::Corrupt") &
                check(map.status() == PersistentMap::Status::Error, "status is Error") &
                check(map.errorString().contains(path), "errorString names the file") &
                check(map.value(QStringLiteral("greeting")) == QStringLiteral("in memory only"),
                      "the map works in memory") &
                check(writeFailed, "writes fail") & ok;
    }
    return check(readFile(path) == broken, "the file is unchanged") & ok;
}

bool afterMain()
{
    const QStringList arguments = QCoreApplication::arguments();
    const QString path =
            QFileInfo(arguments.size() > 1
                              ? arguments.at(1)
                              : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                      QStringLiteral("/store.json"))
                    .absoluteFilePath();
    const QString brokenPath = QFileInfo(path).absolutePath() + QStringLiteral("/broken.json");
    const bool ok = storeSurvived(path) & brokenFileFails(brokenPath);
    std::printf("%s\n", ok ? "smoke: all checks passed" : "smoke: some checks failed");
    return ok;
}

} // namespace

ExampleSupport::Hooks ExampleSupport::hooks()
{
    Hooks hooks;
    hooks.afterMain = afterMain;
    return hooks;
}
