// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Property-based round trip (issue 12): random values of every type in docs/FORMAT.md's table
// (extremes, empty, NaN, infinities, -0, every time spec with offsets in seconds and IANA zones,
// dates outside 0..9999, deep nesting, astral and CSV-hostile text) are written through each
// backend, read back by a new map in this process and by a child process (this executable with
// --check) that regenerates them from the same seed: each must come back with the same type and
// exactly the same value. PM_ROUNDTRIP_SEED reproduces a run, PM_ROUNDTRIP_COUNT sets its size.
#include "postgrestest.h"
#include "splitmix.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>

#include <QtCore/QDateTime>
#include <QtCore/QLine>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRect>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QGuiApplication>
#include <QtGui/QKeySequence>
#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <limits>

namespace {

// Values a store must hold exactly. U+0000 is left out where the store cannot hold it
// (PostgreSQL text; refused at insert(), tested in tst_postgresbackend).
class Generator
{
public:
    Generator(quint64 seed, bool allowNul)
        : m_rng(seed)
        , m_allowNul(allowNul)
    {
    }

    QVariant value(int depth = 0)
    {
        // 64 nested containers (the deepest a store takes) now and then.
        if (depth == 0 && chance(60))
            return deepChain();
        const int kinds = depth < 4 ? 33 : 30; // no containers below four levels
        switch (m_rng.bounded(kinds)) {
        case 0:
            return QVariant();
        case 1:
            return bool(m_rng.next() & 1);
        case 2:
            return int(pick<qint64>({0, -1, std::numeric_limits<int>::min(),
                                     std::numeric_limits<int>::max(), qint64(int(m_rng.next()))}));
        case 3:
            return uint(pick<quint64>(
                    {0, std::numeric_limits<uint>::max(), quint64(uint(m_rng.next()))}));
        case 4:
            return qlonglong(
                    pick<quint64>({0, quint64(std::numeric_limits<qlonglong>::min()),
                                   quint64(std::numeric_limits<qlonglong>::max()), m_rng.next()}));
        case 5:
            return qulonglong(
                    pick<quint64>({0, std::numeric_limits<qulonglong>::max(), m_rng.next()}));
        case 6:
            return real();
        case 7:
            return float(real());
        case 8:
            return string();
        case 9: {
            QByteArray bytes(m_rng.bounded(40), Qt::Uninitialized);
            for (char &c : bytes)
                c = char(m_rng.next());
            return bytes;
        }
        case 10: {
            char16_t c = 0;
            do {
                c = char16_t(m_rng.bounded(0x10000));
            } while (QChar::isSurrogate(c) || (c == 0 && !m_allowNul));
            return QChar(c);
        }
        case 11:
            return date();
        case 12:
            return chance(10) ? QTime() : QTime::fromMSecsSinceStartOfDay(m_rng.bounded(86400000));
        case 13:
            return dateTime();
        case 14:
            return QUrl(pick<QString>({QString(),
                                       QStringLiteral("https://example.org/a%20b?q=%C3%BC#f"),
                                       QStringLiteral("file:///tmp/x y"),
                                       QStringLiteral("mailto:someone@example.com"),
                                       QStringLiteral("https://[::1]:8080/%E6%97%A5?a=1&b=%22")}));
        case 15:
            return chance(10) ? QUuid() : QUuid::fromRfc4122(bytes(16));
        case 16: {
            QStringList list;
            for (int i = m_rng.bounded(5); i > 0; --i)
                list << string();
            return list;
        }
        case 17: {
            QList<int> list;
            for (int i = m_rng.bounded(6); i > 0; --i)
                list << int(m_rng.next());
            return QVariant::fromValue(list);
        }
        case 18:
            return QSize(integer(), integer());
        case 19:
            return QSizeF(real(), real());
        case 20:
            return QPoint(integer(), integer());
        case 21:
            return QPointF(real(), real());
        case 22: // corners within the int range: a width past it is refused (tst_valuecodec)
            return QRect(m_rng.bounded(2000000) - 1000000, integer() / 2,
                         m_rng.bounded(100000) - 10, m_rng.bounded(100000) - 10);
        case 23:
            return QRectF(real(), real(), real(), real());
        case 24:
            return QLine(integer(), integer(), integer(), integer());
        case 25:
            return QLineF(real(), real(), real(), real());
        case 26:
            return chance(8) ? QColor()
                             : QColor(m_rng.bounded(256), m_rng.bounded(256), m_rng.bounded(256),
                                      m_rng.bounded(256));
        case 27: {
            QFont font(pick<QString>({QStringLiteral("DejaVu Sans"), QStringLiteral("Noto Serif"),
                                      QStringLiteral("Some Font That Is Not Installed")}),
                       1 + m_rng.bounded(72));
            font.setBold(m_rng.next() & 1);
            font.setItalic(m_rng.next() & 1);
            return font;
        }
        case 28:
            return QKeySequence(pick<QString>(
                    {QString(), QStringLiteral("Ctrl+S"), QStringLiteral("Ctrl+Shift+Alt+F12"),
                     QStringLiteral("Ctrl+K, Ctrl+D"), QStringLiteral("Meta+Space")}));
        case 29:
            return QVariant::fromValue(nullptr);
        case 30: {
            QVariantList list;
            for (int i = m_rng.bounded(5); i > 0; --i)
                list << value(depth + 1);
            return list;
        }
        case 31: {
            QVariantMap map;
            for (int i = m_rng.bounded(5); i > 0; --i)
                map.insert(string(), value(depth + 1));
            return map;
        }
        default: {
            QVariantHash hash;
            for (int i = m_rng.bounded(5); i > 0; --i)
                hash.insert(string(), value(depth + 1));
            return hash;
        }
        }
    }

private:
    bool chance(int oneIn) { return m_rng.bounded(oneIn) == 0; }

