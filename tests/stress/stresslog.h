// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The multi-process stress suite's log (issue 11, item 7): every stressworker writes one log file
// of text lines, tst_stress reads them all back after the workers exited. Fields are separated by
// one space; keys, values and messages are percent-encoded behind a 'v' (a removal is a bare
// 'x'), so any text survives, line breaks and spaces included.
//
//   op PROC SEQ KIND ISSUED ACKED N KEY VALUE ...   a write and its effects, one pair per key
//                                                   (the last entry for a key: what the store
//                                                   holds once it committed); KIND insert,
//                                                   remove, batch, hash, clear (N 0: every key),
//                                                   flush (N 0); ACKED "failed" when its future
//                                                   failed
//   fail PROC SEQ CODE MESSAGE                      the error a write's future failed with
//   error TIME MESSAGE                              an errorOccurred signal
//   session PROC OPENED CLOSED                      the worker owned the store (it was open for
//                                                   writing) at least from OPENED to CLOSED
//   sig TIME c KEY VALUE | sig TIME r KEY           a valueChanged / valueRemoved signal
//   summary NAME=VALUE ...                          counts, written last
//
// Times are CLOCK_MONOTONIC nanoseconds: one clock for every process on the machine, so times of
// different workers compare. ISSUED is read before the call that makes the write, ACKED after its
// future was seen finished, so the commit happened between the two.
#ifndef STRESSLOG_H
#define STRESSLOG_H

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <time.h>

namespace StressLog {

inline qint64 monotonicNs()
{
    timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

inline QByteArray encode(const QString &text)
{
    return 'v' + text.toUtf8().toPercentEncoding();
}

constexpr char Removed[] = "x";

// False when the field is not an encoded text (a removal's "x", or damage).
inline bool decode(const QByteArray &field, QString *text)
{
    if (!field.startsWith('v'))
        return false;
    *text = QString::fromUtf8(QByteArray::fromPercentEncoding(field.mid(1)));
    return true;
}

} // namespace StressLog

#endif // STRESSLOG_H
