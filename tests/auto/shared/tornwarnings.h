// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Counts, without printing them, the warnings PersistentMapCsvBackend gives when it drops a tail
// torn by a crash or a power loss while it opens a store (tst_crashkill, tst_powerloss).
#ifndef TORNWARNINGS_H
#define TORNWARNINGS_H

#include <QtCore/QLatin1String>
#include <QtCore/QString>
#include <QtCore/QtGlobal>

#include <atomic>

namespace TornWarnings {

inline std::atomic<int> count{0};
inline QtMessageHandler previousHandler = nullptr;

inline void countingHandler(QtMsgType type, const QMessageLogContext &context,
                            const QString &message)
{
    if (type == QtWarningMsg && message.contains(QLatin1String("probably cut off by a crash"))) {
        ++count;
        return;
    }
    previousHandler(type, context, message);
}

// From zero; other messages go on to the handler installed before.
inline void startCounting()
{
    count = 0;
    previousHandler = qInstallMessageHandler(countingHandler);
}

// Puts the previous handler back; the torn-tail warnings seen since startCounting().
inline int stopCounting()
{
    qInstallMessageHandler(previousHandler);
    return count;
}

} // namespace TornWarnings

#endif // TORNWARNINGS_H
