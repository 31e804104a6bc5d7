// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML workloads of issue 13, built only with the QML module (PERSISTENTMAP_BUILD_QML).
//
// W8 start-up: QQmlComponent::create() (which runs componentComplete()) of a PersistentMap, a
// PersistentSettings and Qt.labs.settings' Settings on the same N values, until the stored
// values are readable; each sample in a fresh process (`pm-bench --child w8 ...`), which times
// a first ("cold") and a second ("warm", fresh QQmlEngine, same process) creation.
// W9 values read: a JavaScript loop reading `store.values[key]` for random existing keys,
// beside the same loop over a plain JavaScript object and over `store.value(key)`.
//
// The module is found through the build tree's QML folder: by default the folder that
// PMBENCH_QML_DIR names relative to pm-bench's own folder (set by benchmarks/CMakeLists.txt, so
// no absolute path is compiled in), or --qml-import-path; QML_IMPORT_PATH is read by the engine.
#include "bench.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QMetaProperty>
#include <QtCore/QProcess>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtQml/QJSValue>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQml/QQmlExpression>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace Bench {

namespace {

const QString W8 = QStringLiteral("W8");
const QString W9 = QStringLiteral("W9");
const QString Category = QStringLiteral("s");

// Settings-like rows: names "k" + 13 digits (keys "s/k..." of 16 bytes in W8, "key" + 13
// digits in W9), values alternately an int and a short string.
QString settingName(qint64 i)
{
    return QStringLiteral("k%1").arg(i, 13, 10, QLatin1Char('0'));
}

QString settingKey(qint64 i)
{
    return Category + u'/' + settingName(i);
}

QVariant settingValue(qint64 i)
{
    if (i % 2 == 0)
        return QVariant(int(i * 7 + 1));
    return QVariant(QStringLiteral("value %1").arg(i));
}

QString jsString(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return u'"' + escaped + u'"';
}

QString importPath(const Options &options)
{
    if (!options.qmlImportPath.isEmpty())
        return options.qmlImportPath;
    return QDir::cleanPath(QCoreApplication::applicationDirPath() + u'/' +
                           QStringLiteral(PMBENCH_QML_DIR));
}

std::unique_ptr<QQmlEngine> newEngine(const QString &imports)
{
    auto engine = std::make_unique<QQmlEngine>();
    if (!imports.isEmpty())
        engine->addImportPath(imports);
    return engine;
}

// Compiles `qml`; throws with the engine's errors (a missing module says which package).
void compile(QQmlComponent &component, const QString &qml, const char *workload)
{
    component.setData(qml.toUtf8(), QUrl());
    if (component.isError()) {
        throw std::runtime_error(std::string(workload) + ": the QML does not compile: " +
                                 component.errorString().trimmed().toStdString() +
                                 " (the PersistentMap module: --qml-import-path or "
                                 "QML_IMPORT_PATH; Settings: qml6-module-qt-labs-settings)");
    }
}

QObject *create(QQmlComponent &component, const char *workload)
{
    QObject *object = component.create();
    if (!object) {
        throw std::runtime_error(std::string(workload) + ": QQmlComponent::create() failed: " +
                                 component.errorString().trimmed().toStdString());
    }
    QQmlEngine::setObjectOwnership(object, QQmlEngine::CppOwnership);
    return object;
}

// The QML PersistentMap item's status == Ready, read through its meta-object (the enumerator's
// value is looked up, so the bench does not depend on the order of the enum).
class ReadyStatus
{
public:
    explicit ReadyStatus(QObject *object)
        : m_object(object)
    {
        const QMetaObject *meta = object->metaObject();
        m_status = meta->property(meta->indexOfProperty("status"));
        m_ready = m_status.enumerator().keyToValue("Ready");
        if (!m_status.isValid() || m_ready < 0)
            throw std::runtime_error("the PersistentMap item has no status Ready");
    }
    bool operator()() const { return m_status.read(m_object).toInt() == m_ready; }

private:
    QObject *m_object;
    QMetaProperty m_status;
    int m_ready = -1;
};

// Runs the event loop until ready() holds (the store's load is delivered through it).
template<typename Ready>
void waitUntil(const Ready &ready, const char *what)
{
    QDeadlineTimer deadline(120000);
    QTimer wakeUp; // so that a store that never loads still ends the wait
    wakeUp.start(100);
    while (!ready()) {
        if (deadline.hasExpired())
            throw std::runtime_error(std::string(what) + " did not become ready in 120 s");
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
}

// ---- W8 -----------------------------------------------------------------------------------

struct Side
{
    const char *kind; // for `pm-bench --child w8 KIND`
    const char *label;
};

const Side Sides[] = {
        {"map-sqlite", "PersistentMap sqlite: (until Ready)"},
        {"map-csv", "PersistentMap csv: (until Ready)"},
        {"settings-sqlite", "PersistentSettings sqlite:"},
        {"labs-ini", "Qt.labs.settings Settings, INI"},
};
constexpr int LabsSide = 3;

QString w8Qml(const QString &kind, const QString &folder, qint64 n)
{
    const QString db = QDir(folder).filePath(QStringLiteral("store.db"));
    const QString csv = QDir(folder).filePath(QStringLiteral("store.csv"));
    const QString ini = QDir(folder).filePath(QStringLiteral("settings.ini"));
    if (kind == QLatin1String("map-sqlite"))
        return QStringLiteral("import PersistentMap\nPersistentMap { source: %1 }\n")
                .arg(jsString(QStringLiteral("sqlite:") + db));
    if (kind == QLatin1String("map-csv"))
        return QStringLiteral("import PersistentMap\nPersistentMap { source: %1 }\n")
                .arg(jsString(QStringLiteral("csv:") + csv));
    QString qml;
    if (kind == QLatin1String("settings-sqlite")) {
        qml = QStringLiteral("import PersistentMap\nPersistentSettings {\n    source: %1\n")
                      .arg(jsString(QStringLiteral("sqlite:") + db));
    } else if (kind == QLatin1String("labs-ini")) {
        qml = QStringLiteral("import Qt.labs.settings\nSettings {\n    fileName: %1\n")
                      .arg(jsString(ini));
    } else {
        throw std::runtime_error("W8: unknown side " + kind.toStdString());
    }
    qml += QStringLiteral("    category: %1\n").arg(jsString(Category));
    // Defaults that differ from every stored value, so a restored property is recognisable.
    for (qint64 i = 0; i < n; ++i) {
        qml += i % 2 == 0 ? QStringLiteral("    property int %1: 0\n").arg(settingName(i))
                          : QStringLiteral("    property string %1: \"\"\n").arg(settingName(i));
    }
    qml += QStringLiteral("}\n");
    return qml;
}

// The same N values in the three stores the sides read.
void writeW8Stores(const QString &folder, qint64 n)
{
    const QDir dir(folder);
    {
        PersistentMap sqlite(std::make_unique<PersistentMapSqliteBackend>(
                dir.filePath(QStringLiteral("store.db"))));
        PersistentMap csv(std::make_unique<PersistentMapCsvBackend>(
                dir.filePath(QStringLiteral("store.csv"))));
        sqlite.whenReady().waitForFinished();
        csv.whenReady().waitForFinished();
        for (qint64 i = 0; i < n; ++i) {
            sqlite.insert(settingKey(i), settingValue(i));
            csv.insert(settingKey(i), settingValue(i));
        }
        sqlite.flush().waitForFinished();
        csv.flush().waitForFinished();
    }
    QSettings ini(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    ini.beginGroup(Category);
    for (qint64 i = 0; i < n; ++i)
        ini.setValue(settingName(i), settingValue(i));
    ini.endGroup();
    ini.sync();
    if (ini.status() != QSettings::NoError)
        throw std::runtime_error("W8: cannot write the INI file");
}

// Checks, after the clock stopped, that the object shows the stored values: every declared
// property of a settings object; count and 21 keys through `values` for a map.
void verifyW8(QObject *object, const QString &kind, qint64 n)
{
    if (kind.startsWith(QLatin1String("map-"))) {
        if (object->property("count").toLongLong() != n)
            throw std::runtime_error("W8: the map does not count every entry");
        QQmlContext *context = qmlContext(object);
        for (int s = 0; s <= 20; ++s) {
            const qint64 i = (n - 1) * s / 20;
            QQmlExpression expression(
                    context, object,
                    QStringLiteral("String(values[%1])").arg(jsString(settingKey(i))));
            const QString seen = expression.evaluate().toString();
            if (expression.hasError() || seen != settingValue(i).toString()) {
                throw std::runtime_error("W8: values[\"" + settingKey(i).toStdString() +
                                         "\"] reads \"" + seen.toStdString() + "\"");
            }
        }
        return;
    }
    const QMetaObject *meta = object->metaObject();
    qint64 seen = 0;
    for (int p = 0; p < meta->propertyCount(); ++p) {
        const QMetaProperty property = meta->property(p);
        const QLatin1String name(property.name());
        if (name.size() != 14 || !name.startsWith(u'k'))
            continue;
        const qint64 i = QString(name).mid(1).toLongLong();
        if (property.read(object).toString() != settingValue(i).toString()) {
            throw std::runtime_error("W8: " + kind.toStdString() + " did not restore " +
                                     std::string(name.data(), size_t(name.size())));
        }
        ++seen;
    }
    if (seen != n)
        throw std::runtime_error("W8: the settings object lacks declared properties");
}

struct Creation
{
    double compileMs = 0;
    double createMs = 0; // create() returned
    double readyMs = 0; // the stored values are readable
    bool readyInCreate = false;
};

Creation createOnce(const QString &kind, const QString &qml, const QString &imports, qint64 n)
{
    Creation result;
    const auto engine = newEngine(imports);
    QQmlComponent component(engine.get());
    QElapsedTimer timer;
    timer.start();
    compile(component, qml, "W8");
    result.compileMs = secondsOf(timer) * 1e3;

    const bool isMap = kind.startsWith(QLatin1String("map-"));
    // A settings object is ready when its first, middle and last declared properties hold the
    // stored values: a store restores all of them in one go, before the event loop runs again.
    const qint64 probes[] = {0, n / 2, n - 1};
    timer.restart();
    std::unique_ptr<QObject> object(create(component, "W8"));
    result.createMs = secondsOf(timer) * 1e3;
    if (isMap) {
        const ReadyStatus ready(object.get());
        result.readyInCreate = ready();
        waitUntil(ready, "W8: the PersistentMap item");
    } else {
        QList<QPair<QMetaProperty, QString>> expected;
        const QMetaObject *meta = object->metaObject();
        for (const qint64 i : probes) {
            const int index = meta->indexOfProperty(settingName(i).toLatin1().constData());
            expected.append({meta->property(index), settingValue(i).toString()});
        }
        const auto restored = [&] {
            for (const auto &[property, value] : std::as_const(expected)) {
                if (property.read(object.get()).toString() != value)
                    return false;
            }
            return true;
        };
        result.readyInCreate = restored();
        waitUntil(restored, "W8: the settings object");
    }
    result.readyMs = secondsOf(timer) * 1e3;
    verifyW8(object.get(), kind, n);
    return result;
}

struct Sample
{
    Creation cold;
    Creation warm;
};

Sample runChild(const Options &options, const QString &kind, const QString &folder, qint64 n)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--child"), QStringLiteral("w8"), kind, folder, QString::number(n),
                 importPath(options)});
    if (!child.waitForFinished(600000) || child.exitStatus() != QProcess::NormalExit ||
        child.exitCode() != 0)
        throw std::runtime_error("W8: the child process failed (" + kind.toStdString() + ")");
    const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
    if (fields.size() != 8)
        throw std::runtime_error("W8: the child process printed no result");
    Sample sample;
    sample.cold = {fields.at(0).toDouble(), fields.at(1).toDouble(), fields.at(2).toDouble(),
                   fields.at(3) == "1"};
    sample.warm = {fields.at(4).toDouble(), fields.at(5).toDouble(), fields.at(6).toDouble(),
                   fields.at(7) == "1"};
    return sample;
}

