// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Preloaded into the unit tests of the ThreadSanitizer stage (scripts/sanitizers.sh), never
// shipped. Debian's Qt is not built with -fsanitize=thread, so ThreadSanitizer does not see the
// synchronisation done inside libQt6Core:
// - QReadWriteLock is implemented entirely in libQt6Core (atomics and futexes): without this,
//   every access guarded by one (ShardedCache's shards) is reported as a data race.
// - QWaitCondition::wait(QMutex *) unlocks and relocks the mutex inside libQt6Core, while Qt's
//   inline QMutex code in our binaries tells ThreadSanitizer about each lock and unlock
//   (qtsan_impl.h): ThreadSanitizer then believes the waiting thread still holds the mutex, and
//   reports "double lock of a mutex" and races on what the mutex protects.
// - QThreadPool hands a QRunnable (every QtConcurrent::run task) to a pool thread through a queue
//   under a mutex inside libQt6Core: the pool thread's first read of the task object is reported
//   as racing with its construction on the submitting thread.
// - QFutureInterface (behind QFuture and QPromise) orders QPromise::finish() before the return of
//   QFuture::waitForFinished() with a mutex inside libQt6Core: the exception a future failed with
//   is reported as read by the waiting thread while the finishing thread wrote it; and the copies
//   of a future share their state through a reference count, so a future dropped without waiting
//   frees that exception on a thread that never synchronised with the one that set it.
// - QThread::wait() learns that a thread finished under a mutex inside libQt6Core, and QThread
//   creates its threads detached: a QThread's members freed after wait() are reported as racing
//   with the finished thread's last use of them (QtTest's watchdog thread, deleted in qRun()).
// Each wrapper calls the real Qt function (dlsym RTLD_NEXT) and tells ThreadSanitizer what it
// did, with the sanitizer's own annotation interface. Nothing is hidden: reports still come out,
// but with the happens-before edges the real locks create. Each edge added below is one that a
// mutex inside libQt6Core really creates (the pool thread takes a task from the queue that
// QThreadPool::start() put it in; waitForFinished() sees the Finished state that reportFinished()
// set; wait() sees the finished flag that the ending thread set), so no order is invented.
//
// Only calls that cross a library boundary go through these wrappers: libQt6Core is linked with
// -Bsymbolic-functions (Debian's Qt has reduce_relocations), so its calls to its own functions
// stay inside it. The calls annotated here come from this project's binaries (QtConcurrent's and
// QFuture's templates are compiled into them) and from libQt6Test.
//
// This file is built without -fsanitize=thread and without linking the ThreadSanitizer runtime
// (scripts/sanitizers.sh). Like Qt, it is not instrumented, so its own bookkeeping (the slot
// object connected in QThread::start()) is not checked; only the annotations it makes are seen.
// The annotation functions come from the runtime the instrumented test binaries load; they are
// weak references, so a process without the runtime (ctest itself, which LD_PRELOAD reaches too)
// loads this library harmlessly and its wrappers only forward to Qt.
#include <QtCore/QDeadlineTimer>
#include <QtCore/QFutureInterfaceBase>
#include <QtCore/QMetaType>
#include <QtCore/QMutex>
#include <QtCore/QReadWriteLock>
#include <QtCore/QRunnable>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QVariant>
#include <QtCore/QWaitCondition>

#include <sanitizer/tsan_interface.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#pragma weak __tsan_acquire
#pragma weak __tsan_release
#pragma weak __tsan_mutex_pre_lock
#pragma weak __tsan_mutex_post_lock
#pragma weak __tsan_mutex_pre_unlock
#pragma weak __tsan_mutex_post_unlock

namespace {

bool runtimeLoaded()
{
    return __tsan_acquire != nullptr;
}

void acquire(const void *key)
{
    if (runtimeLoaded())
        __tsan_acquire(const_cast<void *>(key));
}

void release(const void *key)
{
    if (runtimeLoaded())
        __tsan_release(const_cast<void *>(key));
}

template<typename Fn>
Fn real(const char *symbol)
{
    void *address = dlsym(RTLD_NEXT, symbol);
    if (!address) {
        std::fprintf(stderr, "tsan_qt_sync: %s not found\n", symbol);
        std::abort();
    }
    return reinterpret_cast<Fn>(address);
}

// The mutex is released for the duration of the wait, then held again.
template<typename Fn, typename... Args>
bool waitAnnotated(Fn fn, QWaitCondition *condition, QMutex *mutex, Args... args)
{
    if (!runtimeLoaded())
        return fn(condition, mutex, args...);
    __tsan_mutex_pre_unlock(mutex, 0);
    __tsan_mutex_post_unlock(mutex, 0);
    const bool result = fn(condition, mutex, args...);
    __tsan_mutex_pre_lock(mutex, 0);
    __tsan_mutex_post_lock(mutex, 0, 0);
    return result;
}

} // namespace