    template<typename T>
    T pick(std::initializer_list<T> choices)
    {
        return *(choices.begin() + m_rng.bounded(int(choices.size())));
    }

    QByteArray bytes(int count)
    {
        QByteArray result(count, Qt::Uninitialized);
        for (char &c : result)
            c = char(m_rng.next());
        return result;
    }

    int integer()
    {
        return int(
                pick<qint64>({0, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(),
                              qint64(int(m_rng.next())), m_rng.bounded(2000) - 1000}));
    }

    double real()
    {
        switch (m_rng.bounded(12)) {
        case 0:
            return std::numeric_limits<double>::quiet_NaN();
        case 1:
            return std::numeric_limits<double>::infinity();
        case 2:
            return -std::numeric_limits<double>::infinity();
        case 3:
            return -0.0;
        case 4:
            return std::numeric_limits<double>::denorm_min();
        case 5:
            return std::numeric_limits<double>::max();
        case 6:
            return -std::numeric_limits<double>::lowest();
        case 7:
            return 0.1 + 0.2;
        case 8: {
            const quint64 bits = m_rng.next();
            double number;
            std::memcpy(&number, &bits, sizeof number);
            return number;
        }
        default:
            return double(qint64(m_rng.next() % 2000000) - 1000000) / 1000;
        }
    }

    QString string()
    {
        static const char16_t pool[] = {u'a',      u'Z',      u'0',      u' ',      u',',
                                        u'"',      u'\n',     u'\r',     u'\t',     u'=',
                                        u'\\',     u'{',      u'[',      u':',      u'\u00fc',
                                        u'\u65e5', u'\u200b', u'\ufeff', u'\u0001', u'\u007f'};
        QString text;
        for (int i = m_rng.bounded(chance(20) ? 300 : 12); i > 0; --i) {
            switch (m_rng.bounded(10)) {
            case 0: // astral: a surrogate pair
                text += chance(2) ? QStringLiteral("\U0001F389") : QStringLiteral("\U0001D11E");
                break;
            case 1:
                if (m_allowNul)
                    text += QChar(0);
                break;
            default:
                text += QChar(pool[m_rng.bounded(int(std::size(pool)))]);
            }
        }
        return text;
    }