// ---- W9 -----------------------------------------------------------------------------------

// The read loops, one per kind so each loop body stays the same; `keys` and `object` are
// arguments (locals), `store` is the root's id, as in application code. run() returns how many
// reads gave undefined; check() (not timed) compares each read with the plain object's value.
const char *const W9Functions = R"(
    function run(kind, keys, object, from, count) {
        var missing = 0, end = from + count, i;
        if (kind === 0) {
            for (i = from; i < end; ++i) { if (keys[i] === undefined) ++missing; }
        } else if (kind === 1) {
            for (i = from; i < end; ++i) { if (object[keys[i]] === undefined) ++missing; }
        } else if (kind === 2) {
            for (i = from; i < end; ++i) { if (store.value(keys[i]) === undefined) ++missing; }
        } else if (kind === 3) {
            for (i = from; i < end; ++i) { if (store.values[keys[i]] === undefined) ++missing; }
        } else {
            var values = store.values;
            for (i = from; i < end; ++i) { if (values[keys[i]] === undefined) ++missing; }
        }
        return missing;
    }
    function check(kind, keys, object, count) {
        var result = { undefinedReads: 0, wrongReads: 0, undefinedKey: "", wrongKey: "",
                       wrongValue: "", expected: "" };
        for (var i = 0; i < count; ++i) {
            var key = keys[i], v;
            if (kind === 1)
                v = object[key];
            else if (kind === 2)
                v = store.value(key);
            else
                v = store.values[key];
            if (v === undefined) {
                if (result.undefinedReads++ === 0)
                    result.undefinedKey = key;
            } else if (v !== object[key]) {
                if (result.wrongReads++ === 0) {
                    result.wrongKey = key;
                    result.wrongValue = String(v);
                    result.expected = String(object[key]);
                }
            }
        }
        return result;
    }
)";

