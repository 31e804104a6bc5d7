// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// pmctl: reads and writes a persistent-map store from the command line, as `sqlite3 FILE` does a
// database (docs/PMCTL.md). Values are printed and parsed in the codec's text forms, with its type
// tags (docs/FORMAT.md). It works on a store that a running program has open through the
// library's own rules: get, set, remove, list, watch, import and reset go through a PersistentMap
// (SQLite and PostgreSQL take several writers; a CSV store is read without its writer's lock),
// check and convert read the backend directly so that entries this process cannot decode are
// reported (check) or carried over byte for byte (convert).
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapError>
#include <PersistentMap/PersistentMapSchema>
#include <PersistentMap/PersistentMapStoreSpec>
#include <PersistentMap/PersistentMapWriteBatch>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QSaveFile>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTemporaryDir>
#include <QtGui/QColor>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

using namespace PersistentMapInternal;

namespace {

// docs/PMCTL.md, "Exit codes". A store error is StoreErrorBase + PersistentMapError::Code.
enum ExitCode {
    Ok = 0,
    ProblemsFound = 1, // check found problems
    UsageError = 2, // bad command line, spec, type tag or value text
    MissingKey = 3, // get or remove of a key the store does not hold
    FileError = 4, // export's or import's file cannot be read or written, or is no export
    StoreErrorBase = 10
};

const QLatin1StringView ExportFormat("persistent-map export");
constexpr int ExportVersion = 1;

void writeOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = (QStringLiteral("pmctl: ") + text + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

// A field of a tab-separated output line: backslash, tab, line feed and carriage return escaped
// as \\, \t, \n, \r, so every entry is one line whatever it holds.
QString field(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        switch (c.unicode()) {
        case u'\\':
            out += QLatin1StringView("\\\\");
            break;
        case u'\t':
            out += QLatin1StringView("\\t");
            break;
        case u'\n':
            out += QLatin1StringView("\\n");
            break;
        case u'\r':
            out += QLatin1StringView("\\r");
            break;
        default:
            out += c;
        }
    }
    return out;
}

QString line(std::initializer_list<QString> fields)
{
    QStringList escaped;
    for (const QString &f : fields)
        escaped << field(f);
    return escaped.join(u'\t') + u'\n';
}

// What the library logged (its warnings: an entry it cannot read, a torn CSV write kept aside),
// printed as "pmctl: warning: ..." so that an error it also reports is not printed twice.
QStringList logged;
QStringList *capturedLog = nullptr; // instead of printing them, while not null

void logMessage(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtDebugMsg || type == QtInfoMsg)
        return;
    if (capturedLog) {
        capturedLog->append(message);
        return;
    }
    logged.append(message);
    writeErr(QStringLiteral("warning: ") + message);
}

int storeError(const QString &store, const PersistentMapError &error)
{
    const bool alreadySaid = std::any_of(logged.cbegin(), logged.cend(), [&](const QString &m) {
        return m.contains(error.message());
    });
    if (!alreadySaid)
        writeErr(QStringLiteral("%1: %2").arg(store, error.message()));
    return StoreErrorBase + int(error.code());
}

// Runs future and returns nullopt, or the error it failed with.
std::optional<PersistentMapError> failureOf(QFuture<void> future)
{
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        return e;
    } catch (const std::exception &e) {
        return PersistentMapError(PersistentMapError::Code::WriteFailed,
                                  QString::fromLocal8Bit(e.what()));
    }
    return std::nullopt;
}

struct Command
{
    QString name;
    QString arguments; // for the synopsis
    QString description;
    QList<QCommandLineOption> options;
    QStringList positional; // name, description pairs
    qsizetype minArguments = 0;
    qsizetype maxArguments = 0;
};

QCommandLineOption typeOption()
{
    return QCommandLineOption({QStringLiteral("t"), QStringLiteral("type")},
                              QStringLiteral("The value's type tag (docs/FORMAT.md): bool, int, "
                                             "uint, int64, uint64, double, float, string, bytes, "
                                             "char, date, time, datetime, url, uuid, size, "
                                             "sizef, point, pointf, rect, rectf, line, linef, "
                                             "stringlist, intlist, list, map, hash, color, font, "
                                             "keysequence, null. Default: string."),
                              QStringLiteral("T"), QStringLiteral("string"));
}

