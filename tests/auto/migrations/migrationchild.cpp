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
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapMigrations>

#include "childprocessio.h"
#include "migrationsteps.h"

#include <QtCore/QCoreApplication>

#include <unistd.h>

namespace {

class ReportingBackend : public PersistentMapBackendWrapper
{
public:
    ReportingBackend(std::unique_ptr<PersistentMapBackend> target, int killStep)
        : PersistentMapBackendWrapper(std::move(target))
        , m_killStep(killStep)
    {
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.key == PersistentMapMigrations::versionKey() &&
                entry.value.toInt() == m_killStep)
                writeToStdout(QByteArray("commit ") + QByteArray::number(m_killStep) + '\n');
        }
        PersistentMapBackendWrapper::apply(batch);
    }

private:
    int m_killStep;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 4) {
        writeToStdout("usage: migrationchild SPEC KILL_STEP in-step|in-commit\n");
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
    if (!inStep && killStep > 0)
        backend = std::make_unique<ReportingBackend>(std::move(backend), killStep);
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