struct ReadKind
{
    int kind;
    const char *subject;
};

const ReadKind ReadKinds[] = {
        {0, "loop only (keys[i])"},
        {1, "plain JS object[key]"},
        {2, "store.value(key)"},
        {3, "store.values[key]"},
        {4, "values = store.values; values[key]"},
};

struct ReadResult
{
    qint64 reads = 0;
    double nsPerRead = 0;
    qint64 undefinedReads = 0; // counted by the timed loop
};

QJSValue call(const QJSValue &function, const QJSValue &self, const QJSValueList &arguments)
{
    const QJSValue result = function.callWithInstance(self, arguments);
    if (result.isError())
        throw std::runtime_error("W9: " + result.toString().toStdString());
    return result;
}

// Reads in chunks that double, until every key of the array was read or the time is up.
ReadResult timeReads(const QJSValue &run, const QJSValue &self, int kind, const QJSValue &keys,
                     const QJSValue &object, qint64 length, double budgetSeconds)
{
    // The first calls run in the interpreter; V4 compiles a function after a few calls.
    for (int w = 0; w < 4; ++w)
        call(run, self, {kind, keys, object, 0, int(std::min<qint64>(length, 8))});
    ReadResult result;
    qint64 chunk = 16;
    QElapsedTimer timer;
    qint64 elapsed = 0;
    while (result.reads < length && double(elapsed) / 1e9 < budgetSeconds) {
        qint64 count = std::min(chunk, length - result.reads);
        if (result.reads > 0) { // not past the budget by more than one read
            const double perRead = double(elapsed) / double(result.reads);
            const double left = budgetSeconds * 1e9 - double(elapsed);
            count = std::max<qint64>(1, std::min(count, qint64(left / perRead) + 1));
        }
        timer.start();
        const QJSValue missing =
                call(run, self, {kind, keys, object, int(result.reads), int(count)});
        elapsed += timer.nsecsElapsed();
        result.undefinedReads += missing.toInt();
        result.reads += count;
        chunk *= 2;
    }
    result.nsPerRead = double(elapsed) / double(result.reads);
    return result;
}

} // namespace