QCommandLineOption schemaOption(const QString &what)
{
    return QCommandLineOption(QStringLiteral("schema"),
                              QStringLiteral("A schema file (JSON, docs/SCHEMA.md): ") + what,
                              QStringLiteral("FILE"));
}

const QList<Command> &commands()
{
    static const QList<Command> list = {
            {QStringLiteral("get"),
             QStringLiteral("KEY [--schema FILE]"),
             QStringLiteral("Prints the key's value in its text form (docs/FORMAT.md). Exit code "
                            "3 when the store holds no such key (and the schema gives it no "
                            "default)."),
             {schemaOption(QStringLiteral("a key that is not stored prints its default."))},
             {QStringLiteral("KEY"), QStringLiteral("The key.")},
             1,
             1},
            {QStringLiteral("set"),
             QStringLiteral("KEY VALUE [--type T]"),
             QStringLiteral("Stores VALUE, given in the text form of type T, under KEY, and waits "
                            "until it is durable on disk."),
             {typeOption()},
             {QStringLiteral("KEY"), QStringLiteral("The key."), QStringLiteral("VALUE"),
              QStringLiteral("The value in the type's text form.")},
             2,
             2},
            {QStringLiteral("remove"),
             QStringLiteral("KEY"),
             QStringLiteral("Removes the key. Exit code 3 when the store holds no such key."),
             {},
             {QStringLiteral("KEY"), QStringLiteral("The key.")},
             1,
             1},
            {QStringLiteral("list"),
             QStringLiteral("[PREFIX]"),
             QStringLiteral("Prints every entry whose key starts with PREFIX, sorted by key: "
                            "KEY<TAB>TYPE<TAB>VALUE per line, with \\\\, \\t, \\n and \\r "
                            "escaped."),
             {},
             {QStringLiteral("PREFIX"), QStringLiteral("Only keys that start with it.")},
             0,
             1},
            {QStringLiteral("watch"),
             QStringLiteral("[PREFIX]"),
             QStringLiteral("Prints each change of a key that starts with PREFIX as it happens, "
                            "also those of other processes, one line each (set<TAB>KEY<TAB>TYPE"
                            "<TAB>VALUE or removed<TAB>KEY), until SIGINT or SIGTERM (exit code "
                            "0). Says \"watching\" on standard error once it follows the store."),
             {},
             {QStringLiteral("PREFIX"), QStringLiteral("Only keys that start with it.")},
             0,
             1},
            {QStringLiteral("export"),
             QStringLiteral("[FILE]"),
             QStringLiteral("Writes every entry with its type as JSON to FILE (replaced "
                            "atomically) or to standard output (no FILE, or -)."),
             {},
             {QStringLiteral("FILE"), QStringLiteral("Where to write; - for standard output.")},
             0,
             1},
            {QStringLiteral("import"),
             QStringLiteral("FILE [--replace]"),
             QStringLiteral("Stores every entry of an export file (- for standard input) as one "
                            "atomic batch; with --replace, the same batch removes the keys that "
                            "are not in the file."),
             {QCommandLineOption(QStringLiteral("replace"),
                                 QStringLiteral("Remove the keys that are not in the file."))},
             {QStringLiteral("FILE"), QStringLiteral("An export file; - for standard input.")},
             1,
             1},
            {QStringLiteral("convert"),
             QStringLiteral("TARGET [--merge]"),
             QStringLiteral("Copies every entry of the store into the store TARGET (another spec, "
                            "any backend) in one atomic batch, entries this process cannot decode "
                            "included, byte for byte. TARGET must be empty unless --merge is "
                            "given."),
             {QCommandLineOption(QStringLiteral("merge"),
                                 QStringLiteral("Write into a target that holds entries (the "
                                                "source's win)."))},
             {QStringLiteral("TARGET"), QStringLiteral("The target store's spec.")},
             1,
             1},
            {QStringLiteral("check"),
             QStringLiteral("[--schema FILE]"),
             QStringLiteral("Verifies the store: that it can be read, entries this process cannot "
                            "decode, a torn tail of a CSV store, and with --schema stored values "
                            "the schema refuses. Prints one line per problem "
                            "(KIND<TAB>WHERE<TAB>DETAIL); exit code 1 when there are any."),
             {schemaOption(QStringLiteral("stored values of its keys are checked against it."))},
             {},
             0,
             0},
            {QStringLiteral("reset"),
             QStringLiteral("[KEY] [--schema FILE]"),
             QStringLiteral("Removes the stored value of KEY, so that programs read its default "
                            "again; with --schema and no KEY, the stored values of every key the "
                            "schema declares, in one atomic batch. A key that is not stored is "
                            "no error."),
             {schemaOption(QStringLiteral("KEY must be declared in it; without KEY, every "
                                          "declared key is reset."))},
             {QStringLiteral("KEY"), QStringLiteral("The key.")},
             0,
             1},
    };
    return list;
}

