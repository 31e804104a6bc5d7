// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Helpers shared by the test suites: the error a future failed with, and a readable
// comparison of two stores' contents.
#ifndef TESTHELPERS_H
#define TESTHELPERS_H

#include <PersistentMap/PersistentMap>

#include <QtCore/QDebug>
#include <QtCore/QFile>
#include <QtCore/QFuture>
#include <QtCore/QStringList>
#include <QtCore/QVariantHash>

#include <cmath>
#include <optional>

// Waits for the future; returns the error it failed with, if any.
inline std::optional<PersistentMapError> failureOf(QFuture<void> future)
{
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        return e;
    } catch (const std::exception &e) {
        return PersistentMapError(PersistentMapError::Code::WriteFailed,
                                  QStringLiteral("not a PersistentMapError: ") +
                                          QString::fromLocal8Bit(e.what()));
    }
    return std::nullopt;
}

// The error whenReady() failed with, or nullopt when the map loaded.
inline std::optional<PersistentMapError> loadError(const PersistentMap &map)
{
    return failureOf(map.whenReady());
}

// A file's bytes, to check that a store was left exactly as it was.
inline QByteArray readBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray("<cannot read ") + path.toUtf8() + '>';
    return file.readAll();
}

inline bool writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

inline QString describe(const QVariant &value)
{
    QString text;
    QDebug(&text).nospace() << value;
    return text;
}

// Same type and equal value (NaN equals NaN: a stored NaN must read back as NaN).
inline bool sameValue(const QVariant &a, const QVariant &b)
{
    if (a.metaType() != b.metaType())
        return false;
    if (a.metaType() == QMetaType::fromType<double>()) {
        const double x = a.toDouble();
        const double y = b.toDouble();
        return x == y || (std::isnan(x) && std::isnan(y));
    }
    return a == b;
}

// Empty when both hashes hold the same keys with values of the same type that compare equal;
// otherwise the first differences, for the failure message.
inline QString contentDiff(const QVariantHash &actual, const QVariantHash &expected)
{
    QStringList problems;
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        const auto found = actual.constFind(it.key());
        if (found == actual.cend()) {
            problems << QStringLiteral("missing '%1'").arg(it.key());
        } else if (!sameValue(*found, *it)) {
            problems << QStringLiteral("'%1' is %2, expected %3")
                                .arg(it.key(), describe(*found), describe(*it));
        }
    }
    for (auto it = actual.cbegin(); it != actual.cend(); ++it) {
        if (!expected.contains(it.key()))
            problems << QStringLiteral("unexpected '%1' = %2").arg(it.key(), describe(*it));
    }
    if (problems.size() > 12)
        problems = problems.mid(0, 12) << QStringLiteral("...");
    return problems.join(QStringLiteral("; "));
}

// Fails the test with the error's message when the future failed.
#define VERIFY_OK(future) \
    do { \
        const std::optional<PersistentMapError> failure_ = failureOf(future); \
        QVERIFY2(!failure_, failure_ ? qPrintable(failure_->message()) : ""); \
    } while (false)

#define COMPARE_CONTENT(actual, expected) \
    do { \
        const QString diff_ = contentDiff((actual), (expected)); \
        QVERIFY2(diff_.isEmpty(), qPrintable(diff_)); \
    } while (false)

#endif // TESTHELPERS_H