int runW8Child(const QStringList &arguments)
{
    if (arguments.size() != 4)
        return 2;
    const QString &kind = arguments.at(0);
    const QString &folder = arguments.at(1);
    const qint64 n = arguments.at(2).toLongLong();
    const QString &imports = arguments.at(3);
    const QString qml = w8Qml(kind, folder, n);
    const Creation cold = createOnce(kind, qml, imports, n);
    const Creation warm = createOnce(kind, qml, imports, n);
    std::printf("%.4f %.4f %.4f %d %.4f %.4f %.4f %d\n", cold.compileMs, cold.createMs,
                cold.readyMs, cold.readyInCreate ? 1 : 0, warm.compileMs, warm.createMs,
                warm.readyMs, warm.readyInCreate ? 1 : 0);
    return 0;
}

void runW8(const Options &options, Report &report)
{
    const int samples = options.startSamples;
    out("\nW8 QML start-up: QQmlComponent::create() (runs componentComplete()) until the N stored "
        "values are readable; median ms of %d fresh processes per side, sides interleaved\n",
        samples);
    out("   cold = the first creation in the process (the SQLite driver, the thread pool and "
        "QSettings start then), warm = a second one with a fresh QQmlEngine in the same "
        "process; x Settings = the median of the paired ratios to Qt.labs.settings of the same "
        "sample\n");
    out("   keys \"s/k\" + 13 digits, values ints and short strings; a PersistentMap waits for "
        "status Ready (its values checked after the clock stopped), a settings object for its "
        "declared properties; \"in create()\" = ready when create() returned, in how many "
        "samples\n");
    out("   diagnostics, cold, not part of the figures before them: create() = until create() "
        "returned; compile = QQmlComponent::setData() of the generated QML, before create()\n");
    out("%6s  %-36s %10s %10s %10s %10s %11s %11s %12s\n", "N", "side", "cold (ms)", "x Settings",
        "warm (ms)", "x Settings", "in create()", "create()", "compile (ms)");
    const int sides = int(std::size(Sides));
    for (const qint64 n : options.startSizes) {
        QTemporaryDir dir(options.workDir + QStringLiteral("/pm-bench-XXXXXX"));
        if (!dir.isValid())
            throw std::runtime_error("W8: cannot create a temporary folder");
        writeW8Stores(dir.path(), n);
        QList<QList<Sample>> bySide(sides);
        for (int s = 0; s < samples; ++s) {
            for (int k = 0; k < sides; ++k) {
                const int side = (k + s) % sides; // a different side first in every round
                bySide[side].append(
                        runChild(options, QLatin1String(Sides[side].kind), dir.path(), n));
            }
        }
        for (int side = 0; side < sides; ++side) {
            QList<double> cold, warm, coldRatio, warmRatio, createMs, compileMs;
            int inCreate = 0;
            for (int s = 0; s < samples; ++s) {
                const Sample &sample = bySide.at(side).at(s);
                const Sample &labs = bySide.at(LabsSide).at(s);
                cold.append(sample.cold.readyMs);
                warm.append(sample.warm.readyMs);
                coldRatio.append(sample.cold.readyMs / labs.cold.readyMs);
                warmRatio.append(sample.warm.readyMs / labs.warm.readyMs);
                createMs.append(sample.cold.createMs);
                compileMs.append(sample.cold.compileMs);
                inCreate += sample.cold.readyInCreate ? 1 : 0;
                inCreate += sample.warm.readyInCreate ? 1 : 0;
            }
            const QString subject = QLatin1String(Sides[side].label);
            const QString unit = QStringLiteral("ms");
            report.add(W8, n, subject, QStringLiteral("cold"), median(cold), unit,
                       QStringLiteral("median of %1 fresh processes").arg(samples));
            report.add(W8, n, subject, QStringLiteral("warm"), median(warm), unit);
            report.add(W8, n, subject, QStringLiteral("cold / Settings"), median(coldRatio),
                       QStringLiteral("ratio"), QStringLiteral("median of the paired ratios"));
            report.add(W8, n, subject, QStringLiteral("warm / Settings"), median(warmRatio),
                       QStringLiteral("ratio"), QStringLiteral("median of the paired ratios"));
            report.add(W8, n, subject, QStringLiteral("create() returned (cold)"), median(createMs),
                       unit,
                       QStringLiteral("diagnostic: the part of \"cold\" until create() returned"));
            report.add(W8, n, subject, QStringLiteral("compile (cold)"), median(compileMs), unit,
                       QStringLiteral("diagnostic: QQmlComponent::setData(), not timed above"));
            report.add(W8, n, subject, QStringLiteral("ready in create()"),
                       double(inCreate) / (2 * samples), QStringLiteral("fraction"));
            out("%6lld  %-36s %10.2f %10.2f %10.2f %10.2f %7d/%-3d %11.2f %12.2f\n", n,
                Sides[side].label, median(cold), median(coldRatio), median(warm), median(warmRatio),
                inCreate, 2 * samples, median(createMs), median(compileMs));
        }
    }
}

