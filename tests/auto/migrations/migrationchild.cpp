// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// migrationchild: opens a store with tst_migrations' three steps and is killed by the test while
// it migrates.
//
//   migrationchild SPEC KILL_STEP MODE
//
// MODE "in-step": step KILL_STEP's function writes "in-step K" and waits to be killed (the
// steps before it are committed). MODE "in-commit": the backend writes "commit K" on entering
// apply() with step K's batch and goes on at once, so the kill lands in or right after the
// commit. KILL_STEP 0: no kill; the child writes "ready VERSION" once loaded and exits.
// MODE "import": imports the INI file named by PM_INI instead, reporting "commit import" as the
// import's batch is applied when KILL_STEP is not 0.
// MODE "race": three counting steps (each adds 1 to "counter" and writes "ran/V/PID"); step 1's
// first call writes "in-step 1" and waits for a line on stdin, so several children compute step 1
// from one version before any commits. Writes "ready VERSION COUNTER" once loaded.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapMigrations>
#include <PersistentMap/PersistentMapSettingsImport>

#include "childprocessio.h"
#include "migrationsteps.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QSettings>

#include <cstdio>
#include <stdexcept>

#include <unistd.h>

namespace {

// Writes `line` on entering apply() with a batch that writes `key` (with `value`, when valid).
class ReportingBackend : public PersistentMapBackendWrapper
{
public:
    ReportingBackend(std::unique_ptr<PersistentMapBackend> target, const QString &key,
                     const QVariant &value, const QByteArray &line)
        : PersistentMapBackendWrapper(std::move(target))
        , m_key(key)
        , m_value(value)
        , m_line(line)
    {
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.key == m_key && (!m_value.isValid() || entry.value == m_value))
                writeToStdout(m_line + '\n');
        }
        PersistentMapBackendWrapper::apply(batch);
    }

private:
    QString m_key;
    QVariant m_value;
    QByteArray m_line;
};

// MODE "import": imports the INI file at `ini` (reporting "commit import" as the batch is
// applied when `kill` is set), then writes "imported 1" or "imported 0" (the marker was there).
int importSettings(std::unique_ptr<PersistentMapBackend> backend, bool kill, const QString &ini)
{
    if (kill)
        backend = std::make_unique<ReportingBackend>(std::move(backend),
                                                     PersistentMapSettingsImport::markerKey(),
                                                     QVariant(), "commit import");
    PersistentMap map(std::move(backend));
    QSettings settings(ini, QSettings::IniFormat);
    QFuture<PersistentMapSettingsImport::Result> future =
            PersistentMapSettingsImport::run(map, settings);
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        writeToStdout("failed: " + e.message().toUtf8() + '\n');
        return 1;
    }
    writeToStdout(future.result().imported ? "imported 1\n" : "imported 0\n");
    return 0;
}

// MODE "race".
int race(std::unique_ptr<PersistentMapBackend> backend)
{
    PersistentMapMigrations migrations;
    for (int v = 1; v <= 3; ++v) {
        migrations.addStep(v, QStringLiteral("count %1").arg(v), [v](const QVariantHash &entries) {
            static bool waited = false;
            if (v == 1 && !waited) {
                waited = true;
                writeToStdout("in-step 1\n");
                char line[16];
                if (!::fgets(line, sizeof line, stdin))
                    throw std::runtime_error("stdin closed");
            }
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("counter"),
                         entries.value(QStringLiteral("counter")).toInt() + 1);
            batch.insert(QStringLiteral("ran/%1/%2").arg(v).arg(::getpid()), v);
            return batch;
        });
    }
    PersistentMap map(migrations.wrap(std::move(backend)));
    const QString failure = failureMessage(map.whenReady());
    if (!failure.isEmpty()) {
        writeToStdout("failed: " + failure.toUtf8() + '\n');
        return 1;
    }
    // An ordinary write after the migration, on the same storage thread: no check of the
    // migration's may follow it.
    const QString written =
            failureMessage(map.insert(QStringLiteral("after/%1").arg(::getpid()), 1)) +
            failureMessage(map.flush());
    if (!written.isEmpty()) {
        writeToStdout("failed: " + written.toUtf8() + '\n');
        return 1;
    }
    writeToStdout("ready " + map.value(PersistentMapMigrations::versionKey()).toString().toUtf8() +
                  ' ' + map.value(QStringLiteral("counter")).toString().toUtf8() + '\n');
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 4) {
        writeToStdout("usage: migrationchild SPEC KILL_STEP in-step|in-commit|import\n");
        return 2;
    }
    const int killStep = args.at(2).toInt();
    const bool inStep = args.at(3) == u"in-step";
    QString why;
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(args.at(1), &why);
    if (!backend) {
        writeToStdout("bad spec: " + why.toUtf8() + '\n');
        return 2;
    }
    if (args.at(3) == u"race")
        return race(std::move(backend));
    if (args.at(3) == u"import")
        return importSettings(std::move(backend), killStep > 0, qEnvironmentVariable("PM_INI"));
    if (!inStep && killStep > 0)
        backend = std::make_unique<ReportingBackend>(
                std::move(backend), PersistentMapMigrations::versionKey(), QVariant(killStep),
                QByteArray("commit ") + QByteArray::number(killStep));
    const PersistentMapMigrations migrations =
            MigrationSteps::migrations(inStep ? killStep : 0, [](int version) {
                writeToStdout(QByteArray("in-step ") + QByteArray::number(version) + '\n');
                for (;;)
                    ::pause();
            });
    PersistentMap map(migrations.wrap(std::move(backend)));
    const QString failure = failureMessage(map.whenReady());
    if (!failure.isEmpty()) {
        writeToStdout("failed: " + failure.toUtf8() + '\n');
        return 1;
    }
    writeToStdout("ready " + map.value(PersistentMapMigrations::versionKey()).toString().toUtf8() +
                  '\n');
    return 0;
}