bool QWaitCondition::wait(QMutex *mutex, QDeadlineTimer deadline)
{
    using Fn = bool (*)(QWaitCondition *, QMutex *, QDeadlineTimer);
    static const Fn fn = real<Fn>("_ZN14QWaitCondition4waitEP6QMutex14QDeadlineTimer");
    return waitAnnotated(fn, this, mutex, deadline);
}

bool QWaitCondition::wait(QMutex *mutex, unsigned long time)
{
    using Fn = bool (*)(QWaitCondition *, QMutex *, unsigned long);
    static const Fn fn = real<Fn>("_ZN14QWaitCondition4waitEP6QMutexm");
    return waitAnnotated(fn, this, mutex, time);
}

// QReadWriteLock: every unlock happens before every later lock of the same lock (a release and
// an acquire on its address), which is what the lock guarantees for writers.
void QReadWriteLock::lockForRead()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock11lockForReadEv");
    fn(this);
    acquire(this);
}

void QReadWriteLock::lockForWrite()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock12lockForWriteEv");
    fn(this);
    acquire(this);
}

bool QReadWriteLock::tryLockForRead()
{
    using Fn = bool (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock14tryLockForReadEv");
    const bool locked = fn(this);
    if (locked)
        acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForRead(int timeout)
{
    using Fn = bool (*)(QReadWriteLock *, int);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock14tryLockForReadEi");
    const bool locked = fn(this, timeout);
    if (locked)
        acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForWrite()
{
    using Fn = bool (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock15tryLockForWriteEv");
    const bool locked = fn(this);
    if (locked)
        acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForWrite(int timeout)
{
    using Fn = bool (*)(QReadWriteLock *, int);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock15tryLockForWriteEi");
    const bool locked = fn(this, timeout);
    if (locked)
        acquire(this);
    return locked;
}

void QReadWriteLock::unlock()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock6unlockEv");
    release(this);
    fn(this);
}

// QThreadPool: a task runs after QThreadPool::start() handed it over. QtConcurrent::run() makes a
// task object that derives from QRunnable and holds a QFutureInterface, tells that interface its
// runnable (setRunnable), then calls QThreadPool::start(task). The pool thread's first call on the
// task is QFutureInterfaceBase::isCanceled() on that same interface (RunFunctionTaskBase::run()),
// before it touches anything else of the task. So: remember which interface a runnable belongs to
// (setRunnable and start() come one after the other on the submitting thread), release on that
// interface when the runnable is handed to the pool, acquire on it in isCanceled(). A QFuture
// returned to the caller is a copy of the interface at another address, so a caller's own
// isCanceled() calls get no edge from this.
namespace {
struct PendingRunnable
{
    const QRunnable *runnable = nullptr;
    const QFutureInterfaceBase *interface = nullptr;
};
thread_local PendingRunnable pendingRunnable;

void releaseHandedOver(const QRunnable *runnable)
{
    if (runnable && pendingRunnable.runnable == runnable) {
        release(pendingRunnable.interface);
        pendingRunnable = {};
    }
}
} // namespace

void QFutureInterfaceBase::setRunnable(QRunnable *runnable)
{
    using Fn = void (*)(QFutureInterfaceBase *, QRunnable *);
    static const Fn fn = real<Fn>("_ZN20QFutureInterfaceBase11setRunnableEP9QRunnable");
    fn(this, runnable);
    pendingRunnable = {runnable, this};
}

void QThreadPool::start(QRunnable *runnable, int priority)
{
    using Fn = void (*)(QThreadPool *, QRunnable *, int);
    static const Fn fn = real<Fn>("_ZN11QThreadPool5startEP9QRunnablei");
    releaseHandedOver(runnable);
    fn(this, runnable, priority);
}

bool QThreadPool::tryStart(QRunnable *runnable)
{
    using Fn = bool (*)(QThreadPool *, QRunnable *);
    static const Fn fn = real<Fn>("_ZN11QThreadPool8tryStartEP9QRunnable");
    releaseHandedOver(runnable);
    return fn(this, runnable);
}

bool QFutureInterfaceBase::isCanceled() const
{
    using Fn = bool (*)(const QFutureInterfaceBase *);
    static const Fn fn = real<Fn>("_ZNK20QFutureInterfaceBase10isCanceledEv");
    acquire(this);
    return fn(this);
}

// QFutureInterface: everything the finishing thread did before reportFinished() (QPromise::finish,
// the end of a QtConcurrent task) happens before waitForFinished() returns or rethrows the
// exception the future failed with. The key is the private state that all copies of one
// QFuture/QPromise share (d). isFinished() is left alone on purpose: it reads the state with a
// relaxed load, so a thread that only polls it is not ordered after the finishing thread.
void QFutureInterfaceBase::reportFinished()
{
    using Fn = void (*)(QFutureInterfaceBase *);
    static const Fn fn = real<Fn>("_ZN20QFutureInterfaceBase14reportFinishedEv");
    release(d);
    fn(this);
}

void QFutureInterfaceBase::waitForFinished()
{
    using Fn = void (*)(QFutureInterfaceBase *);
    static const Fn fn = real<Fn>("_ZN20QFutureInterfaceBase15waitForFinishedEv");
    try {
        fn(this);
    } catch (...) {
        acquire(d);
        throw;
    }
    acquire(d);
}

// The copies of one QFuture/QPromise share d through a reference count inside libQt6Core; the
// copy that drops the last reference deletes d, and with it the exception the future failed
// with. A future nobody waited for can be dropped last on another thread than the one that set
// the exception. Each destruction releases on d and then acquires on it, the order an atomic
// reference count gives: the last one is ordered after everything the others did.
QFutureInterfaceBase::~QFutureInterfaceBase()
{
    using Fn = void (*)(QFutureInterfaceBase *);
    static const Fn fn = real<Fn>("_ZN20QFutureInterfaceBaseD2Ev");
    release(d);
    acquire(d);
    fn(this);
}

// QThread: everything a thread did before it finished happens before QThread::wait() returns
// true. QThread emits finished() on the thread itself once run() returned, before wait() can see
// the thread as finished; a direct connection made before the thread starts releases there (a
// thread started again gets one more, which releases on the same key). Threads started inside
// libQt6Core, such as QThreadPool's, do not come through here.
void QThread::start(Priority priority)
{
    using Fn = void (*)(QThread *, Priority);
    static const Fn fn = real<Fn>("_ZN7QThread5startENS_8PriorityE");
    QObject::connect(this, &QThread::finished, [thread = this] { release(thread); });
    fn(this, priority);
}

bool QThread::wait(QDeadlineTimer deadline)
{
    using Fn = bool (*)(QThread *, QDeadlineTimer);
    static const Fn fn = real<Fn>("_ZN7QThread4waitE14QDeadlineTimer");
    const bool finished = fn(this, deadline);
    if (finished)
        acquire(this);
    return finished;
}

// QMetaType: a type without a built-in id gets one the first time it is needed, and Qt adds it
// to its registry of custom types under that registry's lock, inside libQt6Core. Two threads
// registering types (the storage thread: QSQLite's handle(), a QVariant of sqlite3*; the main
// thread: qRegisterMetaType<QList<int>>() in the value codec) were reported as racing on the
// registry's list (tst_migrations::importKilledMidCommitIsAllOrNothing, in migrationchild). The
// two ways in from outside libQt6Core are annotated as that lock, and only when they register:
// QMetaType::idHelper(), which the inline QMetaType::id() calls for a type without an id yet, and
// QVariant's constructor from a QMetaType (QVariant::fromValue()), which registers the type it
// is given. A call for a type that already has its id takes no lock in Qt and gets no edge here.
namespace {
int metaTypeRegistry; // the key standing for the registry's lock

bool registers(QMetaType type)
{
    return type.iface() && type.iface()->typeId.loadRelaxed() == 0;
}
} // namespace

int QMetaType::idHelper() const
{
    using Fn = int (*)(const QMetaType *);
    static const Fn fn = real<Fn>("_ZNK9QMetaType8idHelperEv");
    acquire(&metaTypeRegistry);
    const int id = fn(this);
    release(&metaTypeRegistry);
    return id;
}

QVariant::QVariant(QMetaType type, const void *copy)
{
    // This body replaces Qt's: the real constructor initializes the object afresh.
    using Fn = void (*)(QVariant *, QMetaType, const void *);
    static const Fn fn = real<Fn>("_ZN8QVariantC1E9QMetaTypePKv");
    if (!registers(type)) {
        fn(this, type, copy);
        return;
    }
    acquire(&metaTypeRegistry);
    fn(this, type, copy);
    release(&metaTypeRegistry);
}