const Command *findCommand(const QString &name)
{
    for (const Command &command : commands()) {
        if (command.name == name)
            return &command;
    }
    return nullptr;
}

QString generalHelp()
{
    QString text = QStringLiteral(
            "Usage: pmctl SPEC COMMAND [ARGUMENTS]\n"
            "       pmctl --help | --version | help [COMMAND]\n\n"
            "Reads and writes a persistent-map store, also one another program has open.\n\n"
            "SPEC names the store as PersistentMapBackend::create() reads it:\n"
            "  sqlite:PATH, csv:PATH[?readonly=1], memory:,\n"
            "  postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME],\n"
            "  or a bare PATH ending in .db, .sqlite, .sqlite3 or .csv.\n\n"
            "Commands:\n");
    for (const Command &command : commands()) {
        text += QStringLiteral("  %1 %2\n").arg(command.name, -8).arg(command.arguments);
    }
    text += QStringLiteral(
            "\n'pmctl help COMMAND' or 'pmctl SPEC COMMAND --help' describes a command.\n\n"
            "Exit codes: 0 success; 1 check found problems; 2 usage error; 3 no such key;\n"
            "4 a file to export to, import from or --schema failed; 10 + PersistentMapError::Code "
            "for a\n"
            "store error (10 OpenFailed, 11 Corrupt, 12 WriteFailed, 13 Locked, 14 Unsupported,\n"
            "15 ReadOnly, 16 DiskFull, 17 TooManyOpenFiles, 18 IoError, 19 SchemaViolation,\n"
            "20 InvalidSchema). docs/PMCTL.md.\n");
    return text;
}

void setUpParser(QCommandLineParser &parser, const Command &command)
{
    parser.setApplicationDescription(command.description);
    parser.addHelpOption();
    parser.addOptions(command.options);
    for (qsizetype i = 0; i + 1 < command.positional.size(); i += 2)
        parser.addPositionalArgument(command.positional.at(i), command.positional.at(i + 1));
}

QString commandHelp(const Command &command)
{
    QCommandLineParser parser;
    setUpParser(parser, command);
    QString help = parser.helpText();
    // Qt's first line names the program only: the synopsis is pmctl SPEC COMMAND ...
    const qsizetype end = help.indexOf(u'\n');
    return QStringLiteral("Usage: pmctl SPEC %1 %2").arg(command.name, command.arguments) +
            help.mid(end);
}

// The schema of --schema, or nullopt after printing why it cannot be read (exit code FileError).
std::optional<PersistentMapSchema> readSchema(const QCommandLineParser &parser)
{
    try {
        return PersistentMapSchema::fromJsonFile(parser.value(QStringLiteral("schema")));
    } catch (const PersistentMapError &e) {
        writeErr(e.message());
        return std::nullopt;
    }
}

// ---- opening stores --------------------------------------------------------------------------

enum class Access { Read, Write };

// The backend for spec: a CSV store opened for reading takes no lock (its writer may be running),
// and a file store opened for reading must exist (reading never creates one).
std::unique_ptr<PersistentMapBackend> openBackend(const QString &spec, Access access, int *exitCode)
{
    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    if (!parsed.isValid()) {
        writeErr(parsed.errorString());
        *exitCode = UsageError;
        return nullptr;
    }
    const bool isFile = parsed.backend() == PersistentMapStoreSpec::Backend::Sqlite ||
            parsed.backend() == PersistentMapStoreSpec::Backend::Csv;
    if (access == Access::Read && isFile && !QFileInfo::exists(parsed.path())) {
        writeErr(QStringLiteral("%1: no such file (reading never creates a store)")
                         .arg(parsed.redacted()));
        *exitCode = StoreErrorBase + int(PersistentMapError::Code::OpenFailed);
        return nullptr;
    }
    if (access == Access::Read && parsed.backend() == PersistentMapStoreSpec::Backend::Csv)
        return std::make_unique<PersistentMapCsvBackend>(
                parsed.path(), PersistentMapCsvBackend::OpenMode::ReadOnly);
    QString why;
    auto backend = PersistentMapBackend::create(spec, &why);
    if (!backend) {
        writeErr(why);
        *exitCode = UsageError;
    }
    return backend;
}

