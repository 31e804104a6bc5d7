// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// tst_apidocs: runs scripts/apidocs.sh (without installing anything) into a temporary folder and
// checks what it made, so the API reference cannot rot unseen. The expected classes come from
// the headers themselves, found the way the script finds them (every *.h under src/ but *_p.h):
// each exported class has a page that carries its header's contract and no private parts, and
// the Qt help file is an SQLite database with the versioned namespace, an index entry and a page
// for each of them. A Doxygen warning fails the script and so this test.
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

namespace {

const QString sourceDir = QStringLiteral(SOURCE_DIR);

// An exported class of a public header, and the first words of the header's file-top contract.
struct PublicClass
{
    QString name;
    QString header;
    QString contractStart;
};

QList<PublicClass> publicClasses()
{
    static const QRegularExpression exported(
            QStringLiteral("^class\\s+[A-Z_]+_EXPORT\\s+([A-Za-z_][A-Za-z0-9_]*)"),
            QRegularExpression::MultilineOption);
    QList<PublicClass> classes;
    QDirIterator it(sourceDir + QStringLiteral("/src"), {QStringLiteral("*.h")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.endsWith(QLatin1String("_p.h")))
            continue;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
            continue;
        const QString text = QString::fromUtf8(file.readAll());
        // The contract's first line, up to the first markup (a code span, a parenthesis).
        QString contract;
        for (const QString &line : text.split(u'\n')) {
            if (line.startsWith(QLatin1String("/// "))) {
                contract = line.mid(4);
                break;
            }
        }
        contract = contract.section(QRegularExpression(QStringLiteral("[`(]")), 0, 0).trimmed();
        auto match = exported.globalMatch(text);
        while (match.hasNext())
            classes.append({match.next().captured(1), path.mid(sourceDir.size() + 1), contract});
    }
    return classes;
}

// A page's text: tags dropped, entities of Doxygen's HTML decoded, white space collapsed.
QString pageText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(file.readAll());
    text.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    text.replace(QLatin1String("&lt;"), QLatin1String("<"))
            .replace(QLatin1String("&gt;"), QLatin1String(">"))
            .replace(QLatin1String("&quot;"), QLatin1String("\""))
            .replace(QLatin1String("&#39;"), QLatin1String("'"))
            .replace(QLatin1String("&amp;"), QLatin1String("&"));
    return text.simplified();
}

} // namespace

class tst_ApiDocs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void classPages_data();
    void classPages();
    void noPrivateParts();
    void qtHelpFile();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;
    QString m_html;
    QList<PublicClass> m_classes;
};

void tst_ApiDocs::initTestCase()
{
    QVERIFY2(m_dir.isValid(), qPrintable(m_dir.errorString()));
    m_classes = publicClasses();
    QVERIFY2(m_classes.size() >= 5,
             qPrintable(QStringLiteral("only %1 exported classes found under %2/src")
                                .arg(m_classes.size())
                                .arg(sourceDir)));

    QProcess script;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DOXYGEN"), QStringLiteral(DOXYGEN_PATH));
    env.insert(QStringLiteral("QHELPGENERATOR"), QStringLiteral(QHELPGENERATOR_PATH));
    script.setProcessEnvironment(env);
    script.setProcessChannelMode(QProcess::MergedChannels);
    script.start(sourceDir + QStringLiteral("/scripts/apidocs.sh"),
                 {QStringLiteral("--no-install"), m_dir.path()});
    QVERIFY2(script.waitForFinished(240000), "scripts/apidocs.sh did not finish in 240 s");
    const QByteArray output = script.readAll();
    QVERIFY2(script.exitStatus() == QProcess::NormalExit && script.exitCode() == 0,
             output.constData());
    m_html = m_dir.path() + QStringLiteral("/html");
}

void tst_ApiDocs::classPages_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("contractStart");
    for (const PublicClass &c : publicClasses())
        QTest::newRow(qPrintable(c.name)) << c.name << c.contractStart;
}