void runW9(const Options &options, Report &report)
{
    out("\nW9 QML values read: a JavaScript loop in a PersistentMap item reading random existing "
        "keys (in a JS array made beforehand); ns per read, reads capped at %lld per side or "
        "%.1f s; then (not timed) each read is compared with the stored value\n",
        options.valuesReads, options.valuesBudget);
    out("   loop only = keys[i] alone; JS object = a plain object holding the same keys and "
        "values; hoisted = store.values read once before the loop; the map waits for status "
        "Ready first\n");
    out("%7s %10s %10s %10s %10s %10s %9s %9s %9s %10s  %s\n", "N", "open (ms)", "loop only",
        "JS object", "value(k)", "values[k]", "hoisted", "/JS obj.", "/value()", "reads",
        "values[k] not the stored value");
    const QString imports = importPath(options);
    for (const qint64 n : options.valuesSizes) {
        QTemporaryDir dir(options.workDir + QStringLiteral("/pm-bench-XXXXXX"));
        if (!dir.isValid())
            throw std::runtime_error("W9: cannot create a temporary folder");
        const QString path = dir.filePath(QStringLiteral("values.db"));
        {
            PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
            map.whenReady().waitForFinished();
            for (qint64 i = 0; i < n; ++i)
                map.insert(makeKey(i), settingValue(i));
            map.flush().waitForFinished();
        }

        const auto engine = newEngine(imports);
        QQmlComponent component(engine.get());
        compile(component,
                QStringLiteral("import PersistentMap\nPersistentMap {\n    id: store\n    "
                               "source: %1\n%2}\n")
                        .arg(jsString(QStringLiteral("sqlite:") + path),
                             QString::fromUtf8(W9Functions)),
                "W9");
        QElapsedTimer open;
        open.start();
        std::unique_ptr<QObject> store(create(component, "W9"));
        waitUntil(ReadyStatus(store.get()), "W9: the PersistentMap item");
        const double openMs = secondsOf(open) * 1e3;

        const qint64 length = options.valuesReads;
        const std::vector<qint64> order = shuffledIndexes(n, length, 1313u);
        QJSValue keys = engine->newArray(quint32(length));
        for (qint64 r = 0; r < length; ++r)
            keys.setProperty(quint32(r), makeKey(order[size_t(r)]));
        QJSValue object = engine->newObject();
        for (qint64 i = 0; i < n; ++i)
            object.setProperty(makeKey(i), engine->toScriptValue(settingValue(i)));
        const QJSValue self = engine->newQObject(store.get());
        const QJSValue run = self.property(QStringLiteral("run"));
        if (!run.isCallable())
            throw std::runtime_error("W9: the read loop is not callable");

        const QJSValue check = self.property(QStringLiteral("check"));
        QList<ReadResult> results;
        QString wrongText = QStringLiteral("none");
        for (const ReadKind &kind : ReadKinds) {
            results.append(
                    timeReads(run, self, kind.kind, keys, object, length, options.valuesBudget));
            const ReadResult &result = results.constLast();
            report.add(W9, n, QLatin1String(kind.subject), QStringLiteral("read"), result.nsPerRead,
                       QStringLiteral("ns"), QStringLiteral("%1 reads").arg(result.reads));
            if (kind.kind == 0 || kind.kind == 4)
                continue;
            // Not timed: the keys this side read, each compared with the stored value.
            const QJSValue seen = call(check, self, {kind.kind, keys, object, int(result.reads)});
            const qint64 undefinedReads = seen.property(QStringLiteral("undefinedReads")).toInt();
            const qint64 wrongReads = seen.property(QStringLiteral("wrongReads")).toInt();
            if (kind.kind != 3) {
                if (undefinedReads != 0 || wrongReads != 0)
                    throw std::runtime_error(std::string("W9: ") + kind.subject +
                                             " did not read the stored values");
                continue;
            }
            report.add(W9, n, QLatin1String(kind.subject), QStringLiteral("undefined reads"),
                       double(undefinedReads), QStringLiteral("count"),
                       QStringLiteral("of %1 reads of random existing keys").arg(result.reads));
            report.add(
                    W9, n, QLatin1String(kind.subject), QStringLiteral("wrong reads"),
                    double(wrongReads), QStringLiteral("count"),
                    QStringLiteral("of %1 reads: a value that is not the key's").arg(result.reads));
            if (undefinedReads != 0 || wrongReads != 0) {
                wrongText = QStringLiteral("%1 undefined, %2 wrong of %3")
                                    .arg(undefinedReads)
                                    .arg(wrongReads)
                                    .arg(result.reads);
                if (undefinedReads != 0)
                    wrongText +=
                            QStringLiteral("; e.g. %1 undefined")
                                    .arg(seen.property(QStringLiteral("undefinedKey")).toString());
                if (wrongReads != 0)
                    wrongText +=
                            QStringLiteral("; e.g. %1 read \"%2\", stored \"%3\"")
                                    .arg(seen.property(QStringLiteral("wrongKey")).toString(),
                                         seen.property(QStringLiteral("wrongValue")).toString(),
                                         seen.property(QStringLiteral("expected")).toString());
            }
        }
        const ReadResult &values = results.at(3);
        report.add(W9, n, QStringLiteral("PersistentMap item"), QStringLiteral("open"), openMs,
                   QStringLiteral("ms"), QStringLiteral("create() until status Ready"));
        const double ratioObject = values.nsPerRead / results.at(1).nsPerRead;
        const double ratioValue = values.nsPerRead / results.at(2).nsPerRead;
        report.add(W9, n, QStringLiteral("store.values[key]"), QStringLiteral("/ JS object"),
                   ratioObject, QStringLiteral("ratio"));
        report.add(W9, n, QStringLiteral("store.values[key]"), QStringLiteral("/ value()"),
                   ratioValue, QStringLiteral("ratio"));
        out("%7lld %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %9.1f %9.2f %10lld  %s\n", n, openMs,
            results.at(0).nsPerRead, results.at(1).nsPerRead, results.at(2).nsPerRead,
            values.nsPerRead, results.at(4).nsPerRead, ratioObject, ratioValue, values.reads,
            qPrintable(wrongText));
    }
}

} // namespace Bench