// A loaded map on spec, or null with *exitCode set and the cause printed.
std::unique_ptr<PersistentMap> openMap(const QString &spec, Access access, int *exitCode)
{
    auto backend = openBackend(spec, access, exitCode);
    if (!backend)
        return nullptr;
    auto map = std::make_unique<PersistentMap>(std::move(backend));
    if (const auto failure = failureOf(map->whenReady())) {
        const QString store = PersistentMapStoreSpec::parse(spec).redacted();
        *exitCode = storeError(store, *failure);
        if (failure->code() == PersistentMapError::Code::Locked && access == Access::Write) {
            writeErr(QStringLiteral("%1 is locked: a CSV store has one writer, which holds its "
                                    "lock while it runs, and pmctl does not write to a locked "
                                    "store (stop that program, or change the value through it); "
                                    "get, list, watch, export and check read it without the lock")
                             .arg(store));
        }
        return nullptr;
    }
    return map;
}

// Waits for future, then for the store to have it durable on disk.
int commit(const QString &spec, PersistentMap &map, QFuture<void> future)
{
    const QString store = PersistentMapStoreSpec::parse(spec).redacted();
    if (auto failure = failureOf(future))
        return storeError(store, *failure);
    if (auto failure = failureOf(map.flush()))
        return storeError(store, *failure);
    return Ok;
}

// Every entry of a backend, entries this process cannot decode included.
class CollectingLoader : public PersistentMapBackend::Loader
{
public:
    void add(QString &&key, QVariant &&value) override
    {
        entries.insert_or_assign(std::move(key), std::move(value));
    }
    std::map<QString, QVariant> entries;
};

std::map<QString, QVariant> sortedEntries(const PersistentMap &map)
{
    const QVariantHash entries = map.toHash();
    std::map<QString, QVariant> sorted;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it)
        sorted.emplace(it.key(), it.value());
    return sorted;
}

QString textOf(const QVariant &value, QString *type)
{
    const EncodedValue encoded = encodeValue(value);
    *type = encoded.type;
    return encoded.text;
}

// ---- commands --------------------------------------------------------------------------------

int get(const QString &spec, const QStringList &args, const QCommandLineParser &parser)
{
    std::optional<PersistentMapSchema> schema;
    if (parser.isSet(QStringLiteral("schema")) && !(schema = readSchema(parser)))
        return FileError;
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Read, &exitCode);
    if (!map)
        return exitCode;
    if (schema)
        map->setSchema(*schema);
    const QString &key = args.at(0);
    if (!map->contains(key) && !map->defaultValue(key).isValid()) {
        writeErr(QStringLiteral("no key '%1' in %2")
                         .arg(key, PersistentMapStoreSpec::parse(spec).redacted()));
        return MissingKey;
    }
    QString type;
    writeOut(textOf(map->value(key), &type) + u'\n');
    return Ok;
}

int set(const QString &spec, const QStringList &args, const QCommandLineParser &parser)
{
    const QString type = parser.value(QStringLiteral("type"));
    QVariant value;
    QString why;
    if (type == removedTag() || type == batchTag() ||
        !decodeValue(type, args.at(1), &value, &why)) {
        if (why.isEmpty())
            why = QStringLiteral("unknown type '%1'").arg(type);
        writeErr(QStringLiteral("the value is not of type %1: %2").arg(type, why));
        return UsageError;
    }
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Write, &exitCode);
    if (!map)
        return exitCode;
    return commit(spec, *map, map->insert(args.at(0), value));
}

int remove(const QString &spec, const QStringList &args)
{
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Write, &exitCode);
    if (!map)
        return exitCode;
    const QString &key = args.at(0);
    if (!map->contains(key)) {
        writeErr(QStringLiteral("no key '%1' in %2")
                         .arg(key, PersistentMapStoreSpec::parse(spec).redacted()));
        return MissingKey;
    }
    return commit(spec, *map, map->remove(key));
}

int list(const QString &spec, const QStringList &args)
{
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Read, &exitCode);
    if (!map)
        return exitCode;
    const QString prefix = args.value(0);
    const std::map<QString, QVariant> sorted = sortedEntries(*map);
    QString out;
    for (const auto &[key, value] : sorted) {
        if (!key.startsWith(prefix))
            continue;
        QString type;
        const QString text = textOf(value, &type);
        out += line({key, type, text});
    }
    writeOut(out);
    return Ok;
}

