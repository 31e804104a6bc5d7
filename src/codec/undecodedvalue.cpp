// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "codec/undecodedvalue_p.h"

#include "codec/valuecodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QStringDecoder>
#include <QtCore/QtEndian>

#include <atomic>
#include <optional>
#include <utility>

namespace PersistentMapInternal {

namespace {

// Why a "variant:" value cannot be decoded here because this process does not know its type;
// nullopt when it does (or the text is not even a stream: decodeValue() says what is wrong).
// Checked before decodeValue(): for a built-in type of a module that is not loaded (QColor
// without Qt Gui) Qt prints a warning on every attempt, and the map tries again at every poll.
std::optional<QString> unknownVariantType(const QString &type, const QString &text)
{
    if (!type.startsWith(LegacyStreamTagPrefix))
        return std::nullopt;
    // The stream starts with the type's id (quint32), a null flag (qint8) and, for a type
    // registered at run time (id QMetaType::User), its name: the first bytes are enough.
    constexpr qsizetype PrefixChars = 4 * 128; // whole base64 groups: 384 bytes
    const QByteArray bytes = QByteArray::fromBase64(text.left(PrefixChars).toLatin1());
    QDataStream stream(bytes);
    stream.setVersion(QDataStream::Qt_6_0);
    quint32 typeId = 0;
    qint8 isNull = 0;
    stream >> typeId >> isNull;
    bool known = true;
    // A type registered at run time (id QMetaType::User and its name): decodeValue() reads the
    // one in its table (QList<int>) whether registered or not, and refuses the others whatever
    // this process registers, saying so; registering never makes them readable.
    if (typeId < QMetaType::User && typeId != QMetaType::UnknownType) {
        // isRegistered() looks the id up without Qt's warning for an unknown one.
        known = stream.status() != QDataStream::Ok || QMetaType::isRegistered(int(typeId));
    }
    if (known)
        return std::nullopt;
    return QStringLiteral("the type %1 is not known to this process: it belongs to a Qt module "
                          "this process does not load (Qt Gui for QColor, QFont, QKeySequence)")
            .arg(type.mid(LegacyStreamTagPrefix.size()).left(64));
}

} // namespace

QVariant decodeOrKeep(const QString &type, const QString &text)
{
    if (std::optional<QString> why = unknownVariantType(type, text))
        return QVariant::fromValue(UndecodedValue{type, text, *why});
    QVariant value;
    QString error;
    if (decodeValue(type, text, &value, &error))
        return value;
    return QVariant::fromValue(UndecodedValue{type, text, error});
}

QString decodeStoredUtf8(QByteArrayView bytes, bool *valid)
{
    QString decoded;
    if (bytes.startsWith("\xEF\xBB\xBF")) {
        QStringDecoder decoder(QStringDecoder::Utf8,
                               QStringDecoder::Flag::Stateless |
                                       QStringDecoder::Flag::ConvertInitialBom);
        decoded = decoder.decode(bytes);
    } else {
        decoded = QString::fromUtf8(bytes);
    }
    // Only a text holding U+FFFD can be one that was not UTF-8: encoded again and compared (rare,
    // and the only slow case).
    if (decoded.contains(QChar::ReplacementCharacter) && decoded.toUtf8() != bytes)
        *valid = false;
    return decoded;
}

QString decodeStoredUtf16(QByteArrayView bytes, bool bigEndian, bool *valid)
{
    const qsizetype units = bytes.size() / 2;
    QString text(units, Qt::Uninitialized);
    if (bigEndian)
        qFromBigEndian<char16_t>(bytes.data(), units, text.data());
    else
        qFromLittleEndian<char16_t>(bytes.data(), units, text.data());
    if (bytes.size() % 2 != 0 || !QStringView(text).isValidUtf16())
        *valid = false;
    return text;
}

QVariant keepNotText(const QString &type, const QString &text, const QByteArray &keyBytes,
                     NotText what, const QString &detail)
{
    const QString why = what == NotText::KeyStorageClass
            ? QStringLiteral("its key is stored as %1 %2, not as text, so no write by key reaches "
                             "the row")
                      .arg(detail == u"integer" ? QLatin1StringView("an") : QLatin1StringView("a"),
                           detail)
            : QStringLiteral("its %1 is not %2")
                      .arg(QLatin1StringView(what == NotText::Key            ? "key"
                                                     : what == NotText::Type ? "type"
                                                                             : "value"),
                           detail);
    UndecodedValue kept{type, text,
                        QStringLiteral("%1 (the row's key, as bytes: x'%2'); the map neither "
                                       "serves nor writes it, and clear() removes it")
                                .arg(why, QString::fromLatin1(keyBytes.left(64).toHex())),
                        true};
    return QVariant::fromValue(std::move(kept));
}

quint64 typeRegistryStamp()
{
    // Run-time ids are handed out in order from QMetaType::User + 1: the first free one moves on
    // whenever a type is registered. Remembered, so a call looks up one id when nothing changed.
    static std::atomic<int> firstFree{QMetaType::User + 1};
    int next = firstFree.load(std::memory_order_relaxed);
    while (QMetaType::isRegistered(next))
        ++next;
    firstFree.store(next, std::memory_order_relaxed);
    const bool gui = QMetaType::isRegistered(QMetaType::FirstGuiType);
    const bool widgets = QMetaType::isRegistered(QMetaType::FirstWidgetsType);
    return quint64(next) << 2 | (gui ? 2 : 0) | (widgets ? 1 : 0);
}

} // namespace PersistentMapInternal