// Each exported class has its page, and the page carries its header's contract (the comment
// above the #ifndef reaches the class only through the Doxyfile's filter of forward
// declarations: this checks that it did).
void tst_ApiDocs::classPages()
{
    QFETCH(QString, name);
    QFETCH(QString, contractStart);
    const QString page = m_html + QStringLiteral("/class") + name + QStringLiteral(".html");
    QVERIFY2(QFile::exists(page), qPrintable(page + QStringLiteral(" is missing")));
    const QString text = pageText(page);
    QVERIFY(text.contains(name + QStringLiteral(" Class Reference")));
    QVERIFY2(!contractStart.isEmpty(), "the header has no /// contract at its top");
    QVERIFY2(text.contains(QStringLiteral("Detailed Description ") + contractStart),
             qPrintable(QStringLiteral("%1 does not start its detailed description with \"%2\"")
                                .arg(page, contractStart)));
}

// EXTRACT_PRIVATE NO and EXCLUDE_SYMBOLS: no d-pointer classes, no private members.
void tst_ApiDocs::noPrivateParts()
{
    const QStringList privatePages = QDir(m_html).entryList({QStringLiteral("class*Private*")});
    QVERIFY2(privatePages.isEmpty(), qPrintable(privatePages.join(u' ')));
    for (const PublicClass &c : std::as_const(m_classes)) {
        const QString page = m_html + QStringLiteral("/class") + c.name + QStringLiteral(".html");
        const QString text = pageText(page);
        QVERIFY2(!text.contains(QLatin1String("d_ptr")), qPrintable(page));
        QVERIFY2(!text.contains(QLatin1String("Private Attributes")), qPrintable(page));
        QVERIFY2(!text.contains(QLatin1String("Private Member Functions")), qPrintable(page));
    }
}

// The .qch file is an SQLite database (Qt's help format) that knows every class.
void tst_ApiDocs::qtHelpFile()
{
    const QString qch = m_html + QStringLiteral("/persistent-map.qch");
    QFile file(qch);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(qch + QStringLiteral(" is missing")));
    QVERIFY2(file.size() > 0, qPrintable(qch + QStringLiteral(" is empty")));
    QCOMPARE(file.read(16), QByteArray("SQLite format 3\0", 16));
    file.close();

    {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("qch"));
        db.setDatabaseName(qch);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));

        QSqlQuery query(db);
        QVERIFY2(query.exec(QStringLiteral("SELECT Name FROM NamespaceTable")),
                 qPrintable(query.lastError().text()));
        QStringList namespaces;
        while (query.next())
            namespaces.append(query.value(0).toString());
        QCOMPARE(namespaces,
                 QStringList{QStringLiteral("org.persistentmap.") +
                             QStringLiteral(PROJECT_VERSION)});

        QVERIFY2(query.exec(QStringLiteral("SELECT Name FROM IndexTable")),
                 qPrintable(query.lastError().text()));
        QSet<QString> keywords;
        while (query.next())
            keywords.insert(query.value(0).toString());
        QVERIFY2(query.exec(QStringLiteral("SELECT Name FROM FileNameTable")),
                 qPrintable(query.lastError().text()));
        QSet<QString> files;
        while (query.next())
            files.insert(query.value(0).toString());
        for (const PublicClass &c : std::as_const(m_classes)) {
            QVERIFY2(keywords.contains(c.name),
                     qPrintable(c.name + QStringLiteral(" is not in the help index")));
            QVERIFY2(files.contains(QStringLiteral("class") + c.name + QStringLiteral(".html")),
                     qPrintable(c.name + QStringLiteral("'s page is not in the help file")));
        }
        QVERIFY(files.contains(QStringLiteral("index.html")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("qch"));
}

void tst_ApiDocs::cleanupTestCase()
{
    if (QTest::currentTestFailed())
        m_dir.setAutoRemove(false);
}

QTEST_GUILESS_MAIN(tst_ApiDocs)
#include "tst_apidocs.moc"