    QVariant date()
    {
        switch (m_rng.bounded(8)) {
        case 0:
            return QDate();
        case 1:
            return QDate(pick<int>({std::numeric_limits<int>::min(),
                                    std::numeric_limits<int>::max(), -1, 1, 9999, 10000, -10000}),
                         1 + m_rng.bounded(12), 1 + m_rng.bounded(28));
        case 2:
            return QDate(int(m_rng.next()) | 1, 1 + m_rng.bounded(12), 1 + m_rng.bounded(28));
        default:
            return QDate(m_rng.bounded(40000) - 20000 + (chance(2) ? 0 : 20001),
                         1 + m_rng.bounded(12), 1 + m_rng.bounded(28));
        }
    }

    QVariant dateTime()
    {
        // About 31 000 years either side of 1970, and now and then QDateTime's far range.
        qint64 msecs = qint64(m_rng.next() % 2000000000000000ULL) - 1000000000000000LL;
        if (chance(10))
            msecs = qint64(m_rng.next() >> 2) * (chance(2) ? 1 : -1);
        const qint64 nearNow = qint64(m_rng.next() % 8000000000000ULL) - 4000000000000LL;
        switch (m_rng.bounded(6)) {
        case 0:
            return QDateTime();
        case 1:
            return QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
        case 2: // offsets of any number of seconds
            return QDateTime::fromMSecsSinceEpoch(msecs, Qt::OffsetFromUTC,
                                                  m_rng.bounded(2 * 14 * 3600 + 1) - 14 * 3600);
        case 3: // TZ=Europe/Amsterdam: DST, and +00:19:32 before 1937
            return QDateTime::fromMSecsSinceEpoch(nearNow, Qt::LocalTime);
        case 4:
            return QDateTime::fromMSecsSinceEpoch(
                    nearNow,
                    QTimeZone(pick<QByteArray>({"Europe/Berlin", "America/St_Johns", "Asia/Kolkata",
                                                "Australia/Lord_Howe", "Pacific/Chatham",
                                                "Africa/Monrovia", "Europe/Amsterdam", "UTC"})));
        default:
            return QDateTime::fromMSecsSinceEpoch(
                    msecs, QTimeZone(m_rng.bounded(2 * 14 * 3600 + 1) - 14 * 3600));
        }
    }

    QVariant deepChain()
    {
        QVariant chain = value(4);
        // 63 lists around a value that may be a string list or int list: 64 levels.
        for (int level = 0; level < 63; ++level)
            chain = QVariantList{chain};
        return chain;
    }

