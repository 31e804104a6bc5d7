// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/files/filewatch_p.h"

#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMutex>
#include <QtCore/QSet>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>

#include <pthread.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace PersistentMapInternal {

namespace {

using Clock = std::chrono::steady_clock;

// What a folder's watch reports: changes to the files in it, and the end of the watch itself.
// How long the watch thread lets events gather after a round that read some (run()).
constexpr int BurstPauseMs = 1;
constexpr uint32_t FolderMask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |
        IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// File systems whose files other hosts (or a user-space server) change without this kernel
// seeing it, so inotify stays silent (statfs(2) f_type; linux/magic.h and the file systems' own
// sources where it has none).
const char *remoteFileSystem(unsigned long type)
{
    switch (type) {
    case 0x6969:
        return "NFS";
    case 0x517B:
        return "SMB";
    case 0xFF534D42:
        return "CIFS";
    case 0xFE534D42:
        return "SMB2";
    case 0x65735546:
        return "FUSE";
    case 0x01021997:
        return "9P";
    case 0x73757245:
        return "Coda";
    case 0x5346414F:
    case 0x6B414653:
        return "AFS";
    case 0x00C36400:
        return "Ceph";
    case 0x01161970:
        return "GFS2";
    case 0x7461636F:
        return "OCFS2";
    case 0x0BD00BD0:
        return "Lustre";
    case 0x564C:
        return "NCP";
    default:
        return nullptr;
    }
}

} // namespace

struct FileWatch::Entry
{
    struct Watched
    {
        int descriptor; // -1: the watch was lost (folder removed or renamed), watched again
        QSet<QByteArray> names; // files in it
        QByteArray path;
    };
    std::function<void()> changed;
    QList<Watched> folders;
    std::optional<Clock::time_point> recheck;
};

// The process's inotify instance and the thread that reads it (no event loop: poll(2) on the
// instance and on an eventfd that wakes it for a new recheck or for the end). A std::thread, not
// a QThread: a QThread makes an event dispatcher (a descriptor of its own) it would never use.
class FileWatchHub
{
public:
    static std::shared_ptr<FileWatchHub> acquire(QString *why, bool *refused)
    {
        static QMutex mutex;
        static std::weak_ptr<FileWatchHub> shared;
        const QMutexLocker locker(&mutex);
        if (std::shared_ptr<FileWatchHub> hub = shared.lock())
            return hub;
        const int inotifyFd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotifyFd < 0) {
            const int error = errno;
            *refused = true;
            // EMFILE is either limit (inotify(7)): a descriptor of another kind tells which.
            QString limit;
            if (error == EMFILE) {
                const int probe = eventfd(0, EFD_CLOEXEC);
                if (probe < 0) {
                    limit = QStringLiteral("this process's descriptor limit, RLIMIT_NOFILE");
                } else {
                    ::close(probe);
                    limit = QStringLiteral("the user's inotify instances, "
                                           "fs.inotify.max_user_instances");
                }
            } else if (error == ENFILE) {
                limit = QStringLiteral("the system's descriptor limit, fs.file-max");
            }
            *why = QStringLiteral("inotify is not available: %1%2")
                           .arg(qt_error_string(error),
                                limit.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(limit));
            return nullptr;
        }
        const int wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wakeFd < 0) {
            *refused = true;
            *why = QStringLiteral("no eventfd: %1").arg(qt_error_string(errno));
            ::close(inotifyFd);
            return nullptr;
        }
        auto hub = std::shared_ptr<FileWatchHub>(new FileWatchHub(inotifyFd, wakeFd));
        hub->m_thread = std::thread([raw = hub.get()] {
            pthread_setname_np(pthread_self(), "PM file watch");
            raw->run();
        });
        shared = hub;
        return hub;
    }
    ~FileWatchHub()
    {
        stopping = true;
        wake();
        m_thread.join();
        ::close(inotifyFd);
        ::close(wakeFd);
    }
    void wake()
    {
        const uint64_t one = 1;
        (void)::write(wakeFd, &one, sizeof one);
    }

    const int inotifyFd;
    const int wakeFd;
    QMutex mutex; // guards what follows; `changed` callbacks run with it held
    QHash<int, int> references; // watch descriptor: entries using it
    QList<FileWatch::Entry *> entries;

private:
    FileWatchHub(int inotify, int wake)
        : inotifyFd(inotify)
        , wakeFd(wake)
    {
    }
    void run();
    void dispatch(const char *buffer, ssize_t size, QSet<FileWatch::Entry *> *fired);
    void watchAgain(QSet<FileWatch::Entry *> *fired);

    std::atomic<bool> stopping{false};
    std::thread m_thread;
};