// SIGINT and SIGTERM end watch through the event loop: the handler writes to a pipe.
int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(signalPipe[1], &byte, 1);
}

int watch(const QString &spec, const QStringList &args)
{
    if (::pipe2(signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        writeErr(QStringLiteral("cannot create a pipe: %1").arg(qt_error_string(errno)));
        return StoreErrorBase + int(PersistentMapError::Code::OpenFailed);
    }
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    int exitCode = Ok;
    const auto map = openMap(spec, Access::Read, &exitCode);
    if (!map)
        return exitCode;
    const QString prefix = args.value(0);
    QObject::connect(map.get(), &PersistentMap::valueChanged,
                     [&prefix](const QString &key, const QVariant &value) {
                         if (!key.startsWith(prefix))
                             return;
                         QString type;
                         const QString text = textOf(value, &type);
                         writeOut(line({QStringLiteral("set"), key, type, text}));
                     });
    QObject::connect(map.get(), &PersistentMap::valueRemoved, [&prefix](const QString &key) {
        if (key.startsWith(prefix))
            writeOut(line({QStringLiteral("removed"), key}));
    });
    QObject::connect(map.get(), &PersistentMap::errorOccurred,
                     [](const QString &message) { writeErr(message); });
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, qApp, &QCoreApplication::quit);
    writeErr(QStringLiteral("watching %1").arg(PersistentMapStoreSpec::parse(spec).redacted()));
    QCoreApplication::exec();
    return Ok;
}

int exportStore(const QString &spec, const QStringList &args)
{
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Read, &exitCode);
    if (!map)
        return exitCode;
    const std::map<QString, QVariant> sorted = sortedEntries(*map);
    QJsonArray array;
    for (const auto &[key, value] : sorted) {
        QString type;
        const QString text = textOf(value, &type);
        array.append(QJsonObject{{QStringLiteral("key"), key},
                                 {QStringLiteral("type"), type},
                                 {QStringLiteral("value"), text}});
    }
    const QJsonObject root{{QStringLiteral("format"), ExportFormat},
                           {QStringLiteral("version"), ExportVersion},
                           {QStringLiteral("entries"), array}};
    QByteArray json = QJsonDocument(root).toJson(QJsonDocument::Indented);
    // Qt's JSON parser drops a U+FEFF that starts a string (taken for a byte order mark): written
    // as an escape, which it keeps. U+FEFF appears only inside strings in this document.
    json.replace("\xef\xbb\xbf", "\\ufeff");

    const QString file = args.value(0);
    // Replacing the store's own file (or a file SQLite keeps beside it) with the export would
    // destroy the store: the same file by any path (a symbolic link, ../).
    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    if (!file.isEmpty() && file != u"-" && !parsed.path().isEmpty()) {
        const QString target = QFileInfo(file).canonicalFilePath();
        const QString store = QFileInfo(parsed.path()).canonicalFilePath();
        for (const char *suffix : {"", "-wal", "-shm", "-journal"}) {
            if (!target.isEmpty() && !store.isEmpty() &&
                target == QFileInfo(store + QLatin1String(suffix)).canonicalFilePath()) {
                writeErr(QStringLiteral("cannot write %1: it is the store %2 itself")
                                 .arg(file, parsed.redacted()));
                return FileError;
            }
        }
    }
    if (file.isEmpty() || file == u"-") {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        return std::fflush(stdout) == 0 ? Ok : FileError;
    }
    // QSaveFile does not sync: without it a crash after exit code 0 can leave an empty file where
    // the old one was. Synced before the rename (commit), and the folder after it.
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(json) != json.size() || !out.flush()) {
        writeErr(QStringLiteral("cannot write %1: %2").arg(file, out.errorString()));
        return FileError;
    }
    if (::fsync(out.handle()) != 0) {
        writeErr(QStringLiteral("cannot write %1: cannot sync it to disk: %2")
                         .arg(file, QString::fromLocal8Bit(std::strerror(errno))));
        out.cancelWriting();
        out.commit();
        return FileError;
    }
    if (!out.commit()) {
        writeErr(QStringLiteral("cannot write %1: %2").arg(file, out.errorString()));
        return FileError;
    }
    const int folder = ::open(QFile::encodeName(QFileInfo(file).absolutePath()).constData(),
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool folderSynced = folder >= 0 && ::fsync(folder) == 0;
    const int folderError = errno;
    if (folder >= 0)
        ::close(folder);
    if (!folderSynced) {
        writeErr(QStringLiteral("cannot write %1: cannot sync its folder to disk: %2")
                         .arg(file, QString::fromLocal8Bit(std::strerror(folderError))));
        return FileError;
    }
    return Ok;
}