    SplitMix64 m_rng;
    bool m_allowNul;
};

bool sameReal(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

// Same type and exactly the same value: floating-point numbers bit for bit (but any NaN), never
// Qt's fuzzy comparisons of QPointF, QSizeF, QRectF, QLineF; date-times with the same time spec,
// offset and zone.
bool exactlyEqual(const QVariant &a, const QVariant &b)
{
    const auto isNull = [](const QVariant &v) {
        return !v.isValid() || v.metaType().id() == QMetaType::Nullptr;
    };
    if (isNull(a) || isNull(b)) // both are stored as "null" and read back invalid
        return isNull(a) && isNull(b);
    if (a.metaType() != b.metaType())
        return false;
    switch (a.metaType().id()) {
    case QMetaType::Double:
        return sameReal(a.toDouble(), b.toDouble());
    case QMetaType::Float:
        return sameReal(a.toFloat(), b.toFloat());
    case QMetaType::QPointF:
        return sameReal(a.toPointF().x(), b.toPointF().x()) &&
                sameReal(a.toPointF().y(), b.toPointF().y());
    case QMetaType::QSizeF:
        return sameReal(a.toSizeF().width(), b.toSizeF().width()) &&
                sameReal(a.toSizeF().height(), b.toSizeF().height());
    case QMetaType::QRectF:
        return exactlyEqual(a.toRectF().topLeft(), b.toRectF().topLeft()) &&
                exactlyEqual(a.toRectF().size(), b.toRectF().size());
    case QMetaType::QLineF:
        return exactlyEqual(a.toLineF().p1(), b.toLineF().p1()) &&
                exactlyEqual(a.toLineF().p2(), b.toLineF().p2());
    case QMetaType::QDateTime: {
        const QDateTime x = a.toDateTime(), y = b.toDateTime();
        if (!x.isValid() || !y.isValid())
            return x.isValid() == y.isValid();
        return x == y && x.timeSpec() == y.timeSpec() && x.offsetFromUtc() == y.offsetFromUtc() &&
                x.timeZone().id() == y.timeZone().id() && x.date() == y.date() &&
                x.time() == y.time();
    }
    case QMetaType::QVariantList: {
        const QVariantList x = a.toList(), y = b.toList();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (!exactlyEqual(x.at(i), y.at(i)))
                return false;
        }
        return true;
    }
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash: {
        const QVariantHash x =
                a.metaType().id() == QMetaType::QVariantMap ? QVariantHash() : a.toHash();
        const QVariantMap xm = a.toMap(), ym = b.toMap();
        if (xm.keys() != ym.keys())
            return false;
        for (auto it = xm.cbegin(); it != xm.cend(); ++it) {
            if (!exactlyEqual(it.value(), ym.value(it.key())))
                return false;
        }
        Q_UNUSED(x);
        return true;
    }
    default:
        return a == b;
    }
}

QString describeExactly(const QVariant &value)
{
    QString text = describe(value);
    if (value.metaType().id() == QMetaType::QDateTime)
        text += QStringLiteral(" zone ") + QString::fromUtf8(value.toDateTime().timeZone().id());
    return text;
}

QVariantHash generate(quint64 seed, int count, bool allowNul)
{
    Generator generator(seed, allowNul);
    QVariantHash values;
    for (int i = 0; i < count; ++i)
        values.insert(QStringLiteral("k%1").arg(i), generator.value());
    return values;
}

// Empty when the store holds exactly the values; else the first differences.
QString compareStore(const PersistentMap &map, const QVariantHash &values)
{
    QStringList problems;
    if (map.count() != values.size())
        problems << QStringLiteral("%1 keys instead of %2").arg(map.count()).arg(values.size());
    for (auto it = values.cbegin(); it != values.cend() && problems.size() < 5; ++it) {
        const QVariant stored = map.value(it.key());
        if (!exactlyEqual(stored, it.value())) {
            problems << QStringLiteral("'%1' is %2, expected %3")
                                .arg(it.key(), describeExactly(stored),
                                     describeExactly(it.value()));
        }
    }
    return problems.join(QStringLiteral("; "));
}

std::unique_ptr<PersistentMap> openStore(const QString &spec, QString *error)
{
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, error);
    if (!backend)
        return nullptr;
    auto map = std::make_unique<PersistentMap>(std::move(backend));
    if (const auto failure = loadError(*map)) {
        *error = failure->message();
        return nullptr;
    }
    return map;
}

// The child: tst_roundtrip --check SPEC SEED COUNT ALLOWNUL. Exit 0 when the store holds exactly
// the values; else prints why.
int checkInChild(const QStringList &arguments)
{
    const QString spec = arguments.value(2);
    const quint64 seed = arguments.value(3).toULongLong();
    const int count = arguments.value(4).toInt();
    const bool allowNul = arguments.value(5) == u"1";
    QString error;
    const auto map = openStore(spec, &error);
    if (!map) {
        std::printf("cannot open %s: %s\n", qPrintable(spec), qPrintable(error));
        return 2;
    }
    const QString diff = compareStore(*map, generate(seed, count, allowNul));
    if (!diff.isEmpty()) {
        std::printf("%s\n", qPrintable(diff));
        return 1;
    }
    std::printf("checked %d values\n", count);
    return 0;
}

} // namespace

