// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// tst_qmllint: Qt's qmllint over every .qml file under examples/ and over every ```qml block of
// README.md, docs/*.md and examples/*/README.md, with the build tree's PersistentMap module on
// the import path. Any warning fails; qmllint's "Info:" notes (an unused import) are shown, not
// counted.
//
// A block with import lines is a whole QML document and is linted as it stands. A block without
// any is a fragment: it is linted inside an Item, in a file that imports QtQuick,
// QtQuick.Controls and PersistentMap and, when the fragment uses `store` without declaring it,
// declares `PersistentMap { id: store }` (the documentation's fragments share that store). A
// warning names the Markdown file and line.
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

namespace {

const QString sourceDir = QStringLiteral(SOURCE_DIR);
const QString importDir = QStringLiteral(QML_IMPORT_DIR);
const QString workDir = QStringLiteral(WORK_DIR);

// One ```qml block: the Markdown file (relative to the source tree), the line of its first line
// of code, and its lines.
struct Block
{
    QString markdown;
    int firstLine = 0;
    QStringList lines;
};

// The ```qml blocks of one Markdown file; false in `complete` when a block is never closed.
QList<Block> qmlBlocks(const QString &relativePath, bool *complete)
{
    QFile file(sourceDir + u'/' + relativePath);
    *complete = file.open(QIODevice::ReadOnly | QIODevice::Text);
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    QList<Block> blocks;
    bool inside = false;
    bool inOtherBlock = false;
    for (int i = 0; i < lines.size(); ++i) {
        const QString fence = lines.at(i).trimmed();
        if (inside) {
            if (fence.startsWith(QLatin1String("```")))
                inside = false;
            else
                blocks.last().lines.append(lines.at(i));
        } else if (inOtherBlock) {
            // A ```qml line inside another fenced block (```sh, ```md) is not a block.
            if (fence.startsWith(QLatin1String("```")))
                inOtherBlock = false;
        } else if (fence == u"```qml") {
            inside = true;
            blocks.append({relativePath, i + 2, {}});
        } else if (fence.startsWith(QLatin1String("```"))) {
            inOtherBlock = true;
        }
    }
    if (inside)
        *complete = false;
    return blocks;
}

bool usesName(const QString &code, const QString &name)
{
    return code.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(name)));
}

bool declaresName(const QString &code, const QString &name)
{
    return code.contains(QRegularExpression(QStringLiteral("\\bid\\s*:\\s*%1\\b").arg(name)));
}

// Writes the block as a file to lint; `offset` is the number of lines written before its first.
QString writeBlock(const Block &block, int *offset)
{
    QStringList out;
    const QString code = block.lines.join(u'\n');
    const bool whole = code.contains(QRegularExpression(QStringLiteral("^\\s*import\\s"),
                                                        QRegularExpression::MultilineOption));
    if (whole) {
        out = block.lines;
        *offset = 0;
    } else {
        out << QStringLiteral("// %1:%2, a fragment (tests/qmllint/tst_qmllint.cpp)")
                        .arg(block.markdown)
                        .arg(block.firstLine)
            << QStringLiteral("import QtQuick") << QStringLiteral("import QtQuick.Controls")
            << QStringLiteral("import PersistentMap") << QString() << QStringLiteral("Item {");
        if (usesName(code, QStringLiteral("store")) && !declaresName(code, QStringLiteral("store")))
            out << QStringLiteral("    PersistentMap { id: store }");
        *offset = int(out.size());
        for (const QString &line : block.lines)
            out << (line.isEmpty() ? line : QStringLiteral("    ") + line);
        out << QStringLiteral("}");
    }
    // Lower-case names: a file name that starts with a capital would be a type of the folder.
    QString name = block.markdown.toLower();
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString path = QStringLiteral("%1/%2-%3.qml").arg(workDir, name).arg(block.firstLine);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text) ||
        file.write((out.join(u'\n') + u'\n').toUtf8()) < 0)
        return QString();
    return path;
}