void FileWatchHub::run()
{
    alignas(inotify_event) char buffer[16 * 1024];
    bool delivered = false; // the previous round read events from the kernel
    while (!stopping) {
        // A writer's commit is many write() calls, each an event (the map's own commits too:
        // inotify does not say who wrote). After a round that read events, the next waits 1 ms,
        // while the kernel merges the identical events that follow into one: at most about 1 000
        // rounds a second during a write burst instead of one per write() (53 000 in pm-bench
        // W1 at 100 000 entries), and a change after a quiet period is still told at once.
        if (delivered) {
            // wake() (a new recheck) does not cut the pause short: the round after it looks at
            // every entry's recheck anyway. Only the end (stopping) does.
            const Clock::time_point until = Clock::now() + std::chrono::milliseconds(BurstPauseMs);
            for (Clock::time_point now = Clock::now(); now < until; now = Clock::now()) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now);
                pollfd wakeOnly{wakeFd, POLLIN, 0};
                if (::poll(&wakeOnly, 1, int(left.count())) > 0) {
                    uint64_t count;
                    (void)::read(wakeFd, &count, sizeof count);
                }
                if (stopping)
                    return;
            }
        }
        int timeout = -1; // no recheck due: sleep until the kernel or wake() says something
        {
            const QMutexLocker locker(&mutex);
            const Clock::time_point now = Clock::now();
            for (const FileWatch::Entry *entry : std::as_const(entries)) {
                if (!entry->recheck)
                    continue;
                const auto left =
                        std::chrono::ceil<std::chrono::milliseconds>(*entry->recheck - now);
                const int ms = int(std::max<qint64>(0, left.count()));
                timeout = timeout < 0 ? ms : std::min(timeout, ms);
            }
        }
        pollfd fds[2] = {{inotifyFd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
        if (::poll(fds, 2, timeout) < 0 && errno != EINTR)
            return;
        if (stopping)
            return;
        if (fds[1].revents & POLLIN) {
            uint64_t count;
            (void)::read(wakeFd, &count, sizeof count);
        }
        QSet<FileWatch::Entry *> fired;
        const QMutexLocker locker(&mutex);
        delivered = false;
        if (fds[0].revents & POLLIN) {
            for (;;) {
                const ssize_t got = ::read(inotifyFd, buffer, sizeof buffer);
                if (got <= 0)
                    break;
                delivered = true;
                dispatch(buffer, got, &fired);
            }
        }
        watchAgain(&fired);
        const Clock::time_point now = Clock::now();
        for (FileWatch::Entry *entry : std::as_const(entries)) {
            if (entry->recheck && *entry->recheck <= now) {
                entry->recheck.reset();
                fired.insert(entry);
            }
        }
        for (FileWatch::Entry *entry : std::as_const(fired))
            entry->changed();
    }
}

void FileWatchHub::dispatch(const char *buffer, ssize_t size, QSet<FileWatch::Entry *> *fired)
{
    for (ssize_t offset = 0; offset < size;) {
        const auto *event = reinterpret_cast<const inotify_event *>(buffer + offset);
        offset += ssize_t(sizeof(inotify_event)) + event->len;
        if (event->mask & IN_Q_OVERFLOW) { // events were lost: everyone looks
            for (FileWatch::Entry *entry : std::as_const(entries))
                fired->insert(entry);
            continue;
        }
        // The folder's watch ended (removed, renamed, unmounted): its files' fate is unknown.
        // The path may name another folder now (or none): watchAgain() watches the path again.
        const bool watchLost = event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF);
        const QByteArray name = event->len ? QByteArray(event->name) : QByteArray();
        for (FileWatch::Entry *entry : std::as_const(entries)) {
            for (auto it = entry->folders.begin(); it != entry->folders.end(); ++it) {
                if (it->descriptor != event->wd)
                    continue;
                if (watchLost || it->names.contains(name))
                    fired->insert(entry);
                if (watchLost)
                    it->descriptor = -1;
            }
        }
        if (watchLost && references.remove(event->wd) && !(event->mask & IN_IGNORED))
            inotify_rm_watch(inotifyFd, event->wd); // a renamed folder: no longer the path's
    }
}

// Folders whose watch was lost are watched again by path: the folder now there is the store's.
// Changes made before the new watch are unknown, so the entry is told. While the path names no
// folder, it is tried again (and the entry told) every second.
void FileWatchHub::watchAgain(QSet<FileWatch::Entry *> *fired)
{
    for (FileWatch::Entry *entry : std::as_const(entries)) {
        for (FileWatch::Entry::Watched &folder : entry->folders) {
            if (folder.descriptor >= 0)
                continue;
            const int descriptor = inotify_add_watch(inotifyFd, folder.path, FolderMask);
            if (descriptor >= 0) {
                folder.descriptor = descriptor;
                ++references[descriptor];
                fired->insert(entry);
                continue;
            }
            const Clock::time_point retry = Clock::now() + std::chrono::seconds(1);
            if (!entry->recheck || *entry->recheck > retry)
                entry->recheck = retry;
        }
    }
}