// The entries of an export file, decoded; nullopt after printing why.
std::optional<QVariantHash> readExport(const QString &file)
{
    QFile in;
    const bool opened = file == u"-" ? in.open(stdin, QIODevice::ReadOnly)
                                     : (in.setFileName(file), in.open(QIODevice::ReadOnly));
    if (!opened) {
        writeErr(QStringLiteral("cannot read %1: %2").arg(file, in.errorString()));
        return std::nullopt;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(in.readAll(), &error);
    if (document.isNull()) {
        writeErr(QStringLiteral("%1: not JSON: %2 at offset %3")
                         .arg(file, error.errorString())
                         .arg(error.offset));
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (root.value(QStringLiteral("format")).toString() != ExportFormat ||
        root.value(QStringLiteral("version")).toInt() != ExportVersion) {
        writeErr(QStringLiteral("%1: not a pmctl export (version %2): its \"format\" and "
                                "\"version\" are not \"%3\" and %2")
                         .arg(file)
                         .arg(ExportVersion)
                         .arg(ExportFormat));
        return std::nullopt;
    }
    // "entries" missing or not an array is no export: read as empty, it would make
    // import --replace remove every key.
    if (!root.value(QStringLiteral("entries")).isArray()) {
        writeErr(QStringLiteral("%1: not a pmctl export: \"entries\" is not an array").arg(file));
        return std::nullopt;
    }
    QVariantHash entries;
    const QJsonArray array = root.value(QStringLiteral("entries")).toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject entry = array.at(i).toObject();
        const QJsonValue key = entry.value(QStringLiteral("key"));
        const QJsonValue type = entry.value(QStringLiteral("type"));
        const QJsonValue text = entry.value(QStringLiteral("value"));
        QVariant value;
        QString why = QStringLiteral("\"key\", \"type\" and \"value\" must be strings");
        if (!key.isString() || !type.isString() || !text.isString() ||
            type.toString() == removedTag() || type.toString() == batchTag() ||
            !decodeValue(type.toString(), text.toString(), &value, &why)) {
            writeErr(QStringLiteral("%1: entry %2 ('%3'): %4")
                             .arg(file)
                             .arg(i + 1)
                             .arg(key.toString(), why));
            return std::nullopt;
        }
        if (entries.contains(key.toString())) {
            writeErr(QStringLiteral("%1: entry %2 ('%3'): the key appears twice")
                             .arg(file)
                             .arg(i + 1)
                             .arg(key.toString()));
            return std::nullopt;
        }
        entries.insert(key.toString(), value);
    }
    return entries;
}

int importStore(const QString &spec, const QStringList &args, const QCommandLineParser &parser)
{
    const std::optional<QVariantHash> entries = readExport(args.at(0));
    if (!entries)
        return FileError;
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Write, &exitCode);
    if (!map)
        return exitCode;
    PersistentMapWriteBatch batch;
    if (parser.isSet(QStringLiteral("replace"))) {
        for (const QString &key : map->keys()) {
            if (!entries->contains(key))
                batch.remove(key);
        }
    }
    for (auto it = entries->cbegin(); it != entries->cend(); ++it)
        batch.insert(it.key(), it.value());
    return commit(spec, *map, map->apply(batch));
}