struct LintResult
{
    bool ran = false;
    int exitCode = -1;
    QString output;
};

// qmllint FILE with the module's import path. Not --ignore-settings: Qt 6.4's qmllint then
// ignores -I as well (seen here); the source and build trees hold no .qmllint.ini.
LintResult runQmllint(const QString &file)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(QMLLINT_PATH), {QStringLiteral("-I"), importDir, file});
    LintResult result;
    result.ran = process.waitForFinished(240000) && process.exitStatus() == QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.output = QString::fromUtf8(process.readAll());
    if (!result.ran)
        result.output += process.errorString();
    return result;
}

int warningCount(const QString &output)
{
    return int(output.count(
            QRegularExpression(QStringLiteral("^Warning: "), QRegularExpression::MultilineOption)));
}

} // namespace

class tst_QmlLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void typeInformation();
    void catchesMistakes();
    void lint_data();
    void lint();

private:
    QStringList markdownFiles() const;
};

QStringList tst_QmlLint::markdownFiles() const
{
    QStringList files{QStringLiteral("README.md")};
    for (const QString &folder : {QStringLiteral("docs"), QStringLiteral("examples")}) {
        QDirIterator it(sourceDir + u'/' + folder, {QStringLiteral("*.md")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            files << QDir(sourceDir).relativeFilePath(it.next());
    }
    std::sort(files.begin() + 1, files.end());
    return files;
}

void tst_QmlLint::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(QMLLINT_PATH)), QMLLINT_PATH);
    QVERIFY(QDir().mkpath(workDir));
    // The files this test is about have blocks to lint: a renamed fence would otherwise leave
    // nothing checked.
    for (const QString &markdown : {QStringLiteral("README.md"), QStringLiteral("docs/QML.md")}) {
        bool complete = false;
        QVERIFY2(!qmlBlocks(markdown, &complete).isEmpty(), qPrintable(markdown));
        QVERIFY2(complete, qPrintable(markdown + QStringLiteral(": a ```qml block is not closed")));
    }
}

// The module ships its type information, named by its qmldir: what qmllint, the QML compiler
// and Qt Creator's code model read.
void tst_QmlLint::typeInformation()
{
    QFile qmldir(importDir + QStringLiteral("/PersistentMap/qmldir"));
    QVERIFY2(qmldir.open(QIODevice::ReadOnly | QIODevice::Text), qPrintable(qmldir.fileName()));
    const QRegularExpressionMatch typeinfo =
            QRegularExpression(QStringLiteral("^typeinfo\\s+(\\S+)$"),
                               QRegularExpression::MultilineOption)
                    .match(QString::fromUtf8(qmldir.readAll()));
    QVERIFY2(typeinfo.hasMatch(), "the qmldir has no typeinfo line");
    QFile qmltypes(importDir + QStringLiteral("/PersistentMap/") + typeinfo.captured(1));
    QVERIFY2(qmltypes.open(QIODevice::ReadOnly | QIODevice::Text), qPrintable(qmltypes.fileName()));
    const QString types = QString::fromUtf8(qmltypes.readAll());
    for (const char *type : {"PersistentMap", "PersistentSettings", "PersistentMapModel"}) {
        QVERIFY2(types.contains(QStringLiteral("\"PersistentMap/%1 ").arg(QLatin1String(type))),
                 type);
    }
}