std::unique_ptr<FileWatch> FileWatch::create(const QList<Folder> &folders,
                                             std::function<void()> changed,
                                             QMessageLogger::CategoryFunction category,
                                             const QString &store)
{
    QString why;
    bool refused = false;
    std::unique_ptr<FileWatch> watch = tryCreate(folders, std::move(changed), &why, &refused);
    if (!watch) {
        const QString message = store + QStringLiteral(": polled instead of watched: ") + why;
        if (refused)
            qCWarning(category).noquote() << message;
        else
            qCInfo(category).noquote() << message;
    }
    return watch;
}

std::unique_ptr<FileWatch> FileWatch::tryCreate(const QList<Folder> &folders,
                                                std::function<void()> changed, QString *why,
                                                bool *refused)
{
    for (const Folder &folder : folders) {
        if (!fileSystemWatchable(folder.path, why))
            return nullptr;
    }
    std::shared_ptr<FileWatchHub> hub = FileWatchHub::acquire(why, refused);
    if (!hub)
        return nullptr;
    std::unique_ptr<FileWatch> watch(new FileWatch);
    watch->m_hub = hub;
    auto entry = std::make_unique<Entry>();
    entry->changed = std::move(changed);
    const QMutexLocker locker(&hub->mutex);
    const auto release = [&] {
        for (const Entry::Watched &folder : std::as_const(entry->folders)) {
            const int descriptor = folder.descriptor;
            if (--hub->references[descriptor] == 0) {
                hub->references.remove(descriptor);
                inotify_rm_watch(hub->inotifyFd, descriptor);
            }
        }
    };
    for (const Folder &folder : folders) {
        const int descriptor =
                inotify_add_watch(hub->inotifyFd, QFile::encodeName(folder.path), FolderMask);
        if (descriptor < 0) {
            const int error = errno;
            *refused = true;
            *why = QStringLiteral("cannot watch the folder %1: %2%3")
                           .arg(folder.path, qt_error_string(error),
                                error == ENOSPC ? QStringLiteral(" (fs.inotify.max_user_watches)")
                                                : QString());
            release();
            return nullptr;
        }
        ++hub->references[descriptor];
        QSet<QByteArray> names;
        for (const QString &name : folder.names)
            names.insert(QFile::encodeName(name));
        entry->folders.append({descriptor, names, QFile::encodeName(folder.path)});
    }
    watch->m_entry = entry.release();
    hub->entries.append(watch->m_entry);
    return watch;
}

FileWatch::~FileWatch()
{
    if (!m_entry)
        return; // tryCreate() gave up before the entry was made (a folder it could not watch)
    {
        const QMutexLocker locker(&m_hub->mutex);
        m_hub->entries.removeOne(m_entry);
        for (const Entry::Watched &folder : std::as_const(m_entry->folders)) {
            const int descriptor = folder.descriptor;
            if (descriptor < 0)
                continue;
            if (--m_hub->references[descriptor] == 0) {
                m_hub->references.remove(descriptor);
                inotify_rm_watch(m_hub->inotifyFd, descriptor);
            }
        }
    }
    delete m_entry;
    // The last watch of the process stops the thread here (FileWatchHub's destructor).
}

void FileWatch::recheckAfter(int milliseconds)
{
    const Clock::time_point due = Clock::now() + std::chrono::milliseconds(milliseconds);
    {
        const QMutexLocker locker(&m_hub->mutex);
        if (m_entry->recheck && *m_entry->recheck <= due)
            return;
        m_entry->recheck = due;
    }
    m_hub->wake();
}

bool fileSystemWatchable(const QString &path, QString *why)
{
    if (qEnvironmentVariable("PERSISTENTMAP_FILE_WATCH") == u"poll") {
        *why = QStringLiteral("PERSISTENTMAP_FILE_WATCH=poll");
        return false;
    }
    struct statfs info;
    if (::statfs(QFile::encodeName(path).constData(), &info) != 0) {
        *why = QStringLiteral("cannot tell the file system of %1: %2")
                       .arg(path, qt_error_string(errno));
        return false;
    }
    if (const char *kind = remoteFileSystem(static_cast<unsigned long>(info.f_type))) {
        *why = QStringLiteral("%1 is on a %2 file system, whose changes made elsewhere the "
                              "kernel does not report")
                       .arg(path, QLatin1String(kind));
        return false;
    }
    return true;
}

} // namespace PersistentMapInternal