int convert(const QString &spec, const QStringList &args, const QCommandLineParser &parser)
{
    const QString &targetSpec = args.at(0);
    int exitCode = Ok;
    auto source = openBackend(spec, Access::Read, &exitCode);
    if (!source)
        return exitCode;
    CollectingLoader entries;
    try {
        source->loadInto(entries);
    } catch (const PersistentMapError &e) {
        return storeError(PersistentMapStoreSpec::parse(spec).redacted(), e);
    }
    auto target = openBackend(targetSpec, Access::Write, &exitCode);
    if (!target)
        return exitCode;
    const QString targetName = PersistentMapStoreSpec::parse(targetSpec).redacted();
    try {
        CollectingLoader existing;
        target->loadInto(existing);
        QString why;
        if (target->isReadOnly(&why))
            throw PersistentMapError(PersistentMapError::Code::ReadOnly, why);
        if (!existing.entries.empty() && !parser.isSet(QStringLiteral("merge"))) {
            writeErr(QStringLiteral("%1 holds %2 entries; convert writes into an empty store "
                                    "(--merge writes into this one)")
                             .arg(targetName)
                             .arg(existing.entries.size()));
            return UsageError;
        }
        PersistentMapWriteBatch batch;
        QStringList refused;
        for (const auto &[key, value] : entries.entries) {
            if (!target->canStore(key, value, &why))
                refused << QStringLiteral("'%1': %2").arg(key, why);
            batch.insert(key, value);
        }
        if (!refused.isEmpty()) {
            throw PersistentMapError(PersistentMapError::Code::Unsupported,
                                     QStringLiteral("cannot hold %1 of the entries, nothing was "
                                                    "written: %2")
                                             .arg(refused.size())
                                             .arg(refused.join(QStringLiteral("; "))));
        }
        if (!batch.isEmpty())
            target->apply(batch);
        target->flush();
    } catch (const PersistentMapError &e) {
        return storeError(targetName, e);
    }
    return Ok;
}

// Whether a CSV file ends in a write cut off by a crash, as the owner that opens it next finds it
// (docs/FORMAT.md, "CSV"): the library's own rule, run on a private copy of the file opened as
// its owner, which keeps a torn write aside in PATH.torn-* and says why (captured, not printed).
// *detail gets that reason.
bool csvTornTail(const QString &path, QString *detail)
{
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("store.csv"));
    if (!dir.isValid() || !QFile::copy(path, copy))
        return false; // the backend's load reported an unreadable file
    QStringList said;
    capturedLog = &said;
    try {
        PersistentMapCsvBackend owner(copy);
        CollectingLoader ignored;
        owner.loadInto(ignored);
    } catch (const PersistentMapError &) {
        // Damage, reported by the read-only load.
    }
    capturedLog = nullptr;
    if (QDir(dir.path()).entryList({QStringLiteral("store.csv.torn-*")}, QDir::Files).isEmpty())
        return false;
    // "CSV store COPY: line N is incomplete, ...; the cut bytes are kept in COPY.torn-...".
    for (const QString &message : std::as_const(said)) {
        const qsizetype from = message.indexOf(QStringLiteral(": "));
        const qsizetype to = message.lastIndexOf(QStringLiteral("; the cut bytes are kept in"));
        if (message.contains(copy) && from > 0 && to > from) {
            *detail = message.mid(from + 2, to - from - 2) +
                    QStringLiteral(" (at its next open, the owner does so and keeps the bytes in "
                                   "PATH.torn-*)");
            return true;
        }
    }
    *detail = QStringLiteral("its last write is incomplete, probably cut off by a crash");
    return true;
}

int check(const QString &spec, const QCommandLineParser &parser)
{
    std::optional<PersistentMapSchema> schema;
    if (parser.isSet(QStringLiteral("schema")) && !(schema = readSchema(parser)))
        return FileError;
    int exitCode = Ok;
    auto backend = openBackend(spec, Access::Read, &exitCode);
    if (!backend)
        return exitCode;
    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    const QString store = parsed.redacted();
    QString out;
    qsizetype problems = 0;
    CollectingLoader entries;
    try {
        backend->loadInto(entries);
    } catch (const PersistentMapError &e) {
        if (e.code() != PersistentMapError::Code::Corrupt)
            return storeError(store, e);
        out += line({QStringLiteral("corrupt"), store, e.message()});
        ++problems;
    }
    for (const auto &[key, value] : entries.entries) {
        QString why;
        if (isUndecoded(value)) {
            const UndecodedValue kept = value.value<UndecodedValue>();
            out += line({QStringLiteral("undecodable"), key,
                         QStringLiteral("type '%1': %2").arg(kept.type, kept.why)});
            ++problems;
        } else if (schema && !schema->check(key, value, nullptr, &why)) {
            // The rule a write of the value would meet now (PersistentMapSchema::check()).
            out += line({QStringLiteral("schema"), key, why});
            ++problems;
        }
    }
    QString detail;
    if (parsed.backend() == PersistentMapStoreSpec::Backend::Csv &&
        csvTornTail(parsed.path(), &detail)) {
        out += line({QStringLiteral("torn"), parsed.path(), detail});
        ++problems;
    }
    writeOut(out);
    if (problems) {
        writeErr(QStringLiteral("%1: %2 problem(s)").arg(store).arg(problems));
        return ProblemsFound;
    }
    writeErr(QStringLiteral("%1: %2 entries, no problems").arg(store).arg(entries.entries.size()));
    return Ok;
}