// The check can fail: misspelt properties of the QML item and of the C++ model are reported,
// which needs the module's type information (a module that is not found reads differently).
void tst_QmlLint::catchesMistakes()
{
    const QString path = workDir + QStringLiteral("/mistakes.qml");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text));
    file.write("import QtQuick\n"
               "import PersistentMap\n"
               "Item {\n"
               "    PersistentMap { id: store; sourc: \"memory:\" }\n"
               "    PersistentMapModel { map: store; prefx: \"note/\" }\n"
               "}\n");
    file.close();
    const LintResult result = runQmllint(path);
    QVERIFY2(result.ran, qPrintable(result.output));
    QVERIFY2(result.exitCode != 0, qPrintable(result.output));
    QVERIFY2(result.output.contains(QLatin1String("no property \"sourc\"")),
             qPrintable(result.output));
    QVERIFY2(result.output.contains(QLatin1String("no property \"prefx\"")),
             qPrintable(result.output));
    QVERIFY2(!result.output.contains(QLatin1String("Failed to import")), qPrintable(result.output));
    QCOMPARE(warningCount(result.output), 2);
}

void tst_QmlLint::lint_data()
{
    QTest::addColumn<QString>("file"); // what qmllint reads
    QTest::addColumn<QString>("markdown"); // for a block: its Markdown file
    QTest::addColumn<int>("firstLine"); // and the line of its first line of code
    QTest::addColumn<int>("offset"); // the lines written before it
    QTest::addColumn<int>("lineCount"); // and its own

    QStringList examples;
    QDirIterator it(sourceDir + QStringLiteral("/examples"), {QStringLiteral("*.qml")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        examples << it.next();
    std::sort(examples.begin(), examples.end());
    QVERIFY(!examples.isEmpty());
    for (const QString &path : std::as_const(examples)) {
        QTest::newRow(qPrintable(QDir(sourceDir).relativeFilePath(path)))
                << path << QString() << 0 << 0 << 0;
    }

    for (const QString &markdown : markdownFiles()) {
        bool complete = false;
        const QList<Block> blocks = qmlBlocks(markdown, &complete);
        QVERIFY2(complete, qPrintable(markdown + QStringLiteral(": a ```qml block is not closed")));
        for (const Block &block : blocks) {
            int offset = 0;
            const QString path = writeBlock(block, &offset);
            QVERIFY2(!path.isEmpty(), qPrintable(workDir));
            QTest::newRow(qPrintable(QStringLiteral("%1:%2").arg(markdown).arg(block.firstLine)))
                    << path << markdown << block.firstLine << offset << int(block.lines.size());
        }
    }
}

void tst_QmlLint::lint()
{
    QFETCH(QString, file);
    QFETCH(QString, markdown);
    QFETCH(int, firstLine);
    QFETCH(int, offset);
    QFETCH(int, lineCount);

    const LintResult result = runQmllint(file);
    QString output = result.output;
    if (!markdown.isEmpty()) {
        // "file.qml:LINE:COLUMN" also as the line of the Markdown file.
        const QRegularExpression position(QRegularExpression::escape(file) +
                                          QStringLiteral(":(\\d+):(\\d+)"));
        QString mapped;
        qsizetype last = 0;
        for (const QRegularExpressionMatch &match : position.globalMatch(output)) {
            const int line = match.captured(1).toInt();
            mapped += output.mid(last, match.capturedStart() - last);
            if (line > offset && line <= offset + lineCount)
                mapped += QStringLiteral("%1:%2:%3 (%4:%5)")
                                  .arg(markdown)
                                  .arg(firstLine + line - offset - 1)
                                  .arg(match.captured(2), file, match.captured(1));
            else
                mapped += QStringLiteral("%1:%2 (the wrapper around %3:%4)")
                                  .arg(file, match.captured(1), markdown)
                                  .arg(firstLine);
            last = match.capturedEnd();
        }
        output = mapped + output.mid(last);
    }
    QVERIFY2(result.ran, qPrintable(output));
    QVERIFY2(warningCount(output) == 0 && result.exitCode == 0,
             qPrintable(
                     QStringLiteral("qmllint exit code %1:\n%2").arg(result.exitCode).arg(output)));
    if (!output.trimmed().isEmpty())
        qInfo().noquote() << output.trimmed();
}

QTEST_GUILESS_MAIN(tst_QmlLint)
#include "tst_qmllint.moc"