class tst_RoundTrip : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyTypeThroughEveryBackend_data();
    void everyTypeThroughEveryBackend();

private:
    quint64 m_seed = 0;
    int m_count = 0;
};

void tst_RoundTrip::initTestCase()
{
    bool ok = false;
    m_seed = qEnvironmentVariable("PM_ROUNDTRIP_SEED").toULongLong(&ok);
    if (!ok)
        m_seed = QRandomGenerator::system()->generate64();
    m_count = qEnvironmentVariableIntValue("PM_ROUNDTRIP_COUNT", &ok);
    if (!ok)
        m_count = 300;
    qInfo("round trip: seed %llu, %d values per backend (PM_ROUNDTRIP_SEED=%llu to reproduce)",
          m_seed, m_count, m_seed);
}

void tst_RoundTrip::everyTypeThroughEveryBackend_data()
{
    QTest::addColumn<QString>("kind");
    for (const char *kind : {"memory", "sqlite", "csv", "postgres"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

void tst_RoundTrip::everyTypeThroughEveryBackend()
{
    QFETCH(QString, kind);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::optional<PostgresTestTable> table;
    QString spec;
    if (kind == u"memory") {
        spec = QStringLiteral("memory:");
    } else if (kind == u"postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(server);
        table.emplace(server);
        spec = table->spec();
    } else {
        spec = kind + u':' +
                dir.filePath(kind == u"csv" ? QStringLiteral("store.csv")
                                            : QStringLiteral("store.db"));
    }
    const bool allowNul = kind != u"postgres";
    const QVariantHash values = generate(m_seed, m_count, allowNul);

    QString error;
    {
        const auto map = openStore(spec, &error);
        QVERIFY2(map, qPrintable(error));
        for (auto it = values.cbegin(); it != values.cend(); ++it) {
            const auto failure = failureOf(map->insert(it.key(), it.value()));
            QVERIFY2(!failure,
                     qPrintable(it.key() + QStringLiteral(": ") +
                                (failure ? failure->message() : QString()) +
                                QStringLiteral(" (seed %1)").arg(m_seed)));
        }
        // A lone surrogate cannot be held by UTF-8 text: refused, not changed.
        const auto refused = failureOf(map->insert(QStringLiteral("lone"), QString(QChar(0xd800))));
        QVERIFY(refused);
        QCOMPARE(refused->code(), PersistentMapError::Code::Unsupported);
        VERIFY_OK(map->flush());
        const QString diff = compareStore(*map, values);
        QVERIFY2(diff.isEmpty(), qPrintable(diff + QStringLiteral(" (seed %1)").arg(m_seed)));
    }
    if (kind == u"memory")
        return; // nothing outlives the map

    {
        const auto reopened = openStore(spec, &error);
        QVERIFY2(reopened, qPrintable(error));
        const QString diff = compareStore(*reopened, values);
        QVERIFY2(diff.isEmpty(), qPrintable(diff + QStringLiteral(" (seed %1)").arg(m_seed)));
    }

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--check"), spec, QString::number(m_seed), QString::number(m_count),
                 allowNul ? QStringLiteral("1") : QStringLiteral("0")});
    QVERIFY2(child.waitForFinished(60000), qPrintable(child.errorString()));
    const QByteArray output = child.readAllStandardOutput();
    QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
             qPrintable(QString::fromUtf8(output) + QStringLiteral(" (seed %1)").arg(m_seed)));
    QCOMPARE(output.trimmed(), QByteArray("checked ") + QByteArray::number(m_count) + " values");
}

int main(int argc, char **argv)
{
    // Local times with daylight saving time and offsets in seconds (+00:19:32 before 1937), the
    // same in the child, which inherits it.
    qputenv("TZ", "Europe/Amsterdam");
    QGuiApplication app(argc, argv);
    if (argc > 1 && std::strcmp(argv[1], "--check") == 0)
        return checkInChild(app.arguments());
    tst_RoundTrip test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_roundtrip.moc"
