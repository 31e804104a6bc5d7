// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Running a helper process in a mount namespace of its own, where it bind-mounts the store file
// onto another file (a single-file bind mount, as a container volume gives): tst_csvbackend and
// tst_transientfaults. As root `unshare -m` (it works in a chroot too, where a user namespace
// cannot be made); as anyone else `unshare -rm`, which needs the kernel to allow user namespaces.
#ifndef BINDMOUNT_H
#define BINDMOUNT_H

#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QStringList>
#include <QtTest/QTest>

#include <unistd.h>

// unshare(1) and its option, or an empty list with *why when no mount namespace can be made.
inline QStringList mountNamespaceCommand(QString *why)
{
    const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
    if (unshare.isEmpty()) {
        *why = QStringLiteral("no unshare(1) here (util-linux)");
        return {};
    }
    const QString option = ::geteuid() == 0 ? QStringLiteral("-m") : QStringLiteral("-rm");
    if (QProcess::execute(unshare, {option, QStringLiteral("true")}) != 0) {
        *why = QStringLiteral("unshare %1 fails here (no user namespaces for this user)")
                       .arg(option);
        return {};
    }
    return {unshare, option};
}

// A test that needs a bind mount skips, saying why, where none can be made; under
// PM_REQUIRE_BIND_MOUNT=1 (scripts/test.sh sets it for root, who can always make one) it fails
// instead, so that CI never skips it silently.
#define BIND_MOUNT_UNAVAILABLE(why) \
    do { \
        if (qEnvironmentVariableIntValue("PM_REQUIRE_BIND_MOUNT")) \
            QFAIL(qPrintable(QStringLiteral("PM_REQUIRE_BIND_MOUNT=1: ") + (why))); \
        QSKIP(qPrintable(why)); \
    } while (false)

#endif // BINDMOUNT_H