int reset(const QString &spec, const QStringList &args, const QCommandLineParser &parser)
{
    std::optional<PersistentMapSchema> schema;
    if (parser.isSet(QStringLiteral("schema")) && !(schema = readSchema(parser)))
        return FileError;
    if (args.isEmpty() && !schema) {
        writeErr(QStringLiteral("reset without KEY resets the keys a schema declares: give "
                                "--schema FILE (pmctl help reset)"));
        return UsageError;
    }
    const QString key = args.value(0);
    if (schema && !key.isEmpty() && !schema->contains(key)) {
        writeErr(QStringLiteral("key '%1' is not declared in %2")
                         .arg(key, parser.value(QStringLiteral("schema"))));
        return UsageError;
    }
    int exitCode = Ok;
    const auto map = openMap(spec, Access::Write, &exitCode);
    if (!map)
        return exitCode;
    if (schema)
        map->setSchema(*schema);
    return commit(spec, *map, key.isEmpty() ? map->resetAll() : map->reset(key));
}

int run(const QStringList &arguments)
{
    const QStringList args = arguments.mid(1);
    // After "--" every argument is a key or value, also "-v" or "--help".
    const QStringList flags = args.mid(0, args.indexOf(QStringLiteral("--")));
    if (flags.contains(QStringLiteral("--version")) || flags.contains(QStringLiteral("-v"))) {
        writeOut(QStringLiteral("pmctl %1\n").arg(QCoreApplication::applicationVersion()));
        return Ok;
    }
    const bool help = flags.contains(QStringLiteral("--help")) ||
            flags.contains(QStringLiteral("-h")) || args.value(0) == u"help";
    if (help) {
        // The command named: "help COMMAND", "SPEC COMMAND --help" or "COMMAND --help".
        const Command *command = nullptr;
        for (const QString &arg : flags) {
            if (!arg.startsWith(u'-') && arg != u"help" && (command = findCommand(arg)))
                break;
        }
        writeOut(command ? commandHelp(*command) : generalHelp());
        return Ok;
    }
    if (args.size() < 2) {
        writeErr(QStringLiteral("usage: pmctl SPEC COMMAND [ARGUMENTS] (pmctl --help)"));
        return UsageError;
    }
    const QString &spec = args.at(0);
    const Command *command = findCommand(args.at(1));
    if (!command) {
        writeErr(QStringLiteral("unknown command '%1' (pmctl --help lists them)").arg(args.at(1)));
        return UsageError;
    }
    QCommandLineParser parser;
    setUpParser(parser, *command);
    if (!parser.parse(QStringList{QStringLiteral("pmctl")} + args.mid(2))) {
        writeErr(QStringLiteral("%1: %2 (pmctl help %1)").arg(command->name, parser.errorText()));
        return UsageError;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() < command->minArguments || positional.size() > command->maxArguments) {
        writeErr(QStringLiteral("usage: pmctl SPEC %1 %2").arg(command->name, command->arguments));
        return UsageError;
    }
    const QString &name = command->name;
    if (name == u"get")
        return get(spec, positional, parser);
    if (name == u"set")
        return set(spec, positional, parser);
    if (name == u"remove")
        return remove(spec, positional);
    if (name == u"list")
        return list(spec, positional);
    if (name == u"watch")
        return watch(spec, positional);
    if (name == u"export")
        return exportStore(spec, positional);
    if (name == u"import")
        return importStore(spec, positional, parser);
    if (name == u"convert")
        return convert(spec, positional, parser);
    if (name == u"check")
        return check(spec, parser);
    return reset(spec, positional, parser);
}

} // namespace

int main(int argc, char **argv)
{
    qInstallMessageHandler(logMessage);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pmctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PERSISTENTMAP_VERSION_STRING));
    // Qt Gui's value types (QColor, QFont, QKeySequence) are known to QMetaType once Qt Gui is
    // loaded; a call into it keeps the linker from dropping it (--as-needed). No QGuiApplication:
    // pmctl needs no display.
    if (!QColor::isValidColorName(u"white"))
        return UsageError;
    return run(QCoreApplication::arguments());
}
